#!/usr/bin/env bash
# Usage: 60-remap-bytes.sh GUEST DUMPDIR TRUTH.json
# `vmcore-tool remap` loses and changes no byte of RAM. For the gdb and the
# crash layout of the paging=false dump:
#   - the output's RAM map (`info --json` ram[]: start, size, available) is
#     the input's, and the output has no undescribed region (bytes no header
#     or segment accounts for) larger than 4 KiB;
#   - every RAM range of the input, read by physical address
#     (`read --phys --format=raw`), hashes the same in input and output;
#   - independently of vmcore-tool's reader, a small ELF parser here checks
#     every PT_LOAD of the output (virtual, kernel-image and filler alike):
#     its bytes at p_offset equal the input's RAM at p_paddr.
# Each output is ~550 MB; it is deleted as soon as it has been checked.
set -u
. "$(dirname "$0")/../lib.sh"
guest=$1 dir=$2	# $3, the truth, is not needed: the input is the truth here
VT=${VMCORE_TOOL:?}
case "$guest" in
x86_64-* | i386) ;;
*) echo "  (AArch64: remap with gdb-multiarch, drgn and RAM bytes is checked in 45-arm64.sh)"; check_done; exit ;;
esac
input=$dir/elf-nopaging.core

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# ram_ranges CORE : "start size available" per RAM range, from info --json.
ram_ranges() {
	"$VT" info --json -q "$1" | "$RG_PYTHON" -c '
import json, sys
for r in json.load(sys.stdin)["ram"]:
    print(r["start"], r["size"], r["available"])'
}

# big_undescribed CORE : undescribed regions larger than 4 KiB, one a line
# (and a line saying so if info --json failed: "none" must not be the answer).
big_undescribed() {
	"$VT" info --json -q "$1" | "$RG_PYTHON" -c '
import json, sys
for r in json.load(sys.stdin)["undescribed"]:
    if int(r["size"], 16) > 4096:
        print("offset %s size %s" % (r["file_offset"], r["size"]))' || echo "<info --json failed>"
}

# hash_phys CORE START SIZE : sha256 of the RAM range as `read --phys` gives
# it, and read's exit status ("HASH rc=N").
hash_phys() {
	local sum rc
	sum=$("$VT" read -q --phys "$1" "$2" "$3" --format=raw | sha256sum)
	rc=${PIPESTATUS[0]}
	echo "${sum%% *} rc=$rc"
}

# The independent check: every PT_LOAD of OUT against the input's RAM.
cat >"$tmp/segments.py" <<'PY'
import mmap, struct, sys

def phdrs(path):
    """ELF64 (x86_64 and QEMU's i386 dumps) or ELF32 (our i386 output)."""
    f = open(path, "rb")
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if m[:4] != b"\x7fELF" or m[4] not in (1, 2) or m[5] != 1:
        sys.exit("%s: not a little-endian ELF32 or ELF64 file" % path)
    elf64 = m[4] == 2
    if elf64:
        e_phoff, e_shoff = struct.unpack_from("<QQ", m, 32)
        e_phentsize, e_phnum = struct.unpack_from("<HH", m, 54)
    else:
        e_phoff, e_shoff = struct.unpack_from("<II", m, 28)
        e_phentsize, e_phnum = struct.unpack_from("<HH", m, 42)
    if e_phnum == 0xffff:  # PN_XNUM: the count is shdr[0].sh_info
        e_phnum = struct.unpack_from("<I", m, e_shoff + (44 if elf64 else 28))[0]
    loads = []
    for i in range(e_phnum):
        if elf64:
            p_type, p_flags, off, vaddr, paddr, filesz, memsz = struct.unpack_from(
                "<IIQQQQQ", m, e_phoff + i * e_phentsize)
        else:
            p_type, off, vaddr, paddr, filesz, memsz = struct.unpack_from(
                "<IIIIII", m, e_phoff + i * e_phentsize)
        if p_type == 1:
            loads.append((vaddr, paddr, off, filesz, memsz))
    return m, loads

inp, in_loads = phdrs(sys.argv[1])
out, out_loads = phdrs(sys.argv[2])
in_ram = sorted((p, off, fs) for _, p, off, fs, _ in in_loads if fs)

def input_bytes(pa, n):
    """The input's RAM at [pa, pa + n), or None where it has none."""
    res = bytearray()
    while n:
        for p, off, fs in in_ram:
            if p <= pa < p + fs:
                k = min(n, p + fs - pa)
                res += inp[off + pa - p:off + pa - p + k]
                pa, n = pa + k, n - k
                break
        else:
            return None
    return bytes(res)

