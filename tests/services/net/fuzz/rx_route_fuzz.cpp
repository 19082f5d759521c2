// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer: the RX virtualiser's routing on arbitrary frames and descriptors, as a buggy or
// hostile driver and clients could write them: every frame read off the wire goes through
// route(). Each input is a sequence of records: a descriptor the "driver" pushes (offset
// relative to the region, or absolute; length; bytes of the frame), and the clients' free
// descriptors. Nothing may be read or written outside the regions (ASan), and no buffer of the
// device's region may be lost.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <kaal/core/array_of.hpp>
#include <kaal/platform/mock/host_region.hpp>
#include <kaal/services/net/rx_virtualiser.hpp>

namespace {

using namespace kaal;
using dddk::net::buffer_bytes;
constexpr std::size_t device_buffers = 8;
constexpr std::size_t client_buffers = 4;

struct Fixture {
    mock::HostRegion<dddk::net::queue_region_bytes> driver_queue;
    std::array<mock::HostRegion<dddk::net::queue_region_bytes>, 2> client_queues;
    mock::HostRegion<device_buffers * buffer_bytes> device;
    std::array<mock::HostRegion<client_buffers * buffer_bytes>, 2> client_data;
};

std::uint32_t take32(const std::uint8_t*& data, std::size_t& size) {
    std::uint32_t v = 0;
    const std::size_t n = size < 4 ? size : 4;
    std::memcpy(&v, data, n);
    data += n;
    size -= n;
    return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto f = std::make_unique<Fixture>();
    auto driver = *dddk::net::attach_queue(f->driver_queue.address());
    auto client_queues = array_of<2>(
        [&](std::size_t i) { return *dddk::net::attach_queue(f->client_queues[i].address()); });
    const auto clients = array_of<2>([&](std::size_t i) {
        return services::net::RxClient{
            client_queues[i],
            {reinterpret_cast<std::byte*>(f->client_data[i].bytes.data()),
             client_buffers * buffer_bytes},
            {{0x52, 0x54, 0x00, 0x4b, 0x41, static_cast<std::uint8_t>(i + 1)}}};
    });
    services::net::RxVirtualiser<2> virt(
        driver,
        {reinterpret_cast<const std::byte*>(f->device.bytes.data()), f->device.address(),
         device_buffers * buffer_bytes},
        clients);
    if (virt.give_all_buffers() != device_buffers) {
        std::abort();
    }
    std::size_t at_device = 0;
    while (size > 0) {
        const std::uint8_t op = data[0];
        ++data;
        --size;
        const std::uint32_t a = take32(data, size);
        const std::uint32_t b = take32(data, size);
        switch (op % 3) {
        case 0: { // the driver reports a frame in its next free buffer, or at a wild address
            auto buffer = driver.free().pop();
            if (!buffer) {
                break;
            }
            const std::size_t n = size < buffer_bytes ? size : buffer_bytes;
            std::memcpy(reinterpret_cast<void*>(buffer->offset), data, n);
            data += n;
            size -= n;
            const std::uint64_t offset = (op & 0x80) != 0 ? buffer->offset : a;
            if ((op & 0x80) == 0) {
                ++at_device; // kept by the "device": a wild address goes out instead
            }
            static_cast<void>(driver.active().push({offset, b % 4096, buffer->cookie}));
            break;
        }
        case 1: // a client offers a buffer, maybe a wild one
            static_cast<void>(client_queues[op / 3 % 2].free().push({a, b, 0}));
            break;
        default: // a client takes what it got
            while (client_queues[op / 3 % 2].active().pop()) {
            }
            break;
        }
        static_cast<void>(virt.route());
    }
    std::size_t free_buffers = 0;
    while (driver.free().pop()) {
        ++free_buffers;
    }
    if (free_buffers + at_device != device_buffers) {
        std::abort(); // a buffer of the device's region went missing
    }
    return 0;
}
