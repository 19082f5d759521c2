// SPDX-License-Identifier: BSD-2-Clause
#include <array>
#include <gtest/gtest.h>
#include <string_view>

#include <kaal/ipc/message_codec.hpp>
#include <kaal/ipc/ppc.hpp>

#include "ppc_protocol.hpp"

namespace {

using kaal::Error;
using kaal::MessageInfo;
using kaal::Word;
using kaal::ipc::ArrayRegisters;
using kaal::ipc::EmptyPayload;
using kaal::ipc::test::Accumulate;
using kaal::ipc::test::Add;
using kaal::ipc::test::Adder;
using kaal::ipc::test::AdderServer;
using kaal::ipc::test::Fill;
using kaal::ipc::test::Reset;
using kaal::ipc::test::Sum;

static_assert(kaal::ipc::payload_words<Add> == 2);
static_assert(kaal::ipc::payload_words<Accumulate> == 1); // two 32-bit fields share a word
static_assert(kaal::ipc::payload_words<Reset> == 0);
static_assert(kaal::ipc::payload_words<Fill> == MessageInfo::max_length);
struct Padded {
    [[maybe_unused]] static constexpr Word label = 9;
    using Reply = EmptyPayload;
    std::uint32_t a;
    Word b; // four bytes of padding before this
};
static_assert(!kaal::ipc::Request<Padded>, "padding would leak the sender's memory");
struct TooLong {
    [[maybe_unused]] static constexpr Word label = 9;
    using Reply = EmptyPayload;
    Word words[MessageInfo::max_length + 1];
};
static_assert(!kaal::ipc::Request<TooLong>);

struct Registers {
    std::array<Word, MessageInfo::max_length> words{};
    ArrayRegisters all() { return ArrayRegisters{words}; }
};

TEST(MessageCodec, RequestRoundTrips) {
    Registers mrs;
    const auto info = kaal::ipc::encode_request(Add{40, 2}, mrs.all());
    EXPECT_EQ(info, (MessageInfo{Add::label, 2}));
    const auto decoded = kaal::ipc::decode_request<Add>(info, mrs.all());
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->a, 40U);
    EXPECT_EQ(decoded->b, 2U);
}

TEST(MessageCodec, DecoderRejectsWrongLabelAndWrongLength) {
    Registers mrs;
    EXPECT_EQ(kaal::ipc::decode_request<Add>(MessageInfo{Accumulate::label, 2}, mrs.all()).error(),
              Error::malformed_message);
    EXPECT_EQ(kaal::ipc::decode_request<Add>(MessageInfo{Add::label, 1}, mrs.all()).error(),
              Error::malformed_message);
    EXPECT_EQ(kaal::ipc::decode_request<Add>(MessageInfo{Add::label, 3}, mrs.all()).error(),
              Error::malformed_message);
}

TEST(MessageCodec, DecoderReadsOnlyTheMessagesRegisters) {
    // Registers that trap beyond the message's own length: a decoder reading further would
    // abort this test.
    std::array<Word, 2> words{5, 6};
    const auto decoded =
        kaal::ipc::decode_request<Add>(MessageInfo{Add::label, 2}, ArrayRegisters{words});
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->a + decoded->b, 11U);
    std::array<Word, 0> none{};
    EXPECT_EQ(
        kaal::ipc::decode_request<Add>(MessageInfo{Add::label, 0}, ArrayRegisters{none}).error(),
        Error::malformed_message);
}

TEST(MessageCodec, ReplyDecoding) {
    Registers mrs;
    const auto ok = kaal::ipc::encode_reply(Sum{7}, mrs.all());
    EXPECT_EQ(ok, kaal::ok_reply(1));
    EXPECT_EQ(kaal::ipc::decode_reply<Sum>(ok, mrs.all())->value, 7U);
    EXPECT_EQ(
        kaal::ipc::decode_reply<Sum>(kaal::error_reply(Error::range_error), mrs.all()).error(),
        Error::range_error);
    // A server answering with nonsense is itself a malformed message.
    EXPECT_EQ(kaal::ipc::decode_reply<Sum>(kaal::ok_reply(2), mrs.all()).error(),
              Error::malformed_message);
    EXPECT_EQ(kaal::ipc::decode_reply<Sum>(MessageInfo{200, 0}, mrs.all()).error(),
              Error::malformed_message);
    EXPECT_TRUE(kaal::ipc::decode_reply<EmptyPayload>(kaal::ok_reply(0), mrs.all()).ok());
}

