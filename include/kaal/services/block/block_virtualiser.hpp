// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <kaal/core/result.hpp>
#include <kaal/dddk/block_queue.hpp>
#include <kaal/dddk/block_request.hpp>
#include <kaal/services/block/partition_table.hpp>

// The block virtualiser's logic, without its PD: each client is given one partition of the disk
// and one data region of its own, and sees sector 0 as its partition's first. Every request is
// checked before the driver sees it: the op, the sector range against the partition, the byte
// range against the client's data region, writes against a read-only device. A request that
// fails a check is answered at once with an error status and the next is taken, so a client
// that sends garbage gets errors and nothing else happens. Requests that pass are translated
// (partition offset added, the data region's offset turned into a physical address) and
// submitted; the driver's completion goes back to the client that asked, with its own id.
//
// Fairness: a round takes one request from each client in turn, starting one client further on
// each round, so a client that keeps its ring full cannot starve the others of the driver's
// slots. A round stops when the driver is full; the requests stay in the clients' rings until
// a completion makes room.
//
// Who may call: the virtualiser's one thread, for every function.
namespace kaal::services::block {

// What the virtualiser needs of a driver: room for one more request of any kind, asked before
// a client's request is taken off its ring, so that none is taken that cannot be submitted.
template <typename D>
concept BlockDriver = requires(D& d, const dddk::BlockRequest& r) {
    { d.can_accept() } -> std::convertible_to<bool>;
    { d.submit(r) } -> std::same_as<Status>;
    { d.read_only() } -> std::convertible_to<bool>;
};

// More memory the device may reach for a client, beyond its data region: a filesystem service's
// own clients' data regions, so that file data moves between the disk and the region of the
// client that asked without a copy. A window takes `size` bytes of the client's offsets from
// `offset` on (past the data region, and past each other); the composer lays them out.
struct BlockWindow {
    Word offset;
    Word paddr;
    Word size;
};

struct BlockClientConfig {
    std::size_t partition; // index in the disk's partition table
    Word data_paddr;       // the client's data region, as the device sees it
    Word data_size;
    std::span<const BlockWindow> windows = {}; // in the order of their offsets
};

template <std::size_t MaxClients, std::size_t MaxInFlight = 32>
class BlockVirtualiser {
public:
    // `queues[i]` and `clients[i]` are client i's; a client whose partition the disk lacks is
    // kept, and every request it makes is answered with no_partition.
    static Result<BlockVirtualiser> create(std::span<const dddk::BlockQueue> queues,
                                           std::span<const BlockClientConfig> clients,
                                           const PartitionTable& table) {
        if (queues.size() != clients.size() || clients.size() > MaxClients) {
            return Error::invalid_argument;
        }
        for (const BlockClientConfig& c : clients) {
            if (!windows_are_laid_out(c)) {
                return Error::invalid_argument;
            }
        }
        BlockVirtualiser v;
        v.count_ = clients.size();
        for (std::size_t i = 0; i < clients.size(); ++i) {
            Client& c = v.clients_[i];
            c.queue.emplace(queues[i]);
            c.config = clients[i];
            if (clients[i].partition < table.count) {
                c.partition = table.partitions[clients[i].partition];
                c.has_partition = true;
            }
        }
        return v;
    }

    // Takes requests from every client, round-robin, `batch` at a time, until none is left or
    // the driver is full. `notify_client(i)` is called for each client whose response ring the
    // protocol says to signal. Returns the number submitted to the driver.
    template <BlockDriver Driver, typename NotifyClient>
    std::size_t serve(Driver& driver, NotifyClient&& notify_client) {
        std::size_t submitted = 0;
        for (;;) {
            bool progress = true;
            while (progress) {
                progress = false;
                for (std::size_t k = 0; k < count_; ++k) {
                    const Taken taken = take((first_ + k) % count_, driver, submitted);
                    if (taken == Taken::driver_full) {
                        first_ = (first_ + k) % count_; // it goes first when room returns
                        flush_notifications(notify_client);
                        return submitted; // a completion brings the virtualiser back
                    }
                    progress = progress || taken == Taken::handled;
                }
                first_ = count_ == 0 ? 0 : (first_ + 1) % count_;
            }
            // Before the virtualiser sleeps, each client's ring asks for what would wake it and
            // is re-checked (the lost wake-up): new requests, or room for responses.
            bool more = false;
            for (std::size_t i = 0; i < count_; ++i) {
                Client& c = clients_[i];
                // Blocked on room with responses owed: their completions bring it back. With
                // none owed its ring is full, and only the client's draining frees a slot.
                const bool woken = c.blocked_on_room
                                       ? c.owed == 0 && !c.queue->responses.producer_may_sleep()
                                       : !c.queue->requests.consumer_may_sleep();
                more = more || woken;
            }
            if (!more) {
                break;
            }
        }
        flush_notifications(notify_client);
        return submitted;
    }

