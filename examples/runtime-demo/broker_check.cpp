// SPDX-License-Identifier: BSD-2-Clause
// The root task's before_build hook for this system: a check of the capability broker on the
// real kernel, in its own file so that system.cpp stays plain data that host tests compile.
#include <cstddef>
#include <cstdint>
#include <optional>

#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/dddk/bus.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/runtime/root_task.hpp>

// The broker's device request on the real kernel, timed with the TSC. Under QEMU's TCG the TSC
// follows the host's clock and the first run of any code pays for its translation, so each
// figure is an average over repetitions after a warm-up: a "first" request is one made after a
// release (real system calls: IRQControl_Get, Poll, mint, SetNotification, and a frame retype
// and map or IOPortControl_Issue), a cached one is served from the bundle cache. It also shows
// on the real kernel that a released IRQ, port range and register page can be had again.
namespace {

using kaal::debug::print;

struct Cycles {
    std::uint64_t mean_after_release = 0;
    // The broker's free RAM and slots after the warm-up cycle, which made what later cycles
    // reuse (the IRQ notification, the window's address): releases must give back all the
    // requests after it take.
    kaal::Word ram_after_first = 0;
    std::size_t slots_after_first = 0;
};

// A warm-up request and release, then `rounds` timed requests, each released again.
std::optional<Cycles> request_release_cycles(kaal::broker::CapabilityBroker& broker,
                                             kaal::DeviceId device, const char* name,
                                             unsigned rounds) {
    Cycles cycles;
    std::uint64_t total = 0;
    for (unsigned round = 0; round <= rounds; ++round) {
        const auto start = __builtin_ia32_rdtsc();
        const auto made = broker.request_device(device);
        const auto end = __builtin_ia32_rdtsc();
        if (!made) {
            print("kaal: broker check FAILED: request_device(", name, "): ", made.error(), "\n");
            return std::nullopt;
        }
        total += round == 0 ? 0 : end - start;
        if (const auto released = broker.release_device(device); !released) {
            print("kaal: broker check FAILED: release_device(", name, "): ", released.error(),
                  "\n");
            return std::nullopt;
        }
        if (round == 0) {
            cycles.ram_after_first = broker.untypeds().free_ram_bytes();
            cycles.slots_after_first = broker.slots().available();
        }
    }
    cycles.mean_after_release = total / rounds;
    return cycles;
}

// An MMIO bundle on the real kernel: the HPET's page comes from the device untyped the root task
// split at boot (BrokerConfig::prepare_devices), so a request is a frame retype and a map. Its
// General Capabilities and ID register shows the mapping reaches the device: the counter period
// in femtoseconds is non-zero and at most 100 ns, and the revision is non-zero (IA-PC HPET
// specification 1.0a, section 2.3.4). Read as two 32-bit halves, which every HPET accepts.
void check_hpet(kaal::broker::CapabilityBroker& broker) {
    constexpr auto hpet = kaal::boards::pc99_x86_64::hpet;
    constexpr unsigned rounds = 100;
    const auto cycles = request_release_cycles(broker, hpet, "hpet", rounds);
    if (!cycles) {
        return;
    }
    const auto cached = broker.request_device(hpet);
    if (!cached) {
        print("kaal: broker check FAILED: request_device(hpet): ", cached.error(), "\n");
        return;
    }
    const auto& bundle = **cached;
    constexpr kaal::Word capabilities_low = 0x0;
    constexpr kaal::Word capabilities_high = 0x4;
    const auto bus = kaal::dddk::MmioBus::create(bundle.mmio, capabilities_high + 4);
    if (!bus) {
        print("kaal: broker check FAILED: the HPET's registers: ", bus.error(), "\n");
        return;
    }
    const auto low = bus->read<std::uint32_t>(capabilities_low);
    const std::uint32_t revision = low & 0xffU;
    const std::uint32_t vendor = low >> 16;
    const auto period_fs = bus->read<std::uint32_t>(capabilities_high);
    constexpr std::uint32_t max_period_fs = 100'000'000;
    if (revision == 0 || period_fs == 0 || period_fs > max_period_fs) {
        print("kaal: broker check FAILED: the HPET's capabilities register reads ",
              kaal::debug::hex(period_fs), " ", kaal::debug::hex(low), "\n");
        return;
    }
    print("kaal: broker on seL4: request_device(hpet) ", cycles->mean_after_release,
          " TSC cycles after a release; its registers at ", kaal::debug::hex(bundle.mmio.vaddr),
          " read vendor ", kaal::debug::hex(vendor), ", revision ", revision, ", period ",
          period_fs, " fs\n");
    if (const auto released = broker.release_device(hpet); !released) {
        print("kaal: broker check FAILED: release_device(hpet): ", released.error(), "\n");
        return;
    }
    const auto ram = broker.untypeds().free_ram_bytes();
    const auto slots = broker.slots().available();
    if (ram != cycles->ram_after_first || slots != cycles->slots_after_first) {
        print("kaal: broker check FAILED: ", rounds, " HPET requests and releases drained ",
              cycles->ram_after_first - ram, " bytes of RAM and ",
              cycles->slots_after_first - slots, " slots\n");
        return;
    }
    print("kaal: broker on seL4: ", rounds, " more HPET requests and releases left ", ram / 1024,
          " KiB of RAM and ", slots, " slots free, as after the first\n");
}

} // namespace

void kaal::runtime::before_build(kaal::broker::CapabilityBroker& broker) {
    constexpr auto com1 = kaal::boards::pc99_x86_64::com1;
    constexpr unsigned rounds = 100;
    constexpr unsigned cached_rounds = 1000;
    const auto cycles = request_release_cycles(broker, com1, "com1", rounds);
    if (!cycles) {
        return;
    }
    if (!broker.request_device(com1)) {
        print("kaal: broker check FAILED: request_device(com1) after release\n");
        return;
    }
    const auto start = __builtin_ia32_rdtsc();
    for (unsigned round = 0; round < cached_rounds; ++round) {
        static_cast<void>(broker.request_device(com1));
    }
    const auto cached_cycles = __builtin_ia32_rdtsc() - start;
    print("kaal: broker on seL4: request_device(com1) ", cycles->mean_after_release,
          " TSC cycles after a release, ", cached_cycles / cached_rounds, " cached; ", rounds,
          " releases and new requests: ok\n");
    check_hpet(broker);
}
