// SPDX-License-Identifier: BSD-2-Clause
// kernel-bench faulter: on the bench's signal, kernel_bench::rounds loads from an address no PD
// maps, each a VM fault that its handler answers by moving the thread past the load and
// resuming it: the bench PD, its Microkit parent, or the root task in runtime mode
// (fault_resolver.cpp). The time from before the first to after the last is what a fault
// handled by another thread and resumed costs.
#include <kaal/platform/component.hpp>

#include "kernel_bench.hpp"

namespace {

// One load, of the length kernel_bench::faulting_load_bytes says, that the handler skips; its
// result is never defined.
inline void faulting_load(std::uint64_t address) {
#if defined(__aarch64__)
    std::uint64_t value = 0;
    asm volatile("ldr %0, [%1]" : "=r"(value) : "r"(address) : "memory");
#else
    asm volatile(".byte 0x48, 0x8b, 0x00" /* mov (%rax), %rax */ : "+a"(address)::"memory");
#endif
}

class Faulter {
public:
    void init() {}
    void notified(kaal::Channel) {
        const auto start = kaal::services::time::read_counter();
        for (std::uint64_t i = 0; i < kernel_bench::rounds; ++i) {
            faulting_load(kernel_bench::unmapped_address);
        }
        const auto end = kaal::services::time::read_counter();
        kernel_bench::report("VM fault, handled by another PD and resumed", kernel_bench::rounds,
                             end - start);
        kaal::debug::print("kernel-bench: done\n");
    }
};

} // namespace

KAAL_COMPONENT(Faulter);