    // A completion from the driver: back to the client it came from.
    template <typename NotifyClient>
    void completed(Word cookie, dddk::BlockStatus status, NotifyClient&& notify_client) {
        if (cookie >= MaxInFlight || !in_flight_[cookie].used) {
            ++bogus_completions_;
            return;
        }
        InFlight& f = in_flight_[cookie];
        f.used = false;
        --clients_[f.client].owed;
        respond(f.client, f.id,
                status == dddk::BlockStatus::ok ? dddk::BlockResponseMessage::ok
                                                : (status == dddk::BlockStatus::unsupported
                                                       ? dddk::BlockResponseMessage::unsupported
                                                       : dddk::BlockResponseMessage::io_error),
                f.count);
        flush_notifications(notify_client);
    }

    [[nodiscard]] std::size_t rejected(std::size_t client) const {
        return clients_[client].rejected;
    }
    [[nodiscard]] std::size_t bogus_completions() const { return bogus_completions_; }
    // Tells each client its partition's size (dddk::BlockQueueInfo); the caller then notifies
    // every client, which may be waiting for it.
    void publish_info(bool read_only) {
        for (std::size_t i = 0; i < count_; ++i) {
            Client& c = clients_[i];
            c.queue->info->publish(c.has_partition ? c.partition.sectors : 0, read_only);
        }
    }

    [[nodiscard]] bool has_partition(std::size_t client) const {
        return clients_[client].has_partition;
    }
    [[nodiscard]] const Partition& partition(std::size_t client) const {
        return clients_[client].partition;
    }

private:
    enum class Taken : std::uint8_t { nothing, handled, no_room, driver_full };

    struct Client {
        std::optional<dddk::BlockQueue> queue; // RingBuffer has no empty state
        BlockClientConfig config{};
        Partition partition{};
        bool has_partition = false;
        bool needs_signal = false;
        bool blocked_on_room = false;
        std::size_t owed = 0; // responses promised to requests in flight
        std::size_t rejected = 0;
    };
    struct InFlight {
        std::size_t client = 0;
        std::uint64_t id = 0;
        std::uint32_t count = 0;
        bool used = false;
    };

    BlockVirtualiser() = default;

    template <BlockDriver Driver>
    Taken take(std::size_t i, Driver& driver, std::size_t& submitted) {
        Client& c = clients_[i];
        // A free in-flight slot first: a request is popped only when it can be submitted.
        std::size_t slot = 0;
        while (slot < MaxInFlight && in_flight_[slot].used) {
            ++slot;
        }
        if (slot == MaxInFlight || !driver.can_accept()) {
            return Taken::driver_full;
        }
        // Room for this request's response besides those already owed, so that no response
        // ever waits or is lost: the client gets more served once it has drained its own.
        c.blocked_on_room = c.queue->responses.free_slots() <= c.owed;
        if (c.blocked_on_room) {
            return Taken::no_room;
        }
        auto popped = c.queue->requests.pop();
        if (!popped) {
            return Taken::nothing;
        }
        const dddk::BlockRequestMessage r = *popped;
        const std::uint32_t refusal = check(c, r, driver.read_only());
        if (refusal != dddk::BlockResponseMessage::ok) {
            ++c.rejected;
            respond(i, r.id, refusal, 0);
            return Taken::handled;
        }
        using Op = dddk::BlockRequest::Op;
        const Op op = r.op == dddk::BlockRequestMessage::read    ? Op::read
                      : r.op == dddk::BlockRequestMessage::write ? Op::write
                                                                 : Op::flush;
        const dddk::BlockRequest translated{
            op,
            op == Op::flush ? 0 : c.partition.first_lba + r.sector,
            op == Op::flush ? 0 : *reach(c.config, r.offset, std::uint64_t{r.count} * sector_bytes),
            static_cast<std::uint32_t>(std::uint64_t{r.count} * sector_bytes),
            slot,
        };
        if (const auto sent = driver.submit(translated); !sent) {
            // The driver refused what the checks passed and it had room for: a broken driver.
            respond(i, r.id, dddk::BlockResponseMessage::io_error, 0);
            return Taken::handled;
        }
        in_flight_[slot] = {i, r.id, r.count, true};
        ++c.owed;
        ++submitted;
        return Taken::handled;
    }

