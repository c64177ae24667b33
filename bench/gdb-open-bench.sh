#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/gdb-open-bench.sh [-r REPS] [GUEST...]
#
# How long gdb takes to open a core and read one kernel address from it:
# our gdb layout (remap of the paging=false dump) against QEMU's own
# paging=true dump of the same guest, side by side in one run. GUESTs are
# real-guest dump sets (default x86_64-4l x86_64-5l) in
# $VMCORE_TOOL_CACHE/dumps (~/.cache/vmcore-tool; `make check-real` makes
# them). Each gdb run is `gdb -batch -nx -ex 'core-file CORE' -ex 'x/8xb VA'`
# with VA the guest's linux_banner (from truth.json), once untimed, then
# REPS times (default 5), the best wall time and its peak RSS reported.
# Nothing is asserted on time. Exit status: 0 done, 2 something failed.
set -euo pipefail
export LC_ALL=C
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
cd "$root"
reps=5
if [ "${1:-}" = -r ]; then reps=$2; shift 2; fi
[ $# -gt 0 ] || set -- x86_64-4l x86_64-5l
cache=${VMCORE_TOOL_CACHE:-$HOME/.cache/vmcore-tool}
vt=${VMCORE_TOOL:-$root/build/vmcore-tool}
[ -x "$vt" ] || make -s build/vmcore-tool >&2
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# best REPS CMD...: "SECONDS MAXRSS_KIB" of the fastest of REPS runs.
best() {
	"$py" - "$@" <<'PY'
import resource, subprocess, sys, time
reps, cmd = int(sys.argv[1]), sys.argv[2:]
subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
best = None
for _ in range(reps):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    t = time.perf_counter() - t
    if best is None or t < best:
        best = t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("%.3f %d" % (best, rss))
PY
}

printf '%-10s  %-28s  %8s  %9s  %8s\n' guest core PT_LOADs "gdb s" "RSS MiB"
for g in "$@"; do
	d=$cache/dumps/$g
	[ -r "$d/elf-nopaging.core" ] && [ -r "$d/elf-paging.core" ] ||
		{ echo "gdb-open-bench: $d: no dumps (make check-real)" >&2; exit 2; }
	va=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["symbols"]["linux_banner"])' "$d/truth.json")
	"$vt" remap -q "$d/elf-nopaging.core" -o "$tmp/gdb.elf"
	"$vt" remap -q --keep-aliases "$d/elf-nopaging.core" -o "$tmp/keep.elf"
	declare -A secs=()
	for c in "ours:$tmp/gdb.elf" "ours --keep-aliases:$tmp/keep.elf" "QEMU paging=true:$d/elf-paging.core"; do
		label=${c%%:*} core=${c#*:}
		n=$(readelf -lW "$core" | awk '$1 == "LOAD"' | wc -l)
		read -r s kib < <(best "$reps" gdb -batch -nx -ex "core-file $core" -ex "x/8xb $va")
		secs[$label]=$s
		printf '%-10s  %-28s  %8d  %9s  %8d\n' "$g" "$label" "$n" "$s" $((kib / 1024))
	done
	"$py" -c 'import sys; print("%-10s  gdb open: QEMU paging=true / ours = %.2f; --keep-aliases / ours = %.2f" % (sys.argv[1], float(sys.argv[2]) / float(sys.argv[4]), float(sys.argv[3]) / float(sys.argv[4])))' \
		"$g" "${secs[QEMU paging=true]}" "${secs[ours --keep-aliases]}" "${secs[ours]}"
	rm -f "$tmp/gdb.elf" "$tmp/keep.elf"
done
