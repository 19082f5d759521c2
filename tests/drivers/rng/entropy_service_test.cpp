// SPDX-License-Identifier: BSD-2-Clause
// The entropy source's protocol end to end on the host: EntropyServer answering calls from the
// virtio-rng driver's pool (against the device model), and EntropyClient on the mock PD model
// calling it. Bad requests get errors and cost the other clients nothing; bytes given to one
// client are never given to another; a client that got a short answer is notified after the
// refill, and the client's read survives the notification arriving before it waits.
#include <array>
#include <chrono>
#include <cstdint>
#include <gtest/gtest.h>
#include <mutex>
#include <thread>
#include <vector>

#include <kaal/dddk/mock_bus.hpp>
#include <kaal/ipc/message_codec.hpp>
#include <kaal/services/entropy/entropy_client.hpp>
#include <kaal/services/entropy/entropy_server.hpp>

#include "virtio_rng_driver.hpp"
#include "virtio_rng_model.hpp"

namespace {

using namespace kaal::services::entropy;
using kaal::Channel;
using kaal::Error;
using kaal::MessageInfo;
using kaal::Word;
using kaal::testing::VirtioRngModel;
using Bus = kaal::dddk::MockBus<VirtioRngModel>;
using Driver = kaal::drivers::rng::VirtioRngDriver<Bus>;

constexpr Channel channel_a{3};
constexpr Channel channel_b{5};
constexpr std::size_t page_bytes = 4096;

struct alignas(4096) Page {
    std::array<std::uint8_t, page_bytes> bytes{};
};

// The driver PD's state: the device, the driver, both clients' pages and the server.
class Source {
public:
    Source()
        : page_a_vaddr_(reinterpret_cast<Word>(page_a.bytes.data())),
          page_b_vaddr_(reinterpret_cast<Word>(page_b.bytes.data())),
          clients_{EntropyClientWiring{&page_a_vaddr_, page_bytes, channel_a},
                   EntropyClientWiring{&page_b_vaddr_, page_bytes, channel_b}},
          driver(Driver::create(Bus{model}, dma()).value()), server(clients_) {}

    // The device's interrupt, as the PD handles it: collect, then notify whoever waits.
    std::vector<Channel> interrupt() {
        std::vector<Channel> woken;
        if (driver.handle_irq() + driver.collect() != 0 || driver.failed()) {
            server.wake([&](Channel ch) { woken.push_back(ch); });
        }
        return woken;
    }

    VirtioRngModel model;
    Page page_a;
    Page page_b;

private:
    kaal::DmaPool dma() {
        const auto at = reinterpret_cast<Word>(dma_.bytes.data());
        return {at, at, Driver::dma_bytes};
    }
    Page dma_;
    Word page_a_vaddr_;
    Word page_b_vaddr_;
    std::array<EntropyClientWiring, 2> clients_;

public:
    Driver driver;
    EntropyServer server;
};

TEST(EntropyServer, RefusesBadRequestsWithErrorsAndServesTheOthersAfterwards) {
    Source s;
    ASSERT_EQ(s.interrupt().size(), 0U);
    EXPECT_EQ(s.server.take(channel_a, Take{0}, s.driver).error(), Error::invalid_argument);
    EXPECT_EQ(s.server.take(channel_a, Take{page_bytes + 1}, s.driver).error(), Error::range_error);
    EXPECT_EQ(s.server.take(channel_a, Take{~Word{0}}, s.driver).error(), Error::range_error);
    EXPECT_EQ(s.server.take(Channel{7}, Take{16}, s.driver).error(), Error::invalid_channel);

    // At the message level: another label, or a Take of the wrong length.
    std::array<Word, MessageInfo::max_length> words{};
    const kaal::ipc::ArrayRegisters regs{words};
    const MessageInfo other_label = s.server.serve(channel_a, MessageInfo{2, 1}, s.driver, regs);
    EXPECT_TRUE(kaal::is_error_reply(other_label));
    EXPECT_EQ(kaal::reply_error(other_label), Error::malformed_message);
    const MessageInfo too_long = s.server.serve(channel_a, MessageInfo{1, 2}, s.driver, regs);
    EXPECT_EQ(kaal::reply_error(too_long), Error::malformed_message);
    EXPECT_EQ(s.driver.available(), Driver::pool_bytes) << "no bad request took a byte";

    words[0] = 32;
    const MessageInfo good = s.server.serve(channel_b, MessageInfo{1, 1}, s.driver, regs);
    ASSERT_FALSE(kaal::is_error_reply(good));
    EXPECT_EQ(words[0], 32U);
    EXPECT_EQ(s.page_b.bytes[31], 31U);
}

TEST(EntropyServer, NeverGivesTwoClientsTheSameBytesAndWakesTheOneThatWasShort) {
    Source s;
    static_cast<void>(s.interrupt());
    s.model.hold = true;
    const auto a = s.server.take(channel_a, Take{1000}, s.driver);
    const auto b = s.server.take(channel_b, Take{page_bytes}, s.driver);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->bytes, 1000U);
    EXPECT_EQ(b->bytes, Driver::pool_bytes - 1000) << "the rest, short";
    EXPECT_EQ(s.page_a.bytes[999], static_cast<std::uint8_t>(999));
    EXPECT_EQ(s.page_b.bytes[0], static_cast<std::uint8_t>(1000)) << "where a's bytes ended";
    EXPECT_FALSE(s.server.waiting(channel_a));
    EXPECT_TRUE(s.server.waiting(channel_b));

