# info on generated fixtures: text for people, JSON for scripts.

expect info-x86_64 0 "$VT" info x86_64-basic.core

expect_grep info-aarch64-paging 0 \
	'paging aarch64 \(4K granule \(VMCOREINFO PAGESIZE\), 48-bit VA \(VMCOREINFO NUMBER\(TCR_EL1_T1SZ\)\)\)' \
	"$VT" info aarch64-basic.core
expect_grep info-aarch64-el 0 'pstate 0x000003c5 \(EL1\)' "$VT" info aarch64-basic.core
# A CPU caught in user space (EL0; x86 CS.DPL 3 in QEMU's note) gets no
# kernel name, and says why; without a QEMU note x86 keeps no CPL.
expect_grep info-aarch64-user-pc 0 '^  CPU 1  pid 2  pc 0x0000aaaab2c41234 \(user space\)  sp ' \
	"$VT" info aarch64-basic.core
expect_grep info-x86-user-pc 0 '^  CPU 1  pid 2  pc 0x0000000000401000 \(user space\)  sp ' \
	"$VT" info x86-4level.core
expect_json info-json-mode-aarch64 '[c["mode"] for c in d["cpus"]] == ["kernel", "user"] and d["cpus"][1]["pc_symbol"] is None' \
	"$VT" info --json aarch64-basic.core
expect_json info-json-mode-x86 '[c["mode"] for c in d["cpus"]] == ["kernel", "user"]' \
	"$VT" info --json x86-4level.core
expect_json info-json-mode-unknown '[c["mode"] for c in d["cpus"]] == [None] * len(d["cpus"])' \
	"$VT" info --json -q bad-no-load.core
expect_grep info-verbose-notes 0 '^  NT_PRFPREG +528 bytes at offset 0x' "$VT" info -v aarch64-basic.core
expect_grep info-verbose-vmcoreinfo 0 '^  NUMBER\(kimage_voffset\)=0xffff800007e00000$' \
	"$VT" info -v aarch64-basic.core
expect_grep info-inferred 0 '0x0000000000010000-0x0000000000080000 +448K +file 0x[0-9a-f]+ +\(inferred: no PT_LOAD\)' \
	"$VT" info paging-true.core
expect_grep info-undescribed 0 'undescribed file data: 0x10000 bytes at offset 0x[0-9a-f]+' \
	"$VT" info paging-true.core
expect_grep info-pn-xnum 0 '^headers: +70001 program headers at 0xc0 \(PN_XNUM\)' \
	"$VT" info many-phdrs.core

expect_json info-json-cpus 'len(d["cpus"]) == 2 and d["cpus"][1]["cr3"] == "0x00000000001a3000" and d["cpus"][0]["paging"] == "4-level"' \
	"$VT" info --json x86_64-basic.core
expect_json info-json-ram 'd["ram"] == [{"start": "0x0000000000000000", "end": "0x0000000000200000", "size": "0x0000000000200000", "file_offset": "0x0000000000000964", "available": "0x0000000000200000", "inferred": False}, {"start": "0x00000000fffc0000", "end": "0x0000000100000000", "size": "0x0000000000040000", "file_offset": "0x0000000000200964", "available": "0x0000000000040000", "inferred": False}]' \
	"$VT" info --json x86_64-basic.core
expect_json info-json-vmcoreinfo 'd["vmcoreinfo"]["OSRELEASE"] == "6.1.0-test-amd64" and d["machine"] == "x86_64" and d["pt_load"]["identity"] == 2' \
	"$VT" info --json x86_64-basic.core
expect_json info-json-no-vmcoreinfo 'd["vmcoreinfo"] is None and d["ram"] == [] and d["cpus"][0]["qemu_note"] is False' \
	"$VT" info --json -q bad-no-load.core
expect_json info-json-notes '[n["label"] for n in d["notes"]] == ["NT_PRSTATUS", "NT_PRFPREG"] * 2 + ["VMCOREINFO"]' \
	"$VT" info --json aarch64-basic.core
# JSON escapes what a guest writes: a note name with a quote and a newline.
expect_json info-json-undescribed 'd["undescribed"][0]["size"] == "0x0000000000010000"' \
	"$VT" --json info paging-true.core
# remap and convert pad from the notes to the data's alignment with zeros:
# padding, not file data that no PT_LOAD places.
make_tmpdir info_tmp
for info_out in gdb:x86-4level gdb:sample-x86_64 crash:sample-x86_64 \
		gdb:kallsyms-i386 crash:coverage-x86_64 convert:x86-4level; do
	info_kind=${info_out%%:*} info_in=${info_out#*:}
	info_elf=$info_tmp/$info_kind-$info_in.elf
	if [ "$info_kind" = convert ]; then
		(cd "$FX" && "$VT" convert -q "$info_in.core" -o "$info_elf")
	else
		(cd "$FX" && "$VT" remap -q --layout="$info_kind" "$info_in.core" -o "$info_elf")
	fi
	expect_json "info-undescribed-none-$info_kind-$info_in" 'd["undescribed"] == []' \
		"$VT" --json info "$info_elf"
	got=$(cd "$FX" && "$VT" info "$info_elf" 2>&1); rc=$?
	[ "$rc" = 0 ] && [ "${got#*undescribed}" = "$got" ] && ok ||
		bad "info-undescribed-none-text-$info_kind-$info_in" "exit $rc" \
			"$(printf '%s\n' "$got" | grep undescribed)"
done
# Padding that is not all zeros is file data no PT_LOAD places.
info_elf=$info_tmp/gdb-x86-4level.elf
info_data=$(cd "$FX" && "$VT" --json info "$info_elf" |
	"$PY" -c 'import json, sys; print(int(json.load(sys.stdin)["ram"][0]["file_offset"], 16))')
printf '\377' | dd of="$info_elf" bs=1 seek=$((info_data - 1)) conv=notrunc status=none
expect_grep info-undescribed-nonzero-padding 0 "undescribed file data: 0x[0-9a-f]+ bytes at offset 0x[0-9a-f]+ \(no PT_LOAD places it\)" \
	"$VT" info "$info_elf"
