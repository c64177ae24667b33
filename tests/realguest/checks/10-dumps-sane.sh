#!/usr/bin/env bash
# Usage: 10-dumps-sane.sh GUEST DUMPDIR TRUTH.json
#
# Are QEMU's dumps what the rest of the suite assumes? Checked with binutils'
# readelf, never with vmcore-tool, so that a bug in the tool cannot hide a
# bad input. Also checks that truth.json holds everything later checks need.

set -u
. "$(dirname "$0")/../lib.sh"

guest=$1 dir=$2 truth=$3

case "$guest" in
x86_64-*) machine="Advanced Micro Devices X86-64" qemu_notes=2 ;;
aarch64) machine=AArch64 qemu_notes=0 ;;	# QEMU writes no QEMU note on ARM
i386) machine="Intel 80386" qemu_notes=2 ;;
*) rg_die "unknown guest $guest" ;;
esac
case "$guest" in
*-5l) want_la57=true ;;
*) want_la57=false ;;
esac

release=$(truth_get "$truth" release)
cpus=$(truth_get "$truth" cpus)
vmlinux=$(truth_get "$truth" kernel.vmlinux)
kaslr=$(truth_get "$truth" kaslr_offset)
marker=$(truth_get "$truth" marker)

# --- truth.json: every key later checks rely on, well-formed.
problems=$("$RG_PYTHON" - "$truth" <<'PY'
import json, re, sys
t = json.load(open(sys.argv[1]))
addr = re.compile(r"^0x[0-9a-f]{16}$")
need = {"version": str, "release": str, "cmdline": str, "marker": str,
        "cpus": int, "la57": bool, "kaslr_offset": str, "symbols": dict,
        "system_ram": list, "kernel": dict, "qemu": dict, "dumps": dict,
        "jiffies_64_value": int}
for key, kind in need.items():
    if not isinstance(t.get(key), kind):
        print("%s missing or not %s" % (key, kind.__name__))
for name in ["_stext", "linux_banner", "init_uts_ns", "jiffies_64", "init_task"]:
    if not addr.match(t.get("symbols", {}).get(name, "")):
        print("symbols.%s missing or not 0x + 16 hex digits" % name)
if not addr.match(t.get("kaslr_offset", "")):
    print("kaslr_offset not 0x + 16 hex digits")
ram = t.get("system_ram") or [None]
if not all(isinstance(r, list) and len(r) == 2 and all(addr.match(a) for a in r)
           and int(r[0], 16) < int(r[1], 16) for r in ram):
    print("system_ram is not a non-empty list of [start, end) hex pairs")
if not t.get("marker", "").startswith("VMCORE-TOOL-MARKER "):
    print("marker does not start with VMCORE-TOOL-MARKER")
if not t.get("kernel", {}).get("version"):
    print("kernel.version missing")
if t.get("fw_cfg_vmcoreinfo") is not True:
    print("the guest had no /sys/firmware/qemu_fw_cfg/by_name/etc/vmcoreinfo")
PY
)
check_eq "truth.json complete" "" "$problems" "python3 -m json.tool $truth"
check_eq "truth: la57" "$want_la57" "$(truth_get "$truth" la57)" "grep la57 $truth"
check_eq "truth: cpus" 2 "$cpus" "grep cpus $truth"

# --- the dump set itself
expected_files="elf-nopaging.core kdump-zlib.core"
[ "$qemu_notes" -eq 0 ] || expected_files="$expected_files elf-paging.core"
for f in $expected_files; do
	check_true "$f exists" "ls -l $dir" test -s "$dir/$f"
done
check_eq "kdump-zlib.core is a flattened stream" "makedumpfile" \
	"$(head -c 12 "$dir/kdump-zlib.core")" "head -c 16 $dir/kdump-zlib.core | od -c"
if [ -e "$dir/kdump-zlib-plain.core" ]; then
	check_eq "kdump-zlib-plain.core is a kdump file" "KDUMP   " \
		"$(head -c 8 "$dir/kdump-zlib-plain.core")" "head -c 8 $dir/kdump-zlib-plain.core | od -c"
fi

vmlinux_build_id=$(readelf -nW "$vmlinux" | sed -n 's/.*Build ID: *//p' | head -n 1)

