/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Regions of a view's virtual address space: the architecture's table
 * (x86-arch.c, arm64-arch.c), made sorted and disjoint; lookup and the
 * classification of a mapping (what RAM coverage counts); kernel reads
 * that try every kernel root; the halves of the address space.
 */
#include "pagewalk.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *vmc_region_kind_name(enum vmc_region_kind kind)
{
	switch (kind) {
	case VMC_REGION_USER: return "user";
	case VMC_REGION_LINEAR: return "linear";
	case VMC_REGION_IMAGE: return "image";
	case VMC_REGION_KERNEL: return "kernel";
	}
	return "?";
}

struct vmc_region *vmc_region_push(struct vmc_region_vec *out, uint64_t lo,
				   uint64_t hi, const char *name, char mark,
				   enum vmc_region_kind kind, const char *fmt, ...)
{
	struct vmc_region *r = vmc_region_vec_push(out);
	if (!r)
		return NULL;
	*r = (struct vmc_region){ .lo = lo, .hi = hi, .name = name,
				  .mark = mark, .kind = kind };
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->source, sizeof(r->source), fmt, ap);
	va_end(ap);
	return r;
}

static int cmp_region(const void *a, const void *b)
{
	const struct vmc_region *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

struct vmc_error *vmc_view_regions(const struct vmc_view *v,
				   const struct vmc_run *maps, size_t n,
				   struct vmc_region_vec *out)
{
	out->n = 0;
	if (!v->arch || !v->arch->regions)
		return NULL;
	struct vmc_error *err = v->arch->regions(v, maps, n, out);
	if (err)
		return err;
	/* Bounds come partly from the guest: drop inverted ones, and clip an
	 * overlap in favour of the region that starts first. */
	size_t k = 0;
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].lo <= out->v[i].hi)
			out->v[k++] = out->v[i];
	out->n = k;
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_region);
	k = 0;
	for (size_t i = 0; i < out->n; i++) {
		struct vmc_region r = out->v[i];
		if (k) {
			uint64_t prev_hi = out->v[k - 1].hi;
			if (prev_hi == UINT64_MAX || r.hi <= prev_hi)
				continue;
			if (r.lo <= prev_hi)
				r.lo = prev_hi + 1;
		}
		out->v[k++] = r;
	}
	out->n = k;
	return NULL;
}

const struct vmc_region *vmc_region_find(const struct vmc_region *r, size_t n,
					 uint64_t vaddr)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {			/* first region with lo > vaddr */
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].lo <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || r[lo - 1].hi < vaddr)
		return NULL;
	return &r[lo - 1];
}

uint64_t vmc_region_classify(const struct vmc_region *r, size_t n,
			     uint64_t kernel_start, uint64_t vaddr,
			     uint64_t paddr, uint64_t size,
			     enum vmc_region_kind *kind)
{
	if (!size)
		return 0;
	uint64_t last = size - 1 > UINT64_MAX - vaddr ? UINT64_MAX
						      : vaddr + (size - 1);
	const struct vmc_region *hit = vmc_region_find(r, n, vaddr);
	uint64_t stop;			/* last byte of this piece */
	if (hit) {
		*kind = hit->kind;
		if ((hit->kind == VMC_REGION_LINEAR || hit->kind == VMC_REGION_IMAGE) &&
		    hit->have_delta && vaddr - paddr != hit->delta)
			*kind = vaddr >= kernel_start ? VMC_REGION_KERNEL
						      : VMC_REGION_USER;
		stop = hit->hi;
	} else {
		*kind = vaddr < kernel_start ? VMC_REGION_USER : VMC_REGION_KERNEL;
		/* Up to the next region, or to kernel_start. */
		size_t lo = 0, hi = n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (r[mid].lo <= vaddr)
				lo = mid + 1;
			else
				hi = mid;
		}
		stop = lo < n ? r[lo].lo - 1 : UINT64_MAX;
		if (vaddr < kernel_start && kernel_start - 1 < stop)
			stop = kernel_start - 1;
	}
	if (stop > last)
		stop = last;
	return stop - vaddr + 1;
}

/* Read through the forms of forms[0, n) that may translate vaddr, in
 * order, until one can; the first failure is kept in *first. */
