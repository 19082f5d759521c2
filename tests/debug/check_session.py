#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A gdb session on real seL4 in QEMU, through scripts/debug.sh --batch: tests/debug/ipc-ppc.gdb
on examples/ipc-ppc (two PDs), built at -O0, and checks of what gdb printed against the
example's own sources and the composer's summary, so that a moved line or a changed call is
not mistaken for a pass:

- the breakpoint on Server::handle lies in the server's image, at the address the composer
  gave that PD, and stops at the Add handler in server.cpp (its opening line or its first);
- r.a and r.b are the operands of the client's first call, as client.cpp writes them;
- the backtrace names server.cpp at that line in frame 0, and Server::protected_call at the
  line of its kaal::ipc::serve call;
- `next` reaches a later line of the handler, and gdb shows that line's own text;
- `finish` returns the sum, and `info locals` in KaaL's dispatcher shows the decoded request
  and the result.

usage: check_session.py <microkit|runtime> <build dir>
Exit 77 (CTest's skip) with one SKIPPED line when the mode's SDK or kernel is not given.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ipc-ppc"


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise SystemExit(f"FAIL: '{text}' is not in {path}: update tests/debug")


def source_line(path: Path, number: int) -> str:
    return path.read_text().splitlines()[number - 1].strip()


def main(argv: list[str]) -> int:
    mode, build_dir = argv[1], argv[2]
    variable = "MICROKIT_SDK" if mode == "microkit" else "SEL4_KERNEL_DIR"
    if not os.environ.get(variable):
        print(f"SKIPPED: {variable} not set")
        return 77
    command = [str(ROOT / "scripts" / "debug.sh"), "ipc-ppc", "--batch",
               str(ROOT / "tests" / "debug" / "ipc-ppc.gdb")]
    if mode == "runtime":
        command.append("--runtime")
    env = dict(os.environ, KAAL_DEBUG_FLAGS="-O0 -g", KAAL_DEBUG_BUILD_DIR=build_dir)
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    output = run.stdout + run.stderr
    print(output)
    session = output.split("----- serial log -----")[0]
    failures: list[str] = []

    def check(condition: bool, what: str) -> None:
        if not condition:
            failures.append(what)

    check(run.returncode == 0, f"debug.sh exited with {run.returncode}")

    server = EXAMPLE / "server.cpp"
    handler = line_of(server, "handle(const adder::Add& r) {")
    serve_call = line_of(server, "= kaal::ipc::serve<")
    operands = re.search(r"adder::Add\{(\d+), (\d+)\}", (EXAMPLE / "client.cpp").read_text())
    a, b = int(operands.group(1)), int(operands.group(2))

    summary = Path(build_dir, "examples", "ipc-ppc", "ipc-ppc.summary.txt").read_text()
    base = int(re.search(r"server \(ipc_ppc_server\):.* image at (0x[0-9a-f]+)", summary).group(1), 16)
    slot = 16 << 20  # kaal::composer::System::image_slot
    placed = re.search(r"Breakpoint 1 at (0x[0-9a-f]+): Server::handle", session)
    check(placed is not None and base <= int(placed.group(1), 16) < base + slot,
          f"the breakpoint is in the server's image [{base:#x}, {base + slot:#x})")

    stop = re.search(r"Breakpoint 1\.\d+, \(anonymous namespace\)::Server::handle \(.*\) at "
                     r"(\S+):(\d+)\n", session)
    stop_line = int(stop.group(2)) if stop else 0
    check(stop is not None and stop.group(1) == str(server) and stop_line in (handler, handler + 1),
          f"the stop is at {server}:{handler} or the line after")
    check(f"$1 = {a}\n" in session and f"$2 = {b}\n" in session,
          f"r.a and r.b are {a} and {b}, the client's first call")

    frames = re.findall(r"^#(\d+) +(?:0x[0-9a-f]+ in )?(.*) at (\S+):(\d+)$", session, re.M)
    check(bool(frames) and frames[0][0] == "0" and frames[0][2] == str(server)
          and int(frames[0][3]) == stop_line, "frame 0 is the handler at the stop's line")
    check(any("Server::protected_call" in f[1] and f[2] == str(server)
              and int(f[3]) in (serve_call, serve_call + 1) for f in frames),
          f"a frame is Server::protected_call at {server}:{serve_call} (the serve call)")

    last_frame = list(re.finditer(r"^#\d+ .*$", session, re.M))
    after_bt = session[last_frame[-1].end():] if last_frame else ""
    stepped = re.search(r"^(\d+)\t(.*)$", after_bt, re.M)
    check(stepped is not None and handler < int(stepped.group(1)) <= handler + 4
          and stepped.group(2).strip() == source_line(server, int(stepped.group(1))),
          "`next` shows a later line of the handler, with its own text")

    check(re.search(rf"Value returned is \$3 = .*value = {a + b}\b", session) is not None,
          f"`finish` returns the sum {a + b}")
    check(re.search(rf"^decoded = .*a = {a}, b = {b}\b", session, re.M) is not None
          and re.search(rf"^result = .*value = {a + b}\b", session, re.M) is not None,
          "`info locals` shows the decoded request and the result")

    for failure in failures:
        print(f"FAIL: {failure}")
    if failures:
        return 1
    print(f"PASS: a gdb session on examples/ipc-ppc in {mode} mode ({len(frames)} frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
