#!/usr/bin/env bash
# Usage: 30-ptload.sh GUEST DUMPDIR TRUTH.json
# `vmcore-tool ptload --list` lists exactly the PT_LOADs readelf lists, in
# order, on every ELF dump (QEMU's paging=true ones have > 65,535).
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2
VT=${VMCORE_TOOL:?}

dumps=0
for dump in "$dir"/elf-nopaging.core "$dir"/elf-paging.core; do
	[ -e "$dump" ] || continue
	dumps=$((dumps + 1))
	name=${dump##*/}
	repro="diff <(readelf -lW $dump | awk '\$1 == \"LOAD\"') <($VT ptload --list $dump)"
	ours=$("$VT" ptload --list --json -q "$dump" | "$RG_PYTHON" -c '
import json, sys
for s in json.load(sys.stdin)["segments"]:
    off = s["offset"] if s["offset"] is not None else "0xffffffffffffffff"
    print(*(int(x, 16) for x in (off, s["vaddr"], s["paddr"], s["filesz"], s["memsz"])))')
	theirs=$(readelf -lW "$dump" | "$RG_PYTHON" -c '
import sys
for line in sys.stdin:
    w = line.split()
    if w and w[0] == "LOAD":
        print(*(int(x, 16) for x in w[1:6]))')
	# (two empty lists would be equal)
	[ -n "$theirs" ] || check_fail "$name: readelf lists PT_LOADs" "none" "readelf -lW $dump"
	n_ours=$(wc -l <<<"$ours")
	n_theirs=$(wc -l <<<"$theirs")
	check_eq "$name: PT_LOAD count" "$n_theirs" "$n_ours" "$repro"
	if [ "$ours" = "$theirs" ]; then
		check_pass "$name: every PT_LOAD equal to readelf's"
	else
		check_fail "$name: every PT_LOAD equal to readelf's" \
			"$(diff <(echo "$theirs") <(echo "$ours") | head -5)" "$repro"
	fi
done
[ "$dumps" -gt 0 ] || check_fail "an ELF dump to check" "neither elf-nopaging.core nor elf-paging.core in $dir" "ls -l $dir"
check_done
