/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * coverage: one sweep over a plan's virtual PT_LOADs by physical address
 * (start and end events, sorted), giving the reach mask of every stretch of
 * RAM; then one merge of those stretches with the RAM map (ranges and the
 * excluded pages) into pieces of one kind each. Samples for a strip are cut
 * from the pieces on request, so memory follows the number of mappings and
 * ranges, never the width of a strip times the number of ranges.
 */
#include "coverage.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *key, *label;
	char ch;
} kinds[VMC_COV_NKINDS] = {
	[VMC_COV_LINEAR] = { "linear_map", "linear map", '=' },
	[VMC_COV_IMAGE] = { "kernel_image", "kernel image", 'K' },
	[VMC_COV_KERNEL] = { "other_kernel", "other kernel (vmalloc...)", 'V' },
	[VMC_COV_USER] = { "user_only", "user only", 'U' },
	[VMC_COV_SEVERAL] = { "several", "several (aliases)", '+' },
	[VMC_COV_UNMAPPED] = { "not_mapped", "not mapped (filler)", '.' },
	[VMC_COV_ABSENT] = { "absent", "not in the dump", 'x' },
};

const char *vmc_cov_kind_key(enum vmc_cov_kind kind)
{
	return kind < VMC_COV_NKINDS ? kinds[kind].key : "?";
}

const char *vmc_cov_kind_label(enum vmc_cov_kind kind)
{
	return kind < VMC_COV_NKINDS ? kinds[kind].label : "?";
}

char vmc_cov_kind_char(enum vmc_cov_kind kind)
{
	return kind < VMC_COV_NKINDS ? kinds[kind].ch : '?';
}

const char *vmc_cov_reach_name(unsigned mask, char *buf, size_t sz)
{
	static const char *const bit[] = { "linear", "image", "kernel", "user" };
	size_t n = 0;
	if (sz)
		buf[0] = '\0';
	for (unsigned b = 0; b < 4; b++)
		if (mask & (1u << b)) {
			int w = snprintf(buf + n, sz > n ? sz - n : 0, "%s%s",
					 n ? "+" : "", bit[b]);
			if (w > 0)
				n += (size_t)w;
		}
	if (!mask)
		snprintf(buf, sz, "none");
	return buf;
}

static enum vmc_cov_kind kind_of(unsigned reach)
{
	switch (reach) {
	case 0: return VMC_COV_UNMAPPED;
	case VMC_REACH_LINEAR: return VMC_COV_LINEAR;
	case VMC_REACH_IMAGE: return VMC_COV_IMAGE;
	case VMC_REACH_KERNEL: return VMC_COV_KERNEL;
	case VMC_REACH_USER: return VMC_COV_USER;
	default: return VMC_COV_SEVERAL;
	}
}

static uint8_t reach_bit(enum vmc_region_kind k)
{
	switch (k) {
	case VMC_REGION_LINEAR: return VMC_REACH_LINEAR;
	case VMC_REGION_IMAGE: return VMC_REACH_IMAGE;
	case VMC_REGION_USER: return VMC_REACH_USER;
	default: return VMC_REACH_KERNEL;
	}
}

/* ---- the sweep ------------------------------------------------------------- */

struct event {
	uint64_t pos;
	uint8_t bit;		/* a VMC_REACH_* bit */
	bool start;
};

VMC_VEC(event_vec, struct event)

static int cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* [lo, hi) of physical memory that the reach mask covers. */
struct reach_iv {
	uint64_t lo, hi;
	uint8_t mask;
};

VMC_VEC(reach_vec, struct reach_iv)

static bool push_event(struct event_vec *ev, uint64_t pos, uint8_t bit,
		       bool start)
{
	struct event *e = event_vec_push(ev);
	if (!e)
		return false;
	*e = (struct event){ pos, bit, start };
	return true;
}

/* Start and end events for every piece of every virtual PT_LOAD, each
 * piece of one region kind. */
