// SPDX-License-Identifier: BSD-2-Clause
#include "fixture.hpp"

namespace kaal::mock::testing {
namespace {

class IrqTest : public KernelTest {
protected:
    static constexpr CPtr handler = free_slot;
    static constexpr CPtr notification = free_slot + 1;
    static constexpr CPtr badged = free_slot + 2;
    static constexpr Word uart_irq = 33;

    void SetUp() override {
        ASSERT_TRUE(retype(big_ram, ObjectType::notification, 0, notification).ok());
        ASSERT_TRUE(
            kernel.cnode_mint(root, badged, depth, root, notification, depth, CapRights::all(), 4)
                .ok());
    }
};

TEST_F(IrqTest, AnIrqSignalsWithTheBadgeAndIsMaskedUntilAcked) {
    ASSERT_TRUE(
        kernel.irq_control_get(initial_cap::irq_control, uart_irq, root, handler, depth).ok());
    EXPECT_TRUE(kernel.irq_active(uart_irq));
    EXPECT_FALSE(kernel.raise_irq(uart_irq)); // no notification bound yet: lost, but masked
    ASSERT_TRUE(kernel.irq_handler_ack(handler).ok());
    ASSERT_TRUE(kernel.irq_handler_set_notification(handler, badged).ok());
    EXPECT_TRUE(kernel.raise_irq(uart_irq));
    EXPECT_FALSE(kernel.raise_irq(uart_irq)); // masked: held until the ack
    EXPECT_EQ(*kernel.wait(notification), 4U);
    EXPECT_EQ(*kernel.poll(notification), 0U);
    ASSERT_TRUE(kernel.irq_handler_ack(handler).ok());
    EXPECT_EQ(*kernel.poll(notification), 4U); // the held IRQ arrived at the ack
    ASSERT_TRUE(kernel.irq_handler_clear(handler).ok());
    ASSERT_TRUE(kernel.irq_handler_ack(handler).ok());
    EXPECT_FALSE(kernel.raise_irq(uart_irq));
}

TEST_F(IrqTest, IrqControlErrors) {
    EXPECT_EQ(kernel.irq_control_get(initial_cap::irq_control, 160, root, handler, depth).error(),
              Error::range_error);
    EXPECT_EQ(kernel.irq_control_get(initial_cap::irq_control, uart_irq, root, notification, depth)
                  .error(),
              Error::delete_first);
    EXPECT_EQ(kernel.irq_control_get(initial_cap::tcb, uart_irq, root, handler, depth).error(),
              Error::illegal_operation);
    ASSERT_TRUE(
        kernel.irq_control_get(initial_cap::irq_control, uart_irq, root, handler, depth).ok());
    EXPECT_EQ(kernel.irq_control_get(initial_cap::irq_control, uart_irq, root, handler + 5, depth)
                  .error(),
              Error::revoke_first);
    EXPECT_EQ(kernel.irq_handler_set_notification(handler, big_ram).error(),
              Error::invalid_capability);
    EXPECT_EQ(kernel.irq_handler_ack(notification).error(), Error::illegal_operation);
    // Deleting the handler frees the IRQ for someone else.
    ASSERT_TRUE(kernel.cnode_delete(root, handler, depth).ok());
    EXPECT_FALSE(kernel.irq_active(uart_irq));
    EXPECT_TRUE(
        kernel.irq_control_get(initial_cap::irq_control, uart_irq, root, handler, depth).ok());
}

// Hardening, defect 3(c): the IRQ stays taken while any copy of its handler cap lives, in any
// CNode, as seL4 decides finality from the derivation tree. The mock used to look only in the
// root CNode, so a copy granted to a component was forgotten and re-issuing "worked".
TEST_F(IrqTest, ACopyInAnotherCNodeKeepsTheIrqUntilItGoes) {
    constexpr CPtr other_cnode = free_slot + 3;
    ASSERT_TRUE(retype(big_ram, ObjectType::cnode, 4, other_cnode).ok());
    ASSERT_TRUE(
        kernel.irq_control_get(initial_cap::irq_control, uart_irq, root, handler, depth).ok());
    // Into slot 2 of the component's CNode, addressed through the root CNode's cap to it.
    ASSERT_TRUE(kernel.cnode_copy(other_cnode, 2, 4, root, handler, depth, CapRights::all()).ok());
    ASSERT_TRUE(kernel.cnode_delete(root, handler, depth).ok());
    EXPECT_TRUE(kernel.irq_active(uart_irq));
    EXPECT_EQ(
        kernel.irq_control_get(initial_cap::irq_control, uart_irq, root, handler, depth).error(),
        Error::revoke_first);
    ASSERT_TRUE(kernel.cnode_delete(other_cnode, 2, 4).ok());
    EXPECT_FALSE(kernel.irq_active(uart_irq));
    EXPECT_TRUE(
        kernel.irq_control_get(initial_cap::irq_control, uart_irq, root, handler, depth).ok());
}

TEST(IoPorts, ACopyInAnotherCNodeKeepsThePortsUntilItGoes) {
    Kernel kernel{small_machine(Arch::x86_64)};
    const auto issue = [&](CPtr slot) {
        return kernel.ioport_control_issue(initial_cap::io_port_control, 0x3f8, 0x3ff, root, slot,
                                           depth);
    };
    constexpr CPtr other_cnode = free_slot + 3;
    ASSERT_TRUE(
        kernel.untyped_retype(big_ram, ObjectType::cnode, 4, root, 0, 0, other_cnode, 1).ok());
    ASSERT_TRUE(issue(free_slot).ok());
    ASSERT_TRUE(
        kernel.cnode_copy(other_cnode, 1, 4, root, free_slot, depth, CapRights::all()).ok());
    ASSERT_TRUE(kernel.cnode_delete(root, free_slot, depth).ok());
    EXPECT_EQ(issue(free_slot).error(), Error::revoke_first) << "the copy still holds them";
    ASSERT_TRUE(kernel.cnode_delete(other_cnode, 1, 4).ok());
    EXPECT_TRUE(issue(free_slot).ok());
}

TEST(IoPorts, RangesAreIssuedOnceAndOnlyOnX86) {
    Kernel kernel{small_machine(Arch::x86_64)};
    EXPECT_EQ(kernel.slot(initial_cap::io_port_control).type, CapType::io_port_control);
    const auto issue = [&](Word first, Word last, CPtr slot) {
        return kernel.ioport_control_issue(initial_cap::io_port_control, first, last, root, slot,
                                           depth);
    };
    ASSERT_TRUE(issue(0x3f8, 0x3ff, free_slot).ok());
    EXPECT_EQ(issue(0x3fa, 0x400, free_slot + 1).error(), Error::revoke_first);
    EXPECT_EQ(issue(0x3ff, 0x3f8, free_slot + 1).error(), Error::invalid_argument);
    EXPECT_EQ(issue(0x40, 0x43, free_slot).error(), Error::delete_first);
    ASSERT_TRUE(kernel.cnode_delete(root, free_slot, depth).ok());
    EXPECT_TRUE(issue(0x3fa, 0x400, free_slot + 1).ok());

    Kernel arm{small_machine(Arch::aarch64)};
    EXPECT_EQ(
        arm.ioport_control_issue(initial_cap::io_port_control, 0x40, 0x43, root, free_slot, depth)
            .error(),
        Error::invalid_capability);
}

TEST(Machines, BootStatesDescribeTheBoardsMemory) {
    const Kernel virt{qemu_virt_aarch64_machine()};
    const auto& bi = virt.bootinfo();
    Word ram = 0;
    bool uart_covered = false;
    bool gic_covered = false;
    for (unsigned i = 0; i < bi.untyped_count(); ++i) {
        const auto& ut = bi.untyped_list[i];
        const Word size = Word{1} << ut.size_bits;
        EXPECT_EQ(ut.paddr & (size - 1), 0U) << "untyped " << i << " not aligned to its size";
        ram += ut.is_device ? 0 : size;
        uart_covered = uart_covered ||
                       (ut.is_device && ut.paddr <= 0x0900'0000 && 0x0900'0000 < ut.paddr + size);
        gic_covered = gic_covered || (ut.paddr <= 0x0800'0000 && 0x0800'0000 < ut.paddr + size);
    }
    EXPECT_EQ(ram, 0x4000'0000U - 0x0100'0000U);
    EXPECT_TRUE(uart_covered);
    EXPECT_FALSE(gic_covered);
    const Kernel pc{pc99_x86_64_machine()};
    EXPECT_LE(pc.bootinfo().untyped_count(), BootInfo::max_untypeds);
    EXPECT_EQ(pc.arch(), Arch::x86_64);
}

} // namespace
} // namespace kaal::mock::testing
