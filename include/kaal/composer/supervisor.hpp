// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>
#include <memory>
#include <source_location>
#include <utility>
#include <vector>

#include <kaal/composer/system.hpp>

// A supervisor for the PDs that need one, as one building block (services/supervisor):
//
//   kaal::composer::Supervisor supervisor{s};
//   supervisor.supervise(driver);
//
// Microkit: a PD, `supervisor`, becomes the parent of each supervised PD, so their faults come to
// it instead of the Microkit monitor, and it reports each with the PD's name and the function
// and file:line of the code that faulted, from the PD's symbol table, which the build makes from
// the PD's ELF and links into the supervisor. Runtime mode: nothing to add, the KaaL root task
// reports every component's faults the same way.
namespace kaal::composer {

class TimeService;

struct SupervisorOptions {
    // Above the PDs it supervises, so a report comes out at once; below the time service, which
    // it calls, when it has one.
    unsigned priority = 254;
    // For back-offs between restarts: the supervisor becomes its client.
    TimeService* time = nullptr;
    // For tests of a fault in the supervisor itself: after this many restarts it makes an
    // instruction fetch at address 0, as a bug in it would. Its parent, Microkit's monitor,
    // reports the fault; the PDs it supervises keep running, but no fault of theirs is handled
    // any more. 0: never.
    unsigned fault_after_restarts = 0;
};

// What the supervisor does when a PD faults: report it, then restart it up to `restarts` times
// (Microkit), each time with its initial data and an empty .bss, from its entry point; after
// that, or with 0, leave it stopped.
struct RestartPolicy {
    unsigned restarts = 0;
    // The wait before the first restart, doubled before each next one; 0: at once. Microkit:
    // needs the supervisor's time service (SupervisorOptions::time); runtime mode: the root task
    // times it with the PIT, so no PD may then drive the PIT or the HPET.
    std::uint64_t backoff_ns = 0;
    // Room for the PD's initialised data (.data and its kin): a PD with more is stopped instead
    // of restarted, with a line that says so.
    Word page_bytes = 0x1'0000;
};

class Supervisor {
public:
    explicit Supervisor(System& system, SupervisorOptions options = {},
                        std::source_location at = std::source_location::current());

    Supervisor& supervise(Pd& pd, RestartPolicy policy = {},
                          std::source_location at = std::source_location::current());

    // For tests of what follows a fault: makes the supervised `pd` fault once, `after_ns` after
    // the supervisor starts, wherever it is then, as a bug would. The supervisor points its PC at
    // address 0, which no PD maps, so its next instruction is a VM fault (instruction fetch);
    // above the PD's priority, the supervisor can catch it in the middle of its work. Needs the
    // supervisor's time service.
    Supervisor& inject_fault(Pd& pd, std::uint64_t after_ns,
                             std::source_location at = std::source_location::current());

    // The supervisor PD, or nullptr in runtime mode.
    [[nodiscard]] Pd* pd() { return state_->supervisor; }

private:
    static void check_backoff_timer(System& system);
    struct State {
        Pd* supervisor = nullptr;
        bool time = false;
        unsigned fault_after_restarts = 0;
        struct Supervised {
            Pd* pd;
            RestartPolicy policy;
            std::uint64_t inject_fault_after_ns = 0;
        };
        std::vector<Supervised> supervised;
    };
    static void write_table(const State& state);

    System& system_;
    std::shared_ptr<State> state_;
};

} // namespace kaal::composer
