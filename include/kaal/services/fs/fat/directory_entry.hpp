// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <kaal/services/fs/fat/boot_sector.hpp>

// The 32-byte directory entry and the names it holds: fatgen103 section 6 "Directory Structure"
// (the short entry, its date and time fields, the 8.3 name rules of 6.1) and section 7 "Long
// File Names" (the long-name entries that precede a short entry, their checksum, and the
// numeric-tail rule 7.4 for the short name that goes with a long one). Linux's vfat and the
// mtools also use byte 12 (DIR_NTRes) bits 3 and 4 for a lower-case base and extension, so a
// name like `readme.txt` needs no long entry; KaaL reads and writes them too.
namespace kaal::services::fs::fat {

inline constexpr std::size_t entry_bytes = 32;
inline constexpr std::size_t max_name_units = 255; // UTF-16 code units in a long name (7.1)
inline constexpr std::size_t max_name_bytes = 3 * max_name_units; // the same name in UTF-8
inline constexpr std::size_t lfn_units_per_entry = 13;

namespace attr {
inline constexpr std::uint8_t read_only = 0x01;
inline constexpr std::uint8_t hidden = 0x02;
inline constexpr std::uint8_t system = 0x04;
inline constexpr std::uint8_t volume_id = 0x08;
inline constexpr std::uint8_t directory = 0x10;
inline constexpr std::uint8_t archive = 0x20;
inline constexpr std::uint8_t long_name = 0x0f;
} // namespace attr

inline constexpr std::uint8_t entry_free = 0xe5;
inline constexpr std::uint8_t entry_end = 0x00; // this and every later entry are free (6.1)
inline constexpr std::uint8_t lfn_last = 0x40;
inline constexpr std::uint8_t case_lower_base = 0x08;
inline constexpr std::uint8_t case_lower_ext = 0x10;

using ShortName = std::array<std::uint8_t, 11>;
using NameUnits = std::array<std::uint16_t, max_name_units>;

// A short entry's fields.
struct EntryView {
    const std::uint8_t* e;

    [[nodiscard]] std::uint8_t attributes() const { return e[11]; }
    [[nodiscard]] bool is_long_name() const { return (e[11] & 0x3f) == attr::long_name; }
    [[nodiscard]] bool is_directory() const { return (e[11] & attr::directory) != 0; }
    [[nodiscard]] bool is_volume_label() const {
        return (e[11] & (attr::volume_id | attr::directory)) == attr::volume_id;
    }
    [[nodiscard]] std::uint32_t first_cluster(FatType type) const {
        const std::uint32_t hi = type == FatType::fat32 ? detail::le16(&e[20]) : 0;
        return hi << 16 | detail::le16(&e[26]);
    }
    [[nodiscard]] std::uint32_t size() const { return detail::le32(&e[28]); }
    [[nodiscard]] bool is_dot() const { return e[0] == '.'; } // "." or ".." (6.1)
};

inline void set_first_cluster(std::uint8_t* e, std::uint32_t cluster) {
    detail::put16(&e[20], cluster >> 16);
    detail::put16(&e[26], cluster);
}

// 7.2: the checksum of the short name each long entry carries, so a long name orphaned by a
// tool that knows only short names is recognised as such.
constexpr std::uint8_t lfn_checksum(const std::uint8_t* short_name) {
    std::uint8_t sum = 0;
    for (int i = 0; i < 11; ++i) {
        sum = static_cast<std::uint8_t>(((sum & 1) != 0 ? 0x80 : 0) + (sum >> 1) + short_name[i]);
    }
    return sum;
}

// 6.1: the characters a short name may hold, besides A-Z, 0-9 and bytes above 127.
constexpr bool short_name_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || u > 127) {
        return true;
    }
    return std::string_view{"$%'-_@~`!(){}^#&"}.find(c) != std::string_view::npos;
}

// string_view::substr, without the exception it would throw past the end (components have
// none): `n` or what is left from `at`, whichever is shorter.
constexpr std::string_view slice(std::string_view s, std::size_t at,
                                 std::size_t n = std::string_view::npos) {
    if (at > s.size()) {
        return {};
    }
    return {s.data() + at, n < s.size() - at ? n : s.size() - at};
}

constexpr char ascii_upper(char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
}
constexpr char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}
constexpr std::uint16_t unit_upper(std::uint16_t c) {
    return c >= 'a' && c <= 'z' ? static_cast<std::uint16_t>(c - 32) : c;
}

