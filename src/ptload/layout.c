/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ptload layout: program headers from cleaned runs and the RAM map, for gdb
 * or for crash (DESIGN.md "Layouts", FORMATS.md §4, §5, §8). Every lookup
 * in the RAM map is a binary search: a dump can have many thousands of RAM
 * ranges and a walk many thousands of runs.
 */
#include "ptload.h"

#include <elf.h>
#include <inttypes.h>
#include <string.h>

static uint32_t pflags(uint32_t run_flags)
{
	return PF_R | (run_flags & VMC_RUN_W ? PF_W : 0) |
	       (run_flags & VMC_RUN_X ? PF_X : 0);
}

static struct vmc_segment *add_seg(struct vmc_plan *plan, uint32_t type,
				   uint64_t vaddr, uint64_t paddr, uint64_t size,
				   uint32_t flags, enum vmc_seg_kind kind)
{
	struct vmc_segment *s = vmc_segment_vec_push(&plan->segs);
	if (!s)
		return NULL;
	*s = (struct vmc_segment){
		.index = (uint32_t)(plan->segs.n - 1), .type = type,
		.flags = flags, .vaddr = vaddr, .paddr = paddr, .filesz = size,
		.memsz = size, .avail = size, .kind = kind,
	};
	return s;
}

struct pinterval {
	uint64_t lo, hi;	/* [lo, hi) */
};

