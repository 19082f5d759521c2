#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Boot a KaaL image in QEMU and check its serial output against an expect script.

The script is one directive per line ('#' starts a comment):
  expect <regex>   wait until a serial line matches (Python re.search), after the previous match
  send <text>      write text to the serial input; \\r, \\n, \\t and \\xNN escapes are understood
  fail <regex>     from here on, any serial line matching it fails the test at once
  allow <regex>    over the whole run, a line matching it is exempt from the default fail
                   patterns below: for a test whose system has an unhandled fault on purpose
                   (a supervisor PD's own, which the Microkit monitor reports)
  timeout <secs>   time allowed for each following expect (default: --timeout)
  at-most <n> <regex>   over the whole run, at most n serial lines may match (a rate limit that
                   holds: checked as lines arrive and again at the end)
  expect-each <first> <last> <regex>   one expect per number from first to last, with {n} in the
                   regex standing for the number ({n:03}: zero-padded to 3 digits)
  numbered <first> <last> <missing> <regex>   by the end of the run, for all but at most
                   <missing> of the numbers from first to last, some line matches the regex with
                   {n} (or {n:05}) standing for the number: a stream that may lose what was in
                   flight at one event, and nothing else
  expect-epoch <seconds> <regex>   an expect whose regex captures a Unix time (group 1), which
                   must be within <seconds> of the host's clock: a guest's wall clock, checked
  no-interleaving  fail on any line where a "[name] " prefix stands anywhere but at its start, or
                   twice: two components' output mixed in one line, whatever their names
  qemu-arg <arg>...  QEMU arguments the system needs however it is booted (split at spaces),
                   e.g. "qemu-arg -icount shift=0" for a script whose bounds hold in guest time

An expect whose line already went by, before the previous expect's match, fails within a few
seconds and says so, instead of waiting out its timeout: the lines came in another order.

QEMU always dies with the harness: it runs in its own process group, which is sent SIGTERM and
then SIGKILL on every way out, including Ctrl-C (--sigkill: SIGKILL alone once the script has
passed, for durability tests). On failure the whole serial log is printed.
Exit status: 0 pass, 1 fail, 2 setup error (missing image, QEMU not installed, bad script).
"""

from __future__ import annotations

import argparse
import codecs
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

# The Microkit monitor reports an unhandled fault of a PD with lines starting "MON|ERROR", and
# the kernel reports a fault it cannot deliver with "Caught cap fault" / "halting"; none of
# these belongs in a passing boot.
# How long an expect waits for a later match once its line has gone by earlier: lines that a
# component prints again (a flood) may still come; a line that came early will not come back.
OUT_OF_ORDER_GRACE = 3.0

DEFAULT_FAIL_PATTERNS = [r"MON\|ERROR", r"KERNEL PANIC", r"halting\.\.\.",
                         r"Caught cap fault in send phase"]

# A "[name] " line prefix (services/serial's TX mux) anywhere but at the start of a line, or two
# of them in one line: two components' output interleaved.
INTERLEAVING_PATTERNS = [r"\S\[[a-z][\w-]*\] ", r"^\[[a-z][\w-]*\] .*\[[a-z][\w-]*\] "]

# QEMU machine for each architecture KaaL boots on. aarch64: the Microkit loader image is
# linked to run at 0x70000000 (Microkit 2.0.1 board qemu_virt_aarch64) and seL4 runs at EL2.
MACHINES = {
    "aarch64": lambda image, _initrd: [
        "qemu-system-aarch64", "-machine", "virt,virtualization=on", "-cpu", "cortex-a53",
        "-m", "2G", "-nographic", "-device", f"loader,file={image},addr=0x70000000,cpu-num=0",
    ],
    # x86_64: the seL4 kernel as a multiboot 32-bit ELF, the KaaL root task as the boot module.
    # The CPU model gives what the pc99 kernel KaaL documents needs (syscall, lm, 1 GiB pages)
    # and takes away what QEMU's TCG cannot provide behind a Nehalem (README, "Runtime mode").
    "x86_64": lambda image, initrd: [
        "qemu-system-x86_64", "-cpu",
        "Nehalem,-vme,+pdpe1gb,-xsave,-xsaveopt,-xsavec,-fsgsbase,-invpcid,+syscall,+lm,enforce",
        "-m", "512M", "-nographic", "-serial", "mon:stdio", "-kernel", image,
        "-append", "console_port=0x3f8 debug_port=0x3f8",
        *(["-initrd", initrd] if initrd else []),
    ],
}


class ScriptError(Exception):
    pass


@dataclass
class Step:
    kind: str
    arg: str
    line: int
    epoch_tolerance: float | None = None  # expect-epoch: group 1 is a Unix time to check


def parse_script(text: str, origin: str) -> list[Step]:
    steps = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, arg = line.partition(" ")
        arg = arg.strip()
        if kind not in ("expect", "send", "fail", "allow", "timeout", "at-most", "expect-each",
                        "no-interleaving", "expect-epoch", "qemu-arg", "numbered"):
            raise ScriptError(f"{origin}:{number}: unknown directive '{kind}'")
        if kind == "expect-epoch":
            tolerance, _, regex = arg.partition(" ")
            try:
                if float(tolerance) <= 0 or re.compile(regex.strip()).groups < 1:
                    raise ValueError
            except (ValueError, re.error):
                raise ScriptError(f"{origin}:{number}: 'expect-epoch' needs <seconds> and a regex "
                                  "with a group for the Unix time") from None
            steps.append(Step("expect", regex.strip(), number, float(tolerance)))
            continue
        if kind == "no-interleaving":
            steps.extend(Step("fail", pattern, number) for pattern in INTERLEAVING_PATTERNS)
            continue
        if kind == "expect-each":
            first, _, rest = arg.partition(" ")
            last, _, regex = rest.partition(" ")
            if not first.isdigit() or not last.isdigit() or not regex.strip() or "{n" not in regex:
                raise ScriptError(f"{origin}:{number}: 'expect-each' needs <first> <last> and a "
                                  "regex with {n}")
            for n in range(int(first), int(last) + 1):
                expanded = re.sub(r"\{n(?::(0?\d+))?\}",
                                  lambda m: format(n, m.group(1) or ""), regex.strip())
                try:
                    re.compile(expanded)
                except re.error as error:
                    raise ScriptError(f"{origin}:{number}: bad regex '{expanded}': {error}") from None
                steps.append(Step("expect", expanded, number))
            continue
        if kind == "numbered":
            try:
                numbered_pattern(arg)
            except (ValueError, re.error):
                raise ScriptError(f"{origin}:{number}: 'numbered' needs <first> <last> <missing> "
                                  "and a regex with {n}") from None
        if kind == "at-most":
            count, _, regex = arg.partition(" ")
            if not count.isdigit() or not regex.strip():
                raise ScriptError(f"{origin}:{number}: 'at-most' needs a count and a regex")
            try:
                re.compile(regex.strip())
            except re.error as error:
                raise ScriptError(f"{origin}:{number}: bad regex '{regex}': {error}") from None
        if kind in ("expect", "fail"):
            try:
                re.compile(arg)
            except re.error as error:
                raise ScriptError(f"{origin}:{number}: bad regex '{arg}': {error}") from None
        if kind == "timeout":
            try:
                if float(arg) <= 0:
                    raise ValueError
            except ValueError:
                raise ScriptError(f"{origin}:{number}: timeout needs a positive number") from None
        if kind != "send" and not arg:
            raise ScriptError(f"{origin}:{number}: '{kind}' needs an argument")
        steps.append(Step(kind, arg, number))
    return steps


def numbered_pattern(arg: str) -> tuple[int, int, int, re.Pattern]:
    """A 'numbered' directive's range, allowance and regex, {n} made a group for the number."""
    first, last, missing, regex = arg.split(" ", 3)
    if "{n" not in regex:
        raise ValueError("no {n}")
    pattern = re.sub(r"\{n(?::0?(\d+))?\}",
                     lambda m: rf"(\d{{{m.group(1)}}})" if m.group(1) else r"(\d+)", regex.strip())
    return int(first), int(last), int(missing), re.compile(pattern)


def check_numbered(lines: list[str], arg: str) -> None:
    first, last, allowed, pattern = numbered_pattern(arg)
    seen = {int(m.group(1)) for line in lines for m in pattern.finditer(line)}
    missing = [n for n in range(first, last + 1) if n not in seen]
    if len(missing) > allowed:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        raise Failure(f"{len(missing)} of the numbers {first}..{last} have no line matching "
                      f"'{pattern.pattern}', more than the {allowed} allowed: {shown}")
    if missing:
        print(f"harness: numbered: {len(missing)} of {first}..{last} missing, "
              f"{allowed} allowed: {', '.join(map(str, missing))}")


@dataclass
class SerialLog:
    """Everything QEMU printed, split into lines as it arrives (read on its own thread)."""

    echo: bool
    lines: list[str] = field(default_factory=list)
    partial: str = ""
    closed: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    def feed(self, data: bytes) -> None:
        if self.echo:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        text = data.decode("utf-8", errors="replace").replace("\r", "")
        with self.changed:
            self.partial += text
            *complete, self.partial = self.partial.split("\n")
            self.lines.extend(complete)
            self.changed.notify_all()

    def close(self) -> None:
        with self.changed:
            if self.partial:
                self.lines.append(self.partial)
                self.partial = ""
            self.closed = True
            self.changed.notify_all()

    def text(self) -> str:
        with self.changed:
            return "\n".join(self.lines + ([self.partial] if self.partial else []))


class Qemu:
    def __init__(self, command: list[str], log: SerialLog):
        self.log = log
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while True:
            data = self.process.stdout.read1(4096)
            if not data:
                break
            self.log.feed(data)
        self.log.close()

    def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode())
        self.process.stdin.flush()

    def exit_status(self) -> int | None:
        # Its output closes a moment before the process can be reaped.
        try:
            return self.process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            return None

    def kill(self, hard: bool = False) -> None:
        if self.process.poll() is None:
            signals = ((signal.SIGKILL, 5.0),) if hard else ((signal.SIGTERM, 2.0),
                                                             (signal.SIGKILL, 5.0))
            for sig, grace in signals:
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.reader.join(timeout=2.0)


