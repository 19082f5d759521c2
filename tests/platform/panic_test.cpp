// SPDX-License-Identifier: BSD-2-Clause
// kaal_assert and kaal_panic on the host: the line names the component, what failed and where,
// and the component stops (the process aborts; on seL4 it faults to its handler).
#include <gtest/gtest.h>
#include <unistd.h>

#include <kaal/platform/panic.hpp>

namespace {

int checked(int value) {
    kaal_assert(value < 10);
    return value;
}

// Mock debug output goes to stdout; a death test reads the child's stderr.
void stdout_to_stderr() {
    dup2(STDERR_FILENO, STDOUT_FILENO);
}

TEST(PanicDeathTest, AFailedAssertionNamesItsConditionAndLineAndStops) {
    EXPECT_EQ(checked(3), 3);
    EXPECT_DEATH(
        {
            stdout_to_stderr();
            checked(12);
        },
        "kaal: component 'mock': assertion failed: value < 10 \\(.*panic_test\\.cpp:12\\)");
}

TEST(PanicDeathTest, APanicNamesItsMessage) {
    EXPECT_DEATH(
        {
            stdout_to_stderr();
            kaal_panic("the queue is corrupt");
        },
        "panic: the queue is corrupt");
}

} // namespace
