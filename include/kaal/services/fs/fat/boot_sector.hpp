// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>
#include <span>

#include <kaal/core/result.hpp>

// The geometry of a FAT volume, from its boot sector. References are to Microsoft's "FAT32 File
// System Specification" 1.03 (fatgen103), section 3 "Boot Sector and BPB", 3.5 "Determination of
// FAT type" and 5 "FAT32 FSInfo Sector Structure".
//
// The boot sector is untrusted input: every field that sizes or places something is checked
// against the others and against the device before the volume is believed, so a corrupt or
// hostile image gives a clear error and never an access outside the volume.
namespace kaal::services::fs::fat {

inline constexpr std::uint32_t sector_bytes = 512;
inline constexpr std::uint32_t entries_per_sector = sector_bytes / 32;

enum class FatType : std::uint8_t { fat12, fat16, fat32 };

constexpr const char* to_string(FatType t) {
    switch (t) {
    case FatType::fat12: return "FAT12";
    case FatType::fat16: return "FAT16";
    case FatType::fat32: return "FAT32";
    }
    return "FAT";
}

struct Geometry {
    FatType type = FatType::fat32;
    std::uint32_t total_sectors = 0;
    std::uint32_t sectors_per_cluster = 0;
    std::uint32_t cluster_bytes = 0;
    std::uint32_t reserved_sectors = 0;
    std::uint32_t fat_count = 0;
    std::uint32_t fat_sectors = 0; // of one FAT
    // FAT12/16 keep the root directory in a fixed region after the FATs; FAT32 in a cluster chain.
    std::uint32_t root_first_sector = 0;
    std::uint32_t root_sectors = 0;
    std::uint32_t root_cluster = 0;
    std::uint32_t first_data_sector = 0;
    // Data clusters are numbered 2 .. cluster_count + 1 (3.5: the first two FAT entries are
    // reserved).
    std::uint32_t cluster_count = 0;
    std::uint32_t fsinfo_sector = 0; // FAT32 only; 0 when the volume has none
    // BPB_ExtFlags (FAT32): bit 7 set means only FAT `active_fat` is in use, not mirrored.
    bool mirrored = true;
    std::uint32_t active_fat = 0;
    std::uint32_t volume_id = 0;

    [[nodiscard]] constexpr std::uint32_t max_cluster() const { return cluster_count + 1; }
    [[nodiscard]] constexpr std::uint32_t cluster_sector(std::uint32_t cluster) const {
        return first_data_sector + (cluster - 2) * sectors_per_cluster;
    }
};

namespace detail {

constexpr std::uint16_t le16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}
constexpr std::uint32_t le32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
constexpr void put16(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
}
constexpr void put32(std::uint8_t* p, std::uint32_t v) {
    put16(p, v);
    put16(p + 2, v >> 16);
}

} // namespace detail

