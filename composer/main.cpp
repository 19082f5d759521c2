// SPDX-License-Identifier: BSD-2-Clause
// The composer's command line, linked with one system's description (a kaal_describe function):
//
//   <generator> --name <system> --board qemu_virt_aarch64|pc99_x86_64 --out <dir>
//               [--components a,b,c] [--origin <description file>]
//
// On success it writes into <dir>: <system>.system (Microkit boards), system_description.cpp
// (pc99), system.dot, summary.txt, pds.cmake, and <pd>/kaal_config.{hpp,cpp} for every PD, then
// prints the summary. On a problem it prints one line, "<file>:<line>: error: <rule>: <what>",
// and writes nothing: the files are made in a fresh directory first, and each replaces its old
// copy (by a rename, so none is ever half-written) only when all of them are written.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <kaal/composer/outputs.hpp>
#include <kaal/composer/system.hpp>

void kaal_describe(kaal::composer::System& system);

namespace {

namespace fs = std::filesystem;
using namespace kaal::composer;

int usage(const std::string& why) {
    std::cerr << "kaal-composer: " << why
              << " (usage: --name <system> --board qemu_virt_aarch64|pc99_x86_64 --out <dir> "
                 "[--components a,b] [--origin <file>])\n";
    return 2;
}

bool same_text(const fs::path& a, const fs::path& b) {
    std::error_code error;
    if (!fs::exists(b, error) || fs::file_size(a, error) != fs::file_size(b, error)) {
        return false;
    }
    std::ifstream x(a, std::ios::binary);
    std::ifstream y(b, std::ios::binary);
    return std::equal(std::istreambuf_iterator<char>(x), std::istreambuf_iterator<char>(),
                      std::istreambuf_iterator<char>(y));
}

bool write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
    return static_cast<bool>(out.flush());
}

} // namespace

int main(int argc, char** argv) {
    std::string name;
    std::string board_arg;
    std::string out_dir;
    std::string components;
    std::string origin = "the system description";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--name") {
            name = value;
        } else if (flag == "--board") {
            board_arg = value;
        } else if (flag == "--out") {
            out_dir = value;
        } else if (flag == "--components") {
            components = value;
        } else if (flag == "--origin") {
            origin = value;
        } else {
            return usage("unknown option '" + flag + "'");
        }
    }
    if (name.empty() || out_dir.empty() ||
        (board_arg != "qemu_virt_aarch64" && board_arg != "pc99_x86_64")) {
        return usage("--name, --board and --out are required");
    }
    const Board board =
        board_arg == "qemu_virt_aarch64" ? Board::qemu_virt_aarch64 : Board::pc99_x86_64;

    System system{name, board};
    if (!components.empty()) {
        std::vector<std::string> known;
        std::stringstream list(components);
        for (std::string item; std::getline(list, item, ',');) {
            known.push_back(item);
        }
        system.known_components(std::move(known));
    }
    kaal_describe(system);
    const std::vector<Problem> problems = system.compose();
    if (!problems.empty()) {
        const Problem& p = problems.front();
        std::cerr << (p.where.file.empty() ? origin : p.where.file) << ":" << p.where.line
                  << ": error: " << p.rule << ": " << p.detail;
        if (problems.size() > 1) {
            std::cerr << " (and " << problems.size() - 1 << " more)";
        }
        std::cerr << "\n";
        return 1;
    }

    const fs::path out{out_dir};
    fs::path staging = out;
    staging += ".new";
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    bool ok = true;
    if (board == Board::qemu_virt_aarch64) {
        ok = ok && write(staging / (name + ".system"), microkit_system(system, origin));
    } else {
        ok = ok && write(staging / "system_description.cpp", runtime_description(system, origin));
    }
    ok = ok && write(staging / "system.dot", graph(system));
    ok = ok && write(staging / "summary.txt", summary(system));
    ok = ok && write(staging / "pds.cmake", pds_cmake(system));
    for (const Pd& pd : system.pds()) {
        ok =
            ok && write(staging / pd.name() / "kaal_config.hpp", config_header(system, pd, origin));
        ok = ok && write(staging / pd.name() / "kaal_config.cpp", config_source(system, pd));
    }
    if (!ok) {
        fs::remove_all(staging, ignored);
        std::cerr << "kaal-composer: cannot write into " << staging.string() << "\n";
        return 1;
    }
    // Every file is complete before it replaces the old one (a rename), and one whose text is
    // unchanged is left alone, so an unchanged system rebuilds nothing.
    std::set<fs::path> written;
    for (const auto& entry : fs::recursive_directory_iterator(staging)) {
        if (entry.is_regular_file()) {
            written.insert(fs::relative(entry.path(), staging));
        }
    }
    fs::create_directories(out);
    for (const fs::path& file : written) {
        if (!same_text(staging / file, out / file)) {
            fs::create_directories((out / file).parent_path());
            fs::rename(staging / file, out / file);
        }
    }
    std::vector<fs::path> stale;
    for (const auto& entry : fs::recursive_directory_iterator(out)) {
        if (entry.is_regular_file() && !written.contains(fs::relative(entry.path(), out))) {
            stale.push_back(entry.path()); // left from an earlier description
        }
    }
    for (const fs::path& file : stale) {
        fs::remove(file, ignored);
    }
    fs::remove_all(staging, ignored);
    std::cout << summary(system);
    return 0;
}
