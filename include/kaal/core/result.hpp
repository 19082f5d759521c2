// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include <kaal/core/error.hpp>

namespace kaal {

// `Result<T>` is either a value or an `Error`. Component code is built without exceptions, so
// every fallible operation returns one; `[[nodiscard]]` makes an ignored error a compile
// warning (an error under -Werror). Holding the value in a union keeps it free of any
// allocation and lets `Result` of a trivial `T` stay trivially copyable.
template <typename T>
class [[nodiscard]] Result {
    static_assert(!std::is_reference_v<T>, "Result holds values; use a pointer for references");

public:
    // NOLINTNEXTLINE(google-explicit-constructor): a value converts implicitly, like `return x;`
    constexpr Result(T value) : value_(std::move(value)), error_(Error::ok) {}
    // NOLINTNEXTLINE(google-explicit-constructor): so does an error
    constexpr Result(Error error)
        : empty_{}, error_(error == Error::ok ? Error::invalid_argument : error) {}

    constexpr Result(const Result& other) : empty_{}, error_(other.error_) {
        if (other.ok()) {
            std::construct_at(&value_, other.value_);
        }
    }
    constexpr Result(Result&& other) noexcept : empty_{}, error_(other.error_) {
        if (other.ok()) {
            std::construct_at(&value_, std::move(other.value_));
        }
    }
    Result& operator=(const Result& other) {
        if (this != &other) {
            reset();
            error_ = other.error_;
            if (other.ok()) {
                std::construct_at(&value_, other.value_);
            }
        }
        return *this;
    }
    Result& operator=(Result&& other) noexcept {
        if (this != &other) {
            reset();
            error_ = other.error_;
            if (other.ok()) {
                std::construct_at(&value_, std::move(other.value_));
            }
        }
        return *this;
    }
    constexpr ~Result() { reset(); }

    [[nodiscard]] constexpr bool ok() const { return error_ == Error::ok; }
    constexpr explicit operator bool() const { return ok(); }
    [[nodiscard]] constexpr Error error() const { return error_; }

    // Precondition: ok(). Reading the value of a failed Result is a programming error; the
    // trap stops the component where the bug is rather than somewhere downstream.
    [[nodiscard]] constexpr T& value() & {
        check();
        return value_;
    }
    [[nodiscard]] constexpr const T& value() const& {
        check();
        return value_;
    }
    [[nodiscard]] constexpr T&& value() && {
        check();
        return std::move(value_);
    }
    constexpr T* operator->() { return &value(); }
    constexpr const T* operator->() const { return &value(); }
    constexpr T& operator*() & { return value(); }
    constexpr const T& operator*() const& { return value(); }

    [[nodiscard]] constexpr T value_or(T fallback) const& { return ok() ? value_ : fallback; }

private:
    constexpr void check() const {
        if (!ok()) {
            __builtin_trap();
        }
    }
    constexpr void reset() {
        if (ok()) {
            std::destroy_at(&value_);
            error_ = Error::invalid_argument;
        }
    }

    struct Empty {};
    union {
        Empty empty_;
        T value_;
    };
    Error error_;
};

// `Result<void>`: success or an error, nothing else.
template <>
class [[nodiscard]] Result<void> {
public:
    constexpr Result() = default;
    // NOLINTNEXTLINE(google-explicit-constructor)
    constexpr Result(Error error) : error_(error) {}

    [[nodiscard]] constexpr bool ok() const { return error_ == Error::ok; }
    constexpr explicit operator bool() const { return ok(); }
    [[nodiscard]] constexpr Error error() const { return error_; }

private:
    Error error_ = Error::ok;
};

using Status = Result<void>;

// Propagate an error to the caller: `KAAL_TRY(auto slot, slots.alloc());`
// `decl` is a declaration and `tmp` a name, neither of which may be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define KAAL_CONCAT_INNER(a, b) a##b
#define KAAL_CONCAT(a, b) KAAL_CONCAT_INNER(a, b)
#define KAAL_TRY(decl, expr) KAAL_TRY_IMPL(KAAL_CONCAT(kaal_try_, __LINE__), decl, expr)
#define KAAL_TRY_IMPL(tmp, decl, expr)                                                             \
    auto tmp = (expr);                                                                             \
    if (!tmp.ok()) {                                                                               \
        return tmp.error();                                                                        \
    }                                                                                              \
    decl = std::move(tmp).value()
#define KAAL_CHECK(expr)                                                                           \
    do {                                                                                           \
        if (auto kaal_check_status = (expr); !kaal_check_status.ok()) {                            \
            return kaal_check_status.error();                                                      \
        }                                                                                          \
    } while (false)
// NOLINTEND(bugprone-macro-parentheses)

} // namespace kaal
