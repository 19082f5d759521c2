#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runtime mode: sets up, builds the KaaL root task of an example and boots it with seL4 x86_64 in
# QEMU, showing the serial console.
# usage: SEL4_KERNEL_DIR=<kernel build> scripts/run-runtime.sh [example] [--interactive]
#   Without --interactive the run ends once the lines in tests/boot/runtime/<example>.expect
#   appeared. With it, QEMU keeps the terminal: Ctrl-A X quits.
set -euo pipefail
source "$(dirname "$0")/common.sh"
kaal_parse_run_args runtime-demo "$@"

"$kaal_root/scripts/setup.sh"
dir="$kaal_root/build/runtime"
kaal_build_runtime "$dir" >/dev/null
root_task="$dir/examples/$example/root-task.elf"
[[ -f "$root_task" ]] || kaal_die "examples/$example has no runtime-mode system (no root-task.elf built)"
kernel=$(kaal_multiboot_kernel "$dir")
harness=(python3 "$kaal_root/tests/harness/qemu_harness.py" --arch x86_64 --image "$kernel"
         --initrd "$root_task")
if ((interactive)); then
  exec "${harness[@]}" --interactive
fi
exec "${harness[@]}" --echo --script "$kaal_root/tests/boot/runtime/$example.expect"
