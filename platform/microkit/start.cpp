// SPDX-License-Identifier: BSD-2-Clause
// kaal_start: the entry point of every Microkit PD KaaL links (-e kaal_start), ahead of
// libmicrokit's _start, which branches to main (libmicrokit src/aarch64/crt0.s). A PD with a
// restart page (kaal/platform/microkit/restart_page.hpp) saves its writable data there, as the
// Microkit tool loaded it, on its first start; on a restart, when its supervisor has set the PC
// here and the SP to the top of its stack, it puts it back: libmicrokit's main then runs the
// constructors and init() again on the state the image began with. A PD without one goes
// straight on.
//
// "As loaded" includes .bss: the tool writes its variables there (the PD's name, its channel
// masks, each setvar address: libmicrokit's and the composer's uninitialised globals), so a
// restart that only zeroed .bss would lose them. .data is copied whole; .bss, zero but for those,
// as the offset and value of each byte that is not zero. A restart then answers the protected
// call the PD was serving when it faulted, if any, with Error::peer_restarted, and signals each
// channel it may notify once, the restart notice.
//
// A PD its supervisor stops for good starts here too, with stopped_start as the argument, and
// from then on only answers calls (answer_as_stopped).
//
// Nothing here reads or writes .data or .bss before the copy: what it uses is constant
// (.rodata), on the stack, or in the restart page.
#include <cstddef>
#include <cstdint>

#include <kaal/platform/channel.hpp>
#include <kaal/platform/microkit/restart_page.hpp>

// The names are the linker script's and libmicrokit's.
// NOLINTBEGIN(bugprone-reserved-identifier,readability-identifier-naming)
extern "C" {
// microkit.ld: .data, then what -fdata-sections puts in sections of its own (placed after .data
// as orphans of the same kind), then .bss; .init_array before them never changes.
extern char _data[];
extern char _bss[];
extern char _bss_end[];
[[noreturn]] void _start();
[[noreturn]] void kaal_start(std::uint64_t how);
// libmicrokit's (main.c), which points libsel4's __sel4_ipc_buffer at it.
extern seL4_IPCBuffer __sel4_ipc_buffer_obj;
}
// NOLINTEND(bugprone-reserved-identifier,readability-identifier-naming)

namespace {

using kaal::microkit::RestartPage;

// Through volatile pointers: the compiler may not turn these into a call that uses .data.
void copy(char* to, const char* from, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i) {
        static_cast<volatile char*>(to)[i] = static_cast<const volatile char*>(from)[i];
    }
}

void zero(char* to, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i) {
        static_cast<volatile char*>(to)[i] = 0;
    }
}

// A byte of .bss that is not zero, as the tool loaded it.
struct KeptByte {
    std::uint32_t offset;
    std::uint32_t value;
};

// Where the kept bytes begin: after the .data copy, aligned for them. From an address, not a
// cast of a char pointer: the page is page-aligned, so the alignment is the address's.
KeptByte* kept_bytes(const RestartPage& page, std::size_t data_bytes) {
    const auto at = reinterpret_cast<std::uintptr_t>(&page + 1) + data_bytes;
    // NOLINTNEXTLINE(performance-no-int-to-ptr): inside the restart page
    return reinterpret_cast<KeptByte*>((at + alignof(KeptByte) - 1) & ~(alignof(KeptByte) - 1));
}

// Saves the loaded state; false if the page is too small for it.
bool save(RestartPage& page, std::size_t page_bytes, std::size_t data_bytes,
          std::size_t bss_bytes) {
    const auto end = reinterpret_cast<std::uintptr_t>(&page) + page_bytes;
    KeptByte* kept = kept_bytes(page, data_bytes);
    if (reinterpret_cast<std::uintptr_t>(kept) > end) {
        return false;
    }
    copy(reinterpret_cast<char*>(&page + 1), _data, data_bytes);
    std::size_t count = 0;
    for (std::size_t i = 0; i < bss_bytes; ++i) {
        const char value = static_cast<const volatile char*>(_bss)[i];
        if (value != 0) {
            if (reinterpret_cast<std::uintptr_t>(kept + count + 1) > end) {
                return false;
            }
            kept[count++] = {static_cast<std::uint32_t>(i),
                             static_cast<std::uint32_t>(static_cast<unsigned char>(value))};
        }
    }
    page.data_bytes = data_bytes;
    page.bss_bytes_kept = count;
    return true;
}

