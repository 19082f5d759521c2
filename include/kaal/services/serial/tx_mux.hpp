// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

#include <kaal/core/report_backoff.hpp>
#include <kaal/core/result.hpp>
#include <kaal/ipc/byte_stream.hpp>
#include <kaal/services/serial/queue_check.hpp>

// The TX multiplexer: several clients print to one serial driver, and what comes out is whole
// lines, each one from a single client, optionally prefixed with that client's name.
//
// Rules (docs in services/serial/README.md):
//  - A line is the bytes up to and including '\n'. A client's bytes are assembled in a
//    per-client line buffer of `tx_line_capacity` bytes; a line is written to the driver's
//    queue in one go once its '\n' has arrived. A client that fills its line buffer without a
//    newline has the buffer emitted as a line of its own with a '\n' added (a "split" line); the
//    rest of its text continues on the next line, prefixed again.
//  - Fairness: clients are served round-robin, one line each per turn, so a client that floods
//    gets one line out for every line of each other client that has one ready.
//  - Back-pressure: when the driver's queue fills in the middle of a line, the mux asks the
//    driver for a space signal and stops reading every client; their queues fill and they wait
//    in turn. Nothing is dropped. When space returns the mux first finishes the line it was
//    writing, so even a line written in two pieces is never interleaved with another.
//  - A client whose ring indices are inconsistent (it wrote an index past the other side's, or
//    one it does not own) is reported on the console, as a line from the mux itself, and
//    ignored until its indices are consistent again; the other clients are not affected.
//    Reports about a client back off (its 1st, 2nd, 4th... corrupt episode), and each client has
//    one report line of its own waiting at most: a client that flips its indices as fast as it
//    can costs a few lines and never crowds out a report about another client.
//
// The class is platform-independent: it reads and writes ByteStreams and says which peers need
// a notification. The Microkit component (tx_mux_component.hpp) maps that onto channels.
namespace kaal::services::serial {

// One bit per client in TxPumpResult::notify_clients.
inline constexpr std::size_t tx_max_clients = 16;
// Bytes of one client line, newline included; longer lines are split.
inline constexpr std::size_t tx_line_capacity = 160;
// Bytes of a client's name shown in its prefix; longer names are cut.
inline constexpr std::size_t max_name_length = 16;
// The name the mux's own report lines are prefixed with.
inline constexpr std::string_view tx_mux_name = "serial-tx";

struct TxOptions {
    bool prefix_names = true; // "[name] " before each line
};

struct TxPumpResult {
    std::uint32_t notify_clients = 0; // bit i: client i waits for space in its queue
    bool notify_driver = false;       // the driver waits for data
    bool driver_full = false;         // the mux waits for the driver's space signal
};

struct TxClientStats {
    std::uint64_t lines = 0;       // lines written to the driver, split lines included
    std::uint64_t split_lines = 0; // lines cut at tx_line_capacity
    std::uint64_t bytes = 0;       // client bytes written, prefixes and added newlines excluded
    std::uint32_t corrupt_episodes = 0;
};

class TxMux {
public:
    explicit TxMux(TxOptions options = {}) : options_(options) {}

    // The driver's TX queue, which the mux writes.
    Status attach_driver(void* region, std::size_t region_bytes, ipc::RingIndex capacity) {
        KAAL_TRY(auto end, QueueEnd::attach(region, region_bytes, capacity));
        driver_.emplace(end);
        return {};
    }

    // A client's TX queue, which the mux reads. Returns the client's index: its bit in
    // notify_clients and its argument to stats().
    // `may_select_input` is the RX mux's privilege, ignored here, so that both muxes are wired
    // by the same helper (mux_wiring.hpp).
    Result<unsigned> add_client(std::string_view name, void* region, std::size_t region_bytes,
                                ipc::RingIndex capacity, bool may_select_input = false) {
        static_cast<void>(may_select_input);
        if (count_ == tx_max_clients) {
            return Error::out_of_slots;
        }
        KAAL_TRY(auto end, QueueEnd::attach(region, region_bytes, capacity));
        Client& c = clients_[count_];
        c.queue.emplace(end);
        c.name_length = std::min(name.size(), max_name_length);
        std::copy_n(name.data(), c.name_length, c.name.data());
        return count_++;
    }

    [[nodiscard]] unsigned clients() const { return count_; }
    [[nodiscard]] const TxClientStats& stats(unsigned client) const {
        return clients_[client].stats;
    }
    [[nodiscard]] std::string_view name(unsigned client) const {
        return {clients_[client].name.data(), clients_[client].name_length};
    }
    // Report lines the mux did not queue because that client's last report was still waiting.
    [[nodiscard]] std::uint32_t reports_dropped() const { return reports_dropped_; }

