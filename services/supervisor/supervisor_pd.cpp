// SPDX-License-Identifier: BSD-2-Clause
// The supervisor PD (Microkit): the parent of the PDs a system description supervises
// (kaal::composer::Supervisor), so the kernel sends their faults here, not to the Microkit
// monitor. Each fault is reported as the runtime root task reports one
// (kaal/platform/fault_report.hpp): the PD by name, the fault, and the code at its instruction
// by function and file:line, from the PD's symbol table, built into this image; then the code
// its link register returns to, when that lies in another function. Then its restart policy:
// restarted from its entry point, kaal_start, which starts it again on its initial data
// (platform/microkit/start.cpp), as many times as the policy allows, after its back-off (a
// timeout of the time service, when the system gives the supervisor one); or stopped for good,
// started once more only to answer every call made to it with Error::peer_stopped, so that its
// clients do not wait for it forever. The rest of the system keeps running either way. For
// tests, it can also make a PD fault (Supervisor::inject_fault), at a time the test chose.
#include <cstdint>
#include <iterator>
#include <optional>

#include <kaal/platform/backoff_schedule.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/fault_report.hpp>
#include <kaal/platform/microkit/restart_page.hpp>
#include <kaal/services/time/time_client.hpp>

#include "kaal_config.hpp"

namespace {

using kaal::MessageInfo;
using kaal::Word;
namespace debug = kaal::debug;

const kaal::services::supervisor::SupervisedPd* find(unsigned child_id) {
    for (const auto& pd : config::supervised) {
        if (pd.child_id == child_id) {
            return &pd;
        }
    }
    return nullptr;
}

// The child's registers, through the TCB cap Microkit gives a parent for each child.
std::optional<seL4_UserContext> registers_of(unsigned child_id) {
    seL4_UserContext regs{};
    constexpr auto count = sizeof regs / sizeof(seL4_Word);
    if (seL4_TCB_ReadRegisters(kaal::microkit::base_tcb_cap + child_id, 0, 0, count, &regs) !=
        seL4_NoError) {
        return std::nullopt;
    }
    return regs;
}

class Supervisor {
public:
    void init() {
        debug::print("kaal: supervisor: reporting the faults of ", std::size(config::supervised),
                     " PDs\n");
        static_cast<void>(attach_time<config::SupervisorTime>());
        arm_injections<config::SupervisorTime>();
    }

    // The time service: a back-off ended.
    void notified(kaal::Channel ch) { on_time<config::SupervisorTime>(ch); }

    std::optional<MessageInfo> fault(kaal::Child child, MessageInfo msg) {
        const auto* pd = find(child.id());
        const char* name = pd != nullptr ? pd->name : "(not supervised)";
        const debug::SymbolTable* symbols = pd != nullptr ? pd->symbols : nullptr;
        const std::size_t index =
            pd != nullptr ? static_cast<std::size_t>(pd - std::begin(config::supervised)) : 0;
        // The message first: reading the registers replies into the same IPC buffer.
        const auto m = debug::FaultMessage::read(msg.label(), msg.length());
        const auto regs = registers_of(child.id());
        const Word ip = debug::report_fault(name, m, symbols, regs ? regs->pc : 0);
        if (regs) {
            report_caller(*regs, symbols, ip);
        }
        if (pd != nullptr && stopped_[index]) {
            // What answers its calls faulted: started again, it would only fault again.
            suspend(child.id());
            debug::print("kaal: supervisor: '", name,
                         "' faulted again once stopped; it stays "
                         "stopped, and its callers wait\n");
            return std::nullopt;
        }
        if (pd != nullptr && restarted_[index] < pd->restarts) {
            if (pd->backoff_ns != 0) {
                const std::uint64_t wait = kaal::backoff_before(pd->backoff_ns, restarted_[index]);
                if (wait_then_restart<config::SupervisorTime>(index, wait)) {
                    suspend(child.id());
                    debug::print("kaal: supervisor: restarting '", name, "' in ", wait / 1'000'000,
                                 " ms (restart ", restarted_[index] + 1, " of ", pd->restarts,
                                 ")\n");
                    return std::nullopt;
                }
                debug::print("kaal: supervisor: no timeout for the back-off of '", name,
                             "'; restarting it at once\n");
            }
            static_cast<void>(restart_now(index));
            return std::nullopt;
        }
        if (pd != nullptr && pd->restarts != 0) {
            debug::print("kaal: supervisor: '", name, "' has been restarted ", pd->restarts,
                         " times, the most its policy allows\n");
        }
        if (pd != nullptr) {
            stopped_[index] = true;
        }
        stop(child.id(), name, symbols);
        return std::nullopt;
    }

private:
    bool restart_now(std::size_t index) {
        const auto& pd = config::supervised[index];
        if (!start_again(pd.child_id, pd.symbols, 0)) {
            debug::print("kaal: supervisor: cannot restart '", pd.name, "'\n");
            stopped_[index] = true;
            stop(pd.child_id, pd.name, pd.symbols);
            return false;
        }
        ++restarted_[index];
        debug::print("kaal: supervisor: restarted '", pd.name, "' (restart ", restarted_[index],
                     " of ", pd.restarts, ")\n");
        if (++restarts_made_ == config::fault_after_restarts) {
            fault_on_purpose();
        }
        return true;
    }

