// SPDX-License-Identifier: BSD-2-Clause
// The root task as every component's fault handler. The kernel turns a fault into a message on
// the thread's fault endpoint whose label is the fault type and whose message registers are laid
// out per type (seL4 manual, "Faults"; libsel4 sel4/shared_types.h and sel4_arch/constants.h).
#include <kaal/platform/debug.hpp>
#include <kaal/platform/runtime/root_task.hpp>
#include <kaal/platform/runtime/system_builder.hpp>

namespace kaal::runtime {

namespace {

// seL4_Fault_VMFault's FSR on x86 is the page-fault error code (Intel SDM vol. 3A, "Interrupt 14
// - Page-Fault Exception": bit 0 present, bit 1 write, bit 4 instruction fetch).
const char* access_kind(Word fsr, bool instruction) {
    if (instruction || (fsr & 0x10) != 0) {
        return "execute";
    }
    return (fsr & 0x2) != 0 ? "write" : "read";
}

void report(const char* name, seL4_MessageInfo_t tag) {
    switch (seL4_MessageInfo_get_label(tag)) {
    case seL4_Fault_VMFault:
        debug::print(
            "kaal: component '", name, "' faulted: VM fault (",
            access_kind(seL4_GetMR(seL4_VMFault_FSR), seL4_GetMR(seL4_VMFault_PrefetchFault) != 0),
            ") at address ", debug::hex(seL4_GetMR(seL4_VMFault_Addr)), ", ip ",
            debug::hex(seL4_GetMR(seL4_VMFault_IP)), "\n");
        break;
    case seL4_Fault_CapFault:
        debug::print("kaal: component '", name, "' faulted: cap fault: invoked CPtr ",
                     debug::hex(seL4_GetMR(seL4_CapFault_Addr)),
                     " which does not hold a valid capability, ip ",
                     debug::hex(seL4_GetMR(seL4_CapFault_IP)), "\n");
        break;
    case seL4_Fault_UserException:
        debug::print("kaal: component '", name, "' faulted: CPU exception ",
                     seL4_GetMR(seL4_UserException_Number), " (error code ",
                     debug::hex(seL4_GetMR(seL4_UserException_Code)), "), ip ",
                     debug::hex(seL4_GetMR(seL4_UserException_FaultIP)), "\n");
        break;
    case seL4_Fault_UnknownSyscall:
        debug::print("kaal: component '", name, "' faulted: unknown system call ",
                     seL4_GetMR(seL4_UnknownSyscall_RAX), ", ip ",
                     debug::hex(seL4_GetMR(seL4_UnknownSyscall_FaultIP)), "\n");
        break;
    default:
        debug::print("kaal: component '", name, "' faulted: fault type ",
                     seL4_MessageInfo_get_label(tag), "\n");
        break;
    }
}

} // namespace

void serve_faults(Cap<cap::Endpoint> fault_endpoint, const SystemDescription& system) {
    for (;;) {
        seL4_Word badge = 0;
        const seL4_MessageInfo_t tag = seL4_Recv(fault_endpoint.cptr(), &badge);
        if (badge == 0 || badge > system.components.size()) {
            // Only the kernel's fault messages carry a component's badge; anything else is a
            // component sending on its fault cap, which gets no answer.
            debug::print("kaal: ignored a message with badge ", debug::hex(badge),
                         " on the fault endpoint\n");
            continue;
        }
        const std::size_t index = badge - 1;
        report(system.components[index].name, tag);
        // No reply: the faulting thread stays blocked, so it cannot run on into the same fault;
        // the rest of the system keeps running.
        debug::print("kaal: component '", system.components[index].name,
                     "' stopped; the rest of the system keeps running\n");
    }
}

} // namespace kaal::runtime
