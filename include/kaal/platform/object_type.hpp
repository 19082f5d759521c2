// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/platform/message.hpp>

// Kernel object types KaaL creates, and their sizes on each architecture it targets. The sizes
// are facts of seL4 13.0.0 for the configurations KaaL builds (non-MCS runtime kernel, FXSAVE
// FPU state of 512 bytes on x86_64); libsel4's sel4_arch/constants.h has them as seL4_*Bits and
// the runtime backend checks them against it at compile time.
namespace kaal {

enum class Arch : std::uint8_t { aarch64, x86_64 };

constexpr const char* to_string(Arch arch) {
    switch (arch) {
    case Arch::aarch64: return "aarch64";
    case Arch::x86_64: return "x86_64";
    }
    return "unknown";
}

// KaaL's own numbering; the runtime backend maps it to seL4's per-architecture `seL4_ObjectType`.
enum class ObjectType : std::uint8_t {
    untyped,
    tcb,
    endpoint,
    notification,
    cnode,
    small_frame,    // 4 KiB page
    large_frame,    // 2 MiB page
    page_table,     // aarch64: a table at any level below the VSpace root; x86_64: the last level
    page_directory, // x86_64 only
    pdpt,           // x86_64 only
    vspace,         // the root of an address space: x86_64 PML4, aarch64 top-level table
};

inline constexpr unsigned object_type_count = 11;

constexpr const char* to_string(ObjectType type) {
    switch (type) {
    case ObjectType::untyped: return "untyped";
    case ObjectType::tcb: return "tcb";
    case ObjectType::endpoint: return "endpoint";
    case ObjectType::notification: return "notification";
    case ObjectType::cnode: return "cnode";
    case ObjectType::small_frame: return "small_frame";
    case ObjectType::large_frame: return "large_frame";
    case ObjectType::page_table: return "page_table";
    case ObjectType::page_directory: return "page_directory";
    case ObjectType::pdpt: return "pdpt";
    case ObjectType::vspace: return "vspace";
    }
    return "unknown";
}

namespace object_bits {
inline constexpr unsigned slot = 5;             // seL4_SlotBits: one CNode slot is 32 bytes
inline constexpr unsigned small_page = 12;      // seL4_PageBits
inline constexpr unsigned large_page = 21;      // seL4_LargePageBits
inline constexpr unsigned min_untyped = 4;      // seL4_MinUntypedBits
inline constexpr unsigned max_untyped = 47;     // seL4_MaxUntypedBits
inline constexpr unsigned page_table_index = 9; // 512 entries per paging structure, both arches
} // namespace object_bits

// Frames are the only objects a device untyped may be retyped into, besides smaller untypeds
// (seL4 manual, "Untyped Memory").
constexpr bool is_frame(ObjectType type) {
    return type == ObjectType::small_frame || type == ObjectType::large_frame;
}

constexpr bool is_paging_structure(ObjectType type) {
    return type == ObjectType::page_table || type == ObjectType::page_directory ||
           type == ObjectType::pdpt;
}

constexpr bool exists_on(Arch arch, ObjectType type) {
    return arch == Arch::x86_64 || (type != ObjectType::page_directory && type != ObjectType::pdpt);
}

// log2 of the bytes an object occupies in its untyped, which is also its alignment there (seL4
// manual, "Untyped Memory": objects are aligned to their own size). `user_bits` is the
// variable size: bytes for an untyped, slots for a CNode, ignored otherwise. The errors are the
// kernel's for the same request to seL4_Untyped_Retype.
constexpr Result<unsigned> object_size_bits(Arch arch, ObjectType type, unsigned user_bits) {
    if (!exists_on(arch, type)) {
        return Error::invalid_argument;
    }
    switch (type) {
    case ObjectType::untyped:
        if (user_bits > object_bits::max_untyped) {
            return Error::range_error;
        }
        if (user_bits < object_bits::min_untyped) {
            return Error::invalid_argument;
        }
        return user_bits;
    case ObjectType::cnode:
        if (user_bits + object_bits::slot > object_bits::max_untyped) {
            return Error::range_error;
        }
        if (user_bits == 0) {
            return Error::invalid_argument;
        }
        return user_bits + object_bits::slot;
    // seL4_TCBBits is 11 on both: x86_64 keeps FPU state in the TCB, 512 bytes with FXSAVE.
    case ObjectType::tcb: return 11U;
    case ObjectType::endpoint: return 4U;
    case ObjectType::notification: return 5U; // 6 on MCS kernels, which KaaL does not retype on
    case ObjectType::small_frame: return object_bits::small_page;
    case ObjectType::large_frame: return object_bits::large_page;
    case ObjectType::page_table:
    case ObjectType::page_directory:
    case ObjectType::pdpt:
    case ObjectType::vspace: return 12U;
    }
    return Error::invalid_argument;
}

constexpr Word object_size_bytes(unsigned size_bits) {
    return Word{1} << size_bits;
}

// The architecture KaaL itself is compiled for; boards name theirs explicitly.
#if defined(__aarch64__)
inline constexpr Arch native_arch = Arch::aarch64;
#else
inline constexpr Arch native_arch = Arch::x86_64;
#endif

} // namespace kaal
