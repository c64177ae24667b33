#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/kdump-bench.sh [-r REPS] [GUEST]
#
# vmcore-tool on kdump-compressed dumps, as ratios measured in one run
# (DESIGN.md: ratios, never timed tests). GUEST is a real-guest dump set
# (default x86_64-4l) in $VMCORE_TOOL_CACHE/dumps (~/.cache/vmcore-tool;
# `make check-real` makes it), whose vmlinux crash needs.
#
# 1. On QEMU's kdump-zlib.core (flattened) and an LZO file that makedumpfile
#    makes from our crash layout of the ELF dump (-F -l -d 0: flattened,
#    nothing excluded), three ways to get at the guest's memory:
#      remap     vmcore-tool remap DUMP -o OUT (gdb layout, read in place)
#      crash     crash -s vmlinux DUMP, `sys` from a here-doc (a consumer
#                that reads the format itself)
#      -R+remap  makedumpfile -R PLAIN < DUMP, then remap PLAIN
# 2. Decode throughput of convert (pages decoded on two threads, written
#    to tmpfs) per codec, on files tests/mkkdump.c makes from the ELF dump
#    with each codec: MB/s of RAM, and MB/s of the non-zero pages decoded.
#
# Outputs go to a scratch directory in /dev/shm (tmpfs: fsync costs
# nothing, so decoding is what is timed) and are deleted as they are done.
# Each command runs once untimed, then REPS times (default 3), the best
# kept. Exit status: 0 done, 2 something failed, 64 usage.
set -euo pipefail
export LC_ALL=C
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
cd "$root"

