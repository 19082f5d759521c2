#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Writes the 10,000 INSERT statements examples/sqlite/demo.sql reads (.read /inserts.sql).
# usage: make-inserts.sh <file>
set -euo pipefail
awk 'BEGIN { for (i = 1; i <= 10000; i++)
  printf "INSERT INTO readings (id, sensor, value) VALUES (%d, '\''sensor-%d'\'', %d);\n", i, i % 10, (i * 7919) % 1000 }' \
  >"${1:?usage: make-inserts.sh <file>}"
