// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include <kaal/core/result.hpp>
#include <kaal/platform/cap.hpp>
#include <kaal/platform/cap_bootinfo.hpp>
#include <kaal/platform/message.hpp>
#include <kaal/platform/object_type.hpp>

// A host model of the seL4 kernel objects KaaL uses, with the kernel's semantics and error
// codes, so the capability broker can be tested on the host against the rules it must obey on
// the real kernel. What is modelled, and where it deliberately differs from seL4, is listed in
// platform/mock/README.md. The kernel is one big lock, like seL4's: every method may be called
// from any host thread, and blocking methods (wait, recv, call, send) sleep on it.
namespace kaal::mock {

// Boot-time facts of the machine being modelled.
struct MachineConfig {
    Arch arch = Arch::aarch64;
    unsigned root_cnode_bits = 12;   // CONFIG_ROOT_CNODE_SIZE_BITS
    Word max_irq = 159;              // the highest IRQ number IRQControl accepts
    std::vector<UntypedDesc> memory; // in boot order; each region must be aligned to its size
};

// The untyped regions seL4 13.0.0 would report on the machines KaaL boots on: QEMU's
// `virt` board (aarch64, 1 GiB of RAM at 0x4000_0000) and a pc99 PC with 512 MiB. The device
// regions are the board's MMIO holes, split into naturally aligned blocks as the kernel does.
MachineConfig qemu_virt_aarch64_machine();
MachineConfig pc99_x86_64_machine();

// A kernel invocation, for failure injection.
enum class Invocation : unsigned char {
    untyped_retype,
    cnode_copy,
    cnode_mint,
    cnode_delete,
    cnode_revoke,
    frame_map,
    paging_map,
    irq_control_get,
    irq_handler_set_notification,
    ioport_control_issue,
};

// What a slot holds, for tests that check the kernel's state directly.
enum class CapType : unsigned char {
    null,
    untyped,
    tcb,
    endpoint,
    notification,
    cnode,
    frame,
    paging,
    vspace,
    irq_control,
    irq_handler,
    io_port_control,
    io_port,
    asid_control,
};

struct SlotInfo {
    CapType type = CapType::null;
    ObjectType object = ObjectType::untyped;
    Word paddr = 0; // object's physical address, for untyped-backed objects
    Word badge = 0;
    CapRights rights;
    std::size_t children = 0; // derivation-tree children (seL4 manual, "Capability Derivation")
    bool mapped = false;      // frames and paging structures
    Word mapped_vaddr = 0;
};

struct Mapping {
    Word paddr = 0;
    unsigned size_bits = 0;
    CapRights rights;
    bool cached = true;
};

// An IPC message: label and the message registers that were sent.
struct Message {
    Word label = 0;
    std::vector<Word> words;
};

struct Received {
    Word badge = 0;
    Message message;
};

class Kernel {
public:
    explicit Kernel(const MachineConfig& machine);
    ~Kernel();
    Kernel(const Kernel&) = delete;
    Kernel& operator=(const Kernel&) = delete;
    Kernel(Kernel&&) = delete;
    Kernel& operator=(Kernel&&) = delete;

    // The root task's view of boot (seL4 manual, "BootInfo").
    [[nodiscard]] const BootInfo& bootinfo() const;
    [[nodiscard]] Arch arch() const;

    // ---- Untyped memory (seL4 manual, "Untyped Memory")
    Status untyped_retype(CPtr untyped, ObjectType type, unsigned user_bits, CPtr root,
                          CPtr node_index, std::uint8_t node_depth, Word node_offset, Word count);

    // ---- CNodes (seL4 manual, "CNode Methods")
    Status cnode_copy(CPtr dest_root, CPtr dest_index, std::uint8_t dest_depth, CPtr src_root,
                      CPtr src_index, std::uint8_t src_depth, CapRights rights);
    Status cnode_mint(CPtr dest_root, CPtr dest_index, std::uint8_t dest_depth, CPtr src_root,
                      CPtr src_index, std::uint8_t src_depth, CapRights rights, Word badge);
    Status cnode_delete(CPtr root, CPtr index, std::uint8_t depth);
    Status cnode_revoke(CPtr root, CPtr index, std::uint8_t depth);

