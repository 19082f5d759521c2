#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs examples/posix/posix_test.c, built for this machine, on Linux: in a fresh directory with
# the hello.txt it expects, the arguments and environment examples/posix gives it on seL4, and
# at most 32 descriptors (KaaL's limit), so its EMFILE check means the same here.
# usage: test-program-on-linux.sh <posix_test built for the host>
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'hello from Linux\n' >"$work/hello.txt"
ulimit -n 32
status=0
# Through a pipe, so stdout is not seekable, as a console is not.
TEST_ROOT=$work GREETING=hello "$1" first "second argument" | cat >"$work/out.txt" ||
  status=${PIPESTATUS[0]}
cat "$work/out.txt"
grep -q '^FAILED' "$work/out.txt" && exit 1
# Nothing skipped but the heap check (HEAP_LIMIT_TEST: Linux would give all its memory) and the
# console check (stdout is a pipe here).
grep -qE '^([0-9]+) of \1 checks passed$' "$work/out.txt" || { echo "FAILED: no summary line"; exit 1; }
[[ $(cat "$work/posix-result.txt") == "$(grep 'checks passed$' "$work/out.txt")" ]] ||
  { echo "FAILED: posix-result.txt does not hold the summary"; exit 1; }
grep -qx 'atexit handler ran' "$work/out.txt" || { echo "FAILED: the atexit handler did not run"; exit 1; }
[[ $status == 0 ]] || { echo "FAILED: exit status $status"; exit 1; }
