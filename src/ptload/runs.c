/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ptload: merging the walk's runs (QEMU merges in O(n²); we sort once). */
#include "ptload.h"

static int cmp_run(const void *a, const void *b)
{
	const struct vmc_run *x = a, *y = b;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	return (x->size > y->size) - (x->size < y->size);
}

void vmc_runs_merge(struct vmc_run_vec *runs, bool same_leaf)
{
	if (runs->n < 2)
		return;
	qsort(runs->v, runs->n, sizeof(*runs->v), cmp_run);
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
