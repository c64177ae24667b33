# kdump-compressed input (src/kdump/), the flattened layer
# (src/input/flattened.c) and `convert`. The kdump files are made from the
# ELF fixtures by tests/mkkdump.c (real zlib, LZO, snappy and zstd); every
# RAM comparison goes through tests/elfram.py, an independent reader of
# both ELF cores by p_paddr (Python's standard library only).
MK=${MKKDUMP:-}
if [ -z "$MK" ] || [ ! -x "$MK" ]; then
	not_run kdump "MKKDUMP (the generator tests/mkkdump.c builds) is not set"
else

ELFRAM=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/elfram.py
kd() { (cd "$FX" && "$MK" "$@"); }

# kd_equal NAME REF KDUMP [ELFRAM OPTIONS]: convert KDUMP, then its RAM must
# equal REF's byte for byte.
kd_equal() {
	local name=$1 ref=$2 in=$3 out msg
	shift 3
	out=$FX/$name.elf
	if ! msg=$(cd "$FX" && "$VT" convert -q --force "$in" -o "$out" 2>&1); then
		bad "$name" "convert failed: $msg"
		return
	fi
	if msg=$(cd "$FX" && "$PY" "$ELFRAM" "$ref" "$out" "$@" 2>&1); then
		ok
	else
		bad "$name" "elfram.py $ref $out $*: $msg"
	fi
	rm -f "$out"
}

# ---- every codec, with real page data -----------------------------------------
for c in zlib lzo snappy zstd raw; do
	kd --codec=$c x86_64-basic.core kd-$c.kdump
	kd_equal kdump-codec-$c x86_64-basic.core kd-$c.kdump
done
expect_json kdump-info-codec-lzo 'd["format"] == "kdump" and d["kdump"]["status_flags"] == ["lzo"] and d["kdump"]["codec_pages"]["lzo"] > 0 and d["kdump"]["zero_pages"] > 500' \
	"$VT" info --json kd-lzo.kdump
# A real guest's RAM (sample-x86_64: 512M, 75,000 page-table mappings),
# each page by the next codec in turn (zlib, LZO, snappy, zstd, raw).
kd --codec=mixed sample-x86_64.core kd-sample.kdump
kd_equal kdump-sample-mixed sample-x86_64.core kd-sample.kdump
expect_json kdump-info-mixed 'all(v > 5 for v in d["kdump"]["codec_pages"].values())' \
	"$VT" info --json kd-sample.kdump

# Every command works on it as on the ELF core.
for args in "vtop @ 0xffffffff97d61900 0xffffffff987fb000" "read @ 0xffffffff97d61900 200" \
	    "read --phys @ 0x17361900 4096" "maps --kernel @"; do
	want=$(cd "$FX" && "$VT" ${args/@/sample-x86_64.core} 2>&1)
	got=$(cd "$FX" && "$VT" ${args/@/kd-sample.kdump} 2>&1)
	[ "$want" = "$got" ] && [ -n "$got" ] && ok ||
		bad "kdump-same-${args%% *}" "$args: kdump and ELF differ" \
			"$(diff <(echo "$want") <(echo "$got") | head -n 10)"
done
for layout in gdb crash; do
	if (cd "$FX" && "$VT" remap -q --force --layout=$layout kd-sample.kdump -o kd-remap.elf &&
	    "$VT" remap -q --force --layout=$layout sample-x86_64.core -o elf-remap.elf) 2>&1; then
		# The same segments; the RAM under them the same bytes.
		a=$(cd "$FX" && "$VT" ptload --list elf-remap.elf | awk '{print $2, $3, $4, $5}')
		b=$(cd "$FX" && "$VT" ptload --list kd-remap.elf | awk '{print $2, $3, $4, $5}')
		[ "$a" = "$b" ] && ok || bad "kdump-remap-$layout-segments" "$(diff <(echo "$a") <(echo "$b") | head)"
		msg=$(cd "$FX" && "$PY" "$ELFRAM" sample-x86_64.core kd-remap.elf 2>&1) && ok ||
			bad "kdump-remap-$layout-ram" "$msg"
	else
		bad "kdump-remap-$layout" "remap failed"
	fi
	rm -f "$FX/kd-remap.elf" "$FX/elf-remap.elf"
done
# ptload --list describes a file's program headers: a kdump file has none.
expect_grep kdump-ptload 2 'a kdump dump has no program headers to list' \
	"$VT" ptload --list kd-sample.kdump

