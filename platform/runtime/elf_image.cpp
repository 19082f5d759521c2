// SPDX-License-Identifier: BSD-2-Clause
// ELF64 parsing for the root task's loader (System V ABI, "Object Files"; field offsets as in
// the ELF-64 Object File Format, version 1.5). Fields are read byte by byte in little-endian
// order, so the image needs no alignment and the host and target agree.
#include <kaal/platform/runtime/elf_image.hpp>

namespace kaal::runtime {

namespace {

constexpr std::size_t ehdr_size = 64;
constexpr std::size_t phdr_size = 56;
constexpr std::size_t shdr_size = 64;
constexpr std::size_t sym_size = 24;

constexpr std::uint32_t pt_load = 1;
constexpr std::uint32_t sht_symtab = 2;
constexpr std::uint16_t et_exec = 2;
constexpr std::uint32_t pf_x = 1;
constexpr std::uint32_t pf_w = 2;
constexpr std::uint32_t pf_r = 4;
constexpr std::uint16_t shn_undef = 0;
constexpr std::uint16_t shn_loreserve = 0xff00;
constexpr unsigned stt_object = 1;
constexpr Word page_size = 0x1000;

class Reader {
public:
    explicit Reader(std::span<const std::byte> file) : file_(file) {}

    [[nodiscard]] bool fits(Word offset, Word size) const {
        return offset <= file_.size() && size <= file_.size() - offset;
    }
    // The caller has checked `fits(offset, bytes)`.
    [[nodiscard]] Word le(Word offset, unsigned bytes) const {
        Word value = 0;
        for (unsigned i = 0; i < bytes; ++i) {
            value |= Word{std::to_integer<std::uint8_t>(file_[offset + i])} << (8 * i);
        }
        return value;
    }

private:
    std::span<const std::byte> file_;
};

// a + b without wrapping, or nothing.
constexpr bool add_fits(Word a, Word b, Word& sum) {
    sum = a + b;
    return sum >= a;
}

Status check_header(const Reader& r, ElfMachine machine) {
    if (!r.fits(0, ehdr_size)) {
        return Error::malformed_image;
    }
    // e_ident: magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT.
    const bool ident =
        r.le(0, 4) == 0x464c'457f && r.le(4, 1) == 2 && r.le(5, 1) == 1 && r.le(6, 1) == 1;
    if (!ident || r.le(16, 2) != et_exec || r.le(18, 2) != static_cast<Word>(machine) ||
        r.le(20, 4) != 1) {
        return Error::malformed_image;
    }
    return {};
}

Result<ElfSegment> load_segment(const Reader& r, Word at) {
    const auto flags = static_cast<std::uint32_t>(r.le(at + 4, 4));
    ElfSegment s{r.le(at + 16, 8),    r.le(at + 40, 8),    r.le(at + 8, 8),    r.le(at + 32, 8),
                 (flags & pf_r) != 0, (flags & pf_w) != 0, (flags & pf_x) != 0};
    Word end = 0;
    if (s.file_size > s.mem_size || !r.fits(s.file_offset, s.file_size) ||
        !add_fits(s.vaddr, s.mem_size, end) || s.vaddr < ElfImage::lowest_vaddr ||
        end > ElfImage::highest_vaddr) {
        return Error::malformed_image;
    }
    // The loader copies whole pages, so the file offset and address must agree within a page
    // (System V ABI, "Program Loading": p_vaddr = p_offset modulo the page size).
    if (((s.vaddr ^ s.file_offset) & (page_size - 1)) != 0) {
        return Error::malformed_image;
    }
    // W^X: memory a component can write must not be memory it can run, or one stray write
    // (or a hostile peer's data copied in) becomes code. KaaL's linker scripts never make such a
    // segment; an image that has one is refused rather than mapped with both rights.
    if (s.writable && s.executable) {
        return Error::writable_executable;
    }
    return s;
}

constexpr Word page_floor(Word a) {
    return a & ~(page_size - 1);
}
constexpr Word page_ceil(Word a) {
    return (a + page_size - 1) & ~(page_size - 1);
}

} // namespace

Result<ElfImage> ElfImage::parse(std::span<const std::byte> file, ElfMachine machine) {
    const Reader r{file};
    KAAL_CHECK(check_header(r, machine));
    ElfImage image;
    image.file_ = file;
    image.entry_ = r.le(24, 8);

    const Word phoff = r.le(32, 8);
    const Word phentsize = r.le(54, 2);
    const Word phnum = r.le(56, 2);
    if (phentsize != phdr_size || !r.fits(phoff, phnum * phdr_size)) {
        return Error::malformed_image;
    }
    bool entry_executable = false;
    for (Word i = 0; i < phnum; ++i) {
        const Word at = phoff + i * phdr_size;
        if (r.le(at, 4) != pt_load || r.le(at + 40, 8) == 0) {
            continue;
        }
        if (image.segment_count_ == max_segments) {
            return Error::malformed_image;
        }
        KAAL_TRY(const ElfSegment s, load_segment(r, at));
        // Segments may not share a page: each page gets one set of rights.
        for (const ElfSegment& other : image.segments()) {
            if (page_floor(s.vaddr) < page_ceil(other.vaddr + other.mem_size) &&
                page_floor(other.vaddr) < page_ceil(s.vaddr + s.mem_size)) {
                return Error::malformed_image;
            }
        }
        entry_executable |=
            s.executable && image.entry_ >= s.vaddr && image.entry_ - s.vaddr < s.mem_size;
        image.segments_[image.segment_count_++] = s;
    }
    if (!entry_executable) {
        return Error::malformed_image;
    }

    // The symbol table is optional (a stripped image has no setvar targets); if present it
    // must be whole.
    const Word shoff = r.le(40, 8);
    const Word shentsize = r.le(58, 2);
    const Word shnum = r.le(60, 2);
    if (shnum == 0) {
        return image;
    }
    if (shentsize != shdr_size || !r.fits(shoff, shnum * shdr_size)) {
        return Error::malformed_image;
    }
    for (Word i = 0; i < shnum; ++i) {
        const Word at = shoff + i * shdr_size;
        if (r.le(at + 4, 4) != sht_symtab) {
            continue;
        }
        const Word offset = r.le(at + 24, 8);
        const Word size = r.le(at + 32, 8);
        const Word link = r.le(at + 40, 4);
        if (r.le(at + 56, 8) != sym_size || !r.fits(offset, size) || link >= shnum) {
            return Error::malformed_image;
        }
        const Word str_at = shoff + link * shdr_size;
        const Word str_offset = r.le(str_at + 24, 8);
        const Word str_size = r.le(str_at + 32, 8);
        if (!r.fits(str_offset, str_size)) {
            return Error::malformed_image;
        }
        image.symtab_offset_ = offset;
        image.symtab_count_ = size / sym_size;
        image.strtab_offset_ = str_offset;
        image.strtab_size_ = str_size;
        break;
    }
    return image;
}

Result<Word> ElfImage::data_symbol(std::string_view name, Word size) const {
    if (name.empty()) {
        return Error::not_found; // index 0 and section symbols have empty names, never a setvar
    }
    const Reader r{file_};
    for (Word i = 0; i < symtab_count_; ++i) {
        const Word at = symtab_offset_ + i * sym_size;
        const Word name_offset = r.le(at, 4);
        if (name_offset >= strtab_size_ || name_offset + name.size() >= strtab_size_) {
            continue;
        }
        const Word str = strtab_offset_ + name_offset;
        bool same = r.le(str + name.size(), 1) == 0;
        for (std::size_t c = 0; same && c < name.size(); ++c) {
            same = r.le(str + c, 1) == static_cast<unsigned char>(name[c]);
        }
        if (!same) {
            continue;
        }
        const auto section = static_cast<std::uint16_t>(r.le(at + 6, 2));
        const Word value = r.le(at + 8, 8);
        if ((r.le(at + 4, 1) & 0xf) != stt_object || section == shn_undef ||
            section >= shn_loreserve || r.le(at + 16, 8) < size) {
            return Error::invalid_argument;
        }
        // The loader writes the value through a one-page window onto the page the variable
        // starts on, so the variable must not run onto the next page. A naturally aligned
        // variable of at most a page never does, and that is what a compiler makes of a Word.
        const Word align = size == 0 ? 1 : size;
        if ((align & (align - 1)) != 0 || align > page_size || (value & (align - 1)) != 0) {
            return Error::misaligned_variable;
        }
        for (const ElfSegment& s : segments()) {
            if (s.writable && value >= s.vaddr && value - s.vaddr <= s.mem_size &&
                s.mem_size - (value - s.vaddr) >= size) {
                return value;
            }
        }
        return Error::invalid_argument;
    }
    return Error::not_found;
}

} // namespace kaal::runtime
