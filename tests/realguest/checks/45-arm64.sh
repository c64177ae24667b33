#!/usr/bin/env bash
# Usage: 45-arm64.sh GUEST DUMPDIR TRUTH.json
# AArch64, where QEMU saves no TTBR and no tool before read a kernel
# variable from a QEMU dump: the walk (root from VMCOREINFO) reads
# linux_banner, init_uts_ns's release and jiffies_64 as the guest had them;
# remap's output opens in gdb-multiarch (debug vmlinux at the KASLR offset)
# and in drgn and gives the same values; and every RAM byte of the output
# equals the input's.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}
case "$guest" in aarch64) ;; *) echo "  (AArch64 check: not for $guest)"; check_done; exit ;; esac

dump=$dir/elf-nopaging.core
version=$(truth_get "$truth" version)
release=$(truth_get "$truth" release)
cpus=$(truth_get "$truth" cpus)
banner=$(truth_get "$truth" symbols.linux_banner)
uts=$(truth_get "$truth" symbols.init_uts_ns)
jiffies=$(truth_get "$truth" symbols.jiffies_64)
want_jiffies=$(truth_get "$truth" jiffies_64_value)
kaslr=$(truth_get "$truth" kaslr_offset)
vmlinux=$(truth_get "$truth" kernel.vmlinux)
name_off=$("$VT" info --json -q "$dump" | "$RG_PYTHON" -c '
import json, sys; print(json.load(sys.stdin)["vmcoreinfo"]["OFFSET(uts_namespace.name)"])')
release_va=$(printf '0x%x' $((uts + name_off + 130)))

got=$("$VT" read -q "$dump" "$banner" ${#version} --format=raw 2>&1)
check_eq "linux_banner through the AArch64 tables" "$version" "$got" "$VT read $dump $banner ${#version} --format=raw"
got=$("$VT" read -q "$dump" "$release_va" 65 --format=raw | tr -d '\0')
check_eq "init_uts_ns release" "$release" "$got" "$VT read $dump $release_va 65"
got=$("$VT" read -q "$dump" "$jiffies" 8 --format=raw | od -An -tu8 | tr -d ' ')
check_eq "jiffies_64" "$want_jiffies" "$got" "$VT read $dump $jiffies 8"
# The kernel image is linked at kimage_voffset above its physical address.
want=$("$VT" info --json -q "$dump" | "$RG_PYTHON" -c "
import json, sys
v = int(json.load(sys.stdin)['vmcoreinfo']['NUMBER(kimage_voffset)'], 16)
print('0x%016x' % (($banner - v) % (1 << 64)))")
pa=$("$VT" vtop --json -q "$dump" "$banner" | "$RG_PYTHON" -c '
import json, sys; print(json.load(sys.stdin)["translations"][0]["paddr"])')
# (if both commands failed, two empty strings would agree)
check_eq "vtop linux_banner = virt - kimage_voffset" "${want:-<no kimage_voffset from info --json>}" "$pa" "$VT vtop $dump $banner"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for layout in gdb crash; do
	out=$tmp/$layout.elf
	if ! "$VT" remap -q --layout=$layout "$dump" -o "$out"; then
		check_fail "remap --layout=$layout" "" "$VT remap --layout=$layout $dump -o OUT"
		continue
	fi
	repro="gdb-multiarch -batch -ex 'core-file OUT' -ex 'symbol-file -o $kaslr $vmlinux' -ex 'p init_uts_ns.name.release'"
	gdb_out=$(timeout 300 gdb-multiarch -batch -nx -ex 'set pagination off' \
		-ex "core-file $out" -ex "symbol-file -o $kaslr $vmlinux" \
		-ex 'printf "REL=%s\n", init_uts_ns.name.release' \
		-ex 'printf "JIF=%llu\n", jiffies_64' \
		-ex 'printf "COMM=%s\n", init_task.comm' -ex 'info threads' 2>&1)
	check_eq "$layout layout: gdb init_uts_ns.name.release" "$release" \
		"$(sed -n 's/^REL=//p' <<<"$gdb_out")" "$repro"
	check_eq "$layout layout: gdb jiffies_64" "$want_jiffies" \
		"$(sed -n 's/^JIF=//p' <<<"$gdb_out")" "$repro"
	check_eq "$layout layout: gdb init_task.comm" "swapper/0" \
		"$(sed -n 's/^COMM=//p' <<<"$gdb_out")" "$repro"
	check_eq "$layout layout: gdb threads" "$cpus" \
		"$(grep -cE '^\*? +[0-9]+ +LWP' <<<"$gdb_out")" "$repro"
	# drgn (Debian's 0.0.22) cannot translate in the raw dump
	# ("recursive address translation"); it reads our output.
	drgn_out=$(timeout 300 "$RG_PYTHON" - "$out" "$vmlinux" 2>&1 <<'PY'
import sys, drgn
p = drgn.Program()
p.set_core_dump(sys.argv[1])
p.load_debug_info([sys.argv[2]])
print("REL=" + p["init_uts_ns"].name.release.string_().decode())
print("JIF=%d" % int(p["jiffies_64"]))
PY
)
	check_eq "$layout layout: drgn init_uts_ns.name.release" "$release" \
		"$(sed -n 's/^REL=//p' <<<"$drgn_out")" "drgn on OUT: $drgn_out"
	check_eq "$layout layout: drgn jiffies_64" "$want_jiffies" \
		"$(sed -n 's/^JIF=//p' <<<"$drgn_out")" "drgn on OUT"
	# Every RAM byte by physical address, input against output: the bytes
	# the input holds (available), each read succeeding (two failed reads
	# would compare equal), and at least one range.
	n=0
	while read -r start size; do
		if "$VT" read -q --phys --format=raw "$dump" "$start" "$size" >"$tmp/ram.in" &&
		   "$VT" read -q --phys --format=raw "$out" "$start" "$size" >"$tmp/ram.out" &&
		   cmp -s "$tmp/ram.in" "$tmp/ram.out"; then
			check_pass "$layout layout: RAM $start (+$size) equal"
		else
			check_fail "$layout layout: RAM $start (+$size) equal" "" \
				"cmp <($VT read --phys --format=raw $dump $start $size) <($VT read --phys --format=raw OUT $start $size)"
		fi
		n=$((n + 1))
	done < <("$VT" info --json -q "$dump" | "$RG_PYTHON" -c '
import json, sys
for r in json.load(sys.stdin)["ram"]:
    print(r["start"], r["available"])')
	rm -f "$tmp/ram.in" "$tmp/ram.out"
	[ "$n" -gt 0 ] || check_fail "$layout layout: RAM ranges to compare" "info --json listed none" "$VT info --json $dump"
	rm -f "$out"
done
check_done
