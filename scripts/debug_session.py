#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Boot a KaaL image in QEMU, stopped at its first instruction with QEMU's gdbstub listening on
127.0.0.1, and run gdb on it with the given symbol files loaded at the addresses they are
linked at. scripts/debug.sh builds the image and chooses the symbol files; this does the rest.

QEMU's serial output goes to --serial-log, since gdb has the terminal. With --batch, gdb runs
that script and exits, and the serial log is printed after gdb's output; the exit status is
gdb's (1 if the session outlived --timeout). QEMU dies with this program on every way out: it
runs in its own process group, which is killed at the end.

Breakpoints need no more than an address: under TCG, QEMU matches a breakpoint against the
virtual PC of whatever runs, and never writes it into guest memory (docs/debugging.md), so one
set on a PD's function stops that PD, whose image no other PD's shares an address with.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "harness"))
from qemu_harness import MACHINES  # noqa: E402  (one QEMU command line for boots and debugging)

GDB_ARCHITECTURE = {"aarch64": "aarch64", "x86_64": "i386:x86-64"}


def free_port() -> int:
    # A port nobody holds now. QEMU binds it a moment later; another program taking it in
    # between makes QEMU fail to start, which is reported.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gdb_command(args: argparse.Namespace, port: int) -> list[str]:
    command = [args.gdb, "-q", "-nx"]
    if args.batch:
        command.append("-batch")
    settings = ["set pagination off", "set confirm off", "set width 0",
                f"set architecture {GDB_ARCHITECTURE[args.arch]}",
                # gdb retries the connection until QEMU listens.
                "set tcp auto-retry on", "set tcp connect-timeout 30"]
    for symbols in args.symbols:
        # An ELF linked at fixed addresses: its sections' own addresses are where they run.
        settings.append(f"add-symbol-file {symbols}")
    settings.append(f"target remote 127.0.0.1:{port}")
    for setting in settings:
        command += ["-ex", setting]
    if args.batch:
        command += ["-x", args.batch]
    return command


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=sorted(MACHINES), required=True)
    parser.add_argument("--image", required=True, help="loader.img (aarch64) or kernel (x86_64)")
    parser.add_argument("--initrd", help="root task image (x86_64 runtime mode)")
    parser.add_argument("--symbols", action="append", default=[], help="an ELF (repeat it)")
    parser.add_argument("--gdb", required=True, help="gdb-multiarch or gdb")
    parser.add_argument("--batch", help="a gdb script to run instead of an interactive session")
    parser.add_argument("--serial-log", required=True, help="where QEMU's serial output goes")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds a --batch session may take")
    parser.add_argument("--qemu-arg", action="append", default=[])
    args = parser.parse_args(argv)
    for path in [args.image, *([args.initrd] if args.initrd else []), *args.symbols]:
        if not os.path.isfile(path):
            print(f"debug: '{path}' not found", file=sys.stderr)
            return 2

    port = free_port()
    qemu_command = MACHINES[args.arch](args.image, args.initrd) + args.qemu_arg + [
        "-gdb", f"tcp:127.0.0.1:{port}", "-S"]
    with open(args.serial_log, "wb") as log:
        qemu = subprocess.Popen(qemu_command, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    status = 1
    try:
        if not args.batch:
            print(f"debug: QEMU waits at its first instruction, gdbstub on 127.0.0.1:{port}; "
                  f"serial output goes to {args.serial_log} (tail -f it)", flush=True)
        # Ctrl-C belongs to gdb (it stops the guest); QEMU is in a session of its own.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            gdb = subprocess.Popen(gdb_command(args, port))
            try:
                status = gdb.wait(timeout=args.timeout if args.batch else None)
            except subprocess.TimeoutExpired:
                gdb.kill()
                gdb.wait()
                print(f"debug: FAILED: the gdb session took over {args.timeout:.0f} s",
                      file=sys.stderr)
        finally:
            signal.signal(signal.SIGINT, previous)
    finally:
        try:
            os.killpg(qemu.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        qemu.wait()
    if args.batch:
        print("----- serial log -----")
        print(Path(args.serial_log).read_text(errors="replace"), end="")
        print("----- end of serial log -----")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
