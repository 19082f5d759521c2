#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# examples/entropy on seL4 in QEMU: two readers of the entropy source, whose virtio-rng device is
# on virtio-mmio transport 15 (drivers/rng/virtio/README.md). The serial output is checked
# against tests/boot/entropy.expect (also what scripts/run.sh entropy stops at).
# usage: entropy-boot.sh <binary dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ -z "${MICROKIT_SDK:-}" ]]; then
  echo "SKIPPED: MICROKIT_SDK not set"
  exit 77
fi
exec "$here/../../boot/run-boot-test.sh" microkit entropy "$1" examples/entropy \
  "$here/../../boot/entropy.expect" \
  --qemu-arg=-global --qemu-arg=virtio-mmio.force-legacy=false \
  --qemu-arg=-device --qemu-arg=virtio-rng-device,bus=virtio-mmio-bus.15
