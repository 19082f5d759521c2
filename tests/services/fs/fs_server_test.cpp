// SPDX-License-Identifier: BSD-2-Clause
// The filesystem service's logic with two clients of one real volume (mkfs.fat): the protocol
// round trip, and every way a client can misbehave — handles it never opened or another
// client's, buffers outside its data region, malformed commands, a completion ring it never
// drains — each answered with an error while the other client carries on.
#include <array>
#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include <kaal/services/fs/fat/volume.hpp>
#include <kaal/services/fs/fs_server.hpp>

#include "fat_test_support.hpp"

namespace {

using namespace kaal::services::fs;
using kaal::Error;
using kaal::test::MemoryDisk;
using TestVolume = fat::Volume<MemoryDisk>;
using Server = FsServer<TestVolume, 2, 4>;

struct TestClient {
    alignas(64) std::array<std::byte, fs_queue_bytes> queue_region{};
    std::vector<std::uint8_t> data = std::vector<std::uint8_t>(64 * 1024);
    FsQueue queue = *FsQueue::attach(queue_region.data());
    std::uint64_t next_id = 1;

    // Puts `text` at `offset` of the data region.
    std::uint32_t put(std::uint64_t offset, std::string_view text) {
        std::memcpy(data.data() + offset, text.data(), text.size());
        return static_cast<std::uint32_t>(text.size());
    }
};

class FsServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!kaal::test::fat_tools_present()) {
            GTEST_SKIP() << "SKIPPED: mkfs.fat missing (scripts/setup.sh installs dosfstools)";
        }
        kaal::test::TempFile image;
        disk_.bytes = kaal::test::make_volume(image.path(), 16384, "-F 16");
        ASSERT_TRUE(volume_.mount().ok());
        ASSERT_EQ(*server_.add_client(a_.queue, a_.data), 0u);
        ASSERT_EQ(*server_.add_client(b_.queue, b_.data), 1u);
    }

    // Sends one command and runs the server; its completion.
    FsCompletion call(TestClient& c, FsCommand cmd) {
        cmd.id = c.next_id++;
        // The client asks to be woken by the next completion, as it does before it sleeps.
        EXPECT_TRUE(c.queue.completions.consumer_may_sleep());
        EXPECT_TRUE(c.queue.commands.push(cmd).ok());
        server_.serve([this](std::size_t i) { ++notified_[i]; });
        auto done = c.queue.completions.pop();
        EXPECT_TRUE(done.ok());
        if (!done) {
            return {};
        }
        EXPECT_EQ(done->id, cmd.id);
        return *done;
    }

    FsCompletion open(TestClient& c, std::string_view path, std::uint32_t flags) {
        FsCommand cmd{};
        cmd.op = FsOp::open;
        cmd.flags = flags;
        cmd.path = 60'000;
        cmd.path_len = c.put(60'000, path);
        return call(c, cmd);
    }

    FsCompletion io(TestClient& c, FsOp op, std::uint64_t handle, std::uint64_t offset,
                    std::uint64_t data, std::uint32_t length) {
        return call(c, io_command(op, static_cast<std::uint32_t>(handle), offset, data, length));
    }

    MemoryDisk disk_;
    TestVolume volume_{disk_};
    Server server_{volume_};
    TestClient a_;
    TestClient b_;
    std::array<unsigned, 2> notified_{};
};

