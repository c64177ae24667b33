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

/* ---- regions ------------------------------------------------------------------
 * Linux 6.1 Documentation/arm64/memory.rst and arch/arm64/include/asm/
 * memory.h: the linear map from PAGE_OFFSET = -2^VA_BITS to PAGE_END =
 * -2^(VA_BITS_MIN - 1), at VA - PA = PAGE_OFFSET - PHYS_OFFSET; modules,
 * vmalloc and vmemmap as VMCOREINFO gives them (NUMBER(MODULES_VADDR) and
 * the like, arch/arm64/kernel/crash_core.c); the fixed mappings from
 * VMALLOC_END up to FIXADDR_TOP = VMEMMAP_START - 32M, PCI I/O from
 * VMEMMAP_START - 24M to VMEMMAP_START - 8M; the kernel image, inside
 * vmalloc, where the mappings at VA - PA = kimage_voffset lie. */

#define ARM64_SZ_8M	(UINT64_C(8) << 20)
#define ARM64_SZ_32M	(UINT64_C(32) << 20)
/* How far from _stext an image mapping may lie: the image is tens of MB. */
#define ARM64_IMAGE_REACH (UINT64_C(512) << 20)

#define PUSH(...)						\
	do {							\
		if (!vmc_region_push(out, __VA_ARGS__))		\
			return vmc_error_nomem();		\
	} while (0)

/* The image's extent: the mappings at kimage_voffset near _stext. */
static bool arm64_image(const struct vmc_view *v, const struct vmc_run *maps,
			size_t n, uint64_t voff, uint64_t *lo, uint64_t *hi)
{
	uint64_t stext = 0;
	bool have_stext = vmc_vmcoreinfo_symbol(v->dump->vmcoreinfo, "_stext",
						&stext);
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		const struct vmc_run *m = &maps[i];
		if (m->vaddr < v->kernel_start || m->vaddr - m->paddr != voff ||
		    !m->size || m->size - 1 > UINT64_MAX - m->vaddr)
			continue;
		uint64_t last = m->vaddr + (m->size - 1);
		if (have_stext && (last + ARM64_IMAGE_REACH < stext ||
				   m->vaddr > stext + ARM64_IMAGE_REACH))
			continue;
		if (!any || m->vaddr < *lo)
			*lo = m->vaddr;
		if (!any || last > *hi)
			*hi = last;
		any = true;
	}
	return any;
}

