#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The virtio-blk driver killed with requests in its device and restarted, on seL4 in QEMU
# (examples/block-restart): makes an 8 MiB image with one MBR partition at sectors 2048-6143,
# boots it with the disk throttled to 1000 requests a second (QEMU's -drive throttling), so that
# the fault the supervisor injects finds requests in flight, checks the serial output
# (block-restart.expect), then checks the image on the host: the first 1 MiB of the partition
# holds the last pass's pattern, and nothing outside it changed.
# usage: block-restart-boot.sh <binary dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../../scripts/common.sh"
kaal_need_microkit_sdk
kaal_need_tool sfdisk fdisk
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
image=$work/disk.img
truncate -s 8M "$image"
printf 'label: dos\nstart=2048, size=4096, type=83\n' | sfdisk "$image" >/dev/null
cp "$image" "$work/before.img"
kaal_disk "$image" throttling.iops-total=1000
"$here/../../boot/run-boot-test.sh" microkit block-restart "$1" examples/block-restart \
  "$here/block-restart.expect" "${kaal_disk_args[@]}"
python3 - "$work/before.img" "$image" <<'PY'
import struct
import sys

before = open(sys.argv[1], "rb").read()
after = open(sys.argv[2], "rb").read()
expected = bytearray(before)
first, last_pass = 2048 * 512, 3  # examples/block-restart/stress_client.cpp: passes = 4
for block in range(256):
    words = [(last_pass << 48) | (block << 16) | w for w in range(512)]
    expected[first + block * 4096:first + (block + 1) * 4096] = struct.pack("<512Q", *words)
wrong = [s for s in range(len(after) // 512)
         if after[s * 512:(s + 1) * 512] != expected[s * 512:(s + 1) * 512]]
if wrong:
    print(f"FAILED: {len(wrong)} sectors differ from what the client last wrote, first {wrong[0]}")
    sys.exit(1)
print("host: the partition's first 1 MiB holds the last pass's blocks; no other sector changed")
PY
