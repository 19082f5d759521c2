#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# examples/network on seL4 in QEMU, driven from the host over 127.0.0.1 forwards
# (network_boot.py says what it checks). Skipped without MICROKIT_SDK.
# usage: network-boot.sh <binary dir> [check...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../../scripts/common.sh"
kaal_need_microkit_sdk
kaal_need_tool curl curl
dir=$1
shift
kaal_build_microkit "$dir" >"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
image=$dir/examples/network/loader.img
[[ -f $image ]] || { echo "FAILED: no $image: was lwIP fetched (scripts/setup.sh)?"; exit 1; }
exec python3 "$here/network_boot.py" "$image" "$@"
