// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <utility>

namespace kaal {

// std::array{make(0), ..., make(N - 1)}: for elements with no default constructor (a queue view
// exists only attached to its region), which `std::array<T, N> a{}` then filling cannot make.
template <std::size_t N, typename Make>
constexpr auto array_of(Make&& make) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return std::array{make(I)...};
    }
    (std::make_index_sequence<N>{});
}

} // namespace kaal