# --- each ELF dump
for core in "$dir"/elf-*.core; do
	name=${core##*/}
	header=$(readelf -hW "$core")
	phdrs=$(readelf -lW "$core")
	notes=$(readelf -nW "$core")

	check_eq "$name: ELF type" "CORE (Core file)" \
		"$(sed -n 's/^ *Type: *//p' <<<"$header")" "readelf -hW $core"
	check_eq "$name: machine" "$machine" \
		"$(sed -n 's/^ *Machine: *//p' <<<"$header")" "readelf -hW $core"
	check_eq "$name: one PT_NOTE, first" "NOTE 1" \
		"$(awk '$1 == "Type" { getline; print $1; exit }' <<<"$phdrs") $(grep -c '^ *NOTE ' <<<"$phdrs")" \
		"readelf -lW $core | head"
	check_true "$name: has PT_LOADs" "readelf -lW $core" grep -q '^ *LOAD ' <<<"$phdrs"
	# The guest wrote the marker to its log buffer; its text must be in RAM.
	check_true "$name: marker text in the dumped RAM" "grep -a -c -F '$marker' $core" \
		grep -q -a -F "$marker" "$core"
	check_eq "$name: CORE NT_PRSTATUS notes" "$cpus" \
		"$(grep -c '^ *CORE .*NT_PRSTATUS' <<<"$notes")" "readelf -nW $core"
	check_eq "$name: QEMU notes" "$qemu_notes" \
		"$(grep -c '^ *QEMU ' <<<"$notes")" "readelf -nW $core"
	check_eq "$name: VMCOREINFO notes" 1 \
		"$(grep -c '^ *VMCOREINFO ' <<<"$notes")" "readelf -nW $core"

	repro="(. $RG_DIR/lib.sh; core_note_text $core VMCOREINFO)"
	check_eq "$name: VMCOREINFO OSRELEASE = uname -r" "$release" \
		"$(core_vmcoreinfo "$core" OSRELEASE)" "$repro"
	check_eq "$name: VMCOREINFO BUILD-ID = the -dbg vmlinux's" "$vmlinux_build_id" \
		"$(core_vmcoreinfo "$core" BUILD-ID)" "$repro; readelf -n $vmlinux"
	if [ "$guest" = i386 ]; then
		# arch/x86/kernel/machine_kexec_32.c writes no KERNELOFFSET (nor
		# phys_base, nor pgtable_l5_enabled); it says CONFIG_X86_PAE. The
		# generic SYMBOL(_stext) is the run-time address, as on every arch.
		echo "  ($name: i386 VMCOREINFO has no KERNELOFFSET; the offset $kaslr is known from kallsyms;" \
			"QEMU wrote $(sed -n 's/^ *Class: *//p' <<<"$header") for EM_386)"
		check_eq "$name: VMCOREINFO CONFIG_X86_PAE" y "$(core_vmcoreinfo "$core" CONFIG_X86_PAE)" "$repro"
		check_eq "$name: VMCOREINFO SYMBOL(_stext) = kallsyms _stext" "$(truth_get "$truth" symbols._stext)" \
			"$(printf '0x%016x' "0x$(core_vmcoreinfo "$core" 'SYMBOL(_stext)')")" "$repro"
	else
		# KERNELOFFSET is hex without 0x; truth's offset came from kallsyms.
		check_eq "$name: VMCOREINFO KERNELOFFSET = kallsyms offset" "$kaslr" \
			"$(printf '0x%016x' "0x$(core_vmcoreinfo "$core" KERNELOFFSET)")" "$repro"
	fi

	if [ "$qemu_notes" -gt 0 ]; then
		if [ "$guest" != i386 ]; then
			l5=$(core_vmcoreinfo "$core" 'NUMBER(pgtable_l5_enabled)')
			check_eq "$name: VMCOREINFO pgtable_l5_enabled" \
				"$([ "$want_la57" = true ] && echo 1 || echo 0)" "$l5" "$repro"
		fi
		# CR4.PAE is bit 5 and CR4.LA57 bit 12 (Intel SDM vol. 3A, 2.5);
		# cr[4] is at 424. Every x86 guest here runs PAE-based paging.
		for ((cpu = 0; cpu < cpus; cpu++)); do
			cr4=$(core_qemu_u64 "$core" "$cpu" 424)
			[ "$guest" != i386 ] || check_eq "$name: CPU $cpu CR4.PAE" true \
				"$( ((cr4 & 1 << 5)) && echo true || echo false)" "$repro"
			check_eq "$name: CPU $cpu CR4.LA57" "$want_la57" \
				"$( ((cr4 & 1 << 12)) && echo true || echo false)" "$repro"
		done
	fi
done

check_done
