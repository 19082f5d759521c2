// SPDX-License-Identifier: BSD-2-Clause
// Irq on the mock platform: made from a DeviceIrq, acked through the PD's IRQ channel.
#include <gtest/gtest.h>
#include <vector>

#include <kaal/dddk/irq.hpp>

namespace {

using kaal::Channel;
using kaal::Error;
using kaal::dddk::Irq;

kaal::DeviceIrq irq_on(unsigned channel) {
    kaal::DeviceIrq irq;
    irq.number = 33;
    irq.channel = channel;
    return irq;
}

TEST(Irq, AckGoesToItsChannelAndIsRejectedWhenNotWiredAsAnIrq) {
    kaal::mock::ProtectionDomain pd;
    pd.irqs = 1U << 4;
    std::vector<unsigned> acked;
    pd.on_irq_ack = [&](Channel ch) { acked.push_back(ch.id()); };
    const kaal::mock::ScopedPd as{pd};

    const auto irq = Irq::from(irq_on(4));
    ASSERT_TRUE(irq.ok());
    EXPECT_EQ(irq->number(), 33U);
    EXPECT_TRUE(irq->arrived_on(Channel{4}));
    EXPECT_FALSE(irq->arrived_on(Channel{5}));
    ASSERT_TRUE(irq->ack().ok());
    EXPECT_EQ(acked, std::vector<unsigned>{4});

    const auto unwired = Irq::from(irq_on(5));
    ASSERT_TRUE(unwired.ok());
    EXPECT_EQ(unwired->ack().error(), Error::invalid_channel);
    EXPECT_EQ(acked.size(), 1U);
}

TEST(Irq, RejectsABundleWithoutAnIrqOrWithAnImpossibleChannel) {
    EXPECT_EQ(Irq::from(kaal::DeviceIrq{}).error(), Error::invalid_argument);
    EXPECT_EQ(Irq::from(irq_on(63)).error(), Error::invalid_channel);
    EXPECT_EQ(Irq::from(irq_on(kaal::DeviceIrq::no_channel)).error(), Error::invalid_channel);
}

} // namespace
