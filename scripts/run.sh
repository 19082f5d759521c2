#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Sets up, builds a KaaL system for Microkit and boots it in QEMU, showing its serial console.
# usage: MICROKIT_SDK=<sdk> scripts/run.sh [example] [--interactive]
#   Without --interactive the run ends once the lines in tests/boot/<example>.expect appeared.
#   With it, QEMU keeps the terminal: type to the serial port, Ctrl-A X quits.
set -euo pipefail
source "$(dirname "$0")/common.sh"
example=hello
interactive=0
for arg in "$@"; do
  case $arg in
    --interactive) interactive=1 ;;
    -*) kaal_die "unknown option '$arg'" ;;
    *) example=$arg ;;
  esac
done
[[ -d "$kaal_root/examples/$example" ]] || kaal_die "no example named '$example' in examples/"

"$kaal_root/scripts/setup.sh"
kaal_build_microkit "$kaal_root/build/microkit" >/dev/null
image="$kaal_root/build/microkit/examples/$example/loader.img"
[[ -f "$image" ]] || kaal_die "examples/$example has no Microkit system (no loader.img built)"
if ((interactive)); then
  exec qemu-system-aarch64 -machine virt,virtualization=on -cpu cortex-a53 -m 2G -nographic \
    -device "loader,file=$image,addr=0x70000000,cpu-num=0"
fi
exec python3 "$kaal_root/tests/harness/qemu_harness.py" --echo --image "$image" \
  --script "$kaal_root/tests/boot/$example.expect"
