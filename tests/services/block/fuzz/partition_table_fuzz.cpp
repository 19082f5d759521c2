// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for the partition table parser: the input is a disk (padded to whole
// sectors). Whatever it holds, the parser returns an error or partitions that lie inside the
// disk and do not overlap; anything else aborts, which libFuzzer reports.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <kaal/services/block/partition_table.hpp>

using namespace kaal::services::block;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A GPT's backup is at the disk's end: small disks let the fuzzer reach both headers.
    constexpr std::size_t max_sectors = 128;
    std::vector<std::uint8_t> disk(data, data + std::min(size, max_sectors * sector_bytes));
    disk.resize((disk.size() + sector_bytes - 1) / sector_bytes * sector_bytes + sector_bytes);
    const std::uint64_t sectors = disk.size() / sector_bytes;
    PartitionProblem problem;
    const auto table = read_partition_table(
        sectors,
        [&disk](std::uint64_t lba, std::span<std::uint8_t, sector_bytes> out) {
            if (lba >= disk.size() / sector_bytes) {
                return kaal::Status{kaal::Error::range_error};
            }
            std::copy_n(disk.begin() + static_cast<std::ptrdiff_t>(lba * sector_bytes),
                        sector_bytes, out.begin());
            return kaal::Status{};
        },
        problem);
    if (!table) {
        if (problem.why == nullptr || problem.why[0] == '\0') {
            std::abort(); // every refusal says why
        }
        return 0;
    }
    for (std::size_t i = 0; i < table->count; ++i) {
        const Partition& p = table->partitions[i];
        if (p.sectors == 0 || p.first_lba >= sectors || p.sectors > sectors - p.first_lba) {
            std::abort();
        }
        for (std::size_t j = 0; j < i; ++j) {
            const Partition& q = table->partitions[j];
            if (p.first_lba < q.first_lba + q.sectors && q.first_lba < p.first_lba + p.sectors) {
                std::abort();
            }
        }
    }
    return 0;
}
