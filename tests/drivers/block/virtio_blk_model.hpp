// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "../virtio_mmio_queue_model.hpp"
#include "virtio_blk.hpp"

// A virtio-blk device (virtio 1.2, 5.2) behind the modern virtio-mmio transport model. On a
// QueueNotify it takes every available chain, unless `hold` is set (the requests then stay in
// flight until process() is called), performs it on `disk`, writes the status byte and the used
// ring, and raises the used-buffer interrupt.
namespace kaal::testing {

class VirtioBlkModel : public VirtioMmioQueueModel<VirtioBlkModel> {
public:
    explicit VirtioBlkModel(std::uint64_t sectors)
        : VirtioMmioQueueModel(drivers::block::virtio_blk::device_id,
                               dddk::virtio::feature_version_1 |
                                   drivers::block::virtio_blk::feature::flush),
          disk(sectors * 512) {}

    // What the device is.
    std::vector<std::uint8_t> disk;
    int fail_next = -1; // a status byte to answer the next request with instead of doing it
    bool report_bogus_used = false; // the next completion is preceded by one naming no chain

    // What the driver did.
    unsigned flushes = 0;
    unsigned requests = 0;

    // Its configuration space (5.2.4): the capacity in sectors, a 64-bit field.
    [[nodiscard]] std::uint64_t config(Word offset, unsigned) const {
        const std::uint64_t sectors = disk.size() / 512;
        return offset == 0 ? static_cast<std::uint32_t>(sectors)
                           : (offset == 4 ? static_cast<std::uint32_t>(sectors >> 32) : 0);
    }

    // Performs every chain made available and not yet taken.
    void process() {
        using namespace drivers::block::virtio_blk;
        while (const auto head = next_available()) {
            ++requests;
            const auto* d0 = descriptor(*head);
            const auto* h = as<RequestHeader>(d0->addr);
            std::uint8_t result = status::ok;
            const dddk::virtio::QueueDescriptor* last = d0;
            std::uint32_t written = 0;
            if (h->type == request::flush) {
                ++flushes;
                last = descriptor(d0->next);
            } else {
                const auto* data = descriptor(d0->next);
                last = descriptor(data->next);
                const std::uint64_t at = h->sector * 512;
                if (at + data->len > disk.size()) {
                    result = status::io_error;
                } else if (h->type == request::in) {
                    std::memcpy(as<std::uint8_t>(data->addr), disk.data() + at, data->len);
                    written = data->len;
                } else if (h->type == request::out) {
                    std::memcpy(disk.data() + at, as<std::uint8_t>(data->addr), data->len);
                } else {
                    result = status::unsupported;
                }
            }
            if (fail_next >= 0) {
                result = static_cast<std::uint8_t>(fail_next);
                fail_next = -1;
            }
            *as<std::uint8_t>(last->addr) = result;
            if (report_bogus_used) {
                report_bogus_used = false;
                complete(queue_num_max + 1, 0);
            }
            complete(*head, written + 1);
        }
        interrupt_status |= 1;
    }
};

} // namespace kaal::testing
