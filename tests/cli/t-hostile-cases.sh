# The fuzzing campaign's reproducers (../shared/hostile-cases/, issue 15),
# rebuilt here from their descriptions: each gives the right answer in
# bounded time and memory (hc_run: 60 s, 2 GiB peak RSS); neither bound is
# a speed test. Under `make check-sanitize`
# these run with ASan/UBSan, where a leak fails the command.
HC=$FX/hostile-cases
rm -rf "$HC"
mkdir -p "$HC"
hc_make() {	# NAME: generate $HC/NAME.core from $HC/NAME.core.txt
	"$PY" "$(dirname "${BASH_SOURCE[0]}")/../mkcore.py" "$HC/$1.core.txt" "$HC/$1.core" ||
		bad "hostile-case-$1-generate" "mkcore failed"
}
# Run a command with a 60 s and 2 GiB bound; stdout to $HC/out, stderr to
# $HC/err. The memory bound is the peak RSS (ulimit -v would stop ASan's
# shadow reservation, not a blow-up); past either bound the status is 99.
hc_run() {
	(cd "$HC" && "$PY" -c '
import resource, subprocess, sys
try:
    rc = subprocess.run(sys.argv[1:], stdout=open("out", "w"),
                        stderr=open("err", "w"), timeout=60).returncode
except subprocess.TimeoutExpired:
    print("timed out after 60 s", file=open("err", "a")); sys.exit(99)
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if kb > 2 << 20:
    print("peak RSS %d KiB, over 2 GiB" % kb, file=open("err", "a")); sys.exit(99)
sys.exit(rc)' "$@")
}

# F2: two PT_LOADs at different physical addresses share one p_offset. Each
# physical byte of the output comes from the input byte at that address.
cat >"$HC/F2-shared-offset.core.txt" <<'TXT'
# Why: PT_LOAD[2] (paddr 0, 4K) reuses the file offset of PT_LOAD[1] (paddr
# 0x100000); the walk maps 0xffffffff81000000 -> 0x110000. remap once placed
# segments by file offset and read other RAM's bytes there.
machine x86_64
class 64
layout old
note prstatus pid=1 rip=0xffffffff81000000 cs=0x10
note qemu cr0=0x80050033 cr3=0x100000 cr4=0x3606f0 cs.flags=0x209b00
ram 0x100000 128K
load 0x100000 128K
load 0x0 4K offset=0x418 filesz=4K memsz=4K
pte64 0x100000 511 0x101003   # PML4[511] -> PDPT 0x101000
pte64 0x101000 510 0x102003   # PDPT[510] -> PD 0x102000: 0xffffffff80000000
pte64 0x102000 8 0x103003     # PD[8] -> PT 0x103000: 0xffffffff81000000
pte64 0x103000 0 0x110003     # PT[0] -> page 0x110000
str 0x110000 "page 0x110000: the right bytes\n"
str 0x10f000 "page 0x10f000: WRONG bytes\n"
TXT
hc_make F2-shared-offset
want='page 0x110000: the right bytes'
hc_run "$VT" info F2-shared-offset.core
grep -q 'PT_LOAD\[1\] (physical 0x100000) and PT_LOAD\[2\] (physical 0x0) share file bytes at offset 0x418' "$HC/err" && ok ||
	bad hostile-F2-warning "$(cat "$HC/err")"
for layout in gdb crash; do
	if hc_run "$VT" remap -q --force-empty --layout=$layout F2-shared-offset.core -o f2-$layout.elf; then
		got=$(gdb -batch -nx -ex "core-file $HC/f2-$layout.elf" -ex 'x/s 0xffffffff81000000' 2>&1 | tail -1)
		case $got in *"$want"*) ok ;; *) bad "hostile-F2-$layout-bytes" "$got" ;; esac
		cmp -s <("$VT" read -q --phys --format=raw "$HC/F2-shared-offset.core" 0 4K) \
		       <("$VT" read -q --phys --format=raw "$HC/f2-$layout.elf" 0 4K) && ok ||
			bad "hostile-F2-$layout-phys0" "physical 0 differs from the input's"
	else
		bad "hostile-F2-$layout-runs" "$(cat "$HC/err")"
	fi