class Failure(Exception):
    pass


def check_epoch(step: Step, pattern: re.Pattern, line: str) -> None:
    seen = int(pattern.search(line).group(1))
    now = time.time()
    if abs(seen - now) > step.epoch_tolerance:
        raise Failure(f"the guest's clock says {seen}, the host's {now:.0f}: {abs(seen - now):.0f} s "
                      f"apart, more than {step.epoch_tolerance:g} (script line {step.line})")


def run_script(qemu: Qemu, steps: list[Step], default_timeout: float) -> None:
    log = qemu.log
    defaults = [re.compile(p) for p in DEFAULT_FAIL_PATTERNS]
    allowed = [re.compile(step.arg) for step in steps if step.kind == "allow"]
    fail_patterns = []
    limits = [(int(step.arg.partition(" ")[0]), re.compile(step.arg.partition(" ")[2].strip()))
              for step in steps if step.kind == "at-most"]
    timeout = default_timeout
    position = 0  # lines before this index were consumed by earlier expects

    def check_failures(upto: int) -> None:
        for index in range(upto):
            exempt = any(a.search(log.lines[index]) for a in allowed)
            for pattern in (fail_patterns if exempt else defaults + fail_patterns):
                if pattern.search(log.lines[index]):
                    raise Failure(f"serial line {index + 1} matches fail pattern "
                                  f"'{pattern.pattern}': {log.lines[index]}")
        for most, pattern in limits:
            seen = sum(1 for line in log.lines[:upto] if pattern.search(line))
            if seen > most:
                raise Failure(f"{seen} serial lines match '{pattern.pattern}', "
                              f"more than the {most} allowed")

    for step in steps:
        if step.kind == "timeout":
            timeout = float(step.arg)
        elif step.kind == "fail":
            fail_patterns.append(re.compile(step.arg))
        elif step.kind in ("at-most", "qemu-arg", "numbered", "allow"):
            pass  # at-most, numbered: hold for the whole run, checked at its end; qemu-arg: main's;
            # allow: read above
        elif step.kind == "send":
            qemu.send(codecs.decode(step.arg, "unicode_escape"))
        else:
            pattern = re.compile(step.arg)
            deadline = time.monotonic() + timeout
            early = None  # a line before the previous match that matched: out of order
            with log.changed:
                while True:
                    check_failures(len(log.lines))
                    if early is None:
                        early = next((i for i in range(min(position, len(log.lines)))
                                      if pattern.search(log.lines[i])),
                                     None)
                        if early is not None:
                            deadline = min(deadline, time.monotonic() + OUT_OF_ORDER_GRACE)
                    match = next((i for i in range(position, len(log.lines))
                                  if pattern.search(log.lines[i])), None)
                    if (match is None and log.partial and position <= len(log.lines)
                            and pattern.search(log.partial)):
                        # A prompt without a newline can be waited for too, once: the line it
                        # will become is consumed (position moves past it), so the next expect
                        # cannot match the same text again while it is still partial.
                        match = len(log.lines)
                    if match is not None:
                        position = match + 1
                        if step.epoch_tolerance is not None:
                            check_epoch(step, pattern, log.lines[min(match, len(log.lines) - 1)]
                                        if match < len(log.lines) else log.partial)
                        break
                    if log.closed:
                        raise Failure(f"QEMU exited (status {qemu.exit_status()}) before a line "
                                      f"matched '{step.arg}' (script line {step.line})")
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 and early is not None:
                        raise Failure(f"serial line {early + 1} matched '{step.arg}' (script line "
                                      f"{step.line}), but before line {position}, which the "
                                      f"previous expect matched: the lines came in another order. "
                                      f"Expect them in the order they are printed, or drop the "
                                      f"order with separate scripts")
                    if remaining <= 0:
                        raise Failure(f"no serial line matched '{step.arg}' within {timeout:g} s "
                                      f"(script line {step.line})")
                    log.changed.wait(remaining)
    with log.changed:
        check_failures(len(log.lines))
        for step in steps:
            if step.kind == "numbered":
                check_numbered(log.lines, step.arg)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=sorted(MACHINES), default="aarch64")
    parser.add_argument("--image", help="loader.img (aarch64) or kernel (x86_64)")
    parser.add_argument("--initrd", help="root task image (x86_64 runtime mode)")
    parser.add_argument("--script", help="expect script (required unless --interactive)")
    parser.add_argument("--interactive", action="store_true",
                        help="run QEMU on this terminal instead: type to the serial port, "
                             "Ctrl-A X quits")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per expect")
    parser.add_argument("--echo", action="store_true", help="copy serial output to stdout live")
    parser.add_argument("--qemu-arg", action="append", default=[],
                        help="one more argument for QEMU (repeat it), e.g. -icount shift=0 as "
                             "--qemu-arg=-icount --qemu-arg=shift=0")
    parser.add_argument("--sigkill", action="store_true",
                        help="end a passing run with SIGKILL at once, as a power cut would: QEMU "
                             "gets no chance to write back anything it still holds")
    parser.add_argument("--command", nargs=argparse.REMAINDER,
                        help="run this instead of QEMU (for testing the harness itself)")
    args = parser.parse_args(argv)
    if not args.interactive and not args.script:
        parser.error("--script is required unless --interactive is given")

    if args.interactive:
        if not args.image or not os.path.isfile(args.image):
            print(f"harness: image '{args.image}' not found", file=sys.stderr)
            return 2
        command = MACHINES[args.arch](args.image, args.initrd) + args.qemu_arg
        os.execvp(command[0], command)

    try:
        with open(args.script, encoding="utf-8") as f:
            steps = parse_script(f.read(), args.script)
    except (OSError, ScriptError) as error:
        print(f"harness: {error}", file=sys.stderr)
        return 2

    script_args = [a for step in steps if step.kind == "qemu-arg" for a in step.arg.split()]
    if args.command:
        command = args.command + script_args
    else:
        if not args.image or not os.path.isfile(args.image):
            print(f"harness: image '{args.image}' not found", file=sys.stderr)
            return 2
        command = MACHINES[args.arch](args.image, args.initrd) + args.qemu_arg + script_args
        if shutil.which(command[0]) is None:
            print(f"harness: {command[0]} is not installed (run scripts/setup.sh)",
                  file=sys.stderr)
            return 2

    log = SerialLog(echo=args.echo)
    qemu = Qemu(command, log)
    # Ctrl-C or a CTest timeout must not leave QEMU behind.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: (_ for _ in ()).throw(Failure("harness interrupted")))
    try:
        run_script(qemu, steps, args.timeout)
        if args.sigkill:
            qemu.kill(hard=True)
    except Failure as failure:
        qemu.kill()
        print(f"FAIL: {failure}", file=sys.stderr)
        print("----- serial log -----", file=sys.stderr)
        print(log.text(), file=sys.stderr)
        print("----- end of serial log -----", file=sys.stderr)
        return 1
    finally:
        qemu.kill()
    expects = sum(step.kind == "expect" for step in steps)
    print(f"PASS: {expects} expected line(s) seen")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
