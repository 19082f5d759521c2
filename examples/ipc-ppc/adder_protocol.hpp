// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/ipc/message_codec.hpp>
#include <kaal/platform/channel.hpp>

// The protocol between the ipc-ppc client and server: an adder with a running total.
namespace adder {

using kaal::Word;

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
    Word amount;
};
struct Reset {
    static constexpr Word label = 3;
    using Reply = kaal::ipc::EmptyPayload;
};

} // namespace adder
