#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds ordinary C sources as one POSIX program in a ready KaaL system (examples/run-posix: the
# serial console as stdin/stdout/stderr, the time service, the FAT volume at "/"), boots it on
# seL4 in QEMU, and exits with the program's exit status once the system prints
# "posix: <name> exited with status N". The terminal is the program's console: lines typed go
# to its stdin, and Ctrl-D (or the end of a piped stdin) is its end of input.
# usage: MICROKIT_SDK=<sdk> scripts/run-posix.sh FILE.c... [--disk IMAGE] [--name NAME]
#                                                [--cflags "OPTIONS"] [--timeout SECONDS] [--icount]
#                                                [--hostfwd FORWARD]... [--netdev SPEC]
#                                                [-- ARGS...]
#   --disk    a raw disk image whose first partition (MBR or GPT) holds a FAT volume; without
#             it, a fresh one each run: build/run-posix-disk.img (scripts/make-fat-image.sh).
#             Read it back afterwards with: mdir -i build/run-posix-disk.img@@1M ::/
#   --name    the program's name (argv[0]); default: the first file's name without .c
#   --cflags  compiler options for the program (-O2, -DNAME=value, -I<dir>, ...)
#   --timeout give up after this many seconds (exit 124); default: none
#   --icount  QEMU's -icount shift=0: guest time counts instructions (for benchmarks)
#   --hostfwd the program is 10.0.2.15 on QEMU's user network with restrict=on (it reaches
#             nothing outside QEMU); the host reaches it through forwards on 127.0.0.1, by default
#             tcp:127.0.0.1:7007-10.0.2.15:7 and tcp:127.0.0.1:8080-10.0.2.15:80. Each --hostfwd
#             replaces those, in QEMU's syntax. With restrict=on QEMU drops the datagrams the
#             guest sends, so UDP answers need --netdev
#   --netdev  the NIC's whole QEMU back end instead (id net0), e.g. a socket netdev on 127.0.0.1
#   ARGS      argv[1...], fixed when the image is built
set -euo pipefail
source "$(dirname "$0")/common.sh"
sources=()
disk=""
name=""
cflags=""
timeout=0
icount=()
forwards=()
netdev=""
args=()
while (($#)); do
  case $1 in
    --disk)
      [[ $# -ge 2 ]] || kaal_die "--disk needs an image file"
      disk=$2
      shift
      ;;
    --name)
      [[ $# -ge 2 ]] || kaal_die "--name needs a name"
      name=$2
      shift
      ;;
    --cflags)
      [[ $# -ge 2 ]] || kaal_die "--cflags needs options"
      cflags=$2
      shift
      ;;
    --timeout)
      [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || kaal_die "--timeout needs a number of seconds"
      timeout=$2
      shift
      ;;
    --icount) icount=(--icount) ;;
    --hostfwd)
      [[ $# -ge 2 ]] || kaal_die "--hostfwd needs a forward, e.g. tcp:127.0.0.1:7007-10.0.2.15:7"
      forwards+=("$2")
      shift
      ;;
    --netdev)
      [[ $# -ge 2 ]] || kaal_die "--netdev needs a QEMU netdev, e.g. socket,id=net0,udp=..."
      netdev=$2
      shift
      ;;
    --)
      shift
      args=("$@")
      break
      ;;
    -*) kaal_die "unknown option '$1'" ;;
    *)
      [[ -f $1 ]] || kaal_die "no such file '$1'"
      sources+=("$(cd "$(dirname "$1")" && pwd)/$(basename "$1")")
      ;;
  esac
  shift
done
((${#sources[@]})) || kaal_die "no C sources given (usage: scripts/run-posix.sh FILE.c... [-- ARGS...])"
[[ -z "$disk" || -f "$disk" ]] || kaal_die "no disk image '$disk'"
if [[ -z "$name" ]]; then
  name=$(basename "${sources[0]}" .c)
fi
# A PD and component name, and a C identifier in the configuration.
name=$(tr -c 'A-Za-z0-9_\n' '_' <<<"$name")
[[ $name =~ ^[A-Za-z_] ]] || name="p_$name"

"$kaal_root/scripts/setup.sh" >/dev/null
dir="$kaal_root/build/run-posix"
log="$kaal_root/build/run-posix.log"
mkdir -p "$kaal_root/build"
list() { local IFS=';'; echo "$*"; }
# Only this system's image is built: the rest of the tree is not needed here.
{
  kaal_configure microkit "$dir" -DMICROKIT_SDK="${MICROKIT_SDK:-}" \
    -DKAAL_RUN_POSIX_SOURCES="$(list "${sources[@]}")" -DKAAL_RUN_POSIX_NAME="$name" \
    -DKAAL_RUN_POSIX_ARGS="$(list "${args[@]}")" \
    -DKAAL_RUN_POSIX_COMPILE_OPTIONS="$(list $cflags)" &&
    cmake --build "$dir" --target run-posix_image
} >"$log" 2>&1 || {
  cat "$log" >&2
  kaal_die "the build failed (log above, also in $log)"
}
if [[ -z "$disk" ]]; then
  disk="$kaal_root/build/run-posix-disk.img"
  "$kaal_root/scripts/make-fat-image.sh" "$disk" mbr 1
fi
((${#forwards[@]})) || forwards=(tcp:127.0.0.1:7007-10.0.2.15:7 tcp:127.0.0.1:8080-10.0.2.15:80)
network=(--netdev "$netdev")
for forward in "${forwards[@]}"; do
  network+=(--hostfwd "$forward")
done
exec python3 "$kaal_root/scripts/posix_console.py" --name "$name" --timeout "$timeout" "${icount[@]}" \
  "${network[@]}" --image "$dir/examples/run-posix/loader.img" --disk "$disk"
