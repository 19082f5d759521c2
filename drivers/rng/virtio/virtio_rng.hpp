// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

// The virtio entropy device's protocol (Virtual I/O Device (VIRTIO) Version 1.2, 5.4 "Entropy
// Device"; section numbers are that spec's). It has no feature bits (5.4.3) and no
// configuration space (5.4.4): the whole protocol is one virtqueue of buffers the device fills.
namespace kaal::drivers::rng::virtio_rng {

inline constexpr std::uint32_t device_id = 4; // 5 "Device Types"

// 5.4.2 "Virtqueues": requestq is the only one.
inline constexpr std::uint32_t request_queue = 0;

// 5.4.6 "Device Operation": every buffer the driver makes available is device-writable (5.4.6.1:
// the driver MUST NOT place driver-readable buffers in the queue), and the device writes at
// least one random byte into it but MAY use less than all of it (5.4.6.2), so the length in the
// used element, not the buffer's size, says how many bytes are random (5.4.6.1: the driver MUST
// examine it).

} // namespace kaal::drivers::rng::virtio_rng
