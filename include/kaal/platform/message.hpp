// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/core/error.hpp>

namespace kaal {

using Word = std::uintptr_t;

// The label and length of an IPC message: the portable half of seL4's `seL4_MessageInfo_t`
// (seL4 manual, "Message Info"). Capabilities are never transferred over Microkit channels,
// so the extra-caps and caps-unwrapped fields have no place here.
class MessageInfo {
public:
    // seL4's label field is 52 bits on 64-bit kernels and the length field 7 bits, counting
    // up to seL4_MsgMaxLength (120) message registers.
    static constexpr Word max_label = (Word{1} << 52) - 1;
    static constexpr unsigned max_length = 120;

    constexpr MessageInfo() = default;
    constexpr MessageInfo(Word label, unsigned length)
        : label_(label & max_label), length_(length > max_length ? max_length : length) {}

    [[nodiscard]] constexpr Word label() const { return label_; }
    [[nodiscard]] constexpr unsigned length() const { return length_; }

    friend constexpr bool operator==(MessageInfo, MessageInfo) = default;

private:
    Word label_ = 0;
    unsigned length_ = 0;
};

} // namespace kaal

namespace kaal {

// KaaL's reply convention for protected calls: label 0 is success, any other label is an
// `Error`, and an error reply carries no message registers. A server that rejects a request
// answers this way instead of faulting, so a malformed call can never take it down.
constexpr MessageInfo ok_reply(unsigned length = 0) {
    return {0, length};
}
constexpr MessageInfo error_reply(Error e) {
    return {static_cast<Word>(e), 0};
}
constexpr bool is_error_reply(MessageInfo reply) {
    return reply.label() != 0;
}
constexpr Error reply_error(MessageInfo reply) {
    return static_cast<Error>(reply.label());
}

} // namespace kaal
