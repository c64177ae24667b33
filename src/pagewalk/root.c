/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which page-table root to walk, and why (FORMATS.md §1.4, §8.1).
 *   x86: each CPU's CR3 from its QEMU note, in the mode that CPU is in; or
 *        swapper_pg_dir from VMCOREINFO, translated with phys_base.
 *   aarch64: handled with the AArch64 forms (not yet).
 */
#include "pagewalk.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* x86_64 kernel image mapping base, __START_KERNEL_map (Linux
 * arch/x86/include/asm/page_64_types.h). */
#define X86_START_KERNEL_MAP UINT64_C(0xffffffff80000000)

static uint64_t sme_mask_of(const struct vmc_machine *m)
{
	uint64_t v;
	if (m->vmcoreinfo && vmc_vmcoreinfo_number(m->vmcoreinfo, "sme_mask", &v))
		return v;
	return 0;
}

/* CPU cpu's form, or an error saying why it has none. */
static struct vmc_error *cpu_form(const struct vmc_machine *m, size_t cpu,
				  struct vmc_root_choice *out)
{
	const struct vmc_cpu_state *c = &m->cpus[cpu];
	struct vmc_paging_choice pc;
	vmc_x86_paging_mode(c, m->elf_long_mode, &pc);
	if (!(c->cr_have & (1u << 3)))
		return vmc_error_new(VMC_ERR_NOT_FOUND, "CPU %zu: no CR3 saved "
				     "(no QEMU CPU-state note)", cpu);
	if (pc.mode == VMC_PAGING_NONE || pc.mode == VMC_PAGING_UNKNOWN)
		return vmc_error_new(VMC_ERR_NOT_FOUND, "CPU %zu: paging %s (%s)",
				     cpu, vmc_paging_mode_name(pc.mode), pc.reason);
	struct vmc_error *err = vmc_paging_x86(pc.mode, c->cr[3],
					       c->cr[4] & VMC_CR4_PSE,
					       sme_mask_of(m), &out->pg[0]);
	if (err)
		return err;
	out->cpu = (int)cpu;
	snprintf(out->why, sizeof(out->why), "CPU %zu CR3 0x%" PRIx64 ", %s (%s)",
		 cpu, c->cr[3], vmc_paging_mode_name(pc.mode), pc.reason);
	return NULL;
}

/* swapper_pg_dir (= init_top_pgt) from VMCOREINFO. */
static struct vmc_error *swapper_form(const struct vmc_machine *m,
				      struct vmc_root_choice *out)
{
	const struct vmc_vmcoreinfo *vi = m->vmcoreinfo;
	uint64_t sym, phys_base = 0, l5 = 0;
	if (m->arch != VMC_ARCH_X86_64)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "a swapper_pg_dir root "
				     "is supported for x86_64 dumps only so far");
	if (!vi)
		return vmc_error_new(VMC_ERR_NOT_FOUND, "no VMCOREINFO note, so "
				     "swapper_pg_dir is unknown");
	if (!vmc_vmcoreinfo_symbol(vi, "swapper_pg_dir", &sym) &&
	    !vmc_vmcoreinfo_symbol(vi, "init_top_pgt", &sym))
		return vmc_error_new(VMC_ERR_NOT_FOUND, "VMCOREINFO has no "
				     "SYMBOL(swapper_pg_dir)");
	bool have_pb = vmc_vmcoreinfo_number(vi, "phys_base", &phys_base);
	if (sym < X86_START_KERNEL_MAP)
		return vmc_error_new(VMC_ERR_FORMAT, "SYMBOL(swapper_pg_dir) 0x%"
				     PRIx64 " is not in the kernel image mapping",
				     sym);
	vmc_vmcoreinfo_number(vi, "pgtable_l5_enabled", &l5);
	uint64_t pa = sym - X86_START_KERNEL_MAP + phys_base;
	struct vmc_error *err = vmc_paging_x86(l5 ? VMC_PAGING_X86_5L
						  : VMC_PAGING_X86_4L, pa, false,
					       sme_mask_of(m), &out->pg[0]);
	if (err)
		return err;
	out->cpu = -1;
	/* phys_base is negative when the kernel runs below where it was
	 * linked (KASLR); print it signed, as the kernel does. */
	bool neg = (int64_t)phys_base < 0;
	snprintf(out->why, sizeof(out->why), "VMCOREINFO swapper_pg_dir 0x%"
		 PRIx64 " - 0x%" PRIx64 " %c phys_base 0x%" PRIx64 "%s, %s",
		 sym, X86_START_KERNEL_MAP, neg ? '-' : '+',
		 neg ? -phys_base : phys_base,
		 have_pb ? "" : " (absent: 0)", l5 ? "5-level (pgtable_l5_enabled)"
						  : "4-level");
	return NULL;
}

