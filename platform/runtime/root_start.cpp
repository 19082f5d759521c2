// SPDX-License-Identifier: BSD-2-Clause
// Start of the root task: seL4 passes the bootinfo frame's address in rdi (seL4 manual,
// "BootInfo"); its IPC buffer is named there.
#include <kaal/platform/runtime/root_task.hpp>
#include <kaal/platform/runtime/start.hpp>

extern "C" [[noreturn]] void kaal_runtime_start(const seL4_BootInfo* bootinfo) {
    kaal::runtime::setup_tls();
    seL4_SetIPCBuffer(bootinfo->ipcBuffer);
    kaal::runtime::run_constructors();
    kaal::runtime::root_task_main(*bootinfo);
}
