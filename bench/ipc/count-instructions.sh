#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Instructions per item of KaaL's ring and of boost::lockfree::spsc_queue, one thread, counted
# by callgrind in ring_instruction_workload (the one-thread pairs of ring_bench): one push and
# one pop, and batches of 8, 32 and 256 pushed then popped. Two runs of different lengths are
# subtracted, so set-up drops out. Host instructions (x86-64, the bench preset's -O3); aarch64's
# are counted on seL4 by examples/kernel-bench.
# usage: bench/ipc/count-instructions.sh [bench build dir]   (default: build/bench)
set -euo pipefail
source "$(dirname "$0")/../callgrind-workload.sh" bench/ipc/ring_instruction_workload "${1:-}"

collected() { # <kaal|boost> <pass> <items>
  local out
  out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
    '--toggle-collect=*counted<*' "$workload" "$1" "$2" "$3" 2>&1) ||
    { echo "count-instructions.sh: the workload failed: $out" >&2; exit 1; }
  sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' <<<"$out"
}

small=25600 large=128000
printf '%-10s %8s %8s %8s\n' pass kaal boost kaal/boost
for pass in pushpop batch8 batch32 batch256; do
  k1=$(collected kaal "$pass" "$small") k2=$(collected kaal "$pass" "$large")
  b1=$(collected boost "$pass" "$small") b2=$(collected boost "$pass" "$large")
  awk -v p="$pass" -v k1="$k1" -v k2="$k2" -v b1="$b1" -v b2="$b2" -v n=$((large - small)) \
    'BEGIN { k = (k2 - k1) / n; b = (b2 - b1) / n; printf "%-10s %8.2f %8.2f %8.2f\n", p, k, b, k / b }'
done