static struct vmc_error *collect_events(const struct vmc_plan *plan,
					const struct vmc_region *regions,
					size_t nregions, uint64_t kernel_start,
					struct event_vec *ev, uint64_t *nsegs)
{
	*nsegs = 0;
	for (size_t i = 0; i < plan->segs.n; i++) {
		const struct vmc_segment *s = &plan->segs.v[i];
		if (s->type != PT_LOAD || s->kind != VMC_SEG_VIRTUAL || !s->memsz)
			continue;
		(*nsegs)++;
		uint64_t size = s->memsz;
		if (size > UINT64_MAX - s->paddr)	/* ends at 2^64 */
			size = UINT64_MAX - s->paddr;
		uint64_t off = 0;
		while (off < size) {
			enum vmc_region_kind k;
			uint64_t n = vmc_region_classify(regions, nregions,
							 kernel_start,
							 s->vaddr + off,
							 s->paddr + off,
							 size - off, &k);
			uint8_t bit = reach_bit(k);
			if (!push_event(ev, s->paddr + off, bit, true) ||
			    !push_event(ev, s->paddr + off + n, bit, false))
				return vmc_error_nomem();
			off += n;
		}
	}
	return NULL;
}

/* The reach mask of every stretch of physical memory some segment covers,
 * sorted, disjoint, neighbours of equal mask joined. */
static struct vmc_error *sweep(struct event_vec *ev, struct reach_vec *out)
{
	if (ev->n)
		qsort(ev->v, ev->n, sizeof(*ev->v), cmp_event);
	uint64_t count[4] = {0};
	uint8_t mask = 0;
	uint64_t prev = 0;
	for (size_t i = 0; i < ev->n;) {
		uint64_t pos = ev->v[i].pos;
		if (mask && prev < pos) {
			struct reach_iv *last = out->n ? &out->v[out->n - 1] : NULL;
			if (last && last->hi == prev && last->mask == mask) {
				last->hi = pos;
			} else {
				struct reach_iv *r = reach_vec_push(out);
				if (!r)
					return vmc_error_nomem();
				*r = (struct reach_iv){ prev, pos, mask };
			}
		}
		for (; i < ev->n && ev->v[i].pos == pos; i++) {
			unsigned b = (unsigned)__builtin_ctz(ev->v[i].bit);
			if (ev->v[i].start)
				count[b]++;
			else if (count[b])
				count[b]--;
		}
		mask = 0;
		for (unsigned b = 0; b < 4; b++)
			if (count[b])
				mask |= (uint8_t)(1u << b);
		prev = pos;
	}
	return NULL;
}

/* ---- pieces ------------------------------------------------------------------ */

struct builder {
	struct vmc_coverage *c;
	size_t pieces_cap, ranges_cap;
	const struct reach_iv *iv;
	size_t niv, next_iv;
};

static struct vmc_error *add_piece(struct builder *b, uint64_t paddr,
				   uint64_t size, uint8_t reach,
				   enum vmc_cov_kind kind)
{
	struct vmc_coverage *c = b->c;
	struct vmc_cov_range *r = &c->ranges[c->nranges - 1];
	r->bytes[kind] += size;
	c->bytes[kind] += size;
	if (kind != VMC_COV_ABSENT) {
		c->reach_bytes[reach] += size;
		c->data_bytes += size;
	}
	if (reach & VMC_REACH_LINEAR) {
		r->linear_bytes += size;
		c->linear_bytes += size;
	}
	if (r->npieces) {
		struct vmc_cov_piece *last = &c->pieces[c->npieces - 1];
		if (last->paddr + last->size == paddr && last->reach == reach &&
		    last->kind == kind) {
			last->size += size;
			return NULL;
		}
	}
	if (c->npieces == b->pieces_cap &&
	    vmc_vec_grow((void **)&c->pieces, &b->pieces_cap, c->npieces + 1,
			 sizeof(*c->pieces)))
		return vmc_error_nomem();
	c->pieces[c->npieces++] = (struct vmc_cov_piece){ paddr, size, reach,
							  (uint8_t)kind };
	r->npieces++;
	return NULL;
}

/* Bytes [a, b) with data: cut by the reach intervals (both sorted, and
 * data comes in address order, so the interval cursor only advances). */
