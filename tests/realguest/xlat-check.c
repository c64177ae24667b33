/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xlat-check CORE [COUNT] [SEED]: the single-address fast path
 * (vmc_translate_fast, what reads use) against the traced walk
 * (vmc_translate, what vtop prints) on COUNT addresses (default 1,000,000)
 * of CORE's default root: half drawn inside the leaves the walk finds, half
 * anywhere in the kernel half (mostly unmapped). Prints the count and every
 * disagreement (at most 10); exit 0 when all agree, 1 when one does not,
 * 2 when the core cannot be walked. Used by tests/realguest/checks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "open/open.h"
#include "pagewalk/pagewalk.h"

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: xlat-check CORE [COUNT] [SEED]\n");
		return 64;
	}
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 0) : 1000000;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x5eed2026;
	struct vmc_source *core;
	struct vmc_error *err = vmc_source_open(argv[1], NULL, NULL, &core);
	if (err) {
		fprintf(stderr, "xlat-check: %s: %s\n", argv[1], err->msg);
		return 2;
	}
	struct vmc_root_request req = { .cpu = -1 };
	struct vmc_view v;
	struct vmc_run_vec runs = {0};
	struct vmc_view_stats st;
	int status = 2;
	if ((err = vmc_view_open(vmc_source_dump(core), &req, &v)) ||
	    (err = vmc_view_walk(&v, false, VMC_HALF_KERNEL, &runs, &st, NULL))) {
		fprintf(stderr, "xlat-check: %s: %s\n", argv[1], err->msg);
		goto out;
	}
	if (!runs.n) {
		fprintf(stderr, "xlat-check: %s: the walk found no mappings\n", argv[1]);
		goto out;
	}
	const struct vmc_physmem *pm = &v.dump->pm;
	struct vmc_xlat_cache cache = {0};
	unsigned long bad = 0, mapped = 0;
	for (unsigned long i = 0; i < n; i++) {
		uint64_t va;
		if (i & 1) {
			const struct vmc_run *r = &runs.v[splitmix(&seed) % runs.n];
			va = r->vaddr + splitmix(&seed) % r->size;
		} else {
			va = v.kernel_start + splitmix(&seed) % (0 - v.kernel_start);
		}
		const struct vmc_paging *pg = vmc_form_for(&v.rc, va);
		if (!pg)
			continue;
		struct vmc_translation t;
		vmc_translate(pg, pm, va, &t);
		uint64_t pa = 0, size = 0;
		bool ok = vmc_translate_fast(&cache, pg, pm, va, &pa, &size);
		mapped += t.mapped;
		if (ok == t.mapped && (!ok || (pa == t.paddr && size == t.page_size)))
			continue;
		if (bad++ < 10)
			printf("DISAGREE 0x%016" PRIx64 ": fast %s 0x%" PRIx64
			       " (%" PRIu64 "), traced %s 0x%" PRIx64 " (%" PRIu64 ")%s%s\n",
			       va, ok ? "maps" : "unmapped", pa, size,
			       t.mapped ? "maps" : "unmapped", t.paddr, t.page_size,
			       t.mapped ? "" : ": ", t.mapped ? "" : t.why);
	}
	printf("%lu addresses (%lu mapped): %lu disagreements\n", n, mapped, bad);
	status = bad ? 1 : 0;
out:
	vmc_error_free(err);
	vmc_run_vec_free(&runs);
	vmc_source_close(core);
	return status;
}
