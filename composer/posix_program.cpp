// SPDX-License-Identifier: BSD-2-Clause
// The POSIX program building block (posix_program.hpp).
#include <string>

#include <kaal/composer/posix_program.hpp>

namespace kaal::composer {

namespace {

// Process ids: 1 is the system itself (getppid), programs count from 2 in the order the
// description adds them. Counted from the PDs already there, so nothing outlives the System.
int next_pid(const System& s) {
    int programs = 0;
    for (const Pd& pd : s.pds()) {
        for (const Pd::Constant& c : pd.constants) {
            programs += c.name == "posix_pid" ? 1 : 0;
        }
    }
    return 2 + programs;
}

} // namespace

PosixProgram::PosixProgram(System& s, std::string name, PosixProgramOptions options,
                           std::source_location at) {
    const std::string component = name;
    Pd& pd = s.pd(std::move(name), component, at);
    pd_ = &pd;
    pd.priority(options.priority, at).stack_size(options.stack_bytes, at);
    Region& heap = s.region("posix_" + identifier(pd.name()) + "_heap", options.heap_bytes, at);
    pd.map(heap, "posix_heap", Perms::rw, at);
    pd.constant("posix_pid", "int", std::to_string(next_pid(s)), at);
    // Input too: a program reads stdin, and is the one client that gets it first.
    options.console.add_client(pd, {.input = true, .may_select_input = true}, at);
    options.clock.add_client(pd, at);
    // The program's network, for posix/program.cpp's ProgramNetwork: a template on this struct,
    // so a program without one compiles no network code and links no lwIP. With one, the names
    // NetworkStack::add_client gives the PD, gathered for LwipStack::start.
    if (options.network != nullptr) {
        options.network->add_client(pd, options.net, at);
        pd.section({{},
                    "struct PosixNetwork {\n"
                    "    static constexpr bool present = true;\n"
                    "    static constexpr kaal::Channel rx = net_rx;\n"
                    "    static constexpr kaal::Channel tx = net_tx;\n"
                    "    static inline const kaal::Word& rx_queue = net_rx_queue;\n"
                    "    static inline const kaal::Word& rx_data = net_rx_data;\n"
                    "    static constexpr kaal::Word rx_data_size = net_rx_data_size;\n"
                    "    static inline const kaal::Word& tx_queue = net_tx_queue;\n"
                    "    static inline const kaal::Word& tx_data = net_tx_data;\n"
                    "    static constexpr kaal::Word tx_data_size = net_tx_data_size;\n"
                    "    static constexpr const auto& address = net_address;\n"
                    "};\n"});
    } else {
        pd.section({{}, "struct PosixNetwork {\n    static constexpr bool present = false;\n};\n"});
    }
    // Its entropy, for ProgramEntropy, the same way: the names EntropySource::add_client gives.
    if (options.entropy != nullptr) {
        options.entropy->add_client(pd, 0x1000, at);
        pd.section({{},
                    "struct PosixEntropy {\n"
                    "    static constexpr bool present = true;\n"
                    "    static constexpr kaal::Channel channel = entropy;\n"
                    "    static inline const kaal::Word& data = entropy_data;\n"
                    "    static constexpr kaal::Word data_size = entropy_data_size;\n"
                    "};\n"});
    } else {
        pd.section({{}, "struct PosixEntropy {\n    static constexpr bool present = false;\n};\n"});
    }
    if (options.root != nullptr) {
        options.root->add_client(pd, "/", options.file_data_bytes, at);
    } else {
        pd.section({{"array", "kaal/services/fs/fs_wiring.hpp"},
                    "struct VfsMounts {\n"
                    "    static constexpr std::array<kaal::services::fs::MountWiring, 0> "
                    "mounts{};\n};\n"});
    }
}

} // namespace kaal::composer
