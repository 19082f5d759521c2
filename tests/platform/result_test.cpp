// SPDX-License-Identifier: BSD-2-Clause
#include <gtest/gtest.h>
#include <memory>
#include <string>

#include <kaal/core/result.hpp>

namespace {

using kaal::Error;
using kaal::Result;
using kaal::Status;

Result<int> parse_digit(char c) {
    if (c < '0' || c > '9') {
        return Error::invalid_argument;
    }
    return c - '0';
}

Result<int> sum_digits(char a, char b) {
    KAAL_TRY(const int x, parse_digit(a));
    KAAL_TRY(const int y, parse_digit(b));
    return x + y;
}

TEST(Result, HoldsValueOrError) {
    const auto ok = parse_digit('7');
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(*ok, 7);
    const auto bad = parse_digit('x');
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error(), Error::invalid_argument);
    EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(Result, TryPropagatesTheFirstError) {
    EXPECT_EQ(*sum_digits('3', '4'), 7);
    EXPECT_EQ(sum_digits('3', '?').error(), Error::invalid_argument);
}

TEST(Result, ErrorOkIsNotASuccess) {
    // Constructing a failure from Error::ok would make a Result that claims success but holds
    // no value; it is turned into an error instead.
    const Result<int> r{Error::ok};
    EXPECT_FALSE(r.ok());
}

TEST(Result, OwnsNonTrivialValues) {
    auto weak = std::weak_ptr<int>{};
    {
        Result<std::shared_ptr<int>> r{std::make_shared<int>(5)};
        weak = *r;
        Result<std::shared_ptr<int>> copy = r;
        Result<std::shared_ptr<int>> moved = std::move(copy);
        EXPECT_EQ(**moved, 5);
        EXPECT_EQ(weak.use_count(), 2);
        moved = Result<std::shared_ptr<int>>{Error::not_enough_memory};
        EXPECT_EQ(weak.use_count(), 1);
    }
    EXPECT_TRUE(weak.expired());
}

TEST(Result, StringValuesSurviveAssignment) {
    Result<std::string> a{std::string(64, 'a')};
    Result<std::string> b{Error::queue_full};
    b = a;
    EXPECT_EQ(*b, std::string(64, 'a'));
    a = Result<std::string>{Error::queue_empty};
    EXPECT_EQ(a.error(), Error::queue_empty);
    EXPECT_EQ(b->size(), 64U);
}

TEST(Status, DefaultIsSuccess) {
    const Status s;
    EXPECT_TRUE(s.ok());
    const Status f = Error::delete_first;
    EXPECT_EQ(f.error(), Error::delete_first);
}

TEST(Error, KernelErrorsKeepSeL4Numbering) {
    // seL4 manual, "Error Codes": these values cross the kernel ABI unchanged.
    EXPECT_EQ(static_cast<int>(Error::invalid_argument), 1);
    EXPECT_EQ(static_cast<int>(Error::failed_lookup), 6);
    EXPECT_EQ(static_cast<int>(Error::not_enough_memory), 10);
    EXPECT_TRUE(kaal::is_kernel_error(Error::revoke_first));
    EXPECT_FALSE(kaal::is_kernel_error(Error::ok));
    EXPECT_FALSE(kaal::is_kernel_error(Error::out_of_slots));
    EXPECT_STREQ(kaal::to_string(Error::delete_first), "seL4_DeleteFirst");
}

} // namespace
