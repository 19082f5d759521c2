// SPDX-License-Identifier: BSD-2-Clause
#include <array>
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include <kaal/ipc/byte_stream.hpp>

#include "ring_test_support.hpp"

namespace {

using kaal::ipc::ByteStream;
using kaal::ipc::test::Region;

TEST(ByteStream, WritesArePartialWhenFullAndReadsPartialWhenShort) {
    Region region(ByteStream::region_size(8));
    auto writer = ByteStream::attach(region.data(), region.size(), 8).value();
    auto reader = ByteStream::attach(region.data(), region.size(), 8).value();
    EXPECT_EQ(writer.write(std::string_view{"hello, world"}), 8U);
    EXPECT_EQ(writer.write(std::string_view{"!"}), 0U);
    std::array<char, 5> out{};
    EXPECT_EQ(reader.read(out), 5U);
    EXPECT_EQ(std::string_view(out.data(), 5), "hello");
    EXPECT_EQ(writer.write(std::string_view{"world"}), 5U); // wraps around the end
    std::array<char, 16> rest{};
    const auto n = reader.read(rest);
    EXPECT_EQ(std::string_view(rest.data(), n), ", wworld");
    EXPECT_EQ(reader.read(rest), 0U);
}

TEST(ByteStream, ReaderIsSignalledOnlyWhenAsleep) {
    Region region(ByteStream::region_size(16));
    auto stream = ByteStream::attach(region.data(), region.size(), 16).value();
    EXPECT_TRUE(stream.reader_may_sleep());
    EXPECT_EQ(stream.write(std::string_view{"abc"}), 3U);
    EXPECT_TRUE(stream.reader_needs_signal());
    EXPECT_EQ(stream.write(std::string_view{"d"}), 1U);
    EXPECT_FALSE(stream.reader_needs_signal());
    std::array<char, 16> out{};
    EXPECT_EQ(stream.read(out), 4U);
    EXPECT_FALSE(stream.writer_needs_signal());
}

TEST(ByteStream, AStreamLongerThanTheRingArrivesIntact) {
    Region region(ByteStream::region_size(16));
    auto stream = ByteStream::attach(region.data(), region.size(), 16).value();
    std::string sent;
    for (int i = 0; i < 1000; ++i) {
        sent += static_cast<char>('a' + i % 26);
    }
    std::string received;
    std::size_t offset = 0;
    std::array<char, 7> chunk{};
    while (received.size() < sent.size()) {
        offset += stream.write(std::string_view{sent}.substr(offset, 11));
        received.append(chunk.data(), stream.read(chunk));
    }
    EXPECT_EQ(received, sent);
}

} // namespace
