#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Instructions the PL011 driver executes per character, counted by callgrind (valgrind) inside
# the driver's entry points only. Two runs of different lengths are subtracted, so the fixed
# cost of start-up drops out and what is left is the cost per character, interrupt handling
# included. For machines without a hardware PMU, where pl011_bench cannot count instructions.
# usage: bench/drivers/count-instructions.sh [bench build dir]   (default: build/bench)
set -euo pipefail
source "$(dirname "$0")/../callgrind-workload.sh" bench/drivers/pl011_instruction_workload "${1:-}"

collected() { # <tx|rx> <chars>: instructions collected inside the driver's entry points
  valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
    '--toggle-collect=pl011_bench::Rig::tx_event()' \
    '--toggle-collect=pl011_bench::Rig::rx_space_event()' \
    '--toggle-collect=pl011_bench::Rig::irq_event()' \
    "$workload" "$1" "$2" 2>&1 >/dev/null | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

small=1024 large=9216
for direction in tx rx; do
  a=$(collected "$direction" "$small")
  b=$(collected "$direction" "$large")
  awk -v d="$direction" -v a="$a" -v b="$b" -v n=$((large - small)) \
    'BEGIN { printf "%s: %.1f instructions per character (%d chars: %d, %d chars: %d)\n", d, (b - a) / n, '"$small"', a, '"$large"', b }'
done