# ---- writer layouts, header versions, block size -------------------------------
kd --layout=32 --codec=mixed sample-x86_64.core kd-32.kdump
kd_equal kdump-layout-32 sample-x86_64.core kd-32.kdump
expect_grep kdump-layout-32-info 0 "^kdump: +header version 6, 32-bit writer's layout, block size 4096" \
	"$VT" info kd-32.kdump
# An i386 guest from a 32-bit writer: convert writes ELFCLASS32 (RAM below 4G).
kd --layout=32 x86-32bit-nopse.core kd-i386.kdump
kd_equal kdump-i386 x86-32bit-nopse.core kd-i386.kdump
expect_grep kdump-i386-class 0 'ELF32, 16M of RAM from a kdump dump' \
	"$VT" convert --force kd-i386.kdump -o kd-i386.elf
expect_grep kdump-i386-vtop 0 'PAGE +0x0000000000605000 +4K' "$VT" vtop kd-i386.kdump 0xc0005abc
# RAM above 4 GiB: ELFCLASS64, as QEMU writes.
kd --layout=32 --codec=snappy x86-32bit.core kd-i386-hi.kdump
kd_equal kdump-i386-high x86-32bit.core kd-i386-hi.kdump
rm -f "$FX/kd-i386.elf"

for v in 1 2 3 4 5 6; do
	kd --version=$v x86_64-basic.core kd-v$v.kdump
	kd_equal kdump-version-$v x86_64-basic.core kd-v$v.kdump
done
# Notes (CPUs) from version 4 on, VMCOREINFO alone in version 3 (the fields
# of later versions hold junk the reader must not read).
expect_json kdump-v3 'd["cpus"] == [] and d["vmcoreinfo"]["OSRELEASE"] == "6.1.0-test-amd64" and d["kdump"]["header_version"] == 3' \
	"$VT" info --json kd-v3.kdump
expect_json kdump-v2 'd["cpus"] == [] and d["vmcoreinfo"] is None and d["machine"] == "x86_64"' \
	"$VT" info --json -q kd-v2.kdump
expect_json kdump-v4 'len(d["cpus"]) == 2 and d["cpus"][1]["cr3"] == "0x00000000001a3000"' \
	"$VT" info --json kd-v4.kdump
(cd "$FX" && "$MK" --version=3 x86-4level.core kd-v3-tables.kdump)
expect_grep kdump-v3-swapper 0 'PAGE +0x0000000000600000 +4K' \
	"$VT" vtop --swapper kd-v3-tables.kdump 0xffffffff81000abc

# aarch64: QEMU writes 64K blocks for a 4K guest and "Unknown" as machine.
kd --block-size=65536 --codec=mixed arm64-4k-48.core kd-arm64.kdump
kd_equal kdump-block-64k arm64-4k-48.core kd-arm64.kdump
expect_grep kdump-block-64k-info 0 'block size 65536; guest pages 4K \(VMCOREINFO PAGESIZE\); utsname.machine "Unknown"' \
	"$VT" info kd-arm64.kdump
expect_grep kdump-arch-from-prstatus 0 '^format: +kdump, aarch64 \(by the NT_PRSTATUS size; utsname.machine says otherwise\)' \
	"$VT" info kd-arm64.kdump
want=$(cd "$FX" && "$VT" vtop arm64-4k-48.core 0xffff800008000abc 0xffff800008003123 2>&1)
got=$(cd "$FX" && "$VT" vtop kd-arm64.kdump 0xffff800008000abc 0xffff800008003123 2>&1)
[ "$want" = "$got" ] && ok || bad kdump-block-64k-vtop "$(diff <(echo "$want") <(echo "$got"))"

# ---- excluded pages: absent, a fault naming the pfn, listed by convert ---------
kd --exclude=0x180000-0x182000 --exclude=0x1a3000-0x1a4000 x86_64-basic.core kd-excl.kdump
expect_json kdump-excluded-info 'd["kdump"]["excluded_pages"] == 3 and d["absent"] == [{"start": "0x0000000000180000", "end": "0x0000000000182000"}, {"start": "0x00000000001a3000", "end": "0x00000000001a4000"}]' \
	"$VT" info --json kd-excl.kdump
expect_grep kdump-excluded-read 2 'physical 0x181000 \(pfn 0x181\) was excluded from the dump \(dump level 1\): its contents are unknown$' \
	"$VT" read --phys kd-excl.kdump 0x181000 16
expect_grep kdump-excluded-convert 0 '0x3000 bytes \(12K\) of RAM in 2 ranges are not in the output: the dump excluded them \(or lost them\): 0x180000-0x182000, 0x1a3000-0x1a4000$' \
	"$VT" convert --force kd-excl.kdump -o kd-excl.elf
