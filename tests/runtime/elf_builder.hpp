// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// Builds little-endian ELF64 executables byte by byte for the ElfImage tests and fuzzer, so each
// test states exactly which field it breaks. Field offsets and constants are those of the System V
// ABI, "Object Files" (ELF-64 Object File Format 1.5): Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr,
// Elf64_Sym. Written independently of platform/runtime/elf_image.cpp on purpose: sharing its
// constants would let one mistake pass both.
namespace kaal::runtime::test {

inline constexpr std::uint32_t pt_load = 1;
inline constexpr std::uint32_t pt_note = 4;
inline constexpr std::uint32_t pt_gnu_stack = 0x6474'e551;
inline constexpr std::uint32_t pf_x = 1;
inline constexpr std::uint32_t pf_w = 2;
inline constexpr std::uint32_t pf_r = 4;
inline constexpr std::uint16_t et_exec = 2;
inline constexpr std::uint16_t et_dyn = 3;
inline constexpr std::uint16_t em_x86_64 = 62;
inline constexpr std::uint16_t em_aarch64 = 183;
inline constexpr std::uint8_t stt_object = 1;
inline constexpr std::uint8_t stt_func = 2;
inline constexpr std::uint8_t stb_global = 1;
inline constexpr std::uint16_t shn_undef = 0;
inline constexpr std::uint16_t shn_abs = 0xfff1;

inline constexpr std::size_t ehdr_size = 64;
inline constexpr std::size_t phdr_size = 56;
inline constexpr std::size_t shdr_size = 64;
inline constexpr std::size_t sym_size = 24;

// Offsets of the Elf64_Ehdr fields the tests break.
namespace ehdr {
inline constexpr std::size_t type = 16;
inline constexpr std::size_t machine = 18;
inline constexpr std::size_t version = 20;
inline constexpr std::size_t entry = 24;
inline constexpr std::size_t phoff = 32;
inline constexpr std::size_t shoff = 40;
inline constexpr std::size_t phentsize = 54;
inline constexpr std::size_t phnum = 56;
inline constexpr std::size_t shentsize = 58;
inline constexpr std::size_t shnum = 60;
} // namespace ehdr
// Offsets within an Elf64_Shdr.
namespace shdr {
inline constexpr std::size_t type = 4;
inline constexpr std::size_t offset = 24;
inline constexpr std::size_t size = 32;
inline constexpr std::size_t link = 40;
inline constexpr std::size_t entsize = 56;
} // namespace shdr

struct SegmentSpec {
    std::uint32_t type = pt_load;
    std::uint32_t flags = pf_r;
    std::uint64_t vaddr = 0;
    std::uint64_t offset = 0;
    std::uint64_t file_size = 0;
    std::uint64_t mem_size = 0;
};

struct SymbolSpec {
    std::string name;
    std::uint64_t value = 0;
    std::uint64_t size = 0;
    std::uint8_t type = stt_object;
    std::uint16_t section = 2; // any defined, non-reserved index will do
};

// Where the builder put the parts a test may want to corrupt afterwards.
struct BuiltImage {
    std::vector<std::byte> bytes;
    std::size_t phoff = 0;
    std::size_t shoff = 0;
    std::size_t symtab_header = 0; // offset of the .symtab section header
    std::size_t strtab_header = 0; // offset of the .strtab section header
    std::size_t symtab = 0;        // offset of the symbol table's first entry (the null symbol)
};

inline void poke(std::vector<std::byte>& bytes, std::size_t at, std::uint64_t value,
                 unsigned width) {
    if (bytes.size() < at + width) {
        bytes.resize(at + width);
    }
    for (unsigned i = 0; i < width; ++i) {
        bytes[at + i] = static_cast<std::byte>((value >> (8 * i)) & 0xff);
    }
}

struct ElfSpec {
    std::uint16_t type = et_exec;
    std::uint16_t machine = em_x86_64;
    std::uint64_t entry = 0x40'1000;
    std::vector<SegmentSpec> segments;
    std::vector<SymbolSpec> symbols;
    bool sections = true; // false: a stripped image, e_shnum = 0

