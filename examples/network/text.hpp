// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace network_example {

// Text built into a fixed buffer, for responses and console lines: no allocation, and what does
// not fit is cut, never written past the end.
template <std::size_t Capacity>
class Text {
public:
    Text& operator<<(std::string_view s) {
        const std::size_t n = s.size() < room() ? s.size() : room();
        std::memcpy(buffer_.data() + size_, s.data(), n);
        size_ += n;
        return *this;
    }
    Text& operator<<(std::uint64_t v) {
        std::array<char, 20> digits{};
        std::size_t n = 0;
        do {
            digits[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (n != 0 && room() != 0) {
            buffer_[size_++] = digits[--n];
        }
        return *this;
    }
    [[nodiscard]] std::string_view view() const { return {buffer_.data(), size_}; }

private:
    [[nodiscard]] std::size_t room() const { return Capacity - size_; }
    std::array<char, Capacity> buffer_{};
    std::size_t size_ = 0;
};

} // namespace network_example
