// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>

#include <kaal/platform/message.hpp>

// The contract between the KaaL root task and the components it spawns in runtime mode: where
// each capability sits in a component's CSpace, what the badges on its input endpoint mean, and
// the start record the root task hands the component's first instruction. The slot numbers are
// Microkit's (see microkit/abi.hpp), so a component sees the same CSpace in both modes.
namespace kaal::runtime {

// A component's CNode has 2^cnode_radix slots and a guard covering the rest of the 64-bit CPtr,
// so a CPtr is a plain slot number (seL4 manual, "CSpace Addressing": guard + radix = word size).
inline constexpr unsigned cnode_radix = 8;

inline constexpr Word input_cap = 1;        // endpoint the component receives on
inline constexpr Word fault_cap = 2;        // the root task's fault endpoint, badged for this one
inline constexpr Word io_port_cap_base = 3; // + device grant index (x86 I/O port ranges)
inline constexpr unsigned max_device_grants = 4;
inline constexpr Word base_output_notification_cap = 10; // + channel id
inline constexpr Word base_endpoint_cap = 74;            // + channel id, for ppcall
inline constexpr Word base_irq_cap = 138;                // + channel id
inline constexpr unsigned channel_count = 63;            // ids 0..62, as Microkit

// The badge says what arrived on the input endpoint. A notification delivered through the bound
// notification carries the OR of the signallers' channel bits, which only use bits 0..62; a
// protected call arrives on an endpoint cap minted with the top bit set and the channel id below
// (seL4 manual, "Badged Endpoints"). So the top bit alone tells the two apart.
inline constexpr Word ppc_badge_bit = Word{1} << 63;
inline constexpr Word badge_channel_mask = 0x3f;

// Where the root task puts each component's IPC buffer and start record: one page each, right
// below the 2 MiB image base of the linker script (platform/runtime/x86_64.ld).
inline constexpr Word ipc_buffer_vaddr = 0x1f'e000;
inline constexpr Word start_info_vaddr = 0x1f'f000;

// kaal_runtime_start's second argument (rsi), which says how the root task started the
// component (platform/runtime/component_start.cpp): 0 the first time, as it leaves every register
// but rip and rdi; restarted_start after a fault its restart policy allows, on its image's
// initial data, having first answered the call it was serving with Error::peer_restarted;
// stopped_start to stop it for good, when it only answers every protected call made to it with
// Error::peer_stopped, so that no caller waits for good. stopped_start is Microkit mode's value
// too (microkit/restart_page.hpp).
inline constexpr Word restarted_start = 0x6b61'616c'6167'6e6e; // "kaalagnn"
inline constexpr Word stopped_start = 0x6b61'616c'7374'6f70;   // "kaalstop"

// A device the root task granted: its I/O ports are at io_port_cap_base + index, its IRQ handler
// at base_irq_cap + irq_channel, its registers mapped uncached at mmio_vaddr (the address of
// mmio_paddr; mmio_size 0: none).
struct DeviceGrantInfo {
    Word io_port_first;
    Word io_port_last; // first > last: no ports
    Word irq;
    Word irq_channel;
    Word mmio_paddr;
    Word mmio_vaddr;
    Word mmio_size;
};

// Written by the root task into a read-only page of the component; its address arrives in rdi.
struct StartInfo {
    static constexpr Word expected_magic = 0x4b61'614c'5374'6172; // "KaaLStar"
    static constexpr std::size_t name_length = 32;

    Word magic;
    Word ipc_buffer;
    // One bit per channel wired for each operation, as the Microkit tool patches into a PD.
    Word notifications;
    Word pps;
    Word irqs;
    Word device_count;
    DeviceGrantInfo devices[max_device_grants];
    char name[name_length];
    Word starts; // 1 on the first start, 2 on the first restart, ...
};

// Set by the component start code before any constructor runs.
// NOLINTNEXTLINE(bugprone-dynamic-static-initializers): a declaration; defined constant-initialized
extern const StartInfo* start_info;

} // namespace kaal::runtime
