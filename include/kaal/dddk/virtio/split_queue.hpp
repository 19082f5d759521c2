// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <kaal/core/result.hpp>
#include <kaal/dddk/barrier.hpp>
#include <kaal/platform/message.hpp>

// The driver's side of a virtio split virtqueue (Virtual I/O Device (VIRTIO) Version 1.2, 2.7
// "Split Virtqueues"), in memory the device reaches by DMA. Three parts, each written by one
// side only:
//   - the descriptor table (driver): buffers by physical address, chained with NEXT, WRITE for
//     the ones the device fills;
//   - the available ring (driver): heads of chains the device may take, and its idx, the count
//     of heads ever made available (free-running 16 bits, wraps);
//   - the used ring (device): heads of chains it finished, with the bytes it wrote, and its idx.
//
// Ordering, the part a driver gets wrong. The device runs concurrently and reads this memory
// without the CPU's help, so the compiler and the CPU must not reorder the stores it depends on:
//   - add() writes the descriptors and the ring slot, then publish() issues io_write_barrier()
//     (2.7.13 "the driver MUST perform a suitable memory barrier before the idx update") and
//     only then stores avail.idx, so a device that sees the new idx sees the entries it covers;
//   - the doorbell (QueueNotify, the transport's) must come after that idx store:
//     needs_notify() issues a full barrier before it reads used.flags, which also orders the
//     idx store before the caller's MMIO write (2.7.13.3 wants the idx visible first);
//   - collect() loads used.idx, then io_read_barrier(), then the entries it covers, so no entry
//     is read before the device wrote it (2.7.14 "Receiving Used Buffers From The Device").
// The lost wake-up does not arise on this side: a driver that collects after it acks the
// device's interrupt (the transport's InterruptACK) sees every entry the device published
// before that interrupt, and any later one raises a new interrupt. That holds while interrupts
// are on; a driver that suppresses them (set_interrupts) must collect again after turning them
// back on, as set_interrupts explains.
//
// Who may call: the driver's one thread, for every function. `Size` is the queue size, a power
// of two (2.7 "Queue Size") no larger than the device's QueueNumMax.
namespace kaal::dddk::virtio {

struct QueueDescriptor {
    std::uint64_t addr; // physical
    std::uint32_t len;
    std::uint16_t flags;
    std::uint16_t next;
    static constexpr std::uint16_t next_flag = 1;  // VIRTQ_DESC_F_NEXT
    static constexpr std::uint16_t write_flag = 2; // VIRTQ_DESC_F_WRITE: the device writes it
};

template <std::uint16_t Size>
struct AvailableRing {
    std::uint16_t flags;
    std::uint16_t idx;
    std::array<std::uint16_t, Size> ring;
    std::uint16_t used_event;
    static constexpr std::uint16_t no_interrupt = 1; // VIRTQ_AVAIL_F_NO_INTERRUPT
};

struct UsedElement {
    std::uint32_t id;  // the head of the chain
    std::uint32_t len; // bytes the device wrote into the chain's WRITE buffers
};

template <std::uint16_t Size>
struct UsedRing {
    std::uint16_t flags;
    std::uint16_t idx;
    std::array<UsedElement, Size> ring;
    std::uint16_t avail_event;
    static constexpr std::uint16_t no_notify = 1; // VIRTQ_USED_F_NO_NOTIFY
};

// One buffer of a chain, as the device sees it.
struct QueueBuffer {
    Word paddr;
    std::uint32_t len;
    bool device_writes;
};

// The queue's memory: where the driver sees it and where the device does.
struct QueueMemory {
    Word vaddr;
    Word paddr;
};

template <std::uint16_t Size>
class SplitQueue {
    static_assert(Size != 0 && (Size & (Size - 1)) == 0, "a split virtqueue's size is 2^n");

public:
    // The three parts, each at its alignment (2.7 table "Virtqueue Part Alignment": 16, 2, 4).
    static constexpr std::size_t descriptors_offset = 0;
    static constexpr std::size_t available_offset = sizeof(QueueDescriptor) * Size;
    static constexpr std::size_t used_offset =
        (available_offset + sizeof(AvailableRing<Size>) + 3) & ~std::size_t{3};
    static constexpr std::size_t bytes = used_offset + sizeof(UsedRing<Size>);

