/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pagewalk: which paging form a CPU is in (FORMATS.md §7.1, §7.2, §8.2). */
#include "pagewalk.h"

#include <stdio.h>
#include <string.h>

const char *vmc_paging_mode_name(enum vmc_paging_mode mode)
{
	switch (mode) {
	case VMC_PAGING_NONE: return "none";
	case VMC_PAGING_X86_32: return "32-bit";
	case VMC_PAGING_X86_PAE: return "PAE";
	case VMC_PAGING_X86_4L: return "4-level";
	case VMC_PAGING_X86_5L: return "5-level";
	case VMC_PAGING_AARCH64: return "aarch64";
	default: return "unknown";
	}
}

#define HAVE_CR(c, n) ((c)->cr_have & (1u << (n)))

void vmc_x86_paging_mode(const struct vmc_cpu_state *c, bool elf_long_mode,
			 struct vmc_paging_choice *out)
{
	out->mode = VMC_PAGING_UNKNOWN;
	if (!HAVE_CR(c, 0) || !HAVE_CR(c, 4)) {
		snprintf(out->reason, sizeof(out->reason), "%s",
			 c->have & VMC_CPU_HAVE_QEMU ?
			 "the QEMU CPU-state note is too short to hold CR0/CR4" :
			 "no CR0/CR4 saved (no QEMU CPU-state note)");
		return;
	}
	uint64_t cr0 = c->cr[0], cr4 = c->cr[4];
	if (!(cr0 & VMC_CR0_PG)) {
		out->mode = VMC_PAGING_NONE;
		snprintf(out->reason, sizeof(out->reason), "CR0.PG=0");
		return;
	}
	if (!(cr4 & VMC_CR4_PAE)) {
		out->mode = VMC_PAGING_X86_32;
		snprintf(out->reason, sizeof(out->reason),
			 "CR0.PG=1 CR4.PAE=0 CR4.PSE=%d", !!(cr4 & VMC_CR4_PSE));
		return;
	}
	/* Long mode (EFER.LMA) is not saved. A 64-bit code segment proves it;
	 * compatibility mode (CS.L=0) does not disprove it, so fall back to
	 * what QEMU decided from the first CPU when it chose e_machine. */
	bool have_cs = c->seg_have & (1u << VMC_SEG_CS);
	bool cs_l = have_cs && (c->seg[VMC_SEG_CS].flags & VMC_SEGFLAG_L);
	const char *why;
	if (cs_l)
		why = "CS.L=1";
	else if (elf_long_mode)
		why = have_cs ? "CS.L=0, ELF machine x86_64"
			      : "ELF machine x86_64";
	else {
		out->mode = VMC_PAGING_X86_PAE;
		snprintf(out->reason, sizeof(out->reason),
			 "CR0.PG=1 CR4.PAE=1 %s, ELF machine i386 (no long mode)",
			 have_cs ? "CS.L=0" : "CS not saved");
		return;
	}
	bool la57 = cr4 & VMC_CR4_LA57;
	out->mode = la57 ? VMC_PAGING_X86_5L : VMC_PAGING_X86_4L;
	snprintf(out->reason, sizeof(out->reason),
		 "CR0.PG=1 CR4.PAE=1 %s CR4.LA57=%d", why, la57);
}

void vmc_arm64_paging(const struct vmc_vmcoreinfo *vi,
		      struct vmc_arm64_params *p, struct vmc_paging_choice *out)
{
	*p = (struct vmc_arm64_params){0};
	out->mode = VMC_PAGING_UNKNOWN;
	uint64_t v;
	if (vi && vmc_vmcoreinfo_dec(vi, "PAGESIZE", &v) &&
	    (v == 4096 || v == 16384 || v == 65536)) {
		p->page_shift = v == 4096 ? 12 : v == 16384 ? 14 : 16;
		p->have_granule = true;
		p->granule_src = "VMCOREINFO PAGESIZE";
	}
	/* The T1SZ in use wins over the configured VA_BITS, except with 64K
	 * pages, where a 52-bit kernel on 48-bit hardware keeps a 52-bit
	 * swapper_pg_dir behind an offset TTBR1 (as drgn reasons). */
	if (vi && p->page_shift != 16 &&
	    vmc_vmcoreinfo_number(vi, "TCR_EL1_T1SZ", &v) && v >= 12 && v <= 48) {
		p->va_bits = 64 - (unsigned)v;
		p->have_va_bits = true;
		p->va_src = "VMCOREINFO NUMBER(TCR_EL1_T1SZ)";
	} else if (vi && vmc_vmcoreinfo_number(vi, "VA_BITS", &v) && v >= 16 &&
		   v <= 52) {
		p->va_bits = (unsigned)v;
		p->have_va_bits = true;
		p->va_src = "VMCOREINFO NUMBER(VA_BITS)";
	}
	if (p->have_granule && p->have_va_bits) {
		out->mode = VMC_PAGING_AARCH64;
		snprintf(out->reason, sizeof(out->reason),
			 "%uK granule (%s), %u-bit VA (%s)",
			 1u << (p->page_shift - 10), p->granule_src, p->va_bits,
			 p->va_src);
	} else {
		snprintf(out->reason, sizeof(out->reason),
			 "QEMU saves no TTBR/TCR for AArch64, and VMCOREINFO %s",
			 vi ? "lacks PAGESIZE or the VA size" : "is absent");
	}
}
