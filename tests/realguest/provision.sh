#!/usr/bin/env bash
# Install and cache everything the real-guest suite needs:
#   - host tools, with apt-get: QEMU (x86 and arm), gdb-multiarch, crash,
#     busybox-static, cpio, binutils (readelf); makedumpfile if it can be had;
#   - one Debian 6.1 kernel ABI (linux-image-6.1.0-NN-*) for amd64 and arm64,
#     unpacked with dpkg-deb -x into the cache (never installed into /boot);
#   - vmlinux and System.map of exactly that ABI from the -dbg packages;
#   - busybox-static for arm64.
# The cache is $VMCORE_TOOL_CACHE, else $XDG_CACHE_HOME/vmcore-tool, else
# ~/.cache/vmcore-tool. A run reuses whatever an earlier run finished, and
# then needs no network at all. --refresh picks the newest ABI again.
#
# Exit status: 0 ready; 77 the tools or packages cannot be had here (no root,
# no archive); 1 anything else.

set -euo pipefail
shopt -s inherit_errexit	# also stop inside $(...)
export DEBIAN_FRONTEND=noninteractive
. "$(dirname "$0")/lib.sh"

HOST_PACKAGES=(qemu-system-x86 qemu-system-arm gdb-multiarch crash
	busybox-static cpio binutils gzip)
HOST_PACKAGES+=(python3-drgn)	# checks/60-remap-drgn.sh opens our outputs with drgn
OPTIONAL_HOST_PACKAGES=(makedumpfile)	# only to reassemble kdump dumps

unavailable() {
	rg_say "cannot provision: $*"
	exit "$RG_SKIP"
}

# ---------------------------------------------------------------- apt

# apt and dpkg are chatty; their output goes to a log that is shown only
# when they fail.
apt_quietly() {
	local log="$RG_CACHE/apt.log"
	if ! "$@" >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		return 1
	fi
}

apt_updated=no
apt_update_once() {
	[ "$apt_updated" = yes ] && return 0
	rg_say "apt-get update"
	# Third-party sources on a developer machine may fail; apt-get still
	# exits 0 for those, and a missing Debian index shows up as a failed
	# install or download below.
	apt_quietly apt-get update || unavailable "apt-get update failed"
	apt_updated=yes
}

apt_install() {
	rg_say "apt-get install $*"
	apt_quietly apt-get install -y \
		--no-install-recommends "$@"
}