static struct vmc_error *add_data(struct builder *b, uint64_t a, uint64_t end)
{
	while (b->next_iv < b->niv && b->iv[b->next_iv].hi <= a)
		b->next_iv++;
	uint64_t p = a;
	while (p < end) {
		const struct reach_iv *iv = b->next_iv < b->niv ? &b->iv[b->next_iv]
							      : NULL;
		uint8_t mask = 0;
		uint64_t stop = end;
		if (iv && iv->lo <= p) {
			mask = iv->mask;
			if (iv->hi < stop)
				stop = iv->hi;
		} else if (iv && iv->lo < stop) {
			stop = iv->lo;
		}
		struct vmc_error *err = add_piece(b, p, stop - p, mask,
						  kind_of(mask));
		if (err)
			return err;
		p = stop;
		if (iv && iv->hi <= p)
			b->next_iv++;
	}
	return NULL;
}

static struct vmc_error *new_range(struct builder *b, uint64_t paddr)
{
	struct vmc_coverage *c = b->c;
	if (c->nranges == b->ranges_cap &&
	    vmc_vec_grow((void **)&c->ranges, &b->ranges_cap, c->nranges + 1,
			 sizeof(*c->ranges)))
		return vmc_error_nomem();
	c->ranges[c->nranges++] = (struct vmc_cov_range){ .paddr = paddr,
							  .first = c->npieces };
	return NULL;
}

/* Walk ram[] and absent[] together in address order. A range starts a new
 * block unless it touches the previous one and one of the two is excluded
 * pages (a kdump's holes stay inside their block). */
static struct vmc_error *add_ram(struct builder *b, const struct vmc_dump *d)
{
	size_t i = 0, j = 0;
	bool prev_absent = false, have = false;
	uint64_t end = 0;		/* of the current block */
	while (i < d->nram || j < d->nabsent) {
		bool absent = i == d->nram ||
			      (j < d->nabsent && d->absent[j].paddr < d->ram[i].paddr);
		const struct vmc_ram_range *r = absent ? &d->absent[j++]
						       : &d->ram[i++];
		uint64_t lo = r->paddr, size = r->size;
		uint64_t avail = absent ? 0 : r->avail < size ? r->avail : size;
		if (have && lo < end) {		/* overlap: a reader's bug */
			uint64_t cut = end - lo;
			if (cut >= size)
				continue;
			lo = end;
			size -= cut;
			avail = avail > cut ? avail - cut : 0;
		}
		struct vmc_error *err = NULL;
		if (!have || lo != end || (!absent && !prev_absent))
			err = new_range(b, lo);
		if (!err)
			err = add_data(b, lo, lo + avail);
		if (!err && avail < size)
			err = add_piece(b, lo + avail, size - avail, 0,
					VMC_COV_ABSENT);
		if (err)
			return err;
		b->c->ranges[b->c->nranges - 1].size = lo + size -
						       b->c->ranges[b->c->nranges - 1].paddr;
		b->c->total_bytes += size;
		end = lo + size;
		prev_absent = absent;
		have = true;
	}
	return NULL;
}

struct vmc_error *vmc_coverage_build(const struct vmc_dump *d,
				     const struct vmc_plan *plan,
				     const struct vmc_region *regions,
				     size_t nregions, uint64_t kernel_start,
				     struct vmc_coverage *out)
{
	*out = (struct vmc_coverage){ .layout = plan->layout,
				      .elf_class = plan->elf_class,
				      .filler_bytes = plan->stats.filler_bytes };
	snprintf(out->root_why, sizeof(out->root_why), "%s", plan->root_why);
	struct event_vec ev = {0};
	struct reach_vec iv = {0};
	struct vmc_error *err = collect_events(plan, regions, nregions,
					       kernel_start, &ev, &out->segments);
	if (!err)
		err = sweep(&ev, &iv);
	event_vec_free(&ev);
	if (!err) {
		struct builder b = { .c = out, .iv = iv.v, .niv = iv.n };
		err = add_ram(&b, d);
	}
	reach_vec_free(&iv);
	if (err)
		vmc_coverage_fini(out);
	return err;
}

