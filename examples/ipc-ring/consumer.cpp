// SPDX-License-Identifier: BSD-2-Clause
// ipc-ring consumer: takes every item off the active ring, checks its sequence number and
// every word of its data, keeps a running checksum, and hands the buffer back on the free ring.
#include <optional>

#include <kaal/ipc/queue_pair.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/time/counter.hpp>

#include "ipc_ring.hpp"

namespace {

using kaal::debug::print;

class Consumer {
public:
    void init() {
        auto link = kaal::ipc::QueuePair<>::attach(reinterpret_cast<void*>(config::ring_region),
                                                   config::ring_region_size, ipc_ring::buffers);
        if (!link.ok()) {
            print("ipc-ring: consumer: cannot attach the ring region: ", link.error(), "\n");
            return;
        }
        link_.emplace(*link);
        data_ = kaal::ipc::DataRegion{reinterpret_cast<std::byte*>(config::data_region),
                                      config::data_region_size};
        print("ipc-ring: consumer: ready\n");
        // The producer may have filled the ring before this PD first ran, and signals only a
        // consumer that asked: drain before the first sleep.
        consume();
    }

    void notified(kaal::Channel) {
        ++wakeups_;
        consume();
    }

private:
    void consume() {
        if (!link_) {
            return;
        }
        for (;;) {
            for (auto buffer = link_->active().pop(); buffer.ok(); buffer = link_->active().pop()) {
                check(*buffer);
                buffer->length = ipc_ring::buffer_size;
                if (const auto pushed = link_->free().push(*buffer); !pushed.ok()) {
                    print("ipc-ring: consumer: free ring full: ", pushed.error(), "\n");
                    return;
                }
            }
            if (link_->free().consumer_needs_signal()) {
                ++signals_;
                (void)kaal::notify(config::peer);
            }
            // Returning to the event loop is going to sleep: ask for a signal, then re-check.
            if (link_->active().consumer_may_sleep()) {
                break;
            }
        }
        if (received_ == ipc_ring::total_items && !reported_) {
            report();
        }
    }

    void check(kaal::ipc::BufferDescriptor buffer) {
        if (received_ == 0) {
            first_item_at_ = kaal::services::time::read_counter();
        }
        const auto bytes = data_.resolve(buffer);
        if (!bytes.ok() || bytes->size() != ipc_ring::buffer_size) {
            ++bad_items_;
            ++received_;
            return;
        }
        for (unsigned i = 0; i < ipc_ring::item_words; ++i) {
            std::uint64_t word = 0;
            __builtin_memcpy(&word, bytes->data() + i * sizeof word, sizeof word);
            if (word != ipc_ring::item_word(received_, i)) {
                ++bad_items_;
                if (bad_items_ <= 3) {
                    print("ipc-ring: consumer: item ", received_, " word ", i, " is ",
                          kaal::debug::hex(word), "\n");
                }
            }
            checksum_ = ipc_ring::checksum_step(checksum_, word);
        }
        ++received_;
        if (received_ % 25000 == 0) {
            print("ipc-ring: consumer: ", received_, " items\n");
        }
    }

    void report() {
        reported_ = true;
        // The stream's cost on seL4: under QEMU's -icount shift=0 the counter (read without a
        // kernel entry) counts guest instructions (bench/ipc/run-icount.sh ipc-ring).
        print("ipc-ring: consumer: ", received_, " items in ",
              kaal::services::time::read_counter() - first_item_at_,
              " counter ticks from the first; ", wakeups_, " wake-ups, ", signals_,
              " signals sent\n");
        // The checksum the stream must have, computed independently of what arrived.
        std::uint64_t expected = 0;
        for (std::uint64_t n = 0; n < ipc_ring::total_items; ++n) {
            for (unsigned i = 0; i < ipc_ring::item_words; ++i) {
                expected = ipc_ring::checksum_step(expected, ipc_ring::item_word(n, i));
            }
        }
        if (bad_items_ == 0 && checksum_ == expected) {
            print("ipc-ring: consumer verified ", received_, " items, checksum ok (",
                  kaal::debug::hex(checksum_), ")\n");
        } else {
            print("ipc-ring: consumer FAILED: ", bad_items_, " bad items, checksum ",
                  kaal::debug::hex(checksum_), " expected ", kaal::debug::hex(expected), "\n");
        }
    }

    std::optional<kaal::ipc::QueuePair<>> link_;
    kaal::ipc::DataRegion data_;
    std::uint64_t received_ = 0;
    std::uint64_t bad_items_ = 0;
    std::uint64_t checksum_ = 0;
    std::uint64_t first_item_at_ = 0;
    std::uint64_t wakeups_ = 0;
    std::uint64_t signals_ = 0;
    bool reported_ = false;
};

} // namespace

KAAL_COMPONENT(Consumer);
