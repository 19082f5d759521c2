// SPDX-License-Identifier: BSD-2-Clause
// ipc-ppc client: valid calls, then two malformed ones (an unknown label, and a known label
// with the wrong length), then valid calls again, which must still succeed. Last, the cost of a
// call: 100,000 typed calls against 100,000 raw ones (docs/performance.md, "Protected calls").
#include <kaal/ipc/ppc.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/time/counter.hpp>

#include "adder_protocol.hpp"
#include "kaal_config.hpp"

namespace {

using kaal::debug::print;

class Client {
public:
    void init() {
        expect_sum("add 2 + 3", kaal::ipc::call(config::adder, adder::Add{2, 3}), 5);
        expect_sum("accumulate 10", kaal::ipc::call(config::adder, adder::Accumulate{10}), 10);
        expect_sum("accumulate 32", kaal::ipc::call(config::adder, adder::Accumulate{32}), 42);

        // Malformed requests, written by hand past the typed API.
        kaal::mr_set(0, 1);
        expect_malformed("unknown label 99 is rejected",
                         kaal::ppcall(config::adder, kaal::MessageInfo{99, 1}));
        expect_malformed("add with 1 word instead of 2 is rejected",
                         kaal::ppcall(config::adder, kaal::MessageInfo{adder::Add::label, 1}));

        const auto overflow = kaal::ipc::call(config::adder, adder::Add{~kaal::Word{0}, 1});
        check("add overflow is a server error",
              !overflow.ok() && overflow.error() == kaal::Error::range_error);

        // The server is still serving.
        expect_sum("add 40 + 2 after the malformed calls",
                   kaal::ipc::call(config::adder, adder::Add{40, 2}), 42);
        check("reset", kaal::ipc::call(config::adder, adder::Reset{}).ok());
        expect_sum("accumulate 7 after reset", kaal::ipc::call(config::adder, adder::Accumulate{7}),
                   7);
        measure();

        if (failures_ == 0) {
            print("ipc-ppc: client: all ", checks_, " checks passed\n");
        } else {
            print("ipc-ppc: client: FAILED ", failures_, " of ", checks_, " checks\n");
        }
    }

private:
    static constexpr kaal::Word timed_calls = 100'000;

    // The same Add through kaal::ipc::call and through ppcall with the registers set by hand and
    // the reply not checked: what the typed codec costs on top of the kernel's call. The counter
    // is read without a kernel entry (services/time/counter.hpp); under QEMU's -icount shift=0
    // its ticks count guest instructions.
    void measure() {
        kaal::Word wrong = 0;
        const auto typed_start = kaal::services::time::read_counter();
        for (kaal::Word i = 0; i < timed_calls; ++i) {
            const auto sum = kaal::ipc::call(config::adder, adder::Add{i, 1});
            wrong += sum.ok() && sum->value == i + 1 ? 0U : 1U;
        }
        const auto raw_start = kaal::services::time::read_counter();
        for (kaal::Word i = 0; i < timed_calls; ++i) {
            kaal::mr_set(0, i);
            kaal::mr_set(1, 1);
            const auto reply = kaal::ppcall(config::adder, kaal::MessageInfo{adder::Add::label, 2});
            wrong += reply.ok() && kaal::mr_get(0) == i + 1 ? 0U : 1U;
        }
        const auto end = kaal::services::time::read_counter();
        check("200000 timed calls all answered", wrong == 0);
        print("ipc-ppc: client: ", timed_calls, " typed calls in ", raw_start - typed_start,
              " counter ticks, ", timed_calls, " raw ppcalls in ", end - raw_start, "\n");
    }

    void check(const char* what, bool passed) {
        ++checks_;
        failures_ += passed ? 0U : 1U;
        print("ipc-ppc: client: ", what, ": ", passed ? "ok" : "FAILED", "\n");
    }

    void expect_sum(const char* what, const kaal::Result<adder::Sum>& sum, kaal::Word expected) {
        check(what, sum.ok() && sum->value == expected);
    }

    void expect_malformed(const char* what, const kaal::Result<kaal::MessageInfo>& reply) {
        const bool rejected = reply.ok() && kaal::is_error_reply(*reply) &&
                              kaal::reply_error(*reply) == kaal::Error::malformed_message &&
                              reply->length() == 0;
        if (reply.ok() && kaal::is_error_reply(*reply)) {
            print("ipc-ppc: client: ", what, ": error reply ", kaal::reply_error(*reply), "\n");
        }
        check(what, rejected);
    }

    unsigned checks_ = 0;
    unsigned failures_ = 0;
};

} // namespace

KAAL_COMPONENT(Client);
