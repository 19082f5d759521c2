// SPDX-License-Identifier: BSD-2-Clause
// ipc-ring producer: streams total_items items to the consumer. Each item is written into a
// buffer of the shared data region and its descriptor pushed on the active ring; the consumer
// hands buffers back on the free ring. Notifications go only where the suppression protocol
// says the other side may be asleep.
#include <optional>

#include <kaal/ipc/queue_pair.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "ipc_ring.hpp"

// The Microkit tool writes the address it mapped each region at into these (setvar_vaddr in
// ipc-ring.system; Microkit manual, "map").

namespace {

using kaal::debug::print;

class Producer {
public:
    void init() {
        auto link = kaal::ipc::QueuePair<>::attach(reinterpret_cast<void*>(config::ring_region),
                                                   config::ring_region_size, ipc_ring::buffers);
        if (!link.ok()) {
            print("ipc-ring: producer: cannot attach the ring region: ", link.error(), "\n");
            return;
        }
        link_.emplace(*link);
        data_ = kaal::ipc::DataRegion{reinterpret_cast<std::byte*>(config::data_region),
                                      config::data_region_size};
        print("ipc-ring: producer: sending ", ipc_ring::total_items, " items in ",
              ipc_ring::buffers, " buffers of ", ipc_ring::buffer_size, " bytes\n");
        produce();
    }

    // The consumer returned buffers (or its signal is stale; produce() copes either way).
    void notified(kaal::Channel) {
        ++wakeups_;
        produce();
    }

private:
    void produce() {
        if (!link_) {
            return;
        }
        while (sent_ < ipc_ring::total_items) {
            auto buffer = take_buffer();
            if (!buffer) {
                signal_consumer();
                // Out of buffers: sleep until the consumer frees one, unless it just did.
                if (link_->free().consumer_may_sleep()) {
                    return;
                }
                continue;
            }
            fill(*buffer);
            // Cannot fail: the active ring holds as many slots as there are buffers.
            if (const auto pushed = link_->active().push(*buffer); !pushed.ok()) {
                print("ipc-ring: producer: active ring full: ", pushed.error(), "\n");
                return;
            }
            if (++sent_ % 16 == 0) {
                signal_consumer();
            }
        }
        signal_consumer();
        if (!reported_) {
            reported_ = true;
            print("ipc-ring: producer: sent ", sent_, " items, checksum ",
                  kaal::debug::hex(checksum_), "\n");
            print("ipc-ring: producer: ", signals_, " signals sent, ", wakeups_, " wake-ups\n");
        }
    }

    // Buffers never used yet come first; after that, those the consumer handed back.
    std::optional<kaal::ipc::BufferDescriptor> take_buffer() {
        if (fresh_ < ipc_ring::buffers) {
            return data_.buffer(fresh_++, ipc_ring::buffer_size).value();
        }
        const auto returned = link_->free().pop();
        if (!returned.ok()) {
            return std::nullopt;
        }
        return *returned;
    }

    void fill(kaal::ipc::BufferDescriptor& buffer) {
        const auto bytes = data_.resolve({buffer.offset, ipc_ring::buffer_size, 0});
        if (!bytes.ok()) {
            return; // a descriptor the consumer corrupted: the consumer will reject the item
        }
        for (unsigned i = 0; i < ipc_ring::item_words; ++i) {
            const std::uint64_t word = ipc_ring::item_word(sent_, i);
            __builtin_memcpy(bytes->data() + i * sizeof word, &word, sizeof word);
            checksum_ = ipc_ring::checksum_step(checksum_, word);
        }
        buffer.length = ipc_ring::buffer_size;
    }

    void signal_consumer() {
        if (link_->active().consumer_needs_signal()) {
            ++signals_;
            (void)kaal::notify(config::peer);
        }
    }

    std::optional<kaal::ipc::QueuePair<>> link_;
    kaal::ipc::DataRegion data_;
    std::uint32_t fresh_ = 0;
    std::uint64_t sent_ = 0;
    std::uint64_t checksum_ = 0;
    std::uint64_t signals_ = 0; // what notification suppression leaves of one signal per push
    std::uint64_t wakeups_ = 0;
    bool reported_ = false;
};

} // namespace

KAAL_COMPONENT(Producer);
