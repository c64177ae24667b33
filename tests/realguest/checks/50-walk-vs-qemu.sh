#!/usr/bin/env bash
# Usage: 50-walk-vs-qemu.sh GUEST DUMPDIR TRUTH.json
# QEMU's own page walk (the PT_LOADs of its paging=true dump) against ours,
# page by page. QEMU walks every CPU's CR3 at dump time; we walk each CPU's
# CR3 (`maps --cpu N`) offline from the paging=false dump of the same
# stopped VM. Every page QEMU maps must be mapped by us to the same physical
# page, after correcting QEMU's sign extension of lower-half addresses
# (FORMATS.md §2: 0xffff0000_xxxxxxxx for 4-level, 0xfe00… for 5-level;
# PAE's 32-bit addresses need no correction).
# QEMU's merge can move a mapping's virtual start down without its physical
# start (FORMATS.md §2, mapping_merge()), when a page that touches the start
# of an existing run arrives later from another CPU's walk: that segment is
# then our mapping shifted by k pages. Such segments are recognised by that
# exact signature, named, and not counted against us.
# Pages we map and QEMU does not are explained: QEMU drops leaves whose
# physical address is not RAM (MMIO), and leaves with bits 52-62 set (it
# keeps those bits in the address, which then looks like MMIO).
# Then our walk of the paging=true dump itself must equal our walk of the
# paging=false one: the RAM map we derive from QEMU's aliases is complete
# enough to reach every page table.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2 truth=$3
VT=${VMCORE_TOOL:?}
case "$guest" in x86_64-* | i386) ;; *) echo "  (QEMU walks no ARM page tables)"; check_done; exit ;; esac
case "$guest" in *-5l) va_bits=57 ;; i386) va_bits=32 ;; *) va_bits=48 ;; esac

nopaging=$dir/elf-nopaging.core paging=$dir/elf-paging.core
cpus=$(truth_get "$truth" cpus)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
readelf -lW "$paging" > "$tmp/qemu.txt"
for ((c = 0; c < cpus; c++)); do
	"$VT" maps --json -q --cpu=$c "$nopaging" > "$tmp/ours-$c.json" ||
		check_fail "maps --cpu=$c runs" "" "$VT maps --cpu=$c $nopaging"
	"$VT" maps --json -q --cpu=$c "$paging" > "$tmp/ours-paging-$c.json" ||
		check_fail "maps --cpu=$c on the paging=true dump runs" "" "$VT maps --cpu=$c $paging"
done

"$RG_PYTHON" - "$tmp" "$cpus" "$va_bits" > "$tmp/result.txt" <<'PY'
import json, sys
tmp, cpus, va_bits = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
PAGE = 4096

def canonical_from_qemu(v):
    # QEMU builds lower-half addresses with the upper half's prefix.
    if not (v >> (va_bits - 1)) & 1:
        return v & ((1 << va_bits) - 1)
    return v

# Sets of (vaddr, paddr) pages: two CPUs may run processes that map one
# user address to different physical pages, and QEMU lists both.
qemu, seg_of, segs = set(), {}, []
for line in open(tmp + "/qemu.txt"):
    w = line.split()
    if not w or w[0] != "LOAD":
        continue
    off, v, p, filesz, memsz = (int(x, 16) for x in w[1:6])
    if off == 0xffffffffffffffff:
        continue
    v = canonical_from_qemu(v)
    segs.append((v, p, memsz))
    for i in range(0, memsz, PAGE):
        qemu.add((v + i, p + i))
        seg_of.setdefault((v + i, p + i), len(segs) - 1)

def ours_of(prefix):
    pages, not_ram = set(), set()
    for c in range(cpus):
        for r in json.load(open("%s-%d.json" % (prefix, c)))["ranges"]:
            v, p, n = int(r["vaddr"], 16), int(r["paddr"], 16), int(r["size"], 16)
            for i in range(0, n, PAGE):
                pages.add((v + i, p + i))
                if r["ram"] != "ram":
                    not_ram.add((v + i, p + i))
    return pages, not_ram

ours, not_ram = ours_of(tmp + "/ours")
our_vas = {v for v, _ in ours}
agree = len(qemu & ours)
differ = sorted(vp for vp in qemu - ours if vp[0] in our_vas)
missing = sorted(vp for vp in qemu - ours if vp[0] not in our_vas)
# Recognise QEMU's mapping_merge() signature in the segments that differ.
qemu_bug, bug_extra = set(), set()
for sid in sorted({seg_of[vp] for vp in differ}):
    v0, p0, n = segs[sid]
    candidates = [p for v, p in ours if v == v0]
    for p_ours in candidates:
        k = (p0 - p_ours) // PAGE
        if k >= 1 and all((v0 + i, p0 + i - k * PAGE) in ours for i in range(0, n, PAGE)):
            print("qemu_merge_bug segment vaddr %#x paddr %#x size %#x: our mapping "
                  "starts at paddr %#x (virt moved down %d page(s), phys not)"
                  % (v0, p0, n, p0 - k * PAGE, k))
            qemu_bug |= {(v0 + i, p0 + i) for i in range(0, n, PAGE)}
            bug_extra |= {(v0 + i, p0 + i - k * PAGE) for i in range(0, n, PAGE)}
            break
differ = [vp for vp in differ if vp not in qemu_bug]
print("qemu_bug_pages", len(qemu_bug))
extra = ours - qemu
extra_unexplained = sorted(extra - not_ram - bug_extra)
print("qemu_pages", len(qemu))
print("agree", agree)
print("differ", len(differ), " ".join("%x:%x" % d for d in differ[:3]))
print("missing", len(missing), " ".join("%x:%x" % d for d in missing[:3]))
print("extra_not_ram", len(extra) - len(extra_unexplained))
print("extra_unexplained", len(extra_unexplained), " ".join("%x:%x" % d for d in extra_unexplained[:3]))
ours_p, _ = ours_of(tmp + "/ours-paging")
print("paging_dump_walk_equal", ours_p == ours, len(ours ^ ours_p))
PY
cat "$tmp/result.txt" | sed 's/^/  /'
get() { awk -v k="$1" '$1 == k {print $2}' "$tmp/result.txt"; }
repro="VMCORE_TOOL=$VT bash $0 $guest $dir $truth"
qemu_pages=$(get qemu_pages)
[ "${qemu_pages:-0}" -gt 100000 ] && check_pass "QEMU's walk has $qemu_pages pages" ||
	check_fail "QEMU's walk has pages" "only ${qemu_pages:-0}" "$repro"
check_eq "pages QEMU maps that we map to another physical page" 0 "$(get differ)" "$repro"
check_eq "pages QEMU maps that we do not map" 0 "$(get missing)" "$repro"
check_eq "agreement with QEMU (pages), but for its own merge bug" "$qemu_pages" "$(( $(get agree) + $(get qemu_bug_pages) ))" "$repro"
check_eq "pages we map beyond QEMU that are not explained by MMIO" 0 "$(get extra_unexplained)" "$repro"
check_eq "our walk of the paging=true dump equals that of the paging=false dump" True "$(get paging_dump_walk_equal)" "$repro"
check_done
