// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/ipc/message_codec.hpp>

// A small protocol for the codec tests and the fuzzer: an adder with a running total.
namespace kaal::ipc::test {

struct Sum {
    Word value;
};
struct Add {
    static constexpr Word label = 1;
    using Reply = Sum;
    Word a;
    Word b;
};
struct Accumulate {
    static constexpr Word label = 2;
    using Reply = Sum;
    std::uint32_t amount;
    std::uint32_t times;
};
struct Reset {
    static constexpr Word label = 3;
    using Reply = EmptyPayload;
};
struct Fill {
    static constexpr Word label = 4;
    using Reply = EmptyPayload;
    Word words[MessageInfo::max_length];
};

using Adder = Protocol<Add, Accumulate, Reset, Fill>;

struct AdderServer {
    Word total = 0;
    unsigned handled = 0;
    Result<Sum> operator()(const Add& r) {
        ++handled;
        if (r.a > ~Word{0} - r.b) {
            return Error::range_error; // a server error travels back as an error reply
        }
        return Sum{r.a + r.b};
    }
    Result<Sum> operator()(const Accumulate& r) {
        ++handled;
        total += Word{r.amount} * r.times;
        return Sum{total};
    }
    Result<EmptyPayload> operator()(const Reset&) {
        ++handled;
        total = 0;
        return EmptyPayload{};
    }
    Result<EmptyPayload> operator()(const Fill&) {
        ++handled;
        return EmptyPayload{};
    }
};

} // namespace kaal::ipc::test
