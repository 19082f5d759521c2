// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <concepts>
#include <new>
#include <optional>

#include <kaal/platform/channel.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/held_notifications.hpp>

// A KaaL component is a class. It must have `void init()`, and may have:
//   void notified(kaal::Channel)                                  a notification or IRQ arrived
//   kaal::MessageInfo protected_call(kaal::Channel, kaal::MessageInfo)   a PPC arrived
//   std::optional<kaal::MessageInfo> fault(kaal::Child, kaal::MessageInfo) a child faulted
// `KAAL_COMPONENT(Class)` binds it to the platform's entry points. The binding is resolved at
// compile time: every hook is a direct call that the compiler can inline into libmicrokit's
// event loop callbacks, with no table of function pointers in between.
namespace kaal {

template <typename C>
concept Component = requires(C& c) {
    { c.init() } -> std::same_as<void>;
};
template <typename C>
concept HandlesNotifications = requires(C& c, Channel ch) {
    c.notified(ch);
};
template <typename C>
concept HandlesProtectedCalls = requires(C& c, Channel ch, MessageInfo msg) {
    { c.protected_call(ch, msg) } -> std::same_as<MessageInfo>;
};
template <typename C>
concept HandlesFaults = requires(C& c, Child child, MessageInfo msg) {
    { c.fault(child, msg) } -> std::same_as<std::optional<MessageInfo>>;
};

// What the platform does with each event; hooks a component leaves out get a defined,
// reported behaviour instead of a crash.
template <Component C>
struct Dispatch {
    static void init(C& c) { c.init(); }

    static void notified(C& c, Channel ch) {
        if constexpr (HandlesNotifications<C>) {
            c.notified(ch);
        } else {
            debug::print("kaal: notification on channel ", ch.id(),
                         " for a component without a notified() hook; ignored\n");
        }
    }

    static MessageInfo protected_call(C& c, Channel ch, MessageInfo msg) {
        if constexpr (HandlesProtectedCalls<C>) {
            return c.protected_call(ch, msg);
        } else {
            debug::print("kaal: protected call on channel ", ch.id(),
                         " for a component without a protected_call() hook; rejected\n");
            return error_reply(Error::unsupported);
        }
    }

    // No reply leaves the faulting child blocked, which is what an unprepared parent should do:
    // resuming it would only repeat the fault.
    static std::optional<MessageInfo> fault(C& c, Child child, MessageInfo msg) {
        if constexpr (HandlesFaults<C>) {
            return c.fault(child, msg);
        } else {
            debug::print("kaal: child ", child.id(), " faulted (label ", msg.label(),
                         ") and this component has no fault() hook; child left stopped\n");
            return std::nullopt;
        }
    }
};

namespace detail {
// What each backend's entry points do around the hooks, so that a handler may wait for a
// channel (kaal/platform/wait.hpp): the wait answers protected calls and faults with the
// component's hooks, refuses to run inside a protected call, and leaves the notifications it
// held to be delivered here once the waiting handler has returned.
template <Component C>
struct Entry {
    static void init(C& c) {
        held_notifications.serve = {
            &c,
            [](void* component, Channel ch, MessageInfo msg) {
                return protected_call(*static_cast<C*>(component), ch, msg);
            },
            [](void* component, Child child, MessageInfo msg) {
                return Dispatch<C>::fault(*static_cast<C*>(component), child, msg);
            },
        };
        Dispatch<C>::init(c);
        deliver_held(c);
    }
    static void notified(C& c, Channel ch) {
        Dispatch<C>::notified(c, ch);
        deliver_held(c);
    }
    static MessageInfo protected_call(C& c, Channel ch, MessageInfo msg) {
        held_notifications.in_protected_call = true;
        const MessageInfo reply = Dispatch<C>::protected_call(c, ch, msg);
        held_notifications.in_protected_call = false;
        return reply;
    }
    static std::optional<MessageInfo> fault(C& c, Child child, MessageInfo msg) {
        auto action = Dispatch<C>::fault(c, child, msg);
        deliver_held(c);
        return action;
    }

private:
    static void deliver_held(C& c) {
        held_notifications.deliver([&c](Channel ch) { Dispatch<C>::notified(c, ch); });
    }
};

// Holds the one component object of a protection domain. It is constructed when the platform
// calls init (after libmicrokit has run the global constructors) and never destroyed: a PD does
// not exit, and the Microkit linker script has no .fini_array to run destructors from.
template <typename C>
class ComponentSlot {
public:
    C& construct() { return *::new (static_cast<void*>(storage_)) C(); }
    // Through void*: the storage is aligned for C, which a byte-pointer cast cannot show
    // -Wcast-align under -mstrict-align.
    C& get() { return *std::launder(static_cast<C*>(static_cast<void*>(storage_))); }

private:
    alignas(C) unsigned char storage_[sizeof(C)]{};
};
} // namespace detail

} // namespace kaal

#if defined(KAAL_PLATFORM_MICROKIT)
#include <kaal/platform/microkit/entry.hpp>
#define KAAL_COMPONENT(Class) KAAL_MICROKIT_ENTRY(Class)
#elif defined(KAAL_PLATFORM_MOCK)
#include <kaal/platform/mock/entry.hpp>
#define KAAL_COMPONENT(Class) KAAL_MOCK_ENTRY(Class)
#else
#include <kaal/platform/runtime/entry.hpp>
#define KAAL_COMPONENT(Class) KAAL_RUNTIME_ENTRY(Class)
#endif
