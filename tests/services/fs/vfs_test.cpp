// SPDX-License-Identifier: BSD-2-Clause
// The VFS over two real filesystem services: "/" on one FAT16 volume, "/data" on another, each
// with its own FsServer and FsClient, the client's wait running its server as the service PD
// would run on being notified. Files much larger than the clients' buffers, so every transfer
// crosses piece boundaries; the mount table's resolution; descriptors; and clients facing a
// service that breaks the protocol.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <kaal/services/fs/fat/volume.hpp>
#include <kaal/services/fs/fs_client.hpp>
#include <kaal/services/fs/fs_server.hpp>
#include <kaal/services/fs/vfs.hpp>

#include "fat_test_support.hpp"

namespace {

using namespace kaal::services::fs;
using kaal::Error;
using kaal::Status;
using kaal::test::MemoryDisk;
using TestVolume = fat::Volume<MemoryDisk>;
using Server = FsServer<TestVolume, 1>;

// The client's wait: the service runs while the client sleeps.
struct Serve {
    Server* server;
    unsigned* waits;
    Status operator()() const {
        ++*waits;
        server->serve([](std::size_t) {});
        return {};
    }
};
struct CountNotify {
    unsigned* count;
    void operator()() const { ++*count; }
};
using Client = FsClient<Serve, CountNotify>;
using TestVfs = Vfs<Client>;

// 8 KiB of data region: a 6 KiB buffer after the 2 KiB path scratch area.
constexpr std::size_t region_bytes = 8 * 1024;

// One filesystem service and the client's end of its queue.
struct Service {
    explicit Service(std::vector<std::uint8_t> image) { disk.bytes = std::move(image); }

    bool start() {
        if (disk.bytes.empty() || !volume.mount().ok()) {
            return false;
        }
        auto server_queue = FsQueue::attach(queue_region.data());
        auto client_queue = FsQueue::attach(queue_region.data());
        if (!server_queue || !client_queue || !server.add_client(*server_queue, data).ok()) {
            return false;
        }
        client.emplace(*client_queue, std::span{data}, Serve{&server, &waits},
                       CountNotify{&notifies});
        return true;
    }

    MemoryDisk disk;
    TestVolume volume{disk};
    Server server{volume};
    alignas(64) std::array<std::byte, fs_queue_bytes> queue_region{};
    std::vector<std::uint8_t> data = std::vector<std::uint8_t>(region_bytes);
    unsigned waits = 0;
    unsigned notifies = 0;
    std::optional<Client> client;
};

std::vector<std::uint8_t> pattern(std::size_t n, std::uint32_t seed) {
    std::vector<std::uint8_t> v(n);
    std::uint32_t x = seed;
    for (auto& b : v) {
        x = x * 1103515245u + 12345u;
        b = static_cast<std::uint8_t>(x >> 16);
    }
    return v;
}

std::span<const std::uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class VfsTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!kaal::test::fat_tools_present()) {
            GTEST_SKIP() << "SKIPPED: mkfs.fat missing (scripts/setup.sh installs dosfstools)";
        }
        kaal::test::TempFile image;
        // Different sizes, so statfs shows which volume answered.
        root_ = std::make_unique<Service>(kaal::test::make_volume(image.path(), 16384, "-F 16"));
        data_ = std::make_unique<Service>(kaal::test::make_volume(image.path(), 12288, "-F 16"));
        ASSERT_TRUE(root_->start());
        ASSERT_TRUE(data_->start());
        ASSERT_TRUE(vfs_.mount("/", *root_->client).ok());
        ASSERT_TRUE(vfs_.mount("/data", *data_->client).ok());
    }

    // Every name in directory `path`, in order.
    std::vector<std::string> list(std::string_view path) {
        std::vector<std::string> names;
        auto fd = vfs_.open(path, open_flag::directory);
        EXPECT_TRUE(fd.ok()) << path;
        if (!fd) {
            return names;
        }
        VfsDirEntry e{};
        for (;;) {
            auto got = vfs_.readdir(*fd, e);
            EXPECT_TRUE(got.ok());
            if (!got || !*got) {
                break;
            }
            EXPECT_EQ(e.name[e.name_len], '\0');
            names.emplace_back(e.name.data(), e.name_len);
        }
        EXPECT_TRUE(vfs_.close(*fd).ok());
        return names;
    }

    void put(std::string_view path, std::string_view text) {
        auto fd = vfs_.open(path, open_flag::create | open_flag::truncate);
        ASSERT_TRUE(fd.ok()) << path << ": " << kaal::to_string(fd.error());
        auto n = vfs_.write(*fd, bytes(text));
        ASSERT_TRUE(n.ok());
        EXPECT_EQ(*n, text.size());
        EXPECT_TRUE(vfs_.close(*fd).ok());
    }

    std::string get(std::string_view path) {
        auto fd = vfs_.open(path, 0);
        EXPECT_TRUE(fd.ok()) << path;
        if (!fd) {
            return {};
        }
        std::array<std::uint8_t, 256> buf{};
        auto n = vfs_.read(*fd, buf);
        EXPECT_TRUE(n.ok());
        EXPECT_TRUE(vfs_.close(*fd).ok());
        return n ? std::string(reinterpret_cast<const char*>(buf.data()), *n) : std::string{};
    }

    std::unique_ptr<Service> root_;
    std::unique_ptr<Service> data_;
    TestVfs vfs_;
};

