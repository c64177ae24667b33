#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/run.sh [WALK-BENCH OPTIONS] [CORE...]
# bench/run.sh ranges [RANGES-BENCH OPTIONS]   (bench/ranges-bench.sh)
#
# Builds build/walk-bench (make bench-build: against build/libvmcore.a and
# libkdumpfile), then runs it on each CORE (default: the paging=false dumps of the real-guest
# suite, $VMCORE_TOOL_CACHE/dumps/x86_64-{4l,5l}/elf-nopaging.core, with
# VMCORE_TOOL_CACHE defaulting to ~/.cache/vmcore-tool). See bench/README.md.
#
# Without CORE it then runs bench/ranges-bench.sh (remap --dry-run against
# info over 15k, 30k and 60k RAM ranges) and bench/gdb-open-bench.sh (gdb
# opening our gdb layout against QEMU's paging=true core) and
# bench/reflink-bench.sh (remap against cp --reflink on a loop XFS; root),
# bench/kdump-bench.sh (remap of kdump dumps against crash and against
# makedumpfile -R + remap; decode throughput per codec),
# bench/input-bench.sh (lz4 and gzip copies of the dump read in place) and
# bench/remap-bench.sh (remap against cp + sync, and peak RSS, on a 2.5 GB
# guest it boots and dumps once; reused after that).
#
# Exit status: that of walk-bench (0 agree, 1 a disagreement, 2 failed to
# run, 64 usage), or of ranges-bench when worse; 2 when building fails.
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
cd "$root"

die() { echo "bench/run.sh: $*" >&2; exit 2; }

# `ranges` needs neither libkdumpfile nor walk-bench.
if [ "${1:-}" = ranges ]; then
	shift
	exec bash "$bench/ranges-bench.sh" "$@"
fi

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else return 1
	fi
}

# libkdumpfile: install libkdumpfile-dev when its headers are missing;
# refresh the package lists only if the plain install fails.
if [ ! -f /usr/include/libkdumpfile/addrxlat.h ]; then
	echo "bench/run.sh: installing libkdumpfile-dev" >&2
	if ! as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q libkdumpfile-dev >&2; then
		as_root apt-get update -q >&2 &&
		as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q libkdumpfile-dev >&2 ||
		die "cannot install libkdumpfile-dev"
	fi
fi

# The same build `make check` does (bench-build), so what CI builds is
# what this measures.
make -s bench-build >&2 || die "make bench-build failed"
walk_bench=$root/build/walk-bench

# Options (-r REPS, -n COUNT, -s SEED) go first; cores follow.
opts=()
while [ $# -gt 0 ]; do
	case $1 in
	-r|-n|-s) [ $# -ge 2 ] || die "$1 needs a value"
		opts+=("$1" "$2"); shift 2 ;;
	-h|--help) exec "$walk_bench" -h ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see bench/README.md)" ;;
	*) break ;;
	esac
done

if [ $# -gt 0 ]; then
	exec "$walk_bench" "${opts[@]}" "$@"
fi

# No CORE: the walker on the real-guest dumps, then the plan's scaling with
# the number of RAM ranges; the worse exit status wins.
cache=${VMCORE_TOOL_CACHE:-$HOME/.cache/vmcore-tool}
set -- "$cache/dumps/x86_64-4l/elf-nopaging.core" \
       "$cache/dumps/x86_64-5l/elf-nopaging.core"
for c in "$@"; do
	[ -r "$c" ] || die "$c: no such dump; make one with" \
		"'make check-real' (tests/realguest/) or pass CORE..."
done
rc=0
"$walk_bench" "${opts[@]}" "$@" || rc=$?
echo
for b in ranges-bench.sh gdb-open-bench.sh reflink-bench.sh kdump-bench.sh \
	 input-bench.sh remap-bench.sh; do
	VMCORE_TOOL=${VMCORE_TOOL:-$root/build/vmcore-tool} bash "$bench/$b" || {
		r=$?
		[ "$r" -gt "$rc" ] && rc=$r
	}
	echo
done
exit "$rc"
