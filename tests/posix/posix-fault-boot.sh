#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# examples/posix-fault on seL4 in QEMU (tests/boot/posix-fault.expect); then, on the host, the
# file the surviving program wrote is on the volume and fsck.fat -n finds the volume clean.
# usage: posix-fault-boot.sh <binary dir>
source "$(dirname "$0")/disk-test.sh"
"$root/scripts/make-fat-image.sh" "$work/disk.img" mbr 1
boot_with_disk posix-fault "$1" "$work/disk.img" "$root/tests/boot/posix-fault.expect"
first_partition "$work/disk.img" "$work/p1.img"
written=$(mtype -i "$work/p1.img" ::/survivor.txt)
[[ $written == "still here" ]] || { echo "FAILED: /survivor.txt holds '$written'"; exit 1; }
check_clean "$work/p1.img"
echo "PASS: the survivor's file is on the volume, and fsck.fat finds it clean"