    // A test's bug in the supervisor itself (SupervisorOptions::fault_after_restarts): a call
    // through a null pointer the compiler cannot see is null, so it is made as written.
    static void fault_on_purpose() {
        debug::print("kaal: supervisor: faulting itself, as a test asks\n");
        void (*volatile nowhere)() = nullptr;
        nowhere();
    }

    // A timeout whose cookie is the PD's index; false without a time service, or if it cannot
    // arm one. Templates, so that the time service's names are looked up only in systems that
    // give the supervisor one.
    template <typename Time>
    bool wait_then_restart(std::size_t index, std::uint64_t ns) {
        if constexpr (Time::present) {
            if (!attach_time<Time>()) {
                return false;
            }
            waiting_since_[index] = time_->monotonic_ns();
            waiting_for_[index] = ns;
            return time_->after(index, ns).ok();
        }
        return false;
    }

    // Attached once the time service has published its clock, then drained once, which asks
    // the service to signal the next fired timeout (time_client.hpp).
    template <typename Time>
    bool attach_time() {
        if constexpr (Time::present) {
            if (!time_) {
                if (!kaal::services::time::TimeClient::attach(time_, *Time::clock, *Time::fired,
                                                              Time::channel)) {
                    return false;
                }
                drain_fired();
            }
            return true;
        }
        return false;
    }

    // The cookie of a back-off is the PD's index; that of an injected fault comes after them.
    static constexpr std::size_t injection_cookie = std::size(config::supervised);

    template <typename Time>
    void arm_injections() {
        if constexpr (Time::present) {
            for (std::size_t i = 0; i < std::size(config::supervised); ++i) {
                const auto& pd = config::supervised[i];
                if (pd.inject_fault_after_ns == 0) {
                    continue;
                }
                if (!attach_time<Time>() ||
                    !time_->after(injection_cookie + i, pd.inject_fault_after_ns).ok()) {
                    debug::print("kaal: supervisor: FAILED: cannot time the fault to inject into '",
                                 pd.name, "'\n");
                }
            }
        }
    }

    // Its PC at 0, which no PD maps: whatever it was doing, running or waiting, its next
    // instruction fetch faults. Only the PC is written; TCB_WriteRegisters makes it the PC the
    // thread resumes at, and resume_target ends a wait it was in (seL4 manual,
    // "TCB_WriteRegisters").
    static void inject_fault(std::size_t index) {
        const auto& pd = config::supervised[index];
        debug::print("kaal: supervisor: injecting a fault into '", pd.name, "', as a test asks\n");
        seL4_UserContext regs{};
        if (seL4_TCB_WriteRegisters(kaal::microkit::base_tcb_cap + pd.child_id, seL4_True, 0, 1,
                                    &regs) != seL4_NoError) {
            debug::print("kaal: supervisor: FAILED: cannot inject a fault into '", pd.name, "'\n");
        }
    }

    template <typename Time>
    void on_time(kaal::Channel ch) {
        if constexpr (Time::present) {
            if (ch == Time::channel && time_) {
                drain_fired();
            }
        }
    }

