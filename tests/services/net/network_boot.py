#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""examples/network on seL4 in QEMU, driven from the host over 127.0.0.1 only.

QEMU's user network runs with restrict=on (the guest reaches nothing outside QEMU) and forwards
127.0.0.1:<http> to the HTTP server (10.0.2.16:80) and 127.0.0.1:<echo> to the echo server
(10.0.2.15:7). Checks, each bounded in count and time:
  status    curl gets the status page;
  daytime   a third client answers with the host's UTC time (RFC 867);
  echo      10 MB through TCP echo come back byte-identical;
  udp       1,000 datagrams echo (the loss is counted and reported, and must stay under 5%).
            QEMU's user network drops every UDP datagram the guest sends when restrict=on
            (libslirp's udp_input: "if (slirp->restricted) goto bad", replies to a forward
            included), so this check boots on a socket netdev instead: the NIC's frames are
            datagrams on 127.0.0.1, and the host is the guest's Ethernet neighbour (LinkPeer),
            which reaches nothing else either;
  many      50 concurrent HTTP connections are all served, while an echo stream runs;
  hostile   garbage and half-open connections to both ports, a burst of 500 connection
            attempts, and a slow reader that never reads; afterwards both servers still answer
            and no component faulted (the Microkit monitor's and the kernel's fault lines).
usage: network_boot.py <loader.img> [check...]   (default: all of them)
Exit status 0 pass, 1 fail.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "harness"))
import qemu_harness  # noqa: E402

# The servers' lines, through the serial console: daytime leases its address from QEMU's DHCP
# server, which user_network starts at 10.0.2.17.
READY = [r"^\[daytime\] leased 10\.0\.2\.17 by DHCP$",
         r"^\[echo\] ready on 10\.0\.2\.15 port 7 ", r"^\[http\] ready on 10\.0\.2\.16 port 80$",
         r"^\[daytime\] ready on 10\.0\.2\.17 port 13$"]
# The servers start only with their TCP's secret from the entropy source (examples/network's
# net_app.hpp), whose driver says it serves the three of them on the debug kernel's console
# (which the boot test's kernel has, and bench/network's release kernel does not).
RNG_READY = r"^rng-driver: virtio-rng on transport 15, a pool of \d+ bytes, 3 clients$"
BOOT_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Failure(Exception):
    pass


