#!/bin/bash
# Install the Debian packages vmcore-tool needs to build and run its tests,
# only those that are missing. Runs apt-get as root, or through sudo.
# (The real-guest suite installs QEMU and the guest kernels itself:
# tests/realguest/provision.sh.) With --fuzz, also what the libFuzzer
# harnesses need (make check-fuzz; make check does not).
set -euo pipefail

packages=(
	gcc make pkg-config			# build
	libelf-dev				# unit tests: libelf cross-checks our reader
	libdw-dev				# a vmlinux's symbols (src/symbols/, libdwfl)
	zlib1g-dev liblzo2-dev libsnappy-dev libzstd-dev	# kdump page codecs
	libkdumpfile-dev			# bench/walk-bench (built by make check)
	python3 binutils gdb			# tests and the sample: generator, readelf, gdb
	groff-base				# tests: the man page renders without warnings
	xfsprogs				# tests: remap shares blocks on a loop XFS
	zlib1g-dev liblz4-dev			# build: the gzip and lz4 input layers
	lz4 gzip				# tests: compressed inputs made by the real tools
)
# clang 14 and its compiler-rt, which holds libFuzzer (only a Recommends
# of clang's, and recommends are not installed here).
[ "${1:-}" = --fuzz ] && packages+=(clang libclang-rt-dev)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all build and test packages are installed"
	exit 0
fi

sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "deps: need root (or sudo) to install: ${missing[*]}" >&2
		exit 2
	}
	sudo=sudo
fi
echo "deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
