#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The time service's costs on seL4, measured in the guest: boots examples/timeouts with QEMU's
# -icount shift=0, where the guest executes one instruction per nanosecond of its own time, so
# the alarms' figures in guest time are instruction counts and do not depend on the host's load.
# Prints the cost and lateness lines, and the sleeper's wake-ups.
# usage: MICROKIT_SDK=... run-icount.sh            (Microkit, QEMU virt aarch64)
#        SEL4_KERNEL_DIR=... run-icount.sh runtime  (runtime mode, pc99 x86_64)
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
harness=(python3 "$kaal_root/tests/harness/qemu_harness.py" --echo --qemu-arg=-icount
         --qemu-arg=shift=0 --script "$kaal_root/tests/boot/timeouts.expect")
if [[ "${1:-microkit}" == runtime ]]; then
  [[ -n "${SEL4_KERNEL_DIR:-}" ]] || kaal_die "SEL4_KERNEL_DIR is not set"
  kaal_build_runtime "$kaal_root/build/runtime" >/dev/null
  harness+=(--arch x86_64 --image "$(kaal_multiboot_kernel "$kaal_root/build/runtime")"
            --initrd "$kaal_root/build/runtime/examples/timeouts/root-task.elf")
else
  [[ -n "${MICROKIT_SDK:-}" ]] || kaal_die "MICROKIT_SDK is not set"
  kaal_build_microkit "$kaal_root/build/microkit" >/dev/null
  harness+=(--arch aarch64 --image "$kaal_root/build/microkit/examples/timeouts/loader.img")
fi
"${harness[@]}" | grep -aE '\] (cost|lateness)|slept|^PASS'
