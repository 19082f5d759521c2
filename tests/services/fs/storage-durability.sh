#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Durability of examples/storage on seL4 in QEMU, with power cuts: QEMU is killed with SIGKILL,
# so neither the guest nor QEMU writes back anything it still holds.
#   1. The shell writes a file and syncs; once "synced" is printed, SIGKILL. The host must find
#      the file whole.
#   2. On the same disk, the shell writes another file and does not sync; SIGKILL. Nothing that
#      was on the volume may be damaged: the synced file, the files Linux put there, and
#      fsck.fat -n finds the volume clean.
# usage: storage-durability.sh <binary dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
if [[ -z "${MICROKIT_SDK:-}" ]]; then
  echo "SKIPPED: MICROKIT_SDK not set"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
image=$work/disk.img
"$root/scripts/make-fat-image.sh" "$image" mbr 1
durable="this line was synced before the power cut"
boot() { # <script body>
  {
    sed -e "s|@DATA@|no partition to serve: not found|" "$here/storage-start.expect"
    echo "timeout 20"
    printf '%s\n' "$1"
  } >"$work/script.expect"
  "$root/tests/boot/run-boot-test.sh" microkit storage "$2" examples/storage "$work/script.expect" \
    --sigkill --qemu-arg=-global --qemu-arg=virtio-mmio.force-legacy=false \
    --qemu-arg=-drive --qemu-arg="file=$image,if=none,format=raw,id=hd0" \
    --qemu-arg=-device --qemu-arg=virtio-blk-device,drive=hd0
}
export MTOOLS_SKIP_CHECK=1
volume() { dd if="$image" of="$work/p1.img" bs=512 skip=2048 count=98304 status=none; }
boot "send write /durable.txt $durable\\r
expect ^\\[shell\\] wrote 42 bytes to /durable\\.txt$
send sync\\r
expect ^\\[shell\\] synced$" "$1"
volume
got=$(mtype -i "$work/p1.img" ::/durable.txt)
[[ "$got" == "$durable" ]] || { echo "FAILED: after sync and SIGKILL, /durable.txt holds '$got'"; exit 1; }
echo "host: after sync and SIGKILL, /durable.txt is whole"
boot "send write /unsynced.txt this line was never synced\\r
expect ^\\[shell\\] wrote 27 bytes to /unsynced\\.txt$
send append /durable.txt appended but never synced\\r
expect ^\\[shell\\] appended 26 bytes to /durable\\.txt$" "$1"
volume
[[ "$(mtype -i "$work/p1.img" ::/hello.txt)" == "hello from Linux" ]] ||
  { echo "FAILED: /hello.txt was damaged by a power cut"; exit 1; }
[[ "$(mtype -i "$work/p1.img" ::/docs/readme.txt)" == "This volume was made on Linux with mkfs.fat and mcopy." ]] ||
  { echo "FAILED: /docs/readme.txt was damaged by a power cut"; exit 1; }
got=$(mtype -i "$work/p1.img" ::/durable.txt)
[[ "$got" == "$durable" || "$got" == "$durable"$'\n'"appended but never synced" ]] ||
  { echo "FAILED: /durable.txt holds '$got' after an unsynced append and a power cut"; exit 1; }
fsck.fat -n "$work/p1.img" >"$work/fsck.log" 2>&1 ||
  { echo "FAILED: fsck.fat -n after a power cut without sync:"; cat "$work/fsck.log"; exit 1; }
echo "host: after writes without sync and SIGKILL, every file that was there is whole and fsck.fat -n finds the volume clean"
