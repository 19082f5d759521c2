// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/ipc/message_codec.hpp>

// The RX multiplexer's control protocol: protected calls a client makes to choose which client
// receives serial input. The mux answers anything else (an unknown label, a wrong length) with
// error_reply(malformed_message) and a client index it does not serve with
// error_reply(range_error); it keeps running either way.
namespace kaal::services::serial {

// Which client receives input, by its index in the RX mux (the order of its configuration).
struct InputOwner {
    Word client;
};

// Sends all further input to `client`; the reply names the previous owner.
struct SelectInput {
    static constexpr Word label = 1;
    using Reply = InputOwner;
    Word client;
};

// Names the client that receives input now.
struct CurrentInput {
    static constexpr Word label = 2;
    using Reply = InputOwner;
};

using InputProtocol = ipc::Protocol<SelectInput, CurrentInput>;

} // namespace kaal::services::serial
