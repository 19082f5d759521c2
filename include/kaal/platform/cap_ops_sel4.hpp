// SPDX-License-Identifier: BSD-2-Clause
#pragma once

// The runtime backend of kaal/platform/cap_ops.hpp: each function is one libsel4 invocation
// stub, inlined. Included only through cap_ops.hpp, in runtime mode.

#include <kaal/core/result.hpp>
#include <kaal/platform/cap.hpp>
#include <kaal/platform/object_type.hpp>
#include <kaal/platform/runtime/sel4.hpp>

namespace kaal::kernel::raw {

// KaaL's object sizes are libsel4's for the kernel this is built against.
static_assert(object_size_bits(native_arch, ObjectType::tcb, 0).value() == seL4_TCBBits);
static_assert(object_size_bits(native_arch, ObjectType::endpoint, 0).value() == seL4_EndpointBits);
static_assert(object_size_bits(native_arch, ObjectType::notification, 0).value() ==
              seL4_NotificationBits);
static_assert(object_size_bits(native_arch, ObjectType::small_frame, 0).value() == seL4_PageBits);
static_assert(object_size_bits(native_arch, ObjectType::large_frame, 0).value() ==
              seL4_LargePageBits);
static_assert(object_size_bits(native_arch, ObjectType::page_table, 0).value() ==
              seL4_PageTableBits);
static_assert(object_bits::slot == seL4_SlotBits);
static_assert(object_bits::min_untyped == seL4_MinUntypedBits);
static_assert(object_bits::max_untyped == seL4_MaxUntypedBits);

// A libsel4 invocation's result as a Status: seL4_Error's values are KaaL's first error codes
// (core/error.hpp). Also for the invocations the root task makes directly (TCBs, ASIDs).
inline Status status(seL4_Error error) {
    return Status{static_cast<Error>(error)};
}

namespace detail {

inline seL4_CapRights_t to_sel4(CapRights rights) {
    return seL4_CapRights_new(rights.can_grant_reply(), rights.can_grant(), rights.can_read(),
                              rights.can_write());
}

inline seL4_Word to_sel4(ObjectType type) {
    switch (type) {
    case ObjectType::untyped: return seL4_UntypedObject;
    case ObjectType::tcb: return seL4_TCBObject;
    case ObjectType::endpoint: return seL4_EndpointObject;
    case ObjectType::notification: return seL4_NotificationObject;
    case ObjectType::cnode: return seL4_CapTableObject;
#if defined(__x86_64__)
    case ObjectType::small_frame: return seL4_X86_4K;
    case ObjectType::large_frame: return seL4_X86_LargePageObject;
    case ObjectType::page_table: return seL4_X86_PageTableObject;
    case ObjectType::page_directory: return seL4_X86_PageDirectoryObject;
    case ObjectType::pdpt: return seL4_X86_PDPTObject;
    case ObjectType::vspace: return seL4_X64_PML4Object;
#elif defined(__aarch64__)
    case ObjectType::small_frame: return seL4_ARM_SmallPageObject;
    case ObjectType::large_frame: return seL4_ARM_LargePageObject;
    case ObjectType::page_table: return seL4_ARM_PageTableObject;
    case ObjectType::vspace: return seL4_ARM_VSpaceObject;
    case ObjectType::page_directory:
    case ObjectType::pdpt: break;
#endif
    }
    // Not an object of this architecture: the kernel rejects an unknown type the same way.
    return seL4_ObjectTypeCount;
}

} // namespace detail

inline Status untyped_retype(CPtr untyped, ObjectType type, unsigned user_bits, CPtr root,
                             CPtr node_index, std::uint8_t node_depth, Word node_offset,
                             Word count) {
    return status(seL4_Untyped_Retype(untyped, detail::to_sel4(type), user_bits, root, node_index,
                                      node_depth, node_offset, count));
}
inline Status cnode_copy(CPtr dest_root, CPtr dest_index, std::uint8_t dest_depth, CPtr src_root,
                         CPtr src_index, std::uint8_t src_depth, CapRights rights) {
    return status(seL4_CNode_Copy(dest_root, dest_index, dest_depth, src_root, src_index, src_depth,
                                  detail::to_sel4(rights)));
}
inline Status cnode_mint(CPtr dest_root, CPtr dest_index, std::uint8_t dest_depth, CPtr src_root,
                         CPtr src_index, std::uint8_t src_depth, CapRights rights, Word badge) {
    return status(seL4_CNode_Mint(dest_root, dest_index, dest_depth, src_root, src_index, src_depth,
                                  detail::to_sel4(rights), badge));
}
inline Status cnode_delete(CPtr root, CPtr index, std::uint8_t depth) {
    return status(seL4_CNode_Delete(root, index, depth));
}
inline Status cnode_revoke(CPtr root, CPtr index, std::uint8_t depth) {
    return status(seL4_CNode_Revoke(root, index, depth));
}

#if defined(__x86_64__)
inline Status frame_map(CPtr frame, CPtr vspace, Word vaddr, CapRights rights, bool cached) {
    return status(
        seL4_X86_Page_Map(frame, vspace, vaddr, detail::to_sel4(rights),
                          cached ? seL4_X86_Default_VMAttributes : seL4_X86_CacheDisabled));
}
inline Status frame_unmap(CPtr frame) {
    return status(seL4_X86_Page_Unmap(frame));
}
inline Result<Word> frame_paddr(CPtr frame) {
    const auto got = seL4_X86_Page_GetAddress(frame);
    if (got.error != seL4_NoError) {
        return static_cast<Error>(got.error);
    }
    return got.paddr;
}
inline Status paging_map(ObjectType type, CPtr table, CPtr vspace, Word vaddr) {
    switch (type) {
    case ObjectType::pdpt:
        return status(seL4_X86_PDPT_Map(table, vspace, vaddr, seL4_X86_Default_VMAttributes));
    case ObjectType::page_directory:
        return status(
            seL4_X86_PageDirectory_Map(table, vspace, vaddr, seL4_X86_Default_VMAttributes));
    case ObjectType::page_table:
        return status(seL4_X86_PageTable_Map(table, vspace, vaddr, seL4_X86_Default_VMAttributes));
    default: return Error::invalid_argument;
    }
}
// On x86 an IRQ is an I/O APIC pin (seL4 manual, "Interrupts", x86): KaaL's IRQ numbers are
// pins on I/O APIC 0, edge-triggered and active-high like the ISA devices in its tables, and
// the pin number is also the vector offset.
inline Status irq_control_get(CPtr control, Word irq, CPtr root, CPtr index, std::uint8_t depth) {
    return status(seL4_IRQControl_GetIOAPIC(control, root, index, depth, 0, irq, 0, 0, irq));
}
inline Status ioport_control_issue(CPtr control, Word first, Word last, CPtr root, CPtr index,
                                   std::uint8_t depth) {
    return status(seL4_X86_IOPortControl_Issue(control, first, last, root, index, depth));
}
#elif defined(__aarch64__)
inline Status frame_map(CPtr frame, CPtr vspace, Word vaddr, CapRights rights, bool cached) {
    const auto attributes = cached ? seL4_ARM_Default_VMAttributes
                                   : static_cast<seL4_ARM_VMAttributes>(
                                         seL4_ARM_Default_VMAttributes & ~seL4_ARM_PageCacheable);
    return status(seL4_ARM_Page_Map(frame, vspace, vaddr, detail::to_sel4(rights), attributes));
}
inline Status frame_unmap(CPtr frame) {
    return status(seL4_ARM_Page_Unmap(frame));
}
inline Result<Word> frame_paddr(CPtr frame) {
    const auto got = seL4_ARM_Page_GetAddress(frame);
    if (got.error != seL4_NoError) {
        return static_cast<Error>(got.error);
    }
    return got.paddr;
}
inline Status paging_map(ObjectType type, CPtr table, CPtr vspace, Word vaddr) {
    if (type != ObjectType::page_table) {
        return Error::invalid_argument;
    }
    return status(seL4_ARM_PageTable_Map(table, vspace, vaddr, seL4_ARM_Default_VMAttributes));
}
inline Status irq_control_get(CPtr control, Word irq, CPtr root, CPtr index, std::uint8_t depth) {
    return status(seL4_IRQControl_Get(control, irq, root, index, depth));
}
inline Status ioport_control_issue(CPtr, Word, Word, CPtr, CPtr, std::uint8_t) {
    return Error::illegal_operation; // I/O ports exist only on x86
}
#else
#error "kaal/platform/cap_ops_sel4.hpp: unsupported architecture"
#endif

inline Status irq_handler_set_notification(CPtr handler, CPtr notification) {
    return status(seL4_IRQHandler_SetNotification(handler, notification));
}
inline Status irq_handler_ack(CPtr handler) {
    return status(seL4_IRQHandler_Ack(handler));
}
inline Status irq_handler_clear(CPtr handler) {
    return status(seL4_IRQHandler_Clear(handler));
}

inline void signal(CPtr notification) {
    seL4_Signal(notification);
}
inline Word wait(CPtr notification) {
    seL4_Word badge = 0;
    seL4_Wait(notification, &badge);
    return badge;
}
inline Word poll(CPtr notification) {
    seL4_Word badge = 0;
    seL4_Poll(notification, &badge);
    return badge;
}

} // namespace kaal::kernel::raw
