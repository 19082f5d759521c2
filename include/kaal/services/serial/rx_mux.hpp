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
#include <kaal/ipc/message_codec.hpp>
#include <kaal/services/serial/input_protocol.hpp>
#include <kaal/services/serial/queue_check.hpp>

// The RX multiplexer: reads what the serial driver received and hands it to one client at a
// time, the input owner. The owner is chosen two ways (docs in services/serial/README.md):
//  - a protected call: SelectInput{client} from a client the system description grants the
//    privilege (may_select_input), CurrentInput from any client (input_protocol.hpp). Without the
//    privilege, a client could take input typed for another; its SelectInput is refused with
//    not_permitted.
//  - typed at the console: the escape byte Ctrl-\ (0x1c) followed by a digit '0'..'9' selects
//    that client. Ctrl-\ Ctrl-\ sends one Ctrl-\ to the owner; Ctrl-\ followed by anything else
//    is dropped and reported. The escape bytes never reach a client.
// Back-pressure: bytes go to the owner only as fast as its queue takes them. When the owner's
// queue is full the mux stops reading the driver's queue (which then fills, and the driver
// applies its own back-pressure) and waits for the owner's space signal. Nothing is dropped.
// An owner whose ring indices are inconsistent cannot be waited for (its queue would look full
// for ever, and the escape typed to leave it would never be read): the mux reports it and
// discards what is typed until another client is selected or its indices are consistent again.
//
// Reports (input switched, bad escapes, corrupt client queues, rejected calls) go as whole lines
// to an optional report stream, in the system composition a TX queue to the TX mux. What one
// client causes is reported with back-off (report_backoff.hpp), per client, so a client that
// floods the mux with bad calls or flips its indices cannot crowd out reports about the others.
namespace kaal::services::serial {

inline constexpr std::size_t rx_max_clients = 16;
inline constexpr char input_escape = '\x1c'; // Ctrl-\ .

struct RxPumpResult {
    std::uint32_t notify_clients = 0; // bit i: client i waits for input
    bool notify_driver = false;       // the driver waits for space in its RX queue
    bool notify_reports = false;      // the report stream's reader waits for data
    bool owner_full = false;          // the mux waits for the owner's space signal
};

struct RxStats {
    std::uint64_t forwarded = 0; // bytes handed to clients
    std::uint64_t discarded = 0; // bytes typed while the owner's queue was corrupt
    std::uint32_t switches = 0;
    std::uint32_t bad_escapes = 0;
    std::uint32_t rejected_calls = 0;
    std::uint32_t reports_dropped = 0;
};

class RxMux {
public:
    // The driver's RX queue, which the mux reads.
    Status attach_driver(void* region, std::size_t region_bytes, ipc::RingIndex capacity) {
        KAAL_TRY(auto end, QueueEnd::attach(region, region_bytes, capacity));
        driver_.emplace(end);
        return {};
    }

    // A queue the mux writes its report lines to (optional).
    Status attach_reports(void* region, std::size_t region_bytes, ipc::RingIndex capacity) {
        KAAL_TRY(auto end, QueueEnd::attach(region, region_bytes, capacity));
        reports_.emplace(end);
        return {};
    }

    // A client's RX queue, which the mux writes. The first client added owns input at start.
    Result<unsigned> add_client(std::string_view name, void* region, std::size_t region_bytes,
                                ipc::RingIndex capacity, bool may_select_input = false) {
        if (count_ == rx_max_clients) {
            return Error::out_of_slots;
        }
        KAAL_TRY(auto end, QueueEnd::attach(region, region_bytes, capacity));
        Client& c = clients_[count_];
        c.queue.emplace(end);
        c.name = name;
        c.may_select_input = may_select_input;
        return count_++;
    }

    [[nodiscard]] unsigned clients() const { return count_; }
    [[nodiscard]] unsigned owner() const { return owner_; }
    [[nodiscard]] const RxStats& stats() const { return stats_; }

