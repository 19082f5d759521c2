#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds every example for seL4 Microkit: build/microkit/examples/<name>/loader.img.
# usage: MICROKIT_SDK=<sdk> scripts/build-microkit.sh [build dir]
set -euo pipefail
source "$(dirname "$0")/common.sh"
kaal_build_microkit "${1:-$kaal_root/build/microkit}"
echo "images:"
find "${1:-$kaal_root/build/microkit}/examples" -name loader.img | sort | sed 's/^/  /'