TEST_F(FsServerTest, OpenWriteReadStatReaddirClose) {
    const auto opened = open(a_, "/hello.txt", open_flag::create);
    ASSERT_EQ(opened.status, Error::ok);
    const std::uint64_t h = opened.value;
    const std::uint32_t n = a_.put(0, "hello, seL4\n");
    auto w = io(a_, FsOp::write, h, 0, 0, n);
    ASSERT_EQ(w.status, Error::ok);
    EXPECT_EQ(w.value, n);
    auto r = io(a_, FsOp::read, h, 7, 1000, 100);
    ASSERT_EQ(r.status, Error::ok);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&a_.data[1000]), r.value), "seL4\n");
    EXPECT_GT(notified_[0], 0u); // a asked for a signal, and got one
    EXPECT_EQ(notified_[1], 0u); // b asked for nothing

    FsCommand st{};
    st.op = FsOp::stat;
    st.path = 60'000;
    st.path_len = a_.put(60'000, "/HELLO.TXT");
    st.data = 2000;
    st.length = sizeof(FsStat);
    ASSERT_EQ(call(a_, st).status, Error::ok);
    FsStat s{};
    std::memcpy(&s, &a_.data[2000], sizeof s);
    EXPECT_EQ(s.size, n);
    EXPECT_EQ(s.directory, 0u);

    const auto root = open(a_, "/", open_flag::directory);
    ASSERT_EQ(root.status, Error::ok);
    auto d = io(a_, FsOp::readdir, root.value, 0, 4096, sizeof(FsDirEntry));
    ASSERT_EQ(d.status, Error::ok);
    ASSERT_EQ(d.value2, 1u);
    FsDirEntry e{};
    std::memcpy(&e, &a_.data[4096], sizeof e);
    EXPECT_EQ(std::string(e.name, e.name_len), "hello.txt");
    auto end = io(a_, FsOp::readdir, root.value, d.value, 4096, sizeof(FsDirEntry));
    EXPECT_EQ(end.status, Error::ok);
    EXPECT_EQ(end.value2, 0u);

    FsCommand fs{};
    fs.op = FsOp::statfs;
    fs.data = 8192;
    fs.length = sizeof(FsVolumeStats);
    ASSERT_EQ(call(a_, fs).status, Error::ok);
    FsVolumeStats vs{};
    std::memcpy(&vs, &a_.data[8192], sizeof vs);
    EXPECT_STREQ(vs.type, "FAT16");
    EXPECT_GT(vs.free_blocks, 0u);
    EXPECT_LT(vs.free_blocks, vs.blocks);

    EXPECT_EQ(io(a_, FsOp::close, h, 0, 0, 0).status, Error::ok);
    EXPECT_EQ(io(a_, FsOp::close, root.value, 0, 0, 0).status, Error::ok);
    EXPECT_EQ(server_.open_handles(0), 0u);
}

TEST_F(FsServerTest, AHandleMeansSomethingOnlyToItsOwner) {
    const auto opened = open(a_, "/secret.txt", open_flag::create);
    ASSERT_EQ(opened.status, Error::ok);
    const std::uint32_t n = a_.put(0, "a's secret");
    ASSERT_EQ(io(a_, FsOp::write, opened.value, 0, 0, n).status, Error::ok);
    // b names a's handle number: it is not one of b's.
    EXPECT_EQ(io(b_, FsOp::read, opened.value, 0, 0, 100).status, Error::invalid_argument);
    EXPECT_EQ(io(b_, FsOp::write, opened.value, 0, 0, 5).status, Error::invalid_argument);
    EXPECT_EQ(io(b_, FsOp::truncate, opened.value, 0, 0, 0).status, Error::invalid_argument);
    EXPECT_EQ(io(b_, FsOp::close, opened.value, 0, 0, 0).status, Error::invalid_argument);
    EXPECT_EQ(io(b_, FsOp::read, 9999, 0, 0, 100).status, Error::invalid_argument);
    // a's handle still works and its file is whole.
    auto r = io(a_, FsOp::read, opened.value, 0, 100, 100);
    ASSERT_EQ(r.status, Error::ok);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&a_.data[100]), r.value), "a's secret");
    // A closed handle is gone.
    ASSERT_EQ(io(a_, FsOp::close, opened.value, 0, 0, 0).status, Error::ok);
    EXPECT_EQ(io(a_, FsOp::read, opened.value, 0, 0, 1).status, Error::invalid_argument);
}

