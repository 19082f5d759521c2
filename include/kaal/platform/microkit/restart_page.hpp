// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>

// The page a restartable PD keeps its initial data in (Microkit mode). kaal::composer::Supervisor
// maps it, zero-filled, at restart_page_vaddr in each PD whose restart policy allows restarts,
// and defines kaal_restart_page_bytes in the PD's configuration. The PD's entry point,
// kaal_start (platform/microkit/start.cpp), copies the PD's initialised data here on its first
// start and back on every restart, so a restarted PD runs init() on the state its image began
// with. Only the PD maps it: a bug elsewhere cannot spoil what it restarts from.
namespace kaal::microkit {

// Below the PD images (kaal::composer::System::first_image_base, 1 GiB), above every mapping the
// composer allocates: 1 MiB for the page.
inline constexpr std::uintptr_t restart_page_vaddr = 0x3ff0'0000;
inline constexpr std::size_t restart_page_max = std::size_t{1} << 20;

// kaal_start's argument (x0, AAPCS64), which the supervisor sets each time it starts a child
// again: 0 to restart it, as the Microkit tool starts every PD (its TCB_WriteRegisters leaves x0
// at 0); stopped_start to stop it for good. A stopped PD runs none of its own code again: it
// answers every protected call made to it with Error::peer_stopped, so that no caller waits for
// a server that will never answer (platform/microkit/start.cpp). Not 1: an argument the
// supervisor forgot to write would hold whatever the PD faulted with.
inline constexpr std::uint64_t stopped_start = 0x6b61'616c'7374'6f70; // "kaalstop"

struct RestartPage {
    static constexpr std::uint64_t ready = 0x6b61'616c'7374'7274; // "kaalstrt"
    static constexpr std::uint64_t too_small = 0x6b61'616c'6675'6c6c;
    std::uint64_t state;          // 0 before the first start, then ready, or too_small
    std::uint64_t starts;         // 1 on the first start, 2 on the first restart, ...
    std::uint64_t data_bytes;     // of the copy of .data that follows
    std::uint64_t bss_bytes_kept; // .bss's bytes that are not zero, listed after the copy
};

} // namespace kaal::microkit

extern "C" {
// Defined by the PD's configuration when it has a restart page (kaal_config.cpp); weak here,
// so a PD without one links, and sees its address as null.
[[gnu::weak]] extern const std::size_t kaal_restart_page_bytes;
}

namespace kaal::microkit {

// This PD's restart page, or nullptr if it has none.
inline const RestartPage* restart_page() {
    if (&kaal_restart_page_bytes == nullptr) {
        return nullptr;
    }
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer maps it there
    return reinterpret_cast<const RestartPage*>(restart_page_vaddr);
}

} // namespace kaal::microkit
