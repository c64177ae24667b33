#!/usr/bin/env python3
"""mkranges.py N OUT -- an x86_64 QEMU-style core with N separate RAM ranges.

A scale input for the commands whose cost follows the number of RAM ranges
(remap's placement, the RAM-map lookups): N PT_LOADs of one 4 KiB page each,
range i at physical i * 8 KiB, so there is a 4 KiB gap between every two.
p_vaddr = p_paddr, as QEMU writes with paging=false.

The guest state is the ordinary Linux x86_64 4-level case (CR0.PG, CR4.PAE,
CS.L, no LA57; Intel SDM Vol. 3A 4.5), with two mappings:
  - the direct map, PML4[273] (0xffff888000000000) -> PDPT -> PDs of 2 MiB
    leaves covering physical 0 .. N * 8 KiB (rounded up to 2 MiB): one leaf
    per 256 ranges, covering the ranges and the gaps between them;
  - a kernel image, 0xffffffff80000000: PML4[511] -> PDPT[510] -> PD[0], one
    2 MiB leaf at physical 0.
The page tables live in the first ranges' pages (PML4 in range 1, at 0x2000:
CR3 is never 0), every other RAM page is zero and left as a hole, so a
60,000-range core is 240 MiB long but takes about 4 MiB of disk (mostly the
program headers).

The core is built by tests/mkcore.py from a description in its text format
(tests/fixtures/FORMAT.md); `mkranges.py --desc N` prints that description
instead. Exit status: 0 success, 1 I/O error, 2 usage. Standard library only.
"""

import os
import sys

sys.dont_write_bytecode = True   # leave no __pycache__ in tests/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkcore  # noqa: E402  (tests/mkcore.py, beside this file)

PAGE = 4096
STRIDE = 2 * PAGE           # one range per 8 KiB: a page of RAM, a page of gap
SIZE_2M = 2 << 20
ENTRIES = 512               # entries per x86-64 table (SDM Vol. 3A 4.5)

# Entry bits (SDM Vol. 3A 4.5, tables 4-14 to 4-19).
TABLE = 0x063               # P | RW | A | D
LEAF_2M = 0x1E3             # P | RW | A | D | PS | G

# Where the tables sit: in range k, at physical k * STRIDE.
PML4 = 1 * STRIDE
PDPT_DIRECT = 2 * STRIDE
PDPT_KERNEL = 3 * STRIDE
PD_KERNEL = 4 * STRIDE
FIRST_PD_DIRECT = 5         # range of the first direct-map PD; one per GiB

DIRECT_PML4 = 273           # 0xffff888000000000 (Linux page_offset_base)
KERNEL_PML4 = 511           # 0xffffffff80000000: PML4[511] PDPT[510] PD[0]
KERNEL_PDPT = 510
KERNEL_VADDR = 0xFFFFFFFF80000000


def layout(n):
    """(2M leaves, direct-map PDs) for n ranges."""
    leaves = -(-n * STRIDE // SIZE_2M)
    pds = -(-leaves // ENTRIES)
    return leaves, pds


def description(n):
    leaves, pds = layout(n)
    if pds > ENTRIES:
        raise ValueError("more than 512 GiB of direct map")
    if n < FIRST_PD_DIRECT + pds:
        raise ValueError("%d ranges cannot hold the %d page tables"
                         % (n, FIRST_PD_DIRECT + pds))
    out = ["# mkranges.py %d: %d RAM ranges of 4K, %d KiB apart; %d direct-map"
           " 2M leaves" % (n, n, STRIDE // 1024, leaves),
           "machine x86_64",
           "class 64",
           "note prstatus pid=1 rip=0x%x rsp=0x%x cs=0x10 ss=0x18 eflags=0x246"
           % (KERNEL_VADDR + 0x1000, KERNEL_VADDR + 0x1F00),
           # CR4 0x3606f0: PSE PAE MCE PGE ... SMEP SMAP, no LA57; cs.flags
           # 0x209b00 has L (bit 21): 64-bit code.
           "note qemu cr0=0x80050033 cr3=0x%x cr4=0x3606f0 cs.selector=0x10"
           " cs.limit=0xffffffff cs.flags=0x209b00" % PML4,
           "note vmcoreinfo",
           "OSRELEASE=6.1.0-mkranges",
           "PAGESIZE=4096",
           # The kernel image maps physical 0 at KERNEL_VADDR (phys_base 0).
           "SYMBOL(swapper_pg_dir)=%x" % (KERNEL_VADDR + PML4),
           "NUMBER(phys_base)=0",
           "NUMBER(pgtable_l5_enabled)=0",
           "end",
           "load 0x0 4K count=%d pstep=%d" % (n, STRIDE)]
    out += ["ram 0x%x 4K" % (i * STRIDE) for i in range(n)]
    out.append("pte64 0x%x %d 0x%x  # PML4[%d] -> direct-map PDPT"
               % (PML4, DIRECT_PML4, PDPT_DIRECT | TABLE, DIRECT_PML4))
    out.append("pte64 0x%x %d 0x%x  # PML4[%d] -> kernel PDPT"
               % (PML4, KERNEL_PML4, PDPT_KERNEL | TABLE, KERNEL_PML4))
    out.append("pte64 0x%x %d 0x%x  # PDPT[%d] -> kernel PD"
               % (PDPT_KERNEL, KERNEL_PDPT, PD_KERNEL | TABLE, KERNEL_PDPT))
    out.append("pte64 0x%x 0 0x%x  # PD[0] -> 2M at 0: 0x%x"
               % (PD_KERNEL, LEAF_2M, KERNEL_VADDR))
    for j in range(pds):
        pd = (FIRST_PD_DIRECT + j) * STRIDE
        out.append("pte64 0x%x %d 0x%x  # PDPT[%d] -> direct-map PD, GiB %d"
                   % (PDPT_DIRECT, j, pd | TABLE, j, j))
        first = j * ENTRIES
        values = ["0x%x" % ((first + k) * SIZE_2M | LEAF_2M)
                  for k in range(min(ENTRIES, leaves - first))]
        out.append("u64 0x%x %s  # 2M leaves" % (pd, " ".join(values)))
    return "\n".join(out) + "\n"


def main(argv):
    prog = os.path.basename(argv[0])
    args = argv[1:]
    print_desc = args[:1] == ["--desc"]
    if print_desc:
        args = args[1:]
    if len(args) != (1 if print_desc else 2) or not args[0].isdigit():
        sys.stderr.write("usage: %s N OUT\n       %s --desc N\n"
                         % (prog, prog))
        return 2
    n = int(args[0])
    try:
        text = description(n)
    except ValueError as e:
        sys.stderr.write("%s: %s\n" % (prog, e))
        return 2
    if print_desc:
        sys.stdout.write(text)
        return 0
    out_path = args[1]
    # A generator bug shows as a bad description, named <mkranges>.
    return mkcore.build_core(prog, "<mkranges>", text, out_path)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
