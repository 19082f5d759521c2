#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""scripts/debug.sh as a person uses it: gdb on a terminal (a pseudo-terminal here), on real
seL4 in QEMU (Microkit mode), examples/ipc-ppc built at -O0. It types what the debugging guide
does and checks each answer: a breakpoint on Server::handle, continue to it, a backtrace that
names server.cpp at the Add handler, the sum of the call's operands printed from its argument,
then quit, after which debug.sh ends and takes QEMU with it.

usage: check_interactive.py <build dir>
Exit 77 (CTest's skip) with one SKIPPED line without MICROKIT_SDK.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ipc-ppc"
PROMPT = "(gdb) "


class Failure(Exception):
    pass


class Terminal:
    """debug.sh on the slave side of a pseudo-terminal, so gdb sees a terminal and prompts."""

    def __init__(self, command: list[str], env: dict):
        master, slave = pty.openpty()
        self.master = master
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                                        env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self.text = ""

    def expect(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            if m := regex.search(self.text):
                self.text = self.text[m.end():]
                return m
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failure(f"no {pattern!r} within {timeout:g} s; the terminal showed:\n"
                              f"{self.text[-3000:]}")
            ready, _, _ = select.select([self.master], [], [], min(remaining, 1.0))
            if ready:
                try:
                    data = os.read(self.master, 4096)
                except OSError:  # the other side closed: debug.sh ended
                    data = b""
                if not data and self.process.poll() is not None:
                    raise Failure(f"debug.sh ended (status {self.process.returncode}) before "
                                  f"{pattern!r}; the terminal showed:\n{self.text[-3000:]}")
                sys.stdout.write(data.decode("utf-8", errors="replace"))
                sys.stdout.flush()
                self.text += data.decode("utf-8", errors="replace").replace("\r", "")

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def quit(self, timeout: float) -> int | None:
        """Answers gdb's "Quit anyway?" if it asks, then waits for debug.sh to end."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 1.0)
            if not ready:
                continue
            try:
                data = os.read(self.master, 4096).decode("utf-8", errors="replace")
            except OSError:
                break
            sys.stdout.write(data)
            self.text += data
            if "(y or n)" in self.text:
                self.text = ""
                self.type("y")
        try:
            return self.process.wait(timeout=max(deadline - time.monotonic(), 1.0))
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
        os.close(self.master)


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise SystemExit(f"FAIL: '{text}' is not in {path}: update tests/debug")


def main(argv: list[str]) -> int:
    if not os.environ.get("MICROKIT_SDK"):
        print("SKIPPED: MICROKIT_SDK not set")
        return 77
    build_dir = argv[1]
    handler = line_of(EXAMPLE / "server.cpp", "handle(const adder::Add& r) {")
    operands = re.search(r"adder::Add\{(\d+), (\d+)\}", (EXAMPLE / "client.cpp").read_text())
    total = int(operands.group(1)) + int(operands.group(2))
    env = dict(os.environ, KAAL_DEBUG_FLAGS="-O0 -g", KAAL_DEBUG_BUILD_DIR=build_dir,
               TERM="dumb")
    terminal = Terminal([str(ROOT / "scripts" / "debug.sh"), "ipc-ppc"], env)
    try:
        # The build, then QEMU, then gdb with every PD's symbols: its first prompt.
        terminal.expect(re.escape(PROMPT), 900)
        terminal.type("set pagination off")
        terminal.expect(re.escape(PROMPT), 30)
        terminal.type("break Server::handle")
        terminal.expect(r"Breakpoint 1 at 0x[0-9a-f]+: Server::handle", 60)
        terminal.expect(re.escape(PROMPT), 30)
        terminal.type("continue")
        terminal.expect(r"Breakpoint 1\.\d+, \(anonymous namespace\)::Server::handle", 180)
        terminal.expect(re.escape(PROMPT), 30)
        terminal.type("bt 1")
        terminal.expect(rf"#0 .*Server::handle .* at .*examples/ipc-ppc/server\.cpp:"
                        rf"({handler}|{handler + 1})", 30)
        terminal.expect(re.escape(PROMPT), 30)
        terminal.type("print r.a + r.b")
        terminal.expect(rf"\$1 = {total}\b", 30)
        terminal.expect(re.escape(PROMPT), 30)
        # gdb detaches from QEMU's gdbstub at once, or asks first if it thinks it started the
        # target.
        terminal.type("quit")
        status = terminal.quit(60)
        if status is None:
            raise Failure("debug.sh did not end within 60 s of gdb's quit")
        print(f"\ncheck_interactive: break, continue, bt, print and quit answered as expected; "
              f"debug.sh ended with status {status}")
    except Failure as failure:
        print(f"\nFAIL: {failure}")
        return 1
    finally:
        terminal.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
