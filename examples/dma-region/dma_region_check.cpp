// SPDX-License-Identifier: BSD-2-Clause
// dma_region_check: both ends of examples/dma-region. Each prints where its configuration says
// the DMA region lies, virtually and physically; the physical address must be page-aligned RAM
// and the same for both (the reader checks its own against the one the writer wrote into the
// region). The writer fills the region with a pattern of its physical addresses and notifies;
// the reader checks every word.
#include <cstdint>
#include <string_view>

#include <kaal/platform/channel.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "kaal_config.hpp"

namespace {

using kaal::Word;

constexpr std::size_t words = config::queues_size / sizeof(Word);

// The word at byte `offset` of the region holds the physical address of that byte, so a reader
// that maps the region elsewhere, or a device that reads it, finds the same values.
Word pattern(Word paddr, std::size_t index) {
    return paddr + index * sizeof(Word);
}

class DmaRegionCheck {
public:
    void init() {
        kaal::debug::print(config::pd_name, ": DMA region 'queues' at vaddr ",
                           kaal::debug::hex(config::queues), ", paddr ",
                           kaal::debug::hex(config::queues_paddr), ", ",
                           static_cast<unsigned long long>(config::queues_size), " bytes\n");
        if (config::queues_paddr == 0 || config::queues_paddr % 0x1000 != 0) {
            kaal::debug::print(config::pd_name, ": FAILED: no page-aligned physical address\n");
            return;
        }
        if (!writer()) {
            return;
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the region there
        auto* region = reinterpret_cast<volatile Word*>(config::queues);
        for (std::size_t i = 0; i < words; ++i) {
            region[i] = pattern(config::queues_paddr, i);
        }
        static_cast<void>(kaal::notify(config::peer));
    }

    void notified(kaal::Channel ch) {
        if (writer() || ch != config::peer) {
            return;
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the region there
        const auto* region = reinterpret_cast<const volatile Word*>(config::queues);
        const bool same_paddr = region[0] == config::queues_paddr;
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < words; ++i) {
            wrong += region[i] == pattern(config::queues_paddr, i) ? 0U : 1U;
        }
        kaal::debug::print(config::pd_name, ": ", static_cast<unsigned long long>(words),
                           " words as the writer wrote them, ",
                           static_cast<unsigned long long>(wrong), " wrong; ",
                           same_paddr ? "the same physical address in both PDs"
                                      : "FAILED: the PDs disagree on the physical address",
                           wrong == 0 ? "\n" : " FAILED\n");
    }

private:
    static bool writer() { return std::string_view{config::pd_name} == "dma-writer"; }
};

} // namespace

KAAL_COMPONENT(DmaRegionCheck);
