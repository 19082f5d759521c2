// SPDX-License-Identifier: BSD-2-Clause
// block_partition_client: a client of the block virtualiser. In its own partition it writes
// sector 0 with its name, flushes, and reads the sector back; it reads sector 1, which the host
// filled; and it asks for a sector past its partition's end and for a buffer past its data
// region's, which must be refused. Each step waits for the previous one's response: virtio does
// not order requests in flight, and a flush covers the writes completed before it (virtio 1.2,
// 5.2.6.2).
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include <kaal/dddk/block_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/serial/console_writer.hpp>

#include "../system-composition/line.hpp"
#include "kaal_config.hpp"

namespace {

using kaal::dddk::BlockRequestMessage;
using kaal::dddk::BlockResponseMessage;

constexpr std::uint64_t sector = 512;

class PartitionClient {
public:
    void init() {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the queue there
        auto queue = kaal::dddk::BlockQueue::attach(reinterpret_cast<void*>(config::blk_queue));
        if (!queue) {
            kaal::debug::print(config::pd_name, ": FAILED: cannot attach the block queue\n");
            return;
        }
        queue_.emplace(*queue);
        auto console = kaal::services::serial::ConsoleWriter::attach(config::serial_tx_queue,
                                                                     config::serial_tx);
        if (!console) {
            kaal::debug::print(config::pd_name, ": FAILED: cannot attach the console\n");
            return;
        }
        console_.emplace(*console);
        std::memset(data(0), 0, 2 * sector);
        const std::string_view name{config::pd_name};
        std::memcpy(data(0), name.data(), name.size());
        data(0)[name.size()] = '\n';
        send({BlockRequestMessage::write, 1, 0, 0, 1});
        drain();
    }

    void notified(kaal::Channel ch) {
        if (queue_ && ch == config::blk) {
            drain();
        }
        if (console_) {
            static_cast<void>(console_->flush());
        }
    }

private:
    [[nodiscard]] static unsigned char* data(std::uint64_t offset) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the data region there
        return reinterpret_cast<unsigned char*>(config::blk_data + offset);
    }

    void send(const BlockRequestMessage& m) {
        if (!queue_->requests.push(m).ok()) {
            say("FAILED: the request ring is full\n");
            return;
        }
        if (queue_->requests.consumer_needs_signal()) {
            static_cast<void>(kaal::notify(config::blk));
        }
    }

    void drain() {
        for (;;) {
            while (auto r = queue_->responses.pop()) {
                step(*r);
            }
            if (queue_->responses.producer_needs_signal()) {
                static_cast<void>(kaal::notify(config::blk));
            }
            if (queue_->responses.consumer_may_sleep()) {
                return;
            }
        }
    }

    void step(const BlockResponseMessage& r) {
        const auto expect = [&](std::uint32_t status, const char* what) {
            if (r.status != status) {
                composition::Line line;
                say(line.add("FAILED: ").add(what).add(": status ").add(r.status).add("\n").view());
                return false;
            }
            return true;
        };
        switch (r.id) {
        case 1:
            if (expect(BlockResponseMessage::ok, "the write")) {
                send({BlockRequestMessage::flush, 0, 0, 0, 2});
            }
            break;
        case 2:
            if (expect(BlockResponseMessage::ok, "the flush")) {
                say("wrote and flushed sector 0 of its partition\n");
                send({BlockRequestMessage::read, 2, 0, sector * 2, 3});
            }
            break;
        case 3:
            if (expect(BlockResponseMessage::ok, "the read")) {
                const bool same = std::memcmp(data(0), data(sector * 2), sector) == 0;
                const auto* host = data(sector * 3);
                const std::string_view filled{reinterpret_cast<const char*>(host), 11};
                composition::Line line;
                line.add("read back sector 0 ").add(same ? "as written" : "FAILED");
                line.add(", and sector 1 ");
                line.add(filled == "host-filled" ? "as the host filled it" : "FAILED");
                say(line.add("\n").view());
                send({BlockRequestMessage::read, 1, std::uint64_t{1} << 40, 0, 4});
            }
            break;
        case 4:
            if (expect(BlockResponseMessage::out_of_range, "a read past the partition")) {
                send({BlockRequestMessage::read, 1, 0, config::blk_data_size, 5});
            }
            break;
        case 5:
            if (expect(BlockResponseMessage::out_of_range, "a read past the data region")) {
                say("a read past its partition and one past its data region were refused\n");
            }
            break;
        default: say("FAILED: a response to no request\n");
        }
    }

    void say(std::string_view text) {
        static_cast<void>(console_->write(text));
        static_cast<void>(console_->flush());
    }

    std::optional<kaal::dddk::BlockQueue> queue_;
    std::optional<kaal::services::serial::ConsoleWriter> console_;
};

} // namespace

KAAL_COMPONENT(PartitionClient);