    // The checks, in the order a client would want them reported.
    static std::uint32_t check(const Client& c, const dddk::BlockRequestMessage& r,
                               bool read_only) {
        using M = dddk::BlockResponseMessage;
        if (!c.has_partition) {
            return M::no_partition;
        }
        if (r.op == dddk::BlockRequestMessage::flush) {
            return r.count == 0 ? M::ok : M::invalid;
        }
        if ((r.op != dddk::BlockRequestMessage::read && r.op != dddk::BlockRequestMessage::write) ||
            r.count == 0 || r.offset % sector_bytes != 0) {
            return M::invalid;
        }
        // Overflow-free: each side is compared against what is left, never summed first.
        if (r.sector >= c.partition.sectors || r.count > c.partition.sectors - r.sector) {
            return M::out_of_range;
        }
        const std::uint64_t bytes = std::uint64_t{r.count} * sector_bytes;
        if (!reach(c.config, r.offset, bytes)) {
            return M::out_of_range;
        }
        if (r.op == dddk::BlockRequestMessage::write && read_only) {
            return M::read_only;
        }
        return M::ok;
    }

    // Where the device finds `bytes` at `offset`, if they lie wholly in the data region or
    // wholly in one window: never across an edge, where the next byte's physical address is
    // another region's or none.
    static std::optional<Word> reach(const BlockClientConfig& c, std::uint64_t offset,
                                     std::uint64_t bytes) {
        if (offset < c.data_size) {
            return bytes <= c.data_size - offset ? std::optional<Word>{c.data_paddr + offset}
                                                 : std::nullopt;
        }
        for (const BlockWindow& w : c.windows) {
            if (offset >= w.offset && offset - w.offset < w.size) {
                return bytes <= w.size - (offset - w.offset)
                           ? std::optional<Word>{w.paddr + (offset - w.offset)}
                           : std::nullopt;
            }
        }
        return std::nullopt;
    }
    // Sector-aligned, past the data region and past each other, without wrapping.
    static bool windows_are_laid_out(const BlockClientConfig& c) {
        Word end = c.data_size;
        for (const BlockWindow& w : c.windows) {
            if (w.offset < end || w.offset % sector_bytes != 0 || w.size == 0 ||
                w.size > ~Word{0} - w.offset) {
                return false;
            }
            end = w.offset + w.size;
        }
        return true;
    }

    void respond(std::size_t i, std::uint64_t id, std::uint32_t status, std::uint32_t count) {
        Client& c = clients_[i];
        // Room was checked before the request was taken; a response never waits.
        static_cast<void>(c.queue->responses.push({id, status, count}));
        c.needs_signal = true;
    }

    template <typename NotifyClient>
    void flush_notifications(NotifyClient& notify_client) {
        for (std::size_t i = 0; i < count_; ++i) {
            if (clients_[i].needs_signal) {
                clients_[i].needs_signal = false;
                if (clients_[i].queue->responses.consumer_needs_signal()) {
                    notify_client(i);
                }
            }
        }
    }

    std::array<Client, MaxClients> clients_{};
    std::size_t count_ = 0;
    std::size_t first_ = 0; // the client a round starts with
    std::array<InFlight, MaxInFlight> in_flight_{};
    std::size_t bogus_completions_ = 0;
};

} // namespace kaal::services::block
