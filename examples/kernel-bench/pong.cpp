// SPDX-License-Identifier: BSD-2-Clause
// kernel-bench pong: the bench's partner at the bench's own priority. A signal on `ping` is
// answered with a signal back; one on `yield` starts kernel_bench::rounds yields, which
// alternate with the bench's own, so each yield switches between the two PDs.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "kaal_config.hpp"
#include "kernel_bench.hpp"

namespace {

class Pong {
public:
    void init() {}
    void notified(kaal::Channel ch) {
        if (ch == config::ping) {
            static_cast<void>(kaal::notify(config::ping));
        } else if (ch == config::yield) {
            // seL4_Yield puts this thread behind the bench, the other one ready at this
            // priority (seL4 manual, "Scheduling"), so every call switches to it.
            for (std::uint64_t i = 0; i < kernel_bench::rounds; ++i) {
                seL4_Yield();
            }
        }
    }
};

} // namespace

KAAL_COMPONENT(Pong);
