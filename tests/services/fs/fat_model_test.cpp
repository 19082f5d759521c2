// SPDX-License-Identifier: BSD-2-Clause
// The FAT library under 10,000 random operations, each checked against an in-memory model of
// the tree: creates, writes at random offsets (gaps included), truncates both ways, reads,
// unlinks, mkdir/rmdir, renames across directories and over existing files, listings. Every
// 500 operations the volume is synced and mounted again from the disk alone, and the whole tree
// compared; at the end fsck.fat -n must find the volume clean and mdir must list the model's
// tree. The seed is fixed, so a failure reproduces.
#include <algorithm>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <kaal/services/fs/fat/volume.hpp>

#include "fat_test_support.hpp"

namespace {

using namespace kaal::services::fs::fat;
using kaal::Error;
using kaal::test::MemoryDisk;
using kaal::test::TempFile;

using TestVolume = Volume<MemoryDisk>;

std::string fold(const std::string& s) {
    std::string out = s;
    for (char& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

struct ModelNode {
    bool directory = false;
    std::string path; // as created, for listings
    std::string data;
};

// Keys are full paths folded to lower case: FAT names match without regard to (ASCII) case.
class Model {
public:
    Model() { nodes_[""] = ModelNode{true, "", ""}; }

    [[nodiscard]] const ModelNode* get(const std::string& path) const {
        auto it = nodes_.find(fold(path));
        return it == nodes_.end() ? nullptr : &it->second;
    }
    ModelNode* get(const std::string& path) {
        auto it = nodes_.find(fold(path));
        return it == nodes_.end() ? nullptr : &it->second;
    }
    void put(const std::string& path, ModelNode n) { nodes_[fold(path)] = std::move(n); }
    void erase(const std::string& path) { nodes_.erase(fold(path)); }

    [[nodiscard]] std::vector<std::string> children(const std::string& dir) const {
        std::vector<std::string> out;
        const std::string prefix = fold(dir) + "/";
        for (const auto& [key, node] : nodes_) {
            if (key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0 &&
                key.find('/', prefix.size()) == std::string::npos) {
                out.push_back(display(key));
            }
        }
        return out;
    }

    [[nodiscard]] std::string display(const std::string& key) const { return nodes_.at(key).path; }

    [[nodiscard]] std::vector<std::string> all(bool directories) const {
        std::vector<std::string> out;
        for (const auto& [key, node] : nodes_) {
            if (!key.empty() && node.directory == directories) {
                out.push_back(display(key));
            }
        }
        return out;
    }

    // Moves `from` and everything under it to `to`.
    void move(const std::string& from, const std::string& to) {
        const std::string f = fold(from);
        const std::size_t old_len = nodes_.at(f).path.size();
        std::map<std::string, ModelNode> moved;
        for (auto it = nodes_.begin(); it != nodes_.end();) {
            if (it->first == f || it->first.compare(0, f.size() + 1, f + "/") == 0) {
                ModelNode n = std::move(it->second);
                n.path = to + n.path.substr(old_len);
                moved[fold(to) + it->first.substr(f.size())] = std::move(n);
                it = nodes_.erase(it);
            } else {
                ++it;
            }
        }
        nodes_.merge(moved);
    }

private:
    std::map<std::string, ModelNode> nodes_;
};

const std::vector<std::string> names = {
    "a.txt",
    "README.TXT",
    "Mixed Case Name.dat",
    "notes",
    "x",
    "data.tar.gz",
    ".hidden",
    "ünïcode-ñame.txt",
    "LOG001.LOG",
    "photo 2026-12-01.jpeg",
    "b",
    "lower.md",
    "UPPER",
    "tab and  two  spaces.cfg",
    "a_name_that_is_quite_a_bit_longer_than_the_thirteen_units_one_long_entry_holds.bin",
    "dir-ish",
    "z9",
    "with~tilde",
    "c.c",
    "MAKEFILE"};

// How many levels of directories lie under `dir` in the model.
long depth_below_in(const std::vector<std::string>& dirs, const std::string& dir) {
    long deepest = 0;
    const std::string prefix = fold(dir) + "/";
    for (const auto& d : dirs) {
        const std::string f = fold(d);
        if (f.compare(0, prefix.size(), prefix) == 0) {
            deepest = std::max<long>(
                deepest,
                std::count(f.begin() + static_cast<long>(prefix.size()), f.end(), '/') + 1);
        }
    }
    return deepest;
}

struct ModelLayout {
    const char* name;
    unsigned kib;
    const char* options;
};

class FatModel : public ::testing::TestWithParam<ModelLayout> {
protected:
    void mount() {
        volume_ = std::make_unique<TestVolume>(disk_);
        ASSERT_TRUE(volume_->mount().ok()) << volume_->problem();
    }

    std::string read_file(const std::string& path) {
        auto h = volume_->open(path, {});
        if (!h) {
            return std::string{"<open: "} + kaal::to_string(h.error()) + ">";
        }
        std::string out(volume_->stat(*h)->size, '\0');
        auto n = volume_->read(*h, 0,
                               std::span{reinterpret_cast<std::uint8_t*>(out.data()), out.size()});
        EXPECT_TRUE(volume_->close(*h).ok());
        if (!n || *n != out.size()) {
            return "<short read>";
        }
        return out;
    }

    std::vector<std::string> listing(const std::string& dir) {
        std::vector<std::string> out;
        auto h = volume_->open(dir.empty() ? "/" : dir, {.directory = true});
        EXPECT_TRUE(h.ok()) << dir;
        if (!h) {
            return out;
        }
        std::uint32_t cookie = 0;
        DirEntry e{};
        while (true) {
            auto more = volume_->readdir(*h, cookie, e);
            EXPECT_TRUE(more.ok());
            if (!more || !*more) {
                break;
            }
            out.push_back(dir + "/" + std::string{e.name.data(), e.name_len});
        }
        EXPECT_TRUE(volume_->close(*h).ok());
        return out;
    }

    void check_tree() {
        for (const std::string& dir : model_.all(true)) {
            auto got = listing(dir);
            auto want = model_.children(dir);
            std::sort(got.begin(), got.end());
            std::sort(want.begin(), want.end());
            ASSERT_EQ(got, want) << "listing of " << dir;
        }
        auto root = listing("");
        auto want = model_.children("");
        std::sort(root.begin(), root.end());
        std::sort(want.begin(), want.end());
        ASSERT_EQ(root, want);
        for (const std::string& file : model_.all(false)) {
            ASSERT_EQ(read_file(file), model_.get(file)->data) << file;
        }
    }

    MemoryDisk disk_;
    std::unique_ptr<TestVolume> volume_;
    Model model_;
};

TEST_P(FatModel, TenThousandRandomOperationsMatchTheModelAndFsck) {
    REQUIRE_FAT_TOOLS();
    TempFile image;
    disk_.bytes = kaal::test::make_volume(image.path(), GetParam().kib, GetParam().options);
    ASSERT_FALSE(disk_.bytes.empty());
    mount();
    std::mt19937 rng{20261201};
    auto pick = [&rng](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>{0, n - 1}(rng);
    };
    auto depth_below = [&](const std::string& dir) {
        return depth_below_in(model_.all(true), dir);
    };
    auto random_dir = [&] {
        auto dirs = model_.all(true);
        dirs.emplace_back("");
        return dirs[pick(dirs.size())];
    };
    std::map<std::string, unsigned> outcomes;
    for (int op = 0; op < 10'000; ++op) {
        auto files = model_.all(false);
        const unsigned kind = static_cast<unsigned>(pick(100));
        if (kind < 15 || files.empty()) { // create
            const std::string path = random_dir() + "/" + names[pick(names.size())];
            auto h = volume_->open(path, {.create = true, .exclusive = true});
            if (model_.get(path) != nullptr) {
                ASSERT_EQ(h.error(), Error::exists) << path;
            } else {
                ASSERT_TRUE(h.ok()) << path << ": " << kaal::to_string(h.error());
                ASSERT_TRUE(volume_->close(*h).ok());
                model_.put(path, ModelNode{false, path, ""});
            }
            ++outcomes["create"];
        } else if (kind < 40) { // write
            const std::string& path = files[pick(files.size())];
            ModelNode* n = model_.get(path);
            const std::size_t offset = pick(n->data.size() + 3000);
            const std::size_t len = 1 + pick(9000);
            std::string bytes(len, '\0');
            for (char& c : bytes) {
                c = static_cast<char>(pick(256));
            }
            auto h = volume_->open(path, {});
            ASSERT_TRUE(h.ok());
            auto w = volume_->write(
                *h, offset, std::span{reinterpret_cast<const std::uint8_t*>(bytes.data()), len});
            ASSERT_TRUE(volume_->close(*h).ok());
            if (!w) {
                ASSERT_EQ(w.error(), Error::volume_full);
                ++outcomes["write: volume full"];
                continue;
            }
            if (n->data.size() < offset + len) {
                n->data.resize(offset + len, '\0');
            }
            n->data.replace(offset, len, bytes);
            ++outcomes["write"];
        } else if (kind < 50) { // truncate
            const std::string& path = files[pick(files.size())];
            ModelNode* n = model_.get(path);
            const std::size_t size = pick(n->data.size() * 3 / 2 + 2000);
            auto h = volume_->open(path, {});
            ASSERT_TRUE(h.ok());
            ASSERT_TRUE(volume_->truncate(*h, size).ok());
            ASSERT_TRUE(volume_->close(*h).ok());
            n->data.resize(size, '\0');
            ++outcomes["truncate"];
        } else if (kind < 60) { // read back
            const std::string& path = files[pick(files.size())];
            ASSERT_EQ(read_file(path), model_.get(path)->data) << path;
            ++outcomes["read"];
        } else if (kind < 67) { // unlink
            const std::string& path = files[pick(files.size())];
            ASSERT_TRUE(volume_->unlink(path).ok());
            model_.erase(path);
            ++outcomes["unlink"];
        } else if (kind < 75) { // mkdir
            const std::string parent = random_dir();
            if (std::count(parent.begin(), parent.end(), '/') >= 5) {
                continue;
            }
            const std::string path = parent + "/" + names[pick(names.size())];
            auto made = volume_->mkdir(path);
            if (model_.get(path) != nullptr) {
                ASSERT_EQ(made.error(), Error::exists);
            } else {
                ASSERT_TRUE(made.ok()) << path << ": " << kaal::to_string(made.error());
                model_.put(path, ModelNode{true, path, ""});
            }
            ++outcomes["mkdir"];
        } else if (kind < 80) { // rmdir
            const std::string dir = random_dir();
            if (dir.empty()) {
                continue;
            }
            auto removed = volume_->rmdir(dir);
            if (!model_.children(dir).empty()) {
                ASSERT_EQ(removed.error(), Error::not_empty);
                ++outcomes["rmdir: not empty"];
            } else {
                ASSERT_TRUE(removed.ok()) << dir;
                model_.erase(dir);
                ++outcomes["rmdir"];
            }
        } else if (kind < 90) { // rename a file, maybe over another
            const std::string& from = files[pick(files.size())];
            const std::string to = random_dir() + "/" + names[pick(names.size())];
            const ModelNode* target = model_.get(to);
            if (fold(from) == fold(to) || (target != nullptr && target->directory)) {
                continue;
            }
            const auto renamed = volume_->rename(from, to);
            ASSERT_TRUE(renamed.ok())
                << from << " -> " << to << ": " << kaal::to_string(renamed.error()) << " "
                << volume_->problem();
            model_.erase(to);
            model_.move(from, to);
            ++outcomes[target != nullptr ? "rename over a file" : "rename"];
        } else if (kind < 94) { // rename a directory elsewhere, never into itself
            const std::string from = random_dir();
            const std::string parent = random_dir();
            const std::string to = parent + "/" + names[pick(names.size())];
            if (from.empty() || model_.get(to) != nullptr ||
                fold(parent + "/").compare(0, from.size() + 1, fold(from + "/")) == 0 ||
                std::count(to.begin(), to.end(), '/') + depth_below(from) > 8) {
                continue;
            }
            ASSERT_TRUE(volume_->rename(from, to).ok()) << from << " -> " << to;
            model_.move(from, to);
            ++outcomes["rename a directory"];
        } else { // list a directory
            const std::string dir = random_dir();
            auto got = listing(dir);
            auto want = model_.children(dir);
            std::sort(got.begin(), got.end());
            std::sort(want.begin(), want.end());
            ASSERT_EQ(got, want) << dir;
            ++outcomes["list"];
        }
        if (op % 500 == 499) {
            ASSERT_TRUE(volume_->sync().ok());
            mount();
            check_tree();
        }
    }
    ASSERT_TRUE(volume_->sync().ok());
    mount();
    check_tree();
    for (const char* what :
         {"create", "write", "truncate", "read", "unlink", "mkdir", "rmdir", "rmdir: not empty",
          "rename", "rename over a file", "rename a directory", "list"}) {
        EXPECT_GT(outcomes[what], 0u) << "the random walk never did: " << what;
    }

    kaal::test::save(image.path(), disk_.bytes);
    const auto check = kaal::test::fsck(image.path());
    EXPECT_EQ(check.status, 0) << check.out;
    // mdir's recursive bare listing names every file and directory the model has.
    const auto mdir = kaal::test::run("mdir -i " + image.path() + " -/ -b ::/").out;
    std::set<std::string> listed;
    for (std::size_t at = 0; at < mdir.size();) {
        const std::size_t nl = mdir.find('\n', at);
        std::string line = mdir.substr(at, nl - at);
        at = nl == std::string::npos ? mdir.size() : nl + 1;
        if (line.size() > 3) {
            if (line.back() == '/') {
                line.pop_back();
            }
            listed.insert(line.substr(3));
        }
    }
    std::set<std::string> want;
    for (const auto& p : model_.all(false)) {
        want.insert(p.substr(1));
    }
    for (const auto& p : model_.all(true)) {
        want.insert(p.substr(1));
    }
    EXPECT_EQ(listed, want) << mdir;
}

INSTANTIATE_TEST_SUITE_P(MkfsFat, FatModel,
                         ::testing::Values(ModelLayout{"fat16", 16384, "-F 16 -s 4"},
                                           ModelLayout{"fat32", 40960, "-F 32 -s 1"}),
                         [](const auto& param) { return std::string{param.param.name}; });

} // namespace