    // Makes `client` the input owner; returns the previous one.
    Result<unsigned> select(unsigned client) {
        if (client >= count_) {
            return Error::range_error;
        }
        const unsigned previous = owner_;
        owner_ = client;
        if (client != previous) {
            ++stats_.switches;
            report({"input now goes to '", clients_[client].name, "'\n"});
        }
        return previous;
    }

    // A protected call from client `caller` (the index its channel names; anything else is no
    // client): decodes it with `regs`, answers it, and reports a rejected one. Never fails: a
    // malformed or unpermitted call is an error reply.
    template <ipc::Registers Regs>
    MessageInfo control(unsigned caller, MessageInfo request, const Regs& regs) {
        caller_ = caller;
        const MessageInfo reply = InputProtocol::serve(
            request, [this](const auto& r) { return this->handle(r); }, regs);
        if (is_error_reply(reply)) {
            ++stats_.rejected_calls;
            std::uint64_t& rejected = caller < count_ ? clients_[caller].rejected : stray_rejected_;
            if (worth_reporting(++rejected)) {
                report({"rejected control call from '", caller_name(caller), "' (label ",
                        number(request.label()), ", length ", number(request.length()),
                        "): ", to_string(reply_error(reply)), "; ", number(rejected), " so far\n"});
            }
        }
        return reply;
    }

    // Moves input from the driver to the owner until the driver's queue is empty (after asking
    // for a signal) or the owner's queue is full (after asking for a space signal).
    RxPumpResult pump() {
        RxPumpResult result;
        if (!driver_) {
            return result;
        }
        for (;;) {
            if (pending_at_ == pending_length_) {
                pending_at_ = 0;
                pending_length_ = driver_->stream().read(std::span{pending_});
                if (pending_length_ == 0) {
                    if (driver_->stream().reader_may_sleep()) {
                        break;
                    }
                    continue;
                }
                if (driver_->stream().writer_needs_signal()) {
                    result.notify_driver = true;
                }
            }
            if (!deliver(result)) {
                result.owner_full = true;
                break;
            }
        }
        if (reports_ && reports_->stream().reader_needs_signal()) {
            result.notify_reports = true;
        }
        return result;
    }

    // After a control call, which may have written a report line: true if the report stream's
    // reader asked for a signal.
    [[nodiscard]] bool reports_need_signal() {
        return reports_ && reports_->stream().reader_needs_signal();
    }

private:
    struct Client {
        std::optional<QueueEnd> queue;
        std::string_view name;
        bool corrupt = false;
        bool may_select_input = false;
        std::uint64_t rejected = 0;         // its control calls refused
        std::uint32_t corrupt_episodes = 0; // times its indices went corrupt
    };

    [[nodiscard]] std::string_view caller_name(unsigned caller) const {
        return caller < count_ ? clients_[caller].name : std::string_view{"(no client)"};
    }

    Result<InputOwner> handle(const SelectInput& r) {
        if (caller_ >= count_ || !clients_[caller_].may_select_input) {
            return Error::not_permitted;
        }
        if (r.client >= count_) {
            return Error::range_error;
        }
        KAAL_TRY(const unsigned previous, select(static_cast<unsigned>(r.client)));
        return InputOwner{previous};
    }
    Result<InputOwner> handle(const CurrentInput&) { return InputOwner{owner_}; }

    // Works through the pending bytes; false if the owner's queue is full and the mux must wait.
    bool deliver(RxPumpResult& result) {
        while (pending_at_ != pending_length_) {
            if (escaped_) {
                escaped_ = false;
                const char c = pending_[pending_at_++];
                if (c != input_escape) {
                    on_escape(c);
                    continue;
                }
                // A doubled escape is one literal escape byte: fall through to deliver it.
                --pending_at_;
                if (!forward(1, result)) {
                    escaped_ = true;
                    return false;
                }
                continue;
            }
            if (pending_[pending_at_] == input_escape) {
                escaped_ = true;
                ++pending_at_;
                continue;
            }
            const auto* begin = pending_.data() + pending_at_;
            const auto* end = pending_.data() + pending_length_;
            const auto run = static_cast<std::size_t>(std::find(begin, end, input_escape) - begin);
            if (!forward(run, result)) {
                return false;
            }
        }
        return true;
    }

