#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The virtio-blk driver on seL4 in QEMU: makes a raw image whose sector s begins with
# "kaal-sector-<s, 5 digits>\n" and is filled with the byte s & 0xff, boots
# drivers/block/virtio/example with it as a modern virtio-mmio block device, checks the serial
# output and QEMU's trace of its device model (virtio-blk.expect), then checks the image on the
# host: sector 40 holds what the PD wrote and every other sector is as it was made.
# usage: virtio-blk-boot.sh <binary dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ -z "${MICROKIT_SDK:-}" ]]; then
  echo "SKIPPED: MICROKIT_SDK not set"
  exit 77
fi
image=$(mktemp --suffix=.img)
trap 'rm -f "$image"' EXIT
python3 - "$image" <<'PY'
import sys

SECTORS = 8192  # 4 MiB


def sector(s: int) -> bytes:
    head = f"kaal-sector-{s:05d}\n".encode()
    return head + bytes([s & 0xff]) * (512 - len(head))


with open(sys.argv[1], "wb") as f:
    for s in range(SECTORS):
        f.write(sector(s))
PY
"$here/../../boot/run-boot-test.sh" microkit virtio-blk-check "$1" drivers/block/virtio/example \
  "$here/virtio-blk.expect" \
  --qemu-arg=-global --qemu-arg=virtio-mmio.force-legacy=false \
  --qemu-arg=-drive --qemu-arg="file=$image,if=none,format=raw,id=hd0" \
  --qemu-arg=-device --qemu-arg=virtio-blk-device,drive=hd0 \
  --qemu-arg=-trace --qemu-arg=virtio_blk_handle_write \
  --qemu-arg=-trace --qemu-arg=virtio_blk_req_complete
python3 - "$image" <<'PY'
import sys

data = open(sys.argv[1], "rb").read()
wrong = []
for s in range(len(data) // 512):
    head = f"kaal-sector-{s:05d}\n".encode()
    want = head + bytes([s & 0xff]) * (512 - len(head))
    if s == 40:
        text = b"written by KaaL on seL4\n"
        want = text + want[len(text):]
    if data[s * 512:(s + 1) * 512] != want:
        wrong.append(s)
if wrong:
    print(f"FAILED: sectors {wrong[:10]} on the host image are not as expected")
    sys.exit(1)
print("host: sector 40 holds what the PD wrote; the other 8191 sectors are as made")
PY
