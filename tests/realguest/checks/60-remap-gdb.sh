#!/usr/bin/env bash
# Usage: 60-remap-gdb.sh GUEST DUMPDIR TRUTH.json
# gdb, a real consumer, reads kernel variables from `vmcore-tool remap`
# output (gdb layout), with the distribution's debug vmlinux relocated by the
# KASLR offset (REALGUEST.md: `symbol-file -o OFFSET`; OFFSET is the guest's
# kallsyms _stext - System.map _stext, as QEMU's i386 dumps carry no
# KERNELOFFSET; on i386 gdb-multiarch is told `set architecture i386` and the
# output must be ELFCLASS32, gdb having no ELF64 i386 target). Inputs: QEMU's
# paging=false dump, QEMU's own paging=true dump, and the paging=false dump
# remapped with --kernel-only. For each output gdb must print:
#   init_uts_ns.name.release  = `uname -r` in the guest
#   (char *)linux_banner      = /proc/version, with its trailing "\n"
#   jiffies_64                = the value QEMU read at the dump instant
#   init_task.comm            = "swapper/0"
#   info threads              = one thread per CPU
# Each output is ~550 MB; it lives in a temporary directory and is deleted
# as soon as gdb has read it.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}
case "$guest" in
x86_64-*) gdb_arch="" kernel_start=0x8000000000000000 ;;	# gdb finds x86-64 itself
# PAGE_OFFSET (VMSPLIT_3G) is where the i386 kernel half starts.
i386) gdb_arch=i386 kernel_start=0xc0000000 ;;
*) echo "  (AArch64: remap with gdb-multiarch, drgn and RAM bytes is checked in 45-arm64.sh)"; check_done; exit ;;
esac
GDB=gdb-multiarch
command -v "$GDB" >/dev/null || { check_fail "$GDB is installed" "not on PATH" "bash tests/realguest/provision.sh"; check_done; exit; }

