#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Sets up and runs every test: unit tests under ASan+UBSan, the concurrency tests under TSan,
# the harness and build checks, and the boot tests on real seL4 in QEMU. The boot tests need
# MICROKIT_SDK; without it each prints "SKIPPED: MICROKIT_SDK not set" and CTest lists it as
# not run (never as passed).
set -euo pipefail
source "$(dirname "$0")/common.sh"
jobs=$(nproc)

"$kaal_root/scripts/setup.sh"
cd "$kaal_root"

kaal_build mock "$kaal_root/build/mock"
ctest --preset mock -j "$jobs"

if grep -rqs 'LABELS.*concurrency' tests --include=CMakeLists.txt; then
  kaal_build tsan "$kaal_root/build/tsan"
  ctest --preset tsan -j "$jobs"
fi
