// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <kaal/dddk/net_queue.hpp>
#include <kaal/platform/mock/host_region.hpp>

// What the virtualisers' tests share: a network queue in host memory, and Ethernet frames with
// chosen addresses and a payload that says which frame each is.
namespace kaal::test {

struct HostNetQueue {
    std::unique_ptr<mock::HostRegion<dddk::net::queue_region_bytes>> memory =
        std::make_unique<mock::HostRegion<dddk::net::queue_region_bytes>>();
    dddk::net::NetQueue queue = *dddk::net::attach_queue(memory->address());
};

inline dddk::net::MacAddress mac(std::uint8_t last) {
    return {{0x52, 0x54, 0x00, 0x4b, 0x41, last}};
}
inline const dddk::net::MacAddress broadcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

inline std::vector<std::byte> frame(const dddk::net::MacAddress& to,
                                    const dddk::net::MacAddress& from, std::size_t bytes,
                                    std::uint8_t tag) {
    std::vector<std::byte> f(bytes, std::byte{tag});
    std::copy_n(reinterpret_cast<const std::byte*>(to.bytes.data()), 6, f.begin());
    std::copy_n(reinterpret_cast<const std::byte*>(from.bytes.data()), 6, f.begin() + 6);
    if (bytes >= dddk::net::header_bytes) {
        f[12] = std::byte{0x08}; // IPv4's EtherType; the virtualisers do not look at it
        f[13] = std::byte{0x00};
    }
    return f;
}

} // namespace kaal::test