TEST_F(VfsTest, BigFilesRoundTripInManyPieces) {
    ASSERT_EQ(root_->client->buffer().size(), region_bytes - 2 * fs_max_path);
    for (const char* path : {"/big.bin", "/data/big.bin"}) {
        SCOPED_TRACE(path);
        const auto want = pattern(100'000, 7);
        auto fd = vfs_.open(path, open_flag::create | open_flag::exclusive);
        ASSERT_TRUE(fd.ok());
        const unsigned waits_before = root_->waits + data_->waits;
        auto w = vfs_.write(*fd, want);
        ASSERT_TRUE(w.ok());
        EXPECT_EQ(*w, want.size());
        // One command per 6 KiB piece, each waited for.
        EXPECT_GE(root_->waits + data_->waits - waits_before, want.size() / 6144);
        EXPECT_EQ(*vfs_.seek(*fd, 0, Whence::current), want.size());

        // Read back in pieces that straddle the buffer's and the clusters' boundaries.
        ASSERT_EQ(*vfs_.seek(*fd, 0, Whence::set), 0u);
        std::vector<std::uint8_t> got(want.size() + 100);
        std::size_t total = 0;
        for (;;) {
            const std::size_t ask = std::min<std::size_t>(7777, got.size() - total);
            auto n = vfs_.read(*fd, std::span{got}.subspan(total, ask));
            ASSERT_TRUE(n.ok());
            if (*n == 0) {
                break;
            }
            total += *n;
        }
        ASSERT_EQ(total, want.size());
        got.resize(total);
        EXPECT_EQ(got, want);

        // One read bigger than the whole file stops at its end.
        std::vector<std::uint8_t> all(200'000);
        auto n = vfs_.pread(*fd, all, 0);
        ASSERT_TRUE(n.ok());
        EXPECT_EQ(*n, want.size());
        EXPECT_TRUE(std::equal(want.begin(), want.end(), all.begin()));
        EXPECT_EQ(vfs_.stat(path)->size, want.size());
        EXPECT_TRUE(vfs_.close(*fd).ok());
    }
    EXPECT_EQ(root_->server.open_handles(0), 0u);
    EXPECT_EQ(data_->server.open_handles(0), 0u);
}

TEST_F(VfsTest, SeekPreadPwrite) {
    put("/data/f.txt", "0123456789");
    auto fd = vfs_.open("/data/f.txt", 0);
    ASSERT_TRUE(fd.ok());
    EXPECT_EQ(*vfs_.seek(*fd, -3, Whence::end), 7u);
    std::array<std::uint8_t, 8> buf{};
    EXPECT_EQ(*vfs_.read(*fd, buf), 3u);
    EXPECT_EQ(std::memcmp(buf.data(), "789", 3), 0);
    EXPECT_EQ(*vfs_.read(*fd, buf), 0u); // at the end
    EXPECT_EQ(*vfs_.seek(*fd, 2, Whence::set), 2u);
    EXPECT_EQ(*vfs_.seek(*fd, 3, Whence::current), 5u);
    EXPECT_EQ(*vfs_.seek(*fd, -5, Whence::current), 0u);
    EXPECT_EQ(vfs_.seek(*fd, -1, Whence::current).error(), Error::invalid_argument);
    EXPECT_EQ(vfs_.seek(*fd, -11, Whence::end).error(), Error::invalid_argument);
    EXPECT_EQ(vfs_.seek(*fd, INT64_MIN, Whence::set).error(), Error::invalid_argument);
    EXPECT_EQ(*vfs_.seek(*fd, 0, Whence::current), 0u); // a refused seek moves nothing

    // pread and pwrite leave the position alone.
    ASSERT_EQ(*vfs_.seek(*fd, 4, Whence::set), 4u);
    EXPECT_EQ(*vfs_.pwrite(*fd, bytes("abc"), 1), 3u);
    EXPECT_EQ(*vfs_.pread(*fd, std::span{buf}.first(5), 0), 5u);
    EXPECT_EQ(std::memcmp(buf.data(), "0abc4", 5), 0);
    EXPECT_EQ(*vfs_.pread(*fd, buf, 100), 0u);
    EXPECT_EQ(*vfs_.seek(*fd, 0, Whence::current), 4u);
    EXPECT_EQ(*vfs_.write(*fd, bytes("XY")), 2u);
    EXPECT_EQ(*vfs_.seek(*fd, 0, Whence::current), 6u);
    // Writing at the end grows the file; truncate shrinks it.
    EXPECT_EQ(*vfs_.pwrite(*fd, bytes("!"), 10), 1u);
    EXPECT_EQ(vfs_.fstat(*fd)->size, 11u);
    EXPECT_TRUE(vfs_.truncate(*fd, 4).ok());
    EXPECT_EQ(vfs_.fstat(*fd)->size, 4u);
    EXPECT_TRUE(vfs_.close(*fd).ok());
    EXPECT_EQ(get("/data/f.txt"), "0abc");
}

TEST_F(VfsTest, ReaddirListsOneServiceAndNotTheMountPoints) {
    put("/a.txt", "a");
    put("/data/b.txt", "b");
    ASSERT_TRUE(vfs_.mkdir("/data/sub").ok());
    // "/" is the root service's directory: "/data" lives in the mount table, not in it.
    EXPECT_EQ(list("/"), (std::vector<std::string>{"a.txt"}));
    EXPECT_EQ(list("/data"), (std::vector<std::string>{"b.txt", "sub"}));
    EXPECT_EQ(list("//data//"), (std::vector<std::string>{"b.txt", "sub"}));
    EXPECT_TRUE(list("/data/sub").empty());

    // The end stays the end; seeking to 0 starts over (rewinddir).
    auto fd = vfs_.open("/data", open_flag::directory);
    ASSERT_TRUE(fd.ok());
    VfsDirEntry e{};
    ASSERT_TRUE(*vfs_.readdir(*fd, e));
    EXPECT_EQ(std::string(e.name.data()), "b.txt");
    EXPECT_EQ(e.stat.size, 1u);
    EXPECT_FALSE(e.stat.directory);
    ASSERT_TRUE(*vfs_.readdir(*fd, e));
    EXPECT_EQ(std::string(e.name.data()), "sub");
    EXPECT_TRUE(e.stat.directory);
    EXPECT_FALSE(*vfs_.readdir(*fd, e));
    EXPECT_FALSE(*vfs_.readdir(*fd, e));
    ASSERT_EQ(*vfs_.seek(*fd, 0, Whence::set), 0u);
    ASSERT_TRUE(*vfs_.readdir(*fd, e));
    EXPECT_EQ(std::string(e.name.data()), "b.txt");
    EXPECT_TRUE(vfs_.close(*fd).ok());

    // A file is not a directory to list.
    auto file = vfs_.open("/a.txt", 0);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(vfs_.readdir(*file, e).error(), Error::not_directory);
    EXPECT_TRUE(vfs_.close(*file).ok());
}

TEST_F(VfsTest, MountPointsAreTheirMountsRootAndBusy) {
    for (const char* path : {"/data", "/data/", "//data", "/data/.", "/data/sub/.."}) {
        SCOPED_TRACE(path);
        auto s = vfs_.stat(path);
        ASSERT_TRUE(s.ok());
        EXPECT_TRUE(s->directory);
    }
    EXPECT_TRUE(vfs_.stat("/")->directory);
    for (const char* path : {"/", "/data", "/data/"}) {
        SCOPED_TRACE(path);
        EXPECT_EQ(vfs_.mkdir(path).error(), Error::busy);
        EXPECT_EQ(vfs_.rmdir(path).error(), Error::busy);
        EXPECT_EQ(vfs_.unlink(path).error(), Error::busy);
    }
    put("/data/x", "x");
    EXPECT_EQ(vfs_.rename("/data", "/elsewhere").error(), Error::busy);
    EXPECT_EQ(vfs_.rename("/data/x", "/data").error(), Error::busy);
    EXPECT_EQ(vfs_.rename("/", "/y").error(), Error::busy);
    // The mount point opens as its service's root directory.
    auto fd = vfs_.open("/data", open_flag::directory);
    ASSERT_TRUE(fd.ok());
    EXPECT_TRUE(vfs_.fstat(*fd)->directory);
    EXPECT_TRUE(vfs_.close(*fd).ok());
}

TEST_F(VfsTest, RenameWithinAMountButNotAcross) {
    put("/data/old.txt", "moved");
    ASSERT_TRUE(vfs_.mkdir("/data/dir").ok());
    ASSERT_TRUE(vfs_.rename("/data/old.txt", "/data/dir/new.txt").ok());
    EXPECT_EQ(vfs_.stat("/data/old.txt").error(), Error::not_found);
    EXPECT_EQ(get("/data/dir/new.txt"), "moved");

    put("/root.txt", "stays");
    EXPECT_EQ(vfs_.rename("/root.txt", "/data/root.txt").error(), Error::unsupported);
    EXPECT_EQ(vfs_.rename("/data/dir/new.txt", "/new.txt").error(), Error::unsupported);
    EXPECT_EQ(get("/root.txt"), "stays");
    EXPECT_EQ(vfs_.stat("/data/root.txt").error(), Error::not_found);
    ASSERT_TRUE(vfs_.rename("/root.txt", "/renamed.txt").ok());
    EXPECT_EQ(get("/renamed.txt"), "stays");
}

TEST_F(VfsTest, MkdirRmdirUnlink) {
    ASSERT_TRUE(vfs_.mkdir("/data/d").ok());
    EXPECT_EQ(vfs_.mkdir("/data/d").error(), Error::exists);
    put("/data/d/f", "f");
    EXPECT_EQ(vfs_.rmdir("/data/d").error(), Error::not_empty);
    EXPECT_EQ(vfs_.unlink("/data/d").error(), Error::is_directory);
    EXPECT_EQ(vfs_.rmdir("/data/d/f").error(), Error::not_directory);
    ASSERT_TRUE(vfs_.unlink("/data/d/f").ok());
    EXPECT_EQ(vfs_.unlink("/data/d/f").error(), Error::not_found);
    ASSERT_TRUE(vfs_.rmdir("/data/d").ok());
    EXPECT_EQ(vfs_.stat("/data/d").error(), Error::not_found);
    // The root service got none of it.
    EXPECT_EQ(root_->volume.stat("/d").error(), Error::not_found);
    ASSERT_TRUE(vfs_.mkdir("/d").ok());
    EXPECT_TRUE(root_->volume.stat("/d")->directory);
    EXPECT_EQ(data_->volume.stat("/d").error(), Error::not_found);
}

TEST_F(VfsTest, BadDescriptorsAreRefused) {
    std::array<std::uint8_t, 4> buf{};
    for (const int fd : {-1, 0, 3, 16, 1000}) {
        SCOPED_TRACE(fd);
        EXPECT_EQ(vfs_.read(fd, buf).error(), Error::invalid_argument);
        EXPECT_EQ(vfs_.write(fd, buf).error(), Error::invalid_argument);
        EXPECT_EQ(vfs_.pread(fd, buf, 0).error(), Error::invalid_argument);
        EXPECT_EQ(vfs_.pwrite(fd, buf, 0).error(), Error::invalid_argument);
        EXPECT_EQ(vfs_.seek(fd, 0, Whence::set).error(), Error::invalid_argument);
        EXPECT_EQ(vfs_.close(fd).error(), Error::invalid_argument);
        EXPECT_EQ(vfs_.truncate(fd, 0).error(), Error::invalid_argument);
        EXPECT_EQ(vfs_.fstat(fd).error(), Error::invalid_argument);
        EXPECT_EQ(vfs_.fsync(fd).error(), Error::invalid_argument);
        VfsDirEntry e{};
        EXPECT_EQ(vfs_.readdir(fd, e).error(), Error::invalid_argument);
    }
    auto fd = vfs_.open("/f", open_flag::create);
    ASSERT_TRUE(fd.ok());
    EXPECT_EQ(*fd, 0);
    EXPECT_TRUE(vfs_.close(*fd).ok());
    EXPECT_EQ(vfs_.close(*fd).error(), Error::invalid_argument);
    EXPECT_EQ(vfs_.read(*fd, buf).error(), Error::invalid_argument);
    EXPECT_EQ(root_->server.open_handles(0), 0u);
}

TEST_F(VfsTest, DescriptorTableRunsOut) {
    std::vector<int> fds;
    for (int i = 0; i < 16; ++i) {
        // Spread over both services: the limit is the table's, not a service's.
        auto fd = vfs_.open(i % 2 == 0 ? "/" : "/data", open_flag::directory);
        ASSERT_TRUE(fd.ok()) << i;
        fds.push_back(*fd);
    }
    EXPECT_EQ(vfs_.open("/", open_flag::directory).error(), Error::out_of_slots);
    // Refused before the service was asked: it holds only the 16 handles.
    EXPECT_EQ(root_->server.open_handles(0) + data_->server.open_handles(0), 16u);
    ASSERT_TRUE(vfs_.close(fds[5]).ok());
    auto again = vfs_.open("/data", open_flag::directory);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, fds[5]); // the lowest free descriptor
    for (const int fd : fds) {
        EXPECT_TRUE(vfs_.close(fd).ok());
    }
    EXPECT_EQ(root_->server.open_handles(0) + data_->server.open_handles(0), 0u);
}

TEST_F(VfsTest, PathsMustBeAbsoluteAndMountsWellFormed) {
    EXPECT_EQ(vfs_.open("a.txt", open_flag::create).error(), Error::invalid_argument);
    EXPECT_EQ(vfs_.open("", 0).error(), Error::invalid_argument);
    EXPECT_EQ(vfs_.stat("data").error(), Error::invalid_argument);
    EXPECT_EQ(vfs_.mkdir("./x").error(), Error::invalid_argument);
    EXPECT_EQ(vfs_.rename("/a", "b").error(), Error::invalid_argument);
    EXPECT_EQ(root_->volume.stat("/a.txt").error(), Error::not_found);

    // Too long for the protocol once normalised; as long, but for repeated slashes, is fine.
    const std::string longest = "/" + std::string(fs_max_path - 1, 'x');
    EXPECT_EQ(vfs_.stat(longest + "y").error(), Error::bad_name);
    EXPECT_EQ(vfs_.stat(longest).error(), Error::bad_name); // one component longer than FAT's
    EXPECT_EQ(vfs_.stat("////" + std::string(fs_max_path, '/') + "data").error(), Error::ok);

    Client& c = *data_->client;
    EXPECT_EQ(vfs_.mount("data", c).error(), Error::invalid_argument);
    EXPECT_EQ(vfs_.mount("", c).error(), Error::invalid_argument);
    EXPECT_EQ(vfs_.mount("/data/", c).error(), Error::invalid_argument);
    EXPECT_EQ(vfs_.mount("/a//b", c).error(), Error::invalid_argument);
    EXPECT_EQ(vfs_.mount("/a/../b", c).error(), Error::invalid_argument);
    EXPECT_EQ(vfs_.mount("/" + std::string(vfs_max_prefix, 'p'), c).error(), Error::bad_name);
    EXPECT_EQ(vfs_.mount("/data", c).error(), Error::exists);
    EXPECT_EQ(vfs_.mount("/", c).error(), Error::exists);
    EXPECT_TRUE(vfs_.mount("/m3", c).ok());
    EXPECT_TRUE(vfs_.mount("/m4", c).ok());
    EXPECT_EQ(vfs_.mount("/m5", c).error(), Error::out_of_slots);
    // The same service at two prefixes: one volume, seen twice.
    put("/m3/shared.txt", "both");
    EXPECT_EQ(get("/m4/shared.txt"), "both");
    EXPECT_EQ(get("/data/shared.txt"), "both");
}

TEST_F(VfsTest, NothingMountedIsNotFound) {
    TestVfs empty;
    EXPECT_EQ(empty.stat("/").error(), Error::not_found);
    ASSERT_TRUE(empty.mount("/only", *data_->client).ok());
    EXPECT_EQ(empty.open("/other/f", open_flag::create).error(), Error::not_found);
    EXPECT_EQ(empty.open("/onlyx", open_flag::create).error(), Error::not_found);
    EXPECT_TRUE(empty.stat("/only")->directory);
}

TEST_F(VfsTest, LongestPrefixAtAComponentBoundary) {
    put("/data2", "root's");
    put("/data/x", "data's");
    put("/data/../up.txt", "root's too");
    EXPECT_TRUE(root_->volume.stat("/data2").ok());
    EXPECT_EQ(data_->volume.stat("/data2").error(), Error::not_found);
    EXPECT_TRUE(data_->volume.stat("/x").ok());
    EXPECT_EQ(root_->volume.stat("/x").error(), Error::not_found);
    EXPECT_EQ(root_->volume.stat("/data").error(), Error::not_found);
    EXPECT_TRUE(root_->volume.stat("/up.txt").ok());
    EXPECT_EQ(get("/data2"), "root's");
    EXPECT_EQ(get("//data///x"), "data's");
    EXPECT_EQ(get("/./data/./x"), "data's");
    EXPECT_EQ(get("/../data/x"), "data's");

    // A mount inside a mount: the deeper prefix wins for what is under it.
    kaal::test::TempFile image;
    Service third{kaal::test::make_volume(image.path(), 12288, "-F 16")};
    ASSERT_TRUE(third.start());
    ASSERT_TRUE(vfs_.mount("/data/inner", *third.client).ok());
    put("/data/inner/deep.txt", "third's");
    EXPECT_TRUE(third.volume.stat("/deep.txt").ok());
    EXPECT_EQ(data_->volume.stat("/inner/deep.txt").error(), Error::not_found);
    EXPECT_EQ(get("/data/x"), "data's");
}

TEST_F(VfsTest, StatfsAnswersForTheMountHoldingThePath) {
    const auto root = vfs_.statfs("/");
    const auto data = vfs_.statfs("/data/no/such/file");
    const auto data2 = vfs_.statfs("/data2");
    ASSERT_TRUE(root.ok());
    ASSERT_TRUE(data.ok());
    ASSERT_TRUE(data2.ok());
    EXPECT_STREQ(root->type.data(), "FAT16");
    EXPECT_STREQ(data->type.data(), "FAT16");
    EXPECT_EQ(root->blocks, root_->volume.statfs()->clusters);
    EXPECT_EQ(data->blocks, data_->volume.statfs()->clusters);
    EXPECT_NE(root->blocks, data->blocks);
    EXPECT_EQ(data2->blocks, root->blocks);
    EXPECT_EQ(data->block_bytes, data_->volume.statfs()->cluster_bytes);

    // Writing a file uses blocks on that volume only.
    const auto before = data->free_blocks;
    auto fd = vfs_.open("/data/fill", open_flag::create);
    ASSERT_TRUE(fd.ok());
    ASSERT_EQ(*vfs_.write(*fd, pattern(50'000, 1)), 50'000u);
    EXPECT_TRUE(vfs_.close(*fd).ok());
    EXPECT_LT(vfs_.statfs("/data")->free_blocks, before);
    EXPECT_EQ(vfs_.statfs("/")->free_blocks, root->free_blocks);
}

TEST_F(VfsTest, FsyncAndSyncReachTheDisks) {
    auto fd = vfs_.open("/data/log", open_flag::create);
    ASSERT_TRUE(fd.ok());
    ASSERT_EQ(*vfs_.write(*fd, bytes("entry\n")), 6u);
    const auto root_flushes = root_->disk.flushes;
    const auto data_flushes = data_->disk.flushes;
    ASSERT_TRUE(vfs_.fsync(*fd).ok());
    EXPECT_GT(data_->disk.flushes, data_flushes);
    EXPECT_EQ(root_->disk.flushes, root_flushes);
    ASSERT_TRUE(vfs_.sync().ok());
    EXPECT_GT(root_->disk.flushes, root_flushes);
    EXPECT_TRUE(vfs_.close(*fd).ok());
    // What was synced is on the disk image itself, whatever the caches held.
    TestVolume reread{data_->disk};
    ASSERT_TRUE(reread.mount().ok());
    EXPECT_EQ(reread.stat("/log")->size, 6u);
}

TEST_F(VfsTest, ServiceErrorsComeBackAsTheirError) {
    EXPECT_EQ(vfs_.open("/data/missing", 0).error(), Error::not_found);
    put("/data/f", "f");
    EXPECT_EQ(vfs_.open("/data/f", open_flag::create | open_flag::exclusive).error(),
              Error::exists);
    EXPECT_EQ(vfs_.open("/data/f", open_flag::directory).error(), Error::not_directory);
    auto dir = vfs_.open("/data", open_flag::directory);
    ASSERT_TRUE(dir.ok());
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(vfs_.read(*dir, buf).error(), Error::is_directory);
    EXPECT_TRUE(vfs_.close(*dir).ok());
    // An unavailable volume answers everything, and the other mount carries on.
    data_->server.set_unavailable(Error::corrupt_data);
    EXPECT_EQ(vfs_.stat("/data/f").error(), Error::corrupt_data);
    EXPECT_EQ(vfs_.sync().error(), Error::corrupt_data);
    EXPECT_TRUE(vfs_.stat("/").ok());
}

// ---- a client facing a service that breaks the protocol ------------------------------------

// Plays the service by hand: on each wait, takes every command and answers with `answer_ids`,
// or with each command's own id when `echo` is set; a failing wait takes nothing.
struct FakeService {
    alignas(64) std::array<std::byte, fs_queue_bytes> queue_region{};
    FsQueue server = *FsQueue::attach(queue_region.data());
    std::vector<std::uint8_t> data = std::vector<std::uint8_t>(region_bytes);
    std::vector<FsCommand> seen;
    std::vector<std::uint64_t> answer_ids;
    bool echo = false;
    unsigned failing_waits = 0;
};

struct FakeWait {
    FakeService* s;
    Status operator()() const {
        if (s->failing_waits > 0) {
            --s->failing_waits;
            return Error::invalid_channel;
        }
        while (auto cmd = s->server.commands.pop()) {
            s->seen.push_back(*cmd);
            if (s->echo) {
                s->answer_ids.push_back(cmd->id);
            }
        }
        for (const std::uint64_t id : s->answer_ids) {
            FsCompletion done{};
            done.id = id;
            done.status = Error::ok;
            EXPECT_TRUE(s->server.completions.push(done).ok());
        }
        s->answer_ids.clear();
        return {};
    }
};
struct NoNotify {
    void operator()() const {}
};
using FakeClient = FsClient<FakeWait, NoNotify>;

TEST(FsClientTest, ACompletionWithAnotherIdIsMalformed) {
    FakeService s;
    FakeClient client{*FsQueue::attach(s.queue_region.data()), s.data, FakeWait{&s}, NoNotify{}};
    FsCommand cmd{};
    cmd.op = FsOp::sync;
    s.answer_ids = {999};
    EXPECT_EQ(client.call(cmd).error(), Error::malformed_message);
    ASSERT_EQ(s.seen.size(), 1u);
    EXPECT_EQ(s.seen[0].id, 1u);

    // Through the VFS too: the error reaches the caller, nothing is left half-done.
    Vfs<FakeClient> vfs;
    ASSERT_TRUE(vfs.mount("/", client).ok());
    s.answer_ids = {12345};
    EXPECT_EQ(vfs.open("/f", open_flag::create).error(), Error::malformed_message);
    EXPECT_EQ(vfs.close(0).error(), Error::invalid_argument); // no descriptor was made
}

TEST(FsClientTest, TheAnswerToAnAbandonedCallIsSkipped) {
    FakeService s;
    FakeClient client{*FsQueue::attach(s.queue_region.data()), s.data, FakeWait{&s}, NoNotify{}};
    FsCommand cmd{};
    cmd.op = FsOp::sync;
    s.failing_waits = 1;
    EXPECT_EQ(client.call(cmd).error(), Error::invalid_channel); // id 1 stays in flight
    s.answer_ids = {1, 2};
    auto done = client.call(cmd);
    ASSERT_TRUE(done.ok());
    EXPECT_EQ(done->id, 2u);
    // An id the client has not used yet is not stale: call 3 answered as 4.
    s.answer_ids = {4};
    EXPECT_EQ(client.call(cmd).error(), Error::malformed_message);
}

TEST(FsClientTest, ARingFullOfAbandonedCallsDrainsAndIdsStayInStep) {
    FakeService s;
    FakeClient client{*FsQueue::attach(s.queue_region.data()), s.data, FakeWait{&s}, NoNotify{}};
    FsCommand cmd{};
    cmd.op = FsOp::sync;
    s.failing_waits = fs_queue_capacity + 1;
    for (std::uint32_t i = 0; i < fs_queue_capacity; ++i) {
        EXPECT_EQ(client.call(cmd).error(), Error::invalid_channel);
    }
    // The ring is full; this call fails while waiting for room, so it never sends its command.
    EXPECT_EQ(client.call(cmd).error(), Error::invalid_channel);
    EXPECT_TRUE(s.seen.empty());
    // Room comes once the service runs; the stale answers are skipped; the id is the unsent one's.
    s.echo = true;
    auto done = client.call(cmd);
    ASSERT_TRUE(done.ok());
    EXPECT_EQ(done->id, fs_queue_capacity + 1u);
    ASSERT_EQ(s.seen.size(), fs_queue_capacity + 1u);
    done = client.call(cmd);
    ASSERT_TRUE(done.ok());
    EXPECT_EQ(done->id, fs_queue_capacity + 2u);
}

// send and receive: several reads and writes in flight, their completions in the order sent
// (a failed one's status with it), and nothing else mixed in while they are.
TEST(FsClientTest, SentCommandsAreReceivedInOrder) {
    FakeService s;
    FakeClient client{*FsQueue::attach(s.queue_region.data()), s.data, FakeWait{&s}, NoNotify{}};
    EXPECT_EQ(client.receive().error(), Error::queue_empty);
    FsCommand cmd{};
    cmd.op = FsOp::stat;
    EXPECT_EQ(client.send(cmd).error(), Error::invalid_argument) << "only reads and writes";
    cmd.op = FsOp::read;
    cmd.path_len = 5; // ignored: a sent command has no path
    const auto first = client.send(cmd);
    cmd.op = FsOp::write;
    const auto second = client.send(cmd);
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_EQ(*second, *first + 1);
    EXPECT_EQ(s.server.commands.available(), 2u);
    EXPECT_EQ(client.call(cmd).error(), Error::busy) << "call would eat their completions";
    // The service answers both; the first one failed.
    s.echo = false;
    ASSERT_TRUE(s.server.completions.push({*first, Error::io_error, {}, 0, 0}).ok());
    ASSERT_TRUE(s.server.completions.push({*second, Error::ok, {}, 7, 0}).ok());
    const auto a = client.receive();
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->id, *first);
    EXPECT_EQ(a->status, Error::io_error);
    const auto b = client.receive();
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->id, *second);
    EXPECT_EQ(b->value, 7u);
    EXPECT_EQ(client.receive().error(), Error::queue_empty);
    for (std::uint32_t i = 0; i < fs_queue_capacity; ++i) {
        ASSERT_TRUE(client.send(cmd).ok());
    }
    EXPECT_EQ(client.send(cmd).error(), Error::queue_full);
    ASSERT_TRUE(FakeWait{&s}().ok()); // takes them all, unanswered
    EXPECT_EQ(s.seen.size(), fs_queue_capacity + 2u);
    for (const FsCommand& c : s.seen) {
        EXPECT_EQ(c.path_len, 0u);
    }
}

TEST(FsClientTest, PathsGoToTheScratchAreaAndLongOnesAreRefused) {
    FakeService s;
    FakeClient client{*FsQueue::attach(s.queue_region.data()), s.data, FakeWait{&s}, NoNotify{}};
    EXPECT_EQ(client.buffer().size(), region_bytes - 2 * fs_max_path);
    EXPECT_EQ(client.buffer().data(), s.data.data());
    FsCommand cmd{};
    cmd.op = FsOp::rename;
    const std::string too_long(fs_max_path + 1, 'x');
    EXPECT_EQ(client.call(cmd, too_long).error(), Error::bad_name);
    EXPECT_EQ(client.call(cmd, "/a", too_long).error(), Error::bad_name);
    EXPECT_EQ(s.server.commands.available(), 0u); // nothing was sent

    const std::string longest(fs_max_path, 'y');
    s.answer_ids = {1};
    ASSERT_TRUE(client.call(cmd, longest, longest).ok());
    ASSERT_EQ(s.seen.size(), 1u);
    const FsCommand& sent = s.seen[0];
    EXPECT_EQ(sent.path, client.buffer().size());
    EXPECT_EQ(sent.path_len, fs_max_path);
    EXPECT_EQ(sent.path2, client.buffer().size() + fs_max_path);
    EXPECT_EQ(sent.path2_len, fs_max_path);
    EXPECT_LE(sent.path2 + sent.path2_len, s.data.size());
    EXPECT_EQ(
        std::string_view(reinterpret_cast<const char*>(s.data.data() + sent.path), sent.path_len),
        longest);

    // An error status is the call's error.
    FakeService t;
    FakeClient other{*FsQueue::attach(t.queue_region.data()), t.data, FakeWait{&t}, NoNotify{}};
    cmd = {};
    cmd.op = FsOp::stat;
    ASSERT_TRUE(t.server.completions.push({1, Error::not_found, {}, 0, 0}).ok());
    EXPECT_EQ(other.call(cmd, "/x").error(), Error::not_found);
}

} // namespace
