// SPDX-License-Identifier: BSD-2-Clause
// The root task's resolve_fault hook for kernel-bench (runtime mode, where the root task is
// every component's fault handler): the faulter's loads from kernel_bench::unmapped_address are
// resumed past the load; any other fault goes on to be reported and stopped as usual.
#include <string_view>

#include <kaal/platform/runtime/root_task.hpp>

#include "kernel_bench.hpp"

bool kaal::runtime::resolve_fault(std::size_t component, const SystemDescription& system,
                                  Cap<cap::Tcb> tcb, const debug::FaultMessage& fault) {
    return std::string_view{system.components[component].name} == "faulter" &&
           kernel_bench::skip_faulting_load(tcb.cptr(), fault.label, fault[seL4_VMFault_Addr],
                                            fault[seL4_VMFault_IP]);
}
