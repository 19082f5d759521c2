#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The round trip through the SDK: every .system file the composer generated for the examples is
# accepted by the Microkit tool itself, with the images built for it. Skipped (77) without an
# SDK. usage: test_microkit_tool.sh <shared Microkit build dir>
set -uo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
dir=$1
if [[ -z "${MICROKIT_SDK:-}" ]]; then
  echo "SKIPPED: MICROKIT_SDK not set"
  exit 77
fi
kaal_build_microkit "$dir" >"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
while IFS= read -r system; do
  folder=$(dirname "$(dirname "$system")")
  name=$(basename "$system" .system)
  if "$MICROKIT_SDK/bin/microkit" "$system" --search-path "$folder/pds" --board qemu_virt_aarch64 \
    --config debug -o "$work/$name.img" -r "$work/$name.txt" >"$work/out" 2>&1 && [[ -s $work/$name.img ]]; then
    echo "ok   $name: the microkit tool accepts ${system#"$dir"/}"
    passed=$((passed + 1))
  else
    echo "FAIL $name:"
    sed 's/^/     /' "$work/out"
    failed=$((failed + 1))
  fi
done < <(find "$dir" -path '*/composed/*.system' | sort)
echo "$passed passed, $failed failed"
((failed == 0 && passed >= 6))
