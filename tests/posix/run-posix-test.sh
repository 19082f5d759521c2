#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# scripts/run-posix.sh as a user runs it: line_count.c built into the ready system, two lines
# piped to its stdin, the end of the pipe as its end of input. The script must exit with the
# program's status (7, from its argument), the program's output must show both lines, and the
# volume (a GPT --disk made here) must hold the count it wrote, clean.
source "$(dirname "$0")/disk-test.sh"
"$root/scripts/make-fat-image.sh" "$work/disk.img" gpt 1
status=0
printf 'first line\nsecond line\n' |
  "$root/scripts/run-posix.sh" "$root/tests/posix/line_count.c" --disk "$work/disk.img" \
    --timeout 300 -- 7 >"$work/serial.txt" 2>&1 || status=$?
# The serial port ends lines with CR LF.
tr -d '\r' <"$work/serial.txt" >"$work/out.txt"
cat "$work/out.txt"
for line in 'line_count: 1 argument(s)' 'got: first line' 'got: second line' \
  '2 lines, then the end of input' 'posix: line_count exited with status 7'; do
  grep -qxF "$line" "$work/out.txt" || { echo "FAILED: no line '$line'"; exit 1; }
done
[[ $status == 7 ]] || { echo "FAILED: run-posix.sh exited with $status, not the program's 7"; exit 1; }
first_partition "$work/disk.img" "$work/p1.img"
count=$(mtype -i "$work/p1.img" ::/line-count.txt)
[[ $count == 2 ]] || { echo "FAILED: /line-count.txt holds '$count'"; exit 1; }
check_clean "$work/p1.img"
echo "PASS: exit status 7, both lines echoed, /line-count.txt holds 2, the volume clean"
