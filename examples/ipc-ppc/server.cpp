// SPDX-License-Identifier: BSD-2-Clause
// ipc-ppc server: serves the adder protocol. Malformed calls are answered with
// error_reply(malformed_message) by kaal::ipc::serve before any handler sees them. Each client
// (each channel) has its own running total, so one client's Accumulate or Reset never changes
// what another is told, and rejected calls are reported with back-off per client, so a client
// that floods the server with garbage cannot flood the console too.
#include <cstdint>

#include <kaal/core/report_backoff.hpp>
#include <kaal/ipc/ppc.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "adder_protocol.hpp"

namespace {

using kaal::debug::print;

class Server {
public:
    void init() { print("ipc-ppc: server: ready\n"); }

    kaal::MessageInfo protected_call(kaal::Channel ch, kaal::MessageInfo msg) {
        caller_ = ch.id();
        const auto reply = kaal::ipc::serve<adder::Add, adder::Accumulate, adder::Reset>(
            msg, [this](const auto& request) { return handle(request); });
        if (kaal::is_error_reply(reply) && kaal::worth_reporting(++rejected_[caller_])) {
            print("ipc-ppc: server: rejected request on channel ", caller_, " (label ", msg.label(),
                  ", length ", msg.length(), "): ", kaal::reply_error(reply), "; ",
                  rejected_[caller_], " so far\n");
        }
        return reply;
    }

private:
    kaal::Result<adder::Sum> handle(const adder::Add& r) {
        if (r.a > ~kaal::Word{0} - r.b) {
            return kaal::Error::range_error;
        }
        return adder::Sum{r.a + r.b};
    }
    kaal::Result<adder::Sum> handle(const adder::Accumulate& r) {
        total_[caller_] += r.amount;
        return adder::Sum{total_[caller_]};
    }
    kaal::Result<kaal::ipc::EmptyPayload> handle(const adder::Reset&) {
        total_[caller_] = 0;
        return kaal::ipc::EmptyPayload{};
    }

    // The channel a call arrived on names its caller (each client's endpoint cap carries its
    // channel in the badge); ids are at most Channel::max_id.
    unsigned caller_ = 0;
    kaal::Word total_[kaal::Channel::max_id + 1] = {};
    std::uint64_t rejected_[kaal::Channel::max_id + 1] = {};
};

} // namespace

KAAL_COMPONENT(Server);
