// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include <kaal/core/copy_bytes.hpp>
#include <kaal/core/result.hpp>
#include <kaal/ipc/ppc.hpp>
#include <kaal/platform/channel.hpp>
#include <kaal/platform/wait.hpp>
#include <kaal/services/entropy/entropy_protocol.hpp>

// A component's end of the entropy source (entropy_protocol.hpp): random bytes from the
// device, through the driver's pool, never from a generator seeded here. The names come from the
// client's configuration, which the composer's EntropySource building block generates:
//
//   auto rng = EntropyClient::attach(config::entropy_data, config::entropy_data_size,
//                                    config::entropy);
//   std::array<std::uint8_t, 32> key{};
//   if (auto got = rng->read(key); !got) { ... got.error() ... }
//
// try_read takes what the pool has now and never blocks; read waits for refills
// (kaal/platform/wait.hpp: protected calls are still answered meanwhile, other notifications
// held until the handler returns) and so may not be used inside a protected call. The source
// may notify config::entropy when this client is not waiting (a refill after a short answer
// that a later call already made up for): a notified() hook ignores it.
namespace kaal::services::entropy {

class EntropyClient {
public:
    static Result<EntropyClient> attach(Word data_page, std::size_t data_size, Channel source) {
        if (data_page == 0 || data_size == 0) {
            return Error::invalid_argument;
        }
        return EntropyClient(data_page, data_size, source);
    }

    // As many bytes as the pool has now, up to out.size(), in calls of at most the data page
    // each; 0 when it is empty. An error only when no byte was read: Take's (io_error once the
    // device has failed), and malformed_message if the source answers with more than was asked.
    Result<std::size_t> try_read(std::span<std::uint8_t> out) {
        std::size_t done = 0;
        while (done < out.size()) {
            const std::size_t ask = std::min(out.size() - done, data_size_);
            const auto taken = ipc::call(source_, Take{ask});
            if (!taken.ok() || taken->bytes > ask) {
                if (done != 0) {
                    break;
                }
                return taken.ok() ? Error::malformed_message : taken.error();
            }
            // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the page there
            copy_bytes(out.data() + done, reinterpret_cast<const std::uint8_t*>(data_page_),
                       taken->bytes);
            done += taken->bytes;
            if (taken->bytes < ask) {
                break; // the pool ran dry
            }
        }
        return done;
    }

    // Fills all of `out`, waiting for the source's notification whenever the pool runs dry.
    // Errors: try_read's, and wait_for's (illegal_operation inside a protected call).
    Status read(std::span<std::uint8_t> out) {
        std::size_t done = 0;
        for (;;) {
            KAAL_TRY(const std::size_t got, try_read(out.subspan(done)));
            done += got;
            if (done == out.size()) {
                return {};
            }
            // The short answer marked this client waiting at the source, which notifies it after
            // the next refill; a notification that came before this wait is still pending, so
            // the wait returns at once. Either way the bytes are asked for again, not assumed.
            KAAL_CHECK(wait_for(source_));
        }
    }

    [[nodiscard]] std::size_t data_size() const { return data_size_; }

private:
    EntropyClient(Word data_page, std::size_t data_size, Channel source)
        : data_page_(data_page), data_size_(data_size), source_(source) {}

    Word data_page_;
    std::size_t data_size_;
    Channel source_;
};

} // namespace kaal::services::entropy
