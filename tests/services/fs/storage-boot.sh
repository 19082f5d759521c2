#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# examples/storage on seL4 in QEMU against a disk Linux's tools made (scripts/make-fat-image.sh):
# the shell reads what mcopy put there, creates, appends, copies, renames and deletes files and
# directories (storage.expect); then, on the host, mdir must list exactly the expected tree,
# mtype must show exactly the expected contents, and fsck.fat -n must find each volume clean.
# With two partitions the second is mounted at /data by a second filesystem service.
# With a fourth argument, that script runs instead of the session (tests/boot/storage.expect,
# what scripts/run.sh storage plays), and the host checks only that the volume is clean.
# usage: storage-boot.sh <binary dir> <mbr|gpt> <1|2> [script]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
if [[ -z "${MICROKIT_SDK:-}" ]]; then
  echo "SKIPPED: MICROKIT_SDK not set"
  exit 77
fi
label=$2 parts=$3
for tool in mdir mtype fsck.fat; do
  command -v $tool >/dev/null || { echo "FAILED: $tool is missing: scripts/setup.sh installs mtools, dosfstools"; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
image=$work/disk.img
"$root/scripts/make-fat-image.sh" "$image" "$label" "$parts"
if [[ $parts == 2 ]]; then
  data='FAT16 volume, 15321 clusters of 2048 bytes; serving 1 client'
  check='expect ^\\[shell\\] data\\.txt  24 bytes$\nexpect ^\\[shell\\] 1 entry$\nsend write /data/from-kaal.txt on partition two\\r\nexpect ^\\[shell\\] wrote 17 bytes to /data/from-kaal\\.txt$'
else
  data='no partition to serve: not found'
  check='expect ^\\[shell\\] ls: /data: not found$'
fi
sed -e "/@START@/{r $here/storage-start.expect" -e "d}" "$here/storage.expect" |
  sed -e "s|@DATA@|$data|" -e "s|@DATA_CHECK@|$check|" >"$work/storage.expect"
[[ -n "${4:-}" ]] && cp "$4" "$work/storage.expect"
"$root/tests/boot/run-boot-test.sh" microkit storage "$1" examples/storage "$work/storage.expect" \
  --qemu-arg=-global --qemu-arg=virtio-mmio.force-legacy=false \
  --qemu-arg=-drive --qemu-arg="file=$image,if=none,format=raw,id=hd0" \
  --qemu-arg=-device --qemu-arg=virtio-blk-device,drive=hd0
export MTOOLS_SKIP_CHECK=1
# Each partition as a file of its own, for fsck.fat.
dd if="$image" of="$work/p1.img" bs=512 skip=2048 count=98304 status=none
check_volume() { # <volume image> <expected listing> <file=contents>...
  local volume=$1 want=$2
  shift 2
  local got
  got=$(mdir -i "$volume" -/ -b ::/ | sort)
  if [[ "$got" != "$(sort <<<"$want")" ]]; then
    echo "FAILED: mdir lists, on $(basename "$volume"):"
    echo "$got"
    echo "but the shell's session leaves:"
    sort <<<"$want"
    exit 1
  fi
  local pair
  for pair in "$@"; do
    local path=${pair%%=*} contents=${pair#*=}
    if [[ "$(mtype -i "$volume" "::$path")" != "$(printf '%b' "$contents")" ]]; then
      echo "FAILED: mtype ::$path shows '$(mtype -i "$volume" "::$path")'"
      exit 1
    fi
  done
  fsck.fat -n "$volume" >"$work/fsck.log" 2>&1 || { echo "FAILED: fsck.fat -n:"; cat "$work/fsck.log"; exit 1; }
  echo "host: $(basename "$volume"): mdir lists exactly the expected tree, mtype the expected contents; fsck.fat -n finds it clean"
}
if [[ -n "${4:-}" ]]; then
  fsck.fat -n "$work/p1.img" >"$work/fsck.log" 2>&1 || { echo "FAILED: fsck.fat -n:"; cat "$work/fsck.log"; exit 1; }
  echo "host: fsck.fat -n finds the volume clean"
  exit 0
fi
check_volume "$work/p1.img" "::/hello.txt
::/docs/
::/docs/readme.txt
::/probe.txt
::/notes/
::/notes/todo.txt
::/Moved-Copy.txt" "/hello.txt=hello from Linux" "/notes/todo.txt=first line\nsecond line" \
  "/Moved-Copy.txt=hello from Linux" "/probe.txt=probe"
if [[ $parts == 2 ]]; then
  dd if="$image" of="$work/p2.img" bs=512 skip=100352 count=61440 status=none
  check_volume "$work/p2.img" "::/data.txt
::/from-kaal.txt" "/data.txt=on the second partition" "/from-kaal.txt=on partition two"
fi
