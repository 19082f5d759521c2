// SPDX-License-Identifier: BSD-2-Clause
// The doubler's other peer: a notification channel, which the doubler itself never signals. What
// arrives on it is the restart notice, one signal on each of a restarted PD's channels
// (platform/microkit/start.cpp, platform/runtime/component_start.cpp). It runs above the doubler,
// so each notice is seen on its own.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "kaal_config.hpp"

namespace {

class Watcher {
public:
    void init() { kaal::debug::print("watcher: watching the doubler\n"); }

    void notified(kaal::Channel ch) {
        if (ch == config::doubler) {
            ++notices_;
            kaal::debug::print("watcher: restart notice ", notices_, " from the doubler\n");
        }
    }

private:
    unsigned notices_ = 0;
};

} // namespace

KAAL_COMPONENT(Watcher);