/* ---- AArch64 -------------------------------------------------------------- */

/* A TTBR value's table address: BADDR is bits 47:1 (ASID in 63:48, CnP in
 * bit 0); with 52-bit PAs, TTBR[5:2] holds PA[51:48] (Arm ARM D19.2). */
static uint64_t ttbr_base(uint64_t ttbr, bool pa52)
{
	if (pa52)
		return (ttbr & UINT64_C(0x0000ffffffffffc0)) |
		       ((ttbr >> 2) & 0xf) << 48;
	return ttbr & UINT64_C(0x0000fffffffffffe);
}

static struct vmc_error *arm64_choice(const struct vmc_machine *m,
				      const struct vmc_root_request *req,
				      struct vmc_root_choice *out)
{
	if (req->cpu >= 0 || req->have_cr3)
		return vmc_error_new(VMC_ERR_USAGE, "QEMU saves no TTBR for "
				     "AArch64 CPUs: pass --ttbr1 and --ttbr0, not "
				     "--cpu or --cr3");
	const struct vmc_vmcoreinfo *vi = m->vmcoreinfo;
	struct vmc_arm64_params p;
	struct vmc_paging_choice pc;
	vmc_arm64_paging(vi, &p, &pc);
	unsigned shift = req->granule_shift ? req->granule_shift : p.page_shift;
	unsigned va_bits = req->va_bits ? req->va_bits : p.va_bits;
	const char *gsrc = req->granule_shift ? "--granule" : p.granule_src;
	const char *vsrc = req->va_bits ? "--va-bits" : p.va_src;
	if (!shift || !va_bits)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "the AArch64 %s unknown: QEMU "
				     "saves no TCR, and %s; pass --granule 4k|16k|64k "
				     "and --va-bits N", !shift ? "granule is" :
				     "virtual-address size is",
				     vi ? "VMCOREINFO does not say" :
				     "the dump has no VMCOREINFO");
	uint64_t v;
	bool pa52 = va_bits == 52 ||
		    (vi && vmc_vmcoreinfo_number(vi, "MAX_PHYSMEM_BITS", &v) && v == 52);
	uint64_t sym, voff;
	char src1[160] = "";
	bool have1 = false;
	uint64_t root1 = 0;
	if (req->have_ttbr1) {
		root1 = ttbr_base(req->ttbr1, pa52);
		snprintf(src1, sizeof(src1), "--ttbr1 0x%" PRIx64, req->ttbr1);
		have1 = true;
	} else if (vi && vmc_vmcoreinfo_symbol(vi, "swapper_pg_dir", &sym) &&
		   vmc_vmcoreinfo_number(vi, "kimage_voffset", &voff)) {
		/* The kernel image is linked at kimage_voffset above its
		 * physical address (arch/arm64/include/asm/memory.h). */
		root1 = sym - voff;
		snprintf(src1, sizeof(src1), "VMCOREINFO swapper_pg_dir 0x%" PRIx64
			 " - kimage_voffset 0x%" PRIx64, sym, voff);
		have1 = true;
	}
	if (!have1 && !req->have_ttbr0)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "no AArch64 page-table root: "
				     "QEMU saves no TTBR, and %s; pass --ttbr1 PADDR "
				     "(the kernel's swapper_pg_dir)", vi ?
				     "VMCOREINFO lacks swapper_pg_dir or "
				     "kimage_voffset" : "the dump has no VMCOREINFO");
	struct vmc_error *err;
	if (have1) {
		err = vmc_paging_arm64(shift, va_bits, root1, true, pa52,
				       &out->pg[out->npg]);
		if (err)
			return err;
		out->npg++;
	}
	if (req->have_ttbr0) {
		err = vmc_paging_arm64(shift, va_bits, ttbr_base(req->ttbr0, pa52),
				       false, pa52, &out->pg[out->npg]);
		if (err)
			return err;
		out->npg++;
	}
	int n = snprintf(out->why, sizeof(out->why), "%uK granule (%s), %u-bit "
			 "VA (%s)", 1u << (shift - 10), gsrc ? gsrc : "?", va_bits,
			 vsrc ? vsrc : "?");
	if (have1 && n > 0 && (size_t)n < sizeof(out->why))
		n += snprintf(out->why + n, sizeof(out->why) - (size_t)n,
			      "; TTBR1 table 0x%" PRIx64 " (%s)", out->pg[0].root,
			      src1);
	if (n > 0 && (size_t)n < sizeof(out->why))
		snprintf(out->why + n, sizeof(out->why) - (size_t)n, "; %s",
			 req->have_ttbr0 ? "TTBR0 from --ttbr0" :
			 "TTBR0 unknown: user space needs --ttbr0");
	return NULL;
}

