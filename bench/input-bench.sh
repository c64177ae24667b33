#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/input-bench.sh [-r REPS] [-t SECONDS] [CORE]
#
# Compressed inputs read in place (src/input/lz4.c, gzip.c) against the
# plain core, as ratios measured in the same run (DESIGN.md). CORE
# (default: the real-guest suite's x86_64-4l paging=false dump) is
# compressed into a temporary directory with `lz4` (4 MiB blocks, the
# tool's default), `lz4 -B4` (64 KiB blocks) and `gzip` (level 6), then
# build/input-bench (make bench-build) times, for each, the open (best of
# REPS, default 3), random 4 KiB reads over the whole stream and over the
# pages that hold data (SECONDS each, default 3) and a sequential read,
# compares every byte with the plain core's, and prints each layer's index
# size. See the "input-bench.sh" section of bench/README.md.
#
# Exit status: 0 done; 1 a layer read a byte differently; 2 something
# failed to run; 64 usage.
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
cd "$root"

die() { echo "input-bench.sh: $*" >&2; exit 2; }
usage() { sed -n '4,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0" >&2; exit 64; }

opts=()
while [ $# -gt 0 ]; do
	case $1 in
	-r|-t) [ $# -ge 2 ] || usage; opts+=("$1" "$2"); shift 2 ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -le 1 ] || usage
cache=${VMCORE_TOOL_CACHE:-$HOME/.cache/vmcore-tool}
core=${1:-$cache/dumps/x86_64-4l/elf-nopaging.core}
[ -r "$core" ] || die "$core: no such dump; make one with 'make check-real' or pass CORE"
for t in lz4 gzip; do
	command -v $t >/dev/null || die "no $t program (bash tests/install-deps.sh)"
done
make -s bench-build >&2 || die "make bench-build failed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/input-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
t0=$EPOCHREALTIME
lz4 -q "$core" "$tmp/core.lz4"
lz4 -q -B4 "$core" "$tmp/core.B4.lz4"
gzip -c "$core" >"$tmp/core.gz"
echo "input-bench.sh: compressed $(stat -c %s "$core") bytes in" \
     "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s:" \
     "lz4 $(stat -c %s "$tmp/core.lz4"), lz4 -B4 $(stat -c %s "$tmp/core.B4.lz4")," \
     "gzip $(stat -c %s "$tmp/core.gz") bytes"
"$root/build/input-bench" "${opts[@]}" "$core" "$tmp/core.lz4" \
	"$tmp/core.B4.lz4" "$tmp/core.gz"