// UTF-8 (BMP only: FAT stores UCS-2) to the units of a long name; 0 if the name is not valid
// UTF-8 or longer than 255 units.
inline std::size_t utf8_to_units(std::string_view name, NameUnits& out) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < name.size();) {
        const auto b = static_cast<unsigned char>(name[i]);
        std::uint32_t cp = 0;
        std::size_t len = 0;
        if (b < 0x80) {
            cp = b;
            len = 1;
        } else if ((b & 0xe0) == 0xc0) {
            cp = b & 0x1fu;
            len = 2;
        } else if ((b & 0xf0) == 0xe0) {
            cp = b & 0x0fu;
            len = 3;
        } else {
            return 0; // four-byte sequences lie outside the BMP
        }
        if (i + len > name.size()) {
            return 0;
        }
        for (std::size_t k = 1; k < len; ++k) {
            const auto c = static_cast<unsigned char>(name[i + k]);
            if ((c & 0xc0) != 0x80) {
                return 0;
            }
            cp = cp << 6 | (c & 0x3fu);
        }
        if ((len == 2 && cp < 0x80) ||
            (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000)))) {
            return 0; // overlong, or a surrogate
        }
        if (n == max_name_units) {
            return 0;
        }
        out[n++] = static_cast<std::uint16_t>(cp);
        i += len;
    }
    return n;
}

// The units of a long name as UTF-8 into `out` (max_name_bytes suffice); its length. A lone
// surrogate an image holds is shown as '?' rather than passed on as invalid UTF-8.
inline std::size_t units_to_utf8(const std::uint16_t* units, std::size_t n, char* out) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t u = units[i];
        if (u >= 0xd800 && u < 0xe000) {
            u = '?';
        }
        if (u < 0x80) {
            out[w++] = static_cast<char>(u);
        } else if (u < 0x800) {
            out[w++] = static_cast<char>(0xc0 | u >> 6);
            out[w++] = static_cast<char>(0x80 | (u & 0x3f));
        } else {
            out[w++] = static_cast<char>(0xe0 | u >> 12);
            out[w++] = static_cast<char>(0x80 | (u >> 6 & 0x3f));
            out[w++] = static_cast<char>(0x80 | (u & 0x3f));
        }
    }
    return w;
}

// 7.1: a long name may hold any unit but these and the control characters; "." and ".." are the
// directory's own entries. Trailing dots and spaces are refused rather than stripped (Windows
// strips them, so such a name would not survive a round trip).
inline bool valid_long_name(const std::uint16_t* units, std::size_t n) {
    if (n == 0 || (n == 1 && units[0] == '.') || (n == 2 && units[0] == '.' && units[1] == '.')) {
        return false;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint16_t u = units[i];
        if (u < 0x20 || (u < 0x80 && std::string_view{"\"*/:<>?\\|"}.find(static_cast<char>(u)) !=
                                         std::string_view::npos)) {
            return false;
        }
    }
    return units[n - 1] != '.' && units[n - 1] != ' ';
}

// The short entry alone can hold `name` when it is an 8.3 name whose base and extension are
// each all upper or all lower case: `out` and the DIR_NTRes case bits for it.
inline bool fits_short_name(std::string_view name, ShortName& out, std::uint8_t& case_bits) {
    const std::size_t dot = name.find('.');
    const std::string_view base = slice(name, 0, dot);
    const std::string_view ext = dot == std::string_view::npos ? "" : slice(name, dot + 1);
    if (base.empty() || base.size() > 8 || ext.size() > 3 ||
        (dot != std::string_view::npos &&
         (ext.empty() || ext.find('.') != std::string_view::npos))) {
        return false;
    }
    case_bits = 0;
    auto part = [&](std::string_view p, std::uint8_t* dst, std::uint8_t lower_bit) {
        bool upper = false;
        bool lower = false;
        for (std::size_t i = 0; i < p.size(); ++i) {
            const char c = p[i];
            upper |= c >= 'A' && c <= 'Z';
            lower |= c >= 'a' && c <= 'z';
            const char u = ascii_upper(c);
            if (!short_name_char(u) || static_cast<unsigned char>(c) > 127) {
                return false; // non-ASCII names always get a long entry: no code page here
            }
            dst[i] = static_cast<std::uint8_t>(u);
        }
        if (upper && lower) {
            return false;
        }
        if (lower) {
            case_bits |= lower_bit;
        }
        return true;
    };
    out.fill(' ');
    if (!part(base, out.data(), case_lower_base) || !part(ext, out.data() + 8, case_lower_ext)) {
        return false;
    }
    if (out[0] == entry_free) {
        out[0] = 0x05; // 6.1: 0x05 in byte 0 stands for a name that starts with 0xE5
    }
    return true;
}