    void drain_fired() {
        time_->drain([this](const kaal::services::time::FiredTimeout& fired) {
            const auto index = static_cast<std::size_t>(fired.cookie);
            if (index >= injection_cookie && index - injection_cookie < injection_cookie) {
                inject_fault(index - injection_cookie);
                return;
            }
            if (index >= std::size(config::supervised) || waiting_for_[index] == 0) {
                return;
            }
            // The timeout's own check, printed: a back-off that ended early is a bug.
            const std::uint64_t waited = time_->monotonic_ns() - waiting_since_[index];
            if (waited < waiting_for_[index]) {
                debug::print("kaal: supervisor: FAILED: a back-off of ", waiting_for_[index],
                             " ns ended after ", waited, " ns\n");
            }
            waiting_for_[index] = 0;
            static_cast<void>(restart_now(index));
        });
    }

    // The fault is not answered, and a child blocked on its reply would leave it in this PD's
    // reply object, which libmicrokit's next receive cancels with a complaint from the debug
    // kernel ("Reply object already has unexecuted reply!"). Suspending the child cancels it
    // first (seL4 manual, "TCB_Suspend"); TCB_WriteRegisters with resume_target starts it again.
    static void suspend(unsigned child_id) {
        static_cast<void>(seL4_TCB_Suspend(kaal::microkit::base_tcb_cap + child_id));
    }

    // Stopped for good: started once more, as a PD that answers calls and runs none of its own
    // code (kaal_start with stopped_start). Without an entry point to start it at, it stays
    // faulted, and a caller it was serving waits for good.
    static void stop(unsigned child_id, const char* name, const debug::SymbolTable* symbols) {
        debug::report_stopped(name);
        if (start_again(child_id, symbols, kaal::microkit::stopped_start)) {
            debug::print("kaal: supervisor: calls to '", name,
                         "' are answered: ", kaal::Error::peer_stopped, "\n");
        } else {
            suspend(child_id);
            debug::print("kaal: supervisor: cannot answer the calls to '", name,
                         "'; its callers wait\n");
        }
    }

    // From its entry point with its stack empty: the PC at its ELF's entry, kaal_start, which
    // its symbol table records, the SP at the top of the stack Microkit gave it, and x0, kaal_
    // start's argument, saying how (restart_page.hpp); the thread resumes there, its pending
    // fault cancelled (seL4 manual, "TCB_WriteRegisters": resume_target). The rest of its
    // registers do not matter to kaal_start; SPSR 0 is what the Microkit tool starts it with.
    static bool start_again(unsigned child_id, const debug::SymbolTable* symbols, Word how) {
        const Word entry = symbols != nullptr ? symbols->entry : 0;
        if (entry == 0) {
            return false;
        }
        seL4_UserContext regs{};
        regs.pc = entry;
        regs.sp = kaal::microkit::stack_top;
        regs.x0 = how;
        // seL4_UserContext begins pc, sp, spsr, x0 (sel4_arch/types.h)
        constexpr seL4_Word up_to_x0 = 4;
        return seL4_TCB_WriteRegisters(kaal::microkit::base_tcb_cap + child_id, seL4_True, 0,
                                       up_to_x0, &regs) == seL4_NoError;
    }

    unsigned restarted_[std::size(config::supervised)] = {};
    unsigned restarts_made_ = 0;                       // of every PD
    bool stopped_[std::size(config::supervised)] = {}; // for good, answering calls
    // A back-off under way: its length (0: none) and when it began.
    std::uint64_t waiting_for_[std::size(config::supervised)] = {};
    std::uint64_t waiting_since_[std::size(config::supervised)] = {};
    std::optional<kaal::services::time::TimeClient> time_;

    // x30 holds the return address of the last call made: into the caller while the faulting
    // function has not called anything itself (a leaf, or one that faulted before its first
    // call), else back into the faulting function, which says nothing new and is not printed.
    // The caller of a function that has called is in its frame record on its stack (AAPCS64
    // 6.2.3), which this PD cannot read.
    static void report_caller(const seL4_UserContext& regs, const debug::SymbolTable* symbols,
                              Word ip) {
        if (symbols == nullptr || ip == 0) {
            return;
        }
        const Word lr = regs.x30;
        // The call instruction is the one before the return address.
        const Word call = lr - 4;
        if (lr < 4 || symbols->locate(call).function == symbols->locate(ip).function) {
            return;
        }
        static_cast<void>(debug::print_code(symbols, call, "called from "));
    }
};

} // namespace

KAAL_COMPONENT(Supervisor);
