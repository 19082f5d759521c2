// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include <kaal/core/result.hpp>
#include <kaal/ipc/ppc.hpp>
#include <kaal/platform/channel.hpp>
#include <kaal/services/entropy/entropy_client_wiring.hpp>
#include <kaal/services/entropy/entropy_protocol.hpp>

// The entropy source's side of the protocol (entropy_protocol.hpp), apart from where the bytes
// come from: the driver PD (drivers/rng/virtio) answers its clients' calls with it, from its own
// pool. Every request is checked before a byte moves, and a bad one is answered with an error,
// so one client's mistake costs the others nothing.
//
// The lost wake-up. A client that got a short answer is marked waiting before the answer
// leaves, and stays marked until wake() notifies it, which the PD calls once the pool has gained
// bytes (or the device failed, so that the client's next call learns it). The notification
// stays pending in the client's notification object until the client waits for it, so however
// late the client waits, it wakes; and it calls again rather than assume the bytes are there
// (another client may have been woken by the same refill and taken them first).
namespace kaal::services::entropy {

// Where the bytes come from: take() removes up to out.size() bytes from the pool into `out` and
// returns how many; failed() says that no more will come.
template <typename P>
concept EntropyPool = requires(P& pool, std::span<std::uint8_t> out) {
    { pool.take(out) } -> std::same_as<std::size_t>;
    { pool.failed() } -> std::same_as<bool>;
};

class EntropyServer {
public:
    constexpr explicit EntropyServer(std::span<const EntropyClientWiring> clients)
        : clients_(clients) {}

    template <EntropyPool Pool>
    Result<TakenBytes> take(Channel ch, const Take& request, Pool& pool) {
        const EntropyClientWiring* client = find(ch);
        if (client == nullptr) {
            return Error::invalid_channel;
        }
        if (request.bytes == 0) {
            return Error::invalid_argument;
        }
        if (request.bytes > client->data_size) {
            return Error::range_error;
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the client's page there
        auto* page = reinterpret_cast<std::uint8_t*>(*client->data);
        const std::size_t given = pool.take({page, request.bytes});
        if (given < request.bytes) {
            if (given == 0 && pool.failed()) {
                return Error::io_error;
            }
            waiting_ |= bit(ch);
        }
        return TakenBytes{given};
    }

    // From the PD's protected_call hook: decodes the call (malformed_message for anything but a
    // Take of the right length) and answers it.
    template <EntropyPool Pool, ipc::Registers Regs>
    MessageInfo serve(Channel ch, MessageInfo request, Pool& pool, const Regs& regs) {
        return EntropyProtocol::serve(
            request, [&](const Take& take_request) { return take(ch, take_request, pool); }, regs);
    }
    template <EntropyPool Pool>
    MessageInfo serve(Channel ch, MessageInfo request, Pool& pool) {
        return serve(ch, request, pool, ipc::PlatformRegisters{});
    }

    // After the pool gained bytes, or its device failed: `notify(Channel)` for every client
    // marked waiting, which is then no longer. Returns how many.
    template <typename Notify>
    std::size_t wake(Notify&& notify) {
        std::size_t woken = 0;
        for (const EntropyClientWiring& client : clients_) {
            if ((waiting_ & bit(client.channel)) != 0) {
                waiting_ &= ~bit(client.channel);
                notify(client.channel);
                ++woken;
            }
        }
        return woken;
    }

    [[nodiscard]] bool waiting(Channel ch) const { return (waiting_ & bit(ch)) != 0; }
    [[nodiscard]] bool anyone_waiting() const { return waiting_ != 0; }

private:
    static constexpr std::uint64_t bit(Channel ch) { return std::uint64_t{1} << ch.id(); }

    [[nodiscard]] const EntropyClientWiring* find(Channel ch) const {
        for (const EntropyClientWiring& client : clients_) {
            if (client.channel == ch) {
                return &client;
            }
        }
        return nullptr;
    }

    std::span<const EntropyClientWiring> clients_;
    std::uint64_t waiting_ = 0; // by channel id: Channel::max_id is 62
};

} // namespace kaal::services::entropy
