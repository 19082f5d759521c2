#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The network stack's figures on seL4 (examples/network, net_bench.py says which), under QEMU's
# -icount shift=0 so that the per-guest-second figures count guest time and not the host's
# load; with --no-icount, plain TCG. Built as seL4 figures are taken, in a build directory of its
# own: the SDK's release kernel, components at -O2 (KAAL_MICROKIT_CONFIG and KAAL_BUILD_TYPE
# choose others, as bench/storage/run-icount.sh).
# usage: MICROKIT_SDK=... bench/network/run-icount.sh [--no-icount]
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
[[ -n "${MICROKIT_SDK:-}" ]] || kaal_die "MICROKIT_SDK is not set"
command -v wrk >/dev/null || kaal_die "wrk is missing (scripts/setup.sh installs it)"
config=${KAAL_MICROKIT_CONFIG:-release}
build_type=${KAAL_BUILD_TYPE:-RelWithDebInfo}
build=$kaal_root/build/bench-microkit-$config-$build_type
kaal_build microkit "$build" -DMICROKIT_SDK="$MICROKIT_SDK" -DMICROKIT_CONFIG="$config" \
  -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
icount=(-icount "${KAAL_ICOUNT:-shift=0}")
[[ "${1:-}" == --no-icount ]] && icount=()
exec python3 "$kaal_root/bench/network/net_bench.py" "$build/examples/network/loader.img" -- \
  "${icount[@]}"
