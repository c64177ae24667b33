# VMCOREINFO found in guest RAM when the dump has no note (or with
# --scan-vmcoreinfo), and outputs that carry a complete VMCOREINFO
# (kernel/). Fixtures: vi-ram*, i386-koff (tests/fixtures/); hostile
# variants are generated into $FX/vi/ from them.
VI=$FX/vi
rm -rf "$VI"
mkdir -p "$VI"
vi_make() {	# NAME: $VI/NAME.core.txt -> $VI/NAME.core
	"$PY" "$(dirname "${BASH_SOURCE[0]}")/../mkcore.py" "$VI/$1.core.txt" "$VI/$1.core" ||
		bad "vmcoreinfo-$1-generate" "mkcore failed"
}
vi_src=$(dirname "${BASH_SOURCE[0]}")/../fixtures

# The note buffer and the bare copy agree; info says where the text is.
expect vi-ram-info 0 "$VT" info vi-ram.core
expect_json vi-ram-json 'd["vmcoreinfo_source"] == "from RAM at paddr 0x150018 (an ELF note, 2 copies agree), note absent" and d["vmcoreinfo"]["OSRELEASE"] == "6.1.0-fixture-ram" and "VMCOREINFO" not in [n["name"] for n in d["notes"]]' \
	"$VT" info --json vi-ram.core
# Copies that disagree: a warning naming both; the note-form one is used.
expect vi-ram-disagree 0 "$VT" info vi-ram-disagree.core
# A decoy that fails validation is skipped with a warning.
expect vi-ram-decoy 0 "$VT" info vi-ram-decoy.core
# AArch64 without the note: every command works with no options.
expect vi-ram-arm64-vtop 0 "$VT" vtop vi-ram-arm64.core 0xffff800008100000
expect_grep vi-ram-arm64-maps 0 '^0xffff800008000000  0xffff800008200000  0x0000000040000000 ' \
	"$VT" maps vi-ram-arm64.core
expect_grep vi-ram-arm64-read 0 '^ffff800008180000:  40 00 18 08 00 80 ff ff ' \
	"$VT" read vi-ram-arm64.core 0xffff800008180000 8

# A dump with neither the note nor a copy in RAM: info says so.
expect_grep vi-none-x86 0 '^vmcoreinfo:  absent: no note, and no VMCOREINFO in RAM: searched 24M; 0 texts looked like it$' \
	"$VT" info x86-32bit.core

# --scan-vmcoreinfo with the note present: no copy in RAM keeps the note
# (a warning); a copy in RAM of another kernel replaces it (a warning).
expect_grep vi-scan-none 0 'warning: --scan-vmcoreinfo: no VMCOREINFO in RAM: searched 2.2M; 0 texts looked like it; using the note' \
	"$VT" info --scan-vmcoreinfo x86_64-basic.core
{
	sed '/^vmcoreinfo-ram 0x151000 bare/,/^end/d' "$vi_src/vi-ram.core.txt"
	printf 'note vmcoreinfo\nOSRELEASE=6.1.0-kdump-kernel\nPAGESIZE=4096\nend\n'
} >"$VI/note-and-ram.core.txt"
vi_make note-and-ram
expect_grep vi-scan-other 0 'name different kernels; using the copy in RAM' \
	"$VT" info --scan-vmcoreinfo vi/note-and-ram.core
expect_json vi-scan-other-json 'd["vmcoreinfo"]["OSRELEASE"] == "6.1.0-fixture-ram" and d["vmcoreinfo_source"].endswith("note present, another kernel'"'"'s")' \
	"$VT" info -q --json --scan-vmcoreinfo vi/note-and-ram.core
expect_json vi-scan-off-json 'd["vmcoreinfo"]["OSRELEASE"] == "6.1.0-kdump-kernel" and d["vmcoreinfo_source"] == "note"' \
	"$VT" info --json vi/note-and-ram.core

