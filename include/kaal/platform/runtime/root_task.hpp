// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>

#include <kaal/broker/capability_broker.hpp>
#include <kaal/platform/fault_report.hpp>
#include <kaal/platform/runtime/backoff_timer.hpp>
#include <kaal/platform/runtime/sel4.hpp>
#include <kaal/platform/runtime/system_builder.hpp>
#include <kaal/platform/runtime/system_description.hpp>

// The KaaL root task (runtime mode): it takes the kernel's bootinfo, builds the capability broker
// from it, builds and starts the system compiled into it, then stays as the fault handler of
// every component. kaal_add_runtime_system() links it with the system's description and images.
namespace kaal::runtime {

[[noreturn]] void root_task_main(const seL4_BootInfo& bootinfo);

// Called once the broker exists and before the system is built, if the system's description
// file defines it (a weak symbol otherwise): for a system's own checks or measurements of the
// broker on the real kernel.
void before_build(broker::CapabilityBroker& broker);

// Called with each fault message from a running component, before the root task stops it, if
// the system's root-task sources define it (a weak symbol otherwise, resolving none): a system
// that handles some faults itself (a pager, or examples/kernel-bench's fault-and-resume
// measurement) sets the thread's registers through `tcb` as it needs and returns true; the root
// task then replies, which resumes the thread (seL4 manual, "Faults": the reply restarts a
// thread after a VM fault at its fault IP). A component can send a message like a fault itself;
// resolving it can change only that component's own registers.
bool resolve_fault(std::size_t component, const SystemDescription& system, Cap<cap::Tcb> tcb,
                   const debug::FaultMessage& fault);

// Receives the components' faults forever and reports each with the component's name; the
// faulting component is suspended at its first message (fault_ledger.hpp says why that makes a
// forged fault message harmless), every other one keeps running. `reply` and `probe` are two
// empty slots of the root CNode: the fault's reply cap is saved in the first, and moved to the
// second to learn whether there was one, which tells a plain send from a fault.
// `images` name the code at a fault's address (EmbeddedImage::symbols). `timer`, when the
// system has back-offs, times them; without it a component is restarted at once.
[[noreturn]] void serve_faults(Cap<cap::Endpoint> fault_endpoint, const SystemDescription& system,
                               std::span<const EmbeddedImage> images, SystemBuilder& builder,
                               const BackoffTimer* timer, CPtr reply, CPtr probe);

} // namespace kaal::runtime
