#!/usr/bin/env bash
# Usage: 20-info.sh GUEST DUMPDIR TRUTH.json
# `vmcore-tool info` on each ELF dump agrees with the guest: CPU count, the
# paging mode (CR4.LA57 on the 5-level guest, PAE on i386), on x86 each
# CPU's CR3 as readelf finds it in the CPU's QEMU note, VMCOREINFO, and a RAM
# map that holds every System RAM range of the guest's /proc/iomem.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}

case "$guest" in
x86_64-5l) want_paging=5-level ;;
x86_64-*) want_paging=4-level ;;
aarch64) want_paging=aarch64 ;;
i386) want_paging=PAE ;;
esac

dumps=0
for dump in "$dir"/elf-nopaging.core "$dir"/elf-paging.core; do
	[ -e "$dump" ] || continue
	dumps=$((dumps + 1))
	name=${dump##*/}
	repro="$VT info $dump"
	cpus=$(truth_get "$truth" cpus)
	# QEMUCPUState.cr[3] is at byte 416 (FORMATS.md 1.3); ARM has no QEMU note.
	note_cr3=""
	case "$guest" in
	aarch64) ;;
	*) for ((c = 0; c < cpus; c++)); do note_cr3+="$(core_qemu_u64 "$dump" "$c" 416) "; done ;;
	esac
	json=$("$VT" info --json -q "$dump") || { check_fail "$name: info runs" "" "$repro"; continue; }
	got=$("$RG_PYTHON" - "$truth" "$want_paging" "$note_cr3" <<PY
import json, sys
d = json.loads('''$json''')
t = json.load(open(sys.argv[1]))
want = sys.argv[2]
print("cpus", len(d["cpus"]), t["cpus"])
print("paging", " ".join(c["paging"] for c in d["cpus"]), " ".join([want] * t["cpus"]))
if d["machine"] == "x86_64":
    print("la57", all(int(c["cr4"], 16) >> 12 & 1 for c in d["cpus"]), t["la57"])
for i, want in enumerate(sys.argv[3].split()):
    c = d["cpus"][i] if i < len(d["cpus"]) else {}
    print("cpu%d-cr3" % i, c.get("cr3"), want)
vi = d["vmcoreinfo"] or {}
print("osrelease", vi.get("OSRELEASE"), t["release"])
ram = [(int(r["start"], 16), int(r["end"], 16)) for r in d["ram"]]
for s, e in t["system_ram"]:
    s, e = int(s, 16), int(e, 16)
    inside = any(a <= s and e <= b for a, b in ram)
    print("ram-%x-%x" % (s, e), inside, True)
PY
)
	# (a parser that fails prints nothing: then nothing was compared)
	n=0
	while read -r what actual expected; do
		case $what in
		paging) actual=${actual// /,}; expected=${expected// /,} ;;
		esac
		check_eq "$name: $what" "$expected" "$actual" "$repro"
		n=$((n + 1))
	done < <("$RG_PYTHON" -c '
import sys
for line in sys.stdin:
    w = line.split()
    if w[0] == "paging":
        n = (len(w) - 1) // 2
        print(w[0], ",".join(w[1:1 + n]), ",".join(w[1 + n:]))
    else:
        print(*w)' <<<"$got")
	[ "$n" -gt 0 ] || check_fail "$name: info --json gave values to compare" "the parser printed nothing" "$repro"
done
[ "$dumps" -gt 0 ] || check_fail "an ELF dump to check" "neither elf-nopaging.core nor elf-paging.core in $dir" "ls -l $dir"
check_done
