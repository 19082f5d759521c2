// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/ipc/message_codec.hpp>

// The entropy source's one protected call. Each client has a data page of its own, which only it
// and the source map (the composer's EntropySource building block); the bytes travel there, and
// the call says how many. The source removes every byte it answers with from its pool, so no
// other client is ever given it.
//
// A short answer (fewer bytes than asked, 0 when the pool is empty) means the pool ran dry. The
// source then remembers that the client waits and notifies the client's channel once the device
// has refilled the pool; the client waits for that notification and calls again
// (EntropyClient::read does both). The notification may come while the client is not waiting:
// it only says "try again".
namespace kaal::services::entropy {

struct TakenBytes {
    Word bytes; // written at the start of the client's data page
};

// Up to `bytes` random bytes into the client's data page. Errors: invalid_argument (0 bytes),
// range_error (more than the client's data page holds), invalid_channel (the caller is not a
// client), io_error (the pool is empty and the device has failed: no more will come).
struct Take {
    static constexpr Word label = 1;
    using Reply = TakenBytes;
    Word bytes;
};

using EntropyProtocol = ipc::Protocol<Take>;

} // namespace kaal::services::entropy
