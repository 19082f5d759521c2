// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <kaal/core/result.hpp>
#include <kaal/services/block/crc32.hpp>

// The partitions of a disk, from its MBR or its GPT, for the block virtualiser, which gives each
// client one partition. Every field the disk gives is checked before it is believed: the disk
// is untrusted input (a corrupt or hostile image must give a clear error, never a partition
// that reaches past the disk or over another).
//
//   MBR: the classic table in sector 0 (the 0x55AA signature, four 16-byte entries at 446).
//        Extended partitions (types 0x05, 0x0F, 0x85) are refused as unsupported.
//   GPT: UEFI 2.10, 5.3 "GUID Partition Table (GPT) Disk Layout". A protective MBR (type 0xEE)
//        says the disk is GPT. The primary header (LBA 1) and the backup (the last LBA) are
//        both read and checked: signature, revision, header size, the header's CRC32, its own
//        LBA, the usable range, and the CRC32 of its entry array. One damaged header is
//        survived with the other (and said in `note`); both damaged is corrupt_data; two valid
//        headers that disagree are corrupt_data too.
//
// The disk is read through `read(lba, std::span<std::uint8_t, 512>) -> Status`, one sector at a
// time, so the parser needs no buffer beyond one sector: the entry array's CRC is computed as
// its sectors go by. The caller of a real disk serves the reads from sectors it fetched
// already (the first 34 and the last 33 hold everything a GPT has).
namespace kaal::services::block {

inline constexpr std::size_t sector_bytes = 512;
using Sector = std::array<std::uint8_t, sector_bytes>;

struct Partition {
    std::uint64_t first_lba = 0;
    std::uint64_t sectors = 0;
    std::uint8_t mbr_type = 0;               // MBR: the type byte; GPT: 0
    std::array<std::uint8_t, 16> gpt_type{}; // GPT: the type GUID as stored; MBR: zero
};

struct PartitionTable {
    static constexpr std::size_t max_partitions = 16;
    enum class Kind : std::uint8_t { mbr, gpt };
    Kind kind = Kind::mbr;
    std::array<Partition, max_partitions> partitions{};
    std::size_t count = 0;
    const char* note = ""; // a problem survived: which GPT header was damaged
};

// Why a disk was refused, for the caller's error line.
struct PartitionProblem {
    const char* why = "";
};

namespace detail {

constexpr std::uint16_t le16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}
constexpr std::uint32_t le32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
constexpr std::uint64_t le64(const std::uint8_t* p) {
    return std::uint64_t{le32(p)} | std::uint64_t{le32(p + 4)} << 32;
}

inline Result<PartitionTable> refuse(PartitionProblem& problem, Error error, const char* why) {
    problem.why = why;
    return error;
}

// The partitions found so far overlap `candidate`?
inline bool overlaps(const PartitionTable& t, const Partition& candidate) {
    for (std::size_t i = 0; i < t.count; ++i) {
        const Partition& p = t.partitions[i];
        if (candidate.first_lba < p.first_lba + p.sectors &&
            p.first_lba < candidate.first_lba + candidate.sectors) {
            return true;
        }
    }
    return false;
}

// A GPT header, as read and checked (5.3.2 "GPT Header").
struct GptHeader {
    std::uint64_t my_lba;
    std::uint64_t alternate_lba;
    std::uint64_t first_usable;
    std::uint64_t last_usable;
    std::uint64_t entries_lba;
    std::uint32_t entry_count;
    std::uint32_t entry_size;
    std::uint32_t entries_crc;
};

inline constexpr std::uint32_t gpt_max_entries = 1024;

// Reads and checks the header at `lba`, then its entry array's CRC; the reason on failure.
template <typename Read>
const char* read_gpt_header(Read& read, std::uint64_t lba, std::uint64_t disk_sectors,
                            GptHeader& out) {
    Sector s{};
    if (!read(lba, std::span<std::uint8_t, sector_bytes>{s})) {
        return "the disk could not be read";
    }
    if (std::memcmp(s.data(), "EFI PART", 8) != 0) {
        return "no GPT header signature";
    }
    const std::uint32_t header_size = le32(&s[12]);
    if (le32(&s[8]) != 0x0001'0000 || header_size < 92 || header_size > sector_bytes) {
        return "a GPT header of an unknown revision or size";
    }
    const std::uint32_t stored_crc = le32(&s[16]);
    s[16] = s[17] = s[18] = s[19] = 0; // the CRC is over the header with its own field zero
    if (crc32(std::span{s.data(), header_size}) != stored_crc) {
        return "a GPT header whose CRC32 does not match";
    }
    out = {le64(&s[24]), le64(&s[32]), le64(&s[40]), le64(&s[48]),
           le64(&s[72]), le32(&s[80]), le32(&s[84]), le32(&s[88])};
    if (out.my_lba != lba || out.alternate_lba >= disk_sectors || out.alternate_lba == lba) {
        return "a GPT header that is not where it says it is";
    }
    if (out.first_usable > out.last_usable || out.last_usable >= disk_sectors ||
        out.first_usable < 2) {
        return "a GPT header whose usable range lies outside the disk";
    }
    if (out.entry_size < 128 || out.entry_size > sector_bytes ||
        (out.entry_size & (out.entry_size - 1)) != 0 || out.entry_count > gpt_max_entries) {
        return "a GPT entry array of an unsupported shape";
    }
    const std::uint64_t entry_sectors =
        (std::uint64_t{out.entry_count} * out.entry_size + sector_bytes - 1) / sector_bytes;
    if (out.entries_lba < 2 || out.entries_lba + entry_sectors > disk_sectors ||
        (out.entries_lba <= out.last_usable &&
         out.entries_lba + entry_sectors > out.first_usable)) {
        return "a GPT entry array outside the disk or over the usable range";
    }
    std::uint32_t crc = 0;
    std::uint64_t left = std::uint64_t{out.entry_count} * out.entry_size;
    for (std::uint64_t i = 0; i < entry_sectors; ++i) {
        if (!read(out.entries_lba + i, std::span<std::uint8_t, sector_bytes>{s})) {
            return "the disk could not be read";
        }
        const std::size_t n = left < sector_bytes ? static_cast<std::size_t>(left) : sector_bytes;
        crc = crc32(std::span{s.data(), n}, crc);
        left -= n;
    }
    if (crc != out.entries_crc) {
        return "a GPT entry array whose CRC32 does not match";
    }
    return nullptr;
}

template <typename Read>
Result<PartitionTable> read_gpt(Read& read, std::uint64_t disk_sectors, PartitionProblem& problem) {
    GptHeader primary{};
    GptHeader backup{};
    const char* primary_bad = read_gpt_header(read, 1, disk_sectors, primary);
    // The backup is where the primary says, or, if the primary cannot be believed, at the end.
    const std::uint64_t backup_lba =
        primary_bad == nullptr ? primary.alternate_lba : disk_sectors - 1;
    const char* backup_bad = read_gpt_header(read, backup_lba, disk_sectors, backup);
    PartitionTable table{};
    table.kind = PartitionTable::Kind::gpt;
    if (primary_bad != nullptr && backup_bad != nullptr) {
        return refuse(problem, Error::corrupt_data, primary_bad);
    }
    if (primary_bad == nullptr && backup_bad == nullptr &&
        (primary.first_usable != backup.first_usable || primary.last_usable != backup.last_usable ||
         primary.entries_crc != backup.entries_crc || backup.alternate_lba != 1)) {
        return refuse(problem, Error::corrupt_data, "the primary and backup GPT headers disagree");
    }
    if (primary_bad != nullptr) {
        table.note = "the primary GPT header is damaged: the backup is used";
    } else if (backup_bad != nullptr) {
        table.note = "the backup GPT header is damaged: the primary is used";
    }
    const GptHeader& h = primary_bad == nullptr ? primary : backup;
    const std::uint32_t per_sector = static_cast<std::uint32_t>(sector_bytes) / h.entry_size;
    Sector s{};
    for (std::uint32_t e = 0; e < h.entry_count; ++e) {
        if (e % per_sector == 0 &&
            !read(h.entries_lba + e / per_sector, std::span<std::uint8_t, sector_bytes>{s})) {
            return refuse(problem, Error::corrupt_data, "the disk could not be read");
        }
        const std::uint8_t* entry = &s[std::size_t{e % per_sector} * h.entry_size];
        Partition p{};
        std::memcpy(p.gpt_type.data(), entry, 16);
        if (p.gpt_type == std::array<std::uint8_t, 16>{}) {
            continue; // an unused entry
        }
        const std::uint64_t first = le64(entry + 32);
        const std::uint64_t last = le64(entry + 40); // inclusive
        if (first > last || first < h.first_usable || last > h.last_usable) {
            return refuse(problem, Error::corrupt_data,
                          "a GPT partition outside the disk's usable range");
        }
        p.first_lba = first;
        p.sectors = last - first + 1;
        if (overlaps(table, p)) {
            return refuse(problem, Error::corrupt_data, "two GPT partitions overlap");
        }
        if (table.count == PartitionTable::max_partitions) {
            return refuse(problem, Error::no_space, "more partitions than KaaL serves (16)");
        }
        table.partitions[table.count++] = p;
    }
    return table;
}

} // namespace detail

