/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ptload runs: merge the walk's runs (QEMU merges in O(n²); we sort once),
 * make them disjoint, cut out what the user excludes. */
#include "ptload.h"

#include <inttypes.h>
#include <string.h>

static int cmp_run(const void *a, const void *b)
{
	const struct vmc_run *x = a, *y = b;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	return (x->size > y->size) - (x->size < y->size);
}

/* Merge the sorted a[0, na) and b[0, nb) into out. */
static void merge2(const struct vmc_run *a, size_t na, const struct vmc_run *b,
		   size_t nb, struct vmc_run *out)
{
	while (na && nb) {
		if (cmp_run(b, a) < 0) {
			*out++ = *b++;
			nb--;
		} else {
			*out++ = *a++;
			na--;
		}
	}
	memcpy(out, a, na * sizeof(*a));
	memcpy(out + na, b, nb * sizeof(*b));
}

/*
 * Sort runs by cmp_run. The walk emits each root's runs in VA order, so the
 * vector is a few ascending stretches: merge neighbouring stretches until
 * one is left, O(n log k) for k stretches (O(n log n) at worst), instead of
 * sorting from scratch. Falls back to qsort without memory for the merge.
 */
static void sort_runs(struct vmc_run_vec *runs)
{
	size_t n = runs->n, k = 1;
	for (size_t i = 1; i < n; i++)
		k += cmp_run(&runs->v[i], &runs->v[i - 1]) < 0;
	if (k == 1)
		return;
	struct vmc_run *tmp = malloc(n * sizeof(*tmp));
	if (!tmp) {
		qsort(runs->v, n, sizeof(*runs->v), cmp_run);
		return;
	}
	struct vmc_run *src = runs->v, *dst = tmp;
	while (k > 1) {
		size_t i = 0;
		k = 0;
		while (i < n) {
			size_t a = i + 1;
			while (a < n && cmp_run(&src[a], &src[a - 1]) >= 0)
				a++;
			size_t b = a;
			if (b < n)
				for (b = a + 1; b < n &&
				     cmp_run(&src[b], &src[b - 1]) >= 0; b++)
					;
			merge2(src + i, a - i, src + a, b - a, dst + i);
			k++;
			i = b;
		}
		struct vmc_run *t = src;
		src = dst;
		dst = t;
	}
	if (src != runs->v)
		memcpy(runs->v, src, n * sizeof(*src));
	free(tmp);
}

void vmc_runs_merge(struct vmc_run_vec *runs, bool same_leaf)
{
	if (runs->n < 2)
		return;
	sort_runs(runs);
	size_t out = 0;
	for (size_t i = 1; i < runs->n; i++) {
		struct vmc_run *cur = &runs->v[out];
		const struct vmc_run *r = &runs->v[i];
		if (r->vaddr == cur->vaddr && r->paddr == cur->paddr &&
		    r->size <= cur->size && r->flags == cur->flags)
			continue;	/* the same mapping, seen again */
		bool contiguous = cur->vaddr + cur->size == r->vaddr &&
				  cur->paddr + cur->size == r->paddr &&
				  cur->vaddr + cur->size != 0;
		if (contiguous && r->flags == cur->flags &&
		    (!same_leaf || r->leaf_shift == cur->leaf_shift)) {
			cur->size += r->size;
			continue;
		}
		runs->v[++out] = *r;
	}
	runs->n = out + 1;
}

void vmc_runs_resolve_overlaps(struct vmc_run_vec *runs,
			       uint64_t *conflict_bytes,
			       struct vmc_warnings *ws)
{
	size_t out = 0;
	uint64_t last = 0;	/* last byte kept (inclusive): no wrap at 2^64 */
	bool warned = false;
	for (size_t i = 0; i < runs->n; i++) {
		struct vmc_run r = runs->v[i];
		if (!r.size)
			continue;
		if (out && r.vaddr <= last) {
			uint64_t r_last = r.vaddr + (r.size - 1);
			if (r_last <= last) {
				*conflict_bytes += r.size;
				continue;
			}
			uint64_t cut = last - r.vaddr + 1;
			if (!warned)
				vmc_warn(ws, "virtual 0x%016" PRIx64 " is mapped twice "
					 "to different physical pages (different "
					 "roots?); keeping the first mapping", r.vaddr);
			warned = true;
			*conflict_bytes += cut;
			r.vaddr += cut;
			r.paddr += cut;
			r.size -= cut;
		}
		runs->v[out++] = r;
		last = r.vaddr + (r.size - 1);
	}
	runs->n = out;
}

