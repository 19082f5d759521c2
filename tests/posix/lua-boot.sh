#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# examples/lua on seL4 in QEMU: Lua runs examples/lua/hello.lua, put on the volume by mcopy, and
# answers at its REPL (tests/boot/lua.expect). Then, on the host: the file the script wrote holds
# its three lines, and fsck.fat -n finds the volume clean.
# usage: lua-boot.sh <binary dir>
source "$(dirname "$0")/disk-test.sh"
lua_h="${KAAL_THIRD_PARTY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kaal/third-party}/lua-5.4.4/src/lua.h"
if [[ ! -f $lua_h ]]; then
  echo "SKIPPED: Lua's sources are not at ${lua_h%/src/lua.h} (scripts/setup.sh fetches them)"
  exit 77
fi
"$root/scripts/make-fat-image.sh" "$work/disk.img" mbr 1 "$root/examples/lua/hello.lua"
boot_with_disk lua "$1" "$work/disk.img" "$root/tests/boot/lua.expect"
first_partition "$work/disk.img" "$work/p1.img"
written=$(mtype -i "$work/p1.img" ::/from-lua.txt)
[[ $written == $'line 1\nline 2\nline 3' ]] || { echo "FAILED: /from-lua.txt holds '$written'"; exit 1; }
check_clean "$work/p1.img"
echo "PASS: /from-lua.txt holds the script's three lines, and fsck.fat finds the volume clean"
