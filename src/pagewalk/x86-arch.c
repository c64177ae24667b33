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

/* ---- regions ------------------------------------------------------------------
 * x86_64: Linux 6.1 Documentation/x86/x86_64/mm.rst (the fixed layout) and
 * arch/x86/mm/kaslr.c (CONFIG_RANDOMIZE_MEMORY: the direct map, vmalloc and
 * vmemmap keep their order, each base a multiple of PUD_SIZE (1 GiB) in
 * [__PAGE_OFFSET_BASE, CPU_ENTRY_AREA_BASE)). VMCOREINFO of 6.1 carries
 * none of page_offset_base, vmalloc_base or vmemmap_base, so they are read
 * back from what it does carry: mem_section (memblock memory, reached
 * through the direct map, and whose entries encode vmemmap), and
 * vmap_area_list (the vmalloc areas, lowest first). */

#define X86_GIB			(UINT64_C(1) << 30)
#define X86_TIB			(UINT64_C(1) << 40)
/* mm.rst, 4-level and 5-level tables. */
#define X86_L4_GUARD_HOLE	UINT64_C(0xffff800000000000)
#define X86_L4_LDT_REMAP	UINT64_C(0xffff880000000000)
#define X86_L4_PAGE_OFFSET	UINT64_C(0xffff888000000000)	/* __PAGE_OFFSET_BASE_L4 */
#define X86_L4_VMALLOC_BASE	UINT64_C(0xffffc90000000000)	/* __VMALLOC_BASE_L4 */
#define X86_L4_VMEMMAP_BASE	UINT64_C(0xffffea0000000000)	/* __VMEMMAP_BASE_L4 */
#define X86_L5_GUARD_HOLE	UINT64_C(0xff00000000000000)
#define X86_L5_LDT_REMAP	UINT64_C(0xff10000000000000)
#define X86_L5_PAGE_OFFSET	UINT64_C(0xff11000000000000)
#define X86_L5_VMALLOC_BASE	UINT64_C(0xffa0000000000000)
#define X86_L5_VMEMMAP_BASE	UINT64_C(0xffd4000000000000)
/* The same from here on in both (mm.rst). CPU_ENTRY_AREA_BASE is also
 * KASLR's vaddr_end (kaslr.c). */
#define X86_CPU_ENTRY_AREA	UINT64_C(0xfffffe0000000000)
#define X86_ESPFIX_BASE		UINT64_C(0xffffff0000000000)
#define X86_EFI_BASE		UINT64_C(0xffffffef00000000)
#define X86_MODULES_END		UINT64_C(0xffffffffff000000)	/* pgtable_64_types.h */
#define X86_VSYSCALL_ADDR	UINT64_C(0xffffffffff600000)
/* VMALLOC_SIZE_TB_L4 and _L5 (pgtable_64_types.h). */
#define X86_L4_VMALLOC_SIZE	(UINT64_C(32) * X86_TIB)
#define X86_L5_VMALLOC_SIZE	(UINT64_C(12800) * X86_TIB)
/* KERNEL_IMAGE_SIZE with and without CONFIG_RANDOMIZE_BASE (page_64_types.h). */
#define X86_IMAGE_SIZE_KASLR	(UINT64_C(1) << 30)
#define X86_IMAGE_SIZE_FIXED	(UINT64_C(512) << 20)
/* i386: VMALLOC_START = high_memory + VMALLOC_OFFSET (pgtable_32_areas.h). */
#define I386_VMALLOC_OFFSET	(UINT64_C(8) << 20)
/* SECTION_MARKED_PRESENT, bit 0 of mem_section.section_mem_map
 * (include/linux/mmzone.h). */
#define X86_SECTION_PRESENT	UINT64_C(1)

/* A VMCOREINFO OFFSET()/SIZE() value (decimal), or def when absent. */
static uint64_t vi_dec(const struct vmc_vmcoreinfo *vi, const char *key,
		       uint64_t def, bool *have)
{
	const char *s = vi ? vmc_vmcoreinfo_get(vi, key) : NULL;
	uint64_t v;
	if (s && !vmc_parse_u64(s, &v)) {
		if (have)
			*have = true;
		return v;
	}
	if (have)
		*have = false;
	return def;
}

static bool read_u64(const struct vmc_view *v, uint64_t vaddr, uint64_t *out)
{
	uint8_t b[8];
	struct vmc_error *err = vmc_view_read_kernel(v, vaddr, b, sizeof(b));
	if (err) {
		vmc_error_free(err);
		return false;
	}
	*out = vmc_get64(b, v->dump->big_endian);
	return true;
}

