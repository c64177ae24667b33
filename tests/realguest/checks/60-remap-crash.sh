#!/usr/bin/env bash
# Usage: 60-remap-crash.sh GUEST DUMPDIR TRUTH.json
# crash, a real consumer, opens `vmcore-tool remap` output of the
# paging=false dump with the distribution's debug vmlinux, in both layouts:
# --layout=crash (made for it: a kernel-image PT_LOAD, then one per RAM
# range) and the default gdb layout (~65,000 PT_LOADs by virtual address,
# then the filler at p_vaddr 0; crash reads by p_paddr only, FORMATS.md §4,
# so it must cope with that too). In each:
#   sys               RELEASE is `uname -r` in the guest
#   log               holds the marker line the guest wrote to its log
#   rd -a linux_banner prints /proc/version
#   p jiffies_64      is the value QEMU read at the dump instant
# and crash prints the same for both layouts (ps, kmem -i and bt -a too), but
# for the DUMPFILE line. The crash layout's first PT_LOAD (the kernel image)
# gives crash the VMCOREINFO phys_base by its fallback arithmetic
# (FORMATS.md §4: phys_base = p_paddr - (p_vaddr - __START_KERNEL_map)).
# crash runs the host architecture only (REALGUEST.md), hence x86_64 here.
# Each output is ~550 MB; it is deleted as soon as crash has read it.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}
case "$guest" in
x86_64-*) ;;
# FORMATS.md §9: seen with crash:i386 on every kind of dump.
i386) echo "  (crash 8.0.2 cannot read a Linux 6.1 i386 kernel from any dump: cannot resolve \"sys_open\"; Debian's amd64 crash reads x86_64 only)"; check_done; exit ;;
*) echo "  (Debian's crash reads host-architecture dumps only: not for $guest)"; check_done; exit ;;
esac
command -v crash >/dev/null || { check_fail "crash is installed" "not on PATH" "bash tests/realguest/provision.sh"; check_done; exit; }

