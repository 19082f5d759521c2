// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include <kaal/dddk/serial_queue.hpp>
#include <kaal/ipc/byte_stream.hpp>
#include <kaal/platform/message.hpp>

// A serial queue region as the Microkit tool maps it: page-aligned, so the components and the
// console helpers, which check the setvar_vaddr address like the real ones, accept it. `vaddr`
// is what the tool would patch into the component's variable.
namespace serial_test {

struct PageQueue {
    alignas(0x1000) std::array<std::byte, kaal::dddk::serial::queue_region_bytes> region{};
    kaal::ipc::ByteStream peer = kaal::ipc::ByteStream::attach(region.data(), region.size(),
                                                               kaal::dddk::serial::queue_capacity)
                                     .value();

    [[nodiscard]] kaal::Word vaddr() const { return reinterpret_cast<kaal::Word>(region.data()); }

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
