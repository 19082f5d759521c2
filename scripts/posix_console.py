#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The console of one POSIX program on seL4 in QEMU (scripts/run-posix.sh).

Boots the image with the disk attached, copies the serial output to stdout, and what is typed
(or piped) on stdin to the serial input a line at a time; the end of stdin is sent as Ctrl-D on
a line of its own, which the POSIX layer reads as the end of the program's input. Once the
system prints "posix: <name> exited with status N", QEMU is stopped and this exits with N.
A fault reported by the monitor or the kernel, or the program failing to start, ends the run
with status 125; QEMU ending first, 126; --timeout running out, 124.
"""
import argparse
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "harness"))
import qemu_harness  # noqa: E402  (the boot tests' QEMU command and process handling)

FAULT = re.compile("|".join(qemu_harness.DEFAULT_FAIL_PATTERNS))


def forward_input(qemu: qemu_harness.Qemu) -> None:
    """stdin to the serial port, line by line; its end as a Ctrl-D line. Read with os.read, not
    through sys.stdin's buffer: this thread may still be blocked in a read when the program has
    exited, and Python aborts at exit on a buffer a daemon thread holds locked."""
    pending = b""
    try:
        while chunk := os.read(0, 4096):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                qemu.send(line.decode("utf-8", errors="replace") + "\r")
        if pending:
            qemu.send(pending.decode("utf-8", errors="replace") + "\r")
        qemu.send("\x04\r")
    except (BrokenPipeError, OSError, ValueError):
        pass  # QEMU has gone


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", required=True, help="the program's name")
    parser.add_argument("--image", required=True, help="the system's loader.img")
    parser.add_argument("--disk", required=True, help="raw disk image (virtio-blk)")
    parser.add_argument("--timeout", type=float, default=0, help="seconds; 0: none")
    parser.add_argument("--icount", action="store_true",
                        help="QEMU's -icount shift=0: guest time counts instructions")
    parser.add_argument("--hostfwd", action="append", default=[],
                        help="a user-network forward, QEMU's syntax (tcp:127.0.0.1:7007-10.0.2.15:7)")
    parser.add_argument("--netdev", default="",
                        help="the NIC's whole QEMU back end instead of the user network "
                             "(its id must be net0)")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.image):
        print(f"posix_console: no image {args.image}", file=sys.stderr)
        return 2
    command = qemu_harness.MACHINES["aarch64"](args.image, None) + [
        "-global", "virtio-mmio.force-legacy=false",
        "-drive", f"file={args.disk},if=none,format=raw,id=hd0",
        "-device", "virtio-blk-device,drive=hd0"] + (["-icount", "shift=0"] if args.icount else [])
    # The NIC is on virtio-mmio transport 23 and the rng on 15, each in a page of its own
    # (examples/posix/posix_system.hpp).
    # QEMU's user network with restrict=on: the guest reaches nothing outside QEMU, and the host
    # reaches it only through the forwards on 127.0.0.1.
    netdev = args.netdev or "user,id=net0,restrict=on" + "".join(
        f",hostfwd={forward}" for forward in args.hostfwd)
    command += ["-netdev", netdev, "-device", "virtio-net-device,netdev=net0,bus=virtio-mmio-bus.23",
                "-device", "virtio-rng-device,bus=virtio-mmio-bus.15"]
    exited = re.compile(rf"^posix: {re.escape(args.name)} exited with status (-?\d+)$")
    failed = re.compile(rf"^posix: {re.escape(args.name)}: FAILED")
    log = qemu_harness.SerialLog(echo=True)
    qemu = qemu_harness.Qemu(command, log)
    threading.Thread(target=forward_input, args=(qemu,), daemon=True).start()
    deadline = time.monotonic() + args.timeout if args.timeout > 0 else None
    seen = 0
    try:
        with log.changed:
            while True:
                for line in log.lines[seen:]:
                    if match := exited.match(line):
                        return int(match.group(1)) & 0xff
                    if FAULT.search(line) or failed.match(line):
                        print(f"\nrun-posix: the system reported a fault: {line}", file=sys.stderr)
                        return 125
                seen = len(log.lines)
                if log.closed:
                    print("\nrun-posix: QEMU exited before the program did", file=sys.stderr)
                    return 126
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    print(f"\nrun-posix: no exit within {args.timeout:g} s", file=sys.stderr)
                    return 124
                log.changed.wait(remaining if remaining is not None else 1.0)
    finally:
        qemu.kill()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