is_installed() {
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

install_host_packages() {
	local missing=() p
	for p in "${HOST_PACKAGES[@]}"; do
		is_installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		[ "$(id -u)" -eq 0 ] || unavailable "not root and missing: ${missing[*]}"
		apt_update_once
		apt_install "${missing[@]}" ||
			unavailable "apt-get install ${missing[*]} failed"
	fi
	for p in "${OPTIONAL_HOST_PACKAGES[@]}"; do
		is_installed "$p" || [ "$(id -u)" -ne 0 ] || {
			apt_update_once
			apt_install "$p" ||
				rg_say "optional $p not installed; going on without it"
		}
	done
}

# The arm64 packages are fetched with apt-get download, which needs arm64
# in dpkg's architecture list and arm64 package indexes.
enable_arm64() {
	dpkg --print-foreign-architectures | grep -qx arm64 && return 0
	[ "$(id -u)" -eq 0 ] || unavailable "not root, cannot add the arm64 architecture"
	rg_say "dpkg --add-architecture arm64"
	dpkg --add-architecture arm64
	apt_updated=no
	apt_update_once
}

# Candidate version of a package ("" when the archive has none).
candidate() {
	apt-cache policy "$1" 2>/dev/null |
		awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

# Download PACKAGE=VERSION into DIR unless the .deb is already there; prints
# the path of the .deb.
download() {
	local pkg=$1 version=$2 dir=$3 name deb
	name=${pkg%%:*}
	mkdir -p "$dir"
	# Debian escapes the epoch colon as %3a in file names.
	deb=$(find "$dir" -maxdepth 1 -name "${name}_${version//:/%3a}_*.deb" | head -n 1)
	if [ -z "$deb" ]; then
		rg_say "apt-get download $pkg=$version"
		# -o APT::Sandbox::User=root: the _apt user could not write here.
		(cd "$dir" && apt_quietly apt-get download \
			-o APT::Sandbox::User=root "$pkg=$version") || unavailable "apt-get download $pkg=$version failed"
		deb=$(find "$dir" -maxdepth 1 -name "${name}_${version//:/%3a}_*.deb" | head -n 1)
		[ -n "$deb" ] || rg_die "downloaded $pkg but cannot find its .deb in $dir"
	fi
	echo "$deb"
}

# ---------------------------------------------------------------- kernel ABI

# The newest 6.1.0-NN for which the archive has the image and the -dbg
# package on both architectures, all four of the same version.
choose_kernel_abi() {
	local abi v1 v2 v3 v4
	for abi in $(apt-cache pkgnames linux-image-6.1.0- |
		sed -n 's/^linux-image-\(6\.1\.0-[0-9]*\)-amd64$/\1/p' |
		sort -t- -k2,2nr); do
		v1=$(candidate "linux-image-$abi-amd64")
		v2=$(candidate "linux-image-$abi-amd64-dbg")
		v3=$(candidate "linux-image-$abi-arm64:arm64")
		v4=$(candidate "linux-image-$abi-arm64-dbg:arm64")
		if [ -n "$v1" ] && [ "$v1" = "$v2" ] && [ "$v1" = "$v3" ] && [ "$v1" = "$v4" ]; then
			echo "$abi $v1"
			return 0
		fi
	done
	return 1
}

# Unpack the image package (vmlinuz, config, modules) of one architecture.
unpack_image() {
	local arch=$1 abi=$2 version=$3 dir=$4 pkg deb
	[ -e "$dir/.image-done" ] && return 0
	pkg="linux-image-$abi-$arch"
	[ "$arch" = amd64 ] || pkg="$pkg:$arch"
	deb=$(download "$pkg" "$version" "$RG_CACHE/debs")
	rg_say "unpacking $(basename "$deb")"
	rm -rf "$dir/root"
	mkdir -p "$dir/root"
	dpkg-deb -x "$deb" "$dir/root"
	rm -f "$deb"	# everything in it is now unpacked
	touch "$dir/.image-done"
}

# Take vmlinux and System.map out of the -dbg package. The .deb is ~0.9 GB
# and tar has to stream all of it, so this is the slow step (about a minute);
# the .deb is deleted afterwards since nothing else in it is needed.
extract_debug() {
	local arch=$1 abi=$2 version=$3 dir=$4 pkg deb tmp release
	[ -e "$dir/.dbg-done" ] && return 0
	release="$abi-$arch"
	pkg="linux-image-$release-dbg"
	[ "$arch" = amd64 ] || pkg="$pkg:$arch"
	deb=$(download "$pkg" "$version" "$RG_CACHE/debs")
	rg_say "extracting vmlinux and System.map from $(basename "$deb")"
	tmp="$dir/dbg.tmp"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$tmp" --wildcards '*/vmlinux*' '*/System.map*'
	# Copy with -L: in some packages one of the names is a symlink.
	cp -L "$(find "$tmp" -name "vmlinux-$release" -o -name vmlinux | head -n 1)" "$dir/vmlinux"
	cp -L "$(find "$tmp" -name "System.map-$release" | head -n 1)" "$dir/System.map"
	rm -rf "$tmp"
	grep -q ' _stext$' "$dir/System.map" || rg_die "$dir/System.map has no _stext"
	readelf -h "$dir/vmlinux" >/dev/null || rg_die "$dir/vmlinux is not ELF"
	rm -f "$deb"
	touch "$dir/.dbg-done"
}

# busybox-static for arm64, unpacked (the amd64 one is the host's).
unpack_busybox_arm64() {
	local version=$1 dir="$RG_CACHE/busybox-arm64" deb
	[ -e "$dir/.done-$version" ] && return 0
	deb=$(download busybox-static:arm64 "$version" "$RG_CACHE/debs")
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg-deb -x "$deb" "$dir"
	touch "$dir/.done-$version"
}

# Kernels of another ABI (left by an earlier run) take ~1 GB each.
remove_other_kernels() {
	local dir
	for dir in "$RG_CACHE"/linux-*; do
		case "${dir##*/}" in
		linux-"$1"-*) ;;
		*) [ -d "$dir" ] && rg_say "removing $dir" && rm -rf "$dir" ;;
		esac
	done
}

