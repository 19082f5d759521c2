// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include <kaal/composer/system.hpp>

// A virtio-rng device as one building block: the driver PD (drivers/rng/virtio), which alone
// maps the device, keeps the entropy pool and answers its clients' calls, and per client one
// line:
//
//   kaal::composer::EntropySource rng{s, {.transport = 15}};   // bus=virtio-mmio-bus.15
//   rng.add_client(app);
//
// A client's configuration then names `config::entropy` (its channel to the driver: it calls
// Take on it and is notified after a refill), `config::entropy_data` (its data page, which only
// it and the driver map; read-only at the client) and `config::entropy_data_size`: what
// kaal::services::entropy::EntropyClient::attach takes. QEMU virt only; the transport is the one
// QEMU gives the device's place among the virtio -devices of its command line (31 for the first,
// 30 for the second, and so on down), or the one its bus= names; keep it out of another
// device's 4 KiB page (drivers/rng/virtio/README.md).
namespace kaal::composer {

struct EntropySourceOptions {
    unsigned priority = 150; // above its clients, which call it
    unsigned transport = 31; // QEMU virt's virtio-mmio transport the device is on
};

class EntropySource {
public:
    explicit EntropySource(System& system, EntropySourceOptions options = {},
                           std::source_location at = std::source_location::current());

    // `data_bytes`: the client's data page, the most one call can return (4 KiB to 64 KiB).
    EntropySource& add_client(Pd& client, Word data_bytes = 0x1000,
                              std::source_location at = std::source_location::current());

    [[nodiscard]] Pd& driver() { return *state_->driver; }

private:
    struct Client {
        std::string ident;
    };
    struct State {
        Pd* driver = nullptr;
        std::vector<Client> clients;
    };
    static void write_table(const State& state);

    System& system_;
    std::shared_ptr<State> state_;
};

} // namespace kaal::composer
