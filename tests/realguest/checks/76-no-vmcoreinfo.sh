#!/usr/bin/env bash
# Usage: 76-no-vmcoreinfo.sh GUEST DUMPDIR TRUTH.json
# A dump without the VMCOREINFO note (a guest without -device vmcoreinfo,
# or without qemu_fw_cfg loaded), made from a copy of elf-nopaging.core
# whose note is renamed (VMCOREINFO -> VMCOREINFX: still a note, no longer
# the kernel's). With no options, vmcore-tool must find the kernel's own
# copy in RAM and:
#   info    say where it came from, with the release and build id of the note
#   vtop    translate linux_banner as on the original dump
#   dmesg   print the same log as on the original dump
#   maps, read, symbols, info --coverage: print what they print on it
#   remap   write both layouts, whose VMCOREINFO note is the text found (and
#           a VMCORE-TOOL note saying so), and drgn reads
#           init_uts_ns.name.release and jiffies_64 from them; crash reads
#           the crash layout (sys RELEASE, the marker in log; not on i386,
#           RG_CRASH_I386; on AArch64 Debian's crash:arm64 under qemu-user)
# on every guest, AArch64 included (whose page tables are found through
# VMCOREINFO only).
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}

release=$(truth_get "$truth" release)
marker=$(truth_get "$truth" marker)
banner=$(truth_get "$truth" symbols.linux_banner)
want_jiffies=$(truth_get "$truth" jiffies_64_value)
vmlinux=$(truth_get "$truth" kernel.vmlinux)
input=$dir/elf-nopaging.core
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
core=$tmp/no-vmcoreinfo.core

