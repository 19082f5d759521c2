// SPDX-License-Identifier: BSD-2-Clause
// The FAT filesystem service as a protection domain: a client of the block virtualiser for one
// partition, serving its own clients (config::FsClients, from the composer's FileSystem building
// block) with kaal/services/fs/fs_server.hpp over kaal/services/fs/fat/volume.hpp.
//
// It mounts once the virtualiser has published the partition's size; until then its clients'
// commands wait in their queues. A volume it cannot mount (no FAT boot sector, a corrupt one)
// is reported on the serial console, and every command is answered with the reason, so a client
// learns it rather than waiting. Each command runs to completion; its disk requests wait with
// kaal::wait_for on the block channel, during which other clients' notifications are held and
// delivered after the handler returns, which serves them then.
#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/wait.hpp>
#include <kaal/services/fs/block_queue_device.hpp>
#include <kaal/services/fs/fat/volume.hpp>
#include <kaal/services/fs/fs_server.hpp>
#include <kaal/services/serial/console_writer.hpp>
#include <kaal/services/time/civil_time.hpp>
#include <kaal/services/time/time_client.hpp>

#include "kaal_config.hpp"

namespace {

// A number as decimal text, for messages.
class Number {
public:
    explicit Number(std::uint64_t v) {
        std::size_t n = digits_.size();
        do {
            digits_[--n] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        first_ = n;
    }
    [[nodiscard]] std::string_view view() const {
        return {digits_.data() + first_, digits_.size() - first_};
    }

private:
    std::array<char, 20> digits_{};
    std::size_t first_ = 0;
};

using kaal::Word;
using kaal::debug::print;
namespace fs = kaal::services::fs;
namespace fat = kaal::services::fs::fat;

constexpr auto& wiring = config::FsClients::clients;
constexpr std::size_t client_count = wiring.size();
static_assert(client_count > 0, "a filesystem service without clients");

struct WaitForDisk {
    kaal::Status operator()() const { return kaal::wait_for(config::blk); }
};
struct NotifyDisk {
    void operator()() const { static_cast<void>(kaal::notify(config::blk)); }
};
using Disk = fs::BlockQueueDevice<WaitForDisk, NotifyDisk>;
// 32 open files shared by all clients; 64 cached sectors (32 KiB) of FAT and directories.
using Volume = fat::Volume<Disk, 32, 64>;
using Server = fs::FsServer<Volume, client_count>;
static_assert(Server::batching, "file data is left in flight while the next command runs");

class FatFsService {
public:
    void init() {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the queue there
        auto queue = kaal::dddk::BlockQueue::attach(reinterpret_cast<void*>(config::blk_queue));
        if (!queue) {
            print(config::pd_name, ": FAILED: cannot attach the block queue\n");
            return;
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): and the DMA data region there
        const std::span bounce{reinterpret_cast<std::uint8_t*>(config::blk_data),
                               config::blk_data_size};
        disk_.emplace(*queue, bounce, WaitForDisk{}, NotifyDisk{});
        volume_.emplace(*disk_);
        server_.emplace(*volume_);
        for (const auto& c : wiring) {
            // NOLINTBEGIN(performance-no-int-to-ptr): the composer mapped each client's there
            auto q = fs::FsQueue::attach(reinterpret_cast<void*>(*c.queue));
            const std::span data{reinterpret_cast<std::uint8_t*>(*c.data), c.data_size};
            // NOLINTEND(performance-no-int-to-ptr)
            if (!q || !server_->add_client(*q, data)) {
                print(config::pd_name, ": FAILED: cannot attach a client's queue\n");
                return;
            }
            // The device reaches the client's region too: its file data needs no copy.
            if (auto w = disk_->add_window(data, c.block_offset); !w) {
                print(config::pd_name,
                      ": FAILED: a client's region as a block window: ", kaal::to_string(w.error()),
                      "\n");
                return;
            }
        }
        attach_console<config::FsClients>();
        attached_ = true;
        start();
    }