    // A typical small static executable: text at 0x401000, data with a larger .bss at 0x403000,
    // congruent to their file offsets modulo 4 KiB as the System V ABI requires.
    static ElfSpec typical() {
        ElfSpec spec;
        spec.segments = {
            {pt_load, pf_r | pf_x, 0x40'1000, 0x1000, 0x120, 0x120},
            {pt_load, pf_r | pf_w, 0x40'3000, 0x2000, 0x40, 0x2000},
            {pt_gnu_stack, pf_r | pf_w, 0, 0, 0, 0},
        };
        spec.symbols = {
            {"_start", 0x40'1000, 0x20, stt_func, 1},
            {"initialised", 0x40'3010, 8, stt_object, 2},
            {"tx_queue", 0x40'3800, 8, stt_object, 3}, // in .bss: past the file data
            {"rx_queue", 0x40'3808, 8, stt_object, 3},
        };
        return spec;
    }

    [[nodiscard]] BuiltImage build() const {
        BuiltImage out;
        std::vector<std::byte>& b = out.bytes;
        b.resize(ehdr_size);
        // e_ident: magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, System V OS ABI.
        poke(b, 0, 0x7f, 1);
        poke(b, 1, 'E', 1);
        poke(b, 2, 'L', 1);
        poke(b, 3, 'F', 1);
        poke(b, 4, 2, 1);
        poke(b, 5, 1, 1);
        poke(b, 6, 1, 1);
        poke(b, ehdr::type, type, 2);
        poke(b, ehdr::machine, machine, 2);
        poke(b, ehdr::version, 1, 4);
        poke(b, ehdr::entry, entry, 8);
        poke(b, 52, ehdr_size, 2); // e_ehsize

        out.phoff = ehdr_size;
        poke(b, ehdr::phoff, out.phoff, 8);
        poke(b, ehdr::phentsize, phdr_size, 2);
        poke(b, ehdr::phnum, segments.size(), 2);
        for (std::size_t i = 0; i < segments.size(); ++i) {
            const SegmentSpec& s = segments[i];
            const std::size_t at = out.phoff + i * phdr_size;
            poke(b, at, s.type, 4);
            poke(b, at + 4, s.flags, 4);
            poke(b, at + 8, s.offset, 8);
            poke(b, at + 16, s.vaddr, 8);
            poke(b, at + 24, s.vaddr, 8); // p_paddr
            poke(b, at + 32, s.file_size, 8);
            poke(b, at + 40, s.mem_size, 8);
            poke(b, at + 48, 0x1000, 8); // p_align
        }
        // Segment contents: a recognisable pattern, so the file really holds each segment.
        for (const SegmentSpec& s : segments) {
            const bool sane = s.offset >= ehdr_size + segments.size() * phdr_size &&
                              s.offset < (1U << 24) && s.file_size < (1U << 24);
            if (s.type == pt_load && s.file_size != 0 && sane) {
                for (std::uint64_t j = 0; j < s.file_size; ++j) {
                    poke(b, s.offset + j, 0xc3 ^ (j & 0xff), 1);
                }
            }
        }
        if (!sections) {
            return out;
        }

        // .strtab: the symbol names, after a leading NUL (index 0 is the empty name).
        std::vector<std::byte> strtab{std::byte{0}};
        std::vector<std::uint32_t> name_at;
        for (const SymbolSpec& sym : symbols) {
            name_at.push_back(static_cast<std::uint32_t>(strtab.size()));
            for (const char c : sym.name) {
                strtab.push_back(static_cast<std::byte>(c));
            }
            strtab.push_back(std::byte{0});
        }
        const std::string shstr = std::string{"\0.symtab\0.strtab\0.shstrtab\0", 27};

        auto align8 = [&b] { b.resize((b.size() + 7) & ~std::size_t{7}); };
        align8();
        out.symtab = b.size();
        b.resize(b.size() + sym_size); // symbol 0: the null symbol
        for (std::size_t i = 0; i < symbols.size(); ++i) {
            const SymbolSpec& sym = symbols[i];
            const std::size_t at = b.size();
            poke(b, at, name_at[i], 4);
            poke(b, at + 4, (stb_global << 4) | sym.type, 1);
            poke(b, at + 5, 0, 1);
            poke(b, at + 6, sym.section, 2);
            poke(b, at + 8, sym.value, 8);
            poke(b, at + 16, sym.size, 8);
        }
        const std::size_t symtab_size = b.size() - out.symtab;
        const std::size_t strtab_offset = b.size();
        b.insert(b.end(), strtab.begin(), strtab.end());
        const std::size_t shstrtab_offset = b.size();
        for (const char c : shstr) {
            b.push_back(static_cast<std::byte>(c));
        }
        align8();

        // Section headers last: [0] null, [1] .symtab -> [2] .strtab, [3] .shstrtab.
        out.shoff = b.size();
        b.resize(b.size() + 4 * shdr_size);
        out.symtab_header = out.shoff + shdr_size;
        out.strtab_header = out.shoff + 2 * shdr_size;
        const std::size_t shstrtab_header = out.shoff + 3 * shdr_size;
        poke(b, out.symtab_header, 1, 4);              // sh_name ".symtab"
        poke(b, out.symtab_header + shdr::type, 2, 4); // SHT_SYMTAB
        poke(b, out.symtab_header + shdr::offset, out.symtab, 8);
        poke(b, out.symtab_header + shdr::size, symtab_size, 8);
        poke(b, out.symtab_header + shdr::link, 2, 4);
        poke(b, out.symtab_header + 44, 1, 4); // sh_info: first non-local symbol
        poke(b, out.symtab_header + 48, 8, 8); // sh_addralign
        poke(b, out.symtab_header + shdr::entsize, sym_size, 8);
        poke(b, out.strtab_header, 9, 4);
        poke(b, out.strtab_header + shdr::type, 3, 4); // SHT_STRTAB
        poke(b, out.strtab_header + shdr::offset, strtab_offset, 8);
        poke(b, out.strtab_header + shdr::size, strtab.size(), 8);
        poke(b, shstrtab_header, 17, 4);
        poke(b, shstrtab_header + shdr::type, 3, 4);
        poke(b, shstrtab_header + shdr::offset, shstrtab_offset, 8);
        poke(b, shstrtab_header + shdr::size, shstr.size(), 8);

        poke(b, ehdr::shoff, out.shoff, 8);
        poke(b, ehdr::shentsize, shdr_size, 2);
        poke(b, ehdr::shnum, 4, 2);
        poke(b, 62, 3, 2); // e_shstrndx
        return out;
    }
};

} // namespace kaal::runtime::test
