// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/core/result.hpp>
#include <kaal/platform/message.hpp>

// The address of a serial queue region from its setvar_vaddr variable, checked the way
// kaal::dddk::serial::attach_queue checks it: a variable the Microkit tool did not patch is
// still 0, and the tool maps a region on a page boundary (Microkit manual, "map"), so either
// mistake in the .system file is an error here instead of a fault later. The multiplexers need
// the region itself, not only its ByteStream, to check the peer's ring indices.
namespace kaal::services::serial {

inline Result<void*> queue_region(Word vaddr) {
    constexpr Word page_mask = 0xfff;
    if (vaddr == 0 || (vaddr & page_mask) != 0) {
        return Error::invalid_argument;
    }
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the tool patched in the region's address
    return reinterpret_cast<void*>(vaddr);
}

} // namespace kaal::services::serial
