// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/ipc/message_codec.hpp>
#include <kaal/platform/channel.hpp>

// Protected procedure calls with typed messages, on the calling PD's own message registers:
// the IPC buffer in microkit and runtime modes (seL4 manual, "IPC Buffer"), the PD record in
// mock mode. A PPC is synchronous: the client blocks in seL4_Call until the server's
// protected() entry point returns (Microkit manual, "Protected procedure"), so the registers
// are the client's again when `call` decodes the reply.
namespace kaal::ipc {

struct PlatformRegisters {
    [[nodiscard]] Word get(unsigned index) const { return mr_get(index); }
    void set(unsigned index, Word value) const { mr_set(index, value); }
};

// Client: sends `request` over `ch` and returns the decoded reply, the server's error, or
// malformed_message if the server's answer does not fit R::Reply.
//
// Always inlined, as decode_reply is: a call site names a constant channel and label, so the
// channel check and the register stores fold into the caller's code and the Result stays in
// registers. Out of line (GCC's choice at -O2 once a PD calls it from a few places) a call cost
// 25 guest instructions more than a raw ppcall with no checks; inlined, 6 on aarch64 and 7 on
// x86_64 (docs/performance.md, "Protected calls on seL4").
template <Request R>
[[gnu::always_inline]] inline Result<typename R::Reply> call(Channel ch, const R& request) {
    const PlatformRegisters regs;
    KAAL_TRY(const MessageInfo reply, ppcall(ch, encode_request(request, regs)));
    return decode_reply<typename R::Reply>(reply, regs);
}

// Server: from a component's protected_call hook,
//   return kaal::ipc::serve<Add, Reset>(msg, [this](const auto& r) { return handle(r); });
template <Request... Rs, typename Handler>
MessageInfo serve(MessageInfo request, Handler&& handler) {
    return Protocol<Rs...>::serve(request, handler, PlatformRegisters{});
}

} // namespace kaal::ipc
