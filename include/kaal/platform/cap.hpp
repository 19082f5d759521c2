// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/platform/message.hpp>
#include <kaal/platform/object_type.hpp>

// Typed capability pointers. A CPtr is an address in a CSpace (seL4 manual, "Capability
// Spaces"); the kernel checks the type of the cap it finds there only when it is invoked. Giving
// each CPtr the type of the object it names moves that check to compile time: a frame cannot be
// passed where an endpoint is expected.
namespace kaal {

using CPtr = Word;

namespace cap {
// One tag per kind of capability KaaL holds. `object` names the type a retype creates, for the
// kinds that come from untyped memory.
struct Untyped {
    static constexpr ObjectType object = ObjectType::untyped;
};
struct Tcb {
    static constexpr ObjectType object = ObjectType::tcb;
};
struct Endpoint {
    static constexpr ObjectType object = ObjectType::endpoint;
};
struct Notification {
    static constexpr ObjectType object = ObjectType::notification;
};
struct CNode {
    static constexpr ObjectType object = ObjectType::cnode;
};
struct SmallFrame {
    static constexpr ObjectType object = ObjectType::small_frame;
};
struct LargeFrame {
    static constexpr ObjectType object = ObjectType::large_frame;
};
struct PageTable {
    static constexpr ObjectType object = ObjectType::page_table;
};
struct PageDirectory {
    static constexpr ObjectType object = ObjectType::page_directory;
};
struct Pdpt {
    static constexpr ObjectType object = ObjectType::pdpt;
};
// The root task's own VSpace comes from the kernel; the ones it builds for components are
// retyped like any other object.
struct VSpace {
    static constexpr ObjectType object = ObjectType::vspace;
};
// Kinds that are not retyped: the kernel hands them to the root task at boot or derives them.
struct IrqControl {};
struct IrqHandler {};
struct IoPortControl {}; // x86 only
struct IoPort {};        // x86 only
struct AsidControl {};
} // namespace cap

template <typename Kind>
class Cap {
public:
    constexpr Cap() = default;
    constexpr explicit Cap(CPtr cptr) : cptr_(cptr) {}

    [[nodiscard]] constexpr CPtr cptr() const { return cptr_; }
    // CPtr 0 always names the null slot of a root task's CSpace (seL4 manual, "BootInfo":
    // seL4_CapNull), so it doubles as "no capability".
    [[nodiscard]] constexpr bool is_null() const { return cptr_ == 0; }

    friend constexpr bool operator==(Cap, Cap) = default;

private:
    CPtr cptr_ = 0;
};

template <typename Kind>
concept Retypeable = requires {
    Kind::object;
};

// Access rights carried by a capability (seL4 manual, "Capability Rights"). The bit layout is
// libsel4's seL4_CapRights_t, so the mock and the kernel agree on it.
class CapRights {
public:
    static constexpr std::uint8_t write_bit = 1U << 0;
    static constexpr std::uint8_t read_bit = 1U << 1;
    static constexpr std::uint8_t grant_bit = 1U << 2;
    static constexpr std::uint8_t grant_reply_bit = 1U << 3;

    constexpr CapRights() = default;
    constexpr explicit CapRights(std::uint8_t bits) : bits_(bits & 0xfU) {}

    static constexpr CapRights all() {
        return CapRights{write_bit | read_bit | grant_bit | grant_reply_bit};
    }
    static constexpr CapRights read_write() { return CapRights{write_bit | read_bit}; }
    static constexpr CapRights read_only() { return CapRights{read_bit}; }
    static constexpr CapRights none() { return CapRights{0}; }

    [[nodiscard]] constexpr bool can_read() const { return (bits_ & read_bit) != 0; }
    [[nodiscard]] constexpr bool can_write() const { return (bits_ & write_bit) != 0; }
    [[nodiscard]] constexpr bool can_grant() const { return (bits_ & grant_bit) != 0; }
    [[nodiscard]] constexpr bool can_grant_reply() const { return (bits_ & grant_reply_bit) != 0; }
    [[nodiscard]] constexpr std::uint8_t bits() const { return bits_; }

    // Derived caps never gain rights: copy and mint intersect (seL4 manual, "CNode Methods").
    [[nodiscard]] constexpr CapRights masked_by(CapRights mask) const {
        return CapRights{static_cast<std::uint8_t>(bits_ & mask.bits_)};
    }

    friend constexpr bool operator==(CapRights, CapRights) = default;

private:
    std::uint8_t bits_ = 0;
};

// The address of one slot, as CNode invocations take it: a CNode to start from, an index and the
// number of bits of the index to resolve (seL4 manual, "CSpace Addressing").
struct SlotPath {
    Cap<cap::CNode> root;
    CPtr index = 0;
    std::uint8_t depth = 0;
};

} // namespace kaal
