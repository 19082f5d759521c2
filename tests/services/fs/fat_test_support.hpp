// SPDX-License-Identifier: BSD-2-Clause
#pragma once

// Disks for the FAT library's host tests: a byte vector that counts what reaches it, and images
// made and checked by Debian's own tools (mkfs.fat and fsck.fat from dosfstools, the mtools),
// which setup.sh installs.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <span>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include <kaal/core/result.hpp>
#include <kaal/services/fs/fat/boot_sector.hpp>

namespace kaal::test {

struct MemoryDisk {
    std::vector<std::uint8_t> bytes;
    std::uint64_t reads = 0;
    std::uint64_t writes = 0;
    std::uint64_t flushes = 0;
    bool read_only = false;

    [[nodiscard]] std::uint64_t sector_count() const { return bytes.size() / 512; }
    Status read(std::uint64_t lba, std::span<std::uint8_t> out) {
        if (out.size() % 512 != 0 || lba * 512 + out.size() > bytes.size()) {
            return Error::range_error;
        }
        ++reads;
        std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(lba * 512), out.size(),
                    out.begin());
        return {};
    }
    Status write(std::uint64_t lba, std::span<const std::uint8_t> in) {
        if (in.size() % 512 != 0 || lba * 512 + in.size() > bytes.size()) {
            return Error::range_error;
        }
        if (read_only) {
            return Error::not_permitted;
        }
        ++writes;
        std::copy(in.begin(), in.end(), bytes.begin() + static_cast<std::ptrdiff_t>(lba * 512));
        return {};
    }
    Status flush() {
        ++flushes;
        return {};
    }
};

// A temporary file that goes when the test ends.
class TempFile {
public:
    TempFile() {
        char name[] = "/tmp/kaal-fat-XXXXXX";
        const int fd = mkstemp(name);
        if (fd >= 0) {
            static_cast<void>(close(fd));
            path_ = name;
        }
    }
    ~TempFile() {
        if (!path_.empty()) {
            std::remove(path_.c_str());
        }
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
};

struct Run {
    int status = -1;
    std::string out;
};

// Runs a shell command, its stdout and stderr together. The mtools' geometry check is for
// floppies; images have none.
inline Run run(const std::string& command) {
    Run r;
    const std::string line = "MTOOLS_SKIP_CHECK=1 " + command + " 2>&1";
    FILE* p = popen(line.c_str(), "r");
    if (p == nullptr) {
        return r;
    }
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) {
        r.out.append(buf.data(), n);
    }
    const int status = pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

inline bool fat_tools_present() {
    return run("command -v mkfs.fat && command -v fsck.fat && command -v mcopy").status == 0;
}

inline std::vector<std::uint8_t> load(const std::string& path) {
    std::ifstream in{path, std::ios::binary | std::ios::ate};
    std::vector<std::uint8_t> bytes(
        static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0)));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return bytes;
}

inline void save(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

// A fresh volume of `kib` KiB from `mkfs.fat <options>` at `path`; empty if mkfs.fat failed.
inline std::vector<std::uint8_t> make_volume(const std::string& path, unsigned kib,
                                             const std::string& options) {
    std::remove(path.c_str());
    const Run r = run("mkfs.fat -C " + options + " " + path + " " + std::to_string(kib));
    if (r.status != 0) {
        return {};
    }
    return load(path);
}

// fsck.fat -n: read-only check; exit status 0 means clean.
inline Run fsck(const std::string& path) {
    return run("fsck.fat -n " + path);
}

// Deterministic printable bytes: file contents whose every byte is checked.
inline std::string pattern(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (char& c : s) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>('a' + (x >> 16) % 26);
    }
    return s;
}

inline std::span<const std::uint8_t> bytes_of(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

template <typename V>
std::string read_all(V& v, std::string_view path) {
    auto h = v.open(path, {});
    if (!h) {
        return std::string{"<open: "} + kaal::to_string(h.error()) + ">";
    }
    std::string out;
    std::vector<std::uint8_t> buf(7000); // not a multiple of a sector: partial ends each time
    for (std::uint64_t at = 0;;) {
        auto n = v.read(*h, at, buf);
        if (!n) {
            out += std::string{"<read: "} + kaal::to_string(n.error()) + ">";
            break;
        }
        if (*n == 0) {
            break;
        }
        out.append(reinterpret_cast<const char*>(buf.data()), *n);
        at += *n;
    }
    EXPECT_TRUE(v.close(*h).ok());
    return out;
}

template <typename V>
kaal::Status write_file(V& v, std::string_view path, const std::string& data) {
    KAAL_TRY(auto h, v.open(path, {.create = true, .truncate = true}));
    auto n = v.write(h, 0, bytes_of(data));
    KAAL_CHECK(v.close(h));
    if (!n) {
        return n.error();
    }
    return {};
}

} // namespace kaal::test

#define REQUIRE_FAT_TOOLS()                                                                        \
    if (!kaal::test::fat_tools_present()) {                                                        \
        GTEST_SKIP() << "SKIPPED: mkfs.fat, fsck.fat or mtools missing (scripts/setup.sh "         \
                        "installs dosfstools, mtools)";                                            \
    }
