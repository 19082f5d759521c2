#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runtime mode (KaaL as the seL4 root task on x86_64). Until the root task lands (issue #6)
# this builds the libraries (platform, broker) against the kernel's libsel4.
# usage: SEL4_KERNEL_DIR=<kernel build> scripts/build-runtime.sh [build dir]
set -euo pipefail
source "$(dirname "$0")/common.sh"
kaal_build runtime "${1:-$kaal_root/build/runtime}" -DSEL4_KERNEL_DIR="${SEL4_KERNEL_DIR:-}"
