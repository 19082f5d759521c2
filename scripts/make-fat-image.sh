#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Makes an 80 MiB disk image for examples/storage with Debian's own tools: a partition table
# (sfdisk for MBR, sgdisk for GPT), partition 1 (sectors 2048-100351, 48 MiB) a FAT32 volume
# from mkfs.fat holding /hello.txt and /docs/readme.txt put there by mcopy, and with `2`
# partition 2 (sectors 100352-161791, 30 MiB) a FAT16 volume holding /data.txt. Any further
# files are copied to the root of partition 1 too (a script for examples/lua, say).
# usage: scripts/make-fat-image.sh <image> [mbr|gpt] [1|2] [file...]
set -euo pipefail
source "$(dirname "$0")/common.sh"
image=${1:?usage: make-fat-image.sh <image> [mbr|gpt] [1|2]}
label=${2:-mbr}
parts=${3:-1}
extra=("${@:4}")
for file in "${extra[@]}"; do
  [[ -f $file ]] || kaal_die "no file '$file' to put on the volume"
done
for tool in mkfs.fat mcopy mmd sfdisk sgdisk; do
  command -v $tool >/dev/null ||
    kaal_die "$tool is missing: scripts/setup.sh installs dosfstools, mtools, fdisk, gdisk"
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MTOOLS_SKIP_CHECK=1
rm -f "$image"
truncate -s 80M "$image"
case $label in
  gpt)
    args=(-n 1:2048:100351 -t 1:0700)
    [[ $parts == 2 ]] && args+=(-n 2:100352:161791 -t 2:0700)
    sgdisk "${args[@]}" "$image" >/dev/null
    ;;
  mbr)
    table=$'label: dos\nstart=2048, size=98304, type=c\n'
    [[ $parts == 2 ]] && table+=$'start=100352, size=61440, type=6\n'
    sfdisk "$image" <<<"$table" >/dev/null
    ;;
  *) kaal_die "unknown partition table '$label' (mbr or gpt)" ;;
esac
mkfs.fat -C -F 32 -s 1 -n KAAL "$work/p1.img" 49152 >/dev/null
printf 'hello from Linux\n' >"$work/hello.txt"
printf 'This volume was made on Linux with mkfs.fat and mcopy.\n' >"$work/readme.txt"
mcopy -i "$work/p1.img" "$work/hello.txt" ::/hello.txt
mmd -i "$work/p1.img" ::/docs
mcopy -i "$work/p1.img" "$work/readme.txt" ::/docs/readme.txt
for file in "${extra[@]}"; do
  mcopy -i "$work/p1.img" "$file" "::/$(basename "$file")"
done
dd if="$work/p1.img" of="$image" bs=512 seek=2048 conv=notrunc status=none
if [[ $parts == 2 ]]; then
  mkfs.fat -C -F 16 -n DATA "$work/p2.img" 30720 >/dev/null
  printf 'on the second partition\n' >"$work/data.txt"
  mcopy -i "$work/p2.img" "$work/data.txt" ::/data.txt
  dd if="$work/p2.img" of="$image" bs=512 seek=100352 conv=notrunc status=none
fi