// Reads the geometry of the volume whose first sector is `s`, on a device of `device_sectors`.
// On failure `why` says which check failed.
inline Result<Geometry> parse_boot_sector(std::span<const std::uint8_t, sector_bytes> s,
                                          std::uint64_t device_sectors, const char*& why) {
    using detail::le16;
    using detail::le32;
    auto refuse = [&why](Error e, const char* reason) -> Result<Geometry> {
        why = reason;
        return e;
    };
    // 3.1: a jump instruction (EB xx 90 or E9 xx xx) and the 0x55AA signature at 510.
    if (!(s[0] == 0xeb && s[2] == 0x90) && s[0] != 0xe9) {
        return refuse(Error::not_found, "no FAT boot sector: no jump instruction at byte 0");
    }
    if (s[510] != 0x55 || s[511] != 0xaa) {
        return refuse(Error::not_found, "no FAT boot sector: no 0x55AA signature");
    }
    Geometry g{};
    const std::uint32_t bytes_per_sector = le16(&s[11]);
    if (bytes_per_sector != sector_bytes) {
        return refuse(Error::unsupported, "a sector size other than 512 bytes");
    }
    g.sectors_per_cluster = s[13];
    if (g.sectors_per_cluster == 0 || (g.sectors_per_cluster & (g.sectors_per_cluster - 1)) != 0) {
        return refuse(Error::corrupt_data, "sectors per cluster is not a power of two");
    }
    g.cluster_bytes = g.sectors_per_cluster * sector_bytes;
    g.reserved_sectors = le16(&s[14]);
    g.fat_count = s[16];
    const std::uint32_t root_entries = le16(&s[17]);
    const std::uint32_t total16 = le16(&s[19]);
    const std::uint32_t fat16_sectors = le16(&s[22]);
    const std::uint32_t total32 = le32(&s[32]);
    if (g.reserved_sectors == 0 || g.fat_count == 0 || g.fat_count > 2) {
        return refuse(Error::corrupt_data, "no reserved sectors, or not one or two FATs");
    }
    g.total_sectors = total16 != 0 ? total16 : total32;
    if (g.total_sectors == 0 || g.total_sectors > device_sectors) {
        return refuse(Error::corrupt_data, "the volume is larger than its device");
    }
    g.fat_sectors = fat16_sectors != 0 ? fat16_sectors : le32(&s[36]);
    if (g.fat_sectors > g.total_sectors) {
        return refuse(Error::corrupt_data, "a FAT larger than the volume");
    }
    if (g.fat_sectors == 0) {
        return refuse(Error::corrupt_data, "a FAT of zero sectors");
    }
    g.root_sectors = (root_entries * 32 + sector_bytes - 1) / sector_bytes;
    const std::uint64_t meta = std::uint64_t{g.reserved_sectors} +
                               std::uint64_t{g.fat_count} * g.fat_sectors + g.root_sectors;
    if (meta >= g.total_sectors) {
        return refuse(Error::corrupt_data, "the FATs and root directory fill the volume");
    }
    g.root_first_sector = g.reserved_sectors + g.fat_count * g.fat_sectors;
    g.first_data_sector = static_cast<std::uint32_t>(meta);
    g.cluster_count = (g.total_sectors - g.first_data_sector) / g.sectors_per_cluster;
    // 3.5 derives the type from the cluster count alone. Linux and dosfstools instead call a
    // volume FAT32 when BPB_FATSz16 is zero (mkfs.fat -F 32 makes FAT32 volumes with fewer
    // clusters than 3.5 allows), and KaaL must read what they write, so it does the same; the
    // count still separates FAT12 from FAT16.
    if (fat16_sectors == 0) {
        g.type = FatType::fat32;
    } else if (g.cluster_count < 4085) {
        g.type = FatType::fat12;
    } else {
        g.type = FatType::fat16;
    }
    if (g.cluster_count == 0) {
        return refuse(Error::corrupt_data, "a volume with no data clusters");
    }
    // Cluster numbers from 0x(F)FF7 up mean "bad" and "end of chain" (4: "FAT Data Structure").
    const std::uint32_t numberable = g.type == FatType::fat12   ? 0xff5
                                     : g.type == FatType::fat16 ? 0xfff5
                                                                : 0x0ffffff5;
    if (g.cluster_count > numberable) {
        return refuse(Error::corrupt_data, "more clusters than the FAT type can number");
    }
    // The FAT must have an entry for every cluster (12, 16 or 32 bits each).
    const std::uint64_t fat_bits_needed =
        std::uint64_t{g.cluster_count + 2} * (g.type == FatType::fat12   ? 12
                                              : g.type == FatType::fat16 ? 16
                                                                         : 32);
    if (std::uint64_t{g.fat_sectors} * sector_bytes * 8 < fat_bits_needed) {
        return refuse(Error::corrupt_data, "a FAT too small for the volume's clusters");
    }
    if (g.type == FatType::fat32) {
        if (root_entries != 0 || le16(&s[42]) != 0) {
            return refuse(Error::corrupt_data, "a FAT32 boot sector with a fixed root directory");
        }
        const std::uint32_t ext_flags = le16(&s[40]);
        g.mirrored = (ext_flags & 0x80) == 0;
        g.active_fat = g.mirrored ? 0 : ext_flags & 0x0f;
        if (g.active_fat >= g.fat_count) {
            return refuse(Error::corrupt_data, "the active FAT does not exist");
        }
        g.root_cluster = le32(&s[44]);
        if (g.root_cluster < 2 || g.root_cluster > g.max_cluster()) {
            return refuse(Error::corrupt_data, "the root directory cluster is outside the volume");
        }
        const std::uint32_t fsinfo = le16(&s[48]);
        g.fsinfo_sector =
            fsinfo != 0 && fsinfo != 0xffff && fsinfo < g.reserved_sectors ? fsinfo : 0;
        g.volume_id = s[66] == 0x29 ? le32(&s[67]) : 0;
    } else {
        if (root_entries == 0) {
            return refuse(Error::corrupt_data, "a FAT12/16 volume without a root directory");
        }
        g.volume_id = s[38] == 0x29 ? le32(&s[39]) : 0;
    }
    return g;
}

} // namespace kaal::services::fs::fat
