#!/usr/bin/env bash
# Usage: mkinitramfs.sh ARCH      (x86_64|amd64|aarch64|arm64|i386)
#
# Build the busybox initramfs (cpio newc, gzip) for the cached Debian kernel
# of ARCH and print its path. /init is guest-init.sh; the image also carries
# the static busybox of ARCH and the modules that /init loads (qemu_fw_cfg
# and its dependencies, decompressed, when the kernel has it as a module).
# The image is rebuilt only when one of its inputs is newer than it.
# provision.sh must have run first.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 ARCH" >&2; exit 64; }
arch=$(rg_debarch "$1") || rg_die "unknown architecture '$1'"
release=$(rg_kernel_release "$arch") || rg_die "no kernel in the cache; run provision.sh"
root="$(rg_kernel_dir "$arch")/root"
moddir="$root/lib/modules/$release"
config="$root/boot/config-$release"
output="$RG_CACHE/initramfs-$release.cpio.gz"

case "$arch" in
amd64) busybox=/bin/busybox ;;	# the host's busybox-static
*) busybox="$RG_CACHE/busybox-$arch/bin/busybox" ;;	# provision.sh unpacks it
esac
[ -x "$busybox" ] || rg_die "no busybox at $busybox; run provision.sh"
case "$arch" in
amd64) want_machine="Advanced Micro Devices X86-64" ;;
arm64) want_machine=AArch64 ;;
i386) want_machine="Intel 80386" ;;
esac
# A busybox of another architecture makes a guest that panics at /init.
[ "$(readelf -h "$busybox" | sed -n 's/^ *Machine: *//p')" = "$want_machine" ] ||
	rg_die "$busybox is not built for $want_machine (it is for $(readelf -h "$busybox" | sed -n 's/^ *Machine: *//p')); remove $(dirname "$(dirname "$busybox")") and run provision.sh"
[ -r "$config" ] || rg_die "no kernel config at $config; run provision.sh"

# Modules to load, dependencies first, as "name path" lines.
modules=()

# Path of the module file called NAME (modules.dep is not in the package:
# Debian makes it at install time, so search the tree).
module_file() {
	local name=$1
	find "$moddir" \( -name "$name.ko*" -o -name "${name//_/-}.ko*" \) -print -quit
}

add_module() {
	local name=$1 file deps dep entry
	for entry in "${modules[@]+"${modules[@]}"}"; do
		[ "${entry%% *}" = "$name" ] && return 0
	done
	file=$(module_file "$name")
	[ -n "$file" ] || rg_die "module $name not found under $moddir"
	deps=$(readelf -p .modinfo "$(plain_module "$file")" 2>/dev/null |
		sed -n 's/.*\] *depends=//p')
	for dep in ${deps//,/ }; do
		add_module "$dep"
	done
	modules+=("$name $file")
}

# Decompressed copy of a module (busybox insmod cannot be relied on to
# decompress), cached in the staging area; prints its path.
plain_module() {
	local file=$1 out
	out="$stage/lib/modules/$(basename "${file%.*}")"
	case "$file" in
	*.ko) out="$stage/lib/modules/$(basename "$file")"; cp "$file" "$out" ;;
	*.ko.xz) xz -dc "$file" >"$out" ;;
	*.ko.zst) zstd -qdc "$file" >"$out" ;;
	*.ko.gz) gzip -dc "$file" >"$out" ;;
	*) rg_die "unknown module compression: $file" ;;
	esac
	# Check that it really is a module built for this kernel.
	readelf -p .modinfo "$out" | grep -q "vermagic=$release " ||
		rg_die "$file: not a module for $release"
	echo "$out"
}

# Is the image older than any of its inputs?
needs_rebuild() {
	local input
	[ -s "$output" ] || return 0
	# .image-done is touched after the kernel package (and so every module)
	# was unpacked.
	for input in "$RG_DIR/guest-init.sh" "$RG_DIR/mkinitramfs.sh" "$busybox" \
		"$(rg_kernel_dir "$arch")/.image-done"; do
		[ "$output" -nt "$input" ] || return 0
	done
	return 1
}

build() {
	local fw_cfg entry
	mkdir -p "$stage/bin" "$stage/dev" "$stage/etc" "$stage/lib/modules"
	cp "$busybox" "$stage/bin/busybox"
	install -m 0755 "$RG_DIR/guest-init.sh" "$stage/init"
	# The kernel opens /dev/console on the initramfs before /init runs;
	# creating the node needs root, and /init reopens it anyway.
	[ "$(id -u)" -ne 0 ] || mknod -m 600 "$stage/dev/console" c 5 1

	fw_cfg=$(sed -n 's/^CONFIG_FW_CFG_SYSFS=//p' "$config")
	case "$fw_cfg" in
	y) rg_say "qemu_fw_cfg is built in" ;;
	m) add_module qemu_fw_cfg ;;
	*) rg_die "$release has no qemu_fw_cfg (CONFIG_FW_CFG_SYSFS unset); VMCOREINFO would be missing" ;;
	esac
	: >"$stage/etc/modules.load"
	for entry in "${modules[@]+"${modules[@]}"}"; do
		echo "/lib/modules/$(basename "$(plain_module "${entry#* }")")" >>"$stage/etc/modules.load"
	done

	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -9n >"$output.tmp"
	mv "$output.tmp" "$output"
}

if needs_rebuild; then
	stage=$(mktemp -d)
	chmod 755 "$stage"	# it becomes the guest's /
	trap 'rm -rf "$stage"' EXIT
	build
	rg_say "built $output ($(stat -c %s "$output") bytes, modules: $(printf '%s ' "${modules[@]%% *}"))"
fi
echo "$output"