static int cmp_pinterval(const void *a, const void *b)
{
	const struct pinterval *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The physical ranges segs[from, to) cover, sorted and merged; with
 * want_delta, only segments with vaddr - paddr == delta. */
static struct pinterval *covered(const struct vmc_segment *segs, size_t from,
				 size_t to, bool want_delta, uint64_t delta,
				 size_t *n)
{
	struct pinterval *iv = malloc((to - from + 1) * sizeof(*iv));
	if (!iv)
		return NULL;
	*n = 0;
	for (size_t i = from; i < to; i++) {
		const struct vmc_segment *s = &segs[i];
		if (want_delta && s->vaddr - s->paddr != delta)
			continue;
		iv[(*n)++] = (struct pinterval){ s->paddr, s->paddr + s->memsz };
	}
	qsort(iv, *n, sizeof(*iv), cmp_pinterval);
	size_t out = 0;
	for (size_t i = 0; i < *n; i++) {
		if (out && iv[i].lo <= iv[out - 1].hi) {
			if (iv[i].hi > iv[out - 1].hi)
				iv[out - 1].hi = iv[i].hi;
		} else {
			iv[out++] = iv[i];
		}
	}
	*n = out;
	return iv;
}

/* Bytes of the union of segs[from, to)'s physical ranges. */
static uint64_t union_bytes(const struct vmc_segment *segs, size_t from,
			    size_t to, bool *nomem)
{
	size_t n;
	struct pinterval *iv = covered(segs, from, to, false, 0, &n);
	uint64_t total = 0;
	*nomem = !iv;
	for (size_t i = 0; iv && i < n; i++)
		total += iv[i].hi - iv[i].lo;
	free(iv);
	return total;
}

/* next_data[i]: the first range at or after i that has data (n if none). */
static size_t *next_data_index(const struct vmc_dump *d)
{
	size_t *nd = malloc((d->nram + 1) * sizeof(*nd));
	if (!nd)
		return NULL;
	nd[d->nram] = d->nram;
	for (size_t i = d->nram; i-- > 0;)
		nd[i] = d->ram[i].avail ? i : nd[i + 1];
	return nd;
}

/* Of [paddr, paddr+size): how many bytes from paddr on are RAM with data
 * (*in_ram true), or are not (*in_ram false). O(log n). */
static uint64_t ram_prefix(const struct vmc_dump *d, const size_t *next_data,
			   uint64_t paddr, uint64_t size, bool *in_ram)
{
	size_t next = vmc_ram_next(d->ram, d->nram, paddr);
	if (next > 0) {
		const struct vmc_ram_range *r = &d->ram[next - 1];
		uint64_t in = paddr - r->paddr;
		if (in < r->avail) {
			*in_ram = true;
			return r->avail - in < size ? r->avail - in : size;
		}
	}
	*in_ram = false;
	next = next_data[next];
	if (next == d->nram)
		return size;
	uint64_t gap = d->ram[next].paddr - paddr;
	return gap < size ? gap : size;
}

/* Bytes with data in RAM below paddr, from cum (cum[i]: the avail of
 * ranges before i). O(log n). */
static uint64_t data_below(const struct vmc_dump *d, const uint64_t *cum,
			   uint64_t paddr)
{
	size_t next = vmc_ram_next(d->ram, d->nram, paddr);
	if (next == 0)
		return 0;
	const struct vmc_ram_range *r = &d->ram[next - 1];
	uint64_t in = paddr - r->paddr;
	return cum[next - 1] + (in < r->avail ? in : r->avail);
}

/* Bytes of [paddr, paddr+size) that are RAM with data, without cutting
 * the range into pieces: O(log n), however many ranges it spans. */
static uint64_t data_bytes_in(const struct vmc_dump *d, const uint64_t *cum,
			      uint64_t paddr, uint64_t size)
{
	uint64_t last = paddr + (size - 1);	/* may be 2^64 - 1 */
	uint64_t below = data_below(d, cum, paddr);
	uint64_t upto = data_below(d, cum, last);
	const struct vmc_ram_range *r = vmc_ram_find(d->ram, d->nram, last, NULL);
	if (r && last - r->paddr < r->avail)
		upto++;		/* the last byte itself */
	return upto - below;
}

/* Past the PT_LOAD budget, [va, va+left) → pa is only counted: a run that
 * spans a thousand ranges is not cut into a thousand pieces. */
static void over_budget(const struct vmc_dump *d, const uint64_t *cum,
			uint64_t va, uint64_t pa, uint64_t left,
			uint64_t max_segs, struct vmc_plan *plan,
			struct vmc_warnings *ws)
{
	uint64_t in = data_bytes_in(d, cum, pa, left);
	if (in && !plan->stats.over_budget_bytes)
		vmc_warn(ws, "more than %" PRIu64 " PT_LOADs: mappings from "
			 "virtual 0x%016" PRIx64 " on are left out (the page "
			 "tables alias RAM ranges without bound; --exclude can "
			 "leave out the aliases)", max_segs, va);
	plan->stats.over_budget_bytes += in;
	plan->stats.not_ram_bytes += left - in;
}

/* One PT_NOTE per input PT_NOTE (at least one), first in the table. */
static struct vmc_error *add_notes(const struct vmc_dump *d,
				   struct vmc_plan *plan)
{
	plan->nnotes = d->nnote_data ? d->nnote_data : 1;
	for (size_t i = 0; i < plan->nnotes; i++) {
		struct vmc_segment *s = add_seg(plan, PT_NOTE, 0, 0, 0, 0,
						VMC_SEG_VIRTUAL);
		if (!s)
			return vmc_error_nomem();
		s->align = d->nnote_data ? d->note_data[i].align : 4;
	}
	return NULL;
}

struct vmc_error *vmc_layout_virtual(const struct vmc_dump *d,
				     const struct vmc_run_vec *runs,
				     uint64_t max_segs, struct vmc_plan *plan,
				     struct vmc_warnings *ws)
{
	struct vmc_error *nerr = add_notes(d, plan);
	if (nerr)
		return nerr;
	size_t *next_data = next_data_index(d);
	uint64_t *cum = malloc((d->nram + 1) * sizeof(*cum));
	if (!next_data || !cum) {
		free(next_data);
		free(cum);
		return vmc_error_nomem();
	}
	cum[0] = 0;
	for (size_t i = 0; i < d->nram; i++)
		cum[i + 1] = cum[i] + d->ram[i].avail;
	struct vmc_error *err = NULL;
	for (size_t i = 0; i < runs->n && !err; i++) {
		uint64_t va = runs->v[i].vaddr, pa = runs->v[i].paddr;
		uint64_t left = runs->v[i].size;
		while (left) {
			if (plan->stats.virtual_segs >= max_segs) {
				over_budget(d, cum, va, pa, left, max_segs, plan, ws);
				break;
			}
			bool in_ram;
			uint64_t n = ram_prefix(d, next_data, pa, left, &in_ram);
			if (in_ram) {
				if (!add_seg(plan, PT_LOAD, va, pa, n,
					     pflags(runs->v[i].flags),
					     VMC_SEG_VIRTUAL)) {
					err = vmc_error_nomem();
					break;
				}
				plan->stats.virtual_segs++;
			} else {
				plan->stats.not_ram_bytes += n;
			}
			va += n;
			pa += n;
			left -= n;
		}
	}
	free(next_data);
	free(cum);
	bool nomem = false;
	if (!err)
		plan->stats.mapped_ram_bytes = union_bytes(plan->segs.v, plan->nnotes,
							   plan->segs.n, &nomem);
	return err ? err : nomem ? vmc_error_nomem() : NULL;
}


/*
 * Cut every RAM range (with data) into pieces by cov: covered pieces get
 * vaddr = paddr + delta (emit_covered) and uncovered ones vaddr 0 — or, for
 * gdb's filler, only uncovered pieces are emitted. One merge pass.
 */
static struct vmc_error *ram_pieces(const struct vmc_dump *d,
				    struct vmc_plan *plan,
				    const struct pinterval *cov, size_t ncov,
				    bool emit_covered, uint64_t delta)
{
	const uint32_t flags = PF_R | PF_W | PF_X;
	size_t c = 0;
	for (size_t i = 0; i < d->nram; i++) {
		uint64_t p = d->ram[i].paddr;
		uint64_t end = p + d->ram[i].avail;
		while (p < end) {
			while (c < ncov && cov[c].hi <= p)
				c++;
			bool in = c < ncov && cov[c].lo <= p;
			uint64_t stop = in ? cov[c].hi : c < ncov ? cov[c].lo : end;
			if (stop > end)
				stop = end;
			if (in) {
				plan->stats.virtual_bytes += stop - p;
				if (emit_covered) {
					if (!add_seg(plan, PT_LOAD, p + delta, p,
						     stop - p, flags, VMC_SEG_VIRTUAL))
						return vmc_error_nomem();
					plan->stats.virtual_segs++;
				}
			} else {
				if (!add_seg(plan, PT_LOAD, 0, p, stop - p, flags,
					     VMC_SEG_FILLER))
					return vmc_error_nomem();
				plan->stats.filler_segs++;
				plan->stats.filler_bytes += stop - p;
			}
			p = stop;
		}
	}
	return NULL;
}

struct vmc_error *vmc_layout_gdb(const struct vmc_dump *d, bool no_filler,
				 struct vmc_plan *plan)
{
	size_t n;
	struct pinterval *cov = covered(plan->segs.v, plan->nnotes, plan->segs.n,
					false, 0,
					&n);
	if (!cov)
		return vmc_error_nomem();
	/* Count what is covered either way; keep the filler unless told. */
	size_t before = plan->segs.n;
	uint64_t fsegs = plan->stats.filler_segs;
	struct vmc_error *err = ram_pieces(d, plan, cov, n, false, 0);
	if (!err && no_filler) {
		plan->segs.n = before;
		plan->stats.filler_segs = fsegs;
	}
	free(cov);
	return err;
}

struct delta_bytes {
	uint64_t delta, bytes;
};

static int cmp_delta(const void *a, const void *b)
{
	const struct delta_bytes *x = a, *y = b;
	return x->delta < y->delta ? -1 : x->delta > y->delta;
}

/* The VA - PA delta that maps the most bytes of the kernel half among
 * segs[from, to): the linear (direct) map. */
static bool linear_delta(const struct vmc_segment *segs, size_t from, size_t to,
			 uint64_t kstart, uint64_t *delta)
{
	struct delta_bytes *dl = malloc((to - from + 1) * sizeof(*dl));
	if (!dl)
		return false;
	size_t k = 0;
	for (size_t i = from; i < to; i++)
		if (segs[i].vaddr >= kstart)
			dl[k++] = (struct delta_bytes){ segs[i].vaddr - segs[i].paddr,
							segs[i].memsz };
	qsort(dl, k, sizeof(*dl), cmp_delta);
	uint64_t best_bytes = 0;
	for (size_t i = 0; i < k;) {
		size_t j = i;
		uint64_t bytes = 0;
		while (j < k && dl[j].delta == dl[i].delta)
			bytes += dl[j++].bytes;
		if (bytes > best_bytes) {
			best_bytes = bytes;
			*delta = dl[i].delta;
		}
		i = j;
	}
	free(dl);
	return best_bytes > 0;
}

/* crash finds phys_base from the first PT_LOAD in the x86_64 kernel image
 * mapping (FORMATS.md §4); gdb reads the image's variables through it on
 * every architecture. The maximal run, contiguous in VA and PA, that holds
 * VMCOREINFO's _stext; without it, the lowest segment at or above the
 * architecture's image base. Segments are VA-sorted. */
static bool kernel_image(const struct vmc_dump *d,
			 const struct vmc_kernel_hints *kh,
			 const struct vmc_segment *sv, size_t from, size_t to,
			 uint64_t *va, uint64_t *pa, uint64_t *size)
{
	if (!kh->have_stext && !kh->image_base)
		return false;
	size_t pick = to;
	for (size_t i = from; i < to; i++) {
		if (kh->have_stext ? kh->stext >= sv[i].vaddr &&
				     kh->stext - sv[i].vaddr < sv[i].memsz
				   : sv[i].vaddr >= kh->image_base) {
			pick = i;
			break;
		}
	}
	if (pick == to)
		return false;
	/* Extend over neighbours at the same VA - PA offset: arm64 maps the
	 * image's sections with gaps between them (alignment, and .init,
	 * freed after boot: 6.3M on Debian's 6.1), all RAM. Like kexec's
	 * kernel-text segment, ours spans the gaps. */
	const uint64_t max_gap = UINT64_C(64) << 20;
	uint64_t delta = sv[pick].vaddr - sv[pick].paddr;
	size_t lo = pick, hi = pick;
	while (lo > from) {
		const struct vmc_segment *a = &sv[lo - 1], *b = &sv[lo];
		if (a->vaddr - a->paddr != delta || a->vaddr + a->memsz > b->vaddr ||
		    b->vaddr - (a->vaddr + a->memsz) > max_gap ||
		    a->vaddr < kh->image_base)
			break;
		lo--;
	}
	while (hi + 1 < to) {
		const struct vmc_segment *a = &sv[hi], *b = &sv[hi + 1];
		if (b->vaddr - b->paddr != delta || a->vaddr + a->memsz > b->vaddr ||
		    b->vaddr - (a->vaddr + a->memsz) > max_gap)
			break;
		hi++;
	}
	*va = sv[lo].vaddr;
	*pa = sv[lo].paddr;
	*size = sv[hi].vaddr + sv[hi].memsz - *va;
	/* The segment must lie in one RAM range with data (its bytes are one
	 * slice of the output); else fall back to the run holding _stext. */
	const struct vmc_ram_range *r = vmc_dump_ram_find(d, *pa);
	if (!r || *pa - r->paddr + *size > r->avail) {
		*va = sv[pick].vaddr;
		*pa = sv[pick].paddr;
		*size = sv[pick].memsz;
	}
	return true;
}

struct vmc_error *vmc_layout_crash(const struct vmc_dump *d,
				   const struct vmc_kernel_hints *kh,
				   struct vmc_plan *plan)
{
	/* The virtual segments are scaffolding: rebuild the list from them. */
	struct vmc_segment_vec virt = plan->segs;
	plan->segs = (struct vmc_segment_vec){0};
	plan->stats.virtual_segs = 0;
	struct vmc_error *err = NULL;
	struct pinterval *cov = NULL;
	size_t from = plan->nnotes;
	if ((err = add_notes(d, plan)))
		goto out;
	uint64_t va, pa, size;
	if (kernel_image(d, kh, virt.v, from, virt.n, &va, &pa, &size)) {
		if (!add_seg(plan, PT_LOAD, va, pa, size, PF_R | PF_W | PF_X,
			     VMC_SEG_VIRTUAL)) {
			err = vmc_error_nomem();
			goto out;
		}
		plan->stats.virtual_segs++;
	}
	uint64_t delta = 0;
	size_t n = 0;
	bool linear = linear_delta(virt.v, from, virt.n, kh->kernel_start, &delta);
	cov = linear ? covered(virt.v, from, virt.n, true, delta, &n)
		     : calloc(1, sizeof(*cov));
	if (!cov) {
		err = vmc_error_nomem();
		goto out;
	}
	err = ram_pieces(d, plan, cov, n, true, delta);
out:
	free(cov);
	vmc_segment_vec_free(&virt);
	return err;
}

struct vmc_error *vmc_layout_physical(const struct vmc_dump *d,
				      struct vmc_plan *plan)
{
	struct vmc_error *err = add_notes(d, plan);
	if (err)
		return err;
	for (size_t i = 0; i < d->nram; i++) {
		const struct vmc_ram_range *r = &d->ram[i];
		if (!r->avail)
			continue;
		if (!add_seg(plan, PT_LOAD, r->paddr, r->paddr, r->avail,
			     PF_R | PF_W | PF_X, VMC_SEG_IDENTITY))
			return vmc_error_nomem();
	}
	return NULL;
}