struct vmc_error *vmc_coverage_of_plan(const struct vmc_dump *d,
				       const struct vmc_plan_opts *opts,
				       const struct vmc_plan *plan,
				       struct vmc_coverage *out)
{
	*out = (struct vmc_coverage){0};
	struct vmc_view v;
	struct vmc_error *err = vmc_view_open(d, &opts->root, &v);
	if (err)
		return err;
	/* The mappings the regions may need, from the plan's segments. */
	struct vmc_run_vec maps = {0};
	for (size_t i = 0; !err && i < plan->segs.n; i++) {
		const struct vmc_segment *s = &plan->segs.v[i];
		if (s->type != PT_LOAD || s->kind != VMC_SEG_VIRTUAL)
			continue;
		struct vmc_run *r = vmc_run_vec_push(&maps);
		if (!r)
			err = vmc_error_nomem();
		else
			*r = (struct vmc_run){ .vaddr = s->vaddr, .paddr = s->paddr,
					       .size = s->memsz };
	}
	struct vmc_region_vec regions = {0};
	if (!err)
		err = vmc_view_regions(&v, maps.v, maps.n, &regions);
	vmc_run_vec_free(&maps);
	if (!err)
		err = vmc_coverage_build(d, plan, regions.v, regions.n,
					 v.kernel_start, out);
	if (err) {
		vmc_region_vec_free(&regions);
		return err;
	}
	out->regions = regions;
	return NULL;
}

struct vmc_error *vmc_coverage_of_dump(const struct vmc_dump *d,
				       struct vmc_warnings *ws,
				       struct vmc_coverage *out)
{
	*out = (struct vmc_coverage){0};
	struct vmc_plan_opts opts = { .layout = VMC_LAYOUT_GDB,
				      .root = { .cpu = -1 },
				      .allow_empty = true };
	struct vmc_plan plan;
	struct vmc_error *err = vmc_plan_build(d, &opts, ws, &plan);
	if (err)
		return err;
	err = vmc_coverage_of_plan(d, &opts, &plan, out);
	vmc_plan_fini(&plan);
	return err;
}

/* ---- samples ------------------------------------------------------------------ */

/* Offset of column j's first byte in a range of size bytes cut into width
 * columns: j*size/width without overflow (j*r < width^2 fits). */
static uint64_t column_start(uint64_t size, unsigned width, unsigned j)
{
	uint64_t q = size / width, r = size % width;
	return q * j + r * j / width;
}

void vmc_coverage_samples(const struct vmc_coverage *c, size_t i,
			  unsigned width, uint8_t *out)
{
	const struct vmc_cov_range *r = &c->ranges[i];
	const struct vmc_cov_piece *p = c->pieces + r->first;
	size_t n = r->npieces, k = 0;
	for (unsigned j = 0; j < width; j++) {
		uint64_t lo = r->paddr + column_start(r->size, width, j);
		uint64_t hi = r->paddr + (j + 1 == width ? r->size
					  : column_start(r->size, width, j + 1));
		while (k < n && p[k].paddr + p[k].size <= lo)
			k++;
		if (hi == lo) {		/* narrower than a byte */
			out[j] = k < n ? p[k].kind : VMC_COV_ABSENT;
			continue;
		}
		uint64_t bytes[VMC_COV_NKINDS] = {0};
		for (size_t m = k; m < n && p[m].paddr < hi; m++) {
			uint64_t a = p[m].paddr > lo ? p[m].paddr : lo;
			uint64_t e = p[m].paddr + p[m].size < hi ? p[m].paddr + p[m].size
								 : hi;
			bytes[p[m].kind] += e - a;
		}
		unsigned best = 0;
		for (unsigned kd = 1; kd < VMC_COV_NKINDS; kd++)
			if (bytes[kd] > bytes[best])
				best = kd;
		out[j] = (uint8_t)best;
	}
}

void vmc_coverage_fini(struct vmc_coverage *c)
{
	free(c->ranges);
	free(c->pieces);
	vmc_region_vec_free(&c->regions);
	c->ranges = NULL;
	c->pieces = NULL;
	c->nranges = c->npieces = 0;
}