    void notified(kaal::Channel ch) {
        if (!attached_) {
            return;
        }
        if (!started_) {
            if (ch == config::blk) {
                start();
            }
            return;
        }
        serve();
    }

private:
    // Mounts, once the virtualiser has said how large the partition is.
    void start() {
        if (started_ || !disk_->ready()) {
            return;
        }
        started_ = true;
        if (auto s = disk_->start(); !s) {
            say("no partition to serve: ", kaal::to_string(s.error()));
            server_->set_unavailable(s.error());
            serve();
            return;
        }
        volume_->set_clock(&FatFsService::now, this);
        if (auto m = volume_->mount(); !m) {
            say("no usable FAT volume: ", kaal::to_string(m.error()), ": ", volume_->problem());
            server_->set_unavailable(m.error());
            serve();
            return;
        }
        const auto& g = volume_->geometry();
        Number clusters{g.cluster_count};
        Number bytes{g.cluster_bytes};
        Number clients{client_count};
        say(fat::to_string(g.type), " volume, ", clusters.view(), " clusters of ", bytes.view(),
            " bytes", disk_->read_only() ? ", read-only" : "", "; serving ", clients.view(),
            client_count == 1 ? " client" : " clients");
        serve();
    }

    void serve() {
        static_cast<void>(server_->serve(
            [](std::size_t i) { static_cast<void>(kaal::notify(wiring[i].channel)); }));
    }

    // One line: on the serial console when the system gave the service one (whole lines,
    // whatever else prints), else on the debug UART.
    template <typename... Parts>
    void say(const Parts&... parts) {
        std::array<char, 160> line{};
        std::size_t n = 0;
        const auto add = [&](std::string_view text) {
            for (const char c : text) {
                if (n + 1 < line.size()) {
                    line[n++] = c;
                }
            }
        };
        (add(std::string_view{parts}), ...);
        line[n++] = '\n';
        // The TX mux puts "[<pd>] " before the line; the debug UART needs the name here.
        if (console_ && console_->write(std::string_view{line.data(), n})) {
            static_cast<void>(console_->flush());
        } else {
            line[n < line.size() ? n : n - 1] = '\0';
            print(config::pd_name, ": ", line.data());
        }
    }

    template <typename Wiring>
    void attach_console() {
        if constexpr (Wiring::console) {
            auto c = kaal::services::serial::ConsoleWriter::attach(*Wiring::console_queue,
                                                                   Wiring::console_channel);
            if (c) {
                console_.emplace(*c);
            }
        }
    }

    // FAT keeps local civil time; KaaL's clocks are UTC, so the volume's times are UTC too.
    static fat::FatTimestamp now(void* self) {
        return static_cast<FatFsService*>(self)->clock_now<config::FsClients>();
    }

    // A template so the time service's names are looked up only in systems that have one.
    template <typename Wiring>
    fat::FatTimestamp clock_now() {
        if constexpr (Wiring::clock) {
            if (!time_) {
                // The time service publishes its clock once it has read the RTC; until then
                // the FAT epoch stands in.
                if (!kaal::services::time::TimeClient::attach(
                        time_, *Wiring::time_clock, *Wiring::time_fired, Wiring::time_channel)) {
                    return {};
                }
            }
            const auto t = kaal::services::time::civil_from_unix_ns(time_->realtime_ns());
            return fat::fat_timestamp(t.year, t.month, t.day, t.hour, t.minute, t.second);
        }
        return {};
    }

    std::optional<Disk> disk_;
    std::optional<Volume> volume_;
    std::optional<Server> server_;
    std::optional<kaal::services::time::TimeClient> time_;
    std::optional<kaal::services::serial::ConsoleWriter> console_;
    bool attached_ = false;
    bool started_ = false;
};

} // namespace

KAAL_COMPONENT(FatFsService);
