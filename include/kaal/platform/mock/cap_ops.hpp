// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/core/result.hpp>
#include <kaal/platform/cap.hpp>

// The mock backend of kaal/platform/cap_ops.hpp: every invocation goes to the mock kernel made
// current with `kaal::mock::ScopedKernel` (platform/mock/cap_ops.cpp). With no kernel current
// they fail with seL4_InvalidCapability, as an invocation of an empty CSpace would.
namespace kaal::kernel::raw {

Status untyped_retype(CPtr untyped, ObjectType type, unsigned user_bits, CPtr root, CPtr node_index,
                      std::uint8_t node_depth, Word node_offset, Word count);
Status cnode_copy(CPtr dest_root, CPtr dest_index, std::uint8_t dest_depth, CPtr src_root,
                  CPtr src_index, std::uint8_t src_depth, CapRights rights);
Status cnode_mint(CPtr dest_root, CPtr dest_index, std::uint8_t dest_depth, CPtr src_root,
                  CPtr src_index, std::uint8_t src_depth, CapRights rights, Word badge);
Status cnode_delete(CPtr root, CPtr index, std::uint8_t depth);
Status cnode_revoke(CPtr root, CPtr index, std::uint8_t depth);
Status frame_map(CPtr frame, CPtr vspace, Word vaddr, CapRights rights, bool cached);
Status frame_unmap(CPtr frame);
Result<Word> frame_paddr(CPtr frame);
Status paging_map(ObjectType type, CPtr table, CPtr vspace, Word vaddr);
Status irq_control_get(CPtr control, Word irq, CPtr root, CPtr index, std::uint8_t depth);
Status irq_handler_set_notification(CPtr handler, CPtr notification);
Status irq_handler_ack(CPtr handler);
Status irq_handler_clear(CPtr handler);
Status ioport_control_issue(CPtr control, Word first, Word last, CPtr root, CPtr index,
                            std::uint8_t depth);
void signal(CPtr notification);
Word wait(CPtr notification);
Word poll(CPtr notification);

} // namespace kaal::kernel::raw
