// SPDX-License-Identifier: BSD-2-Clause
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <vector>

#include <kaal/broker/capability_broker.hpp>
#include <kaal/broker/untyped_pool.hpp>
#include <kaal/platform/mock/kernel.hpp>

namespace kaal::broker {
namespace {

UntypedRecord ram(CPtr cptr, Word paddr, std::uint8_t bits) {
    return {Cap<cap::Untyped>{cptr}, paddr, bits, false, 0, 0};
}

TEST(UntypedPool, BestFitPrefersTheUntypedLeftWithLeastSpace) {
    UntypedPool pool;
    ASSERT_TRUE(pool.add(ram(1, 0x100000, 20)).ok());
    ASSERT_TRUE(pool.add(ram(2, 0x10000, 14)).ok());
    ASSERT_TRUE(pool.add(ram(3, 0x20000, 16)).ok());
    auto small = pool.reserve(Arch::aarch64, ObjectType::small_frame, 0, 1);
    ASSERT_TRUE(small.ok());
    EXPECT_EQ(small->index, 1U); // the 16 KiB untyped
    auto big = pool.reserve(Arch::aarch64, ObjectType::small_frame, 0, 8);
    ASSERT_TRUE(big.ok());
    EXPECT_EQ(big->index, 2U); // 32 KiB no longer fits in the 16 KiB one
    EXPECT_EQ(big->paddr, 0x20000U);
    EXPECT_EQ(pool.reserve(Arch::aarch64, ObjectType::large_frame, 0, 1).error(),
              Error::not_enough_memory);
}

TEST(UntypedPool, AlignmentWastesTheGapBeforeALargerObject) {
    UntypedPool pool;
    ASSERT_TRUE(pool.add(ram(1, 0x10000, 16)).ok());
    ASSERT_TRUE(pool.reserve(Arch::aarch64, ObjectType::endpoint, 0, 1).ok());
    auto frame = pool.reserve(Arch::aarch64, ObjectType::small_frame, 0, 1);
    ASSERT_TRUE(frame.ok());
    EXPECT_EQ(frame->paddr, 0x11000U);
    EXPECT_EQ(pool[0].watermark, 0x2000U);
    EXPECT_EQ(pool[0].free_bytes(), 0xe000U);
}

TEST(UntypedPool, CancelRestoresAndReleasingTheLastChildResets) {
    UntypedPool pool;
    ASSERT_TRUE(pool.add(ram(1, 0x10000, 16)).ok());
    auto first = pool.reserve(Arch::aarch64, ObjectType::small_frame, 0, 2);
    ASSERT_TRUE(first.ok());
    auto second = pool.reserve(Arch::aarch64, ObjectType::small_frame, 0, 1);
    ASSERT_TRUE(second.ok());
    pool.cancel(*second);
    EXPECT_EQ(pool[0].watermark, 0x2000U);
    EXPECT_EQ(pool[0].children, 2U);
    pool.release(0, 1);
    EXPECT_EQ(pool[0].free_bytes(), 0xe000U); // one child left: nothing comes back
    pool.release(0, 1);
    EXPECT_EQ(pool[0].free_bytes(), 0x10000U);
}

// seL4 cuts untypeds at size-aligned kernel-window addresses, and x86_64's window base is only
// 2^39-aligned: it describes device untypeds above 512 GiB that are not aligned to their size.
TEST(UntypedPool, AcceptsUntypedsAlignedToTheKernelWindow) {
    UntypedPool pool;
    EXPECT_TRUE(pool.add(ram(1, 0x80'0000'0000, 46)).ok());
    EXPECT_EQ(pool.add(ram(2, 0x80'0000'1000, 46)).error(), Error::invalid_argument);
}

TEST(UntypedPool, RejectsWhatNoKernelWouldDescribe) {
    UntypedPool pool;
    EXPECT_EQ(pool.add(ram(1, 0x10800, 12)).error(), Error::invalid_argument); // misaligned
    EXPECT_EQ(pool.add(ram(1, 0, 3)).error(), Error::invalid_argument);
    EXPECT_EQ(pool.reserve(Arch::aarch64, ObjectType::endpoint, 0, 0).error(),
              Error::invalid_argument);
    EXPECT_EQ(pool.reserve(Arch::aarch64, ObjectType::endpoint, 0, 1).error(),
              Error::not_enough_memory);
}

Result<CPtr> create(CapabilityBroker& broker, ObjectType type, unsigned user_bits) {
    const auto erase = [](auto made) -> Result<CPtr> {
        if (!made) {
            return made.error();
        }
        return made->cptr();
    };
    switch (type) {
    case ObjectType::untyped: return erase(broker.create<cap::Untyped>(user_bits));
    case ObjectType::tcb: return erase(broker.create<cap::Tcb>());
    case ObjectType::endpoint: return erase(broker.create<cap::Endpoint>());
    case ObjectType::notification: return erase(broker.create<cap::Notification>());
    case ObjectType::cnode: return erase(broker.create<cap::CNode>(user_bits));
    case ObjectType::small_frame: return erase(broker.create<cap::SmallFrame>());
    case ObjectType::large_frame: return erase(broker.create<cap::LargeFrame>());
    case ObjectType::page_table: return erase(broker.create<cap::PageTable>());
    default: return Error::invalid_argument;
    }
}

// The broker's accounting, driven through random creates and destroys, against two independent
// references: a model of the manual's rules written here, and the mock kernel's own state.
TEST(UntypedPool, RandomisedAccountingMatchesAModelAndTheKernel) {
    mock::MachineConfig machine;
    machine.arch = Arch::aarch64;
    machine.root_cnode_bits = 11;
    machine.memory = {{0x4000'0000, 18, false},
                      {0x4100'0000, 16, false},
                      {0x4200'0000, 13, false},
                      {0x4320'0000, 21, false}};
    mock::Kernel kernel{machine};
    const mock::ScopedKernel current{kernel};
    auto broker =
        CapabilityBroker::from_bootinfo(kernel.bootinfo(), DeviceTable{Arch::aarch64, nullptr, 0});
    ASSERT_TRUE(broker.ok());

    struct ModelUntyped {
        Word base;
        Word size;
        Word watermark = 0;
        Word children = 0;
        [[nodiscard]] Word next(unsigned bits) const {
            const Word used = children == 0 ? 0 : watermark;
            const Word mask = (Word{1} << bits) - 1;
            return (base + used + mask) & ~mask;
        }
        [[nodiscard]] bool fits(unsigned bits) const {
            return next(bits) + (Word{1} << bits) <= base + size;
        }
    };
    std::vector<ModelUntyped> model;
    for (const auto& region : machine.memory) {
        model.push_back({region.paddr, Word{1} << region.size_bits});
    }
    std::map<CPtr, std::size_t> live; // cptr -> model untyped

    const ObjectType types[] = {ObjectType::endpoint,   ObjectType::notification,
                                ObjectType::tcb,        ObjectType::small_frame,
                                ObjectType::page_table, ObjectType::cnode,
                                ObjectType::untyped,    ObjectType::large_frame};
    std::mt19937 rng{20240611}; // fixed: the same sequence on every run
    int created = 0;
    int refused = 0;
    for (int step = 0; step < 4000; ++step) {
        if (live.empty() || rng() % 100 < 55) {
            const ObjectType type = types[rng() % std::size(types)];
            unsigned user_bits = 0;
            if (type == ObjectType::cnode) {
                user_bits = static_cast<unsigned>(1 + rng() % 6);
            } else if (type == ObjectType::untyped) {
                user_bits = static_cast<unsigned>(4 + rng() % 14);
            }
            const unsigned bits = object_size_bits(Arch::aarch64, type, user_bits).value();
            const auto made = create(*broker, type, user_bits);
            if (!made) {
                ASSERT_EQ(made.error(), Error::not_enough_memory);
                for (const auto& ut : model) {
                    ASSERT_FALSE(ut.fits(bits)) << "refused although an untyped had room";
                }
                ++refused;
                continue;
            }
            ++created;
            const Word paddr = kernel.slot(*made).paddr;
            std::size_t owner = model.size();
            for (std::size_t i = 0; i < model.size(); ++i) {
                if (paddr >= model[i].base && paddr < model[i].base + model[i].size) {
                    owner = i;
                }
            }
            ASSERT_LT(owner, model.size());
            auto& ut = model[owner];
            ASSERT_EQ(paddr, ut.next(bits)) << "not where the kernel's watermark rule puts it";
            // Best fit: no untyped that could hold it would have had less left over.
            const Word left = ut.base + ut.size - (paddr + (Word{1} << bits));
            for (const auto& other : model) {
                if (other.fits(bits)) {
                    ASSERT_GE(other.base + other.size - (other.next(bits) + (Word{1} << bits)),
                              left);
                }
            }
            ut.watermark = paddr + (Word{1} << bits) - ut.base;
            ++ut.children;
            live[*made] = owner;
        } else {
            auto it = live.begin();
            std::advance(it, static_cast<long>(rng() % live.size()));
            ASSERT_TRUE(broker->destroy(Cap<cap::Endpoint>{it->first}).ok());
            --model[it->second].children;
            live.erase(it);
        }
        for (unsigned i = 0; i < broker->untypeds().size(); ++i) {
            const auto& record = broker->untypeds()[i];
            ASSERT_EQ(record.children, model[i].children);
            ASSERT_EQ(kernel.slot(record.cap.cptr()).children, model[i].children);
            if (model[i].children != 0) {
                ASSERT_EQ(record.watermark, model[i].watermark);
                ASSERT_EQ(*kernel.untyped_watermark(record.cap.cptr()), model[i].watermark);
            }
        }
    }
    EXPECT_GT(created, 1000);
    EXPECT_GT(refused, 10); // the run reached exhaustion, not just the easy cases
    EXPECT_EQ(kernel.live_objects(), live.size());
}

} // namespace
} // namespace kaal::broker