printf '180000 182000\n1a3000 1a4000\n' >"$FX/kd-excl.absent"
msg=$(cd "$FX" && "$PY" "$ELFRAM" --subset --absent kd-excl.absent x86_64-basic.core kd-excl.elf) &&
	[ "$msg" = "equal: 2347008 bytes in 4 ranges (12288 absent)" ] && ok ||
	bad kdump-excluded-ram "$msg"
# The excluded pages are no PT_LOAD's.
n=$(readelf -lW "$FX/kd-excl.elf" | awk '$1 == "LOAD"' | wc -l)
[ "$n" = 4 ] && ok || bad kdump-excluded-loads "$n PT_LOADs, expected 4"
expect_grep kdump-excluded-remap 0 'are not in the output: the dump excluded them' \
	"$VT" remap --force --force-empty kd-excl.kdump -o kd-excl.elf
rm -f "$FX/kd-excl.elf"
# makedumpfile -d 1: zero pages excluded altogether.
kd --exclude-zero sample-x86_64.core kd-nozero.kdump
kd_equal kdump-exclude-zero sample-x86_64.core kd-nozero.kdump --subset

# ---- an incomplete dump: readable up to where it stops, one warning -------------
kd --incomplete=30000 --codec=zstd sample-x86_64.core kd-inc.kdump
got=$(cd "$FX" && "$VT" info kd-inc.kdump 2>&1 >/dev/null)
[ "$(printf '%s\n' "$got" | grep -c warning)" = 1 ] &&
	printf '%s\n' "$got" | grep -Eq 'warning: the dump is incomplete \(DUMP_DH_COMPRESSED_INCOMPLETE: its writer ran out of space\): 105200 of its 135200 dumped pages are missing, from pfn 0x[0-9a-f]+ \(physical 0x[0-9a-f]+\) on; they are absent$' &&
	ok || bad kdump-incomplete-warning "$got"
stop=$(cd "$FX" && "$VT" info --json -q kd-inc.kdump | "$PY" -c 'import json,sys; print("0x%x" % int(json.load(sys.stdin)["kdump"]["stop_pfn"], 16))')
expect_grep kdump-incomplete-read 2 "is not in the file: the dump stops at pfn $stop \\(it is incomplete\\)" \
	"$VT" read -q --phys kd-inc.kdump "$(printf '0x%x' $((stop * 4096 + 8)))" 16