struct x86_layout {
	bool l5;
	uint64_t user_top, guard, ldt, kaslr_start, def_vmalloc, def_vmemmap;
	uint64_t vmalloc_size;
	unsigned physmem_bits;
};

static bool kaslr_base_ok(const struct x86_layout *lay, uint64_t base)
{
	return !(base & (X86_GIB - 1)) && base >= lay->kaslr_start &&
	       base < X86_CPU_ENTRY_AREA;
}

/* page_offset_base: mem_section's root array is memblock memory, which
 * the kernel reaches through the direct map (mm/sparse.c
 * sparse_index_alloc, SPARSEMEM_EXTREME): its VA - PA is the base. */
static bool pob_from_mem_section(const struct vmc_view *v,
				 const struct x86_layout *lay, uint64_t *pob,
				 char *src, size_t srcsz)
{
	const struct vmc_vmcoreinfo *vi = v->dump->vmcoreinfo;
	uint64_t sym, pa;
	if (!vi || !vmc_vmcoreinfo_symbol(vi, "mem_section", &sym) ||
	    !vmc_view_kernel_paddr(v, sym, &pa) || !kaslr_base_ok(lay, sym - pa))
		return false;
	*pob = sym - pa;
	snprintf(src, srcsz, "page_offset_base: VMCOREINFO SYMBOL(mem_section) "
		 "0x%" PRIx64 " (memblock memory) is at physical 0x%" PRIx64, sym,
		 pa);
	return true;
}

struct delta_bytes {
	uint64_t delta, bytes;
};

static int cmp_delta_bytes(const void *a, const void *b)
{
	const struct delta_bytes *x = a, *y = b;
	return (x->delta > y->delta) - (x->delta < y->delta);
}

/* Else the 1 GiB-aligned VA - PA that maps the most bytes in KASLR's
 * range: the direct map maps all RAM, nothing else there maps much. */
static struct vmc_error *pob_from_maps(const struct x86_layout *lay,
				       const struct vmc_run *maps, size_t n,
				       uint64_t *pob, bool *found)
{
	*found = false;
	struct delta_bytes *db = malloc((n ? n : 1) * sizeof(*db));
	if (!db)
		return vmc_error_nomem();
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t d = maps[i].vaddr - maps[i].paddr;
		if (maps[i].vaddr >= lay->kaslr_start &&
		    maps[i].vaddr < X86_CPU_ENTRY_AREA && kaslr_base_ok(lay, d))
			db[k++] = (struct delta_bytes){ d, maps[i].size };
	}
	qsort(db, k, sizeof(*db), cmp_delta_bytes);
	uint64_t best = 0;
	for (size_t i = 0; i < k;) {
		uint64_t sum = 0;
		size_t j = i;
		for (; j < k && db[j].delta == db[i].delta; j++)
			sum += db[j].bytes;
		if (sum > best) {
			best = sum;
			*pob = db[i].delta;
			*found = true;
		}
		i = j;
	}
	free(db);
	return NULL;
}

/* vmemmap_base: a present section's section_mem_map holds its mem_map less
 * its first pfn, which with SPARSEMEM_VMEMMAP is vmemmap itself
 * (mm/sparse.c sparse_encode_mem_map), plus flag bits below 1 GiB. */
static bool vmemmap_from_mem_section(const struct vmc_view *v,
				     const struct x86_layout *lay, uint64_t pob,
				     uint64_t *vmemmap)
{
	const struct vmc_vmcoreinfo *vi = v->dump->vmcoreinfo;
	uint64_t sym, first, smm;
	if (!vi || !vmc_vmcoreinfo_symbol(vi, "mem_section", &sym) ||
	    !read_u64(v, sym, &first))
		return false;
	uint64_t off = vi_dec(vi, "OFFSET(mem_section.section_mem_map)", 0, NULL);
	/* SPARSEMEM_EXTREME: SYMBOL(mem_section) is the root array, whose
	 * first entry points at section 0's array (an aligned pointer);
	 * otherwise the symbol is the array of sections itself. */
	uint64_t ms = (first & 7) == 0 && first >= lay->kaslr_start ? first : sym;
	if (!read_u64(v, ms + off, &smm) || !(smm & X86_SECTION_PRESENT))
		return false;
	uint64_t base = smm & ~(X86_GIB - 1);
	if (!kaslr_base_ok(lay, base) || base <= pob)
		return false;
	*vmemmap = base;
	return true;
}

/* vmalloc_base: vmap_area_list is sorted by address (mm/vmalloc.c), and
 * vmalloc hands out the lowest free address first, so the first area lies
 * at or just above vmalloc_base, a multiple of 1 GiB. */
