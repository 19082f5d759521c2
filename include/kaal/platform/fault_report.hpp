// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>

#include <kaal/platform/debug.hpp>
#include <kaal/platform/symbol_table.hpp>

// A component's fault, reported on the debug console by whoever handles its faults: the
// runtime root task (platform/runtime/fault_reporter.cpp) and the Microkit supervisor
// (services/supervisor). Both print the same lines, so one boot script checks either mode:
//
//   kaal: component 'crash-null' faulted: VM fault (read) at address 0x0, ip 0x480003fd
//   kaal:   at init (examples/crashes/crash_null.cpp:17)
//   kaal:   inlined in kaal_component_main (examples/crashes/crash_null.cpp:24)
//
// The kernel sends a fault as a message whose label is the fault type and whose message
// registers are laid out per type (seL4 manual, "Faults"; libsel4 sel4/shared_types.h and
// sel4_arch/constants.h): FaultMessage::read copies them, first thing.
namespace kaal::debug {

// A fault's message, copied out of the IPC buffer before the handler's next invocation (a
// seL4_TCB_ReadRegisters, say) overwrites it there. seL4's longest fault message is the
// unknown-syscall one: every register the architecture passes arguments in.
struct FaultMessage {
    static constexpr unsigned capacity = 24;
    Word label = 0;
    std::array<Word, capacity> words{};

    static FaultMessage read(Word label, Word length) {
        FaultMessage m;
        m.label = label;
        for (unsigned i = 0; i < capacity && i < length; ++i) {
            m.words[i] = seL4_GetMR(static_cast<int>(i));
        }
        return m;
    }
    [[nodiscard]] Word operator[](unsigned index) const {
        return index < capacity ? words[index] : 0;
    }
};

namespace detail {

#if defined(__aarch64__)
// FSR is the ESR (Arm ARM, ESR_ELx): for a data abort, ISS bit 6 (WnR) is set for a write;
// seL4 tells an instruction abort by PrefetchFault.
inline const char* access_kind(Word fsr, bool instruction) {
    if (instruction) {
        return "execute";
    }
    return (fsr & (Word{1} << 6)) != 0 ? "write" : "read";
}
inline Word unknown_syscall_number(const FaultMessage& m) {
    return m[seL4_UnknownSyscall_Syscall];
}
// seL4 on AArch64 numbers a user exception by what it was, not by a vector.
inline const char* exception_name(Word) {
    return "exception";
}
// What the exception class of an ESR (bits 31:26; Arm ARM, ESR_ELx) says, for the exceptions
// seL4 at EL2 delivers from a PD as a VCPU fault.
inline const char* exception_class(Word esr) {
    switch ((esr >> 26) & 0x3f) {
    case 0x00: return "undefined instruction";
    case 0x0e: return "illegal execution state";
    case 0x22: return "misaligned PC";
    case 0x26: return "misaligned SP";
    case 0x3c: return "breakpoint instruction (BRK)";
    default: return "exception";
    }
}
#else
// FSR is the page-fault error code (Intel SDM vol. 3A, "Interrupt 14 - Page-Fault Exception":
// bit 0 present, bit 1 write, bit 4 instruction fetch).
inline const char* access_kind(Word fsr, bool instruction) {
    if (instruction || (fsr & 0x10) != 0) {
        return "execute";
    }
    return (fsr & 0x2) != 0 ? "write" : "read";
}
inline Word unknown_syscall_number(const FaultMessage& m) {
    return m[seL4_UnknownSyscall_RAX];
}
// The exception vectors a component's code raises most (Intel SDM vol. 3A, table 6-1).
inline const char* exception_name(Word number) {
    switch (number) {
    case 0: return "divide error";
    case 6: return "undefined instruction";
    case 13: return "general protection";
    case 17: return "alignment check";
    default: return "exception";
    }
}
#endif

} // namespace detail

// The code at `address`, from the component's symbol table (which the build made from its ELF),
// a line a frame: the innermost function at its file:line, then each function it was inlined
// in, at the line of that call. `first` begins the first line ("at ", "called from "). A
// function found with no line is named with the offset; an address in none of the functions (a
// jump to nowhere) prints nothing. Returns whether it named anything.
inline bool print_code(const SymbolTable* symbols, Word address, const char* first) {
    if (symbols == nullptr) {
        return false;
    }
    const CodeLocation at = symbols->locate(address);
    constexpr unsigned most_frames = 12;
    unsigned printed = 0;
    for (auto index = at.frame; index != no_frame && printed < most_frames; ++printed) {
        const SourceFrame f = symbols->frame(index);
        print("kaal:   ", printed == 0 ? first : "inlined in ", f.function, " (", f.file, ":",
              f.line, ")\n");
        index = f.inlined_in;
    }
    if (printed == 0 && !at.function.empty()) {
        print("kaal:   ", first, at.function, "+", hex(at.offset), "\n");
        ++printed;
    }
    return printed != 0;
}

// The fault's line and the code at its instruction. `pc` is the thread's PC where the handler
// read its registers (0 if it did not), for a fault whose message has no instruction address.
// Returns the instruction's address (0 when neither says).
inline Word report_fault(const char* name, const FaultMessage& m, const SymbolTable* symbols,
                         [[maybe_unused]] Word pc = 0) {
    Word ip = 0;
    switch (m.label) {
    case seL4_Fault_VMFault:
        ip = m[seL4_VMFault_IP];
        print("kaal: component '", name, "' faulted: VM fault (",
              detail::access_kind(m[seL4_VMFault_FSR], m[seL4_VMFault_PrefetchFault] != 0),
              ") at address ", hex(m[seL4_VMFault_Addr]), ", ip ", hex(ip), "\n");
        break;
    case seL4_Fault_CapFault:
        ip = m[seL4_CapFault_IP];
        print("kaal: component '", name, "' faulted: cap fault: invoked CPtr ",
              hex(m[seL4_CapFault_Addr]), " which does not hold a valid capability, ip ", hex(ip),
              "\n");
        break;
    case seL4_Fault_UserException:
        ip = m[seL4_UserException_FaultIP];
        print("kaal: component '", name, "' faulted: CPU exception ", m[seL4_UserException_Number],
              ", ", detail::exception_name(m[seL4_UserException_Number]), " (error code ",
              hex(m[seL4_UserException_Code]), "), ip ", hex(ip), "\n");
        break;
    case seL4_Fault_UnknownSyscall:
        ip = m[seL4_UnknownSyscall_FaultIP];
        print("kaal: component '", name, "' faulted: unknown system call ",
              detail::unknown_syscall_number(m), ", ip ", hex(ip), "\n");
        break;
#if defined(CONFIG_ARM_HYPERVISOR_SUPPORT)
    case seL4_Fault_VCPUFault:
        // seL4 at EL2 sends a PD's other synchronous exceptions (an undefined instruction, a
        // BRK: kaal_assert's) as a VCPU fault with the syndrome alone; the PC is the handler's.
        ip = pc;
        print("kaal: component '", name,
              "' faulted: CPU exception: ", detail::exception_class(m[seL4_VCPUFault_HSR]),
              " (ESR ", hex(m[seL4_VCPUFault_HSR]), "), ip ", hex(ip), "\n");
        break;
#endif
    default: print("kaal: component '", name, "' faulted: fault type ", m.label, "\n"); return 0;
    }
    static_cast<void>(print_code(symbols, ip, "at "));
    return ip;
}

// The line that ends a report when the component stays stopped.
inline void report_stopped(const char* name) {
    print("kaal: component '", name, "' stopped; the rest of the system keeps running\n");
}

} // namespace kaal::debug
