// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include <kaal/composer/block_storage.hpp>
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/system.hpp>
#include <kaal/composer/time_service.hpp>

// A FAT filesystem service as one building block: a PD (services/fs) that is a client of a
// BlockStorage for one partition and serves its own clients, each mounting it somewhere in its
// VFS:
//
//   kaal::composer::FileSystem root{s, disk, "fs-root", 0};   // partition 0
//   root.add_client(shell, "/");
//   kaal::composer::FileSystem data{s, disk, "fs-data", 1};
//   data.add_client(shell, "/data");
//
// A client's configuration then holds config::VfsMounts, the table of every FileSystem it was
// added to (what kaal/services/fs/vfs.hpp mounts); the service's holds config::FsClients. Each
// client has its own queue and data region to each service: no other client maps them.
namespace kaal::composer {

struct FileSystemOptions {
    unsigned priority = 140;           // below the block virtualiser it waits on, above its clients
    Word block_data_bytes = 0x10'0000; // its DMA region (at most 1 MiB): the most in flight
    TimeService* clock = nullptr;      // timestamps from the RTC; without, 1980-01-01
    SerialConsole* console = nullptr;  // its messages as whole lines; without, the debug UART
};

class FileSystem {
public:
    FileSystem(System& system, BlockStorage& disk, std::string name, std::size_t partition,
               FileSystemOptions options = {},
               std::source_location at = std::source_location::current());

    // `data_bytes`: the client's data region (DMA memory, at most 1 MiB), which bounds one read
    // or write. The disk reaches it too, through the block virtualiser, so whole sectors of a
    // file move between the disk and it without a copy.
    FileSystem& add_client(Pd& client, std::string mount_point, Word data_bytes = 0x1'0000,
                           std::source_location at = std::source_location::current());

    [[nodiscard]] Pd& service() { return *state_->service; }

private:
    struct Client {
        std::string ident;
        Word block_offset; // BlockStorage::add_window's
    };
    struct State {
        Pd* service = nullptr;
        BlockStorage* disk = nullptr;
        std::vector<Client> clients; // in the order they were added
        bool clock = false;
        bool console = false;
    };
    static void write_table(const State& state);

    System& system_;
    std::shared_ptr<State> state_;
};

} // namespace kaal::composer