(cd "$FX" && "$VT" info --json -q kd-inc.kdump | "$PY" -c '
import json, sys
for r in json.load(sys.stdin)["absent"]: print(r["start"][2:], r["end"][2:])') >"$FX/kd-inc.absent"
kd_equal kdump-incomplete-ram sample-x86_64.core kd-inc.kdump --subset --absent kd-inc.absent
expect_grep kdump-incomplete-info 0 '^status: +0x28 \(INCOMPLETE, zstd\)' "$VT" info -q kd-inc.kdump

# ---- flattened: indexed in place, any record order, holes read as zeros ---------
kd --flat --codec=lzo sample-x86_64.core kd-flat.kdump
kd_equal kdump-flat sample-x86_64.core kd-flat.kdump
kd --flat --flat-shuffle --flat-gaps --flat-chunk=10000 sample-x86_64.core kd-flat2.kdump
kd_equal kdump-flat-shuffled-gaps sample-x86_64.core kd-flat2.kdump
expect_grep kdump-flat-info 0 '^format: +kdump \(in flattened\), x86_64' "$VT" info kd-flat2.kdump
expect_json kdump-flat-json 'd["layers"] == ["flattened"]' "$VT" info --json kd-flat2.kdump
kd --flat --damage=flat-no-end x86_64-basic.core kd-flat-noend.kdump
expect_grep kdump-flat-no-end 0 'warning: the flattened stream ends after [0-9]+ records without its end marker' \
	"$VT" info kd-flat-noend.kdump

# ---- convert of an ELF core, --dry-run, usage ---------------------------------
kd_equal kdump-convert-elf x86_64-basic.core x86_64-basic.core
expect_grep kdump-convert-dry-run 0 '^ +[0-9]+ +identity +0x00000000fffc0000' \
	"$VT" convert --dry-run kd-zlib.kdump
expect_grep kdump-convert-no-out 64 'say where to write: -o OUT' "$VT" convert kd-zlib.kdump
expect_grep kdump-convert-exists 2 'exists; use --force to replace it' \
	"$VT" convert kd-zlib.kdump -o kd-lzo.kdump

# ---- every malformed structure: exit 2 and one clear line ----------------------
bad_kd() {	# NAME REGEX [MKKDUMP OPTIONS...]: info (or convert) refuses it
	local name=$1 re=$2
	shift 2
	kd "$@" x86_64-basic.core "kd-$name.kdump"
	expect_grep "kdump-bad-$name" 2 "^vmcore-tool: kd-$name.kdump: $re" \
		"$VT" info "kd-$name.kdump"
}
bad_kd signature 'bad signature "KDUMPxyz" at offset 0 \(a kdump file has "KDUMP   "\)$' --damage=signature
bad_kd version 'header_version 7 \(offset 8\) is not one we know \(1 to 6\)$' --damage=version=7
bad_kd version-0 'header_version 0 \(offset 8\) is not one we know \(1 to 6\)$' --damage=version=0
bad_kd block-size 'the header parses in neither writer.s layout: 64-bit: block_size 0xbb8 \(offset 428\) is not a power of two; 32-bit: block_size 0x0 \(offset 416\) is not a power of two$' --damage=block-size=3000
bad_kd block-size-huge 'the header parses in neither writer.s layout: 64-bit: block_size 0x10000000 \(offset 428\) is absurd \(a page of 1K to 1M expected\); 32-bit' --damage=block-size=0x10000000
bad_kd block-size-32 'the header parses in neither writer.s layout: 64-bit: sub_hdr_size is 0 \(offset 432\): no sub-header; 32-bit: block_size 0x1001 \(offset 416\) is not a power of two$' --layout=32 --damage=block-size=4097
bad_kd bitmap-past-eof-32 'the bitmaps \(offset 0x2000, 0x200040000 bytes: bitmap_blocks 2097216 of 0x1000\) run past the end of the file' --layout=32 --damage=bitmap-past-eof
bad_kd bitmap-past-eof 'the bitmaps \(offset 0x2000, 0x200040000 bytes: bitmap_blocks 2097216 of 0x1000\) run past the end of the file \(0x[0-9a-f]+ bytes\)$' --damage=bitmap-past-eof
bad_kd sub-hdr-size 'the sub-header \(2147483647 blocks of 0x1000 at 0x1000\) runs past the end of the file' --damage=sub-hdr-size
bad_kd notes-past-eof 'the notes \(offset 0xfffffff0deadbe, 0x[0-9a-f]+ bytes\) lie outside the file' --damage=notes-past-eof
bad_kd split 'a split dump \(one of several files, makedumpfile --split\): not supported' --damage=split
bad_kd truncated-header 'truncated kdump header \(the file has 300 bytes; the header needs 452, or 464 from a 64-bit writer\)$' --damage=truncate=300
bad_kd truncated-bitmap 'the bitmaps \(offset 0x2000, 0x40000 bytes: bitmap_blocks 64 of 0x1000\) run past the end of the file \(0x30000 bytes\)$' --damage=truncate=0x30000
# Page damage shows when the page is read: convert names the pfn (0x180:
# linux_banner, the first page with data), and leaves no output.
bad_page() {	# NAME REGEX [MKKDUMP OPTIONS...]
	local name=$1 re=$2
	shift 2
	kd "$@" x86_64-basic.core "kd-$name.kdump"
	expect_grep "kdump-bad-$name" 2 "^vmcore-tool: kd-$name.elf: reading kd-$name.kdump: pfn 0x180 \\(physical 0x180000\\): $re" \
		"$VT" convert "kd-$name.kdump" -o "kd-$name.elf"
	[ ! -e "$FX/kd-$name.elf" ] && ok || bad "kdump-bad-$name-no-output" "kd-$name.elf was left"
}
bad_page desc-offset 'its data \(offset 0xfffffff0deadbee, 0x[0-9a-f]+ bytes, by its descriptor\) lies outside the file \(0x[0-9a-f]+ bytes\)$' --damage=desc-offset
bad_page desc-size 'its data \(offset 0x[0-9a-f]+, 0x7ff0000 bytes, by its descriptor\) lies outside the file \(0x[0-9a-f]+ bytes\): is the file truncated\?$' --damage=desc-size
for c in zlib lzo snappy zstd; do
	C=$(echo $c | sed 's/lzo/LZO/')
	bad_page page-size-$c "$C data decompresses to 0x800 bytes, not a page \\(0x1000\\)$" --codec=$c --damage=page-size
	bad_page corrupt-$c "$C data is corrupt" --codec=$c --damage=corrupt
done
bad_page codec-flags 'unknown compression flags 0x40 in its descriptor$' --damage=codec-flags
# Two threads decode (the caller even 1M chunks, a worker odd ones): the
# lowest bad page is reported, whichever thread meets its error first.
kd --damage=corrupt --damage-pfn=0x1180 --damage-pfn=0x1100 --damage-pfn=0x3000 \
	sample-x86_64.core kd-det.kdump
for i in 1 2 3 4; do
	expect_grep kdump-lowest-bad-pfn-$i 2 '^vmcore-tool: kd-det.elf: reading kd-det.kdump: pfn 0x1100 \(physical 0x1100000\): zlib data is corrupt' \
		"$VT" convert kd-det.kdump -o kd-det.elf
done
expect_grep kdump-lowest-bad-pfn-remap 2 'reading kd-det.kdump: pfn 0x1100 \(physical 0x1100000\)' \
	"$VT" remap kd-det.kdump -o kd-det.elf
expect_grep kdump-bad-read-fault 2 'pfn 0x180 \(physical 0x180000\): zstd data is corrupt' \
	"$VT" read --phys kd-corrupt-zstd.kdump 0x180000 16
# Recoverable: a max_mapnr the bitmaps cannot hold, a dumped "hole".
kd --damage=max-mapnr x86_64-basic.core kd-mapnr.kdump
expect_grep kdump-max-mapnr 0 'warning: max_mapnr 0x4000000 is more than the bitmaps describe \(0x100000 pfns in 64 blocks\); using 0x100000$' \
	"$VT" info kd-mapnr.kdump
kd --damage=dumped-hole x86_64-basic.core kd-hole.kdump
expect_grep kdump-dumped-hole 0 'warning: 1 pages are dumped \(bitmap 2\) but marked as holes in bitmap 1; taken as dumped$' \
	"$VT" info kd-hole.kdump
# The descriptor table cut short: the pages past the cut are absent.
kd --codec=zstd sample-x86_64.core kd-cut.kdump
cut=$(( $(stat -c %s "$FX/kd-cut.kdump") / 2 ))
truncate -s "$cut" "$FX/kd-cut.kdump"
expect_grep kdump-truncated-descs 0 'warning: the file is truncated: [0-9]+ of 135200 page descriptors are missing, from pfn 0x[0-9a-f]+ \(physical 0x[0-9a-f]+\) on; those pages are absent' \
	"$VT" info kd-cut.kdump
# The flattened records.
bad_flat() {	# NAME REGEX [MKKDUMP OPTIONS...]
	local name=$1 re=$2
	shift 2
	kd --flat "$@" x86_64-basic.core "kd-$name.kdump"
	expect_grep "kdump-bad-$name" 2 "^vmcore-tool: kd-$name.kdump: $re" "$VT" info "kd-$name.kdump"
}
bad_flat flat-negative 'flattened record 1 \(at 0x2010\) has a negative offset \(-4096\)$' --damage=flat-negative
bad_flat flat-overlap 'flattened records at 0x2010 and 0x3020 overlap: both write offset 0x1008$' --damage=flat-overlap
bad_flat flat-truncated 'flattened record [0-9]+ \(at 0x[0-9a-f]+, 0x[0-9a-f]+ bytes for offset 0x[0-9a-f]+\) is cut by the end of the file \(0x[0-9a-f]+ bytes\)$' --damage=flat-truncated
printf 'makedumpfile\0\0\0\0' >"$FX/kd-flat-short.kdump"
expect_grep kdump-bad-flat-header 2 'truncated flattened header \(the file has 0x10 bytes, the header 0x1000\)$' \
	"$VT" info kd-flat-short.kdump
head -c 4096 "$FX/kd-flat.kdump" >"$FX/kd-flat-hdr.kdump"
printf '\0\0\0\0\0\0\0\0\0\0' >>"$FX/kd-flat-hdr.kdump"
expect_grep kdump-bad-flat-record-header 2 'flattened record 0 \(at 0x1000\): its header is cut by the end of the file \(0x100a bytes\)$' \
	"$VT" info kd-flat-hdr.kdump
# A big-endian header is refused by name.
"$PY" -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[8:12] = (6).to_bytes(4, "big")
open(sys.argv[2], "wb").write(b)' "$FX/kd-zlib.kdump" "$FX/kd-be.kdump"
expect_grep kdump-bad-big-endian 2 'a big-endian kdump file \(header_version 6 read big-endian\) is not supported$' \
	"$VT" info kd-be.kdump

rm -f "$FX"/kd-*.elf
fi
