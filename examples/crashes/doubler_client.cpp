// SPDX-License-Identifier: BSD-2-Clause
// Calls the doubler once, as soon as it starts: the call waits at the doubler's endpoint while
// the doubler fails and is restarted, and is answered once a start serves.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "kaal_config.hpp"

namespace {

class DoublerClient {
public:
    void init() {
        kaal::mr_set(0, 21);
        const auto reply = kaal::ppcall(config::doubler, kaal::MessageInfo{1, 1});
        if (!reply || reply->length() != 1) {
            kaal::debug::print("doubler-client: FAILED: no answer\n");
            return;
        }
        const kaal::Word answer = kaal::mr_get(0);
        kaal::debug::print("doubler-client: 21 doubled is ", answer,
                           answer == 42 ? "" : " (FAILED: expected 42)", "\n");
    }
};

} // namespace

KAAL_COMPONENT(DoublerClient);
