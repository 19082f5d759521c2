// SPDX-License-Identifier: BSD-2-Clause
// The supervisor PD (Microkit): the parent of the PDs a system description supervises
// (kaal::composer::Supervisor), so the kernel sends their faults here, not to the Microkit
// monitor. Each fault is reported as the runtime root task reports one
// (kaal/platform/fault_report.hpp): the PD by name, the fault, and the code at its instruction
// by function and file:line, from the PD's symbol table, built into this image; then the code
// its link register returns to, when that lies in another function. The PD stays stopped: no
// reply; the rest of the system keeps running.
#include <cstdint>
#include <optional>

#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/fault_report.hpp>

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
    }

    std::optional<MessageInfo> fault(kaal::Child child, MessageInfo msg) {
        const auto* pd = find(child.id());
        const char* name = pd != nullptr ? pd->name : "(not supervised)";
        const debug::SymbolTable* symbols = pd != nullptr ? pd->symbols : nullptr;
        // The message first: reading the registers replies into the same IPC buffer.
        const auto m = debug::FaultMessage::read(msg.label(), msg.length());
        const auto regs = registers_of(child.id());
        const Word ip = debug::report_fault(name, m, symbols, regs ? regs->pc : 0);
        if (regs) {
            report_caller(*regs, symbols, ip);
        }
        debug::print("kaal: component '", name,
                     "' stopped; the rest of the system keeps running\n");
        return std::nullopt;
    }

private:
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
