#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/remap-bench.sh [-r REPS] [-m MB] [--fresh]
#
# How long `vmcore-tool remap` takes on a core of a few GB, as ratios against
# `cp` of the same core in the same run (DESIGN.md: ratios, never timed
# tests). Boots the x86_64 4-level guest of the real-guest suite with MB of
# RAM (default 2560) through tests/realguest/guest.py, which dumps it with
# paging=false and paging=true into
#   $VMCORE_TOOL_CACHE/bench/x86_64-4l-MB/
# (VMCORE_TOOL_CACHE defaults to ~/.cache/vmcore-tool) and reuses that set
# when it is complete and newer than the kernel; --fresh dumps again.
#
# Every command is run once untimed (warm page cache; its peak RSS is taken
# from that run with /usr/bin/time), then REPS times (default 3), the best
# reported. Nothing is dropped from the page cache; `sync` runs before each
# timed repetition, outside the timing, so each starts with no dirty data.
# Outputs go to a scratch directory beside the dumps and are deleted after
# each measurement. See the "remap-bench.sh" section of bench/README.md.
#
# The tool is $VMCORE_TOOL (default ./vmcore-tool, built with `make`).
# Exit status: 0 done; 2 something failed (boot, dump, a command, too little
# disk space); 64 usage.
set -euo pipefail
export LC_ALL=C

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
cd "$root"

