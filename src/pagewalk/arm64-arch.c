/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AArch64 architecture operations (pagewalk.h struct vmc_arch_ops). QEMU
 * saves no TTBR or TCR for AArch64 CPUs (FORMATS.md §8), so the kernel's
 * root is VMCOREINFO's swapper_pg_dir less kimage_voffset, or --ttbr1; user
 * space needs --ttbr0. TTBR1 translates the upper half, TTBR0 the lower.
 */
#include "pagewalk.h"

#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void arm64_cpu_paging(const struct vmc_dump *d,
			     const struct vmc_cpu_state *c,
			     struct vmc_paging_choice *out)
{
	(void)c;
	struct vmc_arm64_params p;
	vmc_arm64_paging(d->vmcoreinfo, &p, out);
}

/* A TTBR value's table address: BADDR is bits 47:1 (ASID in 63:48, CnP in
 * bit 0); with 52-bit PAs, TTBR[5:2] holds PA[51:48] (Arm ARM D19.2). */
static uint64_t ttbr_base(uint64_t ttbr, bool pa52)
{
	if (pa52)
		return (ttbr & UINT64_C(0x0000ffffffffffc0)) |
		       ((ttbr >> 2) & 0xf) << 48;
	return ttbr & UINT64_C(0x0000fffffffffffe);
}

static struct vmc_error *arm64_choose_root(const struct vmc_dump *d,
				      const struct vmc_root_request *req,
				      struct vmc_root_choice *out)
{
	if (req->cpu >= 0 || req->have_cr3)
		return vmc_error_new(VMC_ERR_USAGE, "QEMU saves no TTBR for "
				     "AArch64 CPUs: pass --ttbr1 and --ttbr0, not "
				     "--cpu or --cr3");
	const struct vmc_vmcoreinfo *vi = d->vmcoreinfo;
	if (req->swapper)
		return vmc_error_new(VMC_ERR_USAGE, "--swapper is for x86_64 "
				     "dumps; on AArch64 the default TTBR1 root is "
				     "swapper_pg_dir already");
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

static struct vmc_error *arm64_kernel_forms(const struct vmc_dump *d,
					    const struct vmc_root_choice *rc,
					    struct vmc_paging_vec *out)
{
	(void)d;
	for (size_t i = 0; i < rc->npg; i++) {
		if (!rc->pg[i].upper)
			continue;
		struct vmc_paging *slot = vmc_paging_vec_push(out);
		if (!slot)
			return vmc_error_nomem();
		*slot = rc->pg[i];
	}
	return NULL;
}

static const struct vmc_paging *arm64_user_form(const struct vmc_root_choice *rc)
{
	for (size_t i = 0; i < rc->npg; i++)
		if (!rc->pg[i].upper)
			return &rc->pg[i];
	return NULL;
}

/* TTBR1 covers the top 2^va_bits bytes (Arm ARM D8.1.2). */
static uint64_t arm64_kernel_start(const struct vmc_paging *pg)
{
	return ~((UINT64_C(1) << pg->va_bits) - 1);
}

const struct vmc_arch_ops vmc_aarch64_ops = {
	.name = "aarch64",
	.cpu_paging = arm64_cpu_paging,
	.choose_root = arm64_choose_root,
	.kernel_forms = arm64_kernel_forms,
	.user_form = arm64_user_form,
	.kernel_start = arm64_kernel_start,
	.out_class = ELFCLASS64,
};
