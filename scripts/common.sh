# SPDX-License-Identifier: BSD-2-Clause
# Shared by the scripts in this directory; sourced, not run.
kaal_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

kaal_die() {
  echo "error: $*" >&2
  exit 1
}

# The first "kaal:" message in CMake's output on stdin, as one line: CMake indents a message by
# two spaces and wraps it at word boundaries, ending it with a blank or unindented line.
kaal_cmake_reason() {
  awk '/^  kaal: /{grab=1} grab && (/^$/ || !/^  /){exit} grab{sub(/^  /, ""); printf "%s%s", sep, $0; sep=" "} END{if (grab) print ""}'
}

# Configures one preset. A failed configure shows the one "kaal:" line that names the problem
# (bad MICROKIT_SDK, a .system naming a missing ELF, ...), not CMake's whole trace.
# usage: kaal_configure <preset> <binary dir> [extra cmake args...]
kaal_configure() {
  local preset=$1 dir=$2
  shift 2
  local log
  log=$(mktemp)
  if ! cmake --preset "$preset" -S "$kaal_root" -B "$dir" "$@" >"$log" 2>&1; then
    local reason
    reason=$(kaal_cmake_reason <"$log")
    if [[ -n "$reason" ]]; then
      echo "error: ${reason#kaal: }" >&2
    else
      cat "$log" >&2
    fi
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

# Configures and builds one preset (kaal_configure's arguments).
kaal_build() {
  kaal_configure "$@" && cmake --build "$2"
}

# The Microkit preset, built with the SDK in $MICROKIT_SDK (checked by cmake/KaalMicrokit.cmake).
kaal_build_microkit() {
  local dir=${1:-$kaal_root/build/microkit}
  # Passed even when empty, so a stale cached SDK is never used silently.
  kaal_build microkit "$dir" -DMICROKIT_SDK="${MICROKIT_SDK:-}"
}

# The runtime preset, built against the kernel in $SEL4_KERNEL_DIR (checked by
# cmake/KaalRuntime.cmake).
kaal_build_runtime() {
  local dir=${1:-$kaal_root/build/runtime}
  kaal_build runtime "$dir" -DSEL4_KERNEL_DIR="${SEL4_KERNEL_DIR:-}"
}

# The 32-bit copy of the kernel that QEMU's multiboot loader takes: the one next to kernel.elf
# if the kernel build made it, else made once from kernel.elf into the build directory.
kaal_multiboot_kernel() {
  local dir=$1
  if [[ -f "$SEL4_KERNEL_DIR/kernel32.elf" ]]; then
    echo "$SEL4_KERNEL_DIR/kernel32.elf"
    return
  fi
  objcopy -O elf32-i386 "$SEL4_KERNEL_DIR/kernel.elf" "$dir/kernel32.elf"
  echo "$dir/kernel32.elf"
}

# For a test that boots a Microkit system: without the SDK it is skipped, with the one line
# that says why and CTest's skip code.
kaal_need_microkit_sdk() {
  if [[ -z "${MICROKIT_SDK:-}" ]]; then
    echo "SKIPPED: MICROKIT_SDK not set"
    exit 77
  fi
}

# For a test that needs a host tool, which scripts/setup.sh installs from <package>: a missing
# one fails the test.
kaal_need_tool() {
  command -v "$1" >/dev/null || { echo "FAILED: $1 is missing: scripts/setup.sh installs $2"; exit 1; }
}

# The harness arguments that attach the raw <image> as QEMU virt's virtio-blk disk: the first
# -device, on virtio-mmio transport 31, modern virtio (drivers/block/virtio/README.md). Extra
# -drive options after it (throttling.iops-total=1000). Sets the array `kaal_disk_args`.
# usage: kaal_disk <image> [drive options]
kaal_disk() {
  kaal_disk_args=(--qemu-arg=-global --qemu-arg=virtio-mmio.force-legacy=false
    --qemu-arg=-drive --qemu-arg="file=$1,if=none,format=raw,id=hd0${2:+,$2}"
    --qemu-arg=-device --qemu-arg=virtio-blk-device,drive=hd0)
}

# The arguments of run.sh and run-runtime.sh: [example] [--interactive] [--graph] [--disk IMAGE]
# [--hostfwd FORWARD]... Sets `example` (default $1), `interactive`, `graph`, `disk` and the
# array `hostfwd`, and checks that the example exists.
kaal_parse_run_args() {
  example=$1
  interactive=0
  graph=0
  disk=""
  hostfwd=()
  shift
  while (($#)); do
    case $1 in
      --interactive) interactive=1 ;;
      --graph) graph=1 ;;
      --disk)
        [[ $# -ge 2 ]] || kaal_die "--disk needs an image file"
        disk=$2
        shift
        ;;
      --hostfwd)
        [[ $# -ge 2 ]] || kaal_die "--hostfwd needs a forward, e.g. tcp:127.0.0.1:9090-10.0.2.16:80"
        hostfwd+=("$2")
        shift
        ;;
      -*) kaal_die "unknown option '$1'" ;;
      *) example=$1 ;;
    esac
    shift
  done
  [[ -z "$disk" || -f "$disk" ]] || kaal_die "no disk image '$disk'"
  [[ -d "$kaal_root/examples/$example" ]] || kaal_die "no example named '$example' in examples/"
}
