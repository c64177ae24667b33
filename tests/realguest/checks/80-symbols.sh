#!/usr/bin/env bash
# Usage: 80-symbols.sh GUEST DUMPDIR TRUTH.json
# Kernel symbols on a real guest's paging=false dump (elf-nopaging.core):
#   - every function and object symbol that vmcore-tool decodes from the
#     dump's kallsyms (no vmlinux) is where the -dbg package's System.map
#     says plus the KASLR offset (truth.json: kallsyms _stext - System.map
#     _stext): counted, 0 mismatches, and no name System.map lacks;
#   - the KASLR offset vmcore-tool finds (KERNELOFFSET; on i386 SYMBOL(_stext)
#     less the vmlinux's _stext, and without the vmlinux phys(_stext) less
#     the setup header's pref_address) equals truth's;
#   - `read` by name gives what QEMU read through the guest's MMU:
#     linux_banner (truth "version"), init_uts_ns (sysname, release),
#     jiffies_64 (truth "jiffies_64_value"); on arm64 and i386 (Debian
#     builds them without CONFIG_KALLSYMS_ALL) a data name needs the
#     vmlinux, and says so, but init_uts_ns comes from VMCOREINFO;
#   - a vmlinux where Debian installs it (/usr/lib/debug/boot/vmlinux-R,
#     under VMCORE_TOOL_DEBUG_ROOT; `vmcore-tool gdb DUMP` with no option
#     prints the release through it) is found by OSRELEASE with its build-id
#     checked, and remap's gdb command names it with the offset;
#   - `vmcore-tool gdb DUMP --vmlinux V -- -batch ...` prints truth's
#     release, and gdb's `info symbol` names each CPU's PC (and LR on
#     AArch64) as `info` does.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}
dump=$dir/elf-nopaging.core

version=$(truth_get "$truth" version)
release=$(truth_get "$truth" release)
kaslr=$(truth_get "$truth" kaslr_offset)
want_jiffies=$(truth_get "$truth" jiffies_64_value)
vmlinux=$(truth_get "$truth" kernel.vmlinux)
sysmap=$(truth_get "$truth" kernel.system_map)
[ -r "$vmlinux" ] && [ -r "$sysmap" ] ||
	{ check_fail "debug vmlinux and System.map are readable" "$vmlinux $sysmap" "bash tests/realguest/provision.sh"; check_done; exit; }
GDB=gdb-multiarch
command -v "$GDB" >/dev/null || { check_fail "$GDB is installed" "not on PATH" "bash tests/realguest/provision.sh"; check_done; exit; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# No vmlinux is found unless a check puts one under this root.
export VMCORE_TOOL_DEBUG_ROOT=$tmp/empty-root

# ---- kallsyms against System.map ---------------------------------------------

t0=$EPOCHREALTIME
if "$VT" symbols -q "$dump" >"$tmp/kallsyms.txt" 2>"$tmp/kallsyms.err"; then
	check_pass "symbols: kallsyms decoded from the dump ($(wc -l <"$tmp/kallsyms.txt") symbols, $(elapsed "$t0") s)"
else
	check_fail "symbols: kallsyms decoded from the dump" "$(head -3 "$tmp/kallsyms.err")" "$VT symbols $dump"
fi
result=$("$RG_PYTHON" - "$tmp/kallsyms.txt" "$sysmap" "$kaslr" <<'PY'
import sys
kallsyms, sysmap, offset = sys.argv[1], sys.argv[2], int(sys.argv[3], 16)
by_name = {}
for line in open(sysmap):
    f = line.split()
    if len(f) >= 3:
        by_name.setdefault(f[2], []).append(int(f[0], 16))
agree = mismatch = absent = 0
examples = []
for line in open(kallsyms):
    a, t, name = line.split()[:3]
    if t.lower() not in "tdbr":          # functions and objects only
        continue
    a = int(a, 16)
    if name not in by_name:
        absent += 1
        examples.append("%s not in System.map" % name)
    elif a in [(s + offset) % (1 << 64) for s in by_name[name]]:
        agree += 1
    else:
        mismatch += 1
        examples.append("%s at 0x%x, System.map+offset %s" % (name, a,
            " ".join("0x%x" % ((s + offset) % (1 << 64)) for s in by_name[name])))
print(agree, mismatch, absent, "; ".join(examples[:3]))
PY
)
read -r agree mismatch absent examples <<<"$result"
echo "  (kallsyms vs System.map + $kaslr: $agree agree, $mismatch mismatches, $absent not in System.map)"
check_true "kallsyms: over 10,000 function and object symbols agree with System.map + the offset ($agree)" \
	"$VT symbols $dump" test "${agree:-0}" -gt 10000
check_eq "kallsyms: symbols at another address than System.map + the offset" 0 "${mismatch:-?}" \
	"$VT symbols $dump  # $examples"
check_eq "kallsyms: names System.map does not have" 0 "${absent:-?}" "$VT symbols $dump  # $examples"

# ---- the KASLR offset ------------------------------------------------------------

offset_of() {
	"$VT" info --json -q "$@" | "$RG_PYTHON" -c '
import json, sys
k = json.load(sys.stdin)["kaslr"]
print(k["offset"] or "unknown", k["how"])'
}
read -r got how < <(offset_of --vmlinux "$vmlinux" "$dump")
check_eq "KASLR offset with the vmlinux ($how)" "$kaslr" "$got" "$VT info --vmlinux $vmlinux $dump"
case $guest in
i386)
	read -r got how < <(offset_of "$dump")
	# QEMU writes no KERNELOFFSET: without the vmlinux it comes from the
	# kernel's copy of the boot protocol's setup header (kernel/).
	check_eq "i386: KASLR offset without the vmlinux ($how)" "$kaslr setup_header" "$got $how" "$VT info $dump" ;;