def wait_for(log: qemu_harness.SerialLog, patterns: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with log.changed:
        while True:
            text = "\n".join(log.lines)
            missing = [p for p in patterns if not re.search(p, text, re.M)]
            if not missing:
                return
            if log.closed or time.monotonic() > deadline:
                raise Failure(f"no line matching {missing[0]!r} within {timeout:.0f} s")
            log.changed.wait(timeout=1.0)


def http_get(port: int, path: str = "/", timeout: float = 10.0) -> str:
    out = subprocess.run(["curl", "-sS", "--max-time", str(timeout), "-o", "-", "-w",
                          "\n%{http_code}", f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, timeout=timeout + 5)
    if out.returncode != 0:
        raise Failure(f"curl {path}: {out.stderr.strip()}")
    body, _, code = out.stdout.rpartition("\n")
    if code != "200":
        raise Failure(f"curl {path}: HTTP {code}")
    return body


def check_status(ports: dict) -> None:
    body = http_get(ports["http"], "/status")
    if "KaaL on seL4" not in body or not re.search(r"uptime \d+\.\d s", body):
        raise Failure(f"the status page is not what it should be:\n{body}")
    # Every component of the stack has its row, and the HTTP server's counts this request's
    # own frames (the virtualisers count them: the page is theirs).
    for name in ("echo", "http", "daytime"):
        if f"<tr><td>{name}</td>" not in body:
            raise Failure(f"the status page has no row for {name}:\n{body}")
    http_rx = re.search(r"<tr><td>http</td><td>(\d+)</td>", body)
    if not http_rx or int(http_rx.group(1)) == 0:
        raise Failure(f"the status page counts no frames for http:\n{body}")
    print(f"host: curl got the status page ({len(body)} bytes)")


def echo_stream(port: int, total: int, chunk: int = 64 * 1024, timeout: float = 120.0) -> float:
    """Sends `total` pseudo-random bytes and reads them back; returns MB/s."""
    rng = random.Random(total)
    data = rng.randbytes(total)
    sent_hash = hashlib.sha256(data).hexdigest()
    got = hashlib.sha256()
    received = 0
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.settimeout(timeout)

        def writer() -> None:
            for i in range(0, total, chunk):
                s.sendall(data[i:i + chunk])
            s.shutdown(socket.SHUT_WR)

        t = threading.Thread(target=writer, daemon=True)
        t.start()
        while received < total:
            if time.monotonic() - start > timeout:
                raise Failure(f"echo: {received} of {total} bytes back after {timeout:.0f} s")
            block = s.recv(1 << 16)
            if not block:
                break
            got.update(block)
            received += len(block)
        t.join(timeout=10)
    if received != total or got.hexdigest() != sent_hash:
        raise Failure(f"echo: {received} of {total} bytes came back, "
                      f"{'identical' if got.hexdigest() == sent_hash else 'different'}")
    return total / (time.monotonic() - start) / 1e6


def check_daytime(ports: dict) -> None:
    with socket.create_connection(("127.0.0.1", ports["daytime"]), timeout=10) as s:
        s.settimeout(10)
        reply = b""
        while chunk := s.recv(256):
            reply += chunk
    line = reply.decode(errors="replace")
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC\r\n", line)
    if not m:
        raise Failure(f"daytime: {line!r}")
    guest = time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")) - time.timezone
    if abs(guest - time.time()) > 10:
        raise Failure(f"daytime: {m.group(1)} is not the host's UTC time")
    print(f"host: daytime (a third client) said {m.group(1)} UTC, the host's time")


def check_echo(ports: dict) -> None:
    rate = echo_stream(ports["echo"], 10 * 1000 * 1000)
    print(f"host: 10 MB through TCP echo came back byte-identical ({rate:.1f} MB/s)")


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


class LinkPeer:
    """The host as the guest's Ethernet neighbour on a QEMU socket netdev: every frame the NIC
    sends arrives here as one UDP datagram on 127.0.0.1, and every datagram sent back is a frame
    the NIC receives. It answers ARP for its address and speaks IPv4/UDP to the echo server."""

    MAC = bytes.fromhex("525400aa0002")
    IP = bytes([10, 0, 2, 2])

    def __init__(self, listen: int, guest: int):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", listen))
        self.guest = ("127.0.0.1", guest)
        self.ip_id = 0

    def udp_frame(self, to_mac: bytes, to_ip: bytes, port: int, payload: bytes,
                  source_port: int = 40000) -> bytes:
        udp_len = 8 + len(payload)
        pseudo = self.IP + to_ip + struct.pack("!BBH", 0, 17, udp_len)
        header = struct.pack("!HHHH", source_port, port, udp_len, 0)
        udp = struct.pack("!HHHH", source_port, port, udp_len,
                          checksum(pseudo + header + payload) or 0xFFFF) + payload
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, self.ip_id, 0, 64, 17, 0,
                         self.IP, to_ip)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        return to_mac + self.MAC + b"\x08\x00" + ip + udp

    def handle(self, frame: bytes) -> bytes | None:
        """Answers an ARP request for its address; returns a UDP payload for it, if any."""
        got = self.handle_to_port(frame)
        return None if got is None else got[1]

    def handle_to_port(self, frame: bytes) -> tuple[int, bytes] | None:
        """handle(), with the UDP port the datagram is for."""
        if len(frame) >= 42 and frame[12:14] == b"\x08\x06" and frame[21] == 1 and \
                frame[38:42] == self.IP:
            reply = (frame[6:12] + self.MAC + b"\x08\x06" + frame[14:20] + b"\x00\x02" +
                     self.MAC + self.IP + frame[22:28] + frame[28:32])
            self.sock.sendto(reply, self.guest)
            return None
        if len(frame) >= 42 and frame[12:14] == b"\x08\x00" and frame[23] == 17 and \
                frame[30:34] == self.IP:
            ihl = (frame[14] & 15) * 4
            udp = frame[14 + ihl:]
            port, length = struct.unpack("!HH", udp[2:6])
            return port, udp[8:length]
        return None


def check_udp(ports: dict) -> None:
    """1,000 datagrams to the echo server over the socket netdev (see LinkPeer), one at a time,
    each waited for at most 1 s, the whole check at most 120 s."""
    peer = ports["udp_peer"]
    peer.sock.settimeout(0.5)
    guest_mac, guest_ip = bytes.fromhex("5254004b4101"), bytes([10, 0, 2, 15])
    count, lost, start = 1000, 0, time.monotonic()
    for i in range(count):
        if time.monotonic() - start > 120:
            lost += count - i
            break
        payload = f"kaal-udp-{i:04d}-".encode() * 8
        peer.sock.sendto(peer.udp_frame(guest_mac, guest_ip, 7, payload), peer.guest)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                frame, _ = peer.sock.recvfrom(4096)
            except socket.timeout:
                continue
            if peer.handle(frame) == payload:
                break
        else:
            lost += 1
    print(f"host: {count - lost} of {count} UDP datagrams echoed ({lost} lost)")
    if lost > count // 20:
        raise Failure(f"udp: {lost} of {count} datagrams lost")


def check_many(ports: dict) -> None:
    results: list[str] = []
    errors: list[str] = []

    def one(i: int) -> None:
        try:
            with socket.create_connection(("127.0.0.1", ports["http"]), timeout=30) as s:
                s.settimeout(30)
                s.sendall(b"GET /status HTTP/1.1\r\nHost: kaal\r\nConnection: close\r\n\r\n")
                reply = b""
                while chunk := s.recv(4096):
                    reply += chunk
                if not reply.startswith(b"HTTP/1.1 200 OK"):
                    raise Failure(f"connection {i}: {reply[:40]!r}")
                results.append("ok")
        except (OSError, Failure) as e:
            errors.append(f"{i}: {e}")

    stream = threading.Thread(target=lambda: echo_stream(ports["echo"], 2 * 1000 * 1000))
    stream.start()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    stream.join(timeout=120)
    if errors or len(results) != 50:
        raise Failure(f"many: {len(results)} of 50 served; {errors[:3]}")
    print("host: 50 concurrent HTTP connections all served, beside a 2 MB echo stream")


def check_hostile(ports: dict) -> None:
    rng = random.Random(7)
    # Garbage to every port, TCP and UDP, and connections left half-open.
    half_open = []
    for port in (ports["http"], ports["echo"]):
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(rng.randbytes(rng.randrange(1, 4096)))
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"GET / HTTP/1.1\r\nHost")  # and never the rest
            half_open.append(s)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            for _ in range(100):
                u.sendto(rng.randbytes(rng.randrange(0, 1400)), ("127.0.0.1", port))
    # A burst of 500 connection attempts, closed at once.
    start, opened = time.monotonic(), 0
    for i in range(500):
        if time.monotonic() - start > 60:
            break
        try:
            with socket.create_connection(("127.0.0.1", ports["http" if i % 2 else "echo"]),
                                          timeout=5):
                opened += 1
        except OSError:
            pass
    # A slow reader: sends 4 MB to the echo server and never reads the echo.
    slow = socket.create_connection(("127.0.0.1", ports["echo"]), timeout=5)
    slow.setblocking(False)
    pushed, deadline = 0, time.monotonic() + 10
    while time.monotonic() < deadline and pushed < 4 << 20:
        try:
            pushed += slow.send(b"x" * 65536)
        except BlockingIOError:
            time.sleep(0.05)
    print(f"host: garbage and 40 half-open connections to each port, {opened} of 500 burst "
          f"connections opened, a slow reader stalled after {pushed} bytes")
    # Both servers still answer while the slow reader and the half-open ones are still there.
    check_status(ports)
    rate = echo_stream(ports["echo"], 1000 * 1000)
    print(f"host: after that, both servers still answer (1 MB echo at {rate:.1f} MB/s)")
    slow.close()
    for s in half_open:
        s.close()


