#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Two clients of one disk through the block virtualiser on seL4 in QEMU (examples/block-partitions):
# makes an 8 MiB image partitioned by sgdisk (GPT) or sfdisk (MBR), partition 1 at sectors
# 2048-6143 and partition 2 at 6144-14335,
# whose sector 1 of each partition begins "host-filled\n" and whose other sectors hold a pattern;
# boots it, checks the serial output (block-partitions.expect), then checks the image on the host:
# each client's name in sector 0 of its own partition, every other sector as it was made, and
# the partitioning tool still finding the table valid.
# usage: block-partitions-boot.sh <binary dir> <gpt|mbr>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../../scripts/common.sh"
kaal_need_microkit_sdk
label=${2:-gpt}
for tool in sgdisk sfdisk; do
  command -v $tool >/dev/null || { echo "FAILED: $tool is missing: scripts/setup.sh installs gdisk, fdisk"; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
image=$work/disk.img
python3 - "$image" <<'PY'
import sys

with open(sys.argv[1], "wb") as f:
    for s in range(16384):  # 8 MiB
        f.write(bytes([(s * 7 + i) & 0xff for i in range(16)]) * 32)
PY
if [[ $label == gpt ]]; then
  sgdisk -n 1:2048:6143 -n 2:6144:14335 "$image" >/dev/null
else
  printf 'label: dos\nstart=2048, size=4096, type=83\nstart=6144, size=8192, type=83\n' |
    sfdisk "$image" >/dev/null
fi
python3 - "$image" <<'PY'
import sys

with open(sys.argv[1], "r+b") as f:
    for first in (2048, 6144):
        f.seek((first + 1) * 512)
        f.write(b"host-filled\n")
PY
cp "$image" "$work/before.img"
kaal_disk "$image"
"$here/../../boot/run-boot-test.sh" microkit block-partitions "$1" examples/block-partitions \
  <(sed "s/@LABEL@/${label^^}/" "$here/block-partitions.expect") "${kaal_disk_args[@]}"
python3 - "$work/before.img" "$image" <<'PY'
import sys

before = open(sys.argv[1], "rb").read()
after = open(sys.argv[2], "rb").read()
expected = bytearray(before)
for first, name in ((2048, b"blk-client-a\n"), (6144, b"blk-client-b\n")):
    expected[first * 512:(first + 1) * 512] = name + bytes(512 - len(name))
wrong = [s for s in range(len(after) // 512)
         if after[s * 512:(s + 1) * 512] != expected[s * 512:(s + 1) * 512]]
if wrong:
    print(f"FAILED: sectors {wrong[:10]} of the host image are not as expected")
    sys.exit(1)
print("host: each client's name is in sector 0 of its own partition; the other 16382 sectors "
      "are as made")
PY
if [[ $label == gpt ]]; then
  sgdisk -v "$image" | grep -q "No problems found" || { echo "FAILED: sgdisk -v finds problems"; exit 1; }
  echo "host: sgdisk -v finds no problems"
else
  sfdisk --verify "$image" >/dev/null || { echo "FAILED: sfdisk --verify finds problems"; exit 1; }
  echo "host: sfdisk --verify finds no problems"
fi
