// SPDX-License-Identifier: BSD-2-Clause
// kernel-bench echo: the other end of the bench's protected calls. It answers each with an
// empty reply and does nothing else, so a timed call is the kernel's round trip and the two
// event loops' work, as a raw seL4_Call to a server that only replies.
#include <kaal/platform/component.hpp>

namespace {

class Echo {
public:
    void init() {}
    kaal::MessageInfo protected_call(kaal::Channel, kaal::MessageInfo) {
        return kaal::MessageInfo{0, 0};
    }
};

} // namespace

KAAL_COMPONENT(Echo);
