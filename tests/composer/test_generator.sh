#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The composer's command line: a bad description is one error line with its file and line, exit
# status 1, and nothing written (an earlier output stays as it was); a good one writes every file.
# usage: test_generator.sh <bad generator> <good generator>
set -uo pipefail
bad=$1 good=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() { # check <name> <condition result>
  if (($2)); then echo "ok   $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}

"$good" --name ipc-ppc --board qemu_virt_aarch64 --out "$work/out" --origin good.cpp >"$work/summary"
check "a good description composes" $(($? == 0))
check "it writes the .system file, the picture and both configurations" \
  $([[ -f $work/out/ipc-ppc.system && -f $work/out/system.dot && -f $work/out/server/kaal_config.hpp && -f $work/out/client/kaal_config.cpp ]] && echo 1 || echo 0)
check "it prints the summary" $(grep -q "^kaal: system 'ipc-ppc' (qemu_virt_aarch64): 2 PDs, 1 channels" "$work/summary" && echo 1 || echo 0)
cp "$work/out/ipc-ppc.system" "$work/before"

"$bad" --name ipc-ppc --board qemu_virt_aarch64 --out "$work/out" >"$work/stdout" 2>"$work/stderr"
status=$?
check "a bad description exits 1" $((status == 1))
check "with one line on stderr" $(($(wc -l <"$work/stderr") == 1))
check "naming its file and line and the rule" \
  $(grep -Eq "bad_description\.cpp:8: error: a PPC callee has a higher priority than its caller: 'server' \(100\) is called by 'client' \(100\)$" "$work/stderr" && echo 1 || echo 0)
check "and nothing written: the earlier output is untouched" \
  $(cmp -s "$work/before" "$work/out/ipc-ppc.system" && [[ ! -e $work/out.new ]] && echo 1 || echo 0)

"$good" --name x --board vax --out "$work/other" 2>"$work/stderr"
check "an unknown board is a usage error" $(($? == 2))
check "with nothing written" $([[ ! -e $work/other ]] && echo 1 || echo 0)

echo "$passed passed, $failed failed"
((failed == 0))
