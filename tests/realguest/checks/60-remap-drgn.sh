#!/usr/bin/env bash
# Usage: 60-remap-drgn.sh GUEST DUMPDIR TRUTH.json
# drgn, a real consumer, opens `vmcore-tool remap` output (gdb layout, and
# the crash layout too) of the paging=false dump with Debian's python3-drgn
# and the debug vmlinux; drgn finds KASLR itself from VMCOREINFO. It must
# read init_uts_ns.name.release (`uname -r`) and jiffies_64 (the value QEMU
# read at the dump instant). drgn 0.0.22 cannot translate kernel addresses
# in QEMU's paging=false dump itself (REALGUEST.md); for contrast, what it
# does with that input is printed here, and not judged.
# i386: the kernel writes no KERNELOFFSET into VMCOREINFO, so drgn would
# look symbols up at their link-time addresses; remap adds it to its
# output (kernel/complete.c, from boot_params.hdr.pref_address), and drgn
# must read the right values by symbol, and at the run-time addresses
# (truth.json: System.map + the kallsyms offset) with vmlinux's types.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}
case "$guest" in
x86_64-* | i386) ;;
*) echo "  (AArch64: remap with gdb-multiarch, drgn and RAM bytes is checked in 45-arm64.sh)"; check_done; exit ;;
esac
if ! drgn_version=$("$RG_PYTHON" -c 'import drgn; print(drgn.__version__)' 2>&1); then
	check_fail "drgn imports in $RG_PYTHON" "$drgn_version" "apt-get install python3-drgn (tests/realguest/provision.sh does)"
	check_done
	exit
fi
echo "  (drgn $drgn_version)"

release=$(truth_get "$truth" release)
want_jiffies=$(truth_get "$truth" jiffies_64_value)
vmlinux=$(truth_get "$truth" kernel.vmlinux)
[ -r "$vmlinux" ] || { check_fail "debug vmlinux is readable" "$vmlinux" "bash tests/realguest/provision.sh"; check_done; exit; }
input=$dir/elf-nopaging.core

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# The reader: "key<TAB>value" lines, or "key<TAB><error: ...>" for a value
# drgn could not read.
cat >"$tmp/read.py" <<'PY'
import sys
import drgn

core, vmlinux = sys.argv[1], sys.argv[2]
# Run-time addresses, when the symbols' own cannot be trusted (i386).
at = dict(zip(("init_uts_ns", "jiffies_64"), (int(a, 16) for a in sys.argv[3:5])))
prog = drgn.Program()
prog.set_core_dump(core)
try:
    prog.load_debug_info([vmlinux])
except drgn.MissingDebugInfoError as e:
    # Kernel modules have no debug info here; vmlinux is what matters.
    print("note\t%s" % str(e).splitlines()[0][:200])
print("flags\t%s" % prog.flags)

def value(key, fn):
    try:
        print("%s\t%s" % (key, fn()))
    except Exception as e:
        print("%s\t<error: %s: %s>" % (key, type(e).__name__, e))

value("release", lambda: prog["init_uts_ns"].name.release.string_().decode())
value("jiffies", lambda: prog["jiffies_64"].value_())
if at:
    value("symbol_at", lambda: "init_uts_ns %#x jiffies_64 %#x" % (
        prog["init_uts_ns"].address_, prog["jiffies_64"].address_))
    value("release_at", lambda: drgn.Object(prog, "struct uts_namespace",
        address=at["init_uts_ns"]).name.release.string_().decode())
    value("jiffies_at", lambda: drgn.Object(prog, "u64",
        address=at["jiffies_64"]).value_())
PY

# i386: the run-time addresses, for read.py.
at=()
[ "$guest" != i386 ] || at=("$(truth_get "$truth" symbols.init_uts_ns)" "$(truth_get "$truth" symbols.jiffies_64)")

# drgn_read LABEL CORE : run the reader, fill val[].
declare -A val
drgn_read() {
	local label=$1 core=$2 t0 key got rc
	val=()
	t0=$EPOCHREALTIME
	timeout 300 "$RG_PYTHON" "$tmp/read.py" "$core" "$vmlinux" "${at[@]+"${at[@]}"}" >"$tmp/drgn-$label.txt" 2>&1
	rc=$?
	echo "  ($label: drgn $(elapsed "$t0") s, exit $rc)"
	while IFS=$'\t' read -r key got; do val[$key]=$got; done <"$tmp/drgn-$label.txt"
	[ -n "${val[release]-}" ] || [ -n "${val[release_at]-}" ] || sed 's/^/         | /' "$tmp/drgn-$label.txt" | head -n 15
}

drgn_repro() {
	printf '%s -c %s' "$RG_PYTHON" "'import drgn; p = drgn.Program(); p.set_core_dump(\"/tmp/$1.core\"); p.load_debug_info([\"$vmlinux\"]); print(p[\"init_uts_ns\"].name.release, p[\"jiffies_64\"])'"
}

for layout in gdb crash; do
	label=$layout-layout out=$tmp/$layout-layout.core
	remap_to "$label" "$input" "$out" --layout=$layout || continue
	repro_remap=$REMAP_REPRO
	drgn_read "$label" "$out"
	repro="$repro_remap && $(drgn_repro "$label")"
	if [ "$guest" = i386 ]; then
		check_eq "$label: drgn struct uts_namespace at init_uts_ns's run-time address: release" \
			"$release" "${val[release_at]-}" "$repro_remap && drgn.Object(prog, 'struct uts_namespace', address=${at[0]})"
		check_eq "$label: drgn u64 at jiffies_64's run-time address" \
			"$want_jiffies" "${val[jiffies_at]-}" "$repro_remap && drgn.Object(prog, 'u64', address=${at[1]})"
		check_eq "$label: drgn init_uts_ns.name.release by symbol (KERNELOFFSET added by remap)" \
			"$release" "${val[release]-}" "$repro"
		check_eq "$label: drgn jiffies_64 by symbol" "$want_jiffies" "${val[jiffies]-}" "$repro"
		printf '  (%s: by symbol, drgn places %s, run-time %s %s)\n' "$label" \
			"${val[symbol_at]-?}" "${at[0]}" "${at[1]}"
	else
		check_eq "$label: drgn init_uts_ns.name.release" "$release" "${val[release]-}" "$repro"
		check_eq "$label: drgn jiffies_64" "$want_jiffies" "${val[jiffies]-}" "$repro"
		printf '  (%s: drgn says release %s, jiffies_64 %s)\n' "$label" "${val[release]-?}" "${val[jiffies]-?}"
	fi
	rm -f "$out"
done

# The contrast, not judged: QEMU's paging=false dump as it is.
drgn_read raw-input "$input"
printf '  (raw paging=false input, for contrast only: drgn says release %s, jiffies_64 %s)\n' \
	"${val[release]-?}" "${val[jiffies]-?}"
check_done
