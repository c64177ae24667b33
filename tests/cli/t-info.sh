# info on generated fixtures: text for people, JSON for scripts.

expect info-x86_64 0 "$VT" info x86_64-basic.core <<'OUT'
file:        x86_64-basic.core
format:      ELF64 little-endian (ELFCLASS64), ET_CORE, x86_64 (e_machine 62)
headers:     3 program headers at 0xc0; section headers before program headers (QEMU >= 7.2)
cpus:        2
  CPU 0  pid 1  pc 0xffffffff8010a2be  sp 0xffffffff80103e88
         cr0 0x0000000080050033 cr2 0x0000000000000000 cr3 0x0000000000101000 cr4 0x00000000003406f0
         paging 4-level (CR0.PG=1 CR4.PAE=1 CS.L=1 CR4.LA57=0)
  CPU 1  pid 2  pc 0xffffffff8011c3d0  sp 0xffffc90000443e58
         cr0 0x0000000080050033 cr2 0x00007f3a1c2d5000 cr3 0x00000000001a3000 cr4 0x00000000003406f0
         paging 4-level (CR0.PG=1 CR4.PAE=1 CS.L=1 CR4.LA57=0)
walk root:   CPU 0 CR3 0x101000, 4-level (CR0.PG=1 CR4.PAE=1 CS.L=1 CR4.LA57=0)
  --swapper: VMCOREINFO swapper_pg_dir 0xffffffff80101000 - 0xffffffff80000000 + phys_base 0x0, 4-level
ram:         2 ranges, 0x240000 bytes (2.2M)
  0x0000000000000000-0x0000000000200000        2M  file 0x964
  0x00000000fffc0000-0x0000000100000000      256K  file 0x200964
pt_load:     2 (0 virtual, 2 identity, 0 filler, 0 absent); no virtual addresses
notes:       5 (2 NT_PRSTATUS, 2 QEMU, 1 VMCOREINFO)
vmcoreinfo:  13 entries
  OSRELEASE                    6.1.0-test-amd64
  BUILD-ID                     3f5a0c7b9e1d2468ace013579bdf02468ace1357
  PAGESIZE                     4096
  KERNELOFFSET                 0
  NUMBER(phys_base)            0
  NUMBER(pgtable_l5_enabled)   0
  NUMBER(sme_mask)             0
  SYMBOL(swapper_pg_dir)       ffffffff80101000
  SYMBOL(init_top_pgt)         ffffffff80101000
OUT

expect_grep info-aarch64-paging 0 \
	'paging aarch64 \(4K granule \(VMCOREINFO PAGESIZE\), 48-bit VA \(VMCOREINFO NUMBER\(TCR_EL1_T1SZ\)\)\)' \
	"$VT" info aarch64-basic.core
expect_grep info-aarch64-el 0 'pstate 0x000003c5 \(EL1\)' "$VT" info aarch64-basic.core
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
