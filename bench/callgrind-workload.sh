# SPDX-License-Identifier: BSD-2-Clause
# Sourced by the count-instructions.sh scripts: sets $root, and $workload to a fixed workload
# of the bench build, after checking that it is built and that valgrind is installed.
# usage: source bench/callgrind-workload.sh <path under the build dir> [bench build dir]
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kaal_bench_dir=${2:-$root/build/bench}
workload="$kaal_bench_dir/$1"
[[ -x "$workload" ]] || { echo "count-instructions.sh: $workload not built (cmake --preset bench && cmake --build $kaal_bench_dir --target $(basename "$1"))" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "count-instructions.sh: valgrind is not installed" >&2; exit 2; }
