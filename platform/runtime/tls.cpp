// SPDX-License-Identifier: BSD-2-Clause
// The static TLS block of a runtime-mode image and the libsel4 symbols it needs. libsel4 keeps
// its IPC buffer pointer in a thread-local (sel4/functions.h), so no system call that uses the
// IPC buffer may run before the thread pointer is set.
#include <cstddef>
#include <cstdint>

#include <kaal/platform/runtime/start.hpp>

extern "C" {
// libsel4 declares it; a program that does not link libsel4.a (KaaL links none) defines it.
// NOLINTNEXTLINE(bugprone-reserved-identifier,readability-identifier-naming): libsel4's name
__thread seL4_IPCBuffer* __sel4_ipc_buffer;
}

// Bracket symbols from platform/runtime/x86_64.ld, under C++ names.
extern const unsigned char tdata_start[] __asm__("__tdata_start");
extern const unsigned char tdata_end[] __asm__("__tdata_end");
extern const unsigned char tbss_end[] __asm__("__tbss_end");
extern const unsigned char tls_align_symbol[] __asm__("__tls_align");

namespace kaal::runtime {

namespace {

// Room for the template and the thread control block. KaaL's own thread-locals are one pointer;
// an image that needs more stops at start with a message instead of overrunning.
constexpr std::size_t tls_area_bytes = 512;
constexpr std::size_t tls_area_align = 64;
alignas(tls_area_align) unsigned char tls_area[tls_area_bytes];

} // namespace

// x86_64 uses TLS variant II (ELF TLS ABI, "Thread-Local Storage", Drepper, section 3.4.2): the
// thread pointer in fs points just past the block, variables sit at negative offsets computed
// by the linker from the block size rounded up to its alignment, and the word at the thread
// pointer holds the pointer itself.
void setup_tls() {
    const auto align = reinterpret_cast<std::uintptr_t>(tls_align_symbol);
    const auto image = static_cast<std::size_t>(tdata_end - tdata_start);
    const auto size = static_cast<std::size_t>(tbss_end - tdata_start);
    const std::size_t block = (size + align - 1) & ~(align - 1);
    if (align > tls_area_align || block + sizeof(void*) > tls_area_bytes) {
        halt("kaal: the image's thread-local data does not fit the static TLS area\n");
    }
    unsigned char* const tp = tls_area + block;
    for (std::size_t i = 0; i < block; ++i) {
        tls_area[i] = i < image ? tdata_start[i] : 0;
    }
    *reinterpret_cast<unsigned char**>(tp) = tp;
    // CONFIG_SET_TLS_BASE_SELF: the thread sets its own fs base (seL4 manual, "seL4_SetTLSBase").
    seL4_SetTLSBase(reinterpret_cast<seL4_Word>(tp));
}

void halt(const char* why) {
    // debug::put is seL4_DebugPutChar alone: no IPC buffer, so it works before TLS is set up.
    debug::put(why);
    for (;;) {
        seL4_Yield();
    }
}

void run_constructors() {
    using Constructor = void (*)();
    extern Constructor init_array_start[] __asm__("__init_array_start");
    extern Constructor init_array_end[] __asm__("__init_array_end");
    for (Constructor* c = init_array_start; c != init_array_end; ++c) {
        (*c)();
    }
}

} // namespace kaal::runtime

// It does not return (halt), but is not declared [[noreturn]]: libsel4's sel4/assert.h declares
// it without, in builds without NDEBUG, and a later declaration may not add the attribute.
// NOLINTNEXTLINE(bugprone-reserved-identifier,readability-identifier-naming): libsel4's name
extern "C" void __assert_fail(const char* str, const char* file, int line, const char* function) {
    kaal::debug::print("kaal: assertion failed: ", str, " (", file, ":", line, ", ", function,
                       ")\n");
    kaal::runtime::halt("");
}
