// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <gtest/gtest.h>
#include <string>

#include <kaal/dddk/serial_queue.hpp>
#include <kaal/ipc/byte_stream.hpp>
#include <kaal/platform/message.hpp>

// One serial queue as the .system file makes it: a zeroed, page-aligned 4 KiB region holding a
// ByteStream of the contract's capacity. `peer` is the end the test plays (a client or the
// driver); the code under test attaches its own view of the same region, from `vaddr()` where it
// checks a setvar_vaddr address as the real components do.
namespace serial_test {

namespace serial = kaal::dddk::serial;

struct Queue {
    alignas(0x1000) std::array<std::byte, serial::queue_region_bytes> region{};
    kaal::ipc::ByteStream peer = attach();

    kaal::ipc::ByteStream attach() {
        return kaal::ipc::ByteStream::attach(region.data(), region.size(), serial::queue_capacity)
            .value();
    }
    [[nodiscard]] kaal::Word vaddr() const { return reinterpret_cast<kaal::Word>(region.data()); }
    kaal::ipc::RingControl& control() {
        return *reinterpret_cast<kaal::ipc::RingControl*>(region.data());
    }

    // Writer side: the whole text must fit.
    void write(std::string_view text) { ASSERT_EQ(peer.write(text), text.size()) << text; }

    // Reader side: everything in the queue now.
    std::string drain() {
        std::string out;
        std::array<char, 256> chunk{};
        for (std::size_t n = peer.read(chunk); n != 0; n = peer.read(chunk)) {
            out.append(chunk.data(), n);
        }
        return out;
    }
};

} // namespace serial_test
