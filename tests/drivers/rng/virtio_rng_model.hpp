// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include "../virtio_mmio_queue_model.hpp"
#include "virtio_rng.hpp"

// A virtio entropy device (virtio 1.2, 5.4) behind the modern virtio-mmio transport model. Its
// "random" bytes are a running counter (0, 1, 2, ... mod 256), so a test can tell exactly which
// bytes it was given and that none came twice. On a QueueNotify it fills every available
// buffer, unless `hold` is set (they then stay at the device until process() is called), writes
// the used ring and raises the used-buffer interrupt.
namespace kaal::testing {

class VirtioRngModel : public VirtioMmioQueueModel<VirtioRngModel> {
public:
    VirtioRngModel()
        : VirtioMmioQueueModel(drivers::rng::virtio_rng::device_id,
                               dddk::virtio::feature_version_1) {}

    // Bytes to write into each buffer instead of all of it (5.4.6.2 allows fewer).
    std::optional<std::uint32_t> fill_bytes;
    // A length to report instead of the bytes written: a device that lies.
    std::optional<std::uint32_t> reported_len;

    // What the driver did.
    unsigned buffers_filled = 0;
    unsigned readable_buffers = 0; // buffers without VIRTQ_DESC_F_WRITE (5.4.6.1 forbids them)
    std::uint8_t next_byte = 0;

    // It has no configuration space (5.4.4).
    [[nodiscard]] static std::uint64_t config(Word, unsigned) { return 0; }

    // Fills every buffer made available and not yet taken.
    void process() {
        bool any = false;
        while (const auto head = next_available()) {
            const auto* d = descriptor(*head);
            if ((d->flags & dddk::virtio::QueueDescriptor::write_flag) == 0) {
                ++readable_buffers;
            }
            const std::uint32_t n = fill_bytes ? std::min(*fill_bytes, d->len) : d->len;
            auto* bytes = as<std::uint8_t>(d->addr);
            for (std::uint32_t i = 0; i < n; ++i) {
                bytes[i] = next_byte++;
            }
            ++buffers_filled;
            complete(*head, reported_len ? *reported_len : n);
            any = true;
        }
        if (any) {
            interrupt_status |= 1;
        }
    }
};

} // namespace kaal::testing
