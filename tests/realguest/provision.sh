#!/usr/bin/env bash
# Install and cache everything the real-guest suite needs:
#   - host tools, with apt-get: QEMU (x86 and arm), gdb-multiarch, crash,
#     busybox-static, cpio, binutils (readelf), makedumpfile;
#   - one Debian 6.1 kernel ABI (linux-image-6.1.0-NN-*) for amd64, arm64
#     and i386 (the 686-pae flavour), unpacked with dpkg-deb -x into the
#     cache (never installed into /boot);
#   - vmlinux and System.map of exactly that ABI from the -dbg packages;
#   - busybox-static for arm64 and i386.
# The cache is $VMCORE_TOOL_CACHE, else $XDG_CACHE_HOME/vmcore-tool, else
# ~/.cache/vmcore-tool. A run reuses whatever an earlier run finished, and
# then needs no network at all. An incomplete cache (say, one made before
# i386 joined) is completed with the ABI it already has while the archive
# still has that ABI at the same version for every architecture, so that
# adding a guest does not move the others to another kernel. --refresh picks
# the newest ABI again.
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
# guest.py reassembles kdump dumps with it; checks/70-kdump.sh reads its
# own kdump files (LZO with excluded pages, zlib).
HOST_PACKAGES+=(makedumpfile)
OPTIONAL_HOST_PACKAGES=()

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

# The guest architectures other than the host's (amd64).
FOREIGN_ARCHES=(arm64 i386)

# The arm64 and i386 packages are fetched with apt-get download, which needs
# the architecture in dpkg's list and its package indexes.
enable_foreign_arches() {
	local arch added=no
	for arch in "${FOREIGN_ARCHES[@]}"; do
		dpkg --print-foreign-architectures | grep -qx "$arch" && continue
		[ "$(id -u)" -eq 0 ] || unavailable "not root, cannot add the $arch architecture"
		rg_say "dpkg --add-architecture $arch"
		dpkg --add-architecture "$arch"
		added=yes
	done
	[ "$added" = no ] && return 0
	apt_updated=no
	apt_update_once
}

# The package name of a kernel package for one Debian architecture:
# kernel_pkg ARCH ABI [SUFFIX], e.g. linux-image-6.1.0-57-686-pae-dbg:i386.
kernel_pkg() {
	local arch=$1 abi=$2 suffix=${3:-} pkg
	pkg="linux-image-$abi-$(rg_flavour "$arch")$suffix"
	[ "$arch" = amd64 ] || pkg="$pkg:$arch"
	echo "$pkg"
}

