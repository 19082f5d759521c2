// SPDX-License-Identifier: BSD-2-Clause
// block_stress_client: keeps the block driver busy while its supervisor kills it. In passes over
// the first 1 MiB of its partition, it writes every 4 KiB block with a pattern of the pass and
// the block, 16 requests in flight, then reads every block back and checks it. A pass reads only
// after every write of it is answered: virtio orders nothing in flight (virtio 1.2, 5.2.6.2).
// Every request must be answered, and answered ok, restart or not.
#include <cstdint>
#include <optional>

#include <kaal/dddk/block_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "kaal_config.hpp"

namespace {

using kaal::dddk::BlockRequestMessage;
using kaal::dddk::BlockResponseMessage;
using kaal::debug::print;

constexpr unsigned passes = 4;
constexpr unsigned blocks = 256;
constexpr std::uint64_t block_bytes = 4096;
constexpr unsigned slots = 16; // requests in flight, each with its own 4 KiB of the data region
constexpr std::uint64_t words = block_bytes / sizeof(std::uint64_t);
static_assert(slots * block_bytes <= config::blk_data_size);

constexpr std::uint64_t pattern(unsigned pass, unsigned block, std::uint64_t word) {
    return (std::uint64_t{pass} << 48) | (std::uint64_t{block} << 16) | word;
}

class StressClient {
public:
    void init() {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the queue there
        auto queue = kaal::dddk::BlockQueue::attach(reinterpret_cast<void*>(config::blk_queue));
        if (!queue) {
            print("block-stress: FAILED: cannot attach the block queue: ", queue.error(), "\n");
            return;
        }
        queue_.emplace(*queue);
        issue();
        drain();
    }

    void notified(kaal::Channel ch) {
        if (queue_ && ch == config::blk) {
            drain();
        }
    }

private:
    [[nodiscard]] static std::uint64_t* buffer(unsigned slot) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the data region there
        return reinterpret_cast<std::uint64_t*>(config::blk_data + slot * block_bytes);
    }

    // Fills the free slots with the phase's next blocks.
    void issue() {
        bool pushed = false;
        for (unsigned slot = 0; slot < slots && next_ < blocks; ++slot) {
            if (busy_[slot]) {
                continue;
            }
            if (writing_) {
                for (std::uint64_t w = 0; w < words; ++w) {
                    buffer(slot)[w] = pattern(pass_, next_, w);
                }
            }
            const BlockRequestMessage m{writing_ ? BlockRequestMessage::write
                                                 : BlockRequestMessage::read,
                                        block_bytes / 512, std::uint64_t{next_} * block_bytes / 512,
                                        slot * block_bytes, slot};
            if (!queue_->requests.push(m).ok()) {
                print("block-stress: FAILED: the request ring is full\n");
                return;
            }
            busy_[slot] = true;
            block_of_[slot] = next_++;
            ++sent_;
            pushed = true;
        }
        if (pushed && queue_->requests.consumer_needs_signal()) {
            static_cast<void>(kaal::notify(config::blk));
        }
    }

    void drain() {
        for (;;) {
            while (auto r = queue_->responses.pop()) {
                answered(*r);
            }
            if (queue_->responses.producer_needs_signal()) {
                static_cast<void>(kaal::notify(config::blk));
            }
            if (queue_->responses.consumer_may_sleep()) {
                return;
            }
        }
    }

    void answered(const BlockResponseMessage& r) {
        if (r.id >= slots || !busy_[r.id]) {
            print("block-stress: FAILED: a response to no request in flight (id ", r.id, ")\n");
            return;
        }
        const auto slot = static_cast<unsigned>(r.id);
        busy_[slot] = false;
        ++answered_;
        if (r.status != BlockResponseMessage::ok) {
            print("block-stress: FAILED: block ", block_of_[slot], " of pass ", pass_, ": status ",
                  r.status, "\n");
        } else if (!writing_ && !holds_pattern(slot)) {
            print("block-stress: FAILED: block ", block_of_[slot], " of pass ", pass_,
                  " read back wrong\n");
        } else {
            ++ok_;
        }
        if (next_ == blocks && idle()) {
            next_phase();
        }
        issue();
    }

    [[nodiscard]] bool holds_pattern(unsigned slot) const {
        for (std::uint64_t w = 0; w < words; ++w) {
            if (buffer(slot)[w] != pattern(pass_, block_of_[slot], w)) {
                return false;
            }
        }
        return true;
    }

    [[nodiscard]] bool idle() const {
        for (const bool b : busy_) {
            if (b) {
                return false;
            }
        }
        return true;
    }

    void next_phase() {
        next_ = 0;
        writing_ = !writing_;
        if (writing_ && ++pass_ == passes) {
            next_ = blocks; // done: issue() sends nothing more
            print("block-stress: ", passes, " passes, ", sent_, " requests sent, ", answered_,
                  " answered, ", ok_, " ok and as written\n");
        }
    }

    std::optional<kaal::dddk::BlockQueue> queue_;
    bool busy_[slots] = {};
    unsigned block_of_[slots] = {};
    unsigned pass_ = 0;
    unsigned next_ = 0;
    bool writing_ = true;
    unsigned sent_ = 0;
    unsigned answered_ = 0;
    unsigned ok_ = 0;
};

} // namespace

KAAL_COMPONENT(StressClient);