# Is everything for kernel ABI $1 already unpacked in the cache?
cache_complete() {
	local abi=$1 arch
	[ -n "$abi" ] || return 1
	for arch in amd64 arm64; do
		[ -e "$RG_CACHE/linux-$abi-$arch/.image-done" ] &&
			[ -e "$RG_CACHE/linux-$abi-$arch/.dbg-done" ] || return 1
	done
	[ -n "$(find "$RG_CACHE/busybox-arm64" -maxdepth 1 -name '.done-*' 2>/dev/null)" ]
}

host_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo none; }

write_versions() {
	local abi=$1 kversion=$2 bbversion=$3 p
	{
		echo "# written by tests/realguest/provision.sh"
		echo "kernel_abi=$abi"
		echo "linux-image-$abi-amd64=$kversion"
		echo "linux-image-$abi-amd64-dbg=$kversion"
		echo "linux-image-$abi-arm64:arm64=$kversion"
		echo "linux-image-$abi-arm64-dbg:arm64=$kversion"
		echo "busybox-static:arm64=$bbversion"
		for p in "${HOST_PACKAGES[@]}" "${OPTIONAL_HOST_PACKAGES[@]}"; do
			echo "host:$p=$(host_version "$p")"
		done
	} >"$RG_CACHE/versions.txt.tmp"
	mv "$RG_CACHE/versions.txt.tmp" "$RG_CACHE/versions.txt"
}

main() {
	local refresh=no abi kversion bbversion arch
	[ "${1:-}" = --refresh ] && refresh=yes
	if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
		unavailable "this is not a Debian system (no apt-get/dpkg-deb)"
	fi
	mkdir -p "$RG_CACHE"

	install_host_packages

	abi=$(rg_version kernel_abi)
	kversion=$(rg_version "linux-image-$abi-amd64")
	bbversion=$(rg_version busybox-static:arm64)
	# A complete cache is used as it is, without asking the archive; an
	# incomplete one is filled with the newest ABI the archive has now
	# (it may no longer have the version an interrupted run started on).
	if [ "$refresh" = yes ] || ! cache_complete "$abi"; then
		enable_arm64
		apt_update_once
		read -r abi kversion < <(choose_kernel_abi) ||
			unavailable "no linux-image-6.1.0-NN with -dbg for both amd64 and arm64"
		bbversion=$(candidate busybox-static:arm64)
		[ -n "$bbversion" ] || unavailable "no busybox-static:arm64 in the archive"
		rg_say "kernel ABI $abi, version $kversion"
		for arch in amd64 arm64; do
			unpack_image "$arch" "$abi" "$kversion" "$RG_CACHE/linux-$abi-$arch"
			extract_debug "$arch" "$abi" "$kversion" "$RG_CACHE/linux-$abi-$arch"
		done
		unpack_busybox_arm64 "$bbversion"
		remove_other_kernels "$abi"
	fi
	write_versions "$abi" "$kversion" "$bbversion"
	rg_say "ready: $RG_CACHE (kernel $abi, $kversion)"
}

main "$@"