done

# R1: two CPUs map the last page of the address space differently; the gdb
# layout's PT_LOADs must not overlap (the run's end once wrapped to 0).
cat >"$HC/R1-top.core.txt" <<'TXT'
# Why: CPU 0 maps 0xffffffffffe00000 as a 2M page (its end is 2^64); CPU 1
# maps the last 4K page to other memory. The first mapping wins; no overlap.
machine x86_64
class 64
note prstatus pid=1 rip=0xffffffffffe00000 cs=0x10
note prstatus pid=2 rip=0xfffffffffffff000 cs=0x10
note qemu cr0=0x80050033 cr3=0x10000 cr4=0x3606f0 cs.flags=0x209b00
note qemu cr0=0x80050033 cr3=0x20000 cr4=0x3606f0 cs.flags=0x209b00
ram 0x0 4M
load 0x0 4M
pte64 0x10000 511 0x11003     # CPU 0: PML4[511] -> PDPT 0x11000
pte64 0x11000 511 0x12003     # PDPT[511] -> PD 0x12000
pte64 0x12000 511 0x2000e3    # PD[511]: 2M page 0x200000 at 0xffffffffffe00000
pte64 0x20000 511 0x21003     # CPU 1: PML4[511] -> PDPT 0x21000
pte64 0x21000 511 0x22003     # PDPT[511] -> PD 0x22000
pte64 0x22000 511 0x23003     # PD[511] -> PT 0x23000
pte64 0x23000 511 0x5000e3    # PT[511]: 4K page 0x300000... at 0xfffffffffffff000
TXT
hc_make R1-top
if hc_run "$VT" remap -q --force-empty R1-top.core -o r1.elf; then
	readelf -lW "$HC/r1.elf" | "$PY" -c '
import sys
v = sorted((int(l.split()[2], 16), int(l.split()[4], 16))
           for l in sys.stdin if l.split()[:1] == ["LOAD"] and int(l.split()[2], 16))
assert v, "no virtual PT_LOAD"
for (a, n), (b, _) in zip(v, v[1:]):
    assert a + n <= b, "overlap at %x" % b
assert v[-1] == (0xffffffffffe00000, 0x200000), v[-1]
' && ok || bad hostile-R1-overlap "$(readelf -lW "$HC/r1.elf" | grep LOAD | tail -3)"
else
	bad hostile-R1-runs "$(cat "$HC/err")"
fi

# R2: p_filesz claims 1 TiB, the file holds 1 MiB: budgets come from what
# the file holds (2^20 mappings here), not from the claim.
{
	echo "# Why: a 1 TiB p_filesz over 1 MiB of file, and tables shared 512 times"
	echo "# per level; the walk budget must follow the 1 MiB, not the 1 TiB."
	echo "machine x86_64"
	echo "class 64"
	echo "note qemu cr0=0x80050033 cr3=0x1000 cr4=0x20 cs.flags=0x209b00"
	echo "ram 0x0 1M"
	echo "load 0x0 1M filesz=0x10000000000 memsz=0x10000000000"
	for i in $(seq 0 511); do
		echo "pte64 0x1000 $i 0x2067"
		echo "pte64 0x2000 $i 0x3067"
		printf 'pte64 0x3000 %d 0x%x\n' "$i" $((0x10067 + (i % 16) * 0x1000))
	done
	for k in $(seq 0 15); do
		for j in $(seq 0 511); do
			printf 'pte64 0x%x %d 0x%x\n' $((0x10000 + k * 0x1000)) "$j" \
				$((0x80067 + (k * 512 + j) * 0x1000))
		done
	done
} >"$HC/R2-claim.core.txt"
hc_make R2-claim
if hc_run "$VT" maps --json R2-claim.core; then
	"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; sys.exit(0 if s["mappings"] == 1 << 20 and s["truncated"] else 1)' "$HC/out" &&
		ok || bad hostile-R2-bounded "$(tail -c 600 "$HC/out")"
