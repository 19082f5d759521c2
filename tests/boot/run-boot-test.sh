#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# One boot test on real seL4 in QEMU: builds examples/<name> for the mode and checks its serial
# output against the mode's expect script. Exit 77 (CTest's skip) when the mode's SDK or kernel
# is not given.
#   microkit: loader.img with the SDK in MICROKIT_SDK, on qemu-system-aarch64,
#             script tests/boot/<name>.expect
#   runtime:  the root task with the kernel in SEL4_KERNEL_DIR, on qemu-system-x86_64,
#             script tests/boot/runtime/<name>.expect
# A system outside examples/ (a driver's own test system) names its folder in the build tree and
# its script.
# Arguments after the script go to the harness (a driver's test attaches a disk with --qemu-arg).
# usage: run-boot-test.sh <microkit|runtime> <name> <binary dir> [<system folder> <script>
#                         [<harness argument>...]]
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
mode=$1 name=$2 dir=$3
folder=${4:-examples/$name}
case $mode in
  microkit) variable=MICROKIT_SDK ;;
  runtime) variable=SEL4_KERNEL_DIR ;;
  *) kaal_die "unknown mode '$mode'" ;;
esac
if [[ -z "${!variable:-}" ]]; then
  echo "SKIPPED: $variable not set"
  exit 77
fi
"kaal_build_$mode" "$dir" >"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
harness=(python3 "$kaal_root/tests/harness/qemu_harness.py")
if [[ $mode == microkit ]]; then
  exec "${harness[@]}" --arch aarch64 --image "$dir/$folder/loader.img" \
    --script "${5:-$kaal_root/tests/boot/$name.expect}" "${@:6}"
fi
exec "${harness[@]}" --arch x86_64 --image "$(kaal_multiboot_kernel "$dir")" \
  --initrd "$dir/$folder/root-task.elf" --script "${5:-$kaal_root/tests/boot/runtime/$name.expect}" \
  "${@:6}"
