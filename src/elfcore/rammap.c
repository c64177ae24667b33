/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * elfcore RAM map: which guest-physical ranges the core holds and where
 * their bytes are, built from the physical side (p_paddr, p_offset) of the
 * PT_LOADs. One algorithm serves both QEMU dumps:
 *   - paging=false: one PT_LOAD per RAM block; the map is those segments.
 *   - paging=true: thousands of virtual PT_LOADs alias one physical copy;
 *     merging their physical extents recovers the blocks, and gaps between
 *     two extents with the same (p_offset − p_paddr) are RAM that no page
 *     table maps, whose data QEMU still wrote (FORMATS.md §1.5).
 * File bytes between the headers and the end of RAM data that no range
 * covers are listed in core->unplaced: data we cannot place physically
 * (not the zero padding that aligns the first range's data).
 */
#include "elfcore-priv.h"

#include <elf.h>
#include <inttypes.h>
#include <string.h>

struct extent {
	uint64_t paddr, end, foff;
	uint32_t seg;
};

static int cmp_extent(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;
	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	if (x->foff != y->foff)
		return x->foff < y->foff ? -1 : 1;
	return 0;
}

static bool same_delta(const struct extent *a, const struct extent *b)
{
	return a->foff - a->paddr == b->foff - b->paddr;
}

static struct vmc_error *push_range(struct vmc_core *core,
				    const struct extent *e, uint32_t flags)
{
	struct vmc_ram_range *r = vmc_ram_vec_push(&core->ram);
	if (!r)
		return vmc_error_nomem();
	r->paddr = e->paddr;
	r->size = e->end - e->paddr;
	r->foff = e->foff;
	r->avail = r->foff >= core->file_size ? 0 :
		   r->size < core->file_size - r->foff ? r->size :
		   core->file_size - r->foff;
	r->flags = flags;
	return NULL;
}

/* Extents of every PT_LOAD with data; p_filesz only (see man page: the
 * tail p_memsz − p_filesz holds no data and is not RAM we can read). */
static struct extent *collect(const struct vmc_core *core, size_t *n,
			      bool *any_virtual)
{
	struct extent *ex = calloc(core->segs.n ? core->segs.n : 1, sizeof(*ex));
	if (!ex)
		return NULL;
	*n = 0;
	*any_virtual = false;
	for (size_t i = 0; i < core->segs.n; i++) {
		const struct vmc_segment *s = &core->segs.v[i];
		if (s->type != PT_LOAD || s->kind == VMC_SEG_ABSENT)
			continue;
		if (s->kind == VMC_SEG_VIRTUAL)
			*any_virtual = true;
		/* Wrapping ranges are hostile; clip at the top of the space. */
		uint64_t len = s->filesz;
		if (len > UINT64_MAX - s->paddr)
			len = UINT64_MAX - s->paddr;
		if (len > UINT64_MAX - s->offset)
			len = UINT64_MAX - s->offset;
		if (!len)
			continue;
		ex[*n] = (struct extent){ s->paddr, s->paddr + len, s->offset,
					  s->index };
		(*n)++;
	}
	return ex;
}

/* Merge sorted extents; equal deltas coalesce, conflicting copies keep the
 * first (lowest file offset) and warn. */
static struct vmc_error *merge(struct vmc_core *core, struct extent *ex,
			       size_t n, struct vmc_warnings *ws)
{
	struct vmc_error *err;
	struct extent cur = ex[0];
	for (size_t i = 1; i < n; i++) {
		struct extent e = ex[i];
		if (e.paddr <= cur.end && same_delta(&cur, &e)) {
			if (e.end > cur.end)
				cur.end = e.end;
			continue;
		}
		if (e.paddr < cur.end) {
			vmc_warn(ws, "PT_LOAD[%" PRIu32 "]: physical 0x%" PRIx64
				 "-0x%" PRIx64 " is already described at another "
				 "file offset; keeping PT_LOAD[%" PRIu32 "]'s copy",
				 e.seg, e.paddr, (e.end < cur.end ? e.end : cur.end) - 1,
				 cur.seg);
			if (e.end <= cur.end)
				continue;
			e.foff += cur.end - e.paddr;
			e.paddr = cur.end;
		}
		if ((err = push_range(core, &cur, 0)))
			return err;
		cur = e;
	}
	return push_range(core, &cur, 0);
}

/* In a dump with virtual PT_LOADs, fill gaps whose file bytes are provably
 * the missing physical pages: both neighbours share one delta, and deltas
 * only stay equal inside one RAM block. */
static struct vmc_error *infer_gaps(struct vmc_core *core)
{
	struct vmc_ram_vec out = {0};
	for (size_t i = 0; i < core->ram.n; i++) {
		const struct vmc_ram_range *a = &core->ram.v[i];
		if (!vmc_ram_vec_push(&out))
			goto nomem;
		out.v[out.n - 1] = *a;
		if (i + 1 == core->ram.n)
			break;
		const struct vmc_ram_range *b = &core->ram.v[i + 1];
		uint64_t aend = a->paddr + a->size;
		if (b->paddr > aend && b->foff - b->paddr == a->foff - a->paddr) {
			struct vmc_ram_range *g = vmc_ram_vec_push(&out);
			if (!g)
				goto nomem;
			g->paddr = aend;
			g->size = b->paddr - aend;
			g->foff = a->foff + a->size;
			g->avail = g->foff >= core->file_size ? 0 :
				   g->size < core->file_size - g->foff ? g->size :
				   core->file_size - g->foff;
			g->flags = VMC_RAM_INFERRED;
		}
	}
	vmc_ram_vec_free(&core->ram);
	core->ram = out;
	return NULL;
nomem:
	vmc_ram_vec_free(&out);
	return vmc_error_nomem();
}

static int cmp_foff(const void *a, const void *b)
{
	const struct vmc_ram_range *x = a, *y = b;
	return x->foff < y->foff ? -1 : x->foff > y->foff;
}

/* Where headers and notes end: RAM data can only start after that. */
static uint64_t headers_end(const struct vmc_core *core)
{
	size_t phent = core->elf_class == ELFCLASS64 ? sizeof(Elf64_Phdr)
						      : sizeof(Elf32_Phdr);
	uint64_t end = core->e_phoff + (uint64_t)core->phnum * phent;
	for (size_t i = 0; i < core->segs.n; i++) {
		const struct vmc_segment *s = &core->segs.v[i];
		if (s->type == PT_NOTE && s->kind != VMC_SEG_ABSENT &&
		    s->offset + s->avail > end)
			end = s->offset + s->avail;
	}
	return end;
}

/* remap and convert start each RAM copy at its input offset modulo 4096
 * (ptload/place.c OUT_ALIGN), so up to 4095 bytes of zeros can separate
 * the notes from the data. */
#define DATA_PAD_MAX 4095u

/* Whether file bytes [foff, foff+len) are alignment padding: short, in the
 * file, and all zero. Any unplaced RAM is a page or more. */
static bool zero_padding(const struct vmc_core *core, uint64_t foff,
			 uint64_t len)
{
	uint8_t buf[DATA_PAD_MAX];
	if (len > DATA_PAD_MAX || !vmc_range_ok(foff, len, core->file_size))
		return false;
	if (core->map)
		return vmc_all_zero(core->map + foff, (size_t)len);
	struct vmc_error *err = vmc_input_read(core->in, buf, (size_t)len, foff,
					       "padding");
	vmc_error_free(err);
	return !err && vmc_all_zero(buf, (size_t)len);
}

/* File bytes from the end of the headers and notes to ram_data_end that no
 * RAM range holds, less the zero padding before the first range's data. */
static struct vmc_error *find_unplaced(struct vmc_core *core)
{
	if (!core->ram.n)
		return NULL;
	struct vmc_ram_range *byoff = malloc(core->ram.n * sizeof(*byoff));
	if (!byoff)
		return vmc_error_nomem();
	memcpy(byoff, core->ram.v, core->ram.n * sizeof(*byoff));
	qsort(byoff, core->ram.n, sizeof(*byoff), cmp_foff);

	uint64_t pos = headers_end(core), end = core->ram_data_end;
	struct vmc_error *err = NULL;
	for (size_t i = 0; i <= core->ram.n && pos < end; i++) {
		uint64_t next = i < core->ram.n ? byoff[i].foff : end;
		if (next > end)
			next = end;
		if (next > pos && !(i == 0 && zero_padding(core, pos, next - pos))) {
			struct vmc_unplaced *u = vmc_unplaced_vec_push(&core->unplaced);
			if (!u) {
				err = vmc_error_nomem();
				break;
			}
			u->foff = pos;
			u->size = next - pos;
		}
		if (i < core->ram.n) {
			uint64_t rend = byoff[i].foff + byoff[i].avail;
			if (rend > pos)
				pos = rend;
		}
	}
	free(byoff);
	return err;
}

static int cmp_extent_foff(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;
	return x->foff < y->foff ? -1 : x->foff > y->foff;
}

/* PT_LOADs that put the same file bytes at different physical addresses:
 * the file says both ranges hold those bytes, and each physical byte is
 * still read from where its own PT_LOAD says (never from a neighbour's
 * copy). Say so once per pair, since a sane dump never does it. */
static struct vmc_error *warn_shared_bytes(const struct extent *ex, size_t n,
					   struct vmc_warnings *ws)
{
	if (n < 2)
		return NULL;
	struct extent *byoff = malloc(n * sizeof(*byoff));
	if (!byoff)
		return vmc_error_nomem();
	memcpy(byoff, ex, n * sizeof(*byoff));
	qsort(byoff, n, sizeof(*byoff), cmp_extent_foff);
	size_t far = 0;		/* the extent reaching furthest so far */
	for (size_t i = 1; i < n; i++) {
		const struct extent *a = &byoff[far], *b = &byoff[i];
		uint64_t a_fend = a->foff + (a->end - a->paddr);
		if (b->foff < a_fend && !same_delta(a, b))
			vmc_warn(ws, "PT_LOAD[%" PRIu32 "] (physical 0x%" PRIx64 ") "
				 "and PT_LOAD[%" PRIu32 "] (physical 0x%" PRIx64 ") "
				 "share file bytes at offset 0x%" PRIx64 ": the "
				 "core gives both physical ranges the same contents",
				 a->seg, a->paddr, b->seg, b->paddr, b->foff);
		if (b->foff + (b->end - b->paddr) > a_fend)
			far = i;
	}
	free(byoff);
	return NULL;
}

struct vmc_error *vmc_core_build_ram(struct vmc_core *core,
				     struct vmc_warnings *ws)
{
	size_t n;
	bool any_virtual;
	struct extent *ex = collect(core, &n, &any_virtual);
	if (!ex)
		return vmc_error_nomem();
	struct vmc_error *err = NULL;
	if (n) {
		err = warn_shared_bytes(ex, n, ws);
		qsort(ex, n, sizeof(*ex), cmp_extent);
		if (!err)
			err = merge(core, ex, n, ws);
		if (!err && any_virtual)
			err = infer_gaps(core);
		if (!err)
			err = find_unplaced(core);
	}
	free(ex);
	return err;
}

static struct vmc_error *core_read(void *ctx, uint64_t paddr, void *buf,
				   size_t len)
{
	struct vmc_core *core = ctx;
	uint8_t *out = buf;
	while (len) {
		const struct vmc_ram_range *r = vmc_ram_find(core->ram.v, core->ram.n,
							 paddr, &core->ram_hint);
		if (!r)
			return vmc_error_fault(paddr, "physical address 0x%" PRIx64
					       " is not in the RAM map", paddr);
		uint64_t in = paddr - r->paddr;
		if (in >= r->avail)
			return vmc_error_fault(paddr, "physical address 0x%" PRIx64
					       " lies past end of file (its data "
					       "would be at offset 0x%" PRIx64 ")",
					       paddr, r->foff + in);
		uint64_t chunk = r->avail - in;
		if (chunk > len)
			chunk = len;
		if (core->map) {
			memcpy(out, core->map + r->foff + in, chunk);
		} else {
			struct vmc_error *err = vmc_input_read(
				core->in, out, (size_t)chunk, r->foff + in,
				"RAM data");
			if (err) {
				err->code = VMC_ERR_FAULT;
				err->addr = paddr;
				return vmc_error_prefix(err, "physical address 0x%"
							PRIx64, paddr);
			}
		}
		out += chunk;
		len -= chunk;
		paddr += chunk;
		if (len && paddr == 0)
			return vmc_error_fault(0, "read wraps past the top of the "
					       "physical address space");
	}
	return NULL;
}

static const void *core_map(void *ctx, uint64_t paddr, size_t len)
{
	struct vmc_core *core = ctx;
	if (!core->map)
		return NULL;
	const struct vmc_ram_range *r = vmc_ram_find(core->ram.v, core->ram.n,
							 paddr, &core->ram_hint);
	if (!r)
		return NULL;
	uint64_t in = paddr - r->paddr;
	if (in >= r->avail || len > r->avail - in)
		return NULL;
	return core->map + r->foff + in;
}

struct vmc_physmem vmc_core_physmem(struct vmc_core *core)
{
	return (struct vmc_physmem){ .read = core_read, .map = core_map,
				     .ctx = core };
}