# remap writes the text found as a VMCOREINFO note and says so in a
# VMCORE-TOOL note, in both layouts; the input's notes come first, byte
# for byte, in the one PT_NOTE.
for layout in gdb crash; do
	out=$VI/vi-ram-$layout.elf
	if (cd "$FX" && "$VT" remap -q --layout=$layout vi-ram.core -o "$out"); then
		ok
		expect_json vi-ram-remap-$layout 'd["vmcore_tool_note"]["TEXT"] == "from RAM at paddr 0x150018 (an ELF note, 2 copies agree), note absent" and d["vmcoreinfo"]["OSRELEASE"] == "6.1.0-fixture-ram" and [n["name"] for n in d["notes"]] == ["CORE", "QEMU", "VMCOREINFO", "VMCORE-TOOL"] and d["vmcoreinfo_source"] == "note"' \
			"$VT" info --json "$out"
		n=$(readelf -lW "$out" | grep -c ' NOTE ')
		[ "$n" = 1 ] && ok || bad vi-ram-remap-$layout-one-note "$n PT_NOTEs: crash reads notes from phdr[0] only"
	else
		bad vi-ram-remap-$layout "remap failed"
	fi
done
# The output's own VMCOREINFO is complete: remapping it adds nothing.
(cd "$FX" && "$VT" remap -q vi/vi-ram-gdb.elf -o vi/again.elf) &&
	[ "$(readelf -nW "$VI/again.elf" | grep -c VMCOREINFO)" = 1 ] && ok ||
	bad vi-ram-remap-again "a second remap added notes: $(readelf -nW "$VI/again.elf" | grep -E 'VMCORE')"
expect vi-ram-remap-info 0 "$VT" info vi/vi-ram-gdb.elf
# --in-place cannot add notes without moving data: it says so.
cp "$FX/vi-ram.core" "$VI/inplace.core"
expect_grep vi-ram-in-place 0 'warning: --in-place keeps the notes where they are: the [0-9]+ bytes of notes this output would add' \
	"$VT" remap --in-place vi/inplace.core

# i386: KERNELOFFSET from boot_params.hdr.pref_address, in both layouts.
for layout in gdb crash; do
	expect_grep i386-koff-remap-$layout 0 'added to VMCOREINFO: KERNELOFFSET=200000 \(phys\(_stext\) 0x400000 - boot_params.hdr.pref_address 0x200000 \(setup header 2.15 in the kernel image \(its boot_params\) at paddr 0x540000' \
		"$VT" remap --layout=$layout i386-koff.core -o vi/koff-$layout.elf
	expect_json i386-koff-$layout-json 'd["vmcoreinfo"]["KERNELOFFSET"] == "200000" and d["vmcore_tool_note"]["ADDED(KERNELOFFSET)"] == "200000" and d["vmcore_tool_note"]["TEXT"] == "the input'"'"'s VMCOREINFO note" and [n["name"] for n in d["notes"]] == ["CORE", "QEMU", "VMCOREINFO", "VMCOREINFO", "VMCORE-TOOL"]' \
		"$VT" info --json vi/koff-$layout.elf
done
expect i386-koff-info 0 "$VT" info vi/koff-gdb.elf
# The input itself: info, read and the gdb command use the same offset
# remap writes, with no vmlinux.
expect_json i386-koff-kaslr 'd["kaslr"]["how"] == "setup_header" and d["kaslr"]["offset"] == "0x0000000000200000"' \
	"$VT" info --json i386-koff.core
# Setup headers that disagree: no KERNELOFFSET, a warning.
{ cat "$vi_src/i386-koff.core.txt"; printf 'bytes 0x5601fe 55 aa\nstr 0x560202 "HdrS"\nbytes 0x560206 0f 02\nu32 0x560230 0x200000\nbytes 0x560234 01\nu64 0x560258 0x400000\n'; } >"$VI/koff-disagree.core.txt"
vi_make koff-disagree
expect_grep i386-koff-disagree 0 'warning: KERNELOFFSET not added: setup headers disagree: pref_address 0x200000 at paddr 0x540000, 0x400000 at paddr 0x560000' \
	"$VT" remap --dry-run vi/koff-disagree.core