static int cmp_vrange(const void *a, const void *b)
{
	const struct vmc_vrange *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

struct vmc_error *vmc_runs_exclude(struct vmc_run_vec *runs,
				   const struct vmc_vrange_vec *ex,
				   uint64_t *excluded_bytes)
{
	if (!ex->n || !runs->n)
		return NULL;
	/* Sorted and merged, the ranges are one pass over the runs. */
	struct vmc_vrange *xs = malloc(ex->n * sizeof(*xs));
	if (!xs)
		return vmc_error_nomem();
	memcpy(xs, ex->v, ex->n * sizeof(*xs));
	qsort(xs, ex->n, sizeof(*xs), cmp_vrange);
	size_t nx = 0;
	for (size_t i = 0; i < ex->n; i++) {
		if (nx && xs[i].lo <= xs[nx - 1].hi + (xs[nx - 1].hi != UINT64_MAX)) {
			if (xs[i].hi > xs[nx - 1].hi)
				xs[nx - 1].hi = xs[i].hi;
		} else {
			xs[nx++] = xs[i];
		}
	}
	struct vmc_run_vec out = {0};
	size_t x = 0;
	for (size_t i = 0; i < runs->n; i++) {
		struct vmc_run r = runs->v[i];
		uint64_t r_last = r.vaddr + (r.size - 1);
		while (r.size) {
			while (x < nx && xs[x].hi < r.vaddr)
				x++;
			uint64_t keep;	/* bytes from r.vaddr to keep */
			if (x == nx || xs[x].lo > r_last) {
				keep = r.size;
			} else if (xs[x].lo > r.vaddr) {
				keep = xs[x].lo - r.vaddr;
			} else {
				/* r.vaddr is excluded: skip to past the range. */
				uint64_t skip = xs[x].hi >= r_last ? r.size
					      : xs[x].hi - r.vaddr + 1;
				*excluded_bytes += skip;
				r.vaddr += skip;
				r.paddr += skip;
				r.size -= skip;
				continue;
			}
			struct vmc_run *slot = vmc_run_vec_push(&out);
			if (!slot) {
				vmc_run_vec_free(&out);
				free(xs);
				return vmc_error_nomem();
			}
			*slot = r;
			slot->size = keep;
			r.vaddr += keep;
			r.paddr += keep;
			r.size -= keep;
		}
	}
	free(xs);
	vmc_run_vec_free(runs);
	*runs = out;
	return NULL;
}

/* The alias map's value: the fan-out in the low bits, and whether the
 * lowest-addressed alias has been kept. */
#define ALIAS_KEPT	(1u << 31)

struct vmc_error *vmc_runs_fold_aliases(struct vmc_run_vec *runs,
					uint64_t min_fanout,
					uint64_t *groups, uint64_t *folded_runs,
					uint64_t *folded_bytes)
{
	if (runs->n < 2 || min_fanout < 2 || runs->n < min_fanout)
		return NULL;
	/* Count each physical range's runs, then keep the first (lowest VA:
	 * runs are sorted) of each range mapped min_fanout times or more. */
	struct vmc_pair_map fan = {0};
	bool created;
	for (size_t i = 0; i < runs->n; i++) {
		uint32_t *c = vmc_pair_map_get(&fan, runs->v[i].paddr,
					       runs->v[i].size, &created);
		if (!c) {
			vmc_pair_map_free(&fan);
			return vmc_error_nomem();
		}
		if (*c < ALIAS_KEPT - 1)
			(*c)++;
	}
	size_t out = 0;
	for (size_t i = 0; i < runs->n; i++) {
		const struct vmc_run *r = &runs->v[i];
		uint32_t *c = vmc_pair_map_get(&fan, r->paddr, r->size, &created);
		if ((*c & ~ALIAS_KEPT) >= min_fanout) {
			if (*c & ALIAS_KEPT) {
				(*folded_runs)++;
				*folded_bytes += r->size;
				continue;
			}
			*c |= ALIAS_KEPT;
			(*groups)++;
		}
		runs->v[out++] = *r;
	}
	runs->n = out;
	vmc_pair_map_free(&fan);
	return NULL;
}
