#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# examples/posix on seL4 in QEMU: posix_test.c checks the POSIX layer on a disk made by
# scripts/make-fat-image.sh (tests/boot/posix.expect). Then, on the host: the volume holds
# exactly what it held before plus posix-result.txt with the program's summary line, and
# fsck.fat -n finds it clean.
# usage: posix-boot.sh <binary dir>
source "$(dirname "$0")/disk-test.sh"
"$root/scripts/make-fat-image.sh" "$work/disk.img" mbr 1
boot_with_disk posix "$1" "$work/disk.img" "$root/tests/boot/posix.expect" "${posix_devices[@]}"
first_partition "$work/disk.img" "$work/p1.img"
listing=$(mdir -i "$work/p1.img" -/ -b ::/ | sort)
want=$(printf '::/docs/\n::/docs/readme.txt\n::/hello.txt\n::/posix-result.txt\n' | sort)
if [[ "$listing" != "$want" ]]; then
  echo "FAILED: mdir lists:"
  echo "$listing"
  exit 1
fi
result=$(mtype -i "$work/p1.img" ::/posix-result.txt)
[[ $result =~ ^([0-9]+)\ of\ ([0-9]+)\ checks\ passed$ && ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] ||
  { echo "FAILED: posix-result.txt holds '$result'"; exit 1; }
check_clean "$work/p1.img"
echo "PASS: the volume holds what it should, posix-result.txt '$result', and fsck.fat finds it clean"
