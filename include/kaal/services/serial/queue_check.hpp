// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <atomic>
#include <cstddef>

#include <kaal/core/result.hpp>
#include <kaal/ipc/byte_stream.hpp>

// A serial queue as one multiplexer end sees it: the ByteStream it reads or writes, plus the
// control block of the shared region, so the multiplexer can tell a peer that corrupted the
// ring indices from one that is merely slow.
//
// RingBuffer already clamps every index the peer writes, so a corrupt index can never make the
// multiplexer touch memory outside the region; but the clamp silently turns "corrupt" into
// "empty" (reader side) or "full" (writer side). A multiplexer serving several clients needs to
// know the difference: a full queue means wait (back-pressure), a corrupt one means report the
// client once and stop waiting for it, so the others keep being served.
namespace kaal::services::serial {

class QueueEnd {
public:
    static Result<QueueEnd> attach(void* region, std::size_t region_bytes,
                                   ipc::RingIndex capacity) {
        KAAL_TRY(auto stream, ipc::ByteStream::attach(region, region_bytes, capacity));
        return QueueEnd(stream, static_cast<ipc::RingControl*>(region), capacity);
    }

    ipc::ByteStream& stream() { return stream_; }

    // The fill level `tail - head` of a correct ring never exceeds the capacity, whoever wrote
    // the indices last; anything larger is a peer that wrote an index it does not own or moved
    // its own one past the other side's.
    [[nodiscard]] bool indices_consistent() const { return tail() - head() <= capacity_; }
    [[nodiscard]] ipc::RingIndex tail() const {
        return std::atomic_ref<ipc::RingIndex>(control_->tail).load(std::memory_order_acquire);
    }
    [[nodiscard]] ipc::RingIndex head() const {
        return std::atomic_ref<ipc::RingIndex>(control_->head).load(std::memory_order_acquire);
    }
    [[nodiscard]] ipc::RingIndex capacity() const { return capacity_; }

private:
    QueueEnd(const ipc::ByteStream& stream, ipc::RingControl* control, ipc::RingIndex capacity)
        : stream_(stream), control_(control), capacity_(capacity) {}

    ipc::ByteStream stream_;
    ipc::RingControl* control_;
    ipc::RingIndex capacity_;
};

} // namespace kaal::services::serial
