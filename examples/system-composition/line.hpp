// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

// A line of text built in a fixed buffer, for clients that print numbers without a heap:
//   composition::Line line; line.add("flood ").add(n).add("\n"); console.write(line.view());
// Text beyond the buffer is cut, and cut() says so; the last byte is kept for a newline, so a
// cut line still ends the line it started (the TX mux would otherwise run it into the next).
namespace composition {

class Line {
public:
    Line& add(std::string_view text) {
        for (const char c : text) {
            if (length_ + 1 < buffer_.size() || (c == '\n' && length_ < buffer_.size())) {
                buffer_[length_++] = c;
            } else {
                cut_ = true;
            }
        }
        return *this;
    }
    Line& add(std::uint64_t value, unsigned width = 0) {
        std::array<char, 20> digits{};
        std::size_t n = 0;
        do {
            digits[n++] = static_cast<char>('0' + value % 10);
            value /= 10;
        } while (value != 0);
        for (; n < width && n < digits.size(); ++n) {
            digits[n] = '0';
        }
        while (n != 0) {
            add(std::string_view{&digits[--n], 1});
        }
        return *this;
    }
    [[nodiscard]] std::string_view view() const { return {buffer_.data(), length_}; }
    [[nodiscard]] bool cut() const { return cut_; }
    void clear() {
        length_ = 0;
        cut_ = false;
    }

private:
    std::array<char, 128> buffer_{};
    std::size_t length_ = 0;
    bool cut_ = false;
};

} // namespace composition
