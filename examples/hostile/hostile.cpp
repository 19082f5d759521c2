// SPDX-License-Identifier: BSD-2-Clause
// hostile: a component that tries, in one boot, everything a component can do to its neighbours
// with what the system description gives it, and reports what happened. The boot tests run it
// beside the serial console (Microkit, examples/hostile/hostile.system) and beside the runtime
// demo (examples/runtime-demo), and check that every other component keeps working, that each
// attempt is refused or contained, and that what is reported about it is rate-limited.
//
// One image, several instances told apart by their names, because some attempts end the
// attempting component: a fault stops it.
//   hostile          everything that does not fault (then, in runtime mode, forged fault
//                    messages, which stop it as a fault would)
//   hostile_mem      writes to an address it does not map (a neighbour's queue address)
//   hostile_cap      invokes a CSpace slot it was not given
// In Microkit mode hostile is the parent of the other two and reports their faults from its
// fault() hook; in runtime mode the root task reports them.
//
// Channels and variables, by mode:
//   Microkit: 0 to the TX mux (its TX queue `tx_queue`), 1 to the RX mux (its RX queue
//             `rx_queue`, pp="true"); children 0 (hostile_mem) and 1 (hostile_cap).
//   runtime:  0 to ipc-ppc's server (pp), 1 to the serial driver.
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

extern "C" {
kaal::Word tx_queue; // Microkit: setvar_vaddr of its TX queue to the TX mux
kaal::Word rx_queue; // Microkit: setvar_vaddr of its RX queue from the RX mux
}

namespace {

using composition::Line;
using kaal::Channel;
using kaal::Error;
using kaal::MessageInfo;
namespace serial = kaal::services::serial;

constexpr Channel first_channel{0};  // Microkit: the TX mux; runtime: ipc-ppc's server
constexpr Channel second_channel{1}; // Microkit: the RX mux; runtime: the serial driver
constexpr unsigned floods = 10'000;
constexpr unsigned bad_calls = 300;
constexpr unsigned flips = 1000;
// Where its neighbours map their queues (Microkit: the PL011 driver's UART page; runtime: the
// serial driver's TX queue). hostile_mem maps nothing there.
#if defined(KAAL_PLATFORM_MICROKIT)
constexpr kaal::Word neighbours_address = 0x200'0000;
#else
constexpr kaal::Word neighbours_address = 0x4000'0000;
#endif
// A slot of its CNode that holds nothing (runtime: past every slot the root task fills), and a
// CPtr past its CNode altogether, which names no slot at all.
constexpr seL4_CPtr empty_slot = 200;
constexpr seL4_CPtr foreign_cptr = 0x10000;

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

class Hostile {
public:
    void init() {
        const std::string_view name{kaal::component_name()};
        if (ends_with(name, "mem")) {
            write_unmapped();
        } else if (ends_with(name, "cap")) {
            invoke_empty_slot();
        } else {
            attack();
        }
    }

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
        if (auto console = serial::ConsoleWriter::attach(tx_queue, first_channel); console.ok()) {
            console_.emplace(*console);
        }
        say("starting: input stealing, malformed calls, notification floods, garbage indices\n");
#if defined(KAAL_PLATFORM_MICROKIT)
        steal_input();
        call_badly(second_channel, "the RX mux");
        flood(first_channel, second_channel, "each mux");
        flip_tx_indices();
        scribble_rx_head();
        say("all attempts made\n");
#else
        call_badly(first_channel, "ipc-ppc's server");
        flood(second_channel, second_channel, "the serial driver");
        forge_faults();
#endif
    }

    // Asks the RX mux to send it the input typed for the owner, without the privilege.
    void steal_input() {
        kaal::mr_set(0, 1); // itself: the mux's client 1
        const auto reply = kaal::ppcall(second_channel, {serial::SelectInput::label, 1});
        const bool refused = reply.ok() && kaal::is_error_reply(*reply) &&
                             kaal::reply_error(*reply) == Error::not_permitted;
        Line line;
        line.add("steal input: select_input(1) -> ")
            .add(refused ? "not permitted: refused\n" : "FAILED: accepted\n");
        say(line.view());
    }

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

    // Its own TX queue, which the TX mux reads: `tail` far past anything the capacity allows,
    // then back, a thousand times, waking the mux each time so it sees every change. The mux
    // must report with back-off and keep serving the others.
    void flip_tx_indices() {
        if (!console_) {
            return;
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the tool patched the region's address in
        auto* control = reinterpret_cast<kaal::ipc::RingControl*>(tx_queue);
        std::atomic_ref tail{control->tail};
        const auto good = tail.load(std::memory_order_relaxed);
        for (unsigned i = 0; i < flips; ++i) {
            tail.store(good + 3 * kaal::dddk::serial::queue_capacity, std::memory_order_release);
            static_cast<void>(kaal::notify(first_channel));
            tail.store(good, std::memory_order_release);
            static_cast<void>(kaal::notify(first_channel));
        }
        // Backwards: the producer "un-pushes". The mux keeps the items it was shown.
        tail.store(good - 64, std::memory_order_release);
        static_cast<void>(kaal::notify(first_channel));
        tail.store(good, std::memory_order_release);
        Line line;
        line.add("TX queue restored after ").add(flips).add(" corrupt/consistent flips\n");
        say(line.view());
    }

    // Its RX queue, which the RX mux writes: a garbage `head` (the consumer's index). The mux
    // writes only to the input owner, and never outside the queue.
    void scribble_rx_head() {
        if (rx_queue == 0) {
            return;
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the tool patched the region's address in
        auto* control = reinterpret_cast<kaal::ipc::RingControl*>(rx_queue);
        std::atomic_ref head{control->head};
        const auto good = head.load(std::memory_order_relaxed);
        for (unsigned i = 0; i < 100; ++i) {
            head.store(good + 0x7fff'0000U + i, std::memory_order_release);
            static_cast<void>(kaal::notify(second_channel));
        }
        head.store(good, std::memory_order_release);
        say("RX queue head scribbled and restored\n");
    }

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

    // In Microkit mode the children print only if something is wrong: the kernel's debug
    // output goes straight to the UART and could land inside a line the TX mux is sending.
    static void write_unmapped() {
#if defined(KAAL_PLATFORM_RUNTIME)
        kaal::debug::print("hostile_mem: writing to ", kaal::debug::hex(neighbours_address),
                           ", which it does not map\n");
#endif
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the point is an address it does not own
        *reinterpret_cast<volatile kaal::Word*>(neighbours_address) = 0xbad;
        kaal::debug::print("hostile_mem: FAILED: the write did not fault\n");
    }

    // An empty slot is refused with an error (seL4 manual, "Errors": seL4_InvalidCapability);
    // a CPtr that names no slot, on a blocking send, is a cap fault for the fault handler. In
    // Microkit mode only the second is tried: the kernel's debug build prints the first's
    // refusal straight to the UART.
    static void invoke_empty_slot() {
#if defined(KAAL_PLATFORM_RUNTIME)
        const seL4_MessageInfo_t refused = seL4_Call(empty_slot, seL4_MessageInfo_new(0, 0, 0, 0));
        kaal::debug::print("hostile_cap: a call on empty slot ", empty_slot, " was refused with ",
                           static_cast<kaal::Error>(seL4_MessageInfo_get_label(refused)),
                           "; now sending on CPtr ", kaal::debug::hex(foreign_cptr),
                           ", which names no slot\n");
#endif
        seL4_Send(foreign_cptr, seL4_MessageInfo_new(0, 0, 0, 0));
        kaal::debug::print("hostile_cap: FAILED: the send did not fault\n");
    }

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
