#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# examples/sqlite on seL4 in QEMU: SQLite's shell runs demo.sql, and the 10,000 INSERTs of
# make-inserts.sh, against /kaal.db on a disk Linux's tools made (tests/boot/sqlite.expect).
# Then, on the host: Debian's sqlite3 opens the database copied out of the volume, PRAGMA
# integrity_check answers ok, all 10,000 rows are there with the update applied, and fsck.fat -n
# finds the volume clean.
# usage: sqlite-boot.sh <binary dir>
source "$(dirname "$0")/disk-test.sh"
sqlite_c="${KAAL_THIRD_PARTY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kaal/third-party}/sqlite3-3.40.1-amalgamation/sqlite3.c"
if [[ ! -f $sqlite_c ]]; then
  echo "SKIPPED: SQLite's amalgamation is not at ${sqlite_c%/sqlite3.c} (scripts/setup.sh makes it)"
  exit 77
fi
command -v sqlite3 >/dev/null || { echo "FAILED: sqlite3 is missing: scripts/setup.sh installs it"; exit 1; }
"$root/examples/sqlite/make-inserts.sh" "$work/inserts.sql"
"$root/scripts/make-fat-image.sh" "$work/disk.img" mbr 1 "$root/examples/sqlite/demo.sql" "$work/inserts.sql"
boot_with_disk sqlite "$1" "$work/disk.img" "$root/tests/boot/sqlite.expect"
first_partition "$work/disk.img" "$work/p1.img"
mcopy -i "$work/p1.img" ::/kaal.db "$work/kaal.db"
check=$(sqlite3 "$work/kaal.db" 'PRAGMA integrity_check;' \
  "SELECT count(*) || ' ' || sum(value) FROM readings;" \
  "SELECT count(*) FROM readings WHERE sensor = 'sensor-3' AND value % 1000 = (id * 7919 + 1) % 1000;")
want=$'ok\n10000 4996000\n1000'
[[ $check == "$want" ]] || { echo "FAILED: sqlite3 on Linux answers:"; echo "$check"; exit 1; }
check_clean "$work/p1.img"
echo "PASS: on Linux the database is intact (integrity_check ok), holds all 10,000 rows with the update, and fsck.fat finds the volume clean"
