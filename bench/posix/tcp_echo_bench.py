#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The TCP echo round trip through the POSIX layer against the same through lwIP's raw API, in
one boot (tcp_echo_bench.c): scripts/run-posix.sh boots the program under QEMU's -icount
shift=0 with two forwards on 127.0.0.1, to its port 7 (POSIX) and port 8 (raw API), and this
script sends 64-byte messages in lockstep, one waiting for its echo before the next, in blocks
of 100 that alternate between the two servers, so that whatever the host's load does to one it
does to the other. It prints each side's median and mean round trip in host microseconds and
their ratio. The round trip also includes QEMU's user network and the host's TCP, the same for
both, so the ratio understates the layer's own share.
usage: MICROKIT_SDK=<sdk> bench/posix/tcp_echo_bench.py [--rounds N]   (default 2000 per side)
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lockstep(s: socket.socket, message: bytes, rounds: int, times: list[float]) -> None:
    for _ in range(rounds):
        start = time.perf_counter()
        s.sendall(message)
        got = b""
        while len(got) < len(message):
            chunk = s.recv(len(message) - len(got))
            if not chunk:
                raise RuntimeError("the guest closed the connection")
            got += chunk
        times.append(time.perf_counter() - start)
        if got != message:
            raise RuntimeError("an echo came back different")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    if not os.environ.get("MICROKIT_SDK"):
        print("SKIPPED: MICROKIT_SDK not set")
        return 77
    posix_port, raw_port = free_port(), free_port()
    lwip = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                        "kaal", "third-party", "lwip-2.1.3+dfsg1", "src", "include")
    cflags = (f"-O2 -I{ROOT}/services/network/lwip/include -I{lwip}")
    run = subprocess.Popen(
        [os.path.join(ROOT, "scripts", "run-posix.sh"),
         os.path.join(ROOT, "bench", "posix", "tcp_echo_bench.c"), "--icount", "--timeout", "900",
         "--cflags", cflags,
         "--hostfwd", f"tcp:127.0.0.1:{posix_port}-10.0.2.15:7",
         "--hostfwd", f"tcp:127.0.0.1:{raw_port}-10.0.2.15:8"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for raw in run.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            lines.append(line)
            if "tcp_echo_bench: ready" in line:
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(600) or run.poll() is not None:
            print("\n".join(lines[-40:]))
            print("FAILED: the program did not start")
            return 1
        sockets = {}
        for name, port in (("posix", posix_port), ("raw", raw_port)):
            sockets[name] = socket.create_connection(("127.0.0.1", port), timeout=30)
            sockets[name].setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        message = bytes(range(64))
        times: dict[str, list[float]] = {"posix": [], "raw": []}
        for name in ("posix", "raw"):  # warm up: ARP, the first segments, the caches
            lockstep(sockets[name], message, 50, [])
        block = 100
        for _ in range(max(1, args.rounds // block)):
            for name in ("posix", "raw"):
                lockstep(sockets[name], message, block, times[name])
        for s in sockets.values():
            s.close()
        run.wait(60)
        result = {name: (statistics.median(t) * 1e6, statistics.mean(t) * 1e6, len(t))
                  for name, t in times.items()}
        for name, label in (("posix", "through POSIX (port 7)"),
                            ("raw", "lwIP raw API (port 8)")):
            median, mean, n = result[name]
            print(f"tcp-echo-bench: {label:<24} median {median:8.1f} us  mean {mean:8.1f} us"
                  f"  ({n} round trips of 64 bytes)")
        print(f"tcp-echo-bench: POSIX / raw: median {result['posix'][0] / result['raw'][0]:.3f}"
              f", mean {result['posix'][1] / result['raw'][1]:.3f} (host time, -icount shift=0)")
        if not any(re.search(r"posix: tcp_echo_bench exited with status 0", l) for l in lines):
            print("FAILED: no exit line")
            return 1
        return 0
    finally:
        if run.poll() is None:
            os.killpg(run.pid, 9)


if __name__ == "__main__":
    sys.exit(main())
