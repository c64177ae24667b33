/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 architecture operations (pagewalk.h struct vmc_arch_ops): which root
 * to walk and why (FORMATS.md §1.4, §8.1), the kernel half, the kernel
 * image mapping. Roots: each CPU's CR3 from its QEMU note, in the mode that
 * CPU is in; or swapper_pg_dir from VMCOREINFO, translated with phys_base.
 */
#include "pagewalk.h"

#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* x86_64 kernel image mapping base, __START_KERNEL_map (Linux
 * arch/x86/include/asm/page_64_types.h). */
#define X86_START_KERNEL_MAP	UINT64_C(0xffffffff80000000)
/* Linux's default PAGE_OFFSET for i386 (CONFIG_VMSPLIT_3G). */
#define I386_PAGE_OFFSET	UINT64_C(0xc0000000)

static uint64_t sme_mask_of(const struct vmc_dump *d)
{
	uint64_t v;
	if (d->vmcoreinfo && vmc_vmcoreinfo_number(d->vmcoreinfo, "sme_mask", &v))
		return v;
	return 0;
}

static void x86_cpu_paging(const struct vmc_dump *d,
			   const struct vmc_cpu_state *c,
			   struct vmc_paging_choice *out)
{
	vmc_x86_paging_mode(c, d->long_mode, out);
}

/* CPU cpu's form, or an error saying why it has none. */
static struct vmc_error *cpu_form(const struct vmc_dump *d, size_t cpu,
				  struct vmc_root_choice *out)
{
	const struct vmc_cpu_state *c = &d->cpus[cpu];
	if (!(c->cr_have & (1u << 3))) {
		if (c->have & VMC_CPU_HAVE_QEMU)
			return vmc_error_new(VMC_ERR_FORMAT, "CPU %zu: its QEMU "
					     "CPU-state note is too short to hold "
					     "CR3 (size %" PRIu32 ")", cpu,
					     c->qemu_size);
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "CPU %zu: no CR3 saved "
				     "(no QEMU CPU-state note)", cpu);
	}
	struct vmc_paging_choice pc;
	vmc_x86_paging_mode(c, d->long_mode, &pc);
	if (pc.mode == VMC_PAGING_NONE || pc.mode == VMC_PAGING_UNKNOWN)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "CPU %zu: paging %s (%s)",
				     cpu, vmc_paging_mode_name(pc.mode), pc.reason);
	struct vmc_error *err = vmc_paging_x86(pc.mode, c->cr[3],
					       c->cr[4] & VMC_CR4_PSE,
					       sme_mask_of(d), &out->pg[0]);
	if (err)
		return err;
	out->cpu = (int)cpu;
	snprintf(out->why, sizeof(out->why), "CPU %zu CR3 0x%" PRIx64 ", %s (%s)",
		 cpu, c->cr[3], vmc_paging_mode_name(pc.mode), pc.reason);
	return NULL;
}

/* i386: swapper_pg_dir lies in the linear map, at PAGE_OFFSET + its
 * physical address. VMCOREINFO says CONFIG_X86_PAE but not PAGE_OFFSET, so
 * the default split (0xc0000000) is assumed and proven: the table must
 * translate its own address to where it was taken from. */
static struct vmc_error *swapper_form_i386(const struct vmc_dump *d,
					   uint64_t sym,
					   struct vmc_root_choice *out)
{
	const char *pae = vmc_vmcoreinfo_get(d->vmcoreinfo, "CONFIG_X86_PAE");
	bool is_pae = pae && strcmp(pae, "y") == 0;
	if (sym < I386_PAGE_OFFSET || sym > UINT32_MAX)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "SYMBOL(swapper_pg_dir) "
				     "0x%" PRIx64 " is below PAGE_OFFSET 0x%" PRIx64
				     " (another memory split?); pass --cr3", sym,
				     I386_PAGE_OFFSET);
	uint64_t pa = sym - I386_PAGE_OFFSET;
	/* Linux turns on PSE wherever the CPU has it (every CPU QEMU models). */
	struct vmc_error *err = vmc_paging_x86(is_pae ? VMC_PAGING_X86_PAE
						      : VMC_PAGING_X86_32,
					       pa, true, 0, &out->pg[0]);
	if (err)
		return err;
	struct vmc_translation t;
	vmc_translate(&out->pg[0], &d->pm, sym, &t);
	if (!t.mapped || t.paddr != pa)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "swapper_pg_dir at 0x%"
				     PRIx64 " taken as physical 0x%" PRIx64 " (PAGE_"
				     "OFFSET 0x%" PRIx64 ") does not map itself "
				     "there; pass --cr3", sym, pa, I386_PAGE_OFFSET);
	out->cpu = -1;
	snprintf(out->why, sizeof(out->why), "VMCOREINFO swapper_pg_dir 0x%"
		 PRIx64 " - PAGE_OFFSET 0x%" PRIx64 " (it maps itself there), %s",
		 sym, I386_PAGE_OFFSET, is_pae ? "PAE (CONFIG_X86_PAE)"
					       : "32-bit (no CONFIG_X86_PAE)");
	return NULL;
}

