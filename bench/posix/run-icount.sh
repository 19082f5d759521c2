#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The POSIX layer's costs over the KaaL service API (posix_bench.c), on seL4 in QEMU with
# -icount shift=0, so that a guest nanosecond is one instruction and the figures do not depend
# on the host's load (docs/performance.md, "POSIX layer").
# usage: MICROKIT_SDK=<sdk> bench/posix/run-icount.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
exec "$root/scripts/run-posix.sh" "$root/bench/posix/posix_bench.c" --icount --timeout 900 \
  --cflags "-O2 -I$root/include" </dev/null
