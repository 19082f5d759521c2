#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Sets up and runs every test: unit tests under ASan+UBSan, the concurrency tests under TSan,
# the harness and build checks, and the boot tests on real seL4 in QEMU. The Microkit boot tests
# need MICROKIT_SDK and the runtime-mode ones SEL4_KERNEL_DIR; without it each prints
# "SKIPPED: <variable> not set" and CTest lists it as not run (never as passed).
set -euo pipefail
source "$(dirname "$0")/common.sh"
jobs=$(nproc)

"$kaal_root/scripts/setup.sh"
cd "$kaal_root"

# Shows why each skipped test did not run: CTest keeps a skipped test's output in its log only.
show_skips() {
  awk '/^[0-9]+\/[0-9]+ Test: /{name=$3} /^SKIPPED: /{print name ": " $0}' \
    "$1/Testing/Temporary/LastTest.log"
}

kaal_build mock "$kaal_root/build/mock"
status=0
ctest --preset mock -j "$jobs" || status=$?
show_skips "$kaal_root/build/mock"
((status == 0)) || exit "$status"

if grep -rqs 'LABELS.*concurrency' tests --include=CMakeLists.txt; then
  kaal_build tsan "$kaal_root/build/tsan"
  ctest --preset tsan -j "$jobs"
fi

