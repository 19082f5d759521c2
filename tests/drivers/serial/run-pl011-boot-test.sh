#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The PL011 driver's own boot test: builds the Microkit tree and checks the serial output of
# drivers/serial/pl011/example (pl011-echo) in QEMU against pl011-echo.expect. It shares the
# boot tests' build tree and skip convention (tests/boot/run-boot-test.sh): exit 77 without an SDK.
# usage: run-pl011-boot-test.sh <microkit binary dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../../scripts/common.sh"
dir=$1
if [[ -z "${MICROKIT_SDK:-}" ]]; then
  echo "SKIPPED: MICROKIT_SDK not set"
  exit 77
fi
kaal_build_microkit "$dir" >"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
exec python3 "$kaal_root/tests/harness/qemu_harness.py" --arch aarch64 \
  --image "$dir/drivers/serial/pl011/example/loader.img" --script "$here/pl011-echo.expect"