# Candidate version of a package ("" when the archive has none).
candidate() {
	apt-cache policy "$1" 2>/dev/null |
		awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

# Download PACKAGE[:ARCH]=VERSION into DIR unless the .deb is already there;
# prints the path of the .deb. The architecture is part of the match: one
# version of busybox-static exists for arm64 and for i386.
download() {
	local pkg=$1 version=$2 dir=$3 name arch deb
	name=${pkg%%:*}
	arch=$(dpkg --print-architecture)
	[ "$name" = "$pkg" ] || arch=${pkg#*:}
	mkdir -p "$dir"
	# Debian escapes the epoch colon as %3a in file names.
	deb=$(find "$dir" -maxdepth 1 \( -name "${name}_${version//:/%3a}_$arch.deb" \
		-o -name "${name}_${version//:/%3a}_all.deb" \) | head -n 1)
	if [ -z "$deb" ]; then
		rg_say "apt-get download $pkg=$version"
		# -o APT::Sandbox::User=root: the _apt user could not write here.
		(cd "$dir" && apt_quietly apt-get download \
			-o APT::Sandbox::User=root "$pkg=$version") || unavailable "apt-get download $pkg=$version failed"
		deb=$(find "$dir" -maxdepth 1 \( -name "${name}_${version//:/%3a}_$arch.deb" \
			-o -name "${name}_${version//:/%3a}_all.deb" \) | head -n 1)
		[ -n "$deb" ] || rg_die "downloaded $pkg but cannot find its .deb in $dir"
	fi
	echo "$deb"
}

# ---------------------------------------------------------------- kernel ABI

# The version for which the archive has the image and the -dbg package of
# ABI $1 on every architecture, all of that one version; prints nothing (and
# fails) otherwise, naming on stderr the first package that does not fit.
abi_version() {
	local abi=$1 want="" arch suffix pkg v
	for arch in "${RG_DEBARCHES[@]}"; do
		for suffix in "" -dbg; do
			pkg=$(kernel_pkg "$arch" "$abi" "$suffix")
			v=$(candidate "$pkg")
			[ -n "$want" ] || want=$v
			if [ -z "$v" ] || [ "$v" != "$want" ]; then
				echo "$pkg: ${v:-not in the archive}${want:+ (want $want)}" >&2
				return 1
			fi
		done
	done
	echo "$want"
}

# The newest 6.1.0-NN for which the archive has the image and the -dbg
# package on every architecture, all of the same version.
choose_kernel_abi() {
	local abi v
	for abi in $(apt-cache pkgnames linux-image-6.1.0- |
		sed -n 's/^linux-image-\(6\.1\.0-[0-9]*\)-amd64$/\1/p' |
		sort -t- -k2,2nr); do
		if v=$(abi_version "$abi" 2>/dev/null); then
			echo "$abi $v"
			return 0
		fi
	done
	return 1
}

# Unpack the image package (vmlinuz, config, modules) of one architecture.
unpack_image() {
	local arch=$1 abi=$2 version=$3 dir=$4 pkg deb
	[ -e "$dir/.image-done" ] && return 0
	pkg=$(kernel_pkg "$arch" "$abi")
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
	release="$abi-$(rg_flavour "$arch")"
	pkg=$(kernel_pkg "$arch" "$abi" -dbg)
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

# busybox-static for a foreign architecture, unpacked into
# $RG_CACHE/busybox-ARCH (the amd64 one is the host's).
unpack_busybox() {
	local arch=$1 version=$2 dir="$RG_CACHE/busybox-$1" deb
	[ -e "$dir/.done-$version" ] && return 0
	deb=$(download "busybox-static:$arch" "$version" "$RG_CACHE/debs")
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
	local abi=$1 arch dir
	[ -n "$abi" ] || return 1
	for arch in "${RG_DEBARCHES[@]}"; do
		dir="$RG_CACHE/linux-$abi-$(rg_flavour "$arch")"
		[ -e "$dir/.image-done" ] && [ -e "$dir/.dbg-done" ] || return 1
	done
	for arch in "${FOREIGN_ARCHES[@]}"; do
		[ -n "$(rg_version "busybox-static:$arch")" ] &&
			[ -e "$RG_CACHE/busybox-$arch/.done-$(rg_version "busybox-static:$arch")" ] || return 1
	done
}

host_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo none; }

# write_versions ABI KVERSION : busybox versions come from bbversion[].
write_versions() {
	local abi=$1 kversion=$2 p arch
	{
		echo "# written by tests/realguest/provision.sh"
		echo "kernel_abi=$abi"
		for arch in "${RG_DEBARCHES[@]}"; do
			echo "$(kernel_pkg "$arch" "$abi")=$kversion"
			echo "$(kernel_pkg "$arch" "$abi" -dbg)=$kversion"
		done
		for arch in "${FOREIGN_ARCHES[@]}"; do
			echo "busybox-static:$arch=${bbversion[$arch]}"
		done
		for p in "${HOST_PACKAGES[@]}" "${OPTIONAL_HOST_PACKAGES[@]}"; do
			echo "host:$p=$(host_version "$p")"
		done
	} >"$RG_CACHE/versions.txt.tmp"
	mv "$RG_CACHE/versions.txt.tmp" "$RG_CACHE/versions.txt"
}

declare -A bbversion

main() {
	local refresh=no abi kversion arch cached_abi cached_kversion why v
	[ "${1:-}" = --refresh ] && refresh=yes
	if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
		unavailable "this is not a Debian system (no apt-get/dpkg-deb)"
	fi
	mkdir -p "$RG_CACHE"

	install_host_packages

	abi=$(rg_version kernel_abi)
	kversion=$(rg_version "linux-image-$abi-amd64")
	for arch in "${FOREIGN_ARCHES[@]}"; do
		bbversion[$arch]=$(rg_version "busybox-static:$arch")
	done
	# A complete cache is used as it is, without asking the archive. An
	# incomplete one (an interrupted run, or a guest architecture added
	# since) is completed with the ABI it has, if the archive still has
	# that ABI at the same version for every architecture; else with the
	# newest ABI the archive has now, which replaces the cached kernels.
	if [ "$refresh" = yes ] || ! cache_complete "$abi"; then
		enable_foreign_arches
		apt_update_once
		cached_abi=$abi cached_kversion=$kversion abi="" why=""
		if [ "$refresh" = no ] && [ -n "$cached_abi" ]; then
			# abi_version prints the version, or on failure the reason.
			if ! v=$(abi_version "$cached_abi" 2>&1); then
				why=$v
			elif [ "$v" != "$cached_kversion" ]; then
				why="the archive has $v"
			else
				abi=$cached_abi
				rg_say "completing the cache with its kernel ABI $abi ($kversion)"
			fi
		fi
		if [ -z "$abi" ]; then
			read -r abi kversion < <(choose_kernel_abi) ||
				unavailable "no linux-image-6.1.0-NN with -dbg for all of ${RG_DEBARCHES[*]}"
			# Loud: every guest's kernel changes, not just the new one's.
			[ -z "$why" ] || rg_say "NOTE: the cached kernel ABI $cached_abi ($cached_kversion) cannot be completed ($why): moving every guest to $abi ($kversion)"
		fi
		for arch in "${FOREIGN_ARCHES[@]}"; do
			bbversion[$arch]=$(candidate "busybox-static:$arch")
			[ -n "${bbversion[$arch]}" ] || unavailable "no busybox-static:$arch in the archive"
		done
		rg_say "kernel ABI $abi, version $kversion"
		for arch in "${RG_DEBARCHES[@]}"; do
			unpack_image "$arch" "$abi" "$kversion" "$RG_CACHE/linux-$abi-$(rg_flavour "$arch")"
			extract_debug "$arch" "$abi" "$kversion" "$RG_CACHE/linux-$abi-$(rg_flavour "$arch")"
		done
		for arch in "${FOREIGN_ARCHES[@]}"; do
			unpack_busybox "$arch" "${bbversion[$arch]}"
		done
		remove_other_kernels "$abi"
	fi
	write_versions "$abi" "$kversion"
	rg_say "ready: $RG_CACHE (kernel $abi, $kversion)"
}

main "$@"
