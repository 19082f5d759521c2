// SPDX-License-Identifier: BSD-2-Clause
// Start of a runtime-mode component: the root task wrote its start record and passes the
// record's address in rdi. KAAL_COMPONENT defines kaal_component_main. rsi says how
// (runtime/abi.hpp): a component the root task restarts after a fault starts here again on its
// image's initial data, with restarted_start; one it has stopped for good, with stopped_start,
// and then only answers calls (answer_as_stopped).
#include <kaal/platform/channel.hpp>
#include <kaal/platform/runtime/abi.hpp>
#include <kaal/platform/runtime/start.hpp>

namespace kaal::runtime {
const StartInfo* start_info = nullptr;
} // namespace kaal::runtime

extern "C" [[noreturn]] void kaal_component_main();

namespace {

// The call the component was serving when it faulted, if any, then every later one: its reply
// cap outlives the fault in its TCB's caller slot, and a reply with no caller pending does
// nothing (seL4 13.0.0, handleReply), so a notification received here needs no test. None of
// the component's own code or data is used beyond the TLS block and IPC buffer pointer, set up
// again before this.
[[noreturn]] void answer_as_stopped() {
    const seL4_MessageInfo_t stopped =
        kaal::detail::to_sel4(kaal::error_reply(kaal::Error::peer_stopped));
    seL4_Reply(stopped);
    for (;;) {
        seL4_Word badge = 0;
        seL4_ReplyRecv(kaal::runtime::input_cap, stopped, &badge);
    }
}

} // namespace

extern "C" [[noreturn]] void kaal_runtime_start(const kaal::runtime::StartInfo* info,
                                                kaal::Word how) {
    kaal::runtime::setup_tls();
    if (info == nullptr || info->magic != kaal::runtime::StartInfo::expected_magic) {
        // Not started by a KaaL root task: there is no IPC buffer to run with.
        kaal::runtime::halt("kaal: component started without a start record; stopping\n");
    }
    kaal::runtime::start_info = info;
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the root task mapped the buffer there
    seL4_SetIPCBuffer(reinterpret_cast<seL4_IPCBuffer*>(info->ipc_buffer));
    if (how == kaal::runtime::stopped_start) {
        answer_as_stopped();
    }
    if (how == kaal::runtime::restarted_start) {
        // The call it was serving when it faulted: a Recv below would drop its reply cap, and
        // the caller would wait for good. With no call pending the reply does nothing.
        seL4_Reply(kaal::detail::to_sel4(kaal::error_reply(kaal::Error::peer_restarted)));
        // The restart notice, as in Microkit mode (platform/microkit/start.cpp).
        kaal::detail::notify_every_channel(info->notifications,
                                           kaal::runtime::base_output_notification_cap);
    }
    kaal::runtime::run_constructors();
    kaal_component_main();
}
