# vtop, maps and read on the sample core derived from a real x86_64 guest
# (tests/fixtures/README.md): its page tables are the guest's own.
S=sample-x86_64.core
BANNER_VA=0xffffffff97d61900	# linux_banner, from the guest's /proc/kallsyms
banner=$(sed -n 's/^#   \(Linux version .*\)$/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../fixtures/sample-x86_64.core.txt")
# (an empty banner would make the read-banner checks compare nothing)
[ -n "$banner" ] && ok || bad walk-banner-known "no '#   Linux version' line in sample-x86_64.core.txt"

expect vtop-banner 0 "$VT" vtop $S $BANNER_VA

expect vtop-unmapped 1 "$VT" vtop $S 0x1234

expect_grep vtop-noncanonical 1 'not a canonical address for 48-bit virtual addresses' \
	"$VT" vtop $S 0x0000800000000000
expect_grep vtop-swapper 0 '^root: VMCOREINFO swapper_pg_dir 0xffffffff98610000 - 0xffffffff80000000 - phys_base 0xa00000, 4-level$' \
	"$VT" vtop --swapper $S $BANNER_VA
expect_json vtop-json-cpu1 'd["translations"][0]["paddr"] == "0x0000000017361900" and [l["level"] for l in d["translations"][0]["levels"]] == ["PML4", "PDPT", "PD"] and d["root_paddr"] == "0x00000000026ae000"' \
	"$VT" vtop --json --cpu 1 $S $BANNER_VA
JSON_STATUS=1 expect_json vtop-json-several 'len(d["translations"]) == 2 and d["translations"][1]["mapped"] is False' \
	"$VT" vtop --json $S $BANNER_VA 0x1234

# read: the banner through the page tables equals the guest's /proc/version.
got=$(cd "$FX" && "$VT" read $S $BANNER_VA ${#banner} --format=raw)
[ "$got" = "$banner" ] && ok || bad read-banner "read gave: $got" "expected: $banner"
got=$(cd "$FX" && "$VT" read --phys $S 0x17361900 ${#banner} --format=raw)
[ "$got" = "$banner" ] && ok || bad read-banner-phys "read --phys gave: $got"
expect read-hex 0 "$VT" read $S $BANNER_VA 20
expect_grep read-unmapped 1 '0x0000000000001234 is not mapped: PD\[0\] = 0x0: not present' \
	"$VT" read $S 0x1234 16
expect_grep read-not-ram 2 'physical address 0xfe000000 is not in the RAM map' \
	"$VT" read --phys $S 0xfe000000 16
expect_grep read-wrap 64 'run past the end of the address space' \
	"$VT" read --phys $S 0xfffffffffffffff0 0x20
# The read stops at the first byte it cannot read, after what precedes it:
# 1 when the page tables do not map it, 2 when the dump has no data there.
expect read-stop-not-mapped 1 "$VT" read $S 0x4ffff8 16
expect read-stop-not-in-dump 2 "$VT" read $S 0xffffffffff5fc000 16
expect read-stop-phys-not-in-dump 2 "$VT" read --phys x86_64-basic.core 0x1ffff8 16
expect_grep read-help-exit 0 'exit status 1 when the page tables do not map its virtual address, 2 when the dump has no data at its physical address \(mapped, or given with --phys\)' \
	sh -c '"$1" read --help | tr -s "\n " "  "' sh "$VT"
read_man=$(sed 's/\\-/-/g; s/^\.[A-Z]* //' "$(dirname "${BASH_SOURCE[0]}")/../../man/vmcore-tool.1" | tr '\n' ' ')
case $read_man in
*"exit status 1 when the page tables do not map its virtual address, 2 when the dump has no data at its physical address (mapped, or given with --phys"*) ok ;;
*) bad read-man-exit "man/vmcore-tool.1's read does not give the exit statuses as read --help does" ;;
esac

# maps: one root's merged ranges; the halves add up; --swapper is CPU 0's
# kernel half (the kernel half of every mm is the kernel's).
expect_grep maps-summary 0 '^65766 ranges \(65741 kernel, 25 user\) from 74995 mappings, 0x44562000 bytes \(1\.1G\); 4K pages: 74594; 2M pages: 401; 6 ranges not RAM in this dump; 113 page tables$' \
	"$VT" maps $S
expect_json maps-kernel 'd["summary"]["mappings"] == 74546 and d["summary"]["user_ranges"] == 0' \
	"$VT" maps --kernel --json $S
expect_json maps-user 'd["summary"]["mappings"] == 449 and all(int(r["vaddr"], 16) < 1 << 47 for r in d["ranges"])' \
	"$VT" maps --user --json $S
expect_json maps-swapper 'd["summary"]["mappings"] == 74546 and d["summary"]["tables"] == 106' \
	"$VT" maps --swapper --json $S
expect_json maps-sorted 'len(d["ranges"]) > 1 and all(int(a["vaddr"], 16) + int(a["size"], 16) <= int(b["vaddr"], 16) for a, b in zip(d["ranges"], d["ranges"][1:]))' \
	"$VT" maps --json $S

# Usage errors in the walk options.
expect_grep root-no-cpu 64 'no CPU 5 \(the dump has 2\)' "$VT" vtop --cpu 5 $S 0x0
expect_grep root-swapper-cpu 64 '--swapper goes with neither --cpu nor --cr3' "$VT" maps --swapper --cpu 1 $S
expect_grep read-phys-cpu 64 '--phys reads no page tables' "$VT" read --phys --cpu 1 $S 0
expect_grep read-format 64 "--format takes hex, raw, u64 or u32, not 'bin'" "$VT" read --format=bin $S 0
expect_grep maps-halves 64 '--kernel and --user exclude each other' "$VT" maps --kernel --user $S
expect_grep vtop-bad-addr 64 "VADDR '1zz' is neither a number" "$VT" vtop $S 1zz
expect_grep vtop-no-vaddr 64 'no VADDR given' "$VT" vtop $S
# AArch64: the root from VMCOREINFO (swapper_pg_dir - kimage_voffset).
expect_grep walk-aarch64-root 0 '^root: 4K granule \(VMCOREINFO PAGESIZE\), 48-bit VA \(VMCOREINFO NUMBER\(TCR_EL1_T1SZ\)\); TTBR1 table 0x40380000 \(VMCOREINFO swapper_pg_dir 0xffff800048180000 - kimage_voffset 0xffff800007e00000\); TTBR0 unknown: user space needs --ttbr0$' \
	"$VT" maps aarch64-basic.core
expect_grep walk-aarch64-cpu 64 'QEMU saves no TTBR for AArch64 CPUs: pass --ttbr1 and --ttbr0, not --cpu or --cr3' \
	"$VT" vtop --cpu 0 aarch64-basic.core 0xffff800048010000
expect_grep walk-aarch64-lower 1 'a lower-half \(TTBR0\) address, and TTBR0 is unknown: pass --ttbr0' \
	"$VT" vtop aarch64-basic.core 0x0000aaaab2c41234
expect_grep walk-x86-ttbr 64 '--ttbr0, --ttbr1, --granule and --va-bits are for AArch64 dumps' \
	"$VT" vtop --ttbr1 0x1000 $S 0x1000
expect_grep walk-granule-bad 64 "--granule takes 4k, 16k or 64k, not '8k'" "$VT" vtop --granule 8k aarch64-basic.core 0
expect_grep walk-vabits-bad 64 "--va-bits takes 16 to 52, not '60'" "$VT" vtop --va-bits 60 aarch64-basic.core 0