TEST_F(FsServerTest, MalformedCommandsGetErrorReplies) {
    const auto opened = open(a_, "/f", open_flag::create);
    ASSERT_EQ(opened.status, Error::ok);
    const std::uint64_t size = a_.data.size();
    // Buffers outside the data region, including ones whose end wraps around.
    EXPECT_EQ(io(a_, FsOp::read, opened.value, 0, size, 1).status, Error::range_error);
    EXPECT_EQ(io(a_, FsOp::write, opened.value, 0, size - 10, 11).status, Error::range_error);
    EXPECT_EQ(io(a_, FsOp::read, opened.value, 0, ~std::uint64_t{0}, 2).status, Error::range_error);
    // A file offset past 4 GiB.
    a_.put(0, "x");
    EXPECT_EQ(io(a_, FsOp::write, opened.value, std::uint64_t{1} << 33, 0, 1).status,
              Error::range_error);
    // Paths: empty, too long, outside the region, with a NUL inside.
    FsCommand cmd{};
    cmd.op = FsOp::mkdir;
    cmd.path = 0;
    cmd.path_len = 0;
    EXPECT_EQ(call(a_, cmd).status, Error::malformed_message);
    cmd.path_len = fs_max_path + 1;
    EXPECT_EQ(call(a_, cmd).status, Error::malformed_message);
    cmd.path = size - 2;
    cmd.path_len = 3;
    EXPECT_EQ(call(a_, cmd).status, Error::malformed_message);
    cmd.path = 0;
    cmd.path_len = a_.put(0, std::string_view{"/a\0b", 4});
    EXPECT_EQ(call(a_, cmd).status, Error::bad_name);
    // An op the protocol does not have, and open flags it does not have.
    cmd = {};
    cmd.op = static_cast<FsOp>(77);
    EXPECT_EQ(call(a_, cmd).status, Error::malformed_message);
    EXPECT_EQ(open(a_, "/g", 1u << 20).status, Error::invalid_argument);
    // Result buffers too small for what they would receive.
    EXPECT_EQ(io(a_, FsOp::readdir, opened.value, 0, 0, sizeof(FsDirEntry)).status,
              Error::not_directory);
    const auto root = open(a_, "/", open_flag::directory);
    EXPECT_EQ(io(a_, FsOp::readdir, root.value, 0, 0, 8).status, Error::no_space);
    // Handles run out at the client's own limit (4 here), not the server's.
    std::vector<std::uint64_t> handles;
    for (int i = 0; i < 4; ++i) {
        const auto o = open(a_, "/f", 0);
        if (o.status == Error::ok) {
            handles.push_back(o.value);
        } else {
            EXPECT_EQ(o.status, Error::out_of_slots);
        }
    }
    EXPECT_EQ(server_.open_handles(0), 4u);
    // b is unaffected by all of it.
    EXPECT_EQ(open(b_, "/b.txt", open_flag::create).status, Error::ok);
}

TEST_F(FsServerTest, AClientThatNeverDrainsDoesNotStopTheOther) {
    // a fills its command ring and never takes a completion.
    FsCommand cmd{};
    cmd.op = FsOp::sync;
    for (std::uint32_t i = 0; i < fs_queue_capacity; ++i) {
        cmd.id = 100 + i;
        ASSERT_TRUE(a_.queue.commands.push(cmd).ok());
    }
    server_.serve([](std::size_t) {});
    for (std::uint32_t i = 0; i < 4; ++i) {
        cmd.id = 200 + i;
        ASSERT_TRUE(a_.queue.commands.push(cmd).ok());
    }
    // b is served while a's completion ring stays full.
    EXPECT_EQ(open(b_, "/still-served", open_flag::create).status, Error::ok);
    // Once a drains, its remaining commands run.
    std::uint64_t expected = 100;
    while (auto done = a_.queue.completions.pop()) {
        EXPECT_EQ(done->id, expected++);
    }
    if (a_.queue.completions.producer_needs_signal()) {
        server_.serve([](std::size_t) {});
    }
    expected = 200;
    while (auto done = a_.queue.completions.pop()) {
        EXPECT_EQ(done->id, expected++);
    }
    EXPECT_EQ(expected, 204u);
}

TEST_F(FsServerTest, AnUnavailableVolumeAnswersEveryCommand) {
    server_.set_unavailable(Error::corrupt_data);
    EXPECT_EQ(open(a_, "/x", open_flag::create).status, Error::corrupt_data);
    EXPECT_EQ(io(b_, FsOp::sync, 0, 0, 0, 0).status, Error::corrupt_data);
}

} // namespace

namespace {

// A client that found its command ring full asked for room and slept; it asked for no
// completion signal. The server must still wake it once it has taken commands: the request for
// room is consumed when the server sees it, so a signal owed for it cannot depend on the other.
TEST_F(FsServerTest, AClientWaitingForCommandRoomIsWoken) {
    FsCommand cmd{};
    cmd.op = FsOp::sync;
    for (std::uint32_t i = 0; i < fs_queue_capacity; ++i) {
        cmd.id = i;
        ASSERT_TRUE(a_.queue.commands.push(cmd).ok());
    }
    ASSERT_TRUE(a_.queue.commands.producer_may_sleep()); // full: it asks for room and sleeps
    server_.serve([this](std::size_t i) { ++notified_[i]; });
    EXPECT_EQ(notified_[0], 1u);
    EXPECT_EQ(notified_[1], 0u);
}

} // namespace
