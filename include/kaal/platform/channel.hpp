// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <initializer_list>

#include <kaal/core/result.hpp>
#include <kaal/platform/message.hpp>
#include <kaal/platform/mode.hpp>

namespace kaal {

// A Microkit channel end as seen from inside one component: the `id` given in the `.system`
// file. Microkit allows ids 0..62 (Microkit manual, "channel"), and the same numbering is
// used by runtime and mock modes so components are written once.
class Channel {
public:
    static constexpr unsigned max_id = 62;

    constexpr explicit Channel(unsigned id) : id_(id) {}
    [[nodiscard]] constexpr unsigned id() const { return id_; }
    [[nodiscard]] constexpr bool valid() const { return id_ <= max_id; }

    friend constexpr bool operator==(Channel, Channel) = default;

private:
    unsigned id_;
};

// Some of a component's channels at once, for wait_for_any: a bit per channel id, as a Microkit
// badge carries notifications. A set that was given an invalid channel stays invalid, so the
// mistake reaches the wait as invalid_channel instead of vanishing from the mask.
class ChannelSet {
public:
    constexpr ChannelSet() = default;
    constexpr ChannelSet(std::initializer_list<Channel> channels) {
        for (const Channel ch : channels) {
            add(ch);
        }
    }
    constexpr ChannelSet& add(Channel ch) {
        if (ch.valid()) {
            bits_ |= Word{1} << ch.id();
        } else {
            valid_ = false;
        }
        return *this;
    }
    [[nodiscard]] constexpr Word bits() const { return bits_; }
    [[nodiscard]] constexpr bool valid() const { return valid_ && bits_ != 0; }

private:
    Word bits_ = 0;
    bool valid_ = true;
};

// A child protection domain, as named in a `fault` hook.
class Child {
public:
    constexpr explicit Child(unsigned id) : id_(id) {}
    [[nodiscard]] constexpr unsigned id() const { return id_; }

private:
    unsigned id_;
};

} // namespace kaal

// Channel operations: notify, irq_ack, ppcall and message-register access, one set per backend.
#if defined(KAAL_PLATFORM_MICROKIT)
#include <kaal/platform/microkit/channel_ops.hpp>
#elif defined(KAAL_PLATFORM_RUNTIME)
#include <kaal/platform/runtime/channel_ops.hpp>
#else
#include <kaal/platform/mock/channel_ops.hpp>
#endif