say() { printf 'remap-bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 2; }
usage() { sed -n '4,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0" >&2; exit 64; }

reps=3
mem=2560
fresh=()
while [ $# -gt 0 ]; do
	case "$1" in
	-r) [ $# -ge 2 ] || usage; reps=$2; shift 2 ;;
	-m) [ $# -ge 2 ] || usage; mem=$2; shift 2 ;;
	--fresh) fresh=(--fresh); shift ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
[[ "$reps" =~ ^[1-9][0-9]*$ && "$mem" =~ ^[1-9][0-9]*$ ]] || usage

PY=/usr/bin/python3
cache=$(realpath -m "${VMCORE_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore-tool}")
dumps=$cache/bench/x86_64-4l-$mem
nopaging=$dumps/elf-nopaging.core
paging=$dumps/elf-paging.core
GB=$((1 << 30))

avail() { df -B1 --output=avail "$1" | tail -n 1 | tr -d ' '; }

# ------------------------------------------------------------ tool and dumps

if [ -z "${VMCORE_TOOL:-}" ]; then
	make -s >&2 || die "make failed"
	VMCORE_TOOL=./vmcore-tool
fi
tool=$(realpath "$VMCORE_TOOL")
[ -x "$tool" ] || die "no executable $tool"

mkdir -p "$cache/bench"
free_bytes=$(avail "$cache/bench")
[ "$free_bytes" -ge $((10 * GB)) ] ||
	die "$cache/bench: $((free_bytes / GB)) GB free, want 10 GB"

# guest.py reuses a complete, up-to-date set; otherwise it boots (TCG) and
# dumps: paging=true is QEMU's own walk, slow under TCG, hence the limit.
say "dumps in $dumps (guest.py; a fresh boot and dump takes minutes)"
timeout 7200 "$PY" tests/realguest/guest.py "${fresh[@]}" --memory "$mem" \
	--boot-timeout 1800 --outdir "$dumps" x86_64-4l ||
	die "guest.py could not boot or dump (exit $?)"
for f in "$nopaging" "$paging"; do [ -s "$f" ] || die "missing $f"; done

core_size=$(stat -c %s "$nopaging")
# At most two cores' worth of outputs exist at once (a copy and an output).
free_bytes=$(avail "$dumps")
[ "$free_bytes" -ge $((2 * core_size + GB)) ] ||
	die "$dumps: $((free_bytes / GB)) GB free, want $(((2 * core_size + GB) / GB)) GB"

work=$(mktemp -d "$cache/bench/remap-work.XXXXXX")
trap 'rm -rf "$work"' EXIT
out=$work/out.core
copy=$work/inplace.core
log=$work/stderr.log

# ------------------------------------------------------------ helpers

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.0f ms", s * 1000 }'; }

# Run "$@" with stdout discarded and stderr in $log; die on failure.
run() {
	if ! "$@" >/dev/null 2>"$log"; then
		cat "$log" >&2
		die "failed: $*"
	fi
}

# Seconds "$@" takes, as a decimal.
seconds() {
	local t0 t1
	t0=$EPOCHREALTIME
	run "$@"
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }'
}

# Peak RSS in KiB of "$@" (GNU time), or "-".
peak_rss() {
	if [ -x /usr/bin/time ]; then
		run /usr/bin/time -f %M -o "$work/rss" "$@"
		cat "$work/rss"
	else
		run "$@"
		echo -
	fi
}

# measure KEY PREP CMD... : PREP (a function name: remove the output, make a
# fresh input copy) runs before each run, outside the timing. One warm-up
# run (peak RSS taken there), then $reps timed runs; the best is kept in
# T[KEY] and the peak RSS in RSS[KEY]. The output of the last run stays for
# inspection; the caller deletes it.
declare -A T RSS
measure() {
	local key=$1 prep=$2 best="" t i
	shift 2
	"$prep"
	RSS[$key]=$(peak_rss "$@")
	for ((i = 0; i < reps; i++)); do
		"$prep"
		sync
		t=$(seconds "$@")
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
		fi
	done
	T[$key]=$best
	say "$key: best of $reps $(ms "$best") (peak RSS ${RSS[$key]} KiB)"
}

no_out() { rm -f "$out"; }
fresh_copy() {
	rm -f "$copy"
	cp --reflink=auto "$nopaging" "$copy"
	chmod u+w "$copy"
}

# ptloads FILE : PT_LOADs as readelf counts them (it follows PN_XNUM).
ptloads() { readelf -lW "$1" | grep -c LOAD || true; }
# usage FILE : "size, disk use"
usage_of() {
	printf '%s, du %s' "$(mib "$(stat -c %s "$1")")" \
		"$(mib $(($(stat -c %b "$1") * $(stat -c %B "$1"))))"
}

declare -A SEGS SIZE TOOLSEGS
# record KEY FILE : segment counts and sizes of an output.
record() {
	SEGS[$1]=$(ptloads "$2")
	TOOLSEGS[$1]=$("$tool" ptload --list "$2" 2>/dev/null | tail -n 1)
	SIZE[$1]=$(usage_of "$2")
}

# ------------------------------------------------------------ the filesystem

fs_type=$(df -T "$dumps" | awk 'NR == 2 { print $2 }')
fs_dev=$(df -T "$dumps" | awk 'NR == 2 { print $1 }')
# FICLONE (what cp --reflink=always uses) works where the filesystem
# can share extents; copy_file_range then shares them too (the kernel tries
# remap_file_range first). Where it cannot (ext4), copy_file_range copies
# in the kernel (splice), without user-space buffers.
head -c 1048576 /dev/urandom >"$work/reflink.a"
if cp --reflink=always "$work/reflink.a" "$work/reflink.b" 2>/dev/null; then
	reflink=yes
else
	reflink=no
fi
rm -f "$work/reflink.a" "$work/reflink.b"

# Does vmcore-tool really use copy_file_range here, and does the output then
# take new blocks? One untimed run under strace, the free space measured
# around it (after sync).
cfr="not checked (no strace)"
if command -v strace >/dev/null; then
	sync
	before=$(avail "$work")
	run strace -f -e trace=copy_file_range -o "$work/strace" \
		"$tool" remap "$nopaging" -o "$out"
	sync
	after=$(avail "$work")
	calls=$(grep -c 'copy_file_range(' "$work/strace" || true)
	failed=$(grep -c 'copy_file_range(.*= -1' "$work/strace" || true)
	cfr="$calls copy_file_range calls, $failed failed; output took $(mib $((before - after))) of free space for a $(mib "$(stat -c %s "$out")") file"
	rm -f "$out" "$work/strace"
fi

# ------------------------------------------------------------ measurements

say "timing, best of $reps, warm cache"
measure cp no_out cp "$nopaging" "$out"
rm -f "$out"
measure cp_sync no_out sh -c 'cp "$1" "$2" && sync "$2"' sh "$nopaging" "$out"
rm -f "$out"
measure gdb no_out "$tool" remap "$nopaging" -o "$out"
record gdb "$out"
rm -f "$out"
measure crash no_out "$tool" remap --layout=crash "$nopaging" -o "$out"
record crash "$out"
rm -f "$out"
# The part that is not copying data: open, walk, plan, no output.
measure dry_gdb no_out "$tool" remap --dry-run "$nopaging"
measure dry_crash no_out "$tool" remap --dry-run --layout=crash "$nopaging"
measure inplace fresh_copy "$tool" remap --in-place "$copy"
record inplace "$copy"
rm -f "$copy"

# QEMU's paging=true dump as the input: its own cp baseline too.
measure cp_p no_out cp "$paging" "$out"
rm -f "$out"
measure gdb_p no_out "$tool" remap "$paging" -o "$out"
record gdb_p "$out"
rm -f "$out"
measure crash_p no_out "$tool" remap --layout=crash "$paging" -o "$out"
record crash_p "$out"
rm -f "$out"

SEGS[qemu_paging]=$(ptloads "$paging")
SEGS[qemu_nopaging]=$(ptloads "$nopaging")

# ------------------------------------------------------------ report

dump_secs=$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("paging=false %s s, paging=true %s s" % (
    d["dumps"]["elf-nopaging.core"]["seconds"],
    d["dumps"]["elf-paging.core"]["seconds"]))' "$dumps/truth.json")

row() { printf '  %-44s %10s %8s   %s\n' "$@"; }
line() { row "$1" "$(ms "${T[$2]}")" "$(ratio "${T[$2]}" "${T[$3]}")" "RSS ${RSS[$2]} KiB"; }

echo "remap-bench: $(date -u +%Y-%m-%d), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), Linux $(uname -r)"
echo "tool: $tool ($("$tool" --version 2>/dev/null | head -n 1), tree $(git describe --always --dirty 2>/dev/null || echo unknown))"
echo "guest: x86_64-4l, qemu64, $mem MB; QEMU dump times: $dump_secs"
echo "input: $nopaging: $(usage_of "$nopaging")"
echo "       $paging: $(usage_of "$paging")"
echo "filesystem: $fs_dev, $fs_type; reflink (FICLONE): $reflink"
echo "copy_file_range: $cfr"
echo
echo "times, best of $reps, warm cache (ratio against cp of the same input):"
line "(a) cp CORE OUT" cp cp
line "(a') cp CORE OUT && sync OUT" cp_sync cp
line "(b) remap CORE -o OUT (gdb)" gdb cp
line "(c) remap --layout=crash CORE -o OUT" crash cp
line "(d) remap --in-place COPY" inplace cp
line "(h) remap --dry-run CORE (gdb; no output)" dry_gdb cp
line "(i) remap --dry-run --layout=crash CORE" dry_crash cp
echo "  ratios against (a'), cp with fsync like remap's:" \
	"(b) $(ratio "${T[gdb]}" "${T[cp_sync]}")," \
	"(c) $(ratio "${T[crash]}" "${T[cp_sync]}")," \
	"(d) $(ratio "${T[inplace]}" "${T[cp_sync]}")"
echo "  input QEMU's paging=true dump:"
line "(e) cp PAGING OUT" cp_p cp_p
line "(f) remap PAGING -o OUT (gdb)" gdb_p cp_p
line "(g) remap --layout=crash PAGING -o OUT" crash_p cp_p
echo
echo "PT_LOADs (readelf -lW | grep -c LOAD), size and disk use:"
printf '  %-36s %8s   %s\n' "QEMU paging=false" "${SEGS[qemu_nopaging]}" "$(usage_of "$nopaging")"
printf '  %-36s %8s   %s\n' "QEMU paging=true" "${SEGS[qemu_paging]}" "$(usage_of "$paging")"
for k in gdb crash inplace gdb_p crash_p; do
	case $k in
	gdb) name="vmcore-tool gdb layout" ;;
	crash) name="vmcore-tool crash layout" ;;
	inplace) name="vmcore-tool --in-place (gdb)" ;;
	gdb_p) name="gdb layout from paging=true" ;;
	crash_p) name="crash layout from paging=true" ;;
	esac
	printf '  %-36s %8s   %s\n' "$name" "${SEGS[$k]}" "${SIZE[$k]}"
	printf '  %-36s %8s   %s\n' "" "" "ptload --list: ${TOOLSEGS[$k]}"
done
