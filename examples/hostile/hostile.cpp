// SPDX-License-Identifier: BSD-2-Clause
// hostile: a component that tries, in one boot, everything a component can do to its neighbours
// with what the system description gives it, and reports what happened. The boot tests run it
// beside the serial console (Microkit, examples/hostile/hostile.system) and beside the runtime
// demo (examples/runtime-demo), and check that every other component keeps working, that each
// attempt is refused or contained, and that what is reported about it is rate-limited.
//
// Attempts that end the attempting component (a fault stops it) are made by two more
// components: hostile_mem.cpp and hostile_cap.cpp. In Microkit mode this one is their parent
// and reports their faults from its fault() hook; in runtime mode the root task reports them.
//
// Its configuration (kaal_config.hpp), by mode:
//   Microkit: a serial console client (serial_tx_queue, serial_tx, serial_rx_queue, serial_rx,
//             serial_input_index), without the privilege of switching input.
//   runtime:  ppc_server, a channel it may call ipc-ppc's server on; serial_driver, a channel
//             to the 16550 driver.
#include <atomic>
#include <optional>
#include <string_view>

#include <kaal/dddk/serial_queue.hpp>
#include <kaal/ipc/ring_buffer.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/serial/console_writer.hpp>
#include <kaal/services/serial/input_protocol.hpp>

#include "../system-composition/line.hpp"
#include "kaal_config.hpp"

namespace {

using composition::Line;
using kaal::Channel;
using kaal::Error;
using kaal::MessageInfo;
namespace serial = kaal::services::serial;

constexpr unsigned floods = 10'000;
constexpr unsigned bad_calls = 300;
constexpr unsigned flips = 1000;

class Hostile {
public:
    void init() { attack(); }

    void notified(Channel) {}

    // Microkit: a child's fault, from the kernel through the fault endpoint the tool gave this
    // PD for it. It stays stopped: no reply.
    std::optional<MessageInfo> fault(kaal::Child child, MessageInfo msg) {
        Line line;
        line.add("child ")
            .add(child.id())
            .add(child.id() == 0 ? " (hostile_mem)" : " (hostile_cap)");
        line.add(" faulted, fault type ").add(msg.label()).add("; it stays stopped\n");
        say(line.view());
        return std::nullopt;
    }

private:
    void attack() {
#if defined(KAAL_PLATFORM_MICROKIT)
        if (auto console =
                serial::ConsoleWriter::attach(config::serial_tx_queue, config::serial_tx);
            console.ok()) {
            console_.emplace(*console);
        }
        say("starting: input stealing, malformed calls, notification floods, garbage indices\n");
        steal_input();
        call_badly(config::serial_rx, "the RX mux");
        flood(config::serial_tx, config::serial_rx, "each mux");
        flip_tx_indices();
        scribble_rx_head();
        say("all attempts made\n");
#else
        say("starting: input stealing, malformed calls, notification floods, garbage indices\n");
        call_badly(config::ppc_server, "ipc-ppc's server");
        flood(config::serial_driver, config::serial_driver, "the serial driver");
        forge_faults();
#endif
    }

#if defined(KAAL_PLATFORM_MICROKIT)
    // Asks the RX mux to send it the input typed for the owner, without the privilege.
    void steal_input() {
        kaal::mr_set(0, config::serial_input_index); // itself
        const auto reply = kaal::ppcall(config::serial_rx, {serial::SelectInput::label, 1});
        const bool refused = reply.ok() && kaal::is_error_reply(*reply) &&
                             kaal::reply_error(*reply) == Error::not_permitted;
        Line line;
        line.add("steal input: select_input(")
            .add(config::serial_input_index)
            .add(") -> ")
            .add(refused ? "not permitted: refused\n" : "FAILED: accepted\n");
        say(line.view());
    }
#endif

    // Unknown labels, wrong lengths, and lengths past the message registers (the kernel caps a
    // message at seL4_MsgMaxLength words; KaaL's decoder checks what arrives).
    void call_badly(Channel server, std::string_view who) {
        unsigned errors = 0;
        for (unsigned i = 0; i < bad_calls; ++i) {
            const kaal::Word label = 50 + i % 50;
            const unsigned length = i % 3 == 0 ? 120 : i % 7;
            for (unsigned r = 0; r < 4; ++r) {
                kaal::mr_set(r, ~kaal::Word{0} - i);
            }
            const auto reply = kaal::ppcall(server, MessageInfo{label, length});
            errors += reply.ok() && kaal::is_error_reply(*reply) ? 1U : 0U;
        }
        Line line;
        line.add(bad_calls).add(" malformed and oversized calls to ").add(who).add(": ");
        line.add(errors).add(errors == bad_calls ? " error replies\n" : " error replies, FAILED\n");
        say(line.view());
    }

