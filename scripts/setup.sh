#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs every Debian package KaaL needs on Debian 12, then fetches the third-party C sources
# KaaL builds (lwIP) from Debian's source packages. Idempotent: installs only what is missing,
# and does nothing (not even apt-get update) when everything is there; fetches nothing when the
# unpacked sources are already there.
# The Microkit SDK and the seL4 kernel are not Debian packages: see README.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ python3 git
  # third-party sources: apt-get source unpacks a Debian source package with dpkg-source
  dpkg-dev
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
  # network: the boot tests drive the guest's servers from the host, the benchmarks load them
  curl wrk
  # SQLite for the POSIX layer: tclsh makes its amalgamation from Debian's source package, and
  # the host's sqlite3 checks the databases KaaL wrote
  tcl sqlite3
  # debugging on seL4 in QEMU (scripts/debug.sh): gdb-multiarch for aarch64, gdb for x86_64;
  # llvm-symbolizer reads the inline chains that fault reports name (cmake/symbol_table.py)
  gdb-multiarch gdb llvm-14
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} != 0)); then
  sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || { echo "error: setup needs root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "setup: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# Third-party C code KaaL builds, each from Debian 12's source package with Debian's patches
# applied and nothing of ours: lwIP, the network clients' IP stack (services/network/lwip/
# README.md), and Lua and SQLite, programs the POSIX layer runs unmodified (examples/lua,
# examples/sqlite). Each is unpacked in a cache outside the tree, never committed, and CMake
# finds it there (cmake/KaalLwip.cmake, examples/lua and examples/sqlite's CMakeLists.txt). apt-get runs with a private sources list,
# package lists and cache under that directory, so the machine's own sources and package lists
# are neither used nor changed, and no root is needed.
third_party="${KAAL_THIRD_PARTY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kaal/third-party}"
apt_dir="$third_party/apt"
apt_private=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
             -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1)
apt_updated=0

# The version lwIP's own header declares, as MAJOR.MINOR.REVISION; empty if there is no tree.
lwip_unpacked_version() {
  local init_h="$1/src/include/lwip/init.h"
  [[ -f "$init_h" ]] || return 0
  # lwIP's sources have CRLF line ends.
  awk '{ sub(/\r$/, "") }
       $1 == "#define" && $2 ~ /^LWIP_VERSION_(MAJOR|MINOR|REVISION)$/ { v[$2] = $3 }
       END { print v["LWIP_VERSION_MAJOR"] "." v["LWIP_VERSION_MINOR"] "." v["LWIP_VERSION_REVISION"] }' "$init_h"
}

# The version lua.h declares, as MAJOR.MINOR.RELEASE; empty if there is no tree.
lua_unpacked_version() {
  local lua_h="$1/src/lua.h"
  [[ -f "$lua_h" ]] || return 0
  awk '$1 == "#define" && $2 ~ /^LUA_VERSION_(MAJOR|MINOR|RELEASE)$/ { gsub(/"/, "", $3); v[$2] = $3 }
       END { print v["LUA_VERSION_MAJOR"] "." v["LUA_VERSION_MINOR"] "." v["LUA_VERSION_RELEASE"] }' "$lua_h"
}

# The version SQLite's VERSION file holds; empty if there is no tree.
sqlite_unpacked_version() {
  [[ -f "$1/VERSION" ]] && cat "$1/VERSION"
  return 0
}

# Unpacks Debian's source package <package> as <dir>, unless <dir> already holds <version>
# (as <version function> reads it off the tree).
# usage: fetch_source <package> <name for messages> <version> <dir> <version function>
fetch_source() {
  local package=$1 name=$2 version=$3 dir=$4 version_of=$5
  [[ "$($version_of "$dir")" == "$version" ]] && return 0
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$third_party/download"
  printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main\n' \
    >"$apt_dir/sources.list"
  echo "setup: fetching $name $version (Debian source package $package) into $third_party"
  # A half-unpacked tree from an interrupted run is fetched again from scratch.
  rm -rf "$dir" "$third_party/download"/*
  local log
  if ! log=$( ( ((apt_updated)) || apt-get "${apt_private[@]}" -qq update 2>&1 ) &&
             cd "$third_party/download" && apt-get "${apt_private[@]}" -qq source "$package" 2>&1); then
    # The first complaint is the cause: a failed index fetch is only a warning to apt-get
    # update, and apt-get source then finds no deb-src entry at all.
    echo "error: could not download Debian's $package source package from deb.debian.org:" \
         "$(grep -m1 -E '^(E|W|Err):' <<<"$log" || echo "${log##*$'\n'}")" >&2
    exit 1
  fi
  apt_updated=1
  local unpacked=("$third_party/download/$package"-*/)
  local got
  got="$($version_of "${unpacked[0]%/}")"
  if [[ "$got" != "$version" ]]; then
    echo "error: Debian's $package source package is $name '${got:-unknown}', KaaL needs $version" >&2
    exit 1
  fi
  mv "${unpacked[0]%/}" "$dir"
  rm -rf "$third_party/download"
}

fetch_source lwip lwIP 2.1.3 "$third_party/lwip-2.1.3+dfsg1" lwip_unpacked_version
fetch_source lua5.4 Lua 5.4.4 "$third_party/lua-5.4.4" lua_unpacked_version
fetch_source sqlite3 SQLite 3.40.1 "$third_party/sqlite3-3.40.1" sqlite_unpacked_version

# SQLite is built from its amalgamation, sqlite3.c and the shell's shell.c, which its own build
# makes from the sources with tclsh (SQLite's README, "Compiling"); made once, beside the tree.
amalgamation="$third_party/sqlite3-3.40.1-amalgamation"
if [[ ! -f "$amalgamation/sqlite3.c" || ! -f "$amalgamation/shell.c" ]]; then
  echo "setup: making SQLite's amalgamation in $amalgamation"
  rm -rf "$amalgamation" "$amalgamation.build"
  mkdir -p "$amalgamation.build"
  if ! log=$(cd "$amalgamation.build" &&
             "$third_party/sqlite3-3.40.1/configure" --disable-tcl --disable-readline \
               --disable-editline 2>&1 && make -j2 sqlite3.c shell.c 2>&1); then
    echo "error: could not make SQLite's amalgamation: ${log##*$'\n'}" >&2
    exit 1
  fi
  mkdir -p "$amalgamation"
  cp "$amalgamation.build"/{sqlite3.c,sqlite3.h,sqlite3ext.h,shell.c} "$amalgamation/"
  rm -rf "$amalgamation.build"
fi