*)
	check_eq "KASLR offset comes from VMCOREINFO KERNELOFFSET" kerneloffset "$how" "$VT info --json $dump" ;;
esac

# ---- read by name -------------------------------------------------------------------

name_off=$("$VT" info --json -q "$dump" | "$RG_PYTHON" -c '
import json, sys; print(json.load(sys.stdin)["vmcoreinfo"]["OFFSET(uts_namespace.name)"])')
# Debian's arm64 and 686-pae kernels have no CONFIG_KALLSYMS_ALL (truth took
# their data symbols from System.map): data names need the vmlinux, and the
# error says so; init_uts_ns still resolves, from VMCOREINFO SYMBOL().
vm=()
if [ "$(truth_get "$truth" symbol_sources.linux_banner)" != kallsyms ]; then
	msg=$("$VT" read -q "$dump" linux_banner 16 2>&1); rc=$?
	check_eq "no CONFIG_KALLSYMS_ALL: linux_banner is not found without a vmlinux (exit 1)" \
		1 "$rc" "$VT read $dump linux_banner"
	check_true "no CONFIG_KALLSYMS_ALL: the error says a vmlinux gives data names" \
		"$VT read $dump linux_banner" \
		grep -q 'no CONFIG_KALLSYMS_ALL): a vmlinux gives data names' <<<"$msg"
	vm=(--vmlinux "$vmlinux")
fi
want=$(truth_get "$truth" symbols.init_uts_ns)
got=$("$VT" symbols -q "$dump" init_uts_ns | awk '{print $2}')
check_eq "init_uts_ns resolves without a vmlinux (kallsyms or VMCOREINFO)" "$want" "$got" \
	"$VT symbols $dump init_uts_ns"
for sym in linux_banner init_uts_ns jiffies_64 _stext; do
	want=$(truth_get "$truth" "symbols.$sym")
	got=$("$VT" symbols -q "${vm[@]}" "$dump" "$sym" | awk '{print $2}')
	check_eq "$sym resolves to truth's address${vm:+ (with the vmlinux)}" "$want" "$got" \
		"$VT symbols ${vm[*]} $dump $sym"
done
got=$("$VT" read -q "${vm[@]}" "$dump" linux_banner ${#version} --format=raw 2>&1)
check_eq "read linux_banner (what QEMU read through the MMU)" "$version" "$got" \
	"$VT read ${vm[*]} $dump linux_banner ${#version} --format=raw"
"$VT" read -q "${vm[@]}" "$dump" init_uts_ns $((name_off + 6 * 65)) --format=raw >"$tmp/uts" 2>&1
got=$("$RG_PYTHON" -c '
import sys
b = open(sys.argv[1], "rb").read()[int(sys.argv[2]):]
field = lambda i: b[65 * i:65 * (i + 1)].split(b"\0")[0].decode("latin-1")
print(field(0), field(2))' "$tmp/uts" "$name_off")
check_eq "read init_uts_ns: sysname and release" "Linux $release" "$got" \
	"$VT read ${vm[*]} $dump init_uts_ns $((name_off + 6 * 65))"
got=$("$VT" read -q "${vm[@]}" "$dump" jiffies_64 8 --format=u64 | awk '{print $3}')
check_eq "read jiffies_64 8 --format=u64" "$want_jiffies" "$got" "$VT read ${vm[*]} $dump jiffies_64 8 --format=u64"

# ---- the vmlinux where Debian installs it ---------------------------------------------

root=$tmp/debian-root
mkdir -p "$root/usr/lib/debug/boot"
ln -s "$vmlinux" "$root/usr/lib/debug/boot/vmlinux-$release"
got=$(VMCORE_TOOL_DEBUG_ROOT=$root "$VT" info --json -q "$dump" | "$RG_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
v, k = d["vmlinux"], d["kaslr"]
print(v["how"], v["verified"], k["offset"])')
check_eq "vmlinux found by OSRELEASE under /usr/lib/debug/boot, build-id checked, offset" \
	"VMCOREINFO OSRELEASE True $kaslr" "$got" \
	"VMCORE_TOOL_DEBUG_ROOT=ROOT $VT info $dump  # ROOT/usr/lib/debug/boot/vmlinux-$release"
out=$tmp/remapped.core
if msg=$(VMCORE_TOOL_DEBUG_ROOT=$root "$VT" remap "$dump" -o "$out" 2>&1); then
	line=$(grep 'for gdb:' <<<"$msg")
	check_true "remap prints the gdb command with the offset and the found vmlinux" \
		"VMCORE_TOOL_DEBUG_ROOT=ROOT $VT remap $dump -o OUT" \
		grep -qF "symbol-file -o $(printf '0x%x' "$kaslr") $root/usr/lib/debug/boot/vmlinux-$release" <<<"$line"
else
	check_fail "remap runs" "$msg" "$VT remap $dump -o OUT"
fi
rm -f "$out"
# And `vmcore-tool gdb DUMP` with no option at all finds it too.
got=$(VMCORE_TOOL_DEBUG_ROOT=$root TMPDIR=$tmp timeout 300 "$VT" gdb --no-cache "$dump" -- -batch -nx \
	-ex 'printf "@@release=%s@@end\n", init_uts_ns.name.release' 2>&1 |
	sed -n 's/^@@release=\(.*\)@@end$/\1/p')
check_eq "vmcore-tool gdb DUMP, no option, the vmlinux where Debian installs it: init_uts_ns.name.release" \
	"$release" "$got" \
	"VMCORE_TOOL_DEBUG_ROOT=ROOT $VT gdb $dump -- -batch -ex 'p init_uts_ns.name.release'  # ROOT/usr/lib/debug/boot/vmlinux-$release"

# ---- vmcore-tool gdb: the release, and PCs named as gdb names them --------------------

# info's names for each CPU's PC (and LR on AArch64), by kallsyms alone.
# A CPU the dump caught in user space (PSTATE.EL 0 on AArch64; CS.DPL 3 in
# QEMU's note on x86, else an address below the kernel's half) has no kernel
# name to give, and gdb must find none either. Seen on the aarch64 guest, whose
# init was running on CPU 0 at the dump. Nor has an address outside the
# kernel's text, [_stext, _etext), a kallsyms name: seen on the aarch64
# guest, whose CPU 1 was caught in EL1 at the KPTI trampoline's IRQ vector
# (tramp_vectors+0x480, run through its fixmap alias; the trampoline lies
# after _etext, so kallsyms without KALLSYMS_ALL leaves it out) with its LR
# still the user's. gdb must then find none either.
"$VT" symbols --json -q "$dump" _stext _etext >"$tmp/text.json"
"$VT" info --json -q "$dump" | "$RG_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
r = {x["expr"]: int(x["address"], 16) for x in json.load(open(sys.argv[1]))["results"]}
for c in d["cpus"]:
    if "pstate" in c:                   # PSTATE.EL, bits 3:2
        user = (int(c["pstate"], 16) >> 2) & 3 == 0
    elif "cs_flags" in c:               # QEMU note: CS descriptor DPL, bits 14:13
        user = (int(c["cs_flags"], 16) >> 13) & 3 == 3
    else:                               # no mode saved: the kernel half
        user = int(c["pc"], 16) < (0xc0000000 if d["machine"] == "i386" else 1 << 63)
    for reg in ("pc", "lr"):
        if c.get(reg):
            text = r["_stext"] <= int(c[reg], 16) < r["_etext"]
            print(c["cpu"], reg, c[reg], c.get(reg + "_symbol") or "-",
                  "user" if user else "kernel", c["mode"] or "-",
                  "text" if text else "outside")' "$tmp/text.json" >"$tmp/pcs"
check_true "info --json lists each CPU's PC, and symbols finds _stext and _etext" \
	"$VT symbols $dump _stext _etext; $VT info --json $dump" test -s "$tmp/pcs"
ex=()
while read -r cpu reg addr name mode said where; do
	ex+=(-ex "echo @@$cpu-$reg=" -ex "info symbol $addr" -ex 'echo @@end\n')
	[ "$reg" = pc ] && [ "$said" != - ] &&
		check_eq "info's mode of CPU $cpu (from its saved state)" "$mode" "$said" "$VT info --json $dump"
	if [ "$mode" = user ]; then
		echo "  (CPU $cpu's $reg $addr is in user space: no kernel name expected)"
		continue
	fi
	if [ "$where" = outside ]; then
		echo "  (CPU $cpu's $reg $addr is outside the kernel's text [_stext, _etext): info names it ${name/#-/nothing}; gdb must agree)"
		continue
	fi
	check_true "info names CPU $cpu's $reg $addr (as $name)" "$VT info $dump" test "$name" != -
done <"$tmp/pcs"
t0=$EPOCHREALTIME
TMPDIR=$tmp timeout 300 "$VT" gdb --no-cache --vmlinux "$vmlinux" "$dump" -- -batch -nx \
	-ex 'set pagination off' -ex 'set width 0' \
	-ex 'printf "@@release=%s@@end\n", init_uts_ns.name.release' "${ex[@]}" \
	>"$tmp/gdb.out" 2>&1
echo "  (vmcore-tool gdb: $(elapsed "$t0") s)"
repro="$VT gdb --vmlinux $vmlinux $dump -- -batch -ex 'p init_uts_ns.name.release'"
got=$(sed -n 's/^@@release=\(.*\)@@end$/\1/p' "$tmp/gdb.out")
check_eq "vmcore-tool gdb --vmlinux: init_uts_ns.name.release" "$release" "$got" "$repro"
clone_less() { sed -E 's/\.[0-9]+(\+0x[0-9a-f]+)?$/\1/' <<<"$1"; }
off_of() { case $1 in *+0x*) echo "${1##*+}" ;; *) echo 0x0 ;; esac; }
while read -r cpu reg addr name mode said where; do
	# gdb: "NAME + DEC in section .text" or "NAME in section .text".
	g=$(tr '\n' ' ' <"$tmp/gdb.out" | sed -n "s/.*@@$cpu-$reg=\([^@]*\)@@end.*/\1/p" |
		"$RG_PYTHON" -c '
import re, sys
m = re.match(r"\s*(\S+)(?: \+ (\d+))? in section", sys.stdin.read())
print(("%s+0x%x" % (m.group(1), int(m.group(2))) if m.group(2) else m.group(1)) if m else "-")')
	# gdb drops the number of a GCC clone's suffix (the kernel's and
	# System.map's mas_wr_store_entry.isra.0 is gdb's
	# mas_wr_store_entry.isra); kallsyms is checked against System.map
	# above, so here the number is left out on both sides. Where two names
	# share an address gdb may pick the other: then the offsets (the
	# symbol's start) must agree.
	a=$(clone_less "$name") b=$(clone_less "$g")
	if [ "$a" != "$b" ] && [ "$a" != - ] && [ "$b" != - ] && [ "$(off_of "$a")" = "$(off_of "$b")" ]; then
		echo "  (CPU $cpu $reg $addr: info says $name, gdb $g: two names at one address)"
		b=$a
	fi
	check_eq "CPU $cpu $reg $addr: info's name is gdb's info symbol" "$b" "$a" \
		"$VT gdb --vmlinux $vmlinux $dump -- -batch -ex 'info symbol $addr'"
done <"$tmp/pcs"
check_done
