/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * (d) Root choice and walk: open the core, vmc_view_open() with the
 * default request (as maps and remap do without options), then
 * vmc_view_walk() from the chosen root only (maps: the whole space and
 * each half) and from every root (remap: the whole space).
 *
 * Checks: the walk stays in its budget; each run is one leaf (size the
 * leaf's page size, a page-aligned VA in the half asked for); the halves
 * walked apart give what the whole space gives, when the walk refused
 * nothing (loops and visit limits depend on the order of visits).
 */
#include "common.h"

#include <string.h>

static int cmp_run(const void *a, const void *b)
{
	const struct vmc_run *x = a, *y = b;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return (x->flags > y->flags) - (x->flags < y->flags);
}

static bool same_runs(const struct vmc_run_vec *a, const struct vmc_run_vec *b)
{
	if (a->n != b->n)
		return false;
	/* Field by field: a run's padding bytes are not defined. */
	for (size_t i = 0; i < a->n; i++)
		if (cmp_run(&a->v[i], &b->v[i]) ||
		    a->v[i].leaf_level != b->v[i].leaf_level ||
		    a->v[i].leaf_shift != b->v[i].leaf_shift)
			return false;
	return true;
}

static bool refused_nothing(const struct vmc_view_stats *st)
{
	return !st->walk.truncated && !st->walk.loops && !st->walk.over_shared &&
	       !st->walk.duplicate_roots;
}

static void check_runs(const struct vmc_view *v, const struct vmc_run_vec *runs,
		       enum vmc_half half)
{
	for (size_t i = 0; i < runs->n; i++) {
		const struct vmc_run *r = &runs->v[i];
		FUZZ_CHECK(r->leaf_level >= 1 && r->leaf_level <= VMC_MAX_LEVELS);
		FUZZ_CHECK(r->leaf_shift >= 12 && r->leaf_shift < 64);
		FUZZ_CHECK(r->size == UINT64_C(1) << r->leaf_shift);
		FUZZ_CHECK((r->vaddr & (r->size - 1)) == 0);
		uint64_t last = r->vaddr + (r->size - 1);
		FUZZ_CHECK(last >= r->vaddr);
		if (half == VMC_HALF_KERNEL)
			FUZZ_CHECK(last >= v->kernel_start);
		if (half == VMC_HALF_USER)
			FUZZ_CHECK(r->vaddr < v->kernel_start);
	}
}

static bool walk(const struct vmc_view *v, bool every_root, enum vmc_half half,
		 struct vmc_run_vec *runs, struct vmc_view_stats *st)
{
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	size_t before = runs->n;
	struct vmc_error *err = vmc_view_walk(v, every_root, half, runs, st, &ws);
	if (err) {
		FUZZ_CHECK(err->code == VMC_ERR_NOMEM);
		fuzz_error_free(err);
		return false;
	}
	/* Each vmc_walk stays within the budget; a view walks at most two
	 * parts (kernel half, user half). */
	FUZZ_CHECK(runs->n - before <= 2 * v->budget);
	FUZZ_CHECK(st->walk.leaves == runs->n - before);
	return true;
}

/* The whole space, and its two halves apart: the same mappings. */
static void check_halves(const struct vmc_view *v, bool every_root)
{
	struct vmc_run_vec all = {0}, parts = {0};
	struct vmc_view_stats sa, sk, su;
	bool ok = walk(v, every_root, VMC_HALF_ALL, &all, &sa) &&
		  walk(v, every_root, VMC_HALF_KERNEL, &parts, &sk);
	if (ok) {
		check_runs(v, &parts, VMC_HALF_KERNEL);
		size_t nk = parts.n;
		ok = walk(v, every_root, VMC_HALF_USER, &parts, &su);
		if (ok && parts.n > nk) {
			struct vmc_run_vec user = { parts.v + nk, parts.n - nk, 0 };
			check_runs(v, &user, VMC_HALF_USER);
		}
	}
	check_runs(v, &all, VMC_HALF_ALL);
	if (ok && refused_nothing(&sa) && refused_nothing(&sk) &&
	    refused_nothing(&su)) {
		if (all.n)
			qsort(all.v, all.n, sizeof(*all.v), cmp_run);
		if (parts.n)
			qsort(parts.v, parts.n, sizeof(*parts.v), cmp_run);
		if (!same_runs(&all, &parts)) {
			fprintf(stderr, "every_root=%d: %zu runs for the whole "
				"space, %zu for its halves\n", every_root, all.n,
				parts.n);
			FUZZ_CHECK(!"the halves make up the whole");
		}
	}
	vmc_run_vec_free(&all);
	vmc_run_vec_free(&parts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_source *core = fuzz_core_open(data, size, &ws);
	if (!core)
		return 0;
	const struct vmc_dump *d = vmc_source_dump(core);
	struct vmc_root_request req = { .cpu = -1 };
	struct vmc_view v;
	struct vmc_error *err = vmc_view_open(d, &req, &v);
	if (err) {
		/* "Cannot tell" is never a negative answer (pagewalk.h). */
		FUZZ_CHECK(err->code != VMC_ERR_NOT_FOUND);
		fuzz_error_free(err);
	} else {
		FUZZ_CHECK(v.rc.npg >= 1 && v.rc.npg <= 2);
		FUZZ_CHECK(memchr(v.rc.why, '\0', sizeof(v.rc.why)) != NULL);
		check_halves(&v, false);
		/* From every root the halves are two walks by construction
		 * (vmc_view_walk): the whole space is enough. */
		struct vmc_run_vec runs = {0};
		struct vmc_view_stats st;
		if (walk(&v, true, VMC_HALF_ALL, &runs, &st))
			check_runs(&v, &runs, VMC_HALF_ALL);
		vmc_run_vec_free(&runs);
	}
	vmc_source_close(core);
	return 0;
}
