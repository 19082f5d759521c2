// SPDX-License-Identifier: BSD-2-Clause
// The mock backend of kaal/platform/cap_ops.hpp: forwards each invocation to the current mock
// kernel.
#include <kaal/platform/mock/cap_ops.hpp>
#include <kaal/platform/mock/kernel.hpp>

namespace kaal::kernel::raw {

namespace {
// With no kernel there is no CSpace, so every cap is a null cap.
template <typename Fn>
auto with_kernel(Fn fn) -> decltype(fn(*mock::current_kernel())) {
    mock::Kernel* kernel = mock::current_kernel();
    if (kernel == nullptr) {
        return Error::invalid_capability;
    }
    return fn(*kernel);
}
} // namespace

Status untyped_retype(CPtr untyped, ObjectType type, unsigned user_bits, CPtr root, CPtr node_index,
                      std::uint8_t node_depth, Word node_offset, Word count) {
    return with_kernel([&](mock::Kernel& k) {
        return k.untyped_retype(untyped, type, user_bits, root, node_index, node_depth, node_offset,
                                count);
    });
}
Status cnode_copy(CPtr dest_root, CPtr dest_index, std::uint8_t dest_depth, CPtr src_root,
                  CPtr src_index, std::uint8_t src_depth, CapRights rights) {
    return with_kernel([&](mock::Kernel& k) {
        return k.cnode_copy(dest_root, dest_index, dest_depth, src_root, src_index, src_depth,
                            rights);
    });
}
Status cnode_mint(CPtr dest_root, CPtr dest_index, std::uint8_t dest_depth, CPtr src_root,
                  CPtr src_index, std::uint8_t src_depth, CapRights rights, Word badge) {
    return with_kernel([&](mock::Kernel& k) {
        return k.cnode_mint(dest_root, dest_index, dest_depth, src_root, src_index, src_depth,
                            rights, badge);
    });
}
Status cnode_delete(CPtr root, CPtr index, std::uint8_t depth) {
    return with_kernel([&](mock::Kernel& k) { return k.cnode_delete(root, index, depth); });
}
Status cnode_revoke(CPtr root, CPtr index, std::uint8_t depth) {
    return with_kernel([&](mock::Kernel& k) { return k.cnode_revoke(root, index, depth); });
}
Status frame_map(CPtr frame, CPtr vspace, Word vaddr, CapRights rights, bool cached) {
    return with_kernel(
        [&](mock::Kernel& k) { return k.frame_map(frame, vspace, vaddr, rights, cached); });
}
Status frame_unmap(CPtr frame) {
    return with_kernel([&](mock::Kernel& k) { return k.frame_unmap(frame); });
}
Result<Word> frame_paddr(CPtr frame) {
    return with_kernel([&](mock::Kernel& k) { return k.frame_paddr(frame); });
}
Status paging_map(ObjectType type, CPtr table, CPtr vspace, Word vaddr) {
    return with_kernel([&](mock::Kernel& k) { return k.paging_map(type, table, vspace, vaddr); });
}
Status irq_control_get(CPtr control, Word irq, CPtr root, CPtr index, std::uint8_t depth) {
    return with_kernel(
        [&](mock::Kernel& k) { return k.irq_control_get(control, irq, root, index, depth); });
}
Status irq_handler_set_notification(CPtr handler, CPtr notification) {
    return with_kernel(
        [&](mock::Kernel& k) { return k.irq_handler_set_notification(handler, notification); });
}
Status irq_handler_ack(CPtr handler) {
    return with_kernel([&](mock::Kernel& k) { return k.irq_handler_ack(handler); });
}
Status irq_handler_clear(CPtr handler) {
    return with_kernel([&](mock::Kernel& k) { return k.irq_handler_clear(handler); });
}
Status ioport_control_issue(CPtr control, Word first, Word last, CPtr root, CPtr index,
                            std::uint8_t depth) {
    return with_kernel([&](mock::Kernel& k) {
        return k.ioport_control_issue(control, first, last, root, index, depth);
    });
}

// seL4_Signal, seL4_Wait and seL4_Poll return no error; a bad cap is a fault on seL4, and here
// it is a signal that goes nowhere or a wait that returns no badge.
void signal(CPtr notification) {
    if (auto* k = mock::current_kernel()) {
        (void)k->signal(notification);
    }
}
Word wait(CPtr notification) {
    auto* k = mock::current_kernel();
    return k == nullptr ? 0 : k->wait(notification).value_or(0);
}
Word poll(CPtr notification) {
    auto* k = mock::current_kernel();
    return k == nullptr ? 0 : k->poll(notification).value_or(0);
}

} // namespace kaal::kernel::raw