// The known labels are a bitmap worked out at compile time; every label of a byte and beyond
// decodes as the error it names, or as malformed when it names none (each word of the bitmap,
// and the first and last bit of each, included).
TEST(MessageCodec, AnErrorReplyDecodesAsTheErrorItNamesOrAsMalformed) {
    Registers mrs;
    unsigned known = 0;
    for (Word label = 1; label <= 0x200; ++label) {
        SCOPED_TRACE(label);
        const auto decoded = kaal::ipc::decode_reply<Sum>(MessageInfo{label, 0}, mrs.all());
        const bool names_an_error =
            label <= 0xff &&
            std::string_view{kaal::to_string(static_cast<Error>(label))} != "unknown error";
        EXPECT_EQ(decoded.error(),
                  names_an_error ? static_cast<Error>(label) : Error::malformed_message);
        known += names_an_error ? 1U : 0U;
    }
    EXPECT_GE(known, 20U); // the seL4 errors and KaaL's own
}

TEST(Protocol, ServesEveryRequestType) {
    Registers mrs;
    AdderServer server;
    auto reply = Adder::serve(kaal::ipc::encode_request(Add{1, 2}, mrs.all()), server, mrs.all());
    EXPECT_EQ(kaal::ipc::decode_reply<Sum>(reply, mrs.all())->value, 3U);
    reply = Adder::serve(kaal::ipc::encode_request(Accumulate{5, 3}, mrs.all()), server, mrs.all());
    EXPECT_EQ(kaal::ipc::decode_reply<Sum>(reply, mrs.all())->value, 15U);
    reply = Adder::serve(kaal::ipc::encode_request(Reset{}, mrs.all()), server, mrs.all());
    EXPECT_EQ(reply, kaal::ok_reply(0));
    EXPECT_EQ(server.total, 0U);
    EXPECT_EQ(server.handled, 3U);
}

TEST(Protocol, MalformedRequestsGetAnErrorReplyAndNeverReachTheHandler) {
    Registers mrs;
    AdderServer server;
    for (const MessageInfo bad : {MessageInfo{0, 0}, MessageInfo{99, 2}, MessageInfo{Add::label, 1},
                                  MessageInfo{Add::label, 120}, MessageInfo{Reset::label, 1},
                                  MessageInfo{Fill::label, 119}}) {
        const auto reply = Adder::serve(bad, server, mrs.all());
        EXPECT_TRUE(kaal::is_error_reply(reply));
        EXPECT_EQ(kaal::reply_error(reply), Error::malformed_message);
        EXPECT_EQ(reply.length(), 0U);
    }
    EXPECT_EQ(server.handled, 0U);
    // The server keeps serving afterwards.
    const auto reply =
        Adder::serve(kaal::ipc::encode_request(Add{2, 2}, mrs.all()), server, mrs.all());
    EXPECT_EQ(kaal::ipc::decode_reply<Sum>(reply, mrs.all())->value, 4U);
}

TEST(Protocol, HandlerErrorsBecomeErrorReplies) {
    Registers mrs;
    AdderServer server;
    const auto reply =
        Adder::serve(kaal::ipc::encode_request(Add{~Word{0}, 1}, mrs.all()), server, mrs.all());
    EXPECT_EQ(kaal::ipc::decode_reply<Sum>(reply, mrs.all()).error(), Error::range_error);
}

TEST(Ppc, CallOverAMockChannel) {
    kaal::mock::ProtectionDomain pd;
    pd.pps = 1U << 3;
    AdderServer server;
    pd.on_ppcall = [&](kaal::Channel, MessageInfo msg) {
        return kaal::ipc::serve<Add, Accumulate, Reset, Fill>(msg, server);
    };
    const kaal::mock::ScopedPd as{pd};
    EXPECT_EQ(kaal::ipc::call(kaal::Channel{3}, Add{20, 22})->value, 42U);
    EXPECT_EQ(kaal::ipc::call(kaal::Channel{3}, Add{~Word{0}, 1}).error(), Error::range_error);
    EXPECT_EQ(kaal::ipc::call(kaal::Channel{4}, Add{1, 1}).error(), Error::invalid_channel);
}

} // namespace
