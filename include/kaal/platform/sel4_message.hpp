// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/channel.hpp>
#include <kaal/platform/message.hpp>

// What the two seL4-backed modes (Microkit and runtime) share in their channel operations: the
// conversion between KaaL's MessageInfo and seL4's, and the wiring check against a mask of
// channels. Each mode's sel4.hpp, included first, decides how libsel4 itself is seen.
#if defined(KAAL_PLATFORM_MICROKIT)
#include <kaal/platform/microkit/sel4.hpp>
#elif defined(KAAL_PLATFORM_RUNTIME)
#include <kaal/platform/runtime/sel4.hpp>
#else
#error "kaal/platform/sel4_message.hpp is for the seL4-backed modes"
#endif

namespace kaal::detail {

// A bit set per channel wired for an operation (the Microkit tool patches such masks into a PD,
// the runtime root task writes them into the start record): checking it turns a wiring mistake
// into an error value instead of an invocation of an empty slot.
inline bool wired(Word mask, Channel ch) {
    return ch.valid() && ((mask >> ch.id()) & 1U) != 0;
}

// The restart notice of a restarted PD (platform/microkit/start.cpp,
// platform/runtime/component_start.cpp): one signal on each channel `mask` wires for notifying,
// through the notification caps from `base` on. KaaL's protocols take every signal as "look
// again", so one more is harmless (seL4 manual, "Notifications": a signal only sets bits).
inline void notify_every_channel(Word mask, seL4_CPtr base) {
    for (unsigned id = 0; id < Channel::max_id + 1; ++id) {
        if (wired(mask, Channel{id})) {
            seL4_Signal(base + id);
        }
    }
}

inline seL4_MessageInfo_t to_sel4(MessageInfo info) {
    return seL4_MessageInfo_new(info.label(), 0, 0, info.length());
}
inline MessageInfo from_sel4(seL4_MessageInfo_t info) {
    return {seL4_MessageInfo_get_label(info),
            static_cast<unsigned>(seL4_MessageInfo_get_length(info))};
}

} // namespace kaal::detail
