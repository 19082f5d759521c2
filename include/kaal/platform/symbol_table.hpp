// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

// A component's functions and source lines, made at build time from its linked ELF by
// cmake/symbol_table.py and compiled into whoever reports the component's faults (the runtime
// root task, the Microkit supervisor), so that a fault's address is named as function and
// file:line on seL4 itself. Read-only data searched by binary search: no allocation, nothing
// to set up, safe to use from a fault handler.
//
// An address's line row names a frame: the innermost function the compiler inlined there, at
// a file:line, and the frame it was inlined into, at the line of that call, out to the function
// the symbol table names. At -Os most of a component is inlined into a few functions, and this
// chain is what says which source line of which function ran.
//
// Every address is an offset from `base`, the image's first page, in 32 bits (an image has a
// 16 MiB slot, kaal::composer::System::image_slot). Strings are offsets into `strings`, each
// NUL-terminated; frames are indices into `frames`.
namespace kaal::debug {

inline constexpr std::uint32_t no_frame = 0xffff'ffff;

struct SymbolFunction {
    std::uint32_t start;
    std::uint32_t size;
    std::uint32_t name;
};

struct SymbolFrame {
    std::uint32_t function;
    std::uint32_t file;
    std::uint32_t line;
    std::uint32_t inlined_in; // no_frame: the function the symbol table names
};

// Holds from `start` to the next row's start; a row with no_frame ends the previous one (the
// end of a sequence in the ELF's line program).
struct SymbolLine {
    std::uint32_t start;
    std::uint32_t frame;
};

struct CodeLocation {
    std::string_view function; // empty: no function covers the address
    std::uintptr_t offset = 0; // of the address in the function
    std::uint32_t frame = no_frame;
};

// One frame of a location's chain, as text.
struct SourceFrame {
    std::string_view function;
    std::string_view file;
    std::uint32_t line = 0;
    std::uint32_t inlined_in = no_frame;
};

struct SymbolTable {
    std::uintptr_t base;
    std::span<const SymbolFunction> functions; // sorted by start
    std::span<const SymbolLine> lines;         // sorted by start
    std::span<const SymbolFrame> frames;
    std::string_view strings;
    // The ELF's entry point, where a restarted PD starts again (kaal_start in Microkit mode);
    // 0 if the table does not say.
    std::uintptr_t entry = 0;

    [[nodiscard]] CodeLocation locate(std::uintptr_t address) const {
        CodeLocation where;
        if (address < base || address - base > 0xffff'ffff) {
            return where;
        }
        const auto at = static_cast<std::uint32_t>(address - base);
        const auto* function = last_at_or_before(functions, at);
        if (function != nullptr && at - function->start < function->size) {
            where.function = string(function->name);
            where.offset = at - function->start;
        }
        const auto* line = last_at_or_before(lines, at);
        if (line != nullptr && line->frame < frames.size()) {
            where.frame = line->frame;
        }
        return where;
    }

    // A frame of a chain; an index out of range (a corrupt table) is an empty frame that ends it.
    [[nodiscard]] SourceFrame frame(std::uint32_t index) const {
        if (index >= frames.size()) {
            return {};
        }
        const SymbolFrame& f = frames[index];
        // A frame is inlined in one made before it, so a chain always ends.
        return {string(f.function), string(f.file), f.line,
                f.inlined_in < index ? f.inlined_in : no_frame};
    }

private:
    template <typename Row>
    static const Row* last_at_or_before(std::span<const Row> rows, std::uint32_t at) {
        const auto after =
            std::upper_bound(rows.begin(), rows.end(), at,
                             [](std::uint32_t a, const Row& r) { return a < r.start; });
        return after == rows.begin() ? nullptr : &*(after - 1);
    }

    // A string the generator wrote; an offset out of range (a corrupt table) names nothing.
    // Scanned by hand: substr and find would bring the C++ library's throw and the C library's
    // memchr, which a component does not link.
    [[nodiscard]] std::string_view string(std::uint32_t offset) const {
        if (offset >= strings.size()) {
            return {};
        }
        std::size_t end = offset;
        while (end < strings.size() && strings[end] != '\0') {
            ++end;
        }
        return {strings.data() + offset, end - offset};
    }
};

} // namespace kaal::debug