// 7.4: the basis of the short name for a long name, with numeric tail `~n` (n >= 1).
inline ShortName short_name_with_tail(std::string_view name, std::uint32_t n) {
    ShortName s{};
    s.fill(' ');
    const std::size_t last_dot = name.rfind('.');
    const std::string_view base =
        last_dot == 0 || last_dot == std::string_view::npos ? name : slice(name, 0, last_dot);
    const std::string_view ext = last_dot == 0 || last_dot == std::string_view::npos
                                     ? std::string_view{}
                                     : slice(name, last_dot + 1);
    auto squeeze = [](std::string_view from, std::uint8_t* to, std::size_t cap) {
        std::size_t w = 0;
        for (std::size_t i = 0; i < from.size() && w < cap; ++i) {
            const char c = from[i];
            if (c == ' ' || c == '.') {
                continue;
            }
            const char u = ascii_upper(c);
            to[w++] = static_cast<std::uint8_t>(
                static_cast<unsigned char>(u) < 128 && short_name_char(u) ? u : '_');
        }
        return w;
    };
    char tail[8] = {};
    std::size_t tail_len = 0;
    for (std::uint32_t v = n; v != 0; v /= 10) {
        tail[tail_len++] = static_cast<char>('0' + v % 10);
    }
    tail[tail_len++] = '~';
    std::size_t w = squeeze(base, s.data(), 8 - tail_len);
    if (w == 0) {
        s[0] = '_';
        w = 1;
    }
    for (std::size_t i = 0; i < tail_len; ++i) {
        s[w + i] = static_cast<std::uint8_t>(tail[tail_len - 1 - i]);
    }
    squeeze(ext, s.data() + 8, 3);
    return s;
}

// A short name as a person reads it ("README.TXT", or "readme.txt" with the case bits), into
// `out` (13 bytes suffice); its length.
inline std::size_t short_name_text(const std::uint8_t* raw, std::uint8_t case_bits, char* out) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < 8 && raw[i] != ' '; ++i) {
        const char c =
            i == 0 && raw[0] == 0x05 ? static_cast<char>(entry_free) : static_cast<char>(raw[i]);
        out[w++] = (case_bits & case_lower_base) != 0 ? ascii_lower(c) : c;
    }
    if (raw[8] != ' ') {
        out[w++] = '.';
        for (std::size_t i = 8; i < 11 && raw[i] != ' '; ++i) {
            const auto c = static_cast<char>(raw[i]);
            out[w++] = (case_bits & case_lower_ext) != 0 ? ascii_lower(c) : c;
        }
    }
    return w;
}

// One long-name entry: units [13 * (ord - 1), 13 * ord) of the name, then a 0 terminator and
// 0xFFFF padding (7.1).
inline void put_long_entry(std::uint8_t* e, const std::uint16_t* units, std::size_t n,
                           std::uint32_t ord, bool last, std::uint8_t checksum) {
    static constexpr std::array<std::uint8_t, lfn_units_per_entry> at = {1,  3,  5,  7,  9,  14, 16,
                                                                         18, 20, 22, 24, 28, 30};
    e[0] = static_cast<std::uint8_t>(ord | (last ? lfn_last : 0));
    e[11] = attr::long_name;
    e[12] = 0;
    e[13] = checksum;
    detail::put16(&e[26], 0);
    for (std::size_t k = 0; k < lfn_units_per_entry; ++k) {
        const std::size_t i = (ord - 1) * lfn_units_per_entry + k;
        const std::uint32_t u = i < n ? units[i] : i == n ? 0 : 0xffff;
        detail::put16(&e[at[k]], u);
    }
}

// The 13 units a long-name entry holds; how many precede its terminator.
inline std::size_t get_long_entry(const std::uint8_t* e, std::uint16_t* units) {
    static constexpr std::array<std::uint8_t, lfn_units_per_entry> at = {1,  3,  5,  7,  9,  14, 16,
                                                                         18, 20, 22, 24, 28, 30};
    std::size_t n = lfn_units_per_entry;
    for (std::size_t k = 0; k < lfn_units_per_entry; ++k) {
        units[k] = detail::le16(&e[at[k]]);
        if (units[k] == 0 && n == lfn_units_per_entry) {
            n = k;
        }
    }
    return n;
}

// 6.3 "Date and Time Formats": a date counts years from 1980 (0..127), a time two-second steps.
struct FatTimestamp {
    std::uint16_t date = (0 << 9) | (1 << 5) | 1; // 1980-01-01, the FAT epoch: no clock
    std::uint16_t time = 0;
};

// A UTC calendar time as FAT stores it; years outside 1980..2107 cannot be, and give the epoch.
constexpr FatTimestamp fat_timestamp(std::uint64_t year, unsigned month, unsigned day,
                                     unsigned hour, unsigned minute, unsigned second) {
    if (year < 1980 || year > 2107) {
        return {};
    }
    return {static_cast<std::uint16_t>((year - 1980) << 9 | month << 5 | day),
            static_cast<std::uint16_t>(hour << 11 | minute << 5 | second / 2)};
}
static_assert(fat_timestamp(2026, 12, 1, 14, 30, 59).date == (46 << 9 | 12 << 5 | 1));
static_assert(fat_timestamp(2026, 12, 1, 14, 30, 59).time == (14 << 11 | 30 << 5 | 29));

} // namespace kaal::services::fs::fat
