#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Debugs an example on real seL4 in QEMU: builds it with debug information, boots it stopped at
# its first instruction with QEMU's gdbstub, and starts gdb with the components' symbols loaded
# where they run. Then `break Server::handle`, `continue`, `bt`, `next`, `print` work in a
# component's C++ source.
# usage: scripts/debug.sh <example> [--component PD] [--runtime] [--batch FILE] [--disk IMAGE]
#   --component  load only that PD's symbols (default: every PD's, each at its own addresses:
#                the composer links every PD of a system at an address of its own)
#   --runtime    runtime mode: the KaaL root task on seL4 x86_64 (SEL4_KERNEL_DIR), with gdb;
#                the root task's symbols are loaded too. Default: Microkit (MICROKIT_SDK), with
#                gdb-multiarch.
#   --batch      run a gdb script and exit with gdb's status, printing the serial log after
#                gdb's output (tests/debug uses this)
#   --disk       attach a raw image as the virtio-blk disk, as scripts/run.sh does
# The build is its own tree, build/debug-microkit or build/debug-runtime: -Og -g, which keeps
# locals and lines meaningful while the code stays close to what the boot tests run.
# KAAL_DEBUG_FLAGS replaces "-Og -g" (KAAL_DEBUG_FLAGS="-O0 -g" for every variable, at a larger
# stack use); KAAL_DEBUG_BUILD_DIR replaces the build tree. QEMU's serial output goes to
# <build tree>/<example>.serial.log. See docs/debugging.md.
set -euo pipefail
source "$(dirname "$0")/common.sh"

(($#)) || kaal_die "usage: scripts/debug.sh <example> [--component PD] [--runtime] [--batch FILE] [--disk IMAGE]"
example=$1
shift
component=""
runtime=0
batch=""
disk=""
while (($#)); do
  case $1 in
    --component)
      [[ $# -ge 2 ]] || kaal_die "--component needs a PD name"
      component=$2
      shift
      ;;
    --runtime) runtime=1 ;;
    --batch)
      [[ $# -ge 2 && -f $2 ]] || kaal_die "--batch needs a gdb script that exists"
      batch=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
      shift
      ;;
    --disk)
      [[ $# -ge 2 && -f $2 ]] || kaal_die "--disk needs an image file that exists"
      disk=$2
      shift
      ;;
    *) kaal_die "unknown option '$1'" ;;
  esac
  shift
done
[[ -d "$kaal_root/examples/$example" ]] || kaal_die "no example named '$example' in examples/"
((runtime == 0 || ${#disk} == 0)) || kaal_die "--disk is for Microkit mode (virtio-mmio on QEMU virt)"

"$kaal_root/scripts/setup.sh" >/dev/null
flags=${KAAL_DEBUG_FLAGS:--Og -g}
if ((runtime)); then
  mode=runtime
  dir=${KAAL_DEBUG_BUILD_DIR:-$kaal_root/build/debug-runtime}
  extra=(-DSEL4_KERNEL_DIR="${SEL4_KERNEL_DIR:-}")
  gdb=gdb
else
  mode=microkit
  dir=${KAAL_DEBUG_BUILD_DIR:-$kaal_root/build/debug-microkit}
  extra=(-DMICROKIT_SDK="${MICROKIT_SDK:-}")
  gdb=gdb-multiarch
fi
command -v "$gdb" >/dev/null || kaal_die "$gdb is not installed (run scripts/setup.sh)"
mkdir -p "$dir"
log="$dir/build.log"
# Only the example's own directory is built: a debug session starts in seconds, not minutes.
if ! { kaal_configure "$mode" "$dir" "${extra[@]}" -DCMAKE_BUILD_TYPE=Debug \
         -DCMAKE_C_FLAGS_DEBUG="$flags" -DCMAKE_CXX_FLAGS_DEBUG="$flags" &&
       cmake --build "$dir" --target "examples/$example/all"; } >"$log" 2>&1; then
  cat "$log" >&2
  kaal_die "the build failed (log above, also in $log)"
fi

out="$dir/examples/$example"
symbols=()
if [[ -d "$out/pds" ]]; then
  if [[ -n "$component" ]]; then
    [[ -f "$out/pds/$component.elf" ]] ||
      kaal_die "examples/$example has no PD '$component' (it has: $(cd "$out/pds" && ls -- *.elf | sed 's/\.elf$//' | tr '\n' ' '))"
    symbols+=("$out/pds/$component.elf")
  else
    symbols+=("$out"/pds/*.elf)
  fi
else
  # A hand-written system (kaal_add_system): its components keep the SDK's one link address,
  # so choose one with --component.
  [[ -n "$component" ]] || kaal_die "examples/$example is not composed: name its component with --component"
  [[ -f "$out/$component.elf" ]] || kaal_die "examples/$example has no component '$component'"
  symbols+=("$out/$component.elf")
fi

session=(python3 "$kaal_root/scripts/debug_session.py" --gdb "$gdb"
         --serial-log "$dir/$example.serial.log")
if ((runtime)); then
  [[ -f "$out/root-task.elf" ]] || kaal_die "examples/$example has no runtime-mode system"
  session+=(--arch x86_64 --image "$(kaal_multiboot_kernel "$dir")" --initrd "$out/root-task.elf"
            --symbols "$out/root-task.elf")
else
  [[ -f "$out/loader.img" ]] || kaal_die "examples/$example has no Microkit system (no loader.img)"
  session+=(--arch aarch64 --image "$out/loader.img")
fi
for elf in "${symbols[@]}"; do
  session+=(--symbols "$elf")
done
if [[ -n "$disk" ]]; then
  session+=(--qemu-arg=-global --qemu-arg=virtio-mmio.force-legacy=false
    --qemu-arg=-drive --qemu-arg="file=$disk,if=none,format=raw,id=hd0"
    --qemu-arg=-device --qemu-arg=virtio-blk-device,drive=hd0)
fi
[[ -z "$batch" ]] || session+=(--batch "$batch")
exec "${session[@]}"
