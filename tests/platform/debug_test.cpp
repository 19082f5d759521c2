// SPDX-License-Identifier: BSD-2-Clause
#include <climits>
#include <cstdint>
#include <gtest/gtest.h>

#include <kaal/platform/debug.hpp>

namespace {

using testing::internal::CaptureStdout;
using testing::internal::GetCapturedStdout;

TEST(DebugPrint, FormatsEveryKind) {
    CaptureStdout();
    kaal::debug::print("n=", 42U, " neg=", -17, " hex=", kaal::debug::hex(0xdead'beefU), " c=", 'x',
                       " b=", true, " e=", kaal::Error::not_enough_memory, "\n");
    EXPECT_EQ(GetCapturedStdout(),
              "n=42 neg=-17 hex=0xdeadbeef c=x b=true e=seL4_NotEnoughMemory\n");
}

TEST(DebugPrint, Extremes) {
    CaptureStdout();
    kaal::debug::print(0U, " ", LLONG_MIN, " ", UINT64_MAX, " ", kaal::debug::hex(0));
    EXPECT_EQ(GetCapturedStdout(), "0 -9223372036854775808 18446744073709551615 0x0");
}

TEST(DebugPrint, NullStringIsVisible) {
    CaptureStdout();
    const char* nothing = nullptr;
    kaal::debug::print(nothing);
    EXPECT_EQ(GetCapturedStdout(), "(null)");
}

TEST(PlatformMode, IsMockInHostBuilds) {
    EXPECT_STREQ(kaal::platform_mode(), "mock");
    static_assert(kaal::mode == kaal::Mode::mock);
}

} // namespace