void restore(const RestartPage& page, std::size_t bss_bytes) {
    copy(_data, reinterpret_cast<const char*>(&page + 1), page.data_bytes);
    zero(_bss, bss_bytes);
    const KeptByte* kept = kept_bytes(page, page.data_bytes);
    for (std::size_t k = 0; k < page.bss_bytes_kept; ++k) {
        if (kept[k].offset < bss_bytes) {
            static_cast<volatile char*>(_bss)[kept[k].offset] = static_cast<char>(kept[k].value);
        }
    }
}

// A PD that faulted while serving a protected call leaves its caller blocked on the PD's reply
// object, and libmicrokit's first receive with that object would only cancel the reply ("Reply
// object already has unexecuted reply!", seL4's receiveIPC on MCS), leaving the caller blocked
// for good. So a restart first answers it: peer_restarted, as an error reply (kaal/platform/
// message.hpp). A reply object with no caller makes this a no-op (doReplyTransfer: "nothing to
// do"). Called after restore(): libsel4 reaches the IPC buffer through __sel4_ipc_buffer, in
// .data.
void answer_interrupted_call() {
    seL4_Send(kaal::microkit::reply_cap,
              kaal::detail::to_sel4(kaal::error_reply(kaal::Error::peer_restarted)));
}

// A PD stopped for good: what faulted may have spoiled any of its data, so this uses none of it
// but the IPC buffer pointer, set again first. The call it was serving when it faulted, if any,
// is answered as a restart answers it, then every call after it. A notification needs no answer.
// A fault of a child of its own is left unanswered: a reply would resume the child into the
// same fault. The next receive then cancels that reply (the debug kernel says "Reply object
// already has unexecuted reply!") and the child stays stopped too.
[[noreturn]] void answer_as_stopped() {
    __sel4_ipc_buffer = &__sel4_ipc_buffer_obj;
    const seL4_MessageInfo_t stopped =
        kaal::detail::to_sel4(kaal::error_reply(kaal::Error::peer_stopped));
    seL4_Send(kaal::microkit::reply_cap, stopped);
    for (;;) {
        seL4_Word badge = 0;
        seL4_Recv(kaal::microkit::input_cap, &badge, kaal::microkit::reply_cap);
        while (kaal::microkit::is_call_badge(badge)) {
            seL4_ReplyRecv(kaal::microkit::input_cap, stopped, &badge, kaal::microkit::reply_cap);
        }
    }
}

} // namespace

extern "C" [[noreturn]] void kaal_start(std::uint64_t how) {
    if (how == kaal::microkit::stopped_start) {
        answer_as_stopped();
    }
    if (&kaal_restart_page_bytes != nullptr) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer maps it there
        auto& page = *reinterpret_cast<RestartPage*>(kaal::microkit::restart_page_vaddr);
        const auto data_bytes = static_cast<std::size_t>(_bss - _data);
        const auto bss_bytes = static_cast<std::size_t>(_bss_end - _bss);
        if (page.state == 0) {
            if (save(page, kaal_restart_page_bytes, data_bytes, bss_bytes)) {
                page.state = RestartPage::ready;
            } else {
                page.state = RestartPage::too_small;
                microkit_dbg_puts("kaal: this PD's data does not fit its restart page; a restart "
                                  "will stop it\n");
            }
        } else if (page.state == RestartPage::ready && page.data_bytes == data_bytes) {
            restore(page, bss_bytes);
            answer_interrupted_call();
            // The restart notice, on every channel this PD may notify (the tool's mask, restored
            // with .bss): a peer waiting for a signal the dead instance owed it (a ring's, say:
            // the rings carry on from their shared indices) gets one.
            kaal::detail::notify_every_channel(microkit_notifications,
                                               kaal::microkit::base_output_notification_cap);
        } else {
            // No copy to start again from: a fault, which its supervisor counts as a failed
            // restart, rather than init() on whatever the last run left.
            microkit_dbg_puts("kaal: no initial data to restart from\n");
            __builtin_trap();
        }
        ++page.starts;
    }
    _start();
}
