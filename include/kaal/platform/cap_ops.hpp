// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/core/result.hpp>
#include <kaal/platform/cap.hpp>
#include <kaal/platform/mode.hpp>

// Kernel object invocations KaaL's resource management needs: the seL4 methods on untyped
// memory, CNodes, frames, paging structures, IRQs and notifications (seL4 manual, "Kernel
// Objects"). Each backend defines the same functions in `kaal::kernel::raw` on bare CPtrs, with
// seL4's error codes as `kaal::Error`; the typed wrappers below are the interface callers use.
// The backend is chosen by the build's platform macro, so a call costs exactly what the backend
// costs: an inline libsel4 stub in runtime mode, a call into the mock kernel in mock mode.
// Microkit protection domains get their resources from the .system file and have no untyped or
// CNode caps to invoke, so there is no Microkit backend.
#if defined(KAAL_PLATFORM_RUNTIME)
#include <kaal/platform/cap_ops_sel4.hpp>
#elif defined(KAAL_PLATFORM_MOCK)
#include <kaal/platform/mock/cap_ops.hpp>
#else
#error "kaal/platform/cap_ops.hpp: Microkit PDs have no caps to manage (see broker/README.md)"
#endif

namespace kaal::kernel {

template <typename Kind>
concept FrameKind = Retypeable<Kind> && is_frame(Kind::object);
template <typename Kind>
concept PagingKind = Retypeable<Kind> && is_paging_structure(Kind::object);

// seL4_Untyped_Retype: `count` objects of `type` into slots [offset, offset + count) of the CNode
// that `node` names (depth 0: `node.root` itself).
inline Status untyped_retype(Cap<cap::Untyped> untyped, ObjectType type, unsigned user_bits,
                             SlotPath node, Word offset, Word count) {
    return raw::untyped_retype(untyped.cptr(), type, user_bits, node.root.cptr(), node.index,
                               node.depth, offset, count);
}

inline Status cnode_copy(SlotPath dest, SlotPath src, CapRights rights) {
    return raw::cnode_copy(dest.root.cptr(), dest.index, dest.depth, src.root.cptr(), src.index,
                           src.depth, rights);
}
inline Status cnode_mint(SlotPath dest, SlotPath src, CapRights rights, Word badge) {
    return raw::cnode_mint(dest.root.cptr(), dest.index, dest.depth, src.root.cptr(), src.index,
                           src.depth, rights, badge);
}
inline Status cnode_delete(SlotPath slot) {
    return raw::cnode_delete(slot.root.cptr(), slot.index, slot.depth);
}
inline Status cnode_revoke(SlotPath slot) {
    return raw::cnode_revoke(slot.root.cptr(), slot.index, slot.depth);
}

template <FrameKind Kind>
Status frame_map(Cap<Kind> frame, Cap<cap::VSpace> vspace, Word vaddr, CapRights rights,
                 bool cached) {
    return raw::frame_map(frame.cptr(), vspace.cptr(), vaddr, rights, cached);
}
template <FrameKind Kind>
Status frame_unmap(Cap<Kind> frame) {
    return raw::frame_unmap(frame.cptr());
}
template <FrameKind Kind>
Result<Word> frame_paddr(Cap<Kind> frame) {
    return raw::frame_paddr(frame.cptr());
}

template <PagingKind Kind>
Status paging_map(Cap<Kind> table, Cap<cap::VSpace> vspace, Word vaddr) {
    return raw::paging_map(Kind::object, table.cptr(), vspace.cptr(), vaddr);
}

inline Status irq_control_get(Cap<cap::IrqControl> control, Word irq, SlotPath dest) {
    return raw::irq_control_get(control.cptr(), irq, dest.root.cptr(), dest.index, dest.depth);
}
inline Status irq_handler_set_notification(Cap<cap::IrqHandler> handler,
                                           Cap<cap::Notification> notification) {
    return raw::irq_handler_set_notification(handler.cptr(), notification.cptr());
}
inline Status irq_handler_ack(Cap<cap::IrqHandler> handler) {
    return raw::irq_handler_ack(handler.cptr());
}
inline Status irq_handler_clear(Cap<cap::IrqHandler> handler) {
    return raw::irq_handler_clear(handler.cptr());
}

// x86 I/O port ranges, inclusive (seL4 manual, "IO Ports").
inline Status ioport_control_issue(Cap<cap::IoPortControl> control, Word first, Word last,
                                   SlotPath dest) {
    return raw::ioport_control_issue(control.cptr(), first, last, dest.root.cptr(), dest.index,
                                     dest.depth);
}

inline void signal(Cap<cap::Notification> notification) {
    raw::signal(notification.cptr());
}
// Blocks until the notification is signalled; returns the OR of the badges signalled since.
inline Word wait(Cap<cap::Notification> notification) {
    return raw::wait(notification.cptr());
}
inline Word poll(Cap<cap::Notification> notification) {
    return raw::poll(notification.cptr());
}

} // namespace kaal::kernel
