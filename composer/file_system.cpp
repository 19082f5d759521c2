// SPDX-License-Identifier: BSD-2-Clause
// The filesystem service building block (file_system.hpp).
#include <map>

#include <kaal/composer/file_system.hpp>

namespace kaal::composer {

namespace {

constexpr Word queue_bytes = 0x1000; // kaal::services::fs::fs_queue_bytes

// A client may mount several services: its table of mounts is written once, from all of them,
// after the description returns. One table per System (the composer composes one per process,
// but a test may build several).
struct Mount {
    std::string mount_point;
    std::string service;
    std::string ident; // the service's, as a C identifier: the client's names for it
};
struct Mounts {
    std::map<Pd*, std::vector<Mount>> of;
};

std::shared_ptr<Mounts> mounts_of(System& s) {
    static std::map<System*, std::shared_ptr<Mounts>> all;
    auto& m = all[&s];
    if (!m) {
        m = std::make_shared<Mounts>();
        s.on_compose([m](System&) {
            for (auto& [client, mounts] : m->of) {
                std::string code = "struct VfsMounts {\n    static constexpr std::array mounts{\n";
                for (const Mount& mt : mounts) {
                    code += "        kaal::services::fs::MountWiring{\"" + mt.mount_point +
                            "\", \"" + mt.service + "\", &kaal_cfg_fs_" + mt.ident +
                            "_queue, &kaal_cfg_fs_" + mt.ident + "_data, fs_" + mt.ident +
                            "_data_size, fs_" + mt.ident + "},\n";
                }
                code += "    };\n};\n";
                client->section({{"array", "kaal/services/fs/fs_wiring.hpp"}, std::move(code)});
            }
        });
    }
    return m;
}

} // namespace

FileSystem::FileSystem(System& s, BlockStorage& disk, std::string name, std::size_t partition,
                       FileSystemOptions options, std::source_location at)
    : system_(s), state_(std::make_shared<State>()) {
    // The volume's sector cache, a path and a directory entry live on the stack of a command.
    Pd& service = s.pd(std::move(name), "fat_fs_service", at).priority(options.priority, at);
    service.stack_size(0x8000, at);
    state_->service = &service;
    state_->disk = &disk;
    disk.add_client(service, partition, options.block_data_bytes, at);
    if (options.clock != nullptr) {
        options.clock->add_client(service, at);
        state_->clock = true;
    }
    if (options.console != nullptr) {
        options.console->add_client(service, {.input = false}, at);
        state_->console = true;
    }
    static_cast<void>(mounts_of(s));
    s.on_compose([state = state_](System&) { write_table(*state); });
}

FileSystem& FileSystem::add_client(Pd& client, std::string mount_point, Word data_bytes,
                                   std::source_location at) {
    System& s = system_;
    Pd& service = *state_->service;
    const std::string ident = identifier(client.name());
    const std::string service_ident = identifier(service.name());
    if (mount_point.empty() || mount_point[0] != '/' ||
        (mount_point.size() > 1 && mount_point.back() == '/')) {
        s.problem(Place::of(at), "a mount point is an absolute path without a trailing '/'",
                  "'" + mount_point + "'");
    }
    mounts_of(s)->of[&client].push_back({mount_point, service.name(), service_ident});
    Region& queue = s.region("fs_" + service_ident + "_" + ident + "_queue", queue_bytes, at);
    Region& data = s.dma_region("fs_" + service_ident + "_" + ident + "_data", data_bytes, at);
    state_->clients.push_back({ident, state_->disk->add_window(service, data, at)});
    client.map(queue, "fs_" + service_ident + "_queue", Perms::rw, at)
        .map(data, "fs_" + service_ident + "_data", Perms::rw, at);
    service.map(queue, "client_" + ident + "_queue", Perms::rw, at)
        .map(data, "client_" + ident + "_data", Perms::rw, at);
    s.channel(service, "client_" + ident, client, "fs_" + service_ident, at);
    return *this;
}

void FileSystem::write_table(const State& state) {
    std::string code = "struct FsClients {\n";
    // The time service's names exist only with a clock: the service reads them through this
    // struct, so a system without one compiles.
    code += state.clock
                ? "    static constexpr bool clock = true;\n"
                  "    static constexpr const kaal::Word* time_clock = &kaal_cfg_time_clock;\n"
                  "    static constexpr const kaal::Word* time_fired = &kaal_cfg_time_fired;\n"
                  "    static constexpr kaal::Channel time_channel = time;\n"
                : "    static constexpr bool clock = false;\n";
    code += state.console ? "    static constexpr bool console = true;\n"
                            "    static constexpr const kaal::Word* console_queue = "
                            "&kaal_cfg_serial_tx_queue;\n"
                            "    static constexpr kaal::Channel console_channel = serial_tx;\n"
                          : "    static constexpr bool console = false;\n";
    if (state.clients.empty()) {
        code += "    static constexpr std::array<kaal::services::fs::FsClientWiring, 0> "
                "clients{};\n};\n";
    } else {
        code += "    static constexpr std::array clients{\n";
        for (const Client& client : state.clients) {
            const std::string& c = client.ident;
            code += "        kaal::services::fs::FsClientWiring{&kaal_cfg_client_" + c +
                    "_queue, &kaal_cfg_client_" + c + "_data, client_" + c + "_data_size, client_" +
                    c + ", " + std::to_string(client.block_offset) + "},\n";
        }
        code += "    };\n};\n";
    }
    state.service->section({{"array", "kaal/services/fs/fs_wiring.hpp"}, std::move(code)});
}

} // namespace kaal::composer
