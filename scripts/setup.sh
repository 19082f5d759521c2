#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs every Debian package KaaL needs on Debian 12. Idempotent: installs only what is
# missing, and does nothing (not even apt-get update) when everything is there.
# The Microkit SDK and the seL4 kernel are not Debian packages: see README.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ python3 git
  # Microkit components: AArch64 cross toolchain and picolibc (memcpy and friends)
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu binutils-aarch64-linux-gnu picolibc-aarch64-linux-gnu
  # booting: Microkit on aarch64 virt, runtime mode on x86_64
  qemu-system-arm qemu-system-x86
  # host tests, sanitizers, fuzzing and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libboost-dev clang libclang-rt-14-dev
  # instruction counts in benchmarks (bench/drivers/count-instructions.sh)
  valgrind
  # the composer draws every system (dot -Tsvg)
  graphviz
  # formatting and static analysis
  clang-format clang-tidy
  # storage: disk images partitioned and checked with Debian's own tools (MBR, GPT, FAT)
  fdisk gdisk dosfstools mtools
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "error: setup needs root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
