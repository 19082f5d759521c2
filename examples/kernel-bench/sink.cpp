// SPDX-License-Identifier: BSD-2-Clause
// kernel-bench sink: the target of the bench's timed signals. It runs below the bench, so no
// signal switches to it; when it runs at last it finds them all merged into one notification
// (a notification's badge is a word the signals OR into: seL4 manual, "Notifications").
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

namespace {

class Sink {
public:
    void init() {}
    void notified(kaal::Channel) {
        ++notifications_;
        if (notifications_ == 1) {
            kaal::debug::print("kernel-bench: sink: the bench's signals arrived as one "
                               "notification\n");
        }
    }

private:
    unsigned notifications_ = 0;
};

} // namespace

KAAL_COMPONENT(Sink);
