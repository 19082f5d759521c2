#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runtime mode (KaaL as the seL4 root task on x86_64). Until the root task lands (issue #6)
# this configures and builds the platform headers only.
set -euo pipefail
source "$(dirname "$0")/common.sh"
kaal_build runtime "$kaal_root/build/runtime"
