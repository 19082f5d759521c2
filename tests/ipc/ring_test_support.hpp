// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

#include <kaal/ipc/ring_buffer.hpp>

namespace kaal::ipc::test {

// A zero-filled, cache-line-aligned stand-in for a shared memory region, as seL4 hands a
// Microkit memory region over: zeroed (the rings rely on it).
class Region {
public:
    explicit Region(std::size_t bytes)
        : bytes_(bytes), memory_(static_cast<std::byte*>(
                             ::operator new (bytes, std::align_val_t{cache_line_size}))) {
        std::memset(memory_, 0, bytes);
    }
    ~Region() { ::operator delete (memory_, std::align_val_t{cache_line_size}); }
    Region(const Region&) = delete;
    Region& operator=(const Region&) = delete;

    [[nodiscard]] std::byte* data() const { return memory_; }
    [[nodiscard]] std::size_t size() const { return bytes_; }

private:
    std::size_t bytes_;
    std::byte* memory_;
};

} // namespace kaal::ipc::test
