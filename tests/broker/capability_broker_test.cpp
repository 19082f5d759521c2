// SPDX-License-Identifier: BSD-2-Clause
#include <gtest/gtest.h>
#include <optional>
#include <vector>

#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/broker/capability_broker.hpp>
#include <kaal/platform/cap_ops.hpp>
#include <kaal/platform/mock/kernel.hpp>

namespace kaal::broker {
namespace {

namespace virt = boards::qemu_virt_aarch64;
namespace pc99 = boards::pc99_x86_64;

// Everything a failed request must leave as it found it.
struct Accounts {
    std::size_t kernel_slots;
    std::size_t kernel_objects;
    std::size_t free_slots;
    std::vector<Word> untyped_free;
    std::vector<Word> untyped_children;
    std::size_t bundles;
    friend bool operator==(const Accounts&, const Accounts&) = default;
};

class BrokerTest : public ::testing::Test {
protected:
    explicit BrokerTest(const mock::MachineConfig& machine = mock::qemu_virt_aarch64_machine(),
                        DeviceTable table = virt::table)
        : kernel_(machine), current_(kernel_) {
        auto made = CapabilityBroker::from_bootinfo(kernel_.bootinfo(), table);
        EXPECT_TRUE(made.ok()) << to_string(made.error());
        if (made.ok()) {
            broker_.emplace(*made);
        }
    }

    [[nodiscard]] Accounts accounts() const {
        Accounts a{
            kernel_.occupied_slots(), kernel_.live_objects(), broker_->slots().available(), {}, {},
            broker_->bundle_count()};
        for (unsigned i = 0; i < broker_->untypeds().size(); ++i) {
            a.untyped_free.push_back(broker_->untypeds()[i].free_bytes());
            a.untyped_children.push_back(broker_->untypeds()[i].children);
        }
        return a;
    }

