# SPDX-License-Identifier: BSD-2-Clause
# Sourced by the POSIX boot tests: the SDK check, the host tools they read the volume with, a
# scratch directory, and a boot with a disk attached. Sets `root` (the checkout) and `work`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ -z "${MICROKIT_SDK:-}" ]]; then
  echo "SKIPPED: MICROKIT_SDK not set"
  exit 77
fi
for tool in mdir mtype fsck.fat; do
  command -v $tool >/dev/null || { echo "FAILED: $tool is missing: scripts/setup.sh installs mtools, dosfstools"; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MTOOLS_SKIP_CHECK=1

# Boots examples/<name> from the build tree <binary dir> with <image> as its disk, against
# <script>; any further arguments go to the harness (a NIC's --qemu-arg pairs).
# usage: boot_with_disk <name> <binary dir> <image> <script> [harness argument...]
boot_with_disk() {
  "$root/tests/boot/run-boot-test.sh" microkit "$1" "$2" "examples/$1" "$4" \
    --qemu-arg=-global --qemu-arg=virtio-mmio.force-legacy=false \
    --qemu-arg=-drive --qemu-arg="file=$3,if=none,format=raw,id=hd0" \
    --qemu-arg=-device --qemu-arg=virtio-blk-device,drive=hd0 "${@:5}"
}

# The NIC and the rng of a POSIX system with both (examples/posix/posix_system.hpp): virtio-mmio
# transports 23 and 15, the NIC on QEMU's user network with restrict=on and no forwards.
posix_devices=(--qemu-arg=-netdev --qemu-arg=user,id=net0,restrict=on
  --qemu-arg=-device --qemu-arg=virtio-net-device,netdev=net0,bus=virtio-mmio-bus.23
  --qemu-arg=-device --qemu-arg=virtio-rng-device,bus=virtio-mmio-bus.15)

# Partition 1 of a make-fat-image.sh disk as a volume image of its own, for mtools and fsck.fat.
# usage: first_partition <disk image> <volume image>
first_partition() {
  dd if="$1" of="$2" bs=512 skip=2048 count=98304 status=none
}

# fsck.fat -n on a volume image, its complaints shown if it has any.
# usage: check_clean <volume image>
check_clean() {
  fsck.fat -n "$1" >"$work/fsck.txt" 2>&1 || { cat "$work/fsck.txt"; echo "FAILED: fsck.fat"; exit 1; }
}
