#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/run.sh [WALK-BENCH OPTIONS] [CORE...]
#
# Builds bench/walk-bench against build/libvmcore.a and libkdumpfile, then
# runs it on each CORE (default: the paging=false dumps of the real-guest
# suite, $VMCORE_TOOL_CACHE/dumps/x86_64-{4l,5l}/elf-nopaging.core, with
# VMCORE_TOOL_CACHE defaulting to ~/.cache/vmcore-tool). See bench/README.md.
#
# Exit status: that of walk-bench (0 agree, 1 a disagreement, 2 failed to
# run, 64 usage); 2 when building fails.
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
cd "$root"

die() { echo "bench/run.sh: $*" >&2; exit 2; }

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

make -s build/libvmcore.a >&2 || die "make build/libvmcore.a failed"

pkgs="libelf libdw zlib liblz4"
# walk-bench calls libaddrxlat directly, and libkdumpfile.pc does not
# pull it in: ask for both.
if pkg-config --exists libkdumpfile libaddrxlat; then
	kd_cflags=$(pkg-config --cflags libkdumpfile libaddrxlat)
	kd_libs=$(pkg-config --libs libkdumpfile libaddrxlat)
else
	kd_cflags=
	kd_libs="-lkdumpfile -laddrxlat"
fi
# shellcheck disable=SC2086
${CC:-cc} -std=gnu11 -O2 -g -Wall -Wextra -Wshadow -D_GNU_SOURCE \
	-D_FILE_OFFSET_BITS=64 -Isrc $(pkg-config --cflags $pkgs) $kd_cflags \
	-o "$bench/walk-bench" "$bench/walk-bench.c" build/libvmcore.a \
	$(pkg-config --libs $pkgs) $kd_libs ||
	die "cannot build bench/walk-bench"

# Options (-r REPS, -n COUNT, -s SEED) go first; cores follow.
opts=()
while [ $# -gt 0 ]; do
	case $1 in
	-r|-n|-s) [ $# -ge 2 ] || die "$1 needs a value"
		opts+=("$1" "$2"); shift 2 ;;
	-h|--help) exec "$bench/walk-bench" -h ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see bench/README.md)" ;;
	*) break ;;
	esac
done

if [ $# -eq 0 ]; then
	cache=${VMCORE_TOOL_CACHE:-$HOME/.cache/vmcore-tool}
	set -- "$cache/dumps/x86_64-4l/elf-nopaging.core" \
	       "$cache/dumps/x86_64-5l/elf-nopaging.core"
	for c in "$@"; do
		[ -r "$c" ] || die "$c: no such dump; make one with" \
			"'make check-real' (tests/realguest/) or pass CORE..."
	done
fi

exec "$bench/walk-bench" "${opts[@]}" "$@"
