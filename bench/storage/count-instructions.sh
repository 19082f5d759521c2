#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Instructions the filesystem service executes per 1 MiB read and write command (its logic, the
# FAT library and BlockQueueDevice; not the kernel, the virtualiser or the driver), counted by
# callgrind in fs_command_workload on a FAT32 volume like the benchmark's (mkfs.fat -F 32 -s 8,
# 272 MiB). Two runs of different lengths are subtracted, so mounting and opening drop out. The
# writes allocate as they go (a new file); the reads read it back. Host instructions (x86-64,
# the bench preset's -O3), not aarch64's: a measure of the code's own cost, which moves with it.
# usage: bench/storage/count-instructions.sh [bench build dir]   (default: build/bench)
set -euo pipefail
source "$(dirname "$0")/../callgrind-workload.sh" bench/storage/fs_command_workload "${1:-}"
command -v mkfs.fat >/dev/null || { echo "count-instructions.sh: mkfs.fat is not installed (dosfstools)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkfs.fat -C -F 32 -s 8 "$work/volume.img" 278528 >/dev/null

collected() { # <write|read> <commands>
  local out
  out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
    '--toggle-collect=(anonymous namespace)::serve_counted(*' "$workload" "$work/volume.img" "$1" "$2" 1048576 2>&1) ||
    { echo "count-instructions.sh: the workload failed: $out" >&2; exit 1; }
  sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' <<<"$out"
}

small=8 large=24
for what in write read; do
  a=$(collected "$what" "$small")
  b=$(collected "$what" "$large")
  awk -v w="$what" -v a="$a" -v b="$b" -v n=$((large - small)) \
    'BEGIN { printf "%s: %.0f instructions per 1 MiB command (%d commands: %d, %d: %d)\n", w, (b - a) / n, '"$small"', a, '"$large"', b }'
done
