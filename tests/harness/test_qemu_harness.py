#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Tests of the QEMU harness against fake_qemu.py: matching, sending, failing, killing."""
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.join(HERE, "qemu_harness.py")
FAKE = os.path.join(HERE, "fake_qemu.py")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


class HarnessTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.pidfile = os.path.join(self.dir.name, "pid")

    def tearDown(self):
        self.dir.cleanup()

    def run_harness(self, script: str, mode: str, *lines: str, timeout: float = 2.0,
                    options: tuple[str, ...] = ()):
        path = os.path.join(self.dir.name, "test.expect")
        with open(path, "w", encoding="utf-8") as f:
            f.write(script)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, HARNESS, "--script", path, "--timeout", str(timeout), *options,
             "--command",
             sys.executable, FAKE, self.pidfile, mode, *lines],
            capture_output=True, text=True, timeout=60)
        result.elapsed = time.monotonic() - started
        return result

    def fake_pid(self) -> int:
        with open(self.pidfile, encoding="utf-8") as f:
            return int(f.read())

    def test_passes_when_lines_appear_in_order(self):
        r = self.run_harness("expect ^one$\nexpect t.o\n", "hang", "one", "two")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("PASS: 2 expected line(s) seen", r.stdout)
        self.assertFalse(alive(self.fake_pid()))

    def test_order_matters(self):
        r = self.run_harness("expect two\nexpect one\n", "hang", "one", "two", timeout=0.5)
        self.assertEqual(r.returncode, 1)
        self.assertIn("matched 'one' (script line 2), but before line 2", r.stderr)

    def test_failure_prints_the_serial_log_and_kills_qemu(self):
        r = self.run_harness("expect never\n", "hang", "booting", "ready", timeout=0.5)
        self.assertEqual(r.returncode, 1)
        self.assertIn("FAIL: no serial line matched 'never' within 0.5 s", r.stderr)
        self.assertIn("----- serial log -----\nbooting\nready\n", r.stderr)
        self.assertFalse(alive(self.fake_pid()))

    def test_send_reaches_the_serial_input(self):
        r = self.run_harness("expect ready\nsend hello\\n\nexpect ^echo: hello$\n", "echo", "ready")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_monitor_errors_fail_the_boot(self):
        r = self.run_harness("expect done\n", "hang", "MON|ERROR: VMFault: ip=0x0", "done")
        self.assertEqual(r.returncode, 1)
        self.assertIn("fail pattern", r.stderr)

    def test_allow_exempts_only_its_lines_from_the_default_fail_patterns(self):
        script = "allow ^MON\\|ERROR: faulting PD: supervisor$\nexpect done\n"
        r = self.run_harness(script, "hang", "MON|ERROR: faulting PD: supervisor", "done")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_harness(script, "hang", "MON|ERROR: faulting PD: other", "done")
        self.assertEqual(r.returncode, 1)
        self.assertIn("fail pattern", r.stderr)
        r = self.run_harness("allow ^x\nfail ^x panic\nexpect done\n", "hang", "x panic", "done")
        self.assertEqual(r.returncode, 1, "a script's own fail patterns still hold")

    def test_script_fail_directive(self):
        r = self.run_harness("fail panic\nexpect done\n", "hang", "oh panic", "done")
        self.assertEqual(r.returncode, 1)
        self.assertIn("matches fail pattern 'panic'", r.stderr)

    def test_at_most_limits_matching_lines_over_the_whole_run(self):
        r = self.run_harness("at-most 2 ^report\nexpect done\n", "hang", "report a", "report b",
                             "done")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_harness("at-most 2 ^report\nexpect done\n", "hang", "report a", "report b",
                             "report c", "done")
        self.assertEqual(r.returncode, 1)
        self.assertIn("3 serial lines match '^report', more than the 2 allowed", r.stderr)

    def test_a_line_that_came_before_the_previous_match_fails_soon_and_says_so(self):
        r = self.run_harness("expect two\nexpect one\n", "hang", "one", "two", timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("serial line 1 matched 'one' (script line 2), but before line 2", r.stderr)
        self.assertLess(r.elapsed, 15, "it must not wait out the 30 s timeout")

    def test_expect_each_expands_to_one_expect_per_number(self):
        r = self.run_harness("expect-each 1 3 ^line {n:02}$\n", "hang", "line 01", "line 02",
                             "line 03")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("PASS: 3 expected line(s) seen", r.stdout)
        r = self.run_harness("expect-each 1 3 ^line {n:02}$\n", "hang", "line 01", "line 03",
                             timeout=0.5)
        self.assertEqual(r.returncode, 1)
        self.assertIn("'^line 02$'", r.stderr)

    def test_numbered_allows_only_the_missing_numbers_it_says(self):
        script = "numbered 1 4 1 line {n:02} of\nexpect done\n"
        r = self.run_harness(script, "hang", "line 01 of", "xline 02 of", "line 04 of", "done")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 of 1..4 missing, 1 allowed: 3", r.stdout)
        r = self.run_harness(script, "hang", "line 01 of", "line 04 of", "done")
        self.assertEqual(r.returncode, 1)
        self.assertIn("2 of the numbers 1..4 have no line matching", r.stderr)
        self.assertIn("more than the 1 allowed: 2, 3", r.stderr)

    def test_no_interleaving_catches_two_prefixes_in_a_line(self):
        r = self.run_harness("no-interleaving\nexpect done\n", "hang", "[echo] fine",
                             "[echo] half[greeter] other half", "done")
        self.assertEqual(r.returncode, 1)
        self.assertIn("matches fail pattern", r.stderr)
        r = self.run_harness("no-interleaving\nexpect done\n", "hang", "[echo] fine",
                             "[serial-rx] input now goes to 'echo'", "done")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_expect_epoch_compares_a_printed_time_with_the_hosts(self):
        now = int(time.time())
        r = self.run_harness("expect-epoch 5 ^clock (\\d+)$\n", "hang", f"clock {now}")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_harness("expect-epoch 5 ^clock (\\d+)$\n", "hang", f"clock {now - 3600}")
        self.assertEqual(r.returncode, 1)
        self.assertIn("more than 5", r.stderr)

    def test_early_exit_is_reported(self):
        r = self.run_harness("expect never\n", "exit", "bye", timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertIn("QEMU exited (status 3)", r.stderr)
        self.assertLess(r.elapsed, 8, "an exited QEMU must not wait out the timeout")

    def test_sigterm_ignoring_qemu_is_killed(self):
        r = self.run_harness("expect ready\n", "stubborn", "ready")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(alive(self.fake_pid()))

    def test_sigkill_ends_a_passing_run_without_asking_qemu_to_quit(self):
        r = self.run_harness("expect ready\n", "graceful", "ready", options=("--sigkill",))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(alive(self.fake_pid()))
        self.assertFalse(os.path.exists(self.pidfile + ".term"), "it was sent SIGTERM")
        r = self.run_harness("expect ready\n", "graceful", "ready")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(self.pidfile + ".term"), "without --sigkill: SIGTERM first")

    def test_prompt_without_newline_can_be_expected(self):
        r = self.run_harness("expect ^login: $\n", "prompt", "boot")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_partial_line_satisfies_one_expect_only(self):
        # Two expects that match one line: the second must wait for a line of its own, even
        # while the first one's line has no newline yet.
        r = self.run_harness("expect ^login: $\nexpect ^login: $\n", "prompt", "boot")
        self.assertEqual(r.returncode, 1, r.stdout)

    def test_qemu_arg_reaches_the_command_line(self):
        # The fake prints its arguments after the mode as boot lines.
        r = self.run_harness("qemu-arg -icount shift=0\nexpect ^-icount$\nexpect ^shift=0$\n",
                             "hang", "boot")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_harness("expect ^-icount$\n", "hang", "boot", timeout=0.5)
        self.assertEqual(r.returncode, 1, "without the directive the argument is not there")

    def test_bad_script_is_a_setup_error(self):
        r = self.run_harness("expext typo\n", "hang")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown directive 'expext'", r.stderr)

    def test_missing_image_is_one_clear_line(self):
        path = os.path.join(self.dir.name, "s.expect")
        with open(path, "w", encoding="utf-8") as f:
            f.write("expect x\n")
        r = subprocess.run([sys.executable, HARNESS, "--script", path, "--image", "/no/such.img"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip(), "harness: image '/no/such.img' not found")


if __name__ == "__main__":
    unittest.main()
