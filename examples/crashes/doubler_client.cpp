// SPDX-License-Identifier: BSD-2-Clause
// The doubler's client. Its first call is made as soon as it starts: it waits at the doubler's
// endpoint while the doubler fails in init() and is restarted, and is answered by the next
// start. Then, twice, a call that makes the doubler fail while serving it: the restarted
// doubler answers it with Error::peer_restarted (platform/microkit/start.cpp), and the client
// goes on with the next call, which the new start serves. Then one more: with its restarts used
// up, the supervisor stops the doubler for good, and that call and every later one are answered
// with Error::peer_stopped instead of waiting for a server that will not come back. The same in
// both modes.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "doubler_protocol.hpp"
#include "kaal_config.hpp"

namespace {

using kaal::debug::print;

using doubler::double_label;
using doubler::fail_label;

class DoublerClient {
public:
    void init() {
        expect_doubled(21);
        for (kaal::Word value : {22U, 23U}) {
            expect_error(kaal::MessageInfo{fail_label, 0}, kaal::Error::peer_restarted,
                         "the call that failed the doubler");
            expect_doubled(value);
        }
        expect_error(kaal::MessageInfo{fail_label, 0}, kaal::Error::peer_stopped,
                     "the call that stopped the doubler");
        kaal::mr_set(0, 24);
        expect_error(kaal::MessageInfo{double_label, 1}, kaal::Error::peer_stopped,
                     "a call to the stopped doubler");
        print("doubler-client: ", checks_ - failures_, " of ", checks_, " calls answered",
              failures_ == 0 ? " as expected" : " (FAILED)", "\n");
    }

private:
    void expect_doubled(kaal::Word value) {
        kaal::mr_set(0, value);
        const auto reply = kaal::ppcall(config::doubler, kaal::MessageInfo{double_label, 1});
        const bool ok = reply.ok() && !kaal::is_error_reply(*reply) && reply->length() == 1 &&
                        kaal::mr_get(0) == 2 * value;
        record(ok);
        print("doubler-client: ", value, " doubled is ", ok ? kaal::mr_get(0) : kaal::Word{0},
              ok ? "" : " (FAILED: no answer)", "\n");
    }

    void expect_error(kaal::MessageInfo call, kaal::Error expected, const char* what) {
        const auto reply = kaal::ppcall(config::doubler, call);
        const bool ok =
            reply.ok() && kaal::is_error_reply(*reply) && kaal::reply_error(*reply) == expected;
        record(ok);
        if (reply.ok() && kaal::is_error_reply(*reply)) {
            print("doubler-client: ", what, " was answered: ", kaal::reply_error(*reply),
                  ok ? "" : " (FAILED)", "\n");
        } else {
            print("doubler-client: FAILED: ", what, " was not answered with an error\n");
        }
    }

    void record(bool ok) {
        ++checks_;
        failures_ += ok ? 0U : 1U;
    }

    unsigned checks_ = 0;
    unsigned failures_ = 0;
};

} // namespace

KAAL_COMPONENT(DoublerClient);