    const auto empty = s.server.take(channel_a, Take{10}, s.driver);
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->bytes, 0U);
    s.model.process();
    const std::vector<Channel> woken = s.interrupt();
    EXPECT_EQ(woken, (std::vector<Channel>{channel_a, channel_b}));
    EXPECT_FALSE(s.server.anyone_waiting()) << "each is notified once per short answer";
}

TEST(EntropyServer, TellsAClientWhenThePoolIsEmptyAndTheDeviceHasFailed) {
    Source s;
    s.model.hold = true;
    s.model.needs_reset = true;
    const auto first = s.server.take(channel_a, Take{16}, s.driver);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->bytes, 0U);
    s.model.process();
    EXPECT_EQ(s.interrupt(), std::vector<Channel>{channel_a}) << "woken to learn it";
    const auto served = s.server.take(channel_a, Take{page_bytes}, s.driver);
    ASSERT_TRUE(served.ok());
    EXPECT_EQ(served->bytes, Driver::pool_bytes) << "the pool it held is still served";
    EXPECT_EQ(s.server.take(channel_a, Take{16}, s.driver).error(), Error::io_error);
}

// The client's PD on the mock model, calling the source through its ppcall hook.
class ClientPd {
public:
    explicit ClientPd(Source& source) : source_(source) {
        pd.notifications = Word{1} << channel_a.id();
        pd.pps = Word{1} << channel_a.id();
        pd.on_ppcall = [this](Channel ch, MessageInfo msg) {
            const std::scoped_lock lock{source_mutex};
            ++calls;
            const MessageInfo reply = source_.server.serve(ch, msg, source_.driver);
            if (refill_at_once) {
                // The refill lands between the short answer and the client's wait: its
                // notification must be pending when the client waits.
                source_.model.process();
                for (const Channel woken : source_.interrupt()) {
                    pd.inbox.signal(Word{1} << woken.id());
                }
            }
            return reply;
        };
    }

    kaal::mock::ProtectionDomain pd;
    std::mutex source_mutex;
    bool refill_at_once = false;
    unsigned calls = 0;

private:
    Source& source_;
};

TEST(EntropyClient, ReadsMoreThanThePoolWhenTheRefillComesBeforeItWaits) {
    Source s;
    static_cast<void>(s.interrupt());
    s.model.hold = true;
    ClientPd client{s};
    client.refill_at_once = true;
    const kaal::mock::ScopedPd as{client.pd};
    auto rng =
        EntropyClient::attach(reinterpret_cast<Word>(s.page_a.bytes.data()), page_bytes, channel_a);
    ASSERT_TRUE(rng.ok());
    std::vector<std::uint8_t> out(3 * Driver::pool_bytes);
    ASSERT_TRUE(rng->read(out).ok());
    for (std::size_t i = 0; i < out.size(); ++i) {
        ASSERT_EQ(out[i], static_cast<std::uint8_t>(i)) << "byte " << i;
    }
    EXPECT_GE(client.calls, 3U);
}

TEST(EntropyClient, WaitsForTheRefillsNotificationAndTriesAgain) {
    Source s;
    s.model.hold = true; // the pool starts empty
    ClientPd client{s};
    const kaal::mock::ScopedPd as{client.pd};
    auto rng =
        EntropyClient::attach(reinterpret_cast<Word>(s.page_a.bytes.data()), page_bytes, channel_a);
    ASSERT_TRUE(rng.ok());
    std::array<std::uint8_t, 16> none{};
    const auto nothing = rng->try_read(none);
    ASSERT_TRUE(nothing.ok());
    EXPECT_EQ(*nothing, 0U) << "try_read never waits";

    // The device, later: fills the pool and the driver notifies the waiting client.
    std::thread device([&] {
        for (int round = 0; round < 4; ++round) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            const std::scoped_lock lock{client.source_mutex};
            s.model.process();
            for (const Channel woken : s.interrupt()) {
                client.pd.inbox.signal(Word{1} << woken.id());
            }
        }
    });
    std::vector<std::uint8_t> out(Driver::pool_bytes + 100);
    const auto read = rng->read(out);
    device.join();
    ASSERT_TRUE(read.ok()) << to_string(read.error());
    for (std::size_t i = 0; i < out.size(); ++i) {
        ASSERT_EQ(out[i], static_cast<std::uint8_t>(i)) << "byte " << i;
    }
}

TEST(EntropyClient, RefusesToAttachWithoutAPageAndReportsTheSourcesErrors) {
    EXPECT_EQ(EntropyClient::attach(0, page_bytes, channel_a).error(), Error::invalid_argument);
    Source s;
    s.model.hold = true;
    s.model.needs_reset = true;
    static_cast<void>(s.interrupt());
    std::vector<std::uint8_t> pool(Driver::pool_bytes);
    ASSERT_EQ(s.driver.take(pool), Driver::pool_bytes);
    ClientPd client{s};
    const kaal::mock::ScopedPd as{client.pd};
    auto rng =
        EntropyClient::attach(reinterpret_cast<Word>(s.page_a.bytes.data()), page_bytes, channel_a);
    ASSERT_TRUE(rng.ok());
    std::array<std::uint8_t, 16> out{};
    EXPECT_EQ(rng->read(out).error(), Error::io_error) << "a failed device, not a hang";
}

} // namespace
