// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <kaal/core/result.hpp>
#include <kaal/platform/message.hpp>

// A component's program image as the root task loads it: a static ELF64 executable (System V
// ABI, "Object Files"). Everything is checked once in `parse`, before a single frame is spent on
// it, so a truncated or corrupt image is one error instead of a half-built component. Nothing
// here allocates or touches the kernel, so it is tested and fuzzed on the host.
namespace kaal::runtime {

enum class ElfMachine : std::uint16_t { x86_64 = 62, aarch64 = 183 };

struct ElfSegment {
    Word vaddr;
    Word mem_size;
    Word file_offset;
    Word file_size;
    bool readable;
    bool writable;
    bool executable;
};

class ElfImage {
public:
    static constexpr std::size_t max_segments = 8;
    // Where user images may live: above the root task's start pages, below the canonical-address
    // hole of x86_64 and the 48-bit limit of aarch64.
    static constexpr Word lowest_vaddr = 0x1000;
    static constexpr Word highest_vaddr = Word{1} << 47;

    static Result<ElfImage> parse(std::span<const std::byte> file, ElfMachine machine);

    [[nodiscard]] Word entry() const { return entry_; }
    [[nodiscard]] std::span<const ElfSegment> segments() const {
        return {segments_, segment_count_};
    }
    [[nodiscard]] std::span<const std::byte> file() const { return file_; }

    // The address of a defined data symbol of at least `size` bytes that lies inside one
    // writable segment, as a setvar names it; `not_found` if the image has no such symbol, and
    // `misaligned_variable` if it is not aligned to `size` (a power of two up to a page), which
    // is what keeps it on one page.
    [[nodiscard]] Result<Word> data_symbol(std::string_view name, Word size) const;

private:
    std::span<const std::byte> file_;
    Word entry_ = 0;
    ElfSegment segments_[max_segments] = {};
    std::size_t segment_count_ = 0;
    // The symbol table and its strings, empty if the image was stripped.
    Word symtab_offset_ = 0;
    Word symtab_count_ = 0;
    Word strtab_offset_ = 0;
    Word strtab_size_ = 0;
};

} // namespace kaal::runtime
