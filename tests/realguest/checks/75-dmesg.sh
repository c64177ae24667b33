#!/usr/bin/env bash
# Usage: 75-dmesg.sh GUEST DUMPDIR TRUTH.json
# `vmcore-tool dmesg` reads the kernel log from VMCOREINFO alone (no
# vmlinux), on every input format in DUMPDIR (elf-nopaging, elf-paging on
# x86, and QEMU's kdump-zlib, flattened and reassembled, where this build
# reads kdump). Each must:
#   - print the marker line the guest wrote to its log (truth.json, also in
#     serial.log);
#   - equal, line for line, crash's `log` (x86_64: crash runs there), and
#     everywhere the text of kexec-tools' vmcore-dmesg and of makedumpfile
#     --dump-dmesg (the guest architecture's build), both reading the crash
#     layout of the paging=false dump. vmcore-dmesg does not indent the
#     further lines of a multi-line record as crash does, so for it the
#     leading blanks of such lines are ignored.
# --json must hold the same records, --raw the syslog prefix.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}

marker=$(truth_get "$truth" marker)
vmlinux=$(truth_get "$truth" kernel.vmlinux)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The guest wrote the marker's id to its console too (guest-init.sh).
grep -qaF "${marker##* }" "$dir/serial.log" && check_pass "serial.log holds the marker's id" ||
	check_fail "serial.log holds the marker's id" "${marker##* }" "grep '${marker##* }' $dir/serial.log"

# The references, from the crash layout of the paging=false dump.
input=$dir/elf-nopaging.core
remap_to crash-layout "$input" "$tmp/crash.core" --layout=crash || { check_done; exit; }
refs=()
if vmcore-dmesg "$tmp/crash.core" >"$tmp/vmcore-dmesg.txt" 2>"$tmp/vmcore-dmesg.err"; then
	check_pass "vmcore-dmesg reads the crash layout"
	refs+=(vmcore-dmesg)
else
	check_fail "vmcore-dmesg reads the crash layout" "$(head -n 3 "$tmp/vmcore-dmesg.err")" \
		"$REMAP_REPRO && vmcore-dmesg /tmp/crash-layout.core"
fi
if rg_tool "$guest" makedumpfile; then
	if "${RG_TOOL[@]}" --dump-dmesg "$tmp/crash.core" "$tmp/makedumpfile.txt" >"$tmp/mdf.err" 2>&1; then
		check_pass "makedumpfile --dump-dmesg reads the crash layout"
		refs+=(makedumpfile)
	else
		check_fail "makedumpfile --dump-dmesg reads the crash layout" "$(tail -n 3 "$tmp/mdf.err")" \
			"$REMAP_REPRO && ${RG_TOOL[*]} --dump-dmesg /tmp/crash-layout.core /tmp/dmesg.txt"
	fi
else
	check_fail "a makedumpfile for $guest" "none (tools-$(rg_debarch "$guest") missing?)" "bash tests/realguest/provision.sh"
fi
case $guest in
x86_64-*)
	printf 'echo @@log\nlog\necho @@end\nquit\n' >"$tmp/crash.cmd"
	t0=$EPOCHREALTIME
	if timeout 600 crash -s --no_scroll "$vmlinux" "$tmp/crash.core" <"$tmp/crash.cmd" >"$tmp/crash.out" 2>&1; then
		awk '/^@@end/ {on = 0} on {print} /^@@log/ {on = 1}' "$tmp/crash.out" >"$tmp/crash.txt"
		echo "  (crash log: $(elapsed "$t0") s, $(wc -l <"$tmp/crash.txt") lines)"
		refs+=(crash)
	else
		check_fail "crash reads the crash layout" "$(tail -n 3 "$tmp/crash.out")" \
			"$REMAP_REPRO && crash $vmlinux /tmp/crash-layout.core"
	fi
	;;
esac
rm -f "$tmp/crash.core"

# vmcore-dmesg prints a record's further lines as they are.
unindent() { sed -E '/^\[/!s/^ +//' "$1"; }

for f in elf-nopaging elf-paging kdump-zlib kdump-zlib-plain; do
	core=$dir/$f.core
	[ -e "$core" ] || continue
	repro="$VT dmesg $core"
	if ! "$VT" dmesg "$core" >"$tmp/$f.txt" 2>"$tmp/$f.err"; then
		if grep -q 'not supported yet' "$tmp/$f.err"; then
			echo "  ($f: this build reads no kdump input yet: $(head -n 1 "$tmp/$f.err"))"
			continue
		fi
		check_fail "$f: dmesg runs" "$(head -n 3 "$tmp/$f.err")" "$repro"
		continue
	fi
	check_pass "$f: dmesg runs, $(wc -l <"$tmp/$f.txt") lines"
	[ -s "$tmp/$f.err" ] && check_fail "$f: dmesg warns of nothing" "$(head -n 3 "$tmp/$f.err")" "$repro"
	grep -qF "] $marker" "$tmp/$f.txt" && check_pass "$f: the marker line" ||
		check_fail "$f: the marker line" "no '$marker' in the output" "$repro | grep VMCORE-TOOL-MARKER"
	for ref in "${refs[@]}"; do
		if [ "$ref" = vmcore-dmesg ]; then
			same=$(diff <(unindent "$tmp/$ref.txt") <(unindent "$tmp/$f.txt") | head -n 6)
		else
			same=$(diff "$tmp/$ref.txt" "$tmp/$f.txt" | head -n 6)
		fi
		[ -z "$same" ] && check_pass "$f: equals $ref line for line" ||
			check_fail "$f: equals $ref line for line" "$same" "$repro"
	done
	if [ "$f" = elf-nopaging ]; then
		"$VT" dmesg --json "$core" >"$tmp/j.json" 2>/dev/null
		n=$("$RG_PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = d["records"]
ok = d["format"] == "printk_ringbuffer" and all(x["state"] in ("committed", "finalized") for x in r)
ok = ok and any(sys.argv[2] in x["text"] for x in r) and all(0 <= x["level"] <= 7 for x in r)
print(len(r) if ok else -1)' "$tmp/j.json" "$marker" 2>&1)
		records=$(grep -c '^\[' "$tmp/$f.txt")
		check_eq "$f: --json has every record, the marker, levels 0-7" "$records" "$n" "$VT dmesg --json $core"
		"$VT" dmesg --raw "$core" | grep -qE "^<[0-9]+>\[ *[0-9]+\.[0-9]{6}\] $marker" &&
			check_pass "$f: --raw prefixes <N>" ||
			check_fail "$f: --raw prefixes <N>" "no '<N>[...] $marker' line" "$VT dmesg --raw $core"
	fi
done
check_done
