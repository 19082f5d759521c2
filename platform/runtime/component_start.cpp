// SPDX-License-Identifier: BSD-2-Clause
// Start of a runtime-mode component: the root task wrote its start record and passes the
// record's address in rdi. KAAL_COMPONENT defines kaal_component_main.
#include <kaal/platform/runtime/abi.hpp>
#include <kaal/platform/runtime/start.hpp>

namespace kaal::runtime {
const StartInfo* start_info = nullptr;
} // namespace kaal::runtime

extern "C" [[noreturn]] void kaal_component_main();

extern "C" [[noreturn]] void kaal_runtime_start(const kaal::runtime::StartInfo* info) {
    kaal::runtime::setup_tls();
    if (info == nullptr || info->magic != kaal::runtime::StartInfo::expected_magic) {
        // Not started by a KaaL root task: there is no IPC buffer to run with.
        kaal::runtime::halt("kaal: component started without a start record; stopping\n");
    }
    kaal::runtime::start_info = info;
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the root task mapped the buffer there
    seL4_SetIPCBuffer(reinterpret_cast<seL4_IPCBuffer*>(info->ipc_buffer));
    kaal::runtime::run_constructors();
    kaal_component_main();
}