    // ---- Virtual address spaces (seL4 manual, "Virtual Address Spaces")
    Status frame_map(CPtr frame, CPtr vspace, Word vaddr, CapRights rights, bool cached);
    Status frame_unmap(CPtr frame);
    Result<Word> frame_paddr(CPtr frame);
    Status paging_map(ObjectType type, CPtr table, CPtr vspace, Word vaddr);

    // ---- Interrupts (seL4 manual, "Interrupts")
    Status irq_control_get(CPtr control, Word irq, CPtr root, CPtr index, std::uint8_t depth);
    Status irq_handler_set_notification(CPtr handler, CPtr notification);
    Status irq_handler_ack(CPtr handler);
    Status irq_handler_clear(CPtr handler);
    Status ioport_control_issue(CPtr control, Word first, Word last, CPtr root, CPtr index,
                                std::uint8_t depth);
    // The device raising `irq`. Returns whether a notification was signalled now; an IRQ that
    // arrives while masked (not yet acked) is delivered at the ack.
    bool raise_irq(Word irq);

    // ---- Notifications (seL4 manual, "Notifications"). Errors are the lookup failures that
    // would be a cap fault on seL4.
    Status signal(CPtr notification);
    Result<Word> wait(CPtr notification);
    Result<Word> poll(CPtr notification);

    // ---- Endpoints (seL4 manual, "IPC"). Each host thread is a seL4 thread with its own reply
    // state: a thread that received a call replies to it with `reply`.
    Result<Message> call(CPtr endpoint, const Message& message);
    Status send(CPtr endpoint, const Message& message);
    Result<Received> recv(CPtr endpoint);
    // seL4_Reply: returns whether there was a caller to reply to (seL4 drops a reply silently).
    bool reply(const Message& message);

    // ---- Inspection for tests; `slot` is an index in the root CNode.
    [[nodiscard]] SlotInfo slot(CPtr slot) const;
    [[nodiscard]] std::size_t occupied_slots() const;
    [[nodiscard]] std::size_t live_objects() const; // objects created by retype, still referenced
    // The untyped's free-index, in bytes (seL4 keeps it in the cap): where the next retype
    // starts if the untyped still has children.
    [[nodiscard]] Result<Word> untyped_watermark(CPtr untyped) const;
    [[nodiscard]] std::optional<Mapping> mapping_at(Word vaddr) const;
    [[nodiscard]] bool irq_active(Word irq) const;

    // The next `skip`+1-th invocation of `what` fails with `error` before changing any state, as
    // if the kernel had rejected it; for testing callers' recovery paths.
    void inject_failure(Invocation what, Error error, unsigned skip = 0);

    struct State;

private:
    std::unique_ptr<State> state_;
};

// Makes `kernel` the one the platform's cap_ops functions invoke, for the guard's lifetime.
// Every host thread sees it, as every thread of a root task sees the same kernel.
class ScopedKernel {
public:
    explicit ScopedKernel(Kernel& kernel);
    ~ScopedKernel();
    ScopedKernel(const ScopedKernel&) = delete;
    ScopedKernel& operator=(const ScopedKernel&) = delete;
    ScopedKernel(ScopedKernel&&) = delete;
    ScopedKernel& operator=(ScopedKernel&&) = delete;

private:
    Kernel* previous_;
};

namespace detail {
inline std::atomic<Kernel*> active_kernel{nullptr};
} // namespace detail

// Inline: every cap_ops invocation asks for it, and an out-of-line call there costs the
// forwarding function a full save and restore of its arguments.
inline Kernel* current_kernel() {
    return detail::active_kernel.load();
}

} // namespace kaal::mock