template <typename Read>
Result<PartitionTable> read_partition_table(std::uint64_t disk_sectors, Read&& read,
                                            PartitionProblem& problem) {
    using detail::refuse;
    if (disk_sectors < 2) {
        return refuse(problem, Error::not_found, "the disk is too small for a partition table");
    }
    Sector mbr{};
    if (!read(0, std::span<std::uint8_t, sector_bytes>{mbr})) {
        return refuse(problem, Error::corrupt_data, "the disk could not be read");
    }
    if (mbr[510] != 0x55 || mbr[511] != 0xaa) {
        return refuse(problem, Error::not_found, "no partition table: sector 0 has no signature");
    }
    PartitionTable table{};
    for (std::size_t i = 0; i < 4; ++i) {
        const std::uint8_t* entry = &mbr[446 + 16 * i];
        const std::uint8_t type = entry[4];
        if (type == 0xee) {
            return detail::read_gpt(read, disk_sectors, problem);
        }
    }
    for (std::size_t i = 0; i < 4; ++i) {
        const std::uint8_t* entry = &mbr[446 + 16 * i];
        const std::uint8_t type = entry[4];
        if (type == 0) {
            continue;
        }
        if (type == 0x05 || type == 0x0f || type == 0x85) {
            return refuse(problem, Error::unsupported, "extended MBR partitions are not supported");
        }
        if ((entry[0] & 0x7f) != 0) {
            return refuse(problem, Error::corrupt_data, "an MBR entry with a bad status byte");
        }
        Partition p{};
        p.mbr_type = type;
        p.first_lba = detail::le32(entry + 8);
        p.sectors = detail::le32(entry + 12);
        if (p.first_lba == 0 || p.sectors == 0 || p.first_lba + p.sectors > disk_sectors) {
            return refuse(problem, Error::corrupt_data, "an MBR partition outside the disk");
        }
        if (detail::overlaps(table, p)) {
            return refuse(problem, Error::corrupt_data, "two MBR partitions overlap");
        }
        table.partitions[table.count++] = p;
    }
    return table;
}

} // namespace kaal::services::block
