// SPDX-License-Identifier: BSD-2-Clause
// kernel-bench: the bench PD and its partners (bench.cpp says what each measurement is). Echo
// is above the bench, as a protected call needs (Microkit manual, "Protected procedure"); pong
// at the bench's priority, so signals and yields between them switch only when one blocks or
// yields; the sink below, so a signal to it never switches. The faulter's faults go to the
// bench, its parent, in Microkit mode, and to the root task in runtime mode.
#include <kaal/composer/system.hpp>

void kaal_describe(kaal::composer::System& s) {
    auto& echo = s.pd("echo", "kernel_bench_echo").priority(200);
    auto& bench = s.pd("bench", "kernel_bench_bench").priority(100);
    auto& pong = s.pd("pong", "kernel_bench_pong").priority(100);
    auto& faulter = s.pd("faulter", "kernel_bench_faulter").priority(90);
    auto& sink = s.pd("sink", "kernel_bench_sink").priority(50);
    s.call(bench, "echo", echo, "client");
    s.channel(bench, "ping", pong, "ping");
    s.channel(bench, "yield", pong, "yield");
    s.channel(bench, "sink", sink, "source");
    s.channel(bench, "faulter", faulter, "go");
    if (s.board() == kaal::composer::Board::qemu_virt_aarch64) {
        bench.child(faulter, 0);
    }
}
