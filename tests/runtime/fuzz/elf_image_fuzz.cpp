// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for ElfImage::parse and data_symbol. Random bytes almost never get past the
// ELF magic, so half of the inputs are instead patches applied to a valid image from
// elf_builder.hpp; that reaches the program header, section header and symbol checks. Every
// accepted image is checked against what the loader relies on, and ASan/UBSan watch the reads.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <kaal/platform/runtime/elf_image.hpp>

#include "../elf_builder.hpp"

namespace {

using kaal::Error;
using kaal::Word;
using kaal::runtime::ElfImage;
using kaal::runtime::ElfMachine;

void check(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

const std::vector<std::byte>& base_image() {
    static const std::vector<std::byte> image =
        kaal::runtime::test::ElfSpec::typical().build().bytes;
    return image;
}

void check_symbol(const ElfImage& image, std::string_view name, Word size) {
    const auto symbol = image.data_symbol(name, size);
    if (!symbol.ok()) {
        check(symbol.error() == Error::not_found || symbol.error() == Error::invalid_argument ||
              symbol.error() == Error::misaligned_variable);
        return;
    }
    // On one page: the loader patches it through a one-page window.
    check(size == 0 || (*symbol & (size - 1)) == 0);
    check(size == 0 || (*symbol & 0xfff) + size <= 0x1000);
    // A setvar target: `size` bytes wholly inside one writable segment.
    bool inside = false;
    for (const auto& s : image.segments()) {
        inside |= s.writable && *symbol >= s.vaddr && *symbol - s.vaddr <= s.mem_size &&
                  s.mem_size - (*symbol - s.vaddr) >= size;
    }
    check(inside);
}

void check_image(std::span<const std::byte> file, std::string_view extra_name) {
    const auto image = ElfImage::parse(file, ElfMachine::x86_64);
    if (!image.ok()) {
        check(image.error() == Error::malformed_image || image.error() == Error::writable_executable);
        return;
    }
    // What the loader relies on: every segment's file bytes are in the file, its addresses are
    // in the user range without wrapping, no two share a page, and the entry is executable.
    check(!image->segments().empty() && image->segments().size() <= ElfImage::max_segments);
    bool entry_executable = false;
    for (const auto& s : image->segments()) {
        check(!(s.writable && s.executable));
        check(s.file_size <= s.mem_size);
        check(s.file_offset <= file.size() && s.file_size <= file.size() - s.file_offset);
        check(s.vaddr >= ElfImage::lowest_vaddr && s.mem_size <= ElfImage::highest_vaddr &&
              s.vaddr <= ElfImage::highest_vaddr - s.mem_size);
        check(((s.vaddr ^ s.file_offset) & 0xfff) == 0);
        entry_executable |=
            s.executable && image->entry() >= s.vaddr && image->entry() - s.vaddr < s.mem_size;
        for (const auto& o : image->segments()) {
            if (&o != &s) {
                const Word s_first = s.vaddr >> 12;
                const Word s_last = (s.vaddr + s.mem_size - 1) >> 12;
                const Word o_first = o.vaddr >> 12;
                const Word o_last = (o.vaddr + o.mem_size - 1) >> 12;
                check(s_last < o_first || o_last < s_first);
            }
        }
    }
    check(entry_executable);
    for (const std::string_view name : {"tx_queue", "rx_queue", "initialised", "_start", ""}) {
        check_symbol(*image, name, 8);
        check_symbol(*image, name, 0);
    }
    check_symbol(*image, extra_name, 1);
}

} // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const std::span<const std::uint8_t> rest{data + 1, size - 1};
    // A name to look up: the input's last bytes, up to 12.
    const std::size_t name_length = rest.size() < 12 ? rest.size() : 12;
    const std::string_view extra_name{
        reinterpret_cast<const char*>(rest.data()) + rest.size() - name_length, name_length};
    std::vector<std::byte> file;
    if ((data[0] & 1) == 0) {
        // The input is the file.
        file.assign(reinterpret_cast<const std::byte*>(rest.data()),
                    reinterpret_cast<const std::byte*>(rest.data() + rest.size()));
    } else {
        // The input patches a valid image: (offset low, offset high, value) triples, then the
        // length to cut the file to, as a fraction given by data[0]'s upper bits (0: keep all).
        file = base_image();
        for (std::size_t i = 0; i + 3 <= rest.size(); i += 3) {
            const std::size_t at = (rest[i] | (std::size_t{rest[i + 1]} << 8)) % file.size();
            file[at] = static_cast<std::byte>(rest[i + 2]);
        }
        if (const unsigned cut = data[0] >> 1; cut != 0) {
            file.resize(file.size() * (128 - cut) / 128);
        }
    }
    // A fresh copy of exactly the file's size (a shrunk vector keeps its capacity), so ASan
    // reports any read past its end.
    const std::vector<std::byte> exact(file.begin(), file.end());
    check_image(std::span<const std::byte>{exact.data(), exact.size()}, extra_name);
    return 0;
}