CHECKS = {"status": check_status, "daytime": check_daytime, "echo": check_echo,
          "udp": check_udp, "many": check_many, "hostile": check_hostile}


def user_network(ports: dict) -> str:
    """QEMU's user network, restricted, forwarding 127.0.0.1 to each server that has a port."""
    guests = {"http": "10.0.2.16:80", "echo": "10.0.2.15:7", "daytime": "10.0.2.17:13"}
    forwards = "".join(f",hostfwd=tcp:127.0.0.1:{port}-{guests[name]}"
                       for name, port in ports.items() if name in guests)
    # Its DHCP server leases from 10.0.2.17 on, past the two fixed addresses, so daytime gets it.
    return f"user,id=net0,restrict=on,dhcpstart=10.0.2.17{forwards}"


def qemu_command(image: str, netdev: str, extra: list[str] | None = None) -> list[str]:
    """The boot tests' QEMU for aarch64 with `netdev` as the virtio-net NIC's back end, and the
    virtio-rng device examples/network keys its TCP sequence numbers from, on transport 15."""
    return qemu_harness.MACHINES["aarch64"](image, None) + (extra or []) + [
        "-global", "virtio-mmio.force-legacy=false", "-netdev", netdev,
        "-device", "virtio-net-device,netdev=net0",
        "-device", "virtio-rng-device,bus=virtio-mmio-bus.15"]