/* swapper_pg_dir (= init_top_pgt) from VMCOREINFO. */
static struct vmc_error *swapper_form(const struct vmc_dump *d,
				      struct vmc_root_choice *out)
{
	const struct vmc_vmcoreinfo *vi = d->vmcoreinfo;
	uint64_t sym, phys_base = 0, l5 = 0;
	if (d->arch == VMC_ARCH_I386 && vi &&
	    vmc_vmcoreinfo_symbol(vi, "swapper_pg_dir", &sym))
		return swapper_form_i386(d, sym, out);
	if (d->arch != VMC_ARCH_X86_64)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "no swapper_pg_dir root: "
				     "%s", vi ? "VMCOREINFO has no SYMBOL(swapper_pg_dir)"
				     : "the dump has no VMCOREINFO");
	if (!vi)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "no VMCOREINFO note, so "
				     "swapper_pg_dir is unknown");
	if (!vmc_vmcoreinfo_symbol(vi, "swapper_pg_dir", &sym) &&
	    !vmc_vmcoreinfo_symbol(vi, "init_top_pgt", &sym))
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "VMCOREINFO has no "
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
					       sme_mask_of(d), &out->pg[0]);
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

/* --cr3: the mode comes from the chosen CPU (default 0) or, failing that,
 * from the dump: an explicit root keeps the CPU's form. */
static struct vmc_error *cr3_form(const struct vmc_dump *d,
				  const struct vmc_root_request *req,
				  struct vmc_root_choice *out)
{
	struct vmc_root_choice base;
	size_t cpu = req->cpu >= 0 ? (size_t)req->cpu : 0;
	bool have_base = false;
	if (cpu < d->ncpus) {
		struct vmc_error *e = cpu_form(d, cpu, &base);
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
	} else if (d->vmcoreinfo &&
		   vmc_vmcoreinfo_number(d->vmcoreinfo, "pgtable_l5_enabled",
					 &l5) && l5) {
		mode = VMC_PAGING_X86_5L;
		from = "5-level (VMCOREINFO pgtable_l5_enabled)";
	} else if (d->arch == VMC_ARCH_I386) {
		mode = VMC_PAGING_X86_PAE;
		from = "assumed PAE (i386 dump, no CPU state)";
	}
	struct vmc_error *err = vmc_paging_x86(mode, req->cr3, pse,
					       sme_mask_of(d), &out->pg[0]);
	if (err)
		return err;
	snprintf(out->why, sizeof(out->why), "--cr3 0x%" PRIx64 ", %s",
		 req->cr3, from);
	return NULL;
}

