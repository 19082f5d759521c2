// SPDX-License-Identifier: BSD-2-Clause
// A server restarted by its supervisor (kaal::composer::RestartPolicy, Microkit). Each start
// checks that it begins on its image's initial state, then spoils that state; the first start
// then fails a kaal_assert in init(), later ones serve: they double the word their client sends
// (label `double_label`), and fail in the middle of a call labelled `fail_label`, the client's
// way of making the server crash while it waits for the answer. The start count comes from its
// restart page (Microkit) or its start record (runtime mode), the one thing that outlives a
// restart.
#include <cstdint>

#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/panic.hpp>

#include "doubler_protocol.hpp"

#if defined(KAAL_PLATFORM_MICROKIT)
#include <kaal/platform/microkit/restart_page.hpp>
#elif defined(KAAL_PLATFORM_RUNTIME)
#include <kaal/platform/runtime/abi.hpp>
#endif

namespace {

constexpr std::uint64_t failing_starts = 1;
using doubler::double_label;
using doubler::fail_label;

// .data and .bss: both must read as the image has them at every start.
volatile unsigned greeting = 42;
volatile unsigned calls;

std::uint64_t start_number() {
#if defined(KAAL_PLATFORM_MICROKIT)
    const auto* page = kaal::microkit::restart_page();
    return page != nullptr ? page->starts : 0;
#elif defined(KAAL_PLATFORM_RUNTIME)
    return kaal::runtime::start_info->starts; // the root task counts them in the start record
#else
    return 0;
#endif
}

class Doubler {
public:
    void init() {
        const std::uint64_t start = start_number();
        kaal::debug::print("doubler: start ", start, ": greeting ", greeting, ", calls ", calls,
                           "\n");
        kaal_assert(greeting == 42 && calls == 0);
        greeting = 0;
        calls = 99;
        if (start <= failing_starts) {
            kaal_panic("failing on purpose");
        }
        calls = 0;
        kaal::debug::print("doubler: serving\n");
    }

    kaal::MessageInfo protected_call(kaal::Channel, kaal::MessageInfo msg) {
        calls = calls + 1;
        if (msg.label() == fail_label) {
            kaal_panic("failing during a call");
        }
        if (msg.label() != double_label || msg.length() != 1) {
            return kaal::error_reply(kaal::Error::malformed_message);
        }
        kaal::mr_set(0, kaal::mr_get(0) * 2);
        return kaal::ok_reply(1);
    }
};

} // namespace

KAAL_COMPONENT(Doubler);
