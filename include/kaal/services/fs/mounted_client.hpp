// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <kaal/core/result.hpp>
#include <kaal/platform/channel.hpp>
#include <kaal/platform/wait.hpp>
#include <kaal/services/fs/fs_client.hpp>
#include <kaal/services/fs/fs_wiring.hpp>

// A component's end of the filesystem services its configuration names (config::VfsMounts, from
// the composer's FileSystem building block): an FsClient per mount that waits on, and notifies,
// the mount's channel, and the code that attaches each and mounts it in a VFS.
//
//   std::array<std::optional<MountedClient>, N> clients;
//   const MountWiring* failed = nullptr;
//   if (auto s = mount_all(config::VfsMounts::mounts, clients, vfs, failed); !s) { ... }
namespace kaal::services::fs {

struct WaitForChannel {
    Channel channel;
    Status operator()() const { return wait_for(channel); }
};

struct NotifyChannel {
    Channel channel;
    void operator()() const { static_cast<void>(notify(channel)); }
};

using MountedClient = FsClient<WaitForChannel, NotifyChannel>;

// The client of one mount, on the queue and data region the composer mapped for it.
// Errors: the queue's (FsQueue::attach).
inline Result<MountedClient> attach_mount(const MountWiring& m) {
    // NOLINTBEGIN(performance-no-int-to-ptr): the composer mapped them there
    KAAL_TRY(const FsQueue queue, FsQueue::attach(reinterpret_cast<void*>(*m.queue)));
    const std::span data{reinterpret_cast<std::uint8_t*>(*m.data), m.data_size};
    // NOLINTEND(performance-no-int-to-ptr)
    return MountedClient{queue, data, WaitForChannel{m.channel}, NotifyChannel{m.channel}};
}

// Attaches a client to every mount and mounts it in `vfs` at its mount point, in order. Errors:
// the first that fails, attaching (the queue's) or mounting (Vfs::mount's); `failed` names it.
template <typename Vfs, std::size_t N>
Status mount_all(const std::array<MountWiring, N>& mounts,
                 std::array<std::optional<MountedClient>, N>& clients, Vfs& vfs,
                 const MountWiring*& failed) {
    for (std::size_t i = 0; i < N; ++i) {
        failed = &mounts[i];
        KAAL_TRY(MountedClient client, attach_mount(mounts[i]));
        clients[i].emplace(client);
        KAAL_CHECK(vfs.mount(mounts[i].mount_point, *clients[i]));
    }
    failed = nullptr;
    return {};
}

} // namespace kaal::services::fs