static bool try_forms(const struct vmc_view *v, const struct vmc_paging *forms,
		      size_t n, uint64_t vaddr, void *buf, size_t len,
		      struct vmc_error **first)
{
	for (size_t i = 0; i < n; i++) {
		if (!vmc_paging_va_ok(&forms[i], vaddr))
			continue;
		struct vmc_error *err = vmc_read_virtual(&forms[i], &v->dump->pm,
							 vaddr, buf, len);
		if (!err)
			return true;
		if (!*first)
			*first = err;
		else
			vmc_error_free(err);
	}
	return false;
}

struct vmc_error *vmc_view_read_kernel(const struct vmc_view *v, uint64_t vaddr,
				       void *buf, size_t len)
{
	struct vmc_error *first = NULL;
	bool ok = try_forms(v, v->rc.pg, v->rc.npg, vaddr, buf, len, &first);
	if (!ok) {
		struct vmc_paging_vec forms = {0};
		struct vmc_error *err = v->arch->kernel_forms(v->dump, &v->rc,
							      &forms);
		if (err) {
			vmc_error_free(first);
			return err;
		}
		ok = try_forms(v, forms.v, forms.n, vaddr, buf, len, &first);
		vmc_paging_vec_free(&forms);
	}
	if (ok) {
		vmc_error_free(first);
		return NULL;
	}
	return first ? first : vmc_error_new(VMC_ERR_NOT_FOUND, "no page-table "
					     "form translates 0x%016" PRIx64, vaddr);
}

bool vmc_view_kernel_paddr(const struct vmc_view *v, uint64_t vaddr,
			   uint64_t *paddr)
{
	struct vmc_translation t;
	for (size_t i = 0; i < v->rc.npg; i++) {
		if (!vmc_paging_va_ok(&v->rc.pg[i], vaddr))
			continue;
		vmc_translate(&v->rc.pg[i], &v->dump->pm, vaddr, &t);
		if (t.mapped) {
			*paddr = t.paddr;
			return true;
		}
	}
	struct vmc_paging_vec forms = {0};
	struct vmc_error *err = v->arch->kernel_forms(v->dump, &v->rc, &forms);
	bool found = false;
	for (size_t i = 0; !err && !found && i < forms.n; i++) {
		if (!vmc_paging_va_ok(&forms.v[i], vaddr))
			continue;
		vmc_translate(&forms.v[i], &v->dump->pm, vaddr, &t);
		if (t.mapped) {
			*paddr = t.paddr;
			found = true;
		}
	}
	vmc_error_free(err);
	vmc_paging_vec_free(&forms);
	return found;
}

/* The last address a form translates: the top of the space for kernel
 * (sign-extended or TTBR1) forms, else 2^va_bits - 1. */
static uint64_t form_top(const struct vmc_paging *pg)
{
	if (pg->sign_extend || pg->upper || pg->va_bits >= 64)
		return UINT64_MAX;
	return (UINT64_C(1) << pg->va_bits) - 1;
}

size_t vmc_view_halves(const struct vmc_view *v, struct vmc_va_half out[2])
{
	const struct vmc_paging *pg = &v->rc.pg[0];
	uint64_t ks = v->kernel_start;
	size_t n = 0;
	bool arm = pg->upper || v->rc.npg > 1;
	if (ks) {
		uint64_t top = ks - 1;
		if (pg->sign_extend)
			top = (UINT64_C(1) << (pg->va_bits - 1)) - 1;
		else if (pg->upper && pg->va_bits < 64 &&
			 (UINT64_C(1) << pg->va_bits) - 1 < top)
			top = (UINT64_C(1) << pg->va_bits) - 1;
		const struct vmc_paging *user = v->arch->user_form(&v->rc);
		out[n++] = (struct vmc_va_half){ arm ? "TTBR0" : "user half", 0,
						  top, user != NULL };
	}
	const struct vmc_paging *kf = vmc_form_for(&v->rc, ks);
	out[n++] = (struct vmc_va_half){ arm ? "TTBR1" : "kernel half", ks,
					  kf ? form_top(kf) : UINT64_MAX,
					  kf != NULL };
	return n;
}
