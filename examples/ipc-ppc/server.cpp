// SPDX-License-Identifier: BSD-2-Clause
// ipc-ppc server: serves the adder protocol. Malformed calls are answered with
// error_reply(malformed_message) by kaal::ipc::serve before any handler sees them.
#include <kaal/ipc/ppc.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "adder_protocol.hpp"

namespace {

using kaal::debug::print;

class Server {
public:
    void init() { print("ipc-ppc: server: ready\n"); }

    kaal::MessageInfo protected_call(kaal::Channel, kaal::MessageInfo msg) {
        const auto reply = kaal::ipc::serve<adder::Add, adder::Accumulate, adder::Reset>(
            msg, [this](const auto& request) { return handle(request); });
        if (kaal::is_error_reply(reply)) {
            print("ipc-ppc: server: rejected request (label ", msg.label(), ", length ",
                  msg.length(), "): ", kaal::reply_error(reply), "\n");
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
        total_ += r.amount;
        return adder::Sum{total_};
    }
    kaal::Result<kaal::ipc::EmptyPayload> handle(const adder::Reset&) {
        total_ = 0;
        return kaal::ipc::EmptyPayload{};
    }

    kaal::Word total_ = 0;
};

} // namespace

KAAL_COMPONENT(Server);
