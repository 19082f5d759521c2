#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""boot.posix-sockets: examples/posix/echo_server.c, an ordinary POSIX program, built and booted
on seL4 by scripts/run-posix.sh as a user would, serving TCP and UDP echo to this host through
127.0.0.1 only. Two boots, each bounded in time:
  tcp  QEMU's user network with restrict=on and one forward, 127.0.0.1:<port> -> 10.0.2.15:7.
       Four clients connect at once and stay connected while each sends 64 KiB in 1 KiB pieces,
       interleaved with the others over the server's one poll() loop; every byte must come back
       in order. The server exits after its fourth connection closes; its count of connections
       and bytes must be 4 and 4 x 64 KiB, and run-posix.sh must exit with its status, 0.
  udp  QEMU drops every datagram the guest sends when restrict=on (libslirp's udp_input), so
       this boot puts the NIC on a socket netdev on 127.0.0.1, with this host as the guest's
       Ethernet neighbour (tests/services/net/network_boot.py's LinkPeer). Three clients (three
       source ports) send 100 datagrams each, interleaved; each echo must reach the port that
       sent it. Then "quit" on the program's stdin ends it; it must count 300 datagrams.
  client  examples/posix/echo_client.c, the other way round: the program connects out, with a
       non-blocking connect() and poll(), to 10.0.2.100:7, which QEMU's guestfwd (allowed under
       restrict=on) hands to `cat` on this host, an echo server one connection long. Its
       messages come back, its shutdown(SHUT_WR) ends cat's input and so the stream, and
       getpeername/getsockname name both ends. Then two blocking connects that must fail: to
       10.0.2.2 (QEMU's gateway, which under restrict=on answers with a reset: ECONNREFUSED),
       and to 10.0.2.50 (nobody: not even ARP answers), given up when SO_SNDTIMEO's 200 ms run
       out.
usage: socket_echo_boot.py            Exit status 0 pass, 1 fail, 77 skipped.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "services", "net"))
from network_boot import LinkPeer, free_port  # noqa: E402

PROGRAM = os.path.join(ROOT, "examples", "posix", "echo_server.c")
CLIENT = os.path.join(ROOT, "examples", "posix", "echo_client.c")
READY = "echo_server: ready on port 7, TCP and UDP"
GUEST_MAC, GUEST_IP = bytes.fromhex("5254004b4101"), bytes([10, 0, 2, 15])
PIECE, PIECES, CLIENTS = 1024, 64, 4


class Failure(Exception):
    pass


