#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The virtio-blk driver on seL4 in QEMU: makes a raw image whose sector s begins with
# "kaal-sector-<s, 5 digits>\n" and is filled with the byte s & 0xff, boots
# drivers/block/virtio/example with it as a modern virtio-mmio block device, checks the serial
# output (virtio-blk.expect), then checks on the host QEMU's trace of its device model (the flush
# is a request the device completed, between the write's completion and the read-back's start)
# and the image (sector 40 holds what the PD wrote, every other sector is as it was made). The
# trace goes to its own file: on the serial stream it would break the guest's lines apart.
# usage: virtio-blk-boot.sh <binary dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ -z "${MICROKIT_SDK:-}" ]]; then
  echo "SKIPPED: MICROKIT_SDK not set"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
image=$work/disk.img
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
  --qemu-arg=-trace --qemu-arg=virtio_blk_handle_read \
  --qemu-arg=-trace --qemu-arg=virtio_blk_handle_write \
  --qemu-arg=-trace --qemu-arg=virtio_blk_req_complete \
  --qemu-arg=-D --qemu-arg="$work/trace.log"
python3 - "$work/trace.log" <<'PY'
import re
import sys

# Reads and writes are traced when the device takes them, flushes only when it completes them.
# The guest flushes between the write of sector 40 and its read-back, so between the write's
# completion and the read-back's start the device must complete exactly one request.
lines = [line for line in open(sys.argv[1]) if line.startswith("virtio_blk_")]
write = next(i for i, l in enumerate(lines) if re.match(r"virtio_blk_handle_write .* sector 40 ", l))
read_back = next(i for i, l in enumerate(lines)
                 if i > write and re.match(r"virtio_blk_handle_read .* sector 40 ", l))
between = [l.split()[0] for l in lines[write + 1:read_back]]
if between != ["virtio_blk_req_complete", "virtio_blk_req_complete"]:
    print(f"FAILED: between the write of sector 40 and its read-back the device did {between}")
    sys.exit(1)
print("host: QEMU's trace shows the device completing the flush between the write and the read-back")
PY
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
