// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

// The virtio network device's protocol (Virtual I/O Device (VIRTIO) Version 1.2, 5.1 "Network
// Device"; section numbers are that spec's): its device id, its queues, the features KaaL
// negotiates and those it refuses, its configuration space and the header that precedes every
// frame on both queues.
namespace kaal::drivers::network::virtio_net {

inline constexpr std::uint32_t device_id = 1; // 5 "Device Types"

// 5.1.2 "Virtqueues": receiveq1 is 0 and transmitq1 is 1; further pairs and the control queue
// exist only with VIRTIO_NET_F_MQ / VIRTIO_NET_F_CTRL_VQ, which are not negotiated.
inline constexpr std::uint32_t receive_queue = 0;
inline constexpr std::uint32_t transmit_queue = 1;

// 5.1.3 "Feature bits". Only `mac` is asked for. The others are named because a device offers
// them and the driver must not take them: each would make the device hand over, or expect,
// frames the driver does not finish itself (checksums left to compute, segments larger than a
// buffer, a frame spread over several buffers).
namespace feature {
inline constexpr std::uint64_t csum = std::uint64_t{1} << 0;       // the driver sends partial csums
inline constexpr std::uint64_t guest_csum = std::uint64_t{1} << 1; // the device sends partial csums
inline constexpr std::uint64_t mtu = std::uint64_t{1} << 3;        // config mtu is valid
inline constexpr std::uint64_t mac = std::uint64_t{1} << 5;        // config mac is valid
inline constexpr std::uint64_t guest_tso4 = std::uint64_t{1} << 7; // the device sends TSO frames
inline constexpr std::uint64_t guest_ufo = std::uint64_t{1} << 10; // ... and UFO frames
inline constexpr std::uint64_t host_tso4 = std::uint64_t{1} << 11; // the driver sends TSO frames
inline constexpr std::uint64_t mrg_rxbuf = std::uint64_t{1} << 15; // a frame over several buffers
inline constexpr std::uint64_t status = std::uint64_t{1} << 16;    // config status is valid
inline constexpr std::uint64_t ctrl_vq = std::uint64_t{1} << 17;   // the control queue
inline constexpr std::uint64_t mq = std::uint64_t{1} << 22;        // several queue pairs
} // namespace feature

// 5.1.4 "Device configuration layout": offsets into the configuration space. `mac` is six
// single bytes, read with 8-bit accesses (4.2.2: "8 bit wide accesses for 8 bit wide fields").
namespace config {
inline constexpr std::uint64_t mac = 0x00;
inline constexpr unsigned mac_bytes = 6;
} // namespace config

// 5.1.6 "Device Operation": struct virtio_net_hdr, first in every buffer chain of both queues.
// With VIRTIO_F_VERSION_1 it always has num_buffers, so it is 12 bytes (5.1.6: the legacy
// header without VIRTIO_NET_F_MRG_RXBUF was 2 bytes shorter). With no offload negotiated, a
// transmitted frame's header is all zero (5.1.6.2: flags 0, gso_type VIRTIO_NET_HDR_GSO_NONE;
// 5.1.6.2.1 "The driver MUST set num_buffers to zero"), and a received one carries nothing the
// driver needs (5.1.6.4: without GUEST_CSUM no flag is set, and without MRG_RXBUF num_buffers
// is 1), so the driver never reads it.
struct NetHeader {
    std::uint8_t flags;
    std::uint8_t gso_type;
    std::uint16_t hdr_len;
    std::uint16_t gso_size;
    std::uint16_t csum_start;
    std::uint16_t csum_offset;
    std::uint16_t num_buffers;
};
static_assert(sizeof(NetHeader) == 12);

inline constexpr std::uint8_t gso_none = 0; // VIRTIO_NET_HDR_GSO_NONE

} // namespace kaal::drivers::network::virtio_net