    // `memory` must be zeroed (fresh DMA memory is), 16-byte aligned and `bytes` long.
    static Result<SplitQueue> create(QueueMemory memory) {
        if (memory.vaddr == 0 || memory.vaddr % 16 != 0 || memory.paddr % 16 != 0) {
            return Error::alignment_error;
        }
        return SplitQueue(memory);
    }

    [[nodiscard]] Word descriptors_paddr() const { return paddr_ + descriptors_offset; }
    [[nodiscard]] Word available_paddr() const { return paddr_ + available_offset; }
    [[nodiscard]] Word used_paddr() const { return paddr_ + used_offset; }
    [[nodiscard]] std::uint16_t free_descriptors() const { return free_count_; }
    // The head the next add() returns, for a caller that keeps per-request state by head.
    [[nodiscard]] std::uint16_t next_head() const { return free_head_; }

    // Makes a chain of `buffers` available (after publish()); returns its head, the id the
    // device will report. queue_full if there are not enough free descriptors.
    Result<std::uint16_t> add(std::span<const QueueBuffer> buffers) {
        if (buffers.empty() || buffers.size() > free_count_) {
            return buffers.empty() ? Result<std::uint16_t>{Error::invalid_argument}
                                   : Result<std::uint16_t>{Error::queue_full};
        }
        const std::uint16_t head = free_head_;
        std::uint16_t last = head;
        for (std::size_t i = 0; i < buffers.size(); ++i) {
            const std::uint16_t d = free_head_;
            free_head_ = next_free_[d];
            --free_count_;
            QueueDescriptor& desc = descriptors()[d];
            desc.addr = buffers[i].paddr;
            desc.len = buffers[i].len;
            desc.flags = buffers[i].device_writes ? QueueDescriptor::write_flag : 0;
            desc.next = 0;
            if (i != 0) {
                QueueDescriptor& previous = descriptors()[last];
                previous.flags =
                    static_cast<std::uint16_t>(previous.flags | QueueDescriptor::next_flag);
                previous.next = d;
                link_[last] = d;
            }
            last = d;
        }
        chain_length_[head] = static_cast<std::uint16_t>(buffers.size());
        available().ring[static_cast<std::uint16_t>(next_avail_ + pending_) % Size] = head;
        ++pending_;
        return head;
    }

    // Hands every chain added since the last publish to the device.
    void publish() {
        if (pending_ == 0) {
            return;
        }
        next_avail_ = static_cast<std::uint16_t>(next_avail_ + pending_);
        pending_ = 0;
        io_write_barrier();
        store16(&available().idx, next_avail_);
    }

    // After publish(): whether the device asked to be told (2.7.10: it may suppress doorbells
    // while it is already processing). The full barrier orders the idx store before this read
    // and before the caller's doorbell write.
    [[nodiscard]] bool needs_notify() const {
        io_completion_barrier();
        return (load16(&used().flags) & UsedRing<Size>::no_notify) == 0;
    }

    // Whether the device should interrupt when it uses a chain (2.7.7 "Used Buffer Notification
    // Suppression"; without VIRTIO_F_EVENT_IDX the flag is advice, and a device may interrupt
    // anyway). A fresh queue's flags are 0: interrupts on, which a driver that never calls this
    // keeps. Turning them on before sleeping is the consumer's half of a Dekker pair: the device
    // stores used.idx and then, after a full barrier, reads the flag (QEMU: virtio_should_notify
    // in hw/virtio/virtio.c); the driver stores the flag, then io_completion_barrier(), then its
    // next collect() loads used.idx. So either the device sees the flag clear and interrupts,
    // or the driver's collect() sees the entry; a caller that arms and does not collect again
    // can sleep with a finished chain and no interrupt coming.
    void set_interrupts(bool wanted) {
        const std::uint16_t flags = wanted ? 0 : AvailableRing<Size>::no_interrupt;
        if (flags != interrupt_flags_) {
            interrupt_flags_ = flags;
            store16(&available().flags, flags);
        }
        if (wanted) {
            io_completion_barrier();
        }
    }
    [[nodiscard]] bool interrupts_wanted() const { return interrupt_flags_ == 0; }

