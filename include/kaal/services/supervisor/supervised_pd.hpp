// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/platform/symbol_table.hpp>

namespace kaal::services::supervisor {

// One PD the supervisor is the parent of (kaal::composer::Supervisor writes the table):
// Microkit's child id, the PD's name, its symbol table, made from its ELF at build time, and
// its restart policy.
struct SupervisedPd {
    unsigned child_id;
    const char* name;
    const debug::SymbolTable* symbols;
    unsigned restarts;        // how many times it may be restarted (kaal::composer::RestartPolicy)
    std::uint64_t backoff_ns; // the wait before the first restart, doubled each time after
    // A test's fault, injected this long after the supervisor starts; 0: none
    // (kaal::composer::Supervisor::inject_fault).
    std::uint64_t inject_fault_after_ns;
};

} // namespace kaal::services::supervisor
