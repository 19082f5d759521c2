// SPDX-License-Identifier: BSD-2-Clause
// ElfImage::parse and data_symbol against images built field by field (elf_builder.hpp). Each
// malformed case breaks exactly one rule of the System V ABI "Object Files" / "Program Loading"
// chapters or one of the loader's own limits, starting from an image that parses.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <gtest/gtest.h>
#include <span>
#include <string>
#include <vector>

#include <kaal/platform/runtime/elf_image.hpp>

#include "elf_builder.hpp"

namespace {

using kaal::Error;
using kaal::Word;
using kaal::runtime::ElfImage;
using kaal::runtime::ElfMachine;
using namespace kaal::runtime::test;

kaal::Result<ElfImage> parse(const std::vector<std::byte>& bytes,
                             ElfMachine machine = ElfMachine::x86_64) {
    return ElfImage::parse(std::span<const std::byte>{bytes}, machine);
}

Error parse_error(const std::vector<std::byte>& bytes, ElfMachine machine = ElfMachine::x86_64) {
    const auto image = parse(bytes, machine);
    return image.ok() ? Error::ok : image.error();
}

Error spec_error(const ElfSpec& spec) {
    return parse_error(spec.build().bytes);
}

std::size_t phdr_at(const BuiltImage& built, std::size_t index) {
    return built.phoff + index * phdr_size;
}

// ---- images that parse ----------------------------------------------------------------------

TEST(ElfImage, ATypicalExecutableParsesWithEntrySegmentsAndRights) {
    const BuiltImage built = ElfSpec::typical().build();
    const auto image = parse(built.bytes);
    ASSERT_TRUE(image.ok()) << static_cast<int>(image.error());
    EXPECT_EQ(image->entry(), 0x40'1000U);
    EXPECT_EQ(image->file().data(), built.bytes.data());
    EXPECT_EQ(image->file().size(), built.bytes.size());
    // PT_GNU_STACK is not loaded, so two segments remain, in file order.
    ASSERT_EQ(image->segments().size(), 2U);
    const auto& text = image->segments()[0];
    EXPECT_EQ(text.vaddr, 0x40'1000U);
    EXPECT_EQ(text.file_offset, 0x1000U);
    EXPECT_EQ(text.file_size, 0x120U);
    EXPECT_EQ(text.mem_size, 0x120U);
    EXPECT_TRUE(text.readable);
    EXPECT_FALSE(text.writable);
    EXPECT_TRUE(text.executable);
    const auto& data = image->segments()[1];
    EXPECT_EQ(data.vaddr, 0x40'3000U);
    EXPECT_EQ(data.file_offset, 0x2000U);
    EXPECT_EQ(data.file_size, 0x40U);
    EXPECT_EQ(data.mem_size, 0x2000U);
    EXPECT_TRUE(data.readable);
    EXPECT_TRUE(data.writable);
    EXPECT_FALSE(data.executable);
}

TEST(ElfImage, TheMachineMustBeTheOneAskedFor) {
    ElfSpec spec = ElfSpec::typical();
    spec.machine = em_aarch64;
    const auto bytes = spec.build().bytes;
    EXPECT_TRUE(parse(bytes, ElfMachine::aarch64).ok());
    EXPECT_EQ(parse_error(bytes, ElfMachine::x86_64), Error::malformed_image);
    EXPECT_EQ(parse_error(ElfSpec::typical().build().bytes, ElfMachine::aarch64),
              Error::malformed_image);
}

TEST(ElfImage, AStrippedImageParsesAndHasNoSymbols) {
    ElfSpec spec = ElfSpec::typical();
    spec.sections = false;
    const auto bytes = spec.build().bytes;
    const auto image = parse(bytes);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->segments().size(), 2U);
    EXPECT_EQ(image->data_symbol("tx_queue", 8).error(), Error::not_found);
    EXPECT_EQ(image->data_symbol("", 0).error(), Error::not_found);
}

TEST(ElfImage, EmptyLoadSegmentsAreSkippedAndDoNotCountTowardsTheLimit) {
    ElfSpec spec = ElfSpec::typical();
    // p_memsz == 0: nothing to load (System V ABI, "Program Header"), wherever it claims to be.
    spec.segments.push_back({pt_load, pf_r, 0, 0, 0, 0});
    spec.segments.push_back({pt_note, pf_r, 0x10, 0x10, 0, 0});
    const auto bytes = spec.build().bytes;
    const auto image = parse(bytes);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->segments().size(), 2U);
}

TEST(ElfImage, EightSegmentsOnTheirOwnPagesAreTheLimit) {
    ElfSpec spec = ElfSpec::typical();
    spec.symbols.clear();
    spec.segments.clear();
    for (std::uint64_t i = 0; i < ElfImage::max_segments; ++i) {
        const std::uint32_t flags = i == 0 ? (pf_r | pf_x) : pf_r;
        spec.segments.push_back(
            {pt_load, flags, 0x40'1000 + i * 0x1000, 0x1000 + i * 0x1000, 0x10, 0x10});
    }
    const auto image = parse(spec.build().bytes);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->segments().size(), ElfImage::max_segments);

    spec.segments.push_back({pt_load, pf_r, 0x50'0000, 0x9000, 0x10, 0x10});
    EXPECT_EQ(spec_error(spec), Error::malformed_image);
}

TEST(ElfImage, SegmentsOnAdjacentPagesAreAccepted) {
    ElfSpec spec = ElfSpec::typical();
    // Text ends inside 0x401000's page; data starts on the very next page.
    spec.segments[1].vaddr = 0x40'2000;
    for (auto& s : spec.symbols) {
        if (s.value >= 0x40'3000) {
            s.value -= 0x1000;
        }
    }
    EXPECT_TRUE(parse(spec.build().bytes).ok());
}

TEST(ElfImage, TheAddressRangeLimitsAreInclusiveOfTheirEdges) {
    ElfSpec spec = ElfSpec::typical();
    spec.segments[1].vaddr = ElfImage::highest_vaddr - 0x2000; // ends exactly at 2^47
    EXPECT_EQ(spec_error(spec), Error::ok);
    spec = ElfSpec::typical();
    spec.segments[0].vaddr = ElfImage::lowest_vaddr; // starts exactly at 0x1000
    spec.entry = ElfImage::lowest_vaddr;
    EXPECT_EQ(spec_error(spec), Error::ok);
}

// ---- malformed headers ------------------------------------------------------------------------

struct HeaderBreak {
    const char* what;
    std::size_t offset;
    std::uint64_t value;
    unsigned width;
};

class ElfHeader : public ::testing::TestWithParam<HeaderBreak> {};

TEST_P(ElfHeader, IsRejectedAsMalformed) {
    const HeaderBreak& brk = GetParam();
    BuiltImage built = ElfSpec::typical().build();
    ASSERT_TRUE(parse(built.bytes).ok());
    poke(built.bytes, brk.offset, brk.value, brk.width);
    EXPECT_EQ(parse_error(built.bytes), Error::malformed_image) << brk.what;
}

INSTANTIATE_TEST_SUITE_P(
    BrokenFields, ElfHeader,
    ::testing::Values(HeaderBreak{"magic", 1, 'X', 1}, HeaderBreak{"magic byte 0", 0, 0x7e, 1},
                      HeaderBreak{"ELFCLASS32", 4, 1, 1}, HeaderBreak{"ELFCLASSNONE", 4, 0, 1},
                      HeaderBreak{"ELFDATA2MSB", 5, 2, 1}, HeaderBreak{"EI_VERSION 0", 6, 0, 1},
                      HeaderBreak{"EI_VERSION 2", 6, 2, 1},
                      HeaderBreak{"e_version 0", ehdr::version, 0, 4},
                      HeaderBreak{"ET_DYN", ehdr::type, et_dyn, 2},
                      HeaderBreak{"ET_REL", ehdr::type, 1, 2},
                      HeaderBreak{"EM_386", ehdr::machine, 3, 2},
                      HeaderBreak{"phentsize 32", ehdr::phentsize, 32, 2},
                      HeaderBreak{"phentsize 57", ehdr::phentsize, 57, 2},
                      HeaderBreak{"phoff past the end", ehdr::phoff, 0x10'0000, 8},
                      HeaderBreak{"phoff near 2^64", ehdr::phoff, ~std::uint64_t{0} - 8, 8},
                      HeaderBreak{"phnum past the end", ehdr::phnum, 0xffff, 2},
                      HeaderBreak{"no program headers", ehdr::phnum, 0, 2},
                      HeaderBreak{"entry outside every segment", ehdr::entry, 0x50'0000, 8},
                      HeaderBreak{"entry just past the text", ehdr::entry, 0x40'1120, 8},
                      HeaderBreak{"entry in the data segment", ehdr::entry, 0x40'3000, 8},
                      HeaderBreak{"shentsize 40", ehdr::shentsize, 40, 2},
                      HeaderBreak{"shoff past the end", ehdr::shoff, 0x10'0000, 8},
                      HeaderBreak{"shnum past the end", ehdr::shnum, 0x100, 2}),
    [](const ::testing::TestParamInfo<HeaderBreak>& param) {
        std::string name;
        for (const char c : std::string{param.param.what}) {
            name += (std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '_';
        }
        return name;
    });

TEST(ElfImage, ATruncatedHeaderIsMalformed) {
    const auto bytes = ElfSpec::typical().build().bytes;
    for (std::size_t n : {std::size_t{0}, std::size_t{4}, std::size_t{16}, ehdr_size - 1}) {
        const std::vector<std::byte> prefix(bytes.begin(),
                                            bytes.begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_EQ(parse_error(prefix), Error::malformed_image) << n << " bytes";
    }
}

// ---- malformed segments -----------------------------------------------------------------------

TEST(ElfImage, FileSizeAboveMemorySizeIsMalformed) {
    ElfSpec spec = ElfSpec::typical();
    spec.segments[1].file_size = 0x41;
    spec.segments[1].mem_size = 0x40;
    EXPECT_EQ(spec_error(spec), Error::malformed_image);
}

TEST(ElfImage, SegmentDataPastTheEndOfTheFileIsMalformed) {
    BuiltImage built = ElfSpec::typical().build();
    // The data segment's file bytes now run beyond the file (memsz is 0x2000, so filesz stays
    // within it and only the file bound is broken).
    poke(built.bytes, phdr_at(built, 1) + 32, built.bytes.size(), 8);
    EXPECT_EQ(parse_error(built.bytes), Error::malformed_image);
    built = ElfSpec::typical().build();
    // Or its offset, still congruent with its address, is the first page after the file.
    poke(built.bytes, phdr_at(built, 1) + 8, (built.bytes.size() + 0xfff) & ~Word{0xfff}, 8);
    EXPECT_EQ(parse_error(built.bytes), Error::malformed_image);
}

TEST(ElfImage, AddressAndOffsetMustAgreeModuloThePageSize) {
    // System V ABI, "Program Loading": p_vaddr and p_offset are congruent modulo the page size.
    ElfSpec spec = ElfSpec::typical();
    spec.segments[1].offset = 0x2010;
    EXPECT_EQ(spec_error(spec), Error::malformed_image);
    spec = ElfSpec::typical();
    spec.segments[1].offset = 0x3000; // a different page, same offset in it: fine
    EXPECT_EQ(spec_error(spec), Error::ok);
}

TEST(ElfImage, SegmentsBelowTheFirstPageAreMalformed) {
    ElfSpec spec = ElfSpec::typical();
    spec.segments[1].vaddr = 0x800; // congruent with offset 0x1800
    spec.segments[1].offset = 0x1800;
    spec.segments[1].mem_size = 0x100;
    spec.symbols.clear();
    EXPECT_EQ(spec_error(spec), Error::malformed_image);
}

TEST(ElfImage, SegmentsEndingAboveTheAddressLimitAreMalformed) {
    ElfSpec spec = ElfSpec::typical();
    spec.segments[1].vaddr = ElfImage::highest_vaddr - 0x1000; // memsz 0x2000 crosses 2^47
    EXPECT_EQ(spec_error(spec), Error::malformed_image);
}

TEST(ElfImage, AnAddressRangeThatWrapsIsMalformed) {
    ElfSpec spec = ElfSpec::typical();
    spec.segments[1].vaddr = 0xffff'ffff'ffff'f000; // + memsz 0x2000 wraps around 2^64
    EXPECT_EQ(spec_error(spec), Error::malformed_image);
}

TEST(ElfImage, TwoSegmentsSharingAPageAreMalformed) {
    ElfSpec spec = ElfSpec::typical();
    // Text covers 0x401000-0x401120; data from 0x401800 shares its page (one set of rights).
    spec.segments[1].vaddr = 0x40'1800;
    spec.segments[1].offset = 0x2800;
    spec.symbols.clear();
    EXPECT_EQ(spec_error(spec), Error::malformed_image);
    // The same with the data segment first in the file.
    std::swap(spec.segments[0], spec.segments[1]);
    EXPECT_EQ(spec_error(spec), Error::malformed_image);
    // Or one segment's pages wholly inside another's.
    spec = ElfSpec::typical();
    spec.segments[1].vaddr = 0x40'0000;
    spec.segments[1].mem_size = 0x4000;
    spec.symbols.clear();
    EXPECT_EQ(spec_error(spec), Error::malformed_image);
}

TEST(ElfImage, AnEntryPointOnlyInANonExecutableSegmentIsMalformed) {
    ElfSpec spec = ElfSpec::typical();
    spec.segments[0].flags = pf_r;
    EXPECT_EQ(spec_error(spec), Error::malformed_image);
}

// ---- malformed symbol and string tables ----------------------------------------------------

TEST(ElfImage, ASymbolTableWithTheWrongEntrySizeIsMalformed) {
    BuiltImage built = ElfSpec::typical().build();
    poke(built.bytes, built.symtab_header + shdr::entsize, 16, 8);
    EXPECT_EQ(parse_error(built.bytes), Error::malformed_image);
}

TEST(ElfImage, ASymbolTableOutsideTheFileIsMalformed) {
    BuiltImage built = ElfSpec::typical().build();
    poke(built.bytes, built.symtab_header + shdr::offset, built.bytes.size(), 8);
    EXPECT_EQ(parse_error(built.bytes), Error::malformed_image);
    built = ElfSpec::typical().build();
    poke(built.bytes, built.symtab_header + shdr::size, built.bytes.size(), 8);
    EXPECT_EQ(parse_error(built.bytes), Error::malformed_image);
    built = ElfSpec::typical().build();
    poke(built.bytes, built.symtab_header + shdr::offset, ~std::uint64_t{0}, 8);
    EXPECT_EQ(parse_error(built.bytes), Error::malformed_image);
}

TEST(ElfImage, AStringTableOutsideTheFileIsMalformed) {
    BuiltImage built = ElfSpec::typical().build();
    poke(built.bytes, built.strtab_header + shdr::offset, built.bytes.size() - 4, 8);
    EXPECT_EQ(parse_error(built.bytes), Error::malformed_image);
    built = ElfSpec::typical().build();
    poke(built.bytes, built.strtab_header + shdr::size, ~std::uint64_t{0}, 8);
    EXPECT_EQ(parse_error(built.bytes), Error::malformed_image);
    // sh_link naming a section header that does not exist.
    built = ElfSpec::typical().build();
    poke(built.bytes, built.symtab_header + shdr::link, 4, 4);
    EXPECT_EQ(parse_error(built.bytes), Error::malformed_image);
}

// ---- data symbols -----------------------------------------------------------------------------

TEST(ElfImage, ADataSymbolInBssIsFoundAtItsAddress) {
    const BuiltImage built = ElfSpec::typical().build();
    const auto image = parse(built.bytes);
    ASSERT_TRUE(image.ok());
    // 0x403800 is beyond the data segment's file bytes (0x403000 + 0x40): .bss.
    EXPECT_EQ(image->data_symbol("tx_queue", 8).value_or(0), 0x40'3800U);
    EXPECT_EQ(image->data_symbol("rx_queue", 8).value_or(0), 0x40'3808U);
    EXPECT_EQ(image->data_symbol("initialised", 8).value_or(0), 0x40'3010U);
    // Asking for fewer bytes than the symbol has is fine.
    EXPECT_EQ(image->data_symbol("tx_queue", 1).value_or(0), 0x40'3800U);
}

TEST(ElfImage, AbsentNamesAreNotFound) {
    const BuiltImage built = ElfSpec::typical().build();
    const auto image = parse(built.bytes);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->data_symbol("missing", 8).error(), Error::not_found);
    // Prefixes and extensions of a real name are other names.
    EXPECT_EQ(image->data_symbol("tx_que", 8).error(), Error::not_found);
    EXPECT_EQ(image->data_symbol("tx_queue2", 8).error(), Error::not_found);
    // An empty name is no setvar target: it matches only unnamed symbols such as the null
    // symbol (index 0, STN_UNDEF), which are not data symbols.
    EXPECT_EQ(image->data_symbol("", 8).error(), Error::not_found);
}

TEST(ElfImage, ASymbolSmallerThanAskedForIsInvalid) {
    const BuiltImage built = ElfSpec::typical().build();
    const auto image = parse(built.bytes);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->data_symbol("tx_queue", 9).error(), Error::invalid_argument);
}

TEST(ElfImage, UndefinedAndReservedSectionSymbolsAreInvalid) {
    ElfSpec spec = ElfSpec::typical();
    spec.symbols.push_back({"undefined", 0x40'3900, 8, stt_object, shn_undef});
    spec.symbols.push_back({"absolute", 0x40'3900, 8, stt_object, shn_abs});
    const BuiltImage built = spec.build();
    const auto image = parse(built.bytes);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->data_symbol("undefined", 8).error(), Error::invalid_argument);
    EXPECT_EQ(image->data_symbol("absolute", 8).error(), Error::invalid_argument);
}

TEST(ElfImage, AFunctionIsNotADataSymbol) {
    ElfSpec spec = ElfSpec::typical();
    spec.symbols.push_back({"handler", 0x40'3900, 8, stt_func, 3});
    const BuiltImage built = spec.build();
    const auto image = parse(built.bytes);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->data_symbol("handler", 8).error(), Error::invalid_argument);
    // _start is in the text segment as well as a function.
    EXPECT_EQ(image->data_symbol("_start", 8).error(), Error::invalid_argument);
}

TEST(ElfImage, ADataSymbolOutsideEveryWritableSegmentIsInvalid) {
    ElfSpec spec = ElfSpec::typical();
    spec.symbols.push_back({"in_text", 0x40'1010, 8, stt_object, 1});
    spec.symbols.push_back({"nowhere", 0x60'0000, 8, stt_object, 3});
    // The last 8 bytes of .bss hold 8 bytes but not 16.
    spec.symbols.push_back({"at_the_end", 0x40'4ff8, 16, stt_object, 3});
    spec.symbols.push_back({"fits_the_end", 0x40'4ff8, 8, stt_object, 3});
    const BuiltImage built = spec.build();
    const auto image = parse(built.bytes);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->data_symbol("in_text", 8).error(), Error::invalid_argument);
    EXPECT_EQ(image->data_symbol("nowhere", 8).error(), Error::invalid_argument);
    EXPECT_EQ(image->data_symbol("at_the_end", 16).error(), Error::misaligned_variable);
    EXPECT_EQ(image->data_symbol("fits_the_end", 8).value_or(0), 0x40'4ff8U);
}

// Hardening, defect 2: a setvar variable at page offset 0xffc ran its 8-byte patch onto the next
// page, past the root task's one-page fill window, and the root task faulted.
TEST(ElfImage, ASetvarVariableThatCouldStraddleAPageIsRefused) {
    ElfSpec spec = ElfSpec::typical();
    spec.symbols.push_back({"straddles", 0x40'3ffc, 8, stt_object, 3});
    spec.symbols.push_back({"unaligned", 0x40'3901, 8, stt_object, 3});
    spec.symbols.push_back({"last_word", 0x40'3ff8, 8, stt_object, 3});
    const BuiltImage built = spec.build();
    const auto image = parse(built.bytes);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->data_symbol("straddles", 8).error(), Error::misaligned_variable);
    EXPECT_EQ(image->data_symbol("unaligned", 8).error(), Error::misaligned_variable);
    EXPECT_EQ(image->data_symbol("last_word", 8).value_or(0), 0x40'3ff8U);
    EXPECT_EQ(image->data_symbol("unaligned", 1).value_or(0), 0x40'3901U); // one byte: any place
    EXPECT_EQ(image->data_symbol("tx_queue", 3).error(), Error::misaligned_variable);
}

// Hardening, defect 7: a segment both writable and executable was accepted and mapped so.
TEST(ElfImage, AWritableAndExecutableSegmentIsRefused) {
    ElfSpec spec = ElfSpec::typical();
    spec.segments[1].flags = pf_r | pf_w | pf_x;
    EXPECT_EQ(spec_error(spec), Error::writable_executable);
    spec.segments[1].flags = pf_r | pf_w;
    spec.segments[0].flags = pf_r | pf_w | pf_x;
    EXPECT_EQ(spec_error(spec), Error::writable_executable);
    spec.segments[0].flags = pf_w | pf_x;
    EXPECT_EQ(spec_error(spec), Error::writable_executable);
    spec.segments[0].flags = pf_r | pf_x;
    EXPECT_EQ(spec_error(spec), Error::ok);
}

TEST(ElfImage, SymbolNamesOutsideTheStringTableAreSkipped) {
    BuiltImage built = ElfSpec::typical().build();
    // Symbol 3 (tx_queue) gets a name offset past the string table; symbol 4 still works.
    poke(built.bytes, built.symtab + 3 * sym_size, 0xffff'fff0, 4);
    const auto image = parse(built.bytes);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->data_symbol("tx_queue", 8).error(), Error::not_found);
    EXPECT_EQ(image->data_symbol("rx_queue", 8).value_or(0), 0x40'3808U);
}

TEST(ElfImage, ANameRunningToTheEndOfTheStringTableIsNotReadPastIt) {
    BuiltImage built = ElfSpec::typical().build();
    // Cut the string table just before rx_queue's terminating NUL: the name is unterminated.
    const std::size_t strtab_size_field = built.strtab_header + shdr::size;
    std::uint64_t size = 0;
    for (unsigned i = 0; i < 8; ++i) {
        size |= std::to_integer<std::uint64_t>(built.bytes[strtab_size_field + i]) << (8 * i);
    }
    poke(built.bytes, strtab_size_field, size - 1, 8);
    const auto image = parse(built.bytes);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->data_symbol("rx_queue", 8).error(), Error::not_found);
    EXPECT_EQ(image->data_symbol("tx_queue", 8).value_or(0), 0x40'3800U);
}

// ---- whole-image sweeps (ASan watches every read) ------------------------------------------

// Callers pass freshly built vectors, whose capacity is their size, so any read past the image
// is an ASan report.
void check_parse_is_safe(const std::vector<std::byte>& exact) {
    const auto image = parse(exact);
    if (!image.ok()) {
        EXPECT_TRUE(image.error() == Error::malformed_image ||
                    image.error() == Error::writable_executable);
        return;
    }
    for (const auto& s : image->segments()) {
        EXPECT_FALSE(s.writable && s.executable);
        EXPECT_LE(s.file_size, s.mem_size);
        EXPECT_LE(s.file_offset + s.file_size, exact.size());
        EXPECT_GE(s.vaddr, ElfImage::lowest_vaddr);
        EXPECT_LE(s.vaddr + s.mem_size, ElfImage::highest_vaddr);
    }
    for (const char* name : {"tx_queue", "rx_queue", "initialised", "_start", ""}) {
        const auto symbol = image->data_symbol(name, 8);
        if (symbol.ok()) {
            bool inside = false;
            for (const auto& s : image->segments()) {
                inside |= s.writable && *symbol >= s.vaddr && *symbol + 8 <= s.vaddr + s.mem_size;
            }
            EXPECT_TRUE(inside) << name;
            EXPECT_EQ(*symbol % 8, 0U) << name;
        } else {
            EXPECT_TRUE(symbol.error() == Error::not_found ||
                        symbol.error() == Error::invalid_argument ||
                        symbol.error() == Error::misaligned_variable);
        }
    }
}

TEST(ElfImage, EveryTruncationOfAValidImageIsMalformed) {
    const auto bytes = ElfSpec::typical().build().bytes;
    // The section headers are the last bytes of the file, so every proper prefix loses part of
    // them (or more) and must be rejected as a whole.
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        const std::vector<std::byte> prefix(bytes.begin(),
                                            bytes.begin() + static_cast<std::ptrdiff_t>(n));
        ASSERT_EQ(parse_error(prefix), Error::malformed_image) << n << " of " << bytes.size();
    }
}

TEST(ElfImage, EveryTruncationOfAStrippedImageParsesOrIsMalformed) {
    ElfSpec spec = ElfSpec::typical();
    spec.sections = false;
    const auto bytes = spec.build().bytes;
    std::size_t parsed = 0;
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
        const std::vector<std::byte> prefix(bytes.begin(),
                                            bytes.begin() + static_cast<std::ptrdiff_t>(n));
        check_parse_is_safe(prefix);
        parsed += parse(prefix).ok() ? 1U : 0U;
    }
    // Only the whole image holds all of the data segment's file bytes, its last part.
    EXPECT_EQ(parsed, 1U);
}

TEST(ElfImage, EverySingleByteCorruptionParsesSafelyOrIsMalformed) {
    const auto bytes = ElfSpec::typical().build().bytes;
    for (std::size_t at = 0; at < bytes.size(); ++at) {
        for (const std::uint8_t flip :
             {std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
            std::vector<std::byte> corrupt(bytes);
            corrupt[at] ^= std::byte{flip};
            check_parse_is_safe(corrupt);
            if (::testing::Test::HasFailure()) {
                FAIL() << "byte " << at << " ^ " << static_cast<int>(flip);
            }
        }
    }
}

} // namespace