    // Hands the next `n` pending bytes to the owner; false if they did not all fit.
    bool forward(std::size_t n, RxPumpResult& result) {
        if (count_ == 0 || !check_indices(clients_[owner_])) {
            stats_.discarded += n;
            pending_at_ += n;
            return true;
        }
        ipc::ByteStream& out = clients_[owner_].queue->stream();
        for (;;) {
            const std::size_t put = out.write(std::span{pending_.data() + pending_at_, n});
            pending_at_ += put;
            n -= put;
            stats_.forwarded += put;
            if (put != 0 && out.reader_needs_signal()) {
                result.notify_clients |= std::uint32_t{1} << owner_;
            }
            if (n == 0) {
                return true;
            }
            if (out.writer_may_sleep()) {
                return false;
            }
        }
    }

    void on_escape(char c) {
        if (c >= '0' && c <= '9') {
            const auto client = static_cast<unsigned>(c - '0');
            if (!select(client).ok()) {
                ++stats_.bad_escapes;
                report(
                    {"escape: no client ", number(client), " (there are ", number(count_), ")\n"});
            }
            return;
        }
        ++stats_.bad_escapes;
        report({"escape: Ctrl-\\ must be followed by a digit or Ctrl-\\; dropped\n"});
    }

    // Each change is reported while the episodes are few; a client that keeps flipping its
    // indices is reported on its 1st, 2nd, 4th... episode only.
    bool check_indices(Client& c) {
        const bool consistent = c.queue->indices_consistent();
        if (consistent == !c.corrupt) {
            return consistent;
        }
        c.corrupt = !consistent;
        if (c.corrupt) {
            ++c.corrupt_episodes;
        }
        if (worth_reporting(c.corrupt_episodes)) {
            report({"client '", c.name,
                    c.corrupt ? "': RX queue indices corrupt; input to it is discarded\n"
                              : "': RX queue consistent again\n"});
        }
        return consistent;
    }

    // ---- report lines: written whole or not at all ---------------------------------------------

    struct Number {
        std::array<char, 20> digits{};
        std::size_t start = digits.size();
        [[nodiscard]] std::string_view view() const {
            return {digits.data() + start, digits.size() - start};
        }
    };
    static Number number(std::uint64_t value) {
        Number n;
        do {
            n.digits[--n.start] = static_cast<char>('0' + value % 10);
            value /= 10;
        } while (value != 0);
        return n;
    }

    class Part {
    public:
        // NOLINTNEXTLINE(google-explicit-constructor): a report is written as a list of parts
        Part(std::string_view text) : text_(text) {}
        // NOLINTNEXTLINE(google-explicit-constructor)
        Part(const char* text) : text_(text) {}
        // NOLINTNEXTLINE(google-explicit-constructor)
        Part(const Number& n) : text_(n.view()) {}
        [[nodiscard]] std::string_view view() const { return text_; }

    private:
        std::string_view text_;
    };

    void report(std::initializer_list<Part> parts) {
        if (!reports_) {
            return;
        }
        std::size_t total = 0;
        for (const Part& p : parts) {
            total += p.view().size();
        }
        ipc::ByteStream& out = reports_->stream();
        if (!reports_->indices_consistent() || out.ring().free_slots() < total) {
            ++stats_.reports_dropped;
            return;
        }
        for (const Part& p : parts) {
            (void)out.write(p.view());
        }
    }

    std::optional<QueueEnd> driver_;
    std::optional<QueueEnd> reports_;
    std::array<Client, rx_max_clients> clients_{};
    unsigned count_ = 0;
    unsigned owner_ = 0;
    std::array<char, 64> pending_{}; // read from the driver, not yet delivered
    std::size_t pending_at_ = 0;
    std::size_t pending_length_ = 0;
    bool escaped_ = false;             // the last byte was an escape
    unsigned caller_ = 0;              // the client whose control call is being served
    std::uint64_t stray_rejected_ = 0; // refused calls from a channel that is no client's
    RxStats stats_;
};

} // namespace kaal::services::serial
