#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the host libraries, unit tests and mock components with ASan+UBSan: build/mock.
set -euo pipefail
source "$(dirname "$0")/common.sh"
kaal_build mock "$kaal_root/build/mock"
