/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pagewalk: guest page tables → virtual-to-physical runs. Knows no ELF: it
 * reads guest memory only through struct vmc_physmem and takes CPU state
 * and VMCOREINFO as plain data (base.h).
 *
 * This first part decides which paging form each CPU is in, and why.
 */
#ifndef VMC_PAGEWALK_H
#define VMC_PAGEWALK_H

#include "../base/base.h"

enum vmc_paging_mode {
	VMC_PAGING_UNKNOWN,	/* not enough state saved to tell */
	VMC_PAGING_NONE,	/* CR0.PG = 0 */
	VMC_PAGING_X86_32,	/* 2-level, 4-byte entries */
	VMC_PAGING_X86_PAE,	/* 3-level, PDPT of 4 entries */
	VMC_PAGING_X86_4L,	/* IA-32e 4-level */
	VMC_PAGING_X86_5L,	/* IA-32e 5-level (CR4.LA57) */
	VMC_PAGING_AARCH64,	/* VMSAv8-64 stage 1; see vmc_arm64_params */
};

/* x86 control-register bits (Intel SDM Vol. 3A §2.5). */
#define VMC_CR0_PG		(1ull << 31)
#define VMC_CR4_PSE		(1ull << 4)
#define VMC_CR4_PAE		(1ull << 5)
#define VMC_CR4_LA57		(1ull << 12)
#define VMC_CR4_PCIDE		(1ull << 17)
/* Code-segment descriptor L bit: 64-bit code (SDM Vol. 3A §3.4.5); QEMU
 * stores descriptor bits 8-23 in place, so it is bit 21 of seg.flags. */
#define VMC_SEGFLAG_L		(1u << 21)

struct vmc_paging_choice {
	enum vmc_paging_mode mode;
	char reason[160];	/* e.g. "CR0.PG=1 CR4.PAE=1 CS.L=1 CR4.LA57=0" */
};

/*
 * The x86 paging mode of one CPU. elf_long_mode says the dump's e_machine
 * is EM_X86_64, which QEMU chooses when the first CPU had EFER.LMA set —
 * the only trace of LMA in a dump, since EFER is not saved (§7.1).
 */
void vmc_x86_paging_mode(const struct vmc_cpu_state *cpu, bool elf_long_mode,
			 struct vmc_paging_choice *out);

/* AArch64 translation parameters and where each came from. */
struct vmc_arm64_params {
	bool have_granule, have_va_bits;
	unsigned page_shift;		/* 12, 14 or 16 */
	unsigned va_bits;
	const char *granule_src, *va_src;	/* "VMCOREINFO PAGESIZE", ... */
};

/* Fill p from VMCOREINFO (vi may be NULL); out->mode is AARCH64 when both
 * the granule and the VA size are known, else UNKNOWN with the reason. */
void vmc_arm64_paging(const struct vmc_vmcoreinfo *vi,
		      struct vmc_arm64_params *p,
		      struct vmc_paging_choice *out);

const char *vmc_paging_mode_name(enum vmc_paging_mode mode);

#endif
