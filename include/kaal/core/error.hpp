// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

namespace kaal {

// One error space for the whole framework. The first eleven values are seL4's own
// (seL4 manual, "Error Codes"; libsel4 `seL4_Error`) with the same numbers, so a kernel
// result converts to an `Error` with a cast and a mock returns exactly what the kernel would.
// KaaL's own conditions start at 64, well clear of any future kernel code.
enum class Error : std::uint8_t {
    ok = 0,
    invalid_argument = 1,
    invalid_capability = 2,
    illegal_operation = 3,
    range_error = 4,
    alignment_error = 5,
    failed_lookup = 6,
    truncated_message = 7,
    delete_first = 8,
    revoke_first = 9,
    not_enough_memory = 10,

    out_of_slots = 64,      // a fixed table is full: CSpace slots, or a per-client limit
    no_such_device = 65,    // the board's device table has no such device
    already_claimed = 66,   // a physical range or device is owned by someone else
    invalid_channel = 67,   // the channel is not wired to this component
    malformed_message = 68, // wrong label or length for the protocol
    queue_full = 69,
    queue_empty = 70,
    unsupported = 71,         // not available here: this platform mode, or this device's version
    no_space = 72,            // a caller-supplied buffer is too small
    no_device_memory = 73,    // no device untyped covers a physical range: the kernel owns it
    malformed_image = 74,     // a program image is not a loadable ELF for this machine
    not_found = 75,           // a named thing (symbol, image, component) does not exist
    invalid_system = 76,      // a system description contradicts itself or the platform limits
    writable_executable = 77, // a program segment is both writable and executable (W^X)
    misaligned_variable =
        78,             // a setvar variable is not naturally aligned, so it may straddle pages
    not_permitted = 79, // the caller lacks a privilege the system description grants, or
                        // the device refuses it (a write to a read-only disk)
    corrupt_data = 80,  // an on-disk structure contradicts itself (a partition table's CRC,
                        // a FAT chain that loops)
    // Filesystem conditions, one per POSIX errno the POSIX layer will map them to.
    exists = 81,        // EEXIST: the name is taken
    not_directory = 82, // ENOTDIR: a path component is a file
    is_directory = 83,  // EISDIR: a file operation on a directory
    not_empty = 84,     // ENOTEMPTY: rmdir of a directory that still has entries
    volume_full = 85,   // ENOSPC: no free cluster or directory slot is left
    busy = 86,          // EBUSY: the file is open, or the volume is in use
    bad_name = 87,      // EINVAL/ENAMETOOLONG: a name the filesystem cannot store
    io_error = 88,      // EIO: the device failed a request
    // ECONNRESET: the server was restarted with the call in flight. Its state is now its
    // image's initial one, and the call may have done part of its work before the fault: the
    // caller decides whether to make it again.
    peer_restarted = 89,
    // EPIPE: the server faulted and its supervisor stopped it for good (its restart policy is
    // used up, or it has none). Every call to it is answered with this from then on.
    peer_stopped = 90,
};

inline constexpr int kernel_error_count = 11;

constexpr bool is_kernel_error(Error e) {
    return static_cast<int>(e) > 0 && static_cast<int>(e) < kernel_error_count;
}

// Stable, human-readable names; kernel errors keep their seL4 spelling so logs can be grepped
// against the manual.
constexpr const char* to_string(Error e) {
    switch (e) {
    case Error::ok: return "ok";
    case Error::invalid_argument: return "seL4_InvalidArgument";
    case Error::invalid_capability: return "seL4_InvalidCapability";
    case Error::illegal_operation: return "seL4_IllegalOperation";
    case Error::range_error: return "seL4_RangeError";
    case Error::alignment_error: return "seL4_AlignmentError";
    case Error::failed_lookup: return "seL4_FailedLookup";
    case Error::truncated_message: return "seL4_TruncatedMessage";
    case Error::delete_first: return "seL4_DeleteFirst";
    case Error::revoke_first: return "seL4_RevokeFirst";
    case Error::not_enough_memory: return "seL4_NotEnoughMemory";
    case Error::out_of_slots: return "out of slots";
    case Error::no_such_device: return "no such device";
    case Error::already_claimed: return "already claimed";
    case Error::invalid_channel: return "invalid channel";
    case Error::malformed_message: return "malformed message";
    case Error::queue_full: return "queue full";
    case Error::queue_empty: return "queue empty";
    case Error::unsupported: return "unsupported";
    case Error::no_space: return "buffer too small";
    case Error::no_device_memory: return "no device untyped covers the range";
    case Error::malformed_image: return "malformed program image";
    case Error::not_found: return "not found";
    case Error::invalid_system: return "invalid system description";
    case Error::writable_executable: return "segment both writable and executable (W^X)";
    case Error::misaligned_variable: return "setvar variable not naturally aligned";
    case Error::not_permitted: return "not permitted";
    case Error::corrupt_data: return "corrupt data";
    case Error::exists: return "exists";
    case Error::not_directory: return "not a directory";
    case Error::is_directory: return "is a directory";
    case Error::not_empty: return "directory not empty";
    case Error::volume_full: return "no space left on the volume";
    case Error::busy: return "in use";
    case Error::bad_name: return "bad name";
    case Error::io_error: return "I/O error";
    case Error::peer_restarted: return "the server restarted during the call";
    case Error::peer_stopped: return "the server has stopped";
    }
    return "unknown error";
}

} // namespace kaal
