#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Stands in for QEMU in the harness's own tests: prints boot lines, then behaves per mode.

usage: fake_qemu.py <pidfile> <mode> [lines...]
  hang       print the lines, then sleep forever
  echo       print the lines, then echo every input line back as "echo: <line>"
  exit       print the lines and exit with status 3
  stubborn   print the lines, ignore SIGTERM, sleep forever (the harness must SIGKILL it)
  prompt     print the lines, then "login: " without a newline, then sleep
  graceful   print the lines, sleep; on SIGTERM write <pidfile>.term and exit, as QEMU writes
             back its caches when asked to quit (a SIGKILL leaves no such file)
"""
import signal
import sys
import time

pidfile, mode, *lines = sys.argv[1:]
with open(pidfile, "w", encoding="utf-8") as f:
    f.write(str(__import__("os").getpid()))
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if mode == "graceful":
    def _quit(*_):
        with open(pidfile + ".term", "w", encoding="utf-8") as f:
            f.write("asked to quit\n")
        sys.exit(0)
    signal.signal(signal.SIGTERM, _quit)
for line in lines:
    print(line, flush=True)
if mode == "exit":
    sys.exit(3)
if mode == "prompt":
    sys.stdout.write("login: ")
    sys.stdout.flush()
if mode == "echo":
    for line in sys.stdin:
        print(f"echo: {line.rstrip()}", flush=True)
    sys.exit(0)
while True:
    time.sleep(1)
