#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# One runtime-mode boot test: builds the root task of examples/<name> against the seL4 x86_64
# kernel in $SEL4_KERNEL_DIR and checks its serial output in QEMU against
# tests/boot/runtime/<name>.expect. Exit 77 (CTest's skip) when no kernel is given.
# usage: run-runtime-boot-test.sh <name> <runtime binary dir>
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
name=$1 dir=$2
if [[ -z "${SEL4_KERNEL_DIR:-}" ]]; then
  echo "SKIPPED: SEL4_KERNEL_DIR not set"
  exit 77
fi
kaal_build_runtime "$dir" >"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
exec python3 "$kaal_root/tests/harness/qemu_harness.py" --arch x86_64 \
  --image "$(kaal_multiboot_kernel "$dir")" --initrd "$dir/examples/$name/root-task.elf" \
  --script "$kaal_root/tests/boot/runtime/$name.expect"