    // Hands each chain the device finished to `on_used(head, bytes_written)` and frees its
    // descriptors; returns how many. A used element naming no chain of ours (a device bug, or a
    // device that is not what it claims) is skipped and counted in `bogus`.
    template <typename OnUsed>
    std::size_t collect(OnUsed&& on_used) {
        const std::uint16_t device_idx = load16(&used().idx);
        io_read_barrier();
        std::size_t n = 0;
        while (last_used_ != device_idx) {
            const UsedElement element = used().ring[last_used_ % Size];
            last_used_ = static_cast<std::uint16_t>(last_used_ + 1);
            if (element.id >= Size || chain_length_[element.id] == 0) {
                ++bogus_;
                continue;
            }
            const auto head = static_cast<std::uint16_t>(element.id);
            release_chain(head);
            on_used(head, element.len);
            ++n;
        }
        return n;
    }

    [[nodiscard]] std::size_t bogus() const { return bogus_; }

private:
    explicit SplitQueue(QueueMemory memory) : vaddr_(memory.vaddr), paddr_(memory.paddr) {
        for (std::uint16_t i = 0; i < Size; ++i) {
            next_free_[i] = static_cast<std::uint16_t>(i + 1);
        }
    }

    // The device reads these concurrently: volatile, so each store and load happens once, at
    // its width, where the code says.
    static void store16(std::uint16_t* at, std::uint16_t value) {
        *static_cast<volatile std::uint16_t*>(at) = value;
    }
    static std::uint16_t load16(const std::uint16_t* at) {
        return *static_cast<const volatile std::uint16_t*>(at);
    }

    // From the driver's own copy of the links: what the device could scribble on is never
    // trusted to find the descriptors to free.
    void release_chain(std::uint16_t head) {
        std::uint16_t d = head;
        for (std::uint16_t i = 0; i < chain_length_[head]; ++i) {
            const std::uint16_t next = link_[d];
            next_free_[d] = free_head_;
            free_head_ = d;
            ++free_count_;
            d = next;
        }
        chain_length_[head] = 0;
    }

    // NOLINTBEGIN(performance-no-int-to-ptr): the queue's memory, mapped there
    [[nodiscard]] QueueDescriptor* descriptors() const {
        return reinterpret_cast<QueueDescriptor*>(vaddr_ + descriptors_offset);
    }
    [[nodiscard]] AvailableRing<Size>& available() const {
        return *reinterpret_cast<AvailableRing<Size>*>(vaddr_ + available_offset);
    }
    [[nodiscard]] UsedRing<Size>& used() const {
        return *reinterpret_cast<UsedRing<Size>*>(vaddr_ + used_offset);
    }
    // NOLINTEND(performance-no-int-to-ptr)

    Word vaddr_;
    Word paddr_;
    // The driver's own, never in DMA memory: the free list, and each chain's links and length.
    std::array<std::uint16_t, Size> next_free_{};
    std::array<std::uint16_t, Size> link_{};
    std::array<std::uint16_t, Size> chain_length_{};
    std::uint16_t free_head_ = 0;
    std::uint16_t free_count_ = Size;
    std::uint16_t next_avail_ = 0;      // avail.idx as published
    std::uint16_t pending_ = 0;         // added, not yet published
    std::uint16_t last_used_ = 0;       // used.idx as collected
    std::uint16_t interrupt_flags_ = 0; // avail.flags as stored
    std::size_t bogus_ = 0;
};

} // namespace kaal::dddk::virtio