    // Moves every complete line it can from the clients to the driver, round-robin, and returns
    // when there is nothing more to move (each client's stream was found empty after asking
    // for a signal) or the driver's queue is full (after asking for a space signal). Called on
    // every notification, from whichever peer.
    TxPumpResult pump() {
        TxPumpResult result;
        if (!driver_) {
            return result;
        }
        const unsigned sources = count_ + 1; // the clients, then the mux's own reports
        for (;;) {
            if (!flush()) {
                // The line being written did not fit: the queue is now full, so the ring's
                // "full" wait applies. The same line is finished first when space returns.
                if (driver_->stream().reader_needs_signal()) {
                    result.notify_driver = true;
                }
                if (driver_->stream().writer_may_sleep()) {
                    result.driver_full = true;
                    return result;
                }
                continue;
            }
            bool emitted = false;
            for (unsigned turn = 0; turn < sources; ++turn) {
                const unsigned i = next_;
                next_ = (i + 1) % sources;
                Client& c = source(i);
                refill(c, i, result);
                if (c.line_ready()) {
                    stage(c);
                    emitted = true;
                    if (!flush()) {
                        break;
                    }
                }
            }
            if (!emitted && staged_at_ == staged_length_ && all_idle()) {
                break;
            }
        }
        if (driver_->stream().reader_needs_signal()) {
            result.notify_driver = true;
        }
        return result;
    }

private:
    // Prefix "[name] " plus a full line plus an added newline: the most one emit writes.
    static constexpr std::size_t max_emit = 1 + max_name_length + 2 + tx_line_capacity + 1;

    struct Client {
        std::optional<QueueEnd> queue; // empty for the mux's own report source
        std::array<char, max_name_length> name{};
        std::size_t name_length = 0;
        std::array<char, tx_line_capacity> line{};
        std::size_t length = 0;  // bytes assembled in `line`
        std::size_t newline = 0; // 1 + index of the first '\n' in `line`, or 0
        bool corrupt = false;
        TxClientStats stats;

        [[nodiscard]] bool line_ready() const { return newline != 0 || length == tx_line_capacity; }
        void find_newline(std::size_t from) {
            const char* begin = line.data();
            const char* end = begin + length;
            const char* at = std::find(begin + from, end, '\n');
            newline = at == end ? 0 : static_cast<std::size_t>(at - begin) + 1;
        }
    };

    Client& source(unsigned i) { return i == count_ ? self_ : clients_[i]; }

    // Reads the client's stream into its line buffer until a line is complete or the stream is
    // empty. Bytes after the first newline stay in the buffer for the next turn.
    void refill(Client& c, unsigned i, TxPumpResult& result) {
        if (!c.queue) {
            refill_reports();
            return;
        }
        if (!check_indices(c, i)) {
            return;
        }
        if (c.line_ready()) {
            return;
        }
        const std::size_t before = c.length;
        const std::size_t got = c.queue->stream().read(
            std::span{c.line.data() + c.length, tx_line_capacity - c.length});
        if (got == 0) {
            return;
        }
        c.length += got;
        c.find_newline(before);
        if (c.queue->stream().writer_needs_signal()) {
            result.notify_clients |= std::uint32_t{1} << i;
        }
    }

    // False while the client's indices are corrupt. Each change is reported while the episodes
    // are few (the 1st, 2nd, 4th...), into the client's own report slot.
    bool check_indices(Client& c, unsigned i) {
        const bool consistent = c.queue->indices_consistent();
        if (consistent == !c.corrupt) {
            return consistent;
        }
        c.corrupt = !consistent;
        if (c.corrupt) {
            ++c.stats.corrupt_episodes;
        }
        if (!worth_reporting(c.stats.corrupt_episodes)) {
            return consistent;
        }
        if (c.corrupt) {
            report(i, {"client '", std::string_view{c.name.data(), c.name_length},
                       "': TX queue indices corrupt (tail ", hex(c.queue->tail()), ", head ",
                       hex(c.queue->head()), ", capacity ", hex(c.queue->capacity()),
                       "); its output is ignored until they are consistent\n"});
        } else {
            report(i, {"client '", std::string_view{c.name.data(), c.name_length},
                       "': TX queue consistent again; serving it\n"});
        }
        return consistent;
    }

    // Takes the client's next line, with its prefix, into the staging buffer. Only the mux
    // writes the driver's queue, and it finishes a staged line before it stages another, so a
    // line that goes out in several pieces (the queue filled up) is still never interleaved.
    void stage(Client& c) {
        const bool split = c.newline == 0;
        const std::size_t body = split ? c.length : c.newline;
        std::size_t at = 0;
        if (options_.prefix_names && c.name_length != 0) {
            staged_[at++] = '[';
            at = append(at, {c.name.data(), c.name_length});
            staged_[at++] = ']';
            staged_[at++] = ' ';
        }
        at = append(at, {c.line.data(), body});
        if (split) {
            staged_[at++] = '\n';
            ++c.stats.split_lines;
        }
        staged_length_ = at;
        staged_at_ = 0;
        ++c.stats.lines;
        c.stats.bytes += body;
        std::copy(c.line.data() + body, c.line.data() + c.length, c.line.data());
        c.length -= body;
        c.find_newline(0);
    }