/* ---- choosing --------------------------------------------------------------- */

static struct vmc_error *x86_choice(const struct vmc_machine *m,
				    const struct vmc_root_request *req,
				    struct vmc_root_choice *out);

struct vmc_error *vmc_choose_root(const struct vmc_machine *m,
				  const struct vmc_root_request *req,
				  struct vmc_root_choice *out)
{
	*out = (struct vmc_root_choice){ .cpu = -1 };
	if (m->arch == VMC_ARCH_AARCH64)
		return arm64_choice(m, req, out);
	if (req->have_ttbr0 || req->have_ttbr1 || req->granule_shift ||
	    req->va_bits)
		return vmc_error_new(VMC_ERR_USAGE, "--ttbr0, --ttbr1, --granule "
				     "and --va-bits are for AArch64 dumps");
	struct vmc_error *err = x86_choice(m, req, out);
	if (!err)
		out->npg = 1;
	return err;
}

static struct vmc_error *x86_choice(const struct vmc_machine *m,
				    const struct vmc_root_request *req,
				    struct vmc_root_choice *out)
{
	if (req->cpu >= 0 && (size_t)req->cpu >= m->ncpus)
		return vmc_error_new(VMC_ERR_USAGE, "no CPU %d (the dump has %zu)",
				     req->cpu, m->ncpus);
	if (req->have_cr3) {
		/* The mode comes from the chosen CPU (default 0) or, failing
		 * that, from the dump: an explicit root keeps the CPU's form. */
		struct vmc_root_choice base;
		size_t cpu = req->cpu >= 0 ? (size_t)req->cpu : 0;
		bool have_base = false;
		if (cpu < m->ncpus) {
			struct vmc_error *e = cpu_form(m, cpu, &base);
			have_base = !e;
			vmc_error_free(e);
		}
		enum vmc_paging_mode mode = VMC_PAGING_X86_4L;
		bool pse = false;
		const char *from = "assumed 4-level (no CPU state)";
		char buf[64];
		uint64_t l5;
		if (have_base) {
			mode = base.pg[0].mode;
			pse = base.pg[0].pse;
			snprintf(buf, sizeof(buf), "%s, as CPU %zu",
				 vmc_paging_mode_name(mode), cpu);
			from = buf;
		} else if (m->vmcoreinfo &&
			   vmc_vmcoreinfo_number(m->vmcoreinfo,
						 "pgtable_l5_enabled", &l5) && l5) {
			mode = VMC_PAGING_X86_5L;
			from = "5-level (VMCOREINFO pgtable_l5_enabled)";
		} else if (m->arch == VMC_ARCH_I386) {
			mode = VMC_PAGING_X86_PAE;
			from = "assumed PAE (i386 dump, no CPU state)";
		}
		struct vmc_error *		err = vmc_paging_x86(mode, req->cr3, pse, sme_mask_of(m), &out->pg[0]);
		if (err)
			return err;
		snprintf(out->why, sizeof(out->why), "--cr3 0x%" PRIx64 ", %s",
			 req->cr3, from);
		return NULL;
	}
	if (req->swapper)
		return swapper_form(m, out);
	if (req->cpu >= 0)
		return cpu_form(m, (size_t)req->cpu, out);
	/* Default: CPU 0, else the first CPU with paging on, else swapper. */
	struct vmc_error *first = NULL;
	for (size_t i = 0; i < m->ncpus; i++) {
		struct vmc_error *err = cpu_form(m, i, out);
		if (!err)
			return NULL;
		if (!first)
			first = err;
		else
			vmc_error_free(err);
	}
	struct vmc_error *err = swapper_form(m, out);
	if (!err) {
		vmc_error_free(first);
		return NULL;
	}
	if (first) {
		vmc_error_prefix(first, "no root to walk: %s; and", err->msg);
		vmc_error_free(err);
		return first;
	}
	return vmc_error_prefix(err, "no CPU state and no root to walk");
}

struct vmc_error *vmc_cpu_roots(const struct vmc_machine *m,
				struct vmc_paging **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct vmc_paging *pgs = calloc(m->ncpus ? m->ncpus : 1, sizeof(*pgs));
	if (!pgs)
		return vmc_error_nomem();
	for (size_t i = 0; i < m->ncpus; i++) {
		struct vmc_root_choice rc;
		struct vmc_error *err = cpu_form(m, i, &rc);
		if (err) {
			vmc_error_free(err);
			continue;
		}
		size_t j = 0;
		while (j < *n && !(pgs[j].root == rc.pg[0].root &&
				   pgs[j].mode == rc.pg[0].mode))
			j++;
		if (j == *n)
			pgs[(*n)++] = rc.pg[0];
	}
	*out = pgs;
	return NULL;
}