bad, checked, zero_fill = [], 0, 0
# Cache by (paddr, offset, size): virtual aliases repeat the same RAM.
seen = set()
for vaddr, paddr, off, filesz, memsz in out_loads:
    if memsz != filesz:
        zero_fill += 1
    if (paddr, off, filesz) in seen or filesz == 0:
        continue
    seen.add((paddr, off, filesz))
    want = input_bytes(paddr, filesz)
    got = out[off:off + filesz]
    checked += filesz
    if want is None:
        bad.append("vaddr %#x paddr %#x size %#x: not RAM in the input" % (vaddr, paddr, filesz))
    elif got != want:
        blk = next(i for i in range(0, filesz, 4096) if got[i:i + 4096] != want[i:i + 4096])
        first = next(i for i in range(blk, blk + 4096) if got[i] != want[i])
        bad.append("vaddr %#x paddr %#x size %#x offset %#x: first differing byte at paddr %#x"
                   % (vaddr, paddr, filesz, off, paddr + first))
print("pt_loads", len(out_loads))
print("checked_bytes", checked)
print("zero_fill_segments", zero_fill)
print("bad", len(bad))
for b in bad[:5]:
    print("detail", b)
PY

in_ram=$(ram_ranges "$input")
# (with no ranges, the map and hash checks below would compare nothing)
[ -n "$in_ram" ] || check_fail "the input has a RAM map" "info --json listed no RAM" "$VT info --json $input"
echo "  (input RAM map: $(echo "$in_ram" | awk '{printf "%s+%s ", $1, $2}'))"
declare -A in_hash
t0=$EPOCHREALTIME
while read -r start size _; do
	in_hash[$start]=$(hash_phys "$input" "$start" "$size")
done <<<"$in_ram"
echo "  (input: read --phys of all RAM, $(elapsed "$t0") s)"

for layout in gdb crash; do
	label=$layout-layout out=$tmp/$layout-layout.core
	remap_to "$label" "$input" "$out" --layout=$layout || continue
	repro_remap=$REMAP_REPRO

	out_ram=$(ram_ranges "$out")
	check_eq "$label: RAM map (start size available) equals the input's" \
		"${in_ram//$'\n'/ }" "${out_ram//$'\n'/ }" "$repro_remap && $VT info --json /tmp/$label.core"
	check_eq "$label: no undescribed region larger than 4 KiB" "" "$(big_undescribed "$out" | head -n 5 | tr '\n' ';')" \
		"$repro_remap && $VT info --json /tmp/$label.core"

	t0=$EPOCHREALTIME
	while read -r start size _; do
		got=$(hash_phys "$out" "$start" "$size")
		check_eq "$label: RAM $start+$size read --phys: sha256 and exit status equal the input's" \
			"${in_hash[$start]}" "$got" \
			"$repro_remap && cmp <($VT read --phys $input $start $size --format=raw) <($VT read --phys /tmp/$label.core $start $size --format=raw)"
	done <<<"$in_ram"
	echo "  ($label: read --phys of all RAM, $(elapsed "$t0") s)"

	t0=$EPOCHREALTIME
	"$RG_PYTHON" "$tmp/segments.py" "$input" "$out" >"$tmp/segments.txt" 2>&1
	echo "  ($label: every PT_LOAD against the input by p_paddr, $(elapsed "$t0") s:" \
		"$(awk '$1 != "detail" {printf "%s %s, ", $1, $2}' "$tmp/segments.txt" | sed 's/, $//'))"
	bad=$(awk '$1 == "bad" {print $2}' "$tmp/segments.txt")
	check_eq "$label: PT_LOADs whose bytes differ from the input's RAM at p_paddr" 0 "${bad:-<parser failed: $(tail -n 1 "$tmp/segments.txt")>}" \
		"$repro_remap && $RG_PYTHON segments.py (the here-document in $0) $input /tmp/$label.core"
	grep '^detail' "$tmp/segments.txt" | sed 's/^detail/       /'
	checked=$(awk '$1 == "checked_bytes" {print $2}' "$tmp/segments.txt")
	[ "${checked:-0}" -gt 0 ] || check_fail "$label: the PT_LOAD check compared bytes" \
		"checked_bytes ${checked:-missing}" "$repro_remap && $RG_PYTHON segments.py (the here-document in $0) $input /tmp/$label.core"
	rm -f "$out"
done
check_done