def boot(image: str, checks: list[str]) -> int:
    """One boot: on the user network (restrict=on, forwards on 127.0.0.1) for the TCP checks,
    or on a socket netdev on 127.0.0.1 for UDP."""
    ports: dict = {"http": free_port(), "echo": free_port(), "daytime": free_port()}
    ready = READY + [RNG_READY]
    if checks == ["udp"]:
        listen, guest = free_port(), free_port()
        ports["udp_peer"] = LinkPeer(listen, guest)
        net = f"socket,id=net0,udp=127.0.0.1:{listen},localaddr=127.0.0.1:{guest}"
        # No DHCP server on the wire: daytime waits for a lease, and is not checked here.
        ready = [p for p in ready if "daytime" not in p]
    else:
        net = user_network(ports)
    command = qemu_command(image, net)
    log = qemu_harness.SerialLog(echo=False)
    qemu = qemu_harness.Qemu(command, log)
    status = 0
    # QEMU runs in its own session: a signal to this script (CTest's timeout, Ctrl-C) must still
    # end in the `finally` that kills it, as the harness does.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: (_ for _ in ()).throw(Failure("interrupted")))
    try:
        wait_for(log, ready, BOOT_TIMEOUT)
        print("host: the servers are ready")
        for name in checks:
            CHECKS[name](ports)
        time.sleep(1.0)  # a fault the last check caused has time to be reported
        text = log.text()
        for pattern in qemu_harness.DEFAULT_FAIL_PATTERNS + [r"FAILED"]:
            if m := re.search(pattern, text):
                raise Failure(f"the serial log has {m.group(0)!r}")
        print("host: no component faulted")
    except Failure as e:
        print(f"FAILED: {e}")
        print("--- serial log ---")
        print(log.text())
        status = 1
    finally:
        qemu.kill()
    return status


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    image, wanted = argv[1], argv[2:] or list(CHECKS)
    unknown = [name for name in wanted if name not in CHECKS]
    if unknown:
        print(f"unknown check {unknown[0]!r}; the checks are {', '.join(CHECKS)}")
        return 2
    tcp = [name for name in wanted if name != "udp"]
    status = boot(image, tcp) if tcp else 0
    if "udp" in wanted and status == 0:
        status = boot(image, ["udp"])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
