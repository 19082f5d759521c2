// SPDX-License-Identifier: BSD-2-Clause
// Sends and receives a given number of characters through the PL011 driver once, for
// count-instructions.sh to run under callgrind with collection switched on only inside the
// driver's entry points (Rig::tx_event, rx_space_event, irq_event).
// usage: pl011_instruction_workload tx|rx <characters>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "pl011_rig.hpp"

int main(int argc, char** argv) {
    if (argc != 3 || (std::strcmp(argv[1], "tx") != 0 && std::strcmp(argv[1], "rx") != 0)) {
        std::fprintf(stderr, "usage: %s tx|rx <characters>\n", argv[0]);
        return 2;
    }
    const auto count = std::strtoull(argv[2], nullptr, 10);
    pl011_bench::Rig rig;
    std::uint64_t moved = 0;
    if (std::strcmp(argv[1], "tx") == 0) {
        std::vector<char> text(count, 'k');
        moved = rig.transmit(text);
    } else {
        moved = rig.receive(count);
    }
    std::printf("%s: %llu characters\n", argv[1], static_cast<unsigned long long>(moved));
    return moved == count ? 0 : 1;
}
