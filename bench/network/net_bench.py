#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""examples/network's throughput and costs on seL4, measured from the host over 127.0.0.1.

Boots the image given on QEMU's user network (restrict=on, forwards on 127.0.0.1), with any
extra QEMU arguments after `--` (bench/network/run-icount.sh passes -icount shift=0), and
measures, each figure both per host second and per guest second (the guest's own clock, read
from the HTTP server's /counters before and after; under -icount shift=0 a guest second is 10^9
guest instructions or idle nanoseconds, whatever the host's load):
  - HTTP requests with Debian's wrk, -t1 -c4 for 10 s, without keep-alive (as the Linux anchor
    was measured) and with it; latency p50/p99 from wrk --latency;
  - TCP echo: 10 MB each way through the echo server;
  - kernel entries per frame through the stack, from the stack's own counters (IRQs, IRQ acks,
    the driver's, the virtualisers' and the echo client's signals), over 500 one-byte TCP echo
    round trips in lockstep, and per echoed packet (one frame in, one out).
usage: net_bench.py <loader.img> [-- <qemu argument>...]
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tests", "harness"))
sys.path.insert(0, os.path.join(here, "..", "..", "tests", "services", "net"))
import network_boot  # noqa: E402
import qemu_harness  # noqa: E402


def counters(port: int) -> dict[str, int]:
    text = network_boot.http_get(port, "/counters")
    return {k: int(v) for k, v in (line.split() for line in text.splitlines() if line)}


def guest_seconds(before: dict, after: dict) -> float:
    return (after["uptime_ms"] - before["uptime_ms"]) / 1000


def wrk(port: int, keep_alive: bool) -> dict:
    args = ["wrk", "-t1", "-c4", "-d10s", "--latency", f"http://127.0.0.1:{port}/status"]
    if not keep_alive:
        args[1:1] = ["-H", "Connection: close"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60).stdout

    def latency(label: str) -> str:
        m = re.search(rf"^\s+{label}%\s+(\S+)", out, re.M)
        return m.group(1) if m else "?"

    m = re.search(r"(\d+) requests in ([\d.]+)s", out)
    errors = re.search(r"Socket errors: (.*)|Non-2xx.*", out)
    return {"requests": int(m.group(1)) if m else 0, "host_s": float(m.group(2)) if m else 0,
            "p50": latency("50"), "p99": latency("99"),
            "errors": errors.group(0) if errors else "none"}


def lockstep(port: int, rounds: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(rounds):
            s.sendall(b"k")
            if s.recv(1) != b"k":
                raise network_boot.Failure("lockstep echo: wrong byte back")


ENTRY_KEYS = ["driver_irqs", "driver_irq_acks", "driver_signals", "rx_signals", "tx_signals",
              "echo.rx_wakes", "echo.tx_wakes"]


def main(argv: list[str]) -> int:
    image = argv[1]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    ports = {"http": network_boot.free_port(), "echo": network_boot.free_port()}
    command = network_boot.qemu_command(image, network_boot.user_network(ports), extra)
    log = qemu_harness.SerialLog(echo=False)
    qemu = qemu_harness.Qemu(command, log)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # QEMU dies with this script
        signal.signal(sig, lambda *_: (_ for _ in ()).throw(network_boot.Failure("interrupted")))
    try:
        network_boot.wait_for(log, network_boot.READY, 300)
        print(f"net-bench: QEMU {' '.join(extra) or '(no -icount)'}")
        for keep_alive in (False, True):
            before = counters(ports["http"])
            r = wrk(ports["http"], keep_alive)
            after = counters(ports["http"])
            served = after["requests"] - before["requests"] - 1  # the /counters itself
            g = guest_seconds(before, after)
            print(f"net-bench: HTTP {'keep-alive' if keep_alive else 'no keep-alive'}, wrk -t1 "
                  f"-c4: {r['requests'] / r['host_s']:.0f} requests per host second, "
                  f"{served / g:.0f} per guest second ({served} in {g:.2f} guest s); latency "
                  f"p50 {r['p50']} p99 {r['p99']}; errors: {r['errors']}")
        total = 10 * 1000 * 1000
        before = counters(ports["http"])
        start = time.monotonic()
        network_boot.echo_stream(ports["echo"], total)
        host = time.monotonic() - start
        after = counters(ports["http"])
        g = guest_seconds(before, after)
        print(f"net-bench: TCP echo, 10 MB each way: {total / host / 1e6:.1f} MB per host "
              f"second, {total / g / 1e6:.1f} MB per guest second each way")
        rounds = 500
        before = counters(ports["http"])
        lockstep(ports["echo"], rounds)
        after = counters(ports["http"])
        entries = sum(after[k] - before[k] for k in ENTRY_KEYS)
        frames = (after["echo.rx_frames"] - before["echo.rx_frames"] +
                  after["echo.tx_frames"] - before["echo.tx_frames"])
        detail = ", ".join(f"{k} {(after[k] - before[k]) / rounds:.2f}" for k in ENTRY_KEYS)
        print(f"net-bench: {rounds} lockstep 1-byte echoes: {frames / rounds:.2f} frames and "
              f"{entries / rounds:.2f} kernel entries per round trip; "
              f"{entries / frames:.2f} per frame, so {2 * entries / frames:.2f} per echoed "
              f"packet (one frame in, one out). Per round trip: {detail}")
        print("net-bench: done")
        return 0
    except network_boot.Failure as e:
        print(f"FAILED: {e}\n--- serial log ---\n{log.text()}")
        return 1
    finally:
        qemu.kill()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
