// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>

#include <kaal/core/result.hpp>
#include <kaal/ipc/byte_stream.hpp>
#include <kaal/platform/message.hpp>

// The serial queue contract shared by the PL011 driver, the TX/RX multiplexers and their
// clients: every serial queue is one ByteStream alone in a 4 KiB memory region, which the
// .system file declares with size="0x1000" and maps into both ends. Seeing both constants in one
// header is what keeps the two ends of a queue agreeing on its layout.
namespace kaal::dddk::serial {

inline constexpr ipc::RingIndex queue_capacity = 2048;
inline constexpr std::size_t queue_region_bytes = 0x1000;

static_assert(ipc::ByteStream::region_size(queue_capacity) <= queue_region_bytes,
              "a serial queue's control block and slots fit in its one page");

// Attaches a ByteStream to the queue region mapped at `vaddr` (a setvar_vaddr variable). A
// variable the Microkit tool did not patch is still 0, and a region the tool mapped always
// starts on a page boundary (Microkit manual, "map": vaddr must be page aligned), so either
// mistake in the .system file comes back as invalid_argument instead of a fault later.
inline Result<ipc::ByteStream> attach_queue(Word vaddr) {
    constexpr Word page_mask = 0xfff;
    if (vaddr == 0 || (vaddr & page_mask) != 0) {
        return Error::invalid_argument;
    }
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the tool patched in the region's address
    return ipc::ByteStream::attach(reinterpret_cast<void*>(vaddr), queue_region_bytes,
                                   queue_capacity);
}

// Checks the two indices of the queue at `vaddr` (attached with attach_queue) against each other.
// Each end writes only its own index, so a fill level above the capacity can only come from a
// peer that wrote garbage into the control block: range_error. The ring itself already clamps
// such an index and never reads or writes outside the region (ring_buffer.hpp), so this check
// is for reporting the fault, not for safety; an end calls it when the queue looks empty or
// full, to tell a peer bug from an idle or slow peer.
inline Status check_queue_indices(Word vaddr) {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the region attach_queue accepted
    auto& control = *reinterpret_cast<ipc::RingControl*>(vaddr);
    const ipc::RingIndex tail = ipc::detail::load_relaxed(control.tail);
    const ipc::RingIndex head = ipc::detail::load_relaxed(control.head);
    if (tail - head > queue_capacity) {
        return Error::range_error;
    }
    return {};
}

} // namespace kaal::dddk::serial
