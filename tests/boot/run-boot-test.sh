#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# One boot test: builds the Microkit image of examples/<name> and checks its serial output in
# QEMU against tests/boot/<name>.expect. Exit 77 (CTest's skip) when no SDK is given.
# usage: run-boot-test.sh <name> <microkit binary dir>
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
name=$1 dir=$2
if [[ -z "${MICROKIT_SDK:-}" ]]; then
  echo "SKIPPED: MICROKIT_SDK not set"
  exit 77
fi
kaal_build_microkit "$dir" >"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
exec python3 "$kaal_root/tests/harness/qemu_harness.py" --arch aarch64 \
  --image "$dir/examples/$name/loader.img" --script "$kaal_root/tests/boot/$name.expect"
