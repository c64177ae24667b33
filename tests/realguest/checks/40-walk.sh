#!/usr/bin/env bash
# Usage: 40-walk.sh GUEST DUMPDIR TRUTH.json
# The walker against the guest's own view, on the paging=false dump (x86):
# linux_banner read through the page tables is /proc/version; init_uts_ns's
# release is `uname -r`; jiffies_64 is the value QEMU read at the dump
# instant; and the same holds from every CPU's root and from swapper_pg_dir
# (--swapper; on i386 also as --cr3 = VMCOREINFO SYMBOL(swapper_pg_dir) -
# the kernel config's PAGE_OFFSET, which --swapper assumes). vtop of
# linux_banner agrees with the kernel's own arithmetic for its image.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}
case "$guest" in x86_64-* | i386) ;; *) echo "  (x86 walker: not for $guest)"; check_done; exit ;; esac

dump=$dir/elf-nopaging.core
version=$(truth_get "$truth" version)
release=$(truth_get "$truth" release)
cpus=$(truth_get "$truth" cpus)
banner=$(truth_get "$truth" symbols.linux_banner)
uts=$(truth_get "$truth" symbols.init_uts_ns)
jiffies=$(truth_get "$truth" symbols.jiffies_64)
want_jiffies=$(truth_get "$truth" jiffies_64_value)
# struct uts_namespace.name (VMCOREINFO OFFSET) + new_utsname.release (65 * 2)
name_off=$("$VT" info --json -q "$dump" | "$RG_PYTHON" -c '
import json, sys; print(json.load(sys.stdin)["vmcoreinfo"]["OFFSET(uts_namespace.name)"])')
release_va=$(printf '0x%x' $((uts + name_off + 130)))

# The i386 kernel's linear map: phys = virt - PAGE_OFFSET (__pa()), with
# PAGE_OFFSET from the kernel's own config.
config=$(dirname "$(truth_get "$truth" kernel.vmlinuz)")/config-$release
page_offset=$(sed -n 's/^CONFIG_PAGE_OFFSET=//p' "$config")
case "$guest" in
x86_64-*) roots=(--swapper) ;;
i386)
	swapper=0x$(core_vmcoreinfo "$dump" 'SYMBOL(swapper_pg_dir)')
	roots=(--swapper "--cr3=$(printf '0x%x' $((swapper - page_offset)))")
	echo "  (swapper_pg_dir $swapper also as ${roots[1]}, PAGE_OFFSET $page_offset from the config)"
	;;
esac
for ((c = 0; c < cpus; c++)); do roots+=("--cpu=$c"); done
for root in "${roots[@]}"; do
	got=$("$VT" read -q "$root" "$dump" "$banner" ${#version} --format=raw 2>&1)
	check_eq "linux_banner via $root" "$version" "$got" "$VT read $root $dump $banner ${#version} --format=raw"
	got=$("$VT" read -q "$root" "$dump" "$release_va" 65 --format=raw | tr -d '\0')
	check_eq "init_uts_ns release via $root" "$release" "$got" "$VT read $root $dump $release_va 65"
	got=$("$VT" read -q "$root" "$dump" "$jiffies" 8 --format=raw | od -An -tu8 | tr -d ' ')
	check_eq "jiffies_64 via $root" "$want_jiffies" "$got" "$VT read $root $dump $jiffies 8"
done
# vtop agrees with the kernel's own arithmetic for the kernel image.
pa=$("$VT" vtop --json -q "$dump" "$banner" | "$RG_PYTHON" -c '
import json, sys; print(json.load(sys.stdin)["translations"][0]["paddr"])')
case "$guest" in
x86_64-*)
	# phys = virt - __START_KERNEL_map + phys_base.
	want=$("$VT" info --json -q "$dump" | "$RG_PYTHON" -c "
import json, sys
pb = int(json.load(sys.stdin)['vmcoreinfo']['NUMBER(phys_base)'])
print('0x%016x' % (($banner - 0xffffffff80000000 + pb) % (1 << 64)))")
	# (if both commands failed, two empty strings would agree)
	check_eq "vtop linux_banner = virt - __START_KERNEL_map + phys_base" "${want:-<no phys_base from info --json>}" "$pa" "$VT vtop $dump $banner"
	;;
i386)
	# The i386 image lies in the linear map.
	want=$(printf '0x%016x' $((banner - ${page_offset:-0})))
	check_eq "vtop linux_banner = virt - PAGE_OFFSET ($page_offset, $config)" "$want" "$pa" "$VT vtop $dump $banner"
	;;
esac
check_done
