// SPDX-License-Identifier: BSD-2-Clause
// greeter: a client that prints. At boot it greets, then floods the console with
// `boot_flood_lines` numbered lines as fast as the serial stack takes them and reports the
// throughput it saw, measured with the ARM generic timer. Typed input reaches it after
// Ctrl-\ 1; the command `flood <lines>` starts another flood (the TX benchmark), and
// `corrupt` / `repair` make it a misbehaving client: it moves its TX ring's tail index far past
// anything the ring's capacity allows, as a client writing past its buffer would, and back.
#include <atomic>
#include <optional>
#include <string_view>

#include <kaal/dddk/serial_queue.hpp>
#include <kaal/ipc/ring_buffer.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/serial/console_reader.hpp>
#include <kaal/services/serial/console_writer.hpp>

#include "generic_timer.hpp"
#include "kaal_config.hpp"
#include "line.hpp"

namespace {

using composition::Line;
using kaal::services::serial::ConsoleReader;
using kaal::services::serial::ConsoleWriter;

constexpr std::uint64_t boot_flood_lines = 5000;
// Every flood line has the same length, so bytes = lines * flood_line_bytes exactly.
constexpr std::string_view flood_filler = " the quick brown fox jumps over it";
constexpr std::uint64_t flood_line_bytes = 6 + 6 + flood_filler.size() + 1;

class Greeter {
public:
    void init() {
        auto console = ConsoleWriter::attach(config::serial_tx_queue, config::serial_tx);
        auto input = ConsoleReader::attach(config::serial_rx_queue, config::serial_rx);
        if (!console.ok() || !input.ok()) {
            kaal::debug::print("greeter: queue variables not patched by the tool\n");
            return;
        }
        console_.emplace(*console);
        input_.emplace(*input);
        say("hello from the greeter\n");
        say("type Ctrl-\\ 1 to talk to me, then: flood <lines>\n");
        start_flood(boot_flood_lines);
        // The RX mux signals only a reader that asked (ByteStream protocol): drain once so the
        // first typed byte wakes this PD.
        input_->drain([this](std::string_view line) { command(line); });
        run();
    }

    void notified(kaal::Channel ch) {
        if (!console_) {
            return;
        }
        if (ch == config::serial_rx) {
            input_->drain([this](std::string_view line) { command(line); });
        }
        if (!corrupted_) {
            run();
        }
    }

private:
    void say(std::string_view text) {
        if (corrupted_ || !console_->write(text)) {
            ++dropped_;
        }
        (void)console_->flush();
    }

    void command(std::string_view typed) {
        if (typed == "corrupt" || typed == "repair") {
            corrupt(typed == "corrupt");
            return;
        }
        std::string_view line = typed;
        constexpr std::string_view flood = "flood ";
        if (line.starts_with(flood)) {
            std::uint64_t lines = 0;
            // remove_prefix, not substr: substr's range check throws, and components have no
            // exceptions.
            line.remove_prefix(flood.size());
            for (const char c : line) {
                if (c < '0' || c > '9') {
                    lines = 0;
                    break;
                }
                lines = lines * 10 + static_cast<std::uint64_t>(c - '0');
            }
            if (lines != 0 && target_ == sent_) {
                start_flood(lines);
                return;
            }
        }
        Line reply;
        reply.add("unknown command '").add(typed).add("' (try: flood 20000)\n");
        say(reply.view());
    }

    // Bad input for the TX mux, on purpose. Only the tail index is touched, directly in the
    // shared control block: the ConsoleWriter's own copy stays right, so `repair` can put the
    // correct value back. Nothing may be written in between (a write stores the true tail).
    void corrupt(bool on) {
        if (on == corrupted_ || target_ != sent_) {
            return;
        }
        if (on) {
            say("corrupting my TX queue's tail index\n");
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the tool patched in the region's address
        auto* control = reinterpret_cast<kaal::ipc::RingControl*>(config::serial_tx_queue);
        std::atomic_ref<kaal::ipc::RingIndex> tail(control->tail);
        constexpr kaal::ipc::RingIndex jump = 3 * kaal::dddk::serial::queue_capacity;
        tail.store(on ? tail.load() + jump : tail.load() - jump, std::memory_order_release);
        corrupted_ = on;
        (void)kaal::notify(config::serial_tx); // the mux looks at once
        if (!on) {
            say("TX queue repaired\n");
        }
    }

    void start_flood(std::uint64_t lines) {
        sent_ = 0;
        target_ = lines;
        reported_ = false;
        started_ = composition::counter_ticks();
    }

    // Writes flood lines until the queue is full (then the next notification resumes here) or
    // the flood is complete.
    void run() {
        for (;;) {
            if (!console_->flush()) {
                return; // queue full; the TX mux signals when it has taken some
            }
            if (sent_ == target_) {
                break;
            }
            for (int burst = 0; burst < 8 && sent_ < target_; ++burst) {
                Line line;
                line.add("flood ").add(sent_, 5).add(flood_filler).add("\n");
                if (!console_->write(line.view())) {
                    break;
                }
                ++sent_;
            }
        }
        if (!reported_ && target_ != 0) {
            reported_ = true;
            report();
        }
    }

    void report() {
        const std::uint64_t ticks = composition::counter_ticks() - started_;
        const std::uint64_t hz = composition::counter_hz();
        const std::uint64_t bytes = target_ * flood_line_bytes;
        const std::uint64_t micros = hz == 0 ? 0 : ticks * 1000000 / hz;
        const std::uint64_t rate = ticks == 0 ? 0 : bytes * hz / ticks;
        Line line;
        line.add("flood done: ").add(target_).add(" lines, ").add(bytes).add(" bytes in ");
        line.add(micros).add(" us: ").add(rate).add(" bytes/s\n");
        say(line.view());
    }

    std::optional<ConsoleWriter> console_;
    std::optional<ConsoleReader> input_;
    std::uint64_t sent_ = 0;
    std::uint64_t target_ = 0;
    std::uint64_t started_ = 0;
    std::uint32_t dropped_ = 0;
    bool reported_ = false;
    bool corrupted_ = false;
};

} // namespace

KAAL_COMPONENT(Greeter);