else
	bad hostile-R2-runs "exit status or limits: $(tail -3 "$HC/err")"
fi

# R3: 1,000 small RAM ranges with gaps and 262,144 mappings: linear, not
# one scan of the RAM map per mapping.
{
	echo "# Why: 1000 4K RAM ranges with 4K gaps below 8M, and PML4[0..511] -> one"
	echo "# PDPT of 512 1G pages at physical 0: 262144 mappings over many ranges."
	echo "machine x86_64"
	echo "class 64"
	echo "note qemu cr0=0x80050033 cr3=0x40000000 cr4=0x20 cs.flags=0x209b00"
	echo "ram 0x40000000 8K"
	echo "load 0x40000000 8K"
	echo "load 0x0 4K count=1000 pstep=8K offset=0x1000 filesz=4K memsz=4K"
	for i in $(seq 0 511); do
		echo "pte64 0x40000000 $i 0x40001067"
		echo "pte64 0x40001000 $i 0xe7"
	done
} >"$HC/R3-ranges.core.txt"
hc_make R3-ranges
hc_run "$VT" maps R3-ranges.core && grep -q '^262144 ranges .* from 262144 mappings' "$HC/out" && ok ||
	bad hostile-R3-maps "$(tail -2 "$HC/out") $(tail -2 "$HC/err")"
# remap: every 1G page aliases all 1000 ranges (2.6e8 PT_LOADs). By default
# the 262,144 aliases of one physical GB fold into one; with --keep-aliases
# the PT_LOAD budget bounds them, with a warning, not memory.
hc_run "$VT" remap --dry-run --json R3-ranges.core && ok || bad hostile-R3-remap "$(tail -2 "$HC/err")"
"$PY" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["summary"]["virtual"] == 1000 else 1)' "$HC/out" &&
	ok || bad hostile-R3-folded "$(tail -c 300 "$HC/out")"
hc_run "$VT" remap --dry-run --keep-aliases R3-ranges.core && ok || bad hostile-R3-remap-keep "$(tail -2 "$HC/err")"
grep -q 'more than 1048576 PT_LOADs: mappings from virtual' "$HC/err" && ok || bad hostile-R3-budget "$(tail -2 "$HC/err")"

# F1: CPU 0 unusable (paging off), CPU 1 usable: the default root falls back
# to CPU 1; nothing leaks (LeakSanitizer under make check-sanitize).
cat >"$HC/F1-fallback.core.txt" <<'TXT'
# Why: the default root tries CPU 0 (paging off) first and uses CPU 1; the
# first attempt's error once leaked.
machine x86_64
class 64
note prstatus pid=1 rip=0x7c00 cs=0x0
note prstatus pid=2 rip=0xffffffff81000000 cs=0x10
note qemu cr0=0x10 cr3=0x0 cr4=0x0 cs.flags=0x9b00
note qemu cr0=0x80050033 cr3=0x1000 cr4=0x20 cs.flags=0x209b00
ram 0x0 64K
load 0x0 64K
pte64 0x1000 0 0x2067
pte64 0x2000 0 0xe7
TXT
hc_make F1-fallback
hc_run "$VT" info F1-fallback.core && grep -q '^walk root: *CPU 1 CR3 0x1000' "$HC/out" && ok ||
	bad hostile-F1-fallback "$(grep 'walk root' "$HC/out") $(tail -3 "$HC/err")"
hc_run "$VT" info --json F1-fallback.core && ok || bad hostile-F1-json "$(tail -3 "$HC/err")"
