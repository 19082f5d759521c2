#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The storage stack's throughput on seL4 (examples/storage-bench), raw through the driver and
# through the filesystem in the same boot, under QEMU's -icount shift=0: one guest instruction
# per guest nanosecond, so the figures count instructions and do not depend on the host's load.
# Without --no-icount, that is; with it, the same run in plain TCG (host-dependent figures).
# The disk: a 320 MiB image, allocated up front (a write into a hole of a sparse file makes the
# host allocate), an MBR, partition 1 a 272 MiB FAT32 volume with 4 KiB clusters (mkfs.fat -s 8),
# partition 2 32 MiB of scratch for the raw passes.
# usage: MICROKIT_SDK=... bench/storage/run-icount.sh [--no-icount]
# KAAL_ICOUNT replaces -icount's argument (shift=0), e.g. KAAL_ICOUNT=shift=0,sleep=off.
# The system is built as seL4 figures are taken, in a build directory of its own: on the SDK's
# release kernel (the debug kernel checks more on every system call) with components optimised
# for speed (-O2, where the tests' images are optimised for size). KAAL_MICROKIT_CONFIG=debug
# and KAAL_BUILD_TYPE=MinSizeRel measure what the tests boot.
# The disk image lives in /dev/shm when there is one: on the host's disk, its writes (and every
# flush) wait for the host's file system, which -icount counts while the guest waits.
# KAAL_BENCH_DIR puts it elsewhere, e.g. KAAL_BENCH_DIR=/var/tmp for a disk-backed image.
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
[[ -n "${MICROKIT_SDK:-}" ]] || kaal_die "MICROKIT_SDK is not set"
bench_dir=${KAAL_BENCH_DIR:-/dev/shm}
[[ -d "$bench_dir" && -w "$bench_dir" ]] || bench_dir=${TMPDIR:-/tmp}
work=$(mktemp -d -p "$bench_dir")
trap 'rm -rf "$work"' EXIT
image=$work/disk.img
fallocate -l 320M "$image"
sfdisk "$image" >/dev/null <<<$'label: dos\nstart=2048, size=557056, type=c\nstart=559104, size=65536, type=83\n'
mkfs.fat -C -F 32 -s 8 "$work/p1.img" 278528 >/dev/null
dd if="$work/p1.img" of="$image" bs=512 seek=2048 conv=notrunc,sparse status=none
config=${KAAL_MICROKIT_CONFIG:-release}
build_type=${KAAL_BUILD_TYPE:-RelWithDebInfo}
build=$kaal_root/build/bench-microkit-$config-$build_type
kaal_build microkit "$build" -DMICROKIT_SDK="$MICROKIT_SDK" -DMICROKIT_CONFIG="$config" \
  -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
icount=(--qemu-arg=-icount --qemu-arg="${KAAL_ICOUNT:-shift=0}")
[[ "${1:-}" == --no-icount ]] && icount=()
python3 "$kaal_root/tests/harness/qemu_harness.py" --arch aarch64 \
  --image "$build/examples/storage-bench/loader.img" \
  --script "$kaal_root/bench/storage/storage-bench.expect" --timeout 900 "${icount[@]}" \
  --qemu-arg=-global --qemu-arg=virtio-mmio.force-legacy=false \
  --qemu-arg=-drive --qemu-arg="file=$image,if=none,format=raw,id=hd0" \
  --qemu-arg=-device --qemu-arg=virtio-blk-device,drive=hd0 --echo |
  grep -aE 'storage-bench\]|fs-root\]|^PASS'
