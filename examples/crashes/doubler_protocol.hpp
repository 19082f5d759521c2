// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/message.hpp>

// What the doubler and its client agree on: a call labelled `double_label` carries one word and
// is answered with twice it; one labelled `fail_label` makes the doubler fail while serving it,
// the client's way of crashing the server with a call in flight.
namespace doubler {

inline constexpr kaal::Word double_label = 1;
inline constexpr kaal::Word fail_label = 2;

} // namespace doubler
