// SPDX-License-Identifier: BSD-2-Clause
// kaal::debug::SymbolTable: its search on tables made by hand, and cmake/symbol_table.py's
// table of a real ELF (symbol_table_fixture), checked against the fixture's own source.
#include <array>
#include <fstream>
#include <gtest/gtest.h>
#include <string>

#include <kaal/platform/symbol_table.hpp>

extern const kaal::debug::SymbolTable kaal_fixture_symbols;

namespace {

using kaal::debug::no_frame;
using kaal::debug::SymbolFrame;
using kaal::debug::SymbolFunction;
using kaal::debug::SymbolLine;
using kaal::debug::SymbolTable;

// Strings at 0 "first", 6 "second", 13 "a.cpp", 19 "b.hpp", 25 "helper".
constexpr char names[] = "first\0second\0a.cpp\0b.hpp\0helper\0";
constexpr std::array functions{SymbolFunction{0x10, 0x20, 0}, SymbolFunction{0x40, 0x8, 6}};
// Frame 1, helper at b.hpp:3, is inlined in frame 0, first at a.cpp:7.
constexpr std::array frames{SymbolFrame{0, 13, 7, no_frame}, SymbolFrame{25, 19, 3, 0},
                            SymbolFrame{6, 13, 20, no_frame}};
constexpr std::array lines{SymbolLine{0x10, 0}, SymbolLine{0x18, 1}, SymbolLine{0x30, no_frame},
                           SymbolLine{0x40, 2}};
constexpr SymbolTable table{0x4000'0000, functions, lines, frames, {names, sizeof names}};

TEST(SymbolTable, AnAddressIsNamedByItsFunctionAndTheChainOfItsLineRow) {
    const auto at = table.locate(0x4000'001c);
    EXPECT_EQ(at.function, "first");
    EXPECT_EQ(at.offset, 0xcU);
    ASSERT_EQ(at.frame, 1U) << "the second row starts at 0x18";
    const auto inner = table.frame(at.frame);
    EXPECT_EQ(inner.function, "helper");
    EXPECT_EQ(inner.file, "b.hpp");
    EXPECT_EQ(inner.line, 3U);
    const auto outer = table.frame(inner.inlined_in);
    EXPECT_EQ(outer.function, "first");
    EXPECT_EQ(outer.file, "a.cpp");
    EXPECT_EQ(outer.line, 7U);
    EXPECT_EQ(outer.inlined_in, no_frame);
    EXPECT_EQ(table.locate(0x4000'0047).function, "second");
    EXPECT_EQ(table.frame(table.locate(0x4000'0047).frame).line, 20U);
}

TEST(SymbolTable, AddressesNoRowCoversNameNothing) {
    EXPECT_TRUE(table.locate(0x4000'0008).function.empty()) << "before the first function";
    EXPECT_EQ(table.locate(0x4000'0008).frame, no_frame);
    EXPECT_TRUE(table.locate(0x4000'0034).function.empty()) << "past first's size";
    EXPECT_EQ(table.locate(0x4000'0034).frame, no_frame) << "after an end of sequence";
    EXPECT_TRUE(table.locate(0x4000'0048).function.empty()) << "past the last function";
    EXPECT_TRUE(table.locate(0x3fff'fff0).function.empty()) << "below the image";
    EXPECT_TRUE(table.locate(0x1'4000'0010).function.empty()) << "beyond 32 bits of offset";
}

TEST(SymbolTable, ACorruptTableNamesNothingAndEndsEveryChain) {
    static constexpr std::array bad{SymbolFunction{0x0, 0x10, 999}};
    // A frame "inlined in" itself, one inlined in a later frame, and a row naming no frame.
    static constexpr std::array bad_frames{SymbolFrame{1000, 1000, 4, 0}, SymbolFrame{0, 0, 1, 5}};
    static constexpr std::array bad_lines{SymbolLine{0x0, 0}, SymbolLine{0x8, 7}};
    static constexpr SymbolTable corrupt{0x1000, bad, bad_lines, bad_frames, {names, sizeof names}};
    const auto at = corrupt.locate(0x1004);
    EXPECT_TRUE(at.function.empty());
    const auto f = corrupt.frame(at.frame);
    EXPECT_TRUE(f.function.empty());
    EXPECT_TRUE(f.file.empty());
    EXPECT_EQ(f.inlined_in, no_frame) << "a frame is inlined only in an earlier one";
    EXPECT_EQ(corrupt.frame(1).inlined_in, no_frame);
    EXPECT_EQ(corrupt.locate(0x1008).frame, no_frame) << "row names a frame that is not there";
    EXPECT_TRUE(corrupt.frame(99).function.empty());
}

TEST(SymbolTable, AnEmptyTableNamesNothing) {
    static constexpr SymbolTable empty{0x1000, {}, {}, {}, {}};
    EXPECT_TRUE(empty.locate(0x1000).function.empty());
    EXPECT_EQ(empty.locate(0x1000).frame, no_frame);
}

// The line of the fixture's source that holds `marker`.
unsigned line_of(const std::string& marker) {
    std::ifstream source{KAAL_FIXTURE_SOURCE};
    std::string text;
    for (unsigned n = 1; std::getline(source, text); ++n) {
        if (text.find(marker) != std::string::npos) {
            return n;
        }
    }
    ADD_FAILURE() << marker << " is not in " << KAAL_FIXTURE_SOURCE;
    return 0;
}

const SymbolFunction* function_named(const SymbolTable& t, std::string_view name) {
    for (const auto& f : t.functions) {
        if (t.locate(t.base + f.start).function == name) {
            return &f;
        }
    }
    return nullptr;
}

TEST(SymbolTableGenerator, NamesTheFixturesFunctionsAndTheLinesOfTheirBodies) {
    const SymbolTable& t = kaal_fixture_symbols;
    for (const auto& [name, marker] :
         {std::pair{"symbol_fixture::leaf", "marker: leaf body"},
          std::pair{"symbol_fixture::caller", "marker: caller body"}}) {
        const SymbolFunction* f = function_named(t, name);
        ASSERT_NE(f, nullptr) << name << " is not in the table";
        ASSERT_GT(f->size, 0U);
        // Some instruction of the function is on the marked line of the fixture's file, in a
        // frame that names the function.
        const unsigned want = line_of(marker);
        bool seen = false;
        for (std::uint32_t offset = 0; offset < f->size; ++offset) {
            const auto at = t.locate(t.base + f->start + offset);
            EXPECT_EQ(at.function, name);
            EXPECT_EQ(at.offset, offset);
            const auto frame = t.frame(at.frame);
            seen =
                seen || (frame.file == "tests/platform/symbol_table_fixture.cpp" &&
                         frame.line == want && frame.function.find(name) != std::string_view::npos);
        }
        EXPECT_TRUE(seen) << name << " has no instruction on line " << want;
    }
}

TEST(SymbolTableGenerator, RowsAreSortedAndFunctionsDoNotOverlap) {
    const SymbolTable& t = kaal_fixture_symbols;
    ASSERT_FALSE(t.functions.empty());
    ASSERT_FALSE(t.lines.empty());
    for (std::size_t i = 1; i < t.functions.size(); ++i) {
        EXPECT_GE(t.functions[i].start, t.functions[i - 1].start + t.functions[i - 1].size);
    }
    for (std::size_t i = 1; i < t.lines.size(); ++i) {
        EXPECT_GT(t.lines[i].start, t.lines[i - 1].start);
    }
    for (std::size_t i = 0; i < t.frames.size(); ++i) {
        EXPECT_TRUE(t.frames[i].inlined_in == no_frame || t.frames[i].inlined_in < i)
            << "frame " << i << " is inlined in a later one";
    }
    EXPECT_EQ(t.base % 0x1000, 0U);
    // The ELF's entry point is the C runtime's _start, which the table also names.
    EXPECT_EQ(t.locate(t.entry).function, "_start");
}

} // namespace