    std::size_t append(std::size_t at, std::string_view text) {
        std::copy(text.begin(), text.end(), staged_.data() + at);
        return at + text.size();
    }

    // Writes what is left of the staged line; true once all of it is in the driver's queue.
    bool flush() {
        staged_at_ += driver_->stream().write(
            std::span{staged_.data() + staged_at_, staged_length_ - staged_at_});
        return staged_at_ == staged_length_;
    }

    // Every stream empty after asking its writer for a signal, and no line waiting: the mux may
    // sleep. A stream that turns out non-empty on the re-check means another round.
    bool all_idle() {
        bool idle = !self_.line_ready() && waiting_reports_ == 0;
        for (unsigned i = 0; i < count_; ++i) {
            Client& c = clients_[i];
            // A client with a line waiting is not idle; one without is asked for a signal.
            if (c.line_ready() || (!c.corrupt && !c.queue->stream().reader_may_sleep())) {
                idle = false;
            }
        }
        return idle;
    }

    // ---- the mux's own report lines ------------------------------------------------------------
    // Reports are assembled into a small buffer and fed, a line at a time, through the same
    // line machinery as a client, so they too come out whole and take their turn.

    struct Hex {
        std::uint64_t value;
    };
    static Hex hex(std::uint64_t value) { return {value}; }

    class Part {
    public:
        // NOLINTNEXTLINE(google-explicit-constructor): a report is written as a list of parts
        Part(std::string_view text) : text_(text) {}
        // NOLINTNEXTLINE(google-explicit-constructor)
        Part(const char* text) : text_(text) {}
        // NOLINTNEXTLINE(google-explicit-constructor)
        Part(Hex h) {
            std::size_t at = digits_.size();
            std::uint64_t v = h.value;
            do {
                const auto d = static_cast<unsigned>(v % 16);
                digits_[--at] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
                v /= 16;
            } while (v != 0);
            digits_[--at] = 'x';
            digits_[--at] = '0';
            length_ = digits_.size() - at;
            start_ = at;
        }
        [[nodiscard]] std::string_view view() const {
            return text_.data() != nullptr ? text_
                                           : std::string_view{digits_.data() + start_, length_};
        }

    private:
        std::string_view text_{};
        std::array<char, 18> digits_{};
        std::size_t start_ = 0;
        std::size_t length_ = 0;
    };

    // One report line waiting per client (slot i for client i). A report about a client whose
    // previous one still waits is counted and dropped: the first already says what is wrong.
    void report(unsigned client, std::initializer_list<Part> parts) {
        ReportSlot& slot = report_slots_[client];
        if (slot.length != 0) {
            ++reports_dropped_;
            return;
        }
        std::size_t length = 0;
        for (const Part& p : parts) {
            const auto v = p.view();
            const std::size_t n = std::min(v.size(), slot.text.size() - length);
            std::copy_n(v.data(), n, slot.text.data() + length);
            length += n;
        }
        if (length == slot.text.size()) {
            slot.text[length - 1] = '\n'; // cut, and still one whole line
        }
        slot.length = length;
        slot.order = next_report_order_++;
        ++waiting_reports_;
    }

    // The oldest waiting report becomes the mux's next line.
    void refill_reports() {
        if (self_.line_ready() || self_.length != 0 || waiting_reports_ == 0) {
            return;
        }
        ReportSlot* oldest = nullptr;
        for (unsigned i = 0; i < count_; ++i) {
            ReportSlot& slot = report_slots_[i];
            if (slot.length != 0 &&
                (oldest == nullptr || slot.order - oldest->order > (std::uint32_t{1} << 31))) {
                oldest = &slot;
            }
        }
        if (oldest == nullptr) {
            waiting_reports_ = 0; // a count that disagrees with the slots: they are right
            return;
        }
        std::copy_n(oldest->text.data(), oldest->length, self_.line.data());
        self_.length = oldest->length;
        self_.find_newline(0);
        oldest->length = 0;
        --waiting_reports_;
    }

    TxOptions options_;
    std::optional<QueueEnd> driver_;
    std::array<Client, tx_max_clients> clients_{};
    unsigned count_ = 0;
    unsigned next_ = 0; // the source served first in the next turn
    Client self_ = [] {
        Client c;
        c.name_length = tx_mux_name.size();
        std::copy(tx_mux_name.begin(), tx_mux_name.end(), c.name.data());
        return c;
    }();
    std::array<char, max_emit> staged_{}; // the line being written to the driver
    std::size_t staged_length_ = 0;
    std::size_t staged_at_ = 0;
    struct ReportSlot {
        std::array<char, tx_line_capacity> text{};
        std::size_t length = 0;  // 0: free
        std::uint32_t order = 0; // when it was queued, to emit the oldest first
    };
    std::array<ReportSlot, tx_max_clients> report_slots_{};
    unsigned waiting_reports_ = 0;
    std::uint32_t next_report_order_ = 0;
    std::uint32_t reports_dropped_ = 0;
};

} // namespace kaal::services::serial