    mock::Kernel kernel_;
    mock::ScopedKernel current_;
    std::optional<CapabilityBroker> broker_;
};

TEST_F(BrokerTest, FromBootinfoTakesTheEmptySlotsAndEveryUntyped) {
    EXPECT_EQ(broker_->slots().available(), kernel_.bootinfo().empty.size());
    EXPECT_EQ(broker_->untypeds().size(), kernel_.bootinfo().untyped_count());
    EXPECT_EQ(broker_->untypeds().free_ram_bytes(), 0x4000'0000U - 0x0100'0000U);
    // The table must be for the kernel's architecture.
    EXPECT_EQ(CapabilityBroker::from_bootinfo(kernel_.bootinfo(), pc99::table).error(),
              Error::invalid_argument);
}

TEST_F(BrokerTest, CreatesEachObjectTypeAndDestroyReturnsSlotAndMemory) {
    const auto before = accounts();
    auto endpoint = broker_->create<cap::Endpoint>();
    auto notification = broker_->create<cap::Notification>();
    auto tcb = broker_->create<cap::Tcb>();
    auto cnode = broker_->create<cap::CNode>(6);
    auto frame = broker_->create<cap::SmallFrame>();
    auto table = broker_->create<cap::PageTable>();
    ASSERT_TRUE(endpoint && notification && tcb && cnode && frame && table);
    EXPECT_EQ(kernel_.slot(endpoint->cptr()).type, mock::CapType::endpoint);
    EXPECT_EQ(kernel_.slot(tcb->cptr()).type, mock::CapType::tcb);
    EXPECT_EQ(kernel_.slot(cnode->cptr()).type, mock::CapType::cnode);
    EXPECT_EQ(kernel_.slot(table->cptr()).object, ObjectType::page_table);
    EXPECT_EQ(kernel_.live_objects(), 6U);
    // The typed cap works with the typed invocations.
    kernel::signal(*notification);
    EXPECT_EQ(kernel::poll(*notification), 0U); // unbadged: active with badge 0
    EXPECT_EQ(kernel_.poll(notification->cptr()).value(), 0U);
    EXPECT_EQ(*kernel::frame_paddr(*frame), kernel_.slot(frame->cptr()).paddr);

    ASSERT_TRUE(broker_->destroy(*endpoint).ok());
    ASSERT_TRUE(broker_->destroy(*notification).ok());
    ASSERT_TRUE(broker_->destroy(*tcb).ok());
    ASSERT_TRUE(broker_->destroy(*cnode).ok());
    ASSERT_TRUE(broker_->destroy(*frame).ok());
    ASSERT_TRUE(broker_->destroy(*table).ok());
    EXPECT_EQ(accounts(), before);
    EXPECT_EQ(broker_->destroy(*table).error(), Error::invalid_argument); // twice
    EXPECT_EQ(broker_->destroy(Cap<cap::Untyped>{16}).error(), Error::invalid_argument);
}

TEST_F(BrokerTest, MintedCopiesCarryTheirBadgeAndReleaseFreesTheirSlot) {
    auto notification = broker_->create<cap::Notification>();
    ASSERT_TRUE(notification.ok());
    const auto slots = broker_->slots().available();
    auto badged = broker_->mint(*notification, CapRights::read_write(), 0x40);
    auto plain = broker_->copy(*notification, CapRights::read_write());
    ASSERT_TRUE(badged.ok() && plain.ok());
    EXPECT_EQ(broker_->slots().available(), slots - 2);
    kernel::signal(*badged);
    EXPECT_EQ(kernel::wait(*notification), 0x40U);
    ASSERT_TRUE(broker_->release(*badged).ok());
    ASSERT_TRUE(broker_->release(*plain).ok());
    EXPECT_EQ(broker_->slots().available(), slots);
    EXPECT_EQ(kernel_.slot(badged->cptr()).type, mock::CapType::null);
    // A copy of an empty slot fails like the kernel's CNode_Copy and keeps no slot.
    EXPECT_EQ(broker_->copy(Cap<cap::Notification>{badged->cptr()}, CapRights::all()).error(),
              Error::failed_lookup);
    EXPECT_EQ(broker_->slots().available(), slots);
}

// The root task's configuration: the window's paging structures are made at boot, and a first
// device request then makes none, and still maps its registers.
TEST(PreparedWindowBroker, PagingStructuresComeAtBootNotWithTheFirstRequest) {
    mock::Kernel kernel{mock::qemu_virt_aarch64_machine()};
    const mock::ScopedKernel current{kernel};
    auto broker =
        CapabilityBroker::from_bootinfo(kernel.bootinfo(), virt::table, {.prepare_window = true});
    ASSERT_TRUE(broker.ok());
    const auto at_boot = kernel.live_objects();
    EXPECT_EQ(at_boot, 3U); // aarch64: three table levels below the VSpace root; the probe went
    auto uart = broker->request_device(virt::uart);
    ASSERT_TRUE(uart.ok());
    EXPECT_EQ(kernel.mapping_at((*uart)->mmio.vaddr)->paddr, 0x0900'0000U);
    std::size_t tables = 0;
    for (CPtr slot = 0; slot < (CPtr{1} << 12); ++slot) {
        if (kernel.slot(slot).type == mock::CapType::paging) {
            ++tables;
        }
    }
    EXPECT_EQ(tables, 3U) << "the first request made paging structures";
}

// The rest of the root task's configuration: the device untypeds are split down to every
// register page of the table's devices at boot, so a first request makes its own objects and no
// untypeds, gets the same pages, and is rolled back and released as exactly.
TEST(PreparedDeviceTree, AFirstRequestMakesOnlyItsOwnCapsAndMapsTheRightPages) {
    mock::Kernel kernel{mock::qemu_virt_aarch64_machine()};
    const mock::ScopedKernel current{kernel};
    auto broker = CapabilityBroker::from_bootinfo(
        kernel.bootinfo(), virt::table, {.prepare_window = true, .prepare_devices = true});
    ASSERT_TRUE(broker.ok()) << to_string(broker.error());
    const auto at_boot = kernel.occupied_slots();

    // Registers, IRQ handler, notification, its badged copy, the DMA pool's RAM piece and its
    // 16 frames: nothing else.
    constexpr std::size_t dma_pages = virt::virtio_dma_bytes / 0x1000;
    auto virtio = broker->request_device(virt::virtio_mmio(0));
    ASSERT_TRUE(virtio.ok()) << to_string(virtio.error());
    EXPECT_EQ(kernel.occupied_slots(), at_boot + 5 + dma_pages);
    auto uart = broker->request_device(virt::uart);
    ASSERT_TRUE(uart.ok());
    EXPECT_EQ(kernel.occupied_slots(), at_boot + 9 + dma_pages);
    EXPECT_EQ(kernel.mapping_at((*uart)->mmio.vaddr)->paddr, 0x0900'0000U);
    for (const unsigned i : {1U, 8U, 17U, 31U}) {
        auto other = broker->request_device(virt::virtio_mmio(i));
        ASSERT_TRUE(other.ok()) << i << ": " << to_string(other.error());
        EXPECT_EQ(kernel.mapping_at((*other)->mmio.vaddr)->paddr,
                  virt::virtio_mmio_base + i * virt::virtio_mmio_stride);
    }
    for (const unsigned i : {0U, 1U, 8U, 17U, 31U}) {
        ASSERT_TRUE(broker->release_device(virt::virtio_mmio(i)).ok());
    }
    ASSERT_TRUE(broker->release_device(virt::uart).ok());
    // What stays is kept for reuse: five RAM pieces and six notifications.
    EXPECT_EQ(broker->spare_caps(), 11U);
    EXPECT_EQ(kernel.occupied_slots(), at_boot + broker->spare_caps());

    // The same request on a broker that splits on demand makes the untypeds as well.
    mock::Kernel lazy_kernel{mock::qemu_virt_aarch64_machine()};
    const mock::ScopedKernel lazy_current{lazy_kernel};
    auto lazy = CapabilityBroker::from_bootinfo(lazy_kernel.bootinfo(), virt::table,
                                                {.prepare_window = true});
    ASSERT_TRUE(lazy.ok());
    const auto lazy_at_boot = lazy_kernel.occupied_slots();
    EXPECT_LT(lazy_at_boot, at_boot);
    ASSERT_TRUE(lazy->request_device(virt::virtio_mmio(0)).ok());
    EXPECT_GT(lazy_kernel.occupied_slots(), lazy_at_boot + 5 + dma_pages);
}

TEST_F(BrokerTest, UartBundleMapsItsRegistersAndDeliversItsIrq) {
    auto bundle = broker_->request_device(virt::uart);
    ASSERT_TRUE(bundle.ok()) << to_string(bundle.error());
    const DeviceBundle& uart = **bundle;
    EXPECT_EQ(uart.mmio.paddr, 0x0900'0000U);
    const auto mapping = kernel_.mapping_at(uart.mmio.vaddr);
    ASSERT_TRUE(mapping.has_value());
    EXPECT_EQ(mapping->paddr, 0x0900'0000U);
    EXPECT_FALSE(mapping->cached);
    EXPECT_TRUE(mapping->rights.can_write());
    EXPECT_FALSE(uart.dma.present());

    ASSERT_TRUE(uart.irq.present());
    EXPECT_TRUE(kernel_.irq_active(33));
    EXPECT_TRUE(kernel_.raise_irq(33));
    EXPECT_EQ(kernel::wait(uart.irq.notification), uart.irq.badge);
    ASSERT_TRUE(kernel::irq_handler_ack(uart.irq.handler).ok());
}

TEST_F(BrokerTest, ASecondRequestReturnsTheCachedBundleAndCreatesNothing) {
    auto first = broker_->request_device(virt::uart);
    ASSERT_TRUE(first.ok());
    const auto after_first = accounts();
    auto second = broker_->request_device(virt::uart);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(*first, *second);
    EXPECT_EQ(accounts(), after_first);
}

TEST_F(BrokerTest, VirtioGetsContiguousDmaWithKnownPhysicalAddresses) {
    auto bundle = broker_->request_device(virt::virtio_mmio(0));
    ASSERT_TRUE(bundle.ok()) << to_string(bundle.error());
    const auto& dma = (*bundle)->dma;
    ASSERT_EQ(dma.size, virt::virtio_dma_bytes);
    for (Word offset = 0; offset < dma.size; offset += 0x1000) {
        const auto mapping = kernel_.mapping_at(dma.vaddr + offset);
        ASSERT_TRUE(mapping.has_value());
        EXPECT_EQ(mapping->paddr, dma.paddr + offset) << "DMA pool is not contiguous";
        EXPECT_EQ(*dma.paddr_of(dma.vaddr + offset), dma.paddr + offset);
    }
    EXPECT_EQ(dma.paddr_of(dma.vaddr + dma.size).error(), Error::range_error);
    EXPECT_EQ(*dma.vaddr_of(dma.paddr + 0x10), dma.vaddr + 0x10);
    // DMA memory is RAM, never device memory.
    EXPECT_GE(dma.paddr, 0x4000'0000U);
}

// What the runtime root task gives a DMA region: frames at consecutive physical addresses, which
// the mock kernel reports for each frame cap as seL4_X86_Page_GetAddress would.
TEST_F(BrokerTest, ContiguousFramesAreConsecutiveInPhysicalMemoryAndRefusedBeyondTheLimit) {
    auto frames = broker_->create_contiguous_frames(16);
    ASSERT_TRUE(frames.ok()) << to_string(frames.error());
    EXPECT_EQ(frames->pages, 16U);
    EXPECT_EQ(frames->paddr % (16 * 0x1000), 0U); // the piece is aligned to its size
    for (Word i = 0; i < frames->pages; ++i) {
        EXPECT_EQ(*kernel_.frame_paddr(frames->first + i), frames->paddr + i * 0x1000);
    }
    const auto before = accounts();
    EXPECT_EQ(broker_->create_contiguous_frames(0).error(), Error::invalid_argument);
    EXPECT_EQ(broker_->create_contiguous_frames(CapabilityBroker::max_dma_pages + 1).error(),
              Error::invalid_argument);
    EXPECT_EQ(accounts(), before);
}

TEST_F(BrokerTest, DevicesSharingAPageShareItsMapping) {
    auto a = broker_->request_device(virt::virtio_mmio(0));
    auto b = broker_->request_device(virt::virtio_mmio(1));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ((*b)->mmio.vaddr, (*a)->mmio.vaddr + virt::virtio_mmio_stride);
    EXPECT_EQ(kernel_.mapping_at((*b)->mmio.vaddr)->paddr, (*b)->mmio.paddr);
    // A device in another page is claimed in any order, although it lies below the pages
    // already taken from the same device untyped.
    auto high = broker_->request_device(virt::virtio_mmio(31));
    ASSERT_TRUE(high.ok());
    auto uart = broker_->request_device(virt::uart);
    ASSERT_TRUE(uart.ok());
    EXPECT_EQ(kernel_.mapping_at((*uart)->mmio.vaddr)->paddr, 0x0900'0000U);
}

// What a release must give back. What stays is made by the first request-release cycle and
// kept for reuse by design: the untypeds the broker split a device untyped into (their pages can
// be claimed in any order later), the paging structures of the device window, the DMA pool's
// RAM piece and the IRQ notification (seL4 would not return their memory from a busy untyped).
// Everything else, memory included, is as it was.
TEST_F(BrokerTest, ReleaseGivesBackEverythingAndTheDeviceCanBeRequestedAgain) {
    ASSERT_TRUE(broker_->request_device(virt::virtio_mmio(0)).ok());
    ASSERT_TRUE(broker_->release_device(virt::virtio_mmio(0)).ok());
    auto before = accounts();
    const auto before_objects = kernel_.live_objects();

    auto bundle = broker_->request_device(virt::virtio_mmio(0));
    ASSERT_TRUE(bundle.ok()) << to_string(bundle.error());
    const Word regs = (*bundle)->mmio.vaddr;
    const Word dma = (*bundle)->dma.vaddr;
    ASSERT_GT(kernel_.live_objects(), before_objects);
    ASSERT_TRUE(broker_->release_device(virt::virtio_mmio(0)).ok());

    EXPECT_EQ(accounts(), before);
    EXPECT_EQ(kernel_.live_objects(), before_objects);
    EXPECT_FALSE(kernel_.mapping_at(regs).has_value());
    EXPECT_FALSE(kernel_.mapping_at(dma).has_value());
    EXPECT_FALSE(kernel_.irq_active(virt::virtio_mmio_first_irq));

    // The IRQ, the registers' device untyped and the DMA memory can all be had again.
    auto again = broker_->request_device(virt::virtio_mmio(0));
    ASSERT_TRUE(again.ok()) << to_string(again.error());
    EXPECT_EQ(kernel_.mapping_at((*again)->mmio.vaddr)->paddr, virt::virtio_mmio_base);
    EXPECT_TRUE(kernel_.raise_irq(virt::virtio_mmio_first_irq));
    EXPECT_EQ(kernel::wait((*again)->irq.notification), (*again)->irq.badge);
}

// A driver restarted again and again: after the first cycle, each request reuses what the
// last release kept (the DMA pool's RAM piece, the IRQ notification, the window's addresses
// and paging structures), so memory, slots, objects and the window stay where they were.
TEST_F(BrokerTest, RequestAndReleaseRepeatWithoutDrainingAnything) {
    ASSERT_TRUE(broker_->request_device(virt::uart).ok()); // a neighbour that stays
    const auto cycle = [&]() -> std::optional<DeviceBundle> {
        auto bundle = broker_->request_device(virt::virtio_mmio(0));
        if (!bundle.ok()) {
            ADD_FAILURE() << to_string(bundle.error());
            return std::nullopt;
        }
        const DeviceBundle copy = **bundle;
        EXPECT_EQ(kernel::poll(copy.irq.notification), 0U) << "a stale signal was delivered";
        EXPECT_TRUE(kernel_.raise_irq(virt::virtio_mmio_first_irq));
        EXPECT_EQ(kernel::wait(copy.irq.notification), copy.irq.badge);
        EXPECT_TRUE(kernel::irq_handler_ack(copy.irq.handler).ok());
        // A signal left pending at release must not reach the next bundle's driver.
        EXPECT_TRUE(kernel_.raise_irq(virt::virtio_mmio_first_irq));
        EXPECT_TRUE(broker_->release_device(virt::virtio_mmio(0)).ok());
        return copy;
    };
    const auto first = cycle();
    ASSERT_TRUE(first.has_value());
    const auto after_first = accounts();
    const auto objects = kernel_.live_objects();
    for (int i = 0; i < 300; ++i) {
        const auto again = cycle();
        ASSERT_TRUE(again.has_value()) << "cycle " << i;
        ASSERT_EQ(again->dma.paddr, first->dma.paddr);
        ASSERT_EQ(again->dma.vaddr, first->dma.vaddr);
        ASSERT_EQ(again->mmio.vaddr, first->mmio.vaddr);
        ASSERT_EQ(accounts(), after_first) << "cycle " << i;
        ASSERT_EQ(kernel_.live_objects(), objects);
    }
}

// Hardening, defect 6: a release used to compact the bundle table, so a pointer handed out for
// another device silently named a different one.
TEST_F(BrokerTest, ReleasingABundleLeavesEveryOtherBundleWhereItWas) {
    auto uart = broker_->request_device(virt::uart);
    auto virtio = broker_->request_device(virt::virtio_mmio(0));
    ASSERT_TRUE(uart.ok() && virtio.ok());
    const DeviceBundle* held = *virtio;
    const DeviceBundle before = *held;
    ASSERT_TRUE(broker_->release_device(virt::uart).ok());
    EXPECT_EQ(held->id, virt::virtio_mmio(0));
    EXPECT_EQ(held->mmio.paddr, before.mmio.paddr);
    EXPECT_EQ(held->irq.number, before.irq.number);
    EXPECT_EQ(*broker_->request_device(virt::virtio_mmio(0)), held);
    // The freed slot is reused, and the newcomer does not disturb the survivor either.
    auto again = broker_->request_device(virt::uart);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *uart);
    EXPECT_EQ(held->id, virt::virtio_mmio(0));
    EXPECT_EQ(broker_->bundle_count(), 2U);
}

// Hardening, defect 3(a): destroy() deleted only the broker's cap. A copy elsewhere (here in a
// component's CNode, as the system builder makes them) kept the object, and its untyped's
// watermark, alive while the broker's books said the untyped was empty again: the next DMA pool
// was reported at an address its frames were not at.
TEST_F(BrokerTest, DestroyRevokesCopiesSoTheNextDmaPoolIsWhereTheBundleSays) {
    auto cnode = broker_->create<cap::CNode>(4); // a component's CSpace
    ASSERT_TRUE(cnode.ok());
    std::vector<Cap<cap::SmallFrame>> frames;
    for (int i = 0; i < 16; ++i) {
        auto frame = broker_->create<cap::SmallFrame>();
        ASSERT_TRUE(frame.ok());
        frames.push_back(*frame);
    }
    const SlotPath in_component{*cnode, 0, 4};
    ASSERT_TRUE(
        kernel::cnode_copy(in_component, root_task::slot(frames.back().cptr()), CapRights::all())
            .ok());
    for (const auto& frame : frames) {
        ASSERT_TRUE(broker_->destroy(frame).ok());
    }
    EXPECT_EQ(kernel_.live_objects(), 1U) << "the copy went with its original";
    auto bundle = broker_->request_device(virt::virtio_mmio(0));
    ASSERT_TRUE(bundle.ok()) << to_string(bundle.error());
    const auto mapped = kernel_.mapping_at((*bundle)->dma.vaddr);
    ASSERT_TRUE(mapped.has_value());
    EXPECT_EQ(mapped->paddr, (*bundle)->dma.paddr) << "a device would DMA into other memory";
}

TEST_F(BrokerTest, ReleasingADeviceKeepsAPageAnotherDeviceStillUses) {
    auto a = broker_->request_device(virt::virtio_mmio(0));
    auto b = broker_->request_device(virt::virtio_mmio(1));
    ASSERT_TRUE(a.ok() && b.ok());
    const Word b_regs = (*b)->mmio.vaddr;
    ASSERT_TRUE(broker_->release_device(virt::virtio_mmio(0)).ok());
    ASSERT_TRUE(kernel_.mapping_at(b_regs).has_value());
    EXPECT_EQ(kernel_.mapping_at(b_regs)->paddr, virt::virtio_mmio_base + virt::virtio_mmio_stride);
    auto b_again = broker_->request_device(virt::virtio_mmio(1));
    ASSERT_TRUE(b_again.ok());
    EXPECT_EQ((*b_again)->mmio.vaddr, b_regs); // still the cached bundle
    ASSERT_TRUE(broker_->release_device(virt::virtio_mmio(1)).ok());
    EXPECT_FALSE(kernel_.mapping_at(b_regs).has_value());
}

TEST_F(BrokerTest, ReleasingADeviceNotHeldIsAnErrorAndChangesNothing) {
    ASSERT_TRUE(broker_->request_device(virt::uart).ok());
    const auto before = accounts();
    EXPECT_EQ(broker_->release_device(virt::virtio_mmio(3)).error(), Error::no_such_device);
    ASSERT_TRUE(broker_->release_device(virt::uart).ok());
    EXPECT_EQ(broker_->release_device(virt::uart).error(), Error::no_such_device);
    EXPECT_EQ(broker_->bundle_count(), before.bundles - 1);
}

TEST_F(BrokerTest, UnknownAndKernelOwnedDevicesAreRefusedWithoutSideEffects) {
    const auto before = accounts();
    EXPECT_EQ(broker_->request_device({DeviceKind::hpet, 0}).error(), Error::no_such_device);
    EXPECT_EQ(broker_->request_device(virt::virtio_mmio(32)).error(), Error::no_such_device);
    EXPECT_EQ(broker_->request_device(virt::gic).error(), Error::already_claimed);
    EXPECT_EQ(accounts(), before);
}

TEST_F(BrokerTest, AnIrqHeldElsewhereFailsTheRequestAndLeaksNothing) {
    // Someone else (say, a previous owner) holds the UART's IRQ.
    const CPtr elsewhere = kernel_.bootinfo().empty.end - 1;
    ASSERT_TRUE(
        kernel_.irq_control_get(initial_cap::irq_control, 33, initial_cap::cnode, elsewhere, 64)
            .ok());
    const auto before = accounts();
    EXPECT_EQ(broker_->request_device(virt::uart).error(), Error::revoke_first);
    EXPECT_EQ(accounts(), before);
    EXPECT_FALSE(kernel_.mapping_at(0x0010'0000'0000).has_value()); // the MMIO page went too
    // Once it is released the same request succeeds.
    ASSERT_TRUE(kernel_.cnode_delete(initial_cap::cnode, elsewhere, 64).ok());
    EXPECT_TRUE(broker_->request_device(virt::uart).ok());
}

// Every kernel invocation a virtio request makes, failed in turn: each failure must be reported
// and undone completely, and the broker must still serve the request afterwards.
TEST_F(BrokerTest, AFailureAtAnyInvocationIsRolledBack) {
    const mock::Invocation invocations[] = {
        mock::Invocation::untyped_retype, mock::Invocation::frame_map,
        mock::Invocation::paging_map,     mock::Invocation::irq_control_get,
        mock::Invocation::cnode_mint,     mock::Invocation::irq_handler_set_notification};
    const auto before = accounts();
    // On demand, and with the device tree and window made at boot as the root task makes them.
    for (const BrokerConfig config :
         {BrokerConfig{}, BrokerConfig{.prepare_window = true, .prepare_devices = true}}) {
        int failures = 0;
        for (const auto invocation : invocations) {
            for (unsigned skip = 0; skip < 40; ++skip) {
                mock::Kernel fresh{mock::qemu_virt_aarch64_machine()};
                const mock::ScopedKernel current{fresh};
                auto broker =
                    CapabilityBroker::from_bootinfo(fresh.bootinfo(), virt::table, config);
                ASSERT_TRUE(broker.ok());
                const auto slots = fresh.occupied_slots();
                const auto objects = fresh.live_objects();
                const auto free_slots = broker->slots().available();
                const auto spares = broker->spare_caps();
                const auto& pool = broker->untypeds();
                std::vector<UntypedRecord> untypeds_before;
                for (unsigned i = 0; i < pool.size(); ++i) {
                    untypeds_before.push_back(pool[i]);
                }
                fresh.inject_failure(invocation, Error::not_enough_memory, skip);
                auto bundle = broker->request_device(virt::virtio_mmio(3));
                if (bundle.ok()) {
                    break; // fewer than `skip` such invocations: nothing left to fail
                }
                ++failures;
                ASSERT_EQ(bundle.error(), Error::not_enough_memory);
                // A RAM piece made for the DMA pool from an untyped with other objects stays as
                // a spare: deleting it would not give its memory back (see below).
                const auto kept = broker->spare_caps() - spares;
                ASSERT_LE(kept, 1U);
                ASSERT_EQ(fresh.occupied_slots(), slots + kept)
                    << "invocation " << int(invocation) << " skip " << skip;
                ASSERT_EQ(fresh.live_objects(), objects + kept);
                ASSERT_EQ(broker->slots().available(), free_slots - kept);
                // Every object retyped for the request is gone again. An untyped that had no
                // children before has its memory back; one that had (the prepared window's page
                // tables) keeps its watermark, as seL4 lowers it only by resetting an untyped
                // with no children at all (seL4 manual, "Untyped Memory").
                Word kept_children = 0;
                for (unsigned i = 0; i < pool.size(); ++i) {
                    ASSERT_GE(pool[i].children, untypeds_before[i].children) << i;
                    kept_children += pool[i].children - untypeds_before[i].children;
                    if (untypeds_before[i].children == 0 && pool[i].children == 0) {
                        ASSERT_EQ(pool[i].free_bytes(), untypeds_before[i].free_bytes()) << i;
                    }
                }
                ASSERT_EQ(kept_children, kept);
                ASSERT_EQ(broker->bundle_count(), 0U);
                ASSERT_FALSE(fresh.irq_active(48 + 3));
                auto retry = broker->request_device(virt::virtio_mmio(3));
                ASSERT_TRUE(retry.ok()) << to_string(retry.error());
                ASSERT_EQ(broker->spare_caps(), spares) << "the retry did not reuse the spare";
            }
        }
        EXPECT_GT(failures, 20) << "prepared: " << config.prepare_devices;
    }
    EXPECT_EQ(accounts(), before); // the fixture's own broker was never touched
}

class SmallMachineBrokerTest : public BrokerTest {
protected:
    static mock::MachineConfig machine() {
        auto m = mock::qemu_virt_aarch64_machine();
        // 64 KiB of RAM: enough for page tables and an IRQ notification, not for 64 KiB of DMA.
        std::erase_if(m.memory, [](const UntypedDesc& d) { return !d.is_device; });
        m.memory.push_back({0x4000'0000, 16, false});
        return m;
    }
    SmallMachineBrokerTest() : BrokerTest(machine()) {}
};

TEST_F(SmallMachineBrokerTest, ExhaustedMemoryIsAClearErrorAndLeaksNothing) {
    const auto before = accounts();
    EXPECT_EQ(broker_->request_device(virt::virtio_mmio(0)).error(), Error::not_enough_memory);
    EXPECT_EQ(accounts(), before);
    // The UART needs no DMA and still fits.
    EXPECT_TRUE(broker_->request_device(virt::uart).ok());
}

class TinyCSpaceBrokerTest : public BrokerTest {
protected:
    static mock::MachineConfig machine() {
        auto m = mock::qemu_virt_aarch64_machine();
        m.root_cnode_bits = 6; // 64 slots, 36 of them taken by initial and untyped caps
        return m;
    }
    TinyCSpaceBrokerTest() : BrokerTest(machine()) {}
};

TEST_F(TinyCSpaceBrokerTest, RunningOutOfSlotsIsAClearErrorAndLeaksNothing) {
    const auto before = accounts();
    EXPECT_EQ(broker_->request_device(virt::virtio_mmio(0)).error(), Error::out_of_slots);
    EXPECT_EQ(accounts(), before);
}

// A device tree that does not fit is a boot error, not a broker with no slots left to serve.
TEST_F(TinyCSpaceBrokerTest, ADeviceTreeThatDoesNotFitFailsTheBoot) {
    EXPECT_EQ(
        CapabilityBroker::from_bootinfo(kernel_.bootinfo(), virt::table, {.prepare_devices = true})
            .error(),
        Error::out_of_slots);
}

// Two table entries that overlap: the second claim is refused before anything is created.
constexpr DeviceDesc overlapping_devices[] = {
    {{DeviceKind::serial, 0}, "a", "", 0x0900'0000, 0x1000, 33, 1, 0, 0, false},
    {{DeviceKind::serial, 1}, "b", "", 0x0900'0800, 0x1000, 34, 1, 0, 0, false},
    {{DeviceKind::timer, 0}, "c", "", 0, 0, 33, 1, 0, 0, false},
};

class OverlapBrokerTest : public BrokerTest {
protected:
    OverlapBrokerTest()
        : BrokerTest(mock::qemu_virt_aarch64_machine(),
                     DeviceTable{Arch::aarch64, overlapping_devices}) {}
};

TEST_F(OverlapBrokerTest, OverlappingClaimsAreRefused) {
    ASSERT_TRUE(broker_->request_device({DeviceKind::serial, 0}).ok());
    const auto before = accounts();
    EXPECT_EQ(broker_->request_device({DeviceKind::serial, 1}).error(), Error::already_claimed);
    EXPECT_EQ(broker_->request_device({DeviceKind::timer, 0}).error(), Error::already_claimed);
    EXPECT_EQ(accounts(), before);
}

class Pc99BrokerTest : public BrokerTest {
protected:
    Pc99BrokerTest() : BrokerTest(mock::pc99_x86_64_machine(), pc99::table) {}
};

TEST_F(Pc99BrokerTest, Com1GetsItsPortsAndIrqAndTheHpetItsRegisters) {
    auto com1 = broker_->request_device(pc99::com1);
    ASSERT_TRUE(com1.ok()) << to_string(com1.error());
    EXPECT_TRUE((*com1)->io_ports.present());
    EXPECT_EQ((*com1)->io_ports.first, 0x3f8U);
    EXPECT_EQ(kernel_.slot((*com1)->io_ports.cap.cptr()).type, mock::CapType::io_port);
    EXPECT_FALSE((*com1)->mmio.present());
    EXPECT_TRUE(kernel_.irq_active(4));

    // x86 needs a PDPT, a page directory and a page table before the first page.
    auto hpet = broker_->request_device(pc99::hpet);
    ASSERT_TRUE(hpet.ok()) << to_string(hpet.error());
    EXPECT_EQ(kernel_.mapping_at((*hpet)->mmio.vaddr)->paddr, 0xfed0'0000U);
    // The PIT's ISA IRQ 0 is pin 2 too, the HPET's: the pin is issued once.
    EXPECT_FALSE(broker_->request_device(pc99::pit).ok());
    ASSERT_TRUE(broker_->release_device(pc99::hpet).ok());
    auto pit = broker_->request_device(pc99::pit);
    ASSERT_TRUE(pit.ok()) << to_string(pit.error());
    EXPECT_EQ((*pit)->irq.number, 2U);
    EXPECT_EQ((*pit)->io_ports.first, 0x40U);
}

// What the runtime-mode root task does for its serial driver, then undone: the port cap and the
// IRQ handler go, so both can be issued again.
TEST_F(Pc99BrokerTest, ReleasingCom1FreesItsPortsAndIrq) {
    auto com1 = broker_->request_device(pc99::com1);
    ASSERT_TRUE(com1.ok());
    const CPtr ports = (*com1)->io_ports.cap.cptr();
    ASSERT_TRUE(broker_->release_device(pc99::com1).ok());
    EXPECT_EQ(kernel_.slot(ports).type, mock::CapType::null);
    EXPECT_FALSE(kernel_.irq_active(4));
    auto again = broker_->request_device(pc99::com1);
    ASSERT_TRUE(again.ok()) << to_string(again.error());
    EXPECT_TRUE(kernel_.irq_active(4));
}

// Hardening, defect 3(b): release_device deleted the broker's caps but not the copies granted
// to a driver, which kept its ports and IRQ, and the device could not be requested again.
TEST_F(Pc99BrokerTest, ReleaseRevokesWhatWasGrantedToAComponent) {
    auto cnode = broker_->create<cap::CNode>(4);
    ASSERT_TRUE(cnode.ok());
    auto com1 = broker_->request_device(pc99::com1);
    ASSERT_TRUE(com1.ok());
    ASSERT_TRUE(kernel::cnode_copy({*cnode, 1, 4}, root_task::slot((*com1)->io_ports.cap.cptr()),
                                   CapRights::all())
                    .ok());
    ASSERT_TRUE(kernel::cnode_copy({*cnode, 2, 4}, root_task::slot((*com1)->irq.handler.cptr()),
                                   CapRights::all())
                    .ok());
    ASSERT_TRUE(broker_->release_device(pc99::com1).ok());
    EXPECT_FALSE(kernel_.irq_active(4)) << "the driver's copy still holds the IRQ";
    for (const CPtr granted :
         {CPtr{1}, CPtr{2}}) { // copying from an empty slot fails: both grants are gone
        EXPECT_EQ(
            kernel::cnode_copy({*cnode, 3, 4}, {*cnode, granted, 4}, CapRights::all()).error(),
            Error::failed_lookup);
    }
    auto again = broker_->request_device(pc99::com1);
    ASSERT_TRUE(again.ok()) << to_string(again.error());
}

} // namespace
} // namespace kaal::broker