static struct vmc_error *arm64_regions(const struct vmc_view *v,
				       const struct vmc_run *maps, size_t n,
				       struct vmc_region_vec *out)
{
	const struct vmc_vmcoreinfo *vi = v->dump->vmcoreinfo;
	const struct vmc_paging *k = NULL;
	for (size_t i = 0; i < v->rc.npg; i++)
		if (v->rc.pg[i].upper)
			k = &v->rc.pg[i];
	unsigned va = k ? k->va_bits : v->rc.pg[0].va_bits;
	/* TTBR0 gets the same size as TTBR1 (T0SZ = T1SZ, arch/arm64/mm/proc.S). */
	PUSH(0, (UINT64_C(1) << va) - 1, "user", 'u', VMC_REGION_USER,
	     "TTBR0: the lower %u-bit range", va);
	if (!k)
		return NULL;
	const uint64_t ks = v->kernel_start;
	uint64_t vbits = va, phys_offset, voff;
	if (vi && vmc_vmcoreinfo_number(vi, "VA_BITS", &vbits) &&
	    (vbits < 36 || vbits > 52))
		vbits = va;
	uint64_t page_offset = ~((UINT64_C(1) << vbits) - 1);
	unsigned va_min = vbits > 48 ? 48 : (unsigned)vbits;
	uint64_t page_end = ~((UINT64_C(1) << (va_min - 1)) - 1);
	struct vmc_region *r = vmc_region_push(out, page_offset > ks ? page_offset : ks,
					       page_end - 1, "linear map", '=',
					       VMC_REGION_LINEAR, "PAGE_OFFSET "
					       "-2^%" PRIu64 " to PAGE_END "
					       "-2^%u (memory.h)", vbits,
					       va_min - 1);
	if (!r)
		return vmc_error_nomem();
	/* __lm_to_phys: PA = VA - PAGE_OFFSET + PHYS_OFFSET (memory.h). */
	if (vi && vmc_vmcoreinfo_number(vi, "PHYS_OFFSET", &phys_offset)) {
		r->have_delta = true;
		r->delta = page_offset - phys_offset;
	}
	uint64_t mlo, mhi, vlo, vhi, elo, ehi;
	bool have_mod = vi && vmc_vmcoreinfo_number(vi, "MODULES_VADDR", &mlo) &&
			vmc_vmcoreinfo_number(vi, "MODULES_END", &mhi) &&
			mlo >= ks && mlo < mhi;
	bool have_vm = vi && vmc_vmcoreinfo_number(vi, "VMALLOC_START", &vlo) &&
		       vmc_vmcoreinfo_number(vi, "VMALLOC_END", &vhi) &&
		       vlo >= ks && vlo < vhi;
	bool have_mm = vi && vmc_vmcoreinfo_number(vi, "VMEMMAP_START", &elo) &&
		       vmc_vmcoreinfo_number(vi, "VMEMMAP_END", &ehi) &&
		       elo >= ks && elo < ehi;
	if (have_mod)
		PUSH(mlo, mhi - 1, "modules", 'm', VMC_REGION_KERNEL,
		     "VMCOREINFO NUMBER(MODULES_VADDR) to NUMBER(MODULES_END)");
	uint64_t ilo = 0, ihi = 0;
	bool have_img = vi && vmc_vmcoreinfo_number(vi, "kimage_voffset", &voff) &&
			arm64_image(v, maps, n, voff, &ilo, &ihi);
	if (have_img) {
		r = vmc_region_push(out, ilo, ihi, "kernel image", 'K',
				    VMC_REGION_IMAGE, "the mappings at VA - PA = "
				    "VMCOREINFO NUMBER(kimage_voffset) near "
				    "SYMBOL(_stext)");
		if (!r)
			return vmc_error_nomem();
		r->have_delta = true;
		r->delta = voff;
	}
	if (have_vm) {
		const char *src = "VMCOREINFO NUMBER(VMALLOC_START) to "
				  "NUMBER(VMALLOC_END)";
		/* The image lies inside vmalloc (KASLR): vmalloc around it. */
		if (have_img && ilo > vlo && ihi < vhi - 1) {
			PUSH(vlo, ilo - 1, "vmalloc", 'v', VMC_REGION_KERNEL, "%s", src);
			PUSH(ihi + 1, vhi - 1, "vmalloc", 'v', VMC_REGION_KERNEL, "%s", src);
		} else {
			PUSH(vlo, vhi - 1, "vmalloc", 'v', VMC_REGION_KERNEL, "%s", src);
		}
	}
	if (have_vm && have_mm && vhi < elo - ARM64_SZ_32M) {
		PUSH(vhi, elo - ARM64_SZ_32M - 1, "fixmap", 'f', VMC_REGION_KERNEL,
		     "VMALLOC_END to FIXADDR_TOP = VMEMMAP_START - 32M "
		     "(memory.h, memory.rst)");
		PUSH(elo - 3 * ARM64_SZ_8M, elo - ARM64_SZ_8M - 1, "PCI I/O", 'i',
		     VMC_REGION_KERNEL, "VMEMMAP_START - 24M to - 8M (memory.h)");
	}
	if (have_mm)
		PUSH(elo, ehi - 1, "vmemmap", 'p', VMC_REGION_KERNEL,
		     "VMCOREINFO NUMBER(VMEMMAP_START) to NUMBER(VMEMMAP_END)");
	return NULL;
}

#undef PUSH

const struct vmc_arch_ops vmc_aarch64_ops = {
	.name = "aarch64",
	.cpu_paging = arm64_cpu_paging,
	.choose_root = arm64_choose_root,
	.kernel_forms = arm64_kernel_forms,
	.user_form = arm64_user_form,
	.kernel_start = arm64_kernel_start,
	.regions = arm64_regions,
	.out_class = ELFCLASS64,
};