class Run:
    """scripts/run-posix.sh in the background, its output collected line by line."""

    def __init__(self, options: list[str], args: list[str], program: str = PROGRAM):
        self.lines: list[str] = []
        self.ended = False
        self.changed = threading.Condition()
        self.process = subprocess.Popen(
            [os.path.join(ROOT, "scripts", "run-posix.sh"), program, "--timeout", "400",
             *options, "--", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for raw in self.process.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            print(line, flush=True)
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()
        with self.changed:
            self.ended = True
            self.changed.notify_all()

    def wait_line(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for line in self.lines:
                    if m := re.search(pattern, line):
                        return m
                if self.ended:
                    raise Failure(f"run-posix.sh ended before a line matching {pattern!r}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure(f"no line matching {pattern!r} within {timeout:g} s")
                self.changed.wait(min(left, 1.0))

    def finish(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"run-posix.sh did not exit within {timeout:g} s") from None

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 9)


def tcp_clients(port: int) -> None:
    """CLIENTS connections, all open before any sends, each echoing PIECES pieces."""
    clients = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(CLIENTS)]
    errors: list[str] = []

    def talk(n: int, s: socket.socket) -> None:
        try:
            for i in range(PIECES):
                piece = bytes([(n * 31 + i + k) & 0xFF for k in range(PIECE)])
                s.sendall(piece)
                got = b""
                while len(got) < PIECE:
                    chunk = s.recv(PIECE - len(got))
                    if not chunk:
                        raise Failure(f"client {n}: closed after {i} pieces")
                    got += chunk
                if got != piece:
                    raise Failure(f"client {n}: piece {i} came back different")
        except (OSError, Failure) as e:
            errors.append(f"client {n}: {e}")
        finally:
            s.close()

    threads = [threading.Thread(target=talk, args=(n, s)) for n, s in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors or any(t.is_alive() for t in threads):
        raise Failure("; ".join(errors) or "a client did not finish within 120 s")
    print(f"host: {CLIENTS} concurrent TCP clients each got {PIECES * PIECE} bytes back intact")


def boot_tcp() -> None:
    port = free_port()
    run = Run(["--hostfwd", f"tcp:127.0.0.1:{port}-10.0.2.15:7"], ["7", str(CLIENTS)])
    try:
        run.wait_line(re.escape(READY), 300)
        tcp_clients(port)
        served = run.wait_line(r"^echo_server: served (\d+) connections, (\d+) bytes", 60)
        if (int(served.group(1)), int(served.group(2))) != (CLIENTS, CLIENTS * PIECES * PIECE):
            raise Failure(f"the server counted {served.group(0)!r}")
        run.wait_line(r"^posix: echo_server exited with status 0$", 30)
        if (status := run.finish(30)) != 0:
            raise Failure(f"run-posix.sh exited with {status}, not the program's 0")
    finally:
        run.kill()


def boot_udp() -> None:
    listen, guest = free_port(), free_port()
    peer = LinkPeer(listen, guest)
    peer.sock.settimeout(0.5)
    netdev = f"socket,id=net0,udp=127.0.0.1:{listen},localaddr=127.0.0.1:{guest}"
    run = Run(["--netdev", netdev], ["7"])
    try:
        run.wait_line(re.escape(READY), 300)
        ports, rounds, lost = [41000, 41001, 41002], 100, 0
        start = time.monotonic()
        for i in range(rounds):
            for port in ports:
                if time.monotonic() - start > 120:
                    raise Failure("UDP: over 120 s")
                payload = f"kaal-posix-udp-{port}-{i:03d}".encode()
                peer.sock.sendto(peer.udp_frame(GUEST_MAC, GUEST_IP, 7, payload, port),
                                 peer.guest)
                deadline = time.monotonic() + 2.0
                while time.monotonic() < deadline:
                    try:
                        frame, _ = peer.sock.recvfrom(4096)
                    except socket.timeout:
                        continue
                    got = peer.handle_to_port(frame)
                    if got is None:
                        continue
                    if got != (port, payload):
                        raise Failure(f"UDP: {got!r} where ({port}, {payload!r}) was due")
                    break
                else:
                    lost += 1
        print(f"host: {len(ports) * rounds - lost} of {len(ports) * rounds} datagrams echoed "
              f"to the port that sent each")
        if lost:
            raise Failure(f"UDP: {lost} datagrams unanswered")
        run.process.stdin.write(b"quit\n")
        run.process.stdin.flush()
        served = run.wait_line(r"^echo_server: served \d+ connections, \d+ bytes, (\d+) datagrams",
                               60)
        if int(served.group(1)) != len(ports) * rounds:
            raise Failure(f"the server counted {served.group(0)!r}")
        if (status := run.finish(30)) != 0:
            raise Failure(f"run-posix.sh exited with {status}")
    finally:
        run.kill()
        peer.sock.close()


def boot_client() -> None:
    netdev = "user,id=net0,restrict=on,guestfwd=tcp:10.0.2.100:7-cmd:cat"
    messages = ["hello", "from", "seL4"]
    run = Run(["--netdev", netdev],
              ["10.0.2.100", "7", "--refused", "10.0.2.2", "--silent", "10.0.2.50", *messages],
              CLIENT)
    try:
        run.wait_line(r"^echo_client: connected from 10\.0\.2\.15:\d+ to 10\.0\.2\.100:7$", 300)
        run.wait_line(rf"^echo_client: {len(messages)} messages echoed, then the server closed "
                      r"its side$", 60)
        run.wait_line(r"^echo_client: a connect to 10\.0\.2\.2:7 was refused", 60)
        run.wait_line(r"^echo_client: a connect to 10\.0\.2\.50:7 gave up after SO_SNDTIMEO", 60)
        run.wait_line(r"^posix: echo_client exited with status 0$", 30)
        if (status := run.finish(30)) != 0:
            raise Failure(f"run-posix.sh exited with {status}")
        print("host: the program's client connected out, was echoed, and saw the end of stream")
    finally:
        run.kill()


def main() -> int:
    if not os.environ.get("MICROKIT_SDK"):
        print("SKIPPED: MICROKIT_SDK not set")
        return 77
    try:
        boot_tcp()
        boot_udp()
        boot_client()
    except Failure as e:
        print(f"FAILED: {e}")
        return 1
    print("PASS: TCP echo to 4 concurrent clients and UDP echo to 3, through one poll() loop; "
          "a client connecting out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