version=$(truth_get "$truth" version)
release=$(truth_get "$truth" release)
cpus=$(truth_get "$truth" cpus)
kaslr=$(truth_get "$truth" kaslr_offset)
want_jiffies=$(truth_get "$truth" jiffies_64_value)
vmlinux=$(truth_get "$truth" kernel.vmlinux)
[ -r "$vmlinux" ] || { check_fail "debug vmlinux is readable" "$vmlinux" "bash tests/realguest/provision.sh"; check_done; exit; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# The gdb commands, as -ex arguments. Markers (@@name=...@@end) let the
# parser below take each value out of gdb's output whatever else it prints.
gdb_args() {
	local core=$1
	printf '%s\0' -batch -nx \
		-ex "set pagination off" -ex "set width 0" \
		${gdb_arch:+-ex "set architecture $gdb_arch"} \
		-ex "core-file $core" \
		-ex "symbol-file -o $kaslr $vmlinux" \
		-ex 'printf "@@release=%s@@end\n", init_uts_ns.name.release' \
		-ex 'printf "@@banner=%s@@end\n", (char *)linux_banner' \
		-ex 'printf "@@jiffies=%llu@@end\n", jiffies_64' \
		-ex 'printf "@@comm=%s@@end\n", init_task.comm' \
		-ex 'echo @@threads=\n' -ex 'info threads' -ex 'echo @@end\n'
}

# The reproduce line: the same gdb session by hand on a kept output.
gdb_repro() {
	local core=$1 q="'"
	printf '%s -batch -nx%s -ex %s -ex %s -ex %s -ex %s -ex %s -ex %s -ex %s' "$GDB" \
		"${gdb_arch:+ -ex ${q}set architecture $gdb_arch$q}" \
		"${q}core-file $core$q" "${q}symbol-file -o $kaslr $vmlinux$q" \
		"${q}print init_uts_ns.name.release$q" "${q}print (char *)linux_banner$q" \
		"${q}print jiffies_64$q" "${q}print init_task.comm$q" "${q}info threads$q"
}

# parse_gdb FILE : "key<TAB>value" per marker; "\n" in a value is printed
# as the two characters \n; threads is the number of thread lines.
parse_gdb() {
	"$RG_PYTHON" - "$1" <<-'PY'
	import re, sys
	text = open(sys.argv[1], errors="replace").read()
	# A command that failed printed gdb's error and no @@end: its value
	# runs into the next marker, and is reported as that error.
	for m in re.finditer(r"@@(\w+)=(.*?)(@@end|(?=@@\w+=)|\Z)", text, re.S):
	    key, value = m.group(1), m.group(2)
	    if m.group(3) != "@@end":
	        value = "<gdb error: %s>" % value.strip().split("\n")[0]
	    elif key == "threads":
	        value = str(len(re.findall(r"^\*?\s+\d+\s+(?:LWP|Thread|process)\b", value, re.M)))
	    print("%s\t%s" % (key, value.replace("\\", "\\\\").replace("\n", "\\n")))
	PY
}

# gdb_check LABEL CORE REPRO_REMAP : run gdb on CORE and check every value.
gdb_check() {
	local label=$1 core=$2 repro_remap=$3 out="$tmp/gdb-$1.txt" t0 fails_before got key
	local -A val=()
	t0=$EPOCHREALTIME
	mapfile -d '' args < <(gdb_args "$core")
	timeout 300 "$GDB" "${args[@]}" >"$out" 2>&1
	echo "  ($label: gdb $(elapsed "$t0") s)"
	while IFS=$'\t' read -r key got; do val[$key]=$got; done < <(parse_gdb "$out")
	fails_before=$RG_CHECK_FAILS
	local repro
	repro="$repro_remap && $(gdb_repro "$core")"
	check_eq "$label: gdb init_uts_ns.name.release" "$release" "${val[release]-}" "$repro"
	check_eq "$label: gdb (char *)linux_banner (with its trailing \\n)" "$version\\n" "${val[banner]-}" "$repro"
	check_eq "$label: gdb jiffies_64" "$want_jiffies" "${val[jiffies]-}" "$repro"
	check_eq "$label: gdb init_task.comm" "swapper/0" "${val[comm]-}" "$repro"
	check_eq "$label: gdb info threads (one per CPU)" "$cpus" "${val[threads]-}" "$repro"
	if [ "$RG_CHECK_FAILS" -ne "$fails_before" ]; then
		echo "       gdb printed (errors and values):"
		grep -v -E '^\[New LWP|^$' "$out" | grep -E -i 'error|cannot|warning|@@|not |fail' | head -n 20 | sed 's/^/         /'
	fi
	printf '  (%s: release %s, jiffies_64 %s, comm %s, threads %s)\n' "$label" \
		"${val[release]-?}" "${val[jiffies]-?}" "${val[comm]-?}" "${val[threads]-?}"
}

# remap_and_check LABEL INPUT [REMAP OPTIONS...]
remap_and_check() {
	local label=$1 input=$2 out="$tmp/$1.core"
	shift 2
	remap_to "$label" "$input" "$out" "$@" || return
	local repro_remap=$REMAP_REPRO
	if [ "$guest" = i386 ]; then
		check_eq "$label: ELF class" ELF32 "$(readelf -hW "$out" | sed -n 's/^ *Class: *//p')" \
			"readelf -hW /tmp/$label.core (after: $repro_remap)"
	fi
	gdb_check "$label" "$out" "$repro_remap"
	# The espfix64 aliases (one physical page 65,536 times on x86_64) are
	# folded by default, so gdb opens a few hundred PT_LOADs; every truth
	# symbol above still reads. --keep-aliases keeps them all.
	local nload
	nload=$(readelf -lW "$out" | awk '$1 == "LOAD"' | wc -l)
	case $label in
	nopaging | paging-input)
		check_true "$label: 1 to 1000 PT_LOADs (has $nload)" "$repro_remap" \
			test "$nload" -ge 1 -a "$nload" -le 1000 ;;
	*-keep-aliases)
		case $guest in
		x86_64-*) check_true "$label: more than 65,536 PT_LOADs (has $nload)" \
				"$repro_remap" test "$nload" -gt 65536 ;;
		esac ;;
	esac
	if [ "$label" = nopaging-kernel-only ]; then
		# No PT_LOAD of the user half: p_vaddr below the kernel half's
		# start is the filler (p_vaddr 0) only.
		local user
		# (if readelf lists no PT_LOAD at all, the count says so, not 0)
		user=$(readelf -lW "$out" | "$RG_PYTHON" -c '
import sys
ks = int(sys.argv[1], 0)
loads = [l for l in sys.stdin if l.split()[:1] == ["LOAD"]]
print(sum(1 for l in loads if 0 < int(l.split()[2], 16) < ks) if loads else "no PT_LOAD")' "$kernel_start")
		check_eq "$label: no user-half PT_LOADs" 0 "$user" "readelf -lW /tmp/$label.core (after: $repro_remap)"
	fi
	rm -f "$out"
}

remap_and_check nopaging "$dir/elf-nopaging.core"
remap_and_check paging-input "$dir/elf-paging.core"
remap_and_check nopaging-kernel-only "$dir/elf-nopaging.core" --kernel-only
remap_and_check nopaging-keep-aliases "$dir/elf-nopaging.core" --keep-aliases
check_done
