#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runtime mode (KaaL as the seL4 root task on x86_64): builds the components and, for every
# example with a system description, its root task (examples/<name>/root-task.elf).
# usage: SEL4_KERNEL_DIR=<kernel build> scripts/build-runtime.sh [build dir]
set -euo pipefail
source "$(dirname "$0")/common.sh"
kaal_build_runtime "${1:-$kaal_root/build/runtime}"