# No header at all: a warning, and the output carries no addition.
sed '/^bytes 0x5401fe/d' "$vi_src/i386-koff.core.txt" >"$VI/koff-none.core.txt"
vi_make koff-none
expect_grep i386-koff-none 0 'warning: KERNELOFFSET not added: no boot-protocol setup header \(2.10\+\) found in the kernel image or low RAM$' \
	"$VT" remap vi/koff-none.core -o vi/koff-none.elf
[ "$(readelf -nW "$VI/koff-none.elf" | grep -c VMCORE)" = 1 ] && ok || bad i386-koff-none-notes "notes added: $(readelf -nW "$VI/koff-none.elf" | grep VMCORE)"

# convert's output carries the completed VMCOREINFO as remap's does.
expect_grep vi-ram-convert 0 'the output.s VMCOREINFO note holds the kernel.s text \(from RAM at paddr 0x150018 \(an ELF note, 2 copies agree\), note absent\)$' \
	"$VT" convert vi-ram.core -o vi/conv.elf
expect_json vi-ram-convert-json '[n["name"] for n in d["notes"]] == ["CORE", "QEMU", "VMCOREINFO", "VMCORE-TOOL"] and d["vmcoreinfo"]["OSRELEASE"] == "6.1.0-fixture-ram"' \
	"$VT" info --json vi/conv.elf
expect_grep i386-koff-convert 0 'added to VMCOREINFO: KERNELOFFSET=200000 ' \
	"$VT" convert i386-koff.core -o vi/koff-conv.elf

# ---- hostile RAM ------------------------------------------------------------
# A note header that claims 4 GiB of text: the text is read to its NUL.
{ sed '/^vmcoreinfo-ram 0x151000 bare/,/^end/d' "$vi_src/vi-ram.core.txt"; echo 'u32 0x150004 0xffffffff'; } >"$VI/huge-descsz.core.txt"
vi_make huge-descsz
expect_json vi-huge-descsz 'd["vmcoreinfo"]["OSRELEASE"] == "6.1.0-fixture-ram" and d["vmcoreinfo_source"].startswith("from RAM at paddr 0x150018 (an ELF note, 1 copy)")' \
	timeout 60 "$VT" info --json vi/huge-descsz.core
# The text runs to the end of RAM, and the file is cut in the middle of it.
{
	sed '/^vmcoreinfo-ram/,$d' "$vi_src/vi-ram.core.txt"
	echo 'str 0x3ffff0 "OSRELEASE=6.1.0-"'
} >"$VI/cut.core.txt"
vi_make cut
ramoff=$("$VT" info --json "$VI/cut.core" 2>/dev/null | "$PY" -c 'import json,sys; print(int(json.load(sys.stdin)["ram"][0]["file_offset"], 16))')
truncate -s $((ramoff + 0x3ffff8)) "$VI/cut.core"
expect_grep vi-cut 0 '^vmcoreinfo:  absent: no note, and no VMCOREINFO in RAM: searched 4.0M; 0 texts looked like it$' \
	timeout 60 "$VT" info -q vi/cut.core
# RAM full of look-alikes: at most 64 are checked, with one warning, and
# the work stays linear (text full of "OSRELEASE=" is read once).
{
	sed '/^vmcoreinfo-ram/,$d' "$vi_src/vi-ram.core.txt"
	for i in $(seq 0 99); do
		printf 'vmcoreinfo-ram 0x%x bare\nOSRELEASE=decoy-%d\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=ffffffff80005000\nend\n' $((0x100000 + i * 0x100)) "$i"
	done
	echo 'fill 0x200000 1M 0x41'
	"$PY" -c 'print("str 0x300000 \"" + "OSRELEASE=" * 6000 + "\"")'
} >"$VI/many.core.txt"
vi_make many
expect_grep vi-many 0 'warning: more than 64 texts in RAM look like VMCOREINFO; the ones from paddr 0x104000 on are not checked' \
	timeout 60 "$VT" info -v vi/many.core
expect_grep vi-many-absent 0 '^vmcoreinfo:  absent: no note, and no VMCOREINFO in RAM: searched 4M; 64 texts looked like it, none valid; first at paddr 0x100000: ' \
	timeout 60 "$VT" info -q vi/many.core
