// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include <kaal/core/result.hpp>

// Rings carry descriptors, not data: the data sits in a second shared region, a pool of buffers
// (like a DMA buffer pool), and a descriptor names one buffer by its offset into that pool. An
// offset means the same thing in both PDs, whatever address each mapped the pool at, and a
// device can be given the same offset added to the pool's physical address.
namespace kaal::ipc {

struct BufferDescriptor {
    std::uint64_t offset; // from the start of the data region
    std::uint32_t length; // bytes of the buffer in use
    std::uint32_t cookie; // the sender's own tag; passed back unchanged
    friend constexpr bool operator==(BufferDescriptor, BufferDescriptor) = default;
};
static_assert(std::has_unique_object_representations_v<BufferDescriptor>,
              "no padding, so nothing of a PD's memory leaks into the ring");

// One PD's mapping of a data region. It turns descriptors from the peer into byte spans and
// rejects any that do not lie entirely inside the region, so a faulty peer cannot make this PD
// read or write outside it.
class DataRegion {
public:
    constexpr DataRegion() = default;
    constexpr DataRegion(std::byte* base, std::size_t size) : base_(base), size_(size) {}

    [[nodiscard]] constexpr std::size_t size() const { return size_; }
    [[nodiscard]] constexpr std::byte* base() const { return base_; }

    // The bytes `desc` names; range_error if any of them is outside the region. The check is
    // written so that no sum can overflow.
    [[nodiscard]] constexpr Result<std::span<std::byte>> resolve(BufferDescriptor desc) const {
        if (base_ == nullptr || desc.offset > size_ || desc.length > size_ - desc.offset) {
            return Error::range_error;
        }
        return std::span<std::byte>{base_ + desc.offset, desc.length};
    }

    // The descriptor of the `index`th of equal buffers of `buffer_size` bytes; range_error if
    // that buffer does not fit.
    [[nodiscard]] constexpr Result<BufferDescriptor> buffer(std::uint32_t index,
                                                            std::uint32_t buffer_size) const {
        const std::uint64_t offset = std::uint64_t{index} * buffer_size;
        if (buffer_size == 0 || offset > size_ || buffer_size > size_ - offset) {
            return Error::range_error;
        }
        return BufferDescriptor{offset, buffer_size, index};
    }

private:
    std::byte* base_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace kaal::ipc
