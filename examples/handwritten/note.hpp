// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/channel.hpp>

// What both PDs and handwritten.system agree on, by hand: the channel id.
namespace handwritten {
inline constexpr kaal::Channel peer{0};
inline constexpr const char* text = "written by hand, read by hand";
} // namespace handwritten