version=$(truth_get "$truth" version)
release=$(truth_get "$truth" release)
marker=$(truth_get "$truth" marker)
want_jiffies=$(truth_get "$truth" jiffies_64_value)
vmlinux=$(truth_get "$truth" kernel.vmlinux)
[ -r "$vmlinux" ] || { check_fail "debug vmlinux is readable" "$vmlinux" "bash tests/realguest/provision.sh"; check_done; exit; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# crash reads its commands from stdin; `echo @@NAME` marks where each
# command's output starts, for the parser below.
cat >"$tmp/commands" <<'EOF'
echo @@sys
sys
echo @@log
log
echo @@rd
rd -a linux_banner
echo @@p
p jiffies_64
echo @@extra
ps
kmem -i
bt -a
echo @@quit
quit
EOF

# parse_crash FILE : "key<TAB>value" lines: release (sys), marker (1 when the
# log holds the marker), banner (rd -a, its lines joined), jiffies (p).
parse_crash() {
	"$RG_PYTHON" - "$1" "$marker" <<-'PY'
	import re, sys
	text = open(sys.argv[1], errors="replace").read()
	# rd -a ends without a newline, so a marker may start mid-line.
	parts = re.split(r"@@(\w+)\n?", text)
	sect = dict(zip(parts[1::2], parts[2::2]))
	m = re.search(r"^\s*RELEASE: (\S+)", sect.get("sys", ""), re.M)
	print("release\t%s" % (m.group(1) if m else ""))
	print("marker\t%d" % (sys.argv[2] in sect.get("log", "")))
	rd = re.findall(r"^[0-9a-f]{16}:  (.*)$", sect.get("rd", ""), re.M)
	print("banner\t%s" % "".join(rd).replace("\n", "\\n"))
	m = re.search(r"=\s*(\d+)\s*$", sect.get("p", ""))
	print("jiffies\t%s" % (m.group(1) if m else ""))
	print("reached_end\t%d" % ("quit" in sect))
	PY
}

# show_section FILE NAME : crash's output for one command (or, for "start",
# what it printed before the first command), indented, at most 15 lines.
show_section() {
	"$RG_PYTHON" - "$1" "$2" <<-'PY'
	import re, sys
	parts = re.split(r"@@(\w+)\n?", open(sys.argv[1], errors="replace").read())
	sect = dict(zip(parts[1::2], parts[2::2]), start=parts[0])
	lines = [l for l in sect.get(sys.argv[2], "<no output: crash did not get this far>").splitlines() if l.strip()]
	for l in lines[:15]:
	    print("         | " + l)
	if len(lines) > 15:
	    print("         | ... (%d more lines)" % (len(lines) - 15))
	PY
}

# crash_check LABEL CORE REPRO_REMAP
crash_check() {
	local label=$1 core=$2 repro_remap=$3 out="$tmp/crash-$1.txt" t0 rc key got
	local -A val=()
	t0=$EPOCHREALTIME
	timeout 300 crash -s "$vmlinux" "$core" <"$tmp/commands" >"$out" 2>&1
	rc=$?
	echo "  ($label: crash $(elapsed "$t0") s, exit $rc)"
	while IFS=$'\t' read -r key got; do val[$key]=$got; done < <(parse_crash "$out")
	local repro="$repro_remap && printf 'sys\\nlog\\nrd -a linux_banner\\np jiffies_64\\n' | crash -s $vmlinux /tmp/$label.core"
	local fails=$RG_CHECK_FAILS
	check_eq "$label: crash ran every command and quit (exit $rc)" "0 1" "$rc ${val[reached_end]-}" "$repro"
	[ "$RG_CHECK_FAILS" -eq "$fails" ] || { echo "       crash printed before its first command:"; show_section "$out" start; }
	fails=$RG_CHECK_FAILS
	check_eq "$label: crash sys RELEASE" "$release" "${val[release]-}" "$repro"
	[ "$RG_CHECK_FAILS" -eq "$fails" ] || { echo "       crash's sys printed:"; show_section "$out" sys; }
	fails=$RG_CHECK_FAILS
	check_eq "$label: crash log holds the guest's marker '$marker'" 1 "${val[marker]-}" "$repro"
	[ "$RG_CHECK_FAILS" -eq "$fails" ] || { echo "       crash's log printed:"; show_section "$out" log; }
	fails=$RG_CHECK_FAILS
	# rd -a stops at the banner's trailing newline.
	check_eq "$label: crash rd -a linux_banner" "$version" "${val[banner]%\\n}" "$repro"
	[ "$RG_CHECK_FAILS" -eq "$fails" ] || { echo "       crash's rd printed:"; show_section "$out" rd; }
	fails=$RG_CHECK_FAILS
	check_eq "$label: crash p jiffies_64" "$want_jiffies" "${val[jiffies]-}" "$repro"
	[ "$RG_CHECK_FAILS" -eq "$fails" ] || { echo "       crash's p printed:"; show_section "$out" p; }
	printf '  (%s: crash says RELEASE %s, jiffies_64 = %s, marker in log: %s)\n' "$label" \
		"${val[release]-?}" "${val[jiffies]-?}" "$([ "${val[marker]-}" = 1 ] && echo yes || echo no)"
}

# remap_and_check LABEL [REMAP OPTIONS...]
remap_and_check() {
	local label=$1 input=$dir/elf-nopaging.core out="$tmp/$1.core"
	shift
	remap_to "$label" "$input" "$out" "$@" || return
	local repro_remap=$REMAP_REPRO
	if [ "$label" = crash-layout ]; then
		local first want fv fp
		first=$(readelf -lW "$out" | awk '$1 == "LOAD" { print $3, $4; exit }')
		read -r fv fp <<<"$first"
		want=$(core_vmcoreinfo "$input" 'NUMBER(phys_base)')
		check_eq "$label: first PT_LOAD (p_vaddr p_paddr $first) gives phys_base = VMCOREINFO NUMBER(phys_base)" \
			"$want" "$("$RG_PYTHON" -c '
import sys
v, p = (int(x, 16) for x in sys.argv[1:3])
pb = (p - (v - 0xffffffff80000000)) % (1 << 64)
print(pb - (1 << 64) if pb >> 63 else pb)' "$fv" "$fp" 2>&1)" "readelf -lW /tmp/$label.core (after: $repro_remap)"
	fi
	crash_check "$label" "$out" "$repro_remap"
	rm -f "$out"
}

remap_and_check crash-layout --layout=crash
remap_and_check gdb-layout

# The same answers from both layouts, command by command.
if [ -s "$tmp/crash-crash-layout.txt" ] && [ -s "$tmp/crash-gdb-layout.txt" ]; then
	diff <(grep -v '^ *DUMPFILE: ' "$tmp/crash-crash-layout.txt") \
		<(grep -v '^ *DUMPFILE: ' "$tmp/crash-gdb-layout.txt") >"$tmp/diff.txt"
	check_eq "crash prints the same for the gdb layout as for the crash layout (sys, log, rd, p, ps, kmem -i, bt -a)" \
		0 "$(grep -c '^[<>]' "$tmp/diff.txt")" \
		"diff the output of: printf 'sys\\nlog\\nps\\nkmem -i\\nbt -a\\n' | crash -s $vmlinux CORE, for CORE = both layouts"
	head -n 20 "$tmp/diff.txt" | sed 's/^/       | /'
fi
check_done
