// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

// A line of text built in a fixed buffer, for clients that print numbers without a heap:
//   composition::Line line; line.add("flood ").add(n).add("\n"); console.write(line.view());
// Text beyond the buffer is cut; the clients' lines are far shorter.
namespace composition {

class Line {
public:
    Line& add(std::string_view text) {
        for (const char c : text) {
            if (length_ < buffer_.size()) {
                buffer_[length_++] = c;
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
    void clear() { length_ = 0; }

private:
    std::array<char, 128> buffer_{};
    std::size_t length_ = 0;
};

} // namespace composition