die() { echo "kdump-bench: $*" >&2; exit 2; }
reps=3
if [ "${1:-}" = -r ]; then
	[[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [-r REPS] [GUEST]" >&2; exit 64; }
	reps=$2
	shift 2
fi
guest=${1:-x86_64-4l}
cache=${VMCORE_TOOL_CACHE:-$HOME/.cache/vmcore-tool}
d=$cache/dumps/$guest
py=/usr/bin/python3
for f in elf-nopaging.core kdump-zlib.core truth.json; do
	[ -r "$d/$f" ] || die "$d/$f: missing (make check-real)"
done
vmlinux=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel"]["vmlinux"])' "$d/truth.json")
[ -r "$vmlinux" ] || die "$vmlinux: missing (tests/realguest/provision.sh)"
for t in crash makedumpfile; do
	command -v $t >/dev/null || die "$t is not installed"
done
make -s build/vmcore-tool build/mkkdump >&2 || die "make failed"
vt=${VMCORE_TOOL:-$root/build/vmcore-tool}
mk=$root/build/mkkdump

tmp=$(mktemp -d /dev/shm/kdump-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# best REPS CMD...: "WALL CPU" seconds of the fastest of REPS runs (one
# untimed first); CPU is user + system of the command and its children,
# the figure that other load on the machine disturbs least. A command's
# stdin is /dev/null unless BEST_STDIN names a file.
best() {
	"$py" - "$@" <<'PY'
import os, resource, subprocess, sys, time
reps, cmd = int(sys.argv[1]), sys.argv[2:]
def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
def run():
    stdin = open(os.environ.get("BEST_STDIN") or os.devnull)
    c, t = cpu(), time.perf_counter()
    subprocess.run(cmd, stdin=stdin, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t, cpu() - c
run()
print("%.3f %.3f" % min(run() for _ in range(reps)))
PY
}

ratio() { "$py" -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

# ---- the inputs ----------------------------------------------------------------
echo "kdump-bench: $guest, best of $reps; scratch in $tmp" >&2
"$vt" remap -q --layout=crash "$d/elf-nopaging.core" -o "$tmp/crash-layout.elf"
makedumpfile -F -l -d 0 "$tmp/crash-layout.elf" >"$tmp/mdf-lzo.flat" 2>/dev/null ||
	die "makedumpfile -F -l -d 0 failed"
rm -f "$tmp/crash-layout.elf"
printf 'sys\nquit\n' >"$tmp/crash-cmds"

# ---- 1. remap against crash and against makedumpfile -R + remap --------------------
# Wall seconds, then CPU seconds in parentheses.
printf '\n%-24s %5s %16s %18s %16s %16s %19s\n' dump MiB remap crash -R+remap \
	"crash / remap" "(-R+remap) / remap"
for dump in "$d/kdump-zlib.core" "$tmp/mdf-lzo.flat"; do
	name=${dump##*/}
	[ "$name" = mdf-lzo.flat ] && name="makedumpfile -F -l -d 0"
	[ "$name" = kdump-zlib.core ] && name="QEMU kdump-zlib"
	size=$(stat -c %s "$dump")
	read -r w_remap c_remap < <(best "$reps" "$vt" remap -q --force "$dump" -o "$tmp/out.elf")
	read -r w_crash c_crash < <(BEST_STDIN=$tmp/crash-cmds best "$reps" crash -s "$vmlinux" "$dump")
	printf 'makedumpfile -R "%s" <"%s" >/dev/null 2>&1 &&\n"%s" remap -q --force "%s" -o "%s"\nrm -f "%s"\n' \
		"$tmp/plain.kdump" "$dump" "$vt" "$tmp/plain.kdump" "$tmp/out.elf" \
		"$tmp/plain.kdump" >"$tmp/r.sh"
	read -r w_r c_r < <(best "$reps" bash "$tmp/r.sh")
	rm -f "$tmp/out.elf"
	printf '%-24s %5d %7ss (%5ss) %8ss (%6ss) %7ss (%5ss) %6s (%6s) %8s (%6s)\n' "$name" \
		$((size >> 20)) "$w_remap" "$c_remap" "$w_crash" "$c_crash" "$w_r" "$c_r" \
		"$(ratio "$w_crash" "$w_remap")" "$(ratio "$c_crash" "$c_remap")" \
		"$(ratio "$w_r" "$w_remap")" "$(ratio "$c_r" "$c_remap")"
done
rm -f "$tmp/mdf-lzo.flat"

# ---- 2. decode throughput per codec ------------------------------------------------
# MB/s of RAM written (all the guest's RAM), and of the non-zero pages
# actually decoded, by wall time and by CPU time (two threads decode: CPU
# time can exceed wall time).
ram=$("$vt" info --json -q "$d/kdump-zlib.core" | "$py" -c 'import json,sys; print(int(json.load(sys.stdin)["ram_bytes"], 16))')
printf '\n%-7s %5s %8s %8s %10s %14s %14s %8s\n' codec MiB wall CPU "RAM MB/s" \
	"non-zero MB/s" "per CPU-s" "vs zlib"
w_zlib=
for c in zlib lzo snappy zstd raw; do
	"$mk" --codec=$c "$d/elf-nopaging.core" "$tmp/$c.kdump"
	nz=$("$vt" info --json -q "$tmp/$c.kdump" | "$py" -c '
import json, sys
k = json.load(sys.stdin)["kdump"]
print((k["dumped_pages"] - k["zero_pages"]) * k["block_size"])')
	read -r w cpu < <(best "$reps" "$vt" convert -q --force "$tmp/$c.kdump" -o "$tmp/out.elf")
	rm -f "$tmp/out.elf"
	[ -n "$w_zlib" ] || w_zlib=$w
	"$py" -c 'import sys
c, size, w, cpu, ram, nz, wz = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
print("%-7s %5d %7.3fs %7.3fs %10.0f %14.0f %14.0f %7.2fx" % (c, size >> 20, w, cpu, ram / w / 1e6, nz / w / 1e6, nz / max(cpu, 1e-3) / 1e6, wz / w))' \
		"$c" "$(stat -c %s "$tmp/$c.kdump")" "$w" "$cpu" "$ram" "$nz" "$w_zlib"
	rm -f "$tmp/$c.kdump"
done