static bool vmalloc_from_vmap_area(const struct vmc_view *v,
				   const struct x86_layout *lay, uint64_t pob,
				   uint64_t limit, uint64_t *vmalloc,
				   uint64_t *first_area)
{
	const struct vmc_vmcoreinfo *vi = v->dump->vmcoreinfo;
	uint64_t sym, next, va_start;
	bool have_list, have_start;
	if (!vi || !vmc_vmcoreinfo_symbol(vi, "vmap_area_list", &sym))
		return false;
	uint64_t list_off = vi_dec(vi, "OFFSET(vmap_area.list)", 0, &have_list);
	uint64_t start_off = vi_dec(vi, "OFFSET(vmap_area.va_start)", 0,
				    &have_start);
	uint64_t next_off = vi_dec(vi, "OFFSET(list_head.next)", 0, NULL);
	if (!have_list || !have_start || !read_u64(v, sym + next_off, &next) ||
	    next == sym || !read_u64(v, next - list_off + start_off, &va_start))
		return false;
	uint64_t base = va_start & ~(X86_GIB - 1);
	if (!kaslr_base_ok(lay, base) || base <= pob || base >= limit)
		return false;
	*vmalloc = base;
	*first_area = va_start;
	return true;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

#define PUSH(...)						\
	do {							\
		if (!vmc_region_push(out, __VA_ARGS__))		\
			return vmc_error_nomem();		\
	} while (0)

/* The direct map, vmalloc and vmemmap: KASLR's three regions. */
static struct vmc_error *x86_64_kaslr_regions(const struct vmc_view *v,
					      const struct x86_layout *lay,
					      const struct vmc_run *maps,
					      size_t n,
					      struct vmc_region_vec *out)
{
	const struct vmc_dump *d = v->dump;
	char src[160];
	uint64_t pob = lay->kaslr_start;
	bool found = pob_from_mem_section(v, lay, &pob, src, sizeof(src));
	if (!found) {
		struct vmc_error *err = pob_from_maps(lay, maps, n, &pob, &found);
		if (err)
			return err;
		if (found)
			snprintf(src, sizeof(src), "page_offset_base: the 1G-aligned "
				 "VA - PA that maps the most bytes");
		else
			snprintf(src, sizeof(src), "page_offset_base: the default "
				 "__PAGE_OFFSET_BASE (no KASLR evidence)");
	}
	bool kaslr = pob != lay->kaslr_start;
	uint64_t vmemmap = 0, vmalloc = 0, first_area = 0;
	bool have_vmemmap = vmemmap_from_mem_section(v, lay, pob, &vmemmap);
	const char *vmemmap_src = "vmemmap_base: SYMBOL(mem_section)'s section 0 "
				  "(its section_mem_map is vmemmap)";
	if (!have_vmemmap && !kaslr && lay->def_vmemmap > pob) {
		vmemmap = lay->def_vmemmap;
		have_vmemmap = true;
		vmemmap_src = "vmemmap_base: the default __VMEMMAP_BASE (no KASLR)";
	}
	uint64_t limit = have_vmemmap ? vmemmap : X86_CPU_ENTRY_AREA;
	bool have_vmalloc = vmalloc_from_vmap_area(v, lay, pob, limit, &vmalloc,
						   &first_area);
	char vmalloc_src[160];
	snprintf(vmalloc_src, sizeof(vmalloc_src), "vmalloc_base: the first area "
		 "of SYMBOL(vmap_area_list), 0x%" PRIx64 ", down to 1G", first_area);
	if (!have_vmalloc && !kaslr && lay->def_vmalloc > pob &&
	    lay->def_vmalloc < limit) {
		vmalloc = lay->def_vmalloc;
		have_vmalloc = true;
		snprintf(vmalloc_src, sizeof(vmalloc_src), "vmalloc_base: the "
			 "default __VMALLOC_BASE (no KASLR)");
	}

	/* The direct map reaches 2^MAX_PHYSMEM_BITS at most, and stops
	 * before vmalloc; without vmalloc's base, at least all RAM (it maps
	 * every page up to max_pfn). */
	uint64_t dm_hi = pob + ((UINT64_C(1) << lay->physmem_bits) - 1);
	if (have_vmalloc) {
		dm_hi = min_u64(dm_hi, vmalloc - 1);
	} else {
		uint64_t ram_end = d->nram ? d->ram[d->nram - 1].paddr +
					     d->ram[d->nram - 1].size : 0;
		if (d->nabsent && d->absent[d->nabsent - 1].paddr +
				  d->absent[d->nabsent - 1].size > ram_end)
			ram_end = d->absent[d->nabsent - 1].paddr +
				  d->absent[d->nabsent - 1].size;
		uint64_t span = (ram_end + X86_GIB - 1) & ~(X86_GIB - 1);
		if (span && span - 1 < dm_hi - pob)
			dm_hi = pob + (span - 1);
	}
	dm_hi = min_u64(dm_hi, limit - 1);
	struct vmc_region *r = vmc_region_push(out, pob, dm_hi, "direct map", '=',
					       VMC_REGION_LINEAR, "%s", src);
	if (!r)
		return vmc_error_nomem();
	r->have_delta = true;
	r->delta = pob;
	if (have_vmalloc)
		PUSH(vmalloc, min_u64(vmalloc + (lay->vmalloc_size - 1), limit - 1),
		     "vmalloc", 'v', VMC_REGION_KERNEL, "%s", vmalloc_src);
	if (have_vmemmap) {
		uint64_t page_size = vi_dec(d->vmcoreinfo, "SIZE(page)", 64, NULL);
		if (page_size < 32 || page_size > 256)
			page_size = 64;
		/* struct page for every 4K frame of 2^MAX_PHYSMEM_BITS. */
		uint64_t size = (UINT64_C(1) << (lay->physmem_bits - 12)) * page_size;
		PUSH(vmemmap, min_u64(vmemmap + (size - 1), X86_CPU_ENTRY_AREA - 1),
		     "vmemmap", 'p', VMC_REGION_KERNEL, "%s", vmemmap_src);
	}
	return NULL;
}

static struct vmc_error *x86_64_regions(const struct vmc_view *v,
					const struct vmc_run *maps, size_t n,
					struct vmc_region_vec *out)
{
	const struct vmc_vmcoreinfo *vi = v->dump->vmcoreinfo;
	struct x86_layout lay = { .l5 = v->rc.pg[0].mode == VMC_PAGING_X86_5L };
	lay.user_top = lay.l5 ? (UINT64_C(1) << 56) - 1 : (UINT64_C(1) << 47) - 1;
	lay.guard = lay.l5 ? X86_L5_GUARD_HOLE : X86_L4_GUARD_HOLE;
	lay.ldt = lay.l5 ? X86_L5_LDT_REMAP : X86_L4_LDT_REMAP;
	lay.kaslr_start = lay.l5 ? X86_L5_PAGE_OFFSET : X86_L4_PAGE_OFFSET;
	lay.def_vmalloc = lay.l5 ? X86_L5_VMALLOC_BASE : X86_L4_VMALLOC_BASE;
	lay.def_vmemmap = lay.l5 ? X86_L5_VMEMMAP_BASE : X86_L4_VMEMMAP_BASE;
	lay.vmalloc_size = lay.l5 ? X86_L5_VMALLOC_SIZE : X86_L4_VMALLOC_SIZE;
	/* MAX_PHYSMEM_BITS: 46, or 52 with 5-level paging (sparsemem.h). */
	uint64_t bits;
	lay.physmem_bits = lay.l5 ? 52 : 46;
	if (vi && vmc_vmcoreinfo_number(vi, "MAX_PHYSMEM_BITS", &bits) &&
	    bits >= 32 && bits <= 52)
		lay.physmem_bits = (unsigned)bits;
	const char *mm = "Documentation/x86/x86_64/mm.rst";

	PUSH(0, lay.user_top, "user", 'u', VMC_REGION_USER,
	     "canonical lower half (%s)", lay.l5 ? "57-bit VA" : "48-bit VA");
	PUSH(lay.guard, lay.ldt - 1, "guard hole", 'g', VMC_REGION_KERNEL,
	     "%s (reserved for a hypervisor)", mm);
	PUSH(lay.ldt, lay.kaslr_start - 1, "LDT remap", 'l', VMC_REGION_KERNEL,
	     "%s (PTI)", mm);
	struct vmc_error *err = x86_64_kaslr_regions(v, &lay, maps, n, out);
	if (err)
		return err;
	PUSH(X86_CPU_ENTRY_AREA, X86_CPU_ENTRY_AREA + (X86_TIB / 2 - 1),
	     "cpu_entry_area", 'c', VMC_REGION_KERNEL, "%s", mm);
	PUSH(X86_ESPFIX_BASE, X86_ESPFIX_BASE + (X86_TIB / 2 - 1), "espfix", 'e',
	     VMC_REGION_KERNEL, "%s (%%esp fixup stacks)", mm);
	PUSH(X86_EFI_BASE, X86_START_KERNEL_MAP - 2 * X86_GIB - 1, "EFI", 'E',
	     VMC_REGION_KERNEL, "%s (EFI runtime services)", mm);

	uint64_t image_size, phys_base, koff;
	const char *size_src = "VMCOREINFO NUMBER(KERNEL_IMAGE_SIZE)";
	if (!vi || !vmc_vmcoreinfo_number(vi, "KERNEL_IMAGE_SIZE", &image_size) ||
	    !image_size || image_size > X86_MODULES_END - X86_START_KERNEL_MAP) {
		bool kaslr = vi && vmc_vmcoreinfo_hex(vi, "KERNELOFFSET", &koff);
		image_size = kaslr ? X86_IMAGE_SIZE_KASLR : X86_IMAGE_SIZE_FIXED;
		size_src = kaslr ? "KERNEL_IMAGE_SIZE with KASLR (KERNELOFFSET)"
				 : "KERNEL_IMAGE_SIZE without KASLR";
	}
	struct vmc_region *r = vmc_region_push(out, X86_START_KERNEL_MAP,
					       X86_START_KERNEL_MAP + (image_size - 1),
					       "kernel image", 'K', VMC_REGION_IMAGE,
					       "__START_KERNEL_map + %s", size_src);
	if (!r)
		return vmc_error_nomem();
	/* __pa_symbol(x) = x - __START_KERNEL_map + phys_base (page_64.h). */
	if (vi && vmc_vmcoreinfo_number(vi, "phys_base", &phys_base)) {
		r->have_delta = true;
		r->delta = X86_START_KERNEL_MAP - phys_base;
	}
	PUSH(X86_START_KERNEL_MAP + image_size, X86_MODULES_END - 1, "modules", 'm',
	     VMC_REGION_KERNEL, "kernel image end to MODULES_END (%s)", mm);
	PUSH(X86_MODULES_END, X86_VSYSCALL_ADDR - 1, "fixmap", 'f',
	     VMC_REGION_KERNEL, "%s (FIXADDR_START varies)", mm);
	PUSH(X86_VSYSCALL_ADDR, X86_VSYSCALL_ADDR + 0xfff, "vsyscall", 's',
	     VMC_REGION_KERNEL, "%s (legacy vsyscall page)", mm);
	return NULL;
}

/* i386: lowmem is the linear map from PAGE_OFFSET to high_memory, which
 * VMCOREINFO does not carry: it is where the mappings at VA - PA =
 * PAGE_OFFSET end. vmalloc starts VMALLOC_OFFSET above it; above vmalloc
 * come pkmap, the LDT, cpu_entry_area and the fixmap, whose bounds depend on
 * the kernel's configuration (NR_CPUS) and are not named apart. */
static struct vmc_error *i386_regions(const struct vmc_view *v,
				      const struct vmc_run *maps, size_t n,
				      struct vmc_region_vec *out)
{
	const uint64_t po = v->kernel_start, top = UINT32_MAX;
	PUSH(0, po - 1, "user", 'u', VMC_REGION_USER, "below PAGE_OFFSET 0x%"
	     PRIx64 " (CONFIG_VMSPLIT_3G)", po);
	uint64_t high = 0;
	for (size_t i = 0; i < n; i++) {
		const struct vmc_run *m = &maps[i];
		if (m->vaddr >= po && m->vaddr <= top && m->vaddr - m->paddr == po &&
		    m->size <= top - m->vaddr + 1 && m->vaddr + m->size > high)
			high = m->vaddr + m->size;
	}
	if (!high)
		return NULL;
	struct vmc_region *r = vmc_region_push(out, po, high - 1, "lowmem", '=',
					       VMC_REGION_LINEAR,
					       "PAGE_OFFSET to high_memory 0x%" PRIx64
					       ": where the mappings at VA - PA = "
					       "PAGE_OFFSET end", high);
	if (!r)
		return vmc_error_nomem();
	r->have_delta = true;
	r->delta = po;
	if (high <= top - I386_VMALLOC_OFFSET)
		PUSH(high + I386_VMALLOC_OFFSET, top, "vmalloc/fixmap", 'v',
		     VMC_REGION_KERNEL, "high_memory + VMALLOC_OFFSET (8M) to 4G "
		     "(pgtable_32_areas.h)");
	return NULL;
}

#undef PUSH

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
	.regions = x86_64_regions,
	.image_base = X86_START_KERNEL_MAP,
	.out_class = ELFCLASS64,
	.show_swapper = true,
};

const struct vmc_arch_ops vmc_i386_ops = {
	.name = "i386",
	X86_OPS,
	.regions = i386_regions,
	.out_class = ELFCLASS32,
	.show_swapper = true,
};