# The copy, with the note's name changed in place (reflinked where the file
# system can: only the header block is written).
cp --reflink=auto "$input" "$core" || { check_fail "copy the dump" "" "cp $input $core"; check_done; exit; }
off=$("$VT" info --json "$input" | "$RG_PYTHON" -c '
import json, sys
n = [x for x in json.load(sys.stdin)["notes"] if x["name"] == "VMCOREINFO"]
print(int(n[0]["offset"], 16) + 12 + 9 if n else "")')
if [ -z "$off" ]; then
	check_fail "the dump has a VMCOREINFO note to strip" "" "$VT info $input"
	check_done
	exit
fi
printf X | dd of="$core" bs=1 seek="$off" conv=notrunc status=none
strip_repro="cp $input /tmp/nv.core && printf X | dd of=/tmp/nv.core bs=1 seek=$off conv=notrunc"

# info: where the text came from, and that it is this kernel's.
"$VT" info --json "$input" >"$tmp/orig.json"
t0=$EPOCHREALTIME
"$VT" info --json "$core" >"$tmp/info.json" 2>"$tmp/info.err"
echo "  (info without the note: $(elapsed "$t0") s)"
got=$("$RG_PYTHON" - "$tmp/orig.json" "$tmp/info.json" <<'PY'
import json, sys
o, d = (json.load(open(p)) for p in sys.argv[1:3])
src = d.get("vmcoreinfo_source") or ""
vi = d.get("vmcoreinfo") or {}
names = [n["name"] for n in d["notes"]]
print("ok" if src.startswith("from RAM at paddr 0x") and src.endswith("note absent")
      and "VMCOREINFO" not in names and vi.get("OSRELEASE") == o["vmcoreinfo"]["OSRELEASE"]
      and vi.get("BUILD-ID") == o["vmcoreinfo"].get("BUILD-ID") and vi.get("SYMBOL(swapper_pg_dir)")
      == o["vmcoreinfo"]["SYMBOL(swapper_pg_dir)"] else "source %r, release %r" % (src, vi.get("OSRELEASE")))
print(src)
PY
)
check_eq "info: VMCOREINFO from RAM, the note's release, build id and swapper_pg_dir" ok "$(head -n 1 <<<"$got")" "$strip_repro && $VT info /tmp/nv.core"
echo "  (vmcoreinfo: $(tail -n 1 <<<"$got"))"
[ -s "$tmp/info.err" ] && check_fail "info: no warnings" "$(head -n 3 "$tmp/info.err")" "$strip_repro && $VT info /tmp/nv.core"

# vtop: the banner where the original dump has it.
want=$("$VT" vtop --json "$input" "$banner" 2>/dev/null | "$RG_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["translations"][0]["paddr"])')
got=$("$VT" vtop --json "$core" "$banner" 2>&1 | "$RG_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["translations"][0]["paddr"])' 2>&1)
check_eq "vtop linux_banner $banner" "$want" "$got" "$strip_repro && $VT vtop /tmp/nv.core $banner"

# dmesg: the same log.
"$VT" dmesg "$input" >"$tmp/dmesg-orig.txt" 2>/dev/null
if "$VT" dmesg "$core" >"$tmp/dmesg.txt" 2>"$tmp/dmesg.err" && cmp -s "$tmp/dmesg-orig.txt" "$tmp/dmesg.txt" &&
   [ -s "$tmp/dmesg.txt" ]; then
	check_pass "dmesg: the original dump's log ($(wc -l <"$tmp/dmesg.txt") lines)"
else
	check_fail "dmesg: the original dump's log" "$(head -n 3 "$tmp/dmesg.err"; diff "$tmp/dmesg-orig.txt" "$tmp/dmesg.txt" | head -n 4)" \
		"$strip_repro && $VT dmesg /tmp/nv.core"
fi

# The other commands print what they print on the original dump
# (`SUBCOMMAND -q DUMP ARGS`; of info, the coverage: the rest names the
# notes, which differ).
for cmd in "maps" "read $banner 256" "symbols" "info --coverage --width 64"; do
	sub=${cmd%% *} args=() keep='1,$p'
	[ "$sub" = "$cmd" ] || read -ra args <<<"${cmd#* }"
	[ "$sub" = info ] && keep='/^coverage:/,$p'
	"$VT" "$sub" -q "$input" "${args[@]}" 2>&1 | sed -n "$keep" >"$tmp/cmd-orig.txt"
	"$VT" "$sub" -q "$core" "${args[@]}" 2>&1 | sed -n "$keep" >"$tmp/cmd.txt"
	if [ "$(wc -l <"$tmp/cmd.txt")" -ge 4 ] && cmp -s "$tmp/cmd-orig.txt" "$tmp/cmd.txt"; then
		check_pass "${cmd%% --width*}: as on the original dump ($(wc -l <"$tmp/cmd.txt") lines)"
	else
		check_fail "${cmd%% --width*}: as on the original dump" "$(diff "$tmp/cmd-orig.txt" "$tmp/cmd.txt" | head -n 4)" \
			"$strip_repro && $VT $sub /tmp/nv.core ${args[*]}"
	fi
done

# remap, and drgn on the outputs.
cat >"$tmp/read.py" <<'PY'
import sys
import drgn
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
try:
    prog.load_debug_info([sys.argv[2]])
except drgn.MissingDebugInfoError:
    pass
for key, fn in (("release", lambda: prog["init_uts_ns"].name.release.string_().decode()),
                ("jiffies", lambda: prog["jiffies_64"].value_())):
    try:
        print("%s\t%s" % (key, fn()))
    except Exception as e:
        print("%s\t<error: %s: %s>" % (key, type(e).__name__, e))
PY
for layout in gdb crash; do
	label=$layout-layout out=$tmp/$layout.core
	remap_to "$label" "$core" "$out" --layout=$layout || continue
	src=$("$VT" info --json "$out" | "$RG_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print((d.get("vmcore_tool_note") or {}).get("TEXT", ""), d["vmcoreinfo"]["OSRELEASE"], sep="\t")')
	case $src in
	"from RAM at paddr "*"note absent	$release") check_pass "$label: the output's VMCOREINFO is the text from RAM, and says so" ;;
	*) check_fail "$label: the output's VMCOREINFO is the text from RAM, and says so" "$src" "$REMAP_REPRO && $VT info /tmp/$label.core" ;;
	esac
	declare -A val=()
	t0=$EPOCHREALTIME
	while IFS=$'\t' read -r key v; do val[$key]=$v; done < <(timeout 300 "$RG_PYTHON" "$tmp/read.py" "$out" "$vmlinux" 2>&1)
	echo "  ($label: drgn $(elapsed "$t0") s)"
	check_eq "$label: drgn init_uts_ns.name.release" "$release" "${val[release]-}" "$REMAP_REPRO && drgn -c /tmp/$label.core -s $vmlinux"
	check_eq "$label: drgn jiffies_64" "$want_jiffies" "${val[jiffies]-}" "$REMAP_REPRO && drgn -c /tmp/$label.core -s $vmlinux"
	if [ "$layout" = crash ]; then
		if [ "$guest" = i386 ]; then
			echo "  ($label: crash: not on i386: $RG_CRASH_I386)"
		elif ! rg_tool "$guest" crash; then
			check_fail "$label: crash for $guest" "none (tools-$(rg_debarch "$guest") missing?)" "bash tests/realguest/provision.sh"
		elif crash_run "$label" "$vmlinux" "$out" "$tmp"; then
			check_eq "$label: crash sys RELEASE" "$release" "$(sed -n 's/^ *RELEASE: //p' <<<"$crash_sys")" \
				"$REMAP_REPRO && ${RG_TOOL[*]} $vmlinux /tmp/$label.core"
			grep -qF "] $marker" <<<"$crash_log" && check_pass "$label: crash log has the marker" ||
				check_fail "$label: crash log has the marker" "$(tail -n 2 <<<"$crash_log")" \
					"$REMAP_REPRO && ${RG_TOOL[*]} $vmlinux /tmp/$label.core"
		else
			check_fail "$label: crash reads it" "" "$REMAP_REPRO && ${RG_TOOL[*]} $vmlinux /tmp/$label.core"
		fi
	fi
	rm -f "$out"
done
check_done