    void flood(Channel a, Channel b, std::string_view who) {
        for (unsigned i = 0; i < floods; ++i) {
            static_cast<void>(kaal::notify(a));
            static_cast<void>(kaal::notify(b));
        }
        Line line;
        line.add("notification floods: ").add(floods).add(" to ").add(who).add("\n");
        say(line.view());
    }

#if defined(KAAL_PLATFORM_MICROKIT)
    // Its own TX queue, which the TX mux reads: `tail` far past anything the capacity allows,
    // then back, a thousand times, waking the mux each time so it sees every change. The mux
    // must report with back-off and keep serving the others.
    void flip_tx_indices() {
        if (!console_) {
            return;
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the tool patched the region's address in
        auto* control = reinterpret_cast<kaal::ipc::RingControl*>(config::serial_tx_queue);
        std::atomic_ref tail{control->tail};
        const auto good = tail.load(std::memory_order_relaxed);
        for (unsigned i = 0; i < flips; ++i) {
            tail.store(good + 3 * kaal::dddk::serial::queue_capacity, std::memory_order_release);
            static_cast<void>(kaal::notify(config::serial_tx));
            tail.store(good, std::memory_order_release);
            static_cast<void>(kaal::notify(config::serial_tx));
        }
        // Backwards: the producer "un-pushes". The mux keeps the items it was shown.
        tail.store(good - 64, std::memory_order_release);
        static_cast<void>(kaal::notify(config::serial_tx));
        tail.store(good, std::memory_order_release);
        Line line;
        line.add("TX queue restored after ").add(flips).add(" corrupt/consistent flips\n");
        say(line.view());
    }

    // Its RX queue, which the RX mux writes: a garbage `head` (the consumer's index). The mux
    // writes only to the input owner, and never outside the queue.
    void scribble_rx_head() {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the tool patched the region's address in
        auto* control = reinterpret_cast<kaal::ipc::RingControl*>(config::serial_rx_queue);
        std::atomic_ref head{control->head};
        const auto good = head.load(std::memory_order_relaxed);
        for (unsigned i = 0; i < 100; ++i) {
            head.store(good + 0x7fff'0000U + i, std::memory_order_release);
            static_cast<void>(kaal::notify(config::serial_rx));
        }
        head.store(good, std::memory_order_release);
        say("RX queue head scribbled and restored\n");
    }
#endif

#if defined(KAAL_PLATFORM_RUNTIME)
    // Sends what the kernel sends for a VM fault, on the fault endpoint the root task put in
    // its CSpace. The root task must stop it at the first one (platform/runtime/fault_ledger.hpp).
    void forge_faults() {
        for (unsigned i = 0; i < 200; ++i) {
            seL4_SetMR(seL4_VMFault_IP, 0x20'0000);
            seL4_SetMR(seL4_VMFault_Addr, 0xdead'0000 + i);
            seL4_SetMR(seL4_VMFault_PrefetchFault, 0);
            seL4_SetMR(seL4_VMFault_FSR, 2);
            seL4_Send(kaal::runtime::fault_cap,
                      seL4_MessageInfo_new(seL4_Fault_VMFault, 0, 0, seL4_VMFault_Length));
        }
        say("FAILED: still running after 200 forged fault messages\n");
    }
#endif

    // Microkit: through its TX queue, so its lines come out whole and prefixed "[hostile] ".
    // Runtime: the kernel's debug console, as every runtime-demo component prints.
    void say(std::string_view text) {
        if (console_) {
            static_cast<void>(console_->write(text));
            static_cast<void>(console_->flush());
            return;
        }
        kaal::debug::print("hostile: ");
        for (const char c : text) {
            kaal::debug::print(c);
        }
    }

    std::optional<serial::ConsoleWriter> console_;
};

} // namespace

KAAL_COMPONENT(Hostile);
