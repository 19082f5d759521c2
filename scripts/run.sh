#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Sets up, builds a KaaL system for Microkit and boots it in QEMU, showing its serial console.
# usage: MICROKIT_SDK=<sdk> scripts/run.sh [example] [--interactive | --graph] [--disk IMAGE]
#                                          [--hostfwd FORWARD]...
#   Without --interactive the run ends once the lines in tests/boot/<example>.expect appeared.
#   With it, QEMU keeps the terminal: type to the serial port, Ctrl-A X quits.
#   --graph builds the system and prints the path of its picture (an SVG) and its summary.
#   --disk attaches a raw image as the virtio-blk disk (QEMU's first -device: virtio-mmio
#   transport 31, modern virtio). examples/storage, posix(-fault), lua and sqlite without --disk get a
#   fresh one each run, build/<example>-disk.img: an MBR, one FAT32 partition made by mkfs.fat,
#   a few files by mcopy (for lua and sqlite, the scripts they run too).
#   examples/entropy gets a virtio-rng device on virtio-mmio transport 15 (bus=virtio-mmio-bus.15),
#   examples/posix a NIC on 23 without forwards and an rng on 15: each in a 4 KiB page of its own.
#   examples/network gets an rng on 15 and runs until Ctrl-A X, on QEMU's user network with
#   restrict=on (the guest reaches nothing outside QEMU), forwarding 127.0.0.1:8080 to the HTTP server (10.0.2.16:80)
#   and 127.0.0.1:7007 to the echo server (10.0.2.15:7, TCP). Each --hostfwd replaces those,
#   in QEMU's own syntax: --hostfwd tcp:127.0.0.1:9090-10.0.2.16:80. No UDP forward: with
#   restrict=on QEMU's user network drops every datagram the guest sends, replies included
#   (tests/services/net/network_boot.py tests UDP on a socket netdev instead).
set -euo pipefail
source "$(dirname "$0")/common.sh"
kaal_parse_run_args hello "$@"

"$kaal_root/scripts/setup.sh"
# Quiet when it builds; the whole build log when it does not, so a mistake is never silent.
log="$kaal_root/build/microkit.log"
mkdir -p "$kaal_root/build"
kaal_build_microkit "$kaal_root/build/microkit" >"$log" 2>&1 || {
  cat "$log" >&2
  kaal_die "the build failed (log above, also in $log)"
}
if ((graph)); then
  svg="$kaal_root/build/microkit/examples/$example/$example.svg"
  [[ -f "$svg" ]] || kaal_die "examples/$example is not composed (no $example.svg)"
  cat "$kaal_root/build/microkit/examples/$example/$example.summary.txt"
  echo "$svg"
  exit 0
fi
image="$kaal_root/build/microkit/examples/$example/loader.img"
[[ -f "$image" ]] || kaal_die "examples/$example has no Microkit system (no loader.img built)"
harness=(python3 "$kaal_root/tests/harness/qemu_harness.py" --arch aarch64 --image "$image")
# The examples that read a FAT volume get a fresh one each run without --disk; lua's and
# sqlite's hold the scripts they run.
if [[ -z "$disk" && $example =~ ^(storage|posix|posix-fault|lua|sqlite)$ ]]; then
  disk="$kaal_root/build/$example-disk.img"
  files=()
  [[ $example == lua ]] && files=("$kaal_root/examples/lua/hello.lua")
  if [[ $example == sqlite ]]; then
    "$kaal_root/examples/sqlite/make-inserts.sh" "$kaal_root/build/inserts.sql"
    files=("$kaal_root/examples/sqlite/demo.sql" "$kaal_root/build/inserts.sql")
  fi
  "$kaal_root/scripts/make-fat-image.sh" "$disk" mbr 1 "${files[@]}"
  echo "run: a fresh disk, $disk (read it back with: mdir -i $disk@@1M -/ ::/)"
fi
if [[ -n "$disk" ]]; then
  harness+=(--qemu-arg=-global --qemu-arg=virtio-mmio.force-legacy=false
    --qemu-arg=-drive --qemu-arg="file=$disk,if=none,format=raw,id=hd0"
    --qemu-arg=-device --qemu-arg=virtio-blk-device,drive=hd0)
fi
if [[ $example == posix ]]; then
  # Its NIC, on QEMU's user network without forwards, and its rng (examples/posix/posix_system.hpp).
  harness+=(--qemu-arg=-netdev --qemu-arg=user,id=net0,restrict=on
    --qemu-arg=-device --qemu-arg=virtio-net-device,netdev=net0,bus=virtio-mmio-bus.23
    --qemu-arg=-device --qemu-arg=virtio-rng-device,bus=virtio-mmio-bus.15)
fi
# examples/entropy's virtio-rng device is on virtio-mmio transport 15, a page of its own
# (drivers/rng/virtio/README.md).
if [[ $example == entropy ]]; then
  harness+=(--qemu-arg=-global --qemu-arg=virtio-mmio.force-legacy=false
    --qemu-arg=-device --qemu-arg=virtio-rng-device,bus=virtio-mmio-bus.15)
fi
if [[ $example == network ]]; then
  ((${#hostfwd[@]})) || hostfwd=(tcp:127.0.0.1:8080-10.0.2.16:80 tcp:127.0.0.1:7007-10.0.2.15:7)
  # Its DHCP server leases from 10.0.2.17 on, past the fixed addresses: daytime's.
  netdev=user,id=net0,restrict=on,dhcpstart=10.0.2.17
  for forward in "${hostfwd[@]}"; do
    netdev+=",hostfwd=$forward"
  done
  harness+=(--qemu-arg=-global --qemu-arg=virtio-mmio.force-legacy=false
    --qemu-arg=-netdev --qemu-arg="$netdev" --qemu-arg=-device --qemu-arg=virtio-net-device,netdev=net0
    --qemu-arg=-device --qemu-arg=virtio-rng-device,bus=virtio-mmio-bus.15)
  echo "run: QEMU's user network, restricted; forwards: ${hostfwd[*]} (Ctrl-A X quits)"
  interactive=1
fi
if ((interactive)); then
  exec "${harness[@]}" --interactive
fi
exec "${harness[@]}" --echo --script "$kaal_root/tests/boot/$example.expect"
