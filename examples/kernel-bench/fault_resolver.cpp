// SPDX-License-Identifier: BSD-2-Clause
// The root task's resolve_fault hook for kernel-bench (runtime mode, where the root task is
// every component's fault handler): the faulter's loads from kernel_bench::unmapped_address are
// resumed past the load; any other fault goes on to be reported and stopped as usual.
#include <string_view>

#include <kaal/platform/runtime/root_task.hpp>

#include "kernel_bench.hpp"

bool kaal::runtime::resolve_fault(std::size_t component, const SystemDescription& system,
                                  Cap<cap::Tcb> tcb, const debug::FaultMessage& fault) {
    if (std::string_view{system.components[component].name} != "faulter" ||
        fault.label != seL4_Fault_VMFault ||
        fault[seL4_VMFault_Addr] != kernel_bench::unmapped_address) {
        return false;
    }
    // The first register of seL4_UserContext is rip (sel4_arch/types.h); the kernel resumes the
    // thread at it once replied to. Written alone, the rest stay as the fault left them.
    seL4_UserContext regs{};
    regs.rip = fault[seL4_VMFault_IP] + kernel_bench::faulting_load_bytes;
    return seL4_TCB_WriteRegisters(tcb.cptr(), seL4_False, 0, 1, &regs) == seL4_NoError;
}
