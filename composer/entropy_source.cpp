// SPDX-License-Identifier: BSD-2-Clause
// The entropy source building block (entropy_source.hpp). The driver's table is
// kaal/services/entropy/entropy_client_wiring.hpp's.
#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/composer/entropy_source.hpp>

namespace kaal::composer {

namespace {

// The driver's virtqueue and pool (VirtioRngDriver::dma_bytes), rounded up to a page.
constexpr Word driver_dma_bytes = 0x1000;
constexpr Word page = 0x1000;
constexpr Word max_data_bytes = 0x1'0000;

} // namespace

EntropySource::EntropySource(System& s, EntropySourceOptions options, std::source_location at)
    : system_(s), state_(std::make_shared<State>()) {
    // The driver object is built in a Result and moved.
    Pd& driver = s.pd("rng-driver", "virtio_rng_driver", at).priority(options.priority, at);
    driver.stack_size(0x4000, at);
    state_->driver = &driver;
    if (s.board() != Board::qemu_virt_aarch64) {
        s.problem(Place::of(at), "an entropy source needs a virtio-mmio entropy device",
                  "EntropySource runs on QEMU virt (aarch64) only for now");
        return;
    }
    if (options.transport >= boards::qemu_virt_aarch64::virtio_mmio_count) {
        s.problem(Place::of(at), "QEMU virt has virtio-mmio transports 0 to 31",
                  "transport " + std::to_string(options.transport));
        return;
    }
    driver.device(boards::qemu_virt_aarch64::virtio_mmio(options.transport), "rng", at);
    driver.constant("rng_transport", "unsigned", std::to_string(options.transport), at);
    driver.map(s.dma_region("rng_driver_dma", driver_dma_bytes, at), "rng_dma", Perms::rw, at);
    s.on_compose([state = state_](System&) { write_table(*state); });
}

EntropySource& EntropySource::add_client(Pd& client, Word data_bytes, std::source_location at) {
    System& s = system_;
    if (data_bytes < page || data_bytes > max_data_bytes || data_bytes % page != 0) {
        s.problem(Place::of(at), "an entropy client's data page is whole pages, 4 KiB to 64 KiB",
                  "'" + client.name() + "': " + std::to_string(data_bytes) + " bytes");
        return *this;
    }
    const std::string ident = identifier(client.name());
    state_->clients.push_back({ident});
    Region& data = s.region("rng_" + ident + "_data", data_bytes, at);
    // Read-only at the client: only the driver writes the bytes it hands out.
    client.map(data, "entropy_data", Perms::r, at);
    state_->driver->map(data, "client_" + ident + "_data", Perms::rw, at);
    s.call(client, "entropy", *state_->driver, "client_" + ident, at);
    return *this;
}

void EntropySource::write_table(const State& state) {
    std::string code;
    if (state.clients.empty()) {
        code = "struct EntropyClients {\n    static constexpr std::array<kaal::services::entropy::"
               "EntropyClientWiring, 0> clients{};\n};\n";
    } else {
        code = "struct EntropyClients {\n    static constexpr std::array clients{\n";
        for (const Client& c : state.clients) {
            code += "        kaal::services::entropy::EntropyClientWiring{&kaal_cfg_client_" +
                    c.ident + "_data, client_" + c.ident + "_data_size, client_" + c.ident + "},\n";
        }
        code += "    };\n};\n";
    }
    state.driver->section(
        {{"array", "kaal/services/entropy/entropy_client_wiring.hpp"}, std::move(code)});
}

} // namespace kaal::composer
