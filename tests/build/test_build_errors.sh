#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Bad build input must end in exactly one clear line on stderr that names the problem:
# an unset or invalid MICROKIT_SDK or SEL4_KERNEL_DIR, an SDK of the wrong version or board,
# and a .system file whose program_image no component builds. Needs no real SDK: it builds fake SDK layouts.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

# report <name> <ok: 0|1> <detail file>: counts the case and shows the detail of a failure.
report() {
  if (($2)); then
    echo "ok   $1"
    passed=$((passed + 1))
  else
    echo "FAIL $1:"
    sed 's/^/     /' "$3"
    failed=$((failed + 1))
  fi
}

# expect_one_line <name> <regex> <command...>: the command fails with one matching stderr line.
expect_one_line() {
  local name=$1 pattern=$2
  shift 2
  local status=0
  "$@" >"$work/out" 2>"$work/err" || status=$?
  local lines ok=0
  lines=$(wc -l <"$work/err")
  ((status != 0 && lines == 1)) && grep -Eq "$pattern" "$work/err" && ok=1
  echo "(status $status, $lines stderr lines; wanted one matching /$pattern/)" >>"$work/err"
  report "$name" "$ok" "$work/err"
}

fake_sdk() { # fake_sdk <dir> <version>: the layout KaalMicrokit.cmake checks, with empty files
  local sdk=$1 board=$1/board/qemu_virt_aarch64/debug
  mkdir -p "$sdk/bin" "$board/include/sel4" "$board/lib"
  printf '#!/bin/sh\nexit 1\n' >"$sdk/bin/microkit"
  chmod +x "$sdk/bin/microkit"
  echo "$2" >"$sdk/VERSION"
  touch "$board/include/microkit.h" "$board/include/sel4/sel4.h" "$board/lib/libmicrokit.a" \
    "$board/lib/microkit.ld"
}

build() { MICROKIT_SDK=$1 "$root/scripts/build-microkit.sh" "$work/build-$2"; }

expect_one_line "unset MICROKIT_SDK" '^error: MICROKIT_SDK is not set' \
  env -u MICROKIT_SDK "$root/scripts/build-microkit.sh" "$work/build-unset"
expect_one_line "MICROKIT_SDK not a directory" "^error: MICROKIT_SDK='/no/such/sdk' is not a directory$" \
  build /no/such/sdk missing
mkdir -p "$work/empty"
expect_one_line "MICROKIT_SDK without the tool" "is not a Microkit SDK: bin/microkit is missing$" \
  build "$work/empty" empty
fake_sdk "$work/old" 1.4.1
expect_one_line "wrong SDK version" "is Microkit 1.4.1; KaaL needs 2.0.1$" build "$work/old" old
fake_sdk "$work/noboard" 2.0.1
rm -rf "$work/noboard/board"
expect_one_line "SDK without the board" "has no board 'qemu_virt_aarch64' config 'debug' \(include/microkit.h missing\)$" \
  build "$work/noboard" noboard

expect_one_line "unset SEL4_KERNEL_DIR" '^error: SEL4_KERNEL_DIR is not set' \
  env -u SEL4_KERNEL_DIR "$root/scripts/build-runtime.sh" "$work/build-rt-unset"
mkdir -p "$work/nokernel/include"
expect_one_line "SEL4_KERNEL_DIR without a kernel" "is not a seL4 kernel build with libsel4 headers \(kernel.elf missing\)$" \
  env SEL4_KERNEL_DIR="$work/nokernel" "$root/scripts/build-runtime.sh" "$work/build-rt-bad"

# A complete SDK layout passes every check: configuration itself succeeds.
fake_sdk "$work/good" 2.0.1
ok=0
cmake --preset microkit -S "$root" -B "$work/build-good" -DMICROKIT_SDK="$work/good" >"$work/out" 2>&1 && ok=1
report "a complete SDK layout configures" "$ok" "$work/out"

# The .system check of kaal_add_system.
cat >"$work/bad.system" <<'XML'
<system>
    <protection_domain name="hello" priority="100"><program_image path="hello.elf" /></protection_domain>
    <protection_domain name="typo" priority="99"><program_image path="helo.elf" /></protection_domain>
</system>
XML
source "$root/scripts/common.sh"
check_system() { cmake -DSYSTEM_FILE="$1" -DELVES="hello.elf" -P "$root/tests/build/check_system.cmake" 2>&1 >/dev/null | kaal_cmake_reason >&2; return 1; }
expect_one_line ".system names a missing ELF" "program_image 'helo.elf' is not built by any component of this system \(components: hello.elf\)$" \
  check_system "$work/bad.system"
expect_one_line ".system file missing" "system file '/no/such.system' does not exist$" check_system /no/such.system
check_two() { cmake -DSYSTEM_FILE="$1" -DELVES="hello.elf;unused.elf" -P "$root/tests/build/check_system.cmake" 2>&1 >/dev/null | kaal_cmake_reason >&2; return 1; }
cat >"$work/one.system" <<'XML'
<system>
    <protection_domain name="hello" priority="100"><program_image path="hello.elf" /></protection_domain>
</system>
XML
expect_one_line "a listed component no PD runs" "component 'unused.elf' is listed in COMPONENTS but no protection_domain runs it$" \
  check_two "$work/one.system"
cat >"$work/wx.system" <<'XML'
<system>
    <memory_region name="buffer" size="0x1000" />
    <protection_domain name="hello" priority="100"><program_image path="hello.elf" />
        <map mr="buffer" vaddr="0x4000000" perms="rwx" setvar_vaddr="buffer" /></protection_domain>
</system>
XML
expect_one_line ".system maps a region executable (W^X)" "a memory region is mapped executable \(W\^X" \
  check_system "$work/wx.system"

# W^X on a component image: check_wx.cmake against the host's own readelf on a tiny ELF.
printf 'int main(void){return 0;}\n' >"$work/wx.c"
cc -o "$work/rx.elf" "$work/wx.c" 2>/dev/null
ok=0
cmake -DREADELF=readelf -DELF="$work/rx.elf" -P "$root/cmake/check_wx.cmake" >"$work/out" 2>&1 && ok=1
report "an image without W+X segments passes check_wx" "$ok" "$work/out"
cc -o "$work/wx.elf" "$work/wx.c" -Wl,--omagic -static -nostartfiles -Wl,-e,main -Wl,--no-warn-rwx-segments 2>/dev/null ||
  cc -o "$work/wx.elf" "$work/wx.c" -Wl,--omagic -static -nostartfiles -Wl,-e,main 2>/dev/null
check_wx() { cmake -DREADELF=readelf -DELF="$1" -P "$root/cmake/check_wx.cmake" 2>&1 >/dev/null | kaal_cmake_reason >&2; return 1; }
expect_one_line "an image with a W+X segment fails check_wx" "a segment is both writable and executable \(W\^X\)" \
  check_wx "$work/wx.elf"
cat >"$work/good.system" <<'XML'
<system>
    <protection_domain name="hello" priority="100"><program_image path="hello.elf" /></protection_domain>
</system>
XML
ok=0
cmake -DSYSTEM_FILE="$work/good.system" -DELVES="hello.elf" \
  -P "$root/tests/build/check_system.cmake" >"$work/out" 2>&1 && ok=1
report "a correct .system passes" "$ok" "$work/out"

echo "$passed passed, $failed failed"
((failed == 0))