static struct vmc_error *pick(const struct vmc_dump *d,
			      const struct vmc_root_request *req,
			      struct vmc_root_choice *out)
{
	if (req->have_ttbr0 || req->have_ttbr1 || req->granule_shift ||
	    req->va_bits)
		return vmc_error_new(VMC_ERR_USAGE, "--ttbr0, --ttbr1, --granule "
				     "and --va-bits are for AArch64 dumps");
	if (req->cpu >= 0 && (size_t)req->cpu >= d->ncpus)
		return vmc_error_new(VMC_ERR_USAGE, "no CPU %d (the dump has %zu)",
				     req->cpu, d->ncpus);
	if (req->have_cr3)
		return cr3_form(d, req, out);
	if (req->swapper)
		return swapper_form(d, out);
	if (req->cpu >= 0)
		return cpu_form(d, (size_t)req->cpu, out);
	/* Default: CPU 0, else the first CPU with paging on, else swapper.
	 * The first CPU's reason is what the user most needs to see. */
	struct vmc_error *first = NULL;
	for (size_t i = 0; i < d->ncpus; i++) {
		struct vmc_error *err = cpu_form(d, i, out);
		if (!err) {
			vmc_error_free(first);
			return NULL;
		}
		if (!first)
			first = err;
		else
			vmc_error_free(err);
	}
	struct vmc_error *err = swapper_form(d, out);
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

static struct vmc_error *x86_choose_root(const struct vmc_dump *d,
					 const struct vmc_root_request *req,
					 struct vmc_root_choice *out)
{
	struct vmc_error *err = pick(d, req, out);
	if (!err)
		out->npg = 1;
	return err;
}

struct form_key {
	uint64_t root;
	enum vmc_paging_mode mode;
	size_t order;
};

static int cmp_form_key(const void *a, const void *b)
{
	const struct form_key *x = a, *y = b;
	if (x->mode != y->mode)
		return x->mode < y->mode ? -1 : 1;
	if (x->root != y->root)
		return x->root < y->root ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

/* Drop repeated (root, mode) pairs from out, keeping first occurrences in
 * their order: O(n log n), since the dump says how many CPUs there are. */
static struct vmc_error *dedupe_forms(struct vmc_paging_vec *out)
{
	if (out->n < 2)
		return NULL;
	struct form_key *k = malloc(out->n * sizeof(*k));
	bool *drop = calloc(out->n, sizeof(*drop));
	if (!k || !drop) {
		free(k);
		free(drop);
		return vmc_error_nomem();
	}
	for (size_t i = 0; i < out->n; i++)
		k[i] = (struct form_key){ out->v[i].root, out->v[i].mode, i };
	qsort(k, out->n, sizeof(*k), cmp_form_key);
	for (size_t i = 1; i < out->n; i++)
		if (k[i].root == k[i - 1].root && k[i].mode == k[i - 1].mode)
			drop[k[i].order] = true;
	size_t n = 0;
	for (size_t i = 0; i < out->n; i++)
		if (!drop[i])
			out->v[n++] = out->v[i];
	out->n = n;
	free(k);
	free(drop);
	return NULL;
}

static struct vmc_error *push_form(struct vmc_paging_vec *out,
				   const struct vmc_paging *pg)
{
	struct vmc_paging *slot = vmc_paging_vec_push(out);
	if (!slot)
		return vmc_error_nomem();
	*slot = *pg;
	return NULL;
}

/* The chosen root, every CPU's root, then the kernel's own swapper_pg_dir:
 * with KPTI a CPU caught in user mode has the user PGD in CR3, whose kernel
 * half is nearly empty. Forms of another mode than the chosen one are left
 * out: a CPU still in real mode, say. */
static struct vmc_error *x86_kernel_forms(const struct vmc_dump *d,
					  const struct vmc_root_choice *rc,
					  struct vmc_paging_vec *out)
{
	size_t first = out->n;
	struct vmc_error *err = push_form(out, &rc->pg[0]);
	for (size_t i = 0; !err && i < d->ncpus; i++) {
		struct vmc_root_choice c;
		struct vmc_error *e = cpu_form(d, i, &c);
		if (e)
			vmc_error_free(e);
		else if (c.pg[0].mode == rc->pg[0].mode)
			err = push_form(out, &c.pg[0]);
	}
	struct vmc_root_choice sw;
	struct vmc_error *e = err ? NULL : swapper_form(d, &sw);
	if (!err && !e && sw.pg[0].mode == rc->pg[0].mode)
		err = push_form(out, &sw.pg[0]);
	vmc_error_free(e);
	if (err)
		return err;
	struct vmc_paging_vec mine = { out->v + first, out->n - first,
				       out->n - first };
	err = dedupe_forms(&mine);
	out->n = first + mine.n;
	return err;
}

static const struct vmc_paging *x86_user_form(const struct vmc_root_choice *rc)
{
	return &rc->pg[0];
}

static uint64_t x86_kernel_start(const struct vmc_paging *pg)
{
	if (pg->sign_extend)
		return ~((UINT64_C(1) << (pg->va_bits - 1)) - 1);
	return I386_PAGE_OFFSET;
}

/* 64-bit and 32-bit x86 differ in the image base, the output class and
 * whether a swapper_pg_dir root exists; the rest is shared. */
#define X86_OPS							\
	.cpu_paging = x86_cpu_paging,				\
	.choose_root = x86_choose_root,				\
	.kernel_forms = x86_kernel_forms,			\
	.user_form = x86_user_form,				\
	.kernel_start = x86_kernel_start

const struct vmc_arch_ops vmc_x86_64_ops = {
	.name = "x86_64",
	X86_OPS,
	.image_base = X86_START_KERNEL_MAP,
	.out_class = ELFCLASS64,
	.show_swapper = true,
};

const struct vmc_arch_ops vmc_i386_ops = {
	.name = "i386",
	X86_OPS,
	.out_class = ELFCLASS32,
	.show_swapper = true,
};
