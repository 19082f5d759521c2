#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The storage stack's throughput on seL4 (examples/storage-bench), raw through the driver and
# through the filesystem in the same boot, under QEMU's -icount shift=0: one guest instruction
# per guest nanosecond, so the figures count instructions and do not depend on the host's load.
# Without --no-icount, that is; with it, the same run in plain TCG (host-dependent figures).
# The disk: a sparse 320 MiB image, an MBR, partition 1 a 272 MiB FAT32 volume with 4 KiB
# clusters (mkfs.fat -s 8), partition 2 32 MiB of scratch for the raw passes.
# usage: MICROKIT_SDK=... bench/storage/run-icount.sh [--no-icount]
# KAAL_ICOUNT replaces -icount's argument (shift=0), e.g. KAAL_ICOUNT=shift=0,sleep=off.
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
[[ -n "${MICROKIT_SDK:-}" ]] || kaal_die "MICROKIT_SDK is not set"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
image=$work/disk.img
truncate -s 320M "$image"
sfdisk "$image" >/dev/null <<<$'label: dos\nstart=2048, size=557056, type=c\nstart=559104, size=65536, type=83\n'
mkfs.fat -C -F 32 -s 8 "$work/p1.img" 278528 >/dev/null
dd if="$work/p1.img" of="$image" bs=512 seek=2048 conv=notrunc,sparse status=none
kaal_build_microkit "$kaal_root/build/microkit" >/dev/null
icount=(--qemu-arg=-icount --qemu-arg="${KAAL_ICOUNT:-shift=0}")
[[ "${1:-}" == --no-icount ]] && icount=()
python3 "$kaal_root/tests/harness/qemu_harness.py" --arch aarch64 \
  --image "$kaal_root/build/microkit/examples/storage-bench/loader.img" \
  --script "$kaal_root/bench/storage/storage-bench.expect" --timeout 900 "${icount[@]}" \
  --qemu-arg=-global --qemu-arg=virtio-mmio.force-legacy=false \
  --qemu-arg=-drive --qemu-arg="file=$image,if=none,format=raw,id=hd0" \
  --qemu-arg=-device --qemu-arg=virtio-blk-device,drive=hd0 --echo |
  grep -aE 'storage-bench\]|fs-root\]|^PASS'
