#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The time service's costs on seL4, measured in the guest: boots examples/timeouts with QEMU's
# -icount shift=0, where the guest executes one instruction per nanosecond of its own time, so
# the alarms' figures in nanoseconds of guest time are instruction counts and do not depend on
# the host's load. Prints the cost and lateness lines. usage: MICROKIT_SDK=... run-icount.sh
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
[[ -n "${MICROKIT_SDK:-}" ]] || kaal_die "MICROKIT_SDK is not set"
kaal_build_microkit "$kaal_root/build/microkit" >/dev/null
python3 "$kaal_root/tests/harness/qemu_harness.py" --echo --arch aarch64 \
  --qemu-arg=-icount --qemu-arg=shift=0 \
  --image "$kaal_root/build/microkit/examples/timeouts/loader.img" \
  --script "$kaal_root/tests/boot/timeouts.expect" | grep -E '\] (cost|lateness)|^PASS'
