#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/ranges-bench.sh [-r REPS] [N...]
#
# How `vmcore-tool remap --dry-run` grows with the number of RAM ranges, as
# a ratio against `vmcore-tool info` on the same core in the same run
# (DESIGN.md: ratios, never timed tests). For each N (default 15000 30000
# 60000) tests/mkranges.py writes a core with N one-page RAM ranges into a
# temporary directory; then `info` and `remap --dry-run` (gdb layout, and
# --layout=crash) each run once untimed and REPS times (default 3), the best
# kept, stdout to /dev/null. Both commands open the core and read its RAM
# map; only the dry-run walks and plans. `info --coverage` also walks, plans
# and sweeps the plan against the RAM map (src/coverage/), printing one
# strip per range. If the plan is linear in the ranges
# the ratio stays flat as N doubles; if it is quadratic the ratio doubles.
# See the "ranges-bench.sh" section of bench/README.md.
#
# The tool is $VMCORE_TOOL (default ./vmcore-tool, built with `make -s`).
# Exit status: 0 done; 2 something failed to run; 64 usage.
set -euo pipefail
export LC_ALL=C

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
cd "$root"

say() { printf 'ranges-bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 2; }
usage() { sed -n '4,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0" >&2; exit 64; }

reps=3
while [ $# -gt 0 ]; do
	case "$1" in
	-r) [ $# -ge 2 ] || usage; reps=$2; shift 2 ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- 15000 30000 60000
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || usage
for n in "$@"; do [[ "$n" =~ ^[1-9][0-9]*$ ]] || usage; done

PY=/usr/bin/python3
if [ -n "${VMCORE_TOOL:-}" ]; then
	vt=$(realpath "$VMCORE_TOOL")
	built=
else
	make -s >&2 || die "make failed"
	vt=$root/vmcore-tool
	built=", built from $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')"
fi
[ -x "$vt" ] || die "$vt is not an executable"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# best CMD...: run CMD once untimed (warm page cache), then $reps times;
# print the best wall time in seconds. Fails if any run fails.
best() {
	"$PY" - "$reps" "$@" <<'PY'
import subprocess, sys, time
reps, cmd = int(sys.argv[1]), sys.argv[2:]
def run():
    t0 = time.perf_counter()
    rc = subprocess.call(cmd, stdout=subprocess.DEVNULL)
    t = time.perf_counter() - t0
    if rc:
        sys.exit("ranges-bench: exit status %d: %s" % (rc, " ".join(cmd)))
    return t
run()
print("%.6f" % min(run() for _ in range(reps)))
PY
}

ms() { "$PY" -c 'import sys; print("%.1f" % (1000 * float(sys.argv[1])))' "$1"; }
ratio() { "$PY" -c 'import sys; print("%.1f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

echo "$("$vt" --version | head -n 1) ($vt$built), $(nproc) CPUs, best of $reps"
echo "dry-run: remap --dry-run (gdb layout); crash: remap --dry-run --layout=crash; coverage: info --coverage"
row() { printf '%8s  %9s  %11s  %7s  %11s  %7s  %11s  %7s  %9s\n' "$@"; }
row ranges "info ms" "dry-run ms" "/ info" "crash ms" "/ info" "coverage ms" "/ info" PT_LOADs
for n in "$@"; do
	core=$tmp/ranges-$n.core
	"$PY" tests/mkranges.py "$n" "$core" || die "mkranges.py $n failed"
	t_info=$(best "$vt" info -q "$core") || exit 2
	t_gdb=$(best "$vt" remap --dry-run -q "$core") || exit 2
	t_crash=$(best "$vt" remap --dry-run -q --layout=crash "$core") || exit 2
	t_cov=$(best "$vt" info --coverage -q "$core") || exit 2
	segs=$("$vt" remap --dry-run -q "$core" | tail -n 1 | awk '{print $1}')
	row "$n" "$(ms "$t_info")" \
		"$(ms "$t_gdb")" "$(ratio "$t_gdb" "$t_info")" \
		"$(ms "$t_crash")" "$(ratio "$t_crash" "$t_info")" \
		"$(ms "$t_cov")" "$(ratio "$t_cov" "$t_info")" "$segs"
	rm -f "$core"
done
