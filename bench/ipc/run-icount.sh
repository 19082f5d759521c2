#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# What IPC costs on seL4, under QEMU's -icount shift=0, so guest time counts instructions and
# does not depend on the host's load:
#   ipc-ppc   its client times 100,000 typed calls (kaal::ipc::call) and 100,000 raw ones
#             (ppcall with the registers set by hand), in one boot;
#   ipc-ring  100,000 items streamed between two PDs through a queue pair with notification
#             suppression: the time from the first item to the last, and the signals sent;
#   kernel-bench  seL4's basic operations, 20,000 rounds each: a protected call, a signal, a
#             yield, a signal answered with both sides waiting, a VM fault handled by another
#             PD and resumed, KaaL's ring push and pop; in runtime mode also the broker's
#             device requests (docs/performance.md, "seL4 operations").
# Microkit mode on qemu-system-aarch64 (the counter is CNTPCT_EL0); with --runtime, runtime mode
# on qemu-system-x86_64 (the counter is the TSC).
# usage: MICROKIT_SDK=... bench/ipc/run-icount.sh <ipc-ppc|ipc-ring|kernel-bench>
#        SEL4_KERNEL_DIR=... bench/ipc/run-icount.sh <ipc-ppc|ipc-ring|kernel-bench> --runtime
# Components are built at -O2. The kernel is the debug one in both modes: the examples report on
# the kernel's debug console, which a release kernel does not have (seL4_DebugPutChar), and
# runtime mode has only the debug kernel KaaL documents. So both figures include the debug
# kernel's checks on every system call, the same in the typed and the raw loop.
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
example=${1:-}
[[ "$example" =~ ^(ipc-ppc|ipc-ring|kernel-bench)$ ]] ||
  kaal_die "usage: $0 <ipc-ppc|ipc-ring|kernel-bench> [--runtime]"
figures='client: (1|2)00000|(producer|consumer): [0-9]+ (signals|items in)|kernel-bench: .*(ns each|per counter tick|done)|broker on seL4: request|^PASS'
harness=(python3 "$kaal_root/tests/harness/qemu_harness.py" --script
  "$kaal_root/tests/boot/$example.expect" --timeout 600 --qemu-arg=-icount --qemu-arg=shift=0 --echo)
if [[ "${2:-}" == --runtime ]]; then
  [[ -n "${SEL4_KERNEL_DIR:-}" ]] || kaal_die "SEL4_KERNEL_DIR is not set"
  build=$kaal_root/build/bench-runtime
  kaal_build runtime "$build" -DSEL4_KERNEL_DIR="$SEL4_KERNEL_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    >/dev/null
  "${harness[@]}" --arch x86_64 --image "$(kaal_multiboot_kernel "$build")" \
    --initrd "$build/examples/$example/root-task.elf" | grep -aE "$figures"
  exit "${PIPESTATUS[0]}"
fi
[[ -n "${MICROKIT_SDK:-}" ]] || kaal_die "MICROKIT_SDK is not set"
build=$kaal_root/build/bench-microkit-debug-RelWithDebInfo
kaal_build microkit "$build" -DMICROKIT_SDK="$MICROKIT_SDK" -DMICROKIT_CONFIG=debug \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
"${harness[@]}" --arch aarch64 --image "$build/examples/$example/loader.img" | grep -aE "$figures"
exit "${PIPESTATUS[0]}"
