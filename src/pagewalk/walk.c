/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The walk engine, shared by every paging form. It reads each table whole
 * (zero-copy from the mapped core when possible), asks the form's step
 * function what each entry means, and emits one run per leaf, unmerged.
 *
 * Guest page tables are hostile input: tables may point outside RAM, set
 * reserved bits, or point back at themselves. The walk is bounded by
 * max_runs and by max_table_visits per (table, level) — legitimately shared
 * tables (Linux's espfix maps one page thousands of times through shared
 * tables) stay within the default — and a table is never entered at a
 * second level: Linux never uses one page as tables of two levels, so that
 * is a loop (a self-referencing entry). vmc_translate still follows loops,
 * one step per level, as the hardware would.
 */
#include "pagewalk.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Real Linux guests reach one table at most 2,048 times (the espfix area,
 * measured on Debian 6.1 guests); 8x that is room enough. */
#define DEFAULT_MAX_RUNS	(1ull << 20)
#define DEFAULT_TABLE_VISITS	(1u << 14)

/* ---- helpers --------------------------------------------------------------- */

uint64_t vmc_paging_canonical(const struct vmc_paging *pg, uint64_t va)
{
	if (pg->va_bits >= 64)
		return va;
	uint64_t mask = (UINT64_C(1) << pg->va_bits) - 1;
	va &= mask;
	if (pg->upper || (pg->sign_extend && (va >> (pg->va_bits - 1)) & 1))
		va |= ~mask;
	return va;
}

bool vmc_paging_va_ok(const struct vmc_paging *pg, uint64_t vaddr)
{
	if (pg->va_bits >= 64)
		return true;
	/* With top-byte-ignore, bits 63:56 are a tag (Arm ARM D8.8). */
	if (pg->tbi)
		vaddr &= UINT64_C(0x00ffffffffffffff);
	return vmc_paging_canonical(pg, vaddr) == vaddr;
}

const struct vmc_paging *vmc_form_for(const struct vmc_root_choice *rc,
				      uint64_t vaddr)
{
	for (size_t i = 0; i < rc->npg; i++) {
		const struct vmc_paging *pg = &rc->pg[i];
		/* AArch64: VA bit 55 selects TTBR1 or TTBR0 (D8.2.4). */
		if (pg->mode == VMC_PAGING_AARCH64 &&
		    (bool)(vaddr >> 55 & 1) != pg->upper)
			continue;
		return pg;
	}
	return NULL;
}

static uint32_t finish(const struct vmc_paging *pg, uint32_t flags)
{
	return pg->ops->finish ? pg->ops->finish(flags) : flags;
}

static uint64_t get_entry(const struct vmc_paging *pg, const uint8_t *p)
{
	/* Guest page tables are little-endian on every target we walk; on a
	 * little-endian host that is one load. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (pg->entry_size == 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	uint32_t v32;
	memcpy(&v32, p, 4);
	return v32;
#else
	return pg->entry_size == 8 ? vmc_get64(p, false) : vmc_get32(p, false);
#endif
}

static uint64_t table_bytes(const struct vmc_paging *pg, unsigned level)
{
	return ((uint64_t)1 << pg->bits[level]) * pg->entry_size;
}

/* ---- enumeration ------------------------------------------------------------ */

struct walker {
	const struct vmc_paging *pg;
	const struct vmc_physmem *pm;
	struct vmc_walk_limits lim;
	struct vmc_run_vec *runs;
	struct vmc_walk_stats *st;
	struct vmc_warnings *ws;
	struct vmc_pair_map visits;		/* (table, level) -> visits */
	struct vmc_pair_map roots;		/* (index, entry) of walked root entries */
	uint8_t *buf[VMC_MAX_LEVELS + 1];
	struct vmc_error *err;		/* fatal: out of memory */
	bool stop;
};

/* The table's bytes: a view into the core, or a copy in the level's buffer. */
static const uint8_t *read_table(struct walker *w, uint64_t table,
				 unsigned level, struct vmc_error **err)
{
	uint64_t len = table_bytes(w->pg, level);
	if (w->pm->map) {
		const uint8_t *p = w->pm->map(w->pm->ctx, table, len);
		if (p)
			return p;
	}
	if (!w->buf[level]) {
		w->buf[level] = malloc(len);
		if (!w->buf[level]) {
			*err = vmc_error_nomem();
			return NULL;
		}
	}
	*err = vmc_physmem_read(w->pm, table, w->buf[level], len);
	return *err ? NULL : w->buf[level];
}

static void emit(struct walker *w, uint64_t va, uint64_t pa, unsigned level,
		 uint32_t flags)
{
	if (w->runs->n >= w->lim.max_runs) {
		if (!w->st->truncated)
			vmc_warn(w->ws, "stopped after %" PRIu64 " mappings (the "
				 "limit); page tables past VA 0x%016" PRIx64
				 " are not walked", w->lim.max_runs, va);
		w->st->truncated = true;
		w->stop = true;
		return;
	}
	struct vmc_run *r = vmc_run_vec_push(w->runs);
	if (!r) {
		w->err = vmc_error_nomem();
		w->stop = true;
		return;
	}
	unsigned shift = w->pg->shift[level];
	*r = (struct vmc_run){ .vaddr = va, .paddr = pa,
			       .size = (uint64_t)1 << shift, .flags = flags,
			       .leaf_level = (uint8_t)level,
			       .leaf_shift = (uint8_t)shift };
	w->st->leaves++;
}

/* Count a visit of (table, level); false when it is over the limit or the
 * table already served at another level. Key (table, 0) holds that level. */
static bool admit(struct walker *w, uint64_t table, unsigned level,
		  const char *parent, uint64_t parent_index)
{
	bool created;
	uint32_t *lv = vmc_pair_map_get(&w->visits, table, 0, &created);
	if (!lv) {
		w->err = vmc_error_nomem();
		w->stop = true;
		return false;
	}
	if (created) {
		*lv = level;
	} else if (*lv != level) {
		w->st->loops++;
		vmc_warn(w->ws, "%s[%" PRIu64 "] leads to the table at 0x%"
				 PRIx64 " as a %s, but it is a %s: the page tables "
				 "loop; not followed", parent ? parent : "root",
				 parent_index, table, w->pg->level_name[level],
				 w->pg->level_name[*lv]);
		return false;
	}
	uint32_t *v = vmc_pair_map_get(&w->visits, table, level, &created);
	if (!v) {
		w->err = vmc_error_nomem();
		w->stop = true;
		return false;
	}
	if (created)
		w->st->tables++;
	if (*v >= w->lim.max_table_visits) {
		if (w->st->over_shared++ == 0)
			vmc_warn(w->ws, "%s table at 0x%" PRIx64 " is reached more "
				 "than %" PRIu32 " times (looping or hostile page "
				 "tables?); further visits are skipped",
				 w->pg->level_name[level], table,
				 w->lim.max_table_visits);
		return false;
	}
	(*v)++;
	if (*v > w->st->max_visits)
		w->st->max_visits = *v;
	return true;
}

static void walk_table(struct walker *w, uint64_t table, unsigned level,
		       uint64_t va_base, uint32_t allow, const char *parent,
		       uint64_t parent_index)
{
	const struct vmc_paging *pg = w->pg;
	if (!admit(w, table, level, parent, parent_index))
		return;
	struct vmc_error *err = NULL;
	const uint8_t *t = read_table(w, table, level, &err);
	w->st->table_reads++;
	if (!t) {
		if (err && err->code == VMC_ERR_NOMEM) {
			w->err = err;
			w->stop = true;
			return;
		}
		w->st->unreadable++;
		if (parent)
			vmc_warn(w->ws, "%s[%" PRIu64 "] -> %s table at 0x%" PRIx64
				 ": %s; its mappings are skipped", parent,
				 parent_index, pg->level_name[level], table,
				 err ? err->msg : "unreadable");
		else
			vmc_warn(w->ws, "root %s table at 0x%" PRIx64 ": %s",
				 pg->level_name[level], table,
				 err ? err->msg : "unreadable");
		vmc_error_free(err);
		return;
	}
	/* t stays valid while deeper levels read: they use their own buffers,
	 * and views into the core do not move. */
	uint64_t n = (uint64_t)1 << pg->bits[level];
	uint64_t span = (uint64_t)1 << pg->shift[level];
	uint64_t i, zeros = 0;
	for (i = 0; i < n && !w->stop; i++) {
		/* All-zero is "not present" in every format we walk (x86 P=0,
		 * AArch64 bits[1:0]=00), and most of a table: skip runs of
		 * them without decoding, four entries at a time. */
		while (pg->entry_size == 8 && i + 4 <= n &&
		       (get_entry(pg, t + i * 8) | get_entry(pg, t + i * 8 + 8) |
			get_entry(pg, t + i * 8 + 16) |
			get_entry(pg, t + i * 8 + 24)) == 0) {
			i += 4;
			zeros += 4;
		}
		if (i >= n)
			break;
		uint64_t raw = get_entry(pg, t + i * pg->entry_size);
		if (raw == 0) {
			zeros++;
			continue;
		}
		uint64_t va = vmc_paging_canonical(pg, va_base | i * span);
		/* Entries wholly outside the requested range are not walked. */
		if (va > w->lim.va_hi || va + (span - 1) < w->lim.va_lo)
			continue;
		struct vmc_entry e;
		pg->ops->decode(pg, level, raw & ~pg->clear_mask, &e);
		switch (e.kind) {
		case VMC_ENTRY_NONE:
			w->st->not_present++;
			break;
		case VMC_ENTRY_RESERVED:
			w->st->reserved++;
			vmc_warn(w->ws, "%s[%" PRIu64 "] at 0x%" PRIx64 " = 0x%"
				 PRIx64 " sets reserved %s; skipped (VA 0x%016"
				 PRIx64 ")", pg->level_name[level], i,
				 table + i * pg->entry_size, raw, e.why, va);
			break;
		case VMC_ENTRY_LEAF:
			emit(w, va, e.addr, level,
			     finish(pg, (allow & e.allow) | e.leaf_flags));
			break;
		case VMC_ENTRY_TABLE:
			if (level == pg->levels) {
				bool created;
				/* Keyed by half too: TTBR0 and TTBR1 tables
				 * are different spaces. */
				uint32_t *seen = vmc_pair_map_get(
					&w->roots, i | (uint64_t)pg->upper << 32 |
					(uint64_t)pg->levels << 40, raw, &created);
				if (!seen) {
					w->err = vmc_error_nomem();
					w->stop = true;
					break;
				}
				if (!created) {
					w->st->duplicate_roots++;
					break;
				}
			}
			walk_table(w, e.addr, level - 1, va_base | i * span,
				   allow & e.allow, pg->level_name[level], i);
			break;
		}
	}
	w->st->entries += i;
	w->st->not_present += zeros;
}

uint64_t vmc_walk_budget(uint64_t ram_bytes)
{
	uint64_t pages2 = ram_bytes / 4096 * 2;
	return pages2 > DEFAULT_MAX_RUNS ? pages2 : DEFAULT_MAX_RUNS;
}

struct vmc_error *vmc_walk(const struct vmc_paging *pgs, size_t npgs,
			   const struct vmc_physmem *pm,
			   const struct vmc_walk_limits *limits,
			   struct vmc_run_vec *runs, struct vmc_walk_stats *stats,
			   struct vmc_warnings *ws)
{
	struct walker w = { .pm = pm, .runs = runs, .st = stats, .ws = ws };
	*stats = (struct vmc_walk_stats){0};
	if (limits)
		w.lim = *limits;
	if (!w.lim.max_runs)
		w.lim.max_runs = DEFAULT_MAX_RUNS;
	if (!w.lim.max_table_visits)
		w.lim.max_table_visits = DEFAULT_TABLE_VISITS;
	if (!w.lim.va_lo && !w.lim.va_hi)
		w.lim.va_hi = UINT64_MAX;

	for (size_t i = 0; i < npgs && !w.stop; i++) {
		w.pg = &pgs[i];
		/* Each form owns its level buffers' sizes: start afresh. */
		for (unsigned l = 0; l <= VMC_MAX_LEVELS; l++) {
			free(w.buf[l]);
			w.buf[l] = NULL;
		}
		walk_table(&w, w.pg->root, w.pg->levels, 0,
			   VMC_RUN_W | VMC_RUN_U | VMC_RUN_X, NULL, 0);
	}
	for (unsigned l = 0; l <= VMC_MAX_LEVELS; l++)
		free(w.buf[l]);
	vmc_pair_map_free(&w.visits);
	vmc_pair_map_free(&w.roots);
	if (stats->unreadable > 1)
		vmc_warn(ws, "%" PRIu64 " page tables could not be read; their "
			 "mappings are missing", stats->unreadable);
	if (stats->loops > 1)
		vmc_warn(ws, "%" PRIu64 " entries lead into page-table loops",
			 stats->loops);
	if (stats->over_shared > 1)
		vmc_warn(ws, "%" PRIu64 " table visits were refused as over the "
			 "limit", stats->over_shared);
	return w.err;
}

/* ---- one translation ----------------------------------------------------------- */

void vmc_translate(const struct vmc_paging *pg, const struct vmc_physmem *pm,
		   uint64_t vaddr, struct vmc_translation *out)
{
	*out = (struct vmc_translation){ .vaddr = vaddr };
	if (!vmc_paging_va_ok(pg, vaddr)) {
		snprintf(out->why, sizeof(out->why),
			 pg->sign_extend ? "not a canonical address for %u-bit "
			 "virtual addresses" : pg->upper ? "not in the %u-bit "
			 "upper (TTBR1) range" : "outside the %u-bit address space",
			 pg->va_bits);
		return;
	}
	uint64_t table = pg->root;
	uint32_t allow = VMC_RUN_W | VMC_RUN_U | VMC_RUN_X;
	for (unsigned level = pg->levels; level >= 1; level--) {
		struct vmc_trace_step *s = &out->steps[out->nsteps++];
		uint64_t mask = ((uint64_t)1 << pg->bits[level]) - 1;
		s->level = level;
		s->table = table;
		s->index = (vaddr >> pg->shift[level]) & mask;
		s->entry_paddr = table + s->index * pg->entry_size;
		uint8_t b[8];
		struct vmc_error *err = vmc_physmem_read(pm, s->entry_paddr, b,
							 pg->entry_size);
		if (err) {
			s->read_failed = true;
			snprintf(out->why, sizeof(out->why), "%s table at 0x%"
				 PRIx64 " cannot be read: %s",
				 pg->level_name[level], table, err->msg);
			vmc_error_free(err);
			return;
		}
		s->entry = get_entry(pg, b);
		pg->ops->decode(pg, level, s->entry & ~pg->clear_mask, &s->dec);
		switch (s->dec.kind) {
		case VMC_ENTRY_NONE:
			snprintf(out->why, sizeof(out->why),
				 "%s[%" PRIu64 "] = 0x%" PRIx64 ": not present",
				 pg->level_name[level], s->index, s->entry);
			return;
		case VMC_ENTRY_RESERVED:
			snprintf(out->why, sizeof(out->why),
				 "%s[%" PRIu64 "] = 0x%" PRIx64 ": reserved %s",
				 pg->level_name[level], s->index, s->entry,
				 s->dec.why);
			return;
		case VMC_ENTRY_LEAF: {
			uint64_t size = (uint64_t)1 << pg->shift[level];
			out->mapped = true;
			out->page_size = size;
			out->paddr = s->dec.addr + (vaddr & (size - 1));
			out->flags = finish(pg, (allow & s->dec.allow) |
						s->dec.leaf_flags);
			return;
		}
		case VMC_ENTRY_TABLE:
			allow &= s->dec.allow;
			table = s->dec.addr;
			break;
		}
	}
	/* A form whose last level decodes a table is malformed. */
	snprintf(out->why, sizeof(out->why), "no leaf at the last level");
}

bool vmc_translate_fast(struct vmc_xlat_cache *c, const struct vmc_paging *pg,
			const struct vmc_physmem *pm, uint64_t vaddr,
			uint64_t *paddr, uint64_t *page_size)
{
	if (c->pg != pg) {
		*c = (struct vmc_xlat_cache){ .pg = pg };
	} else if (c->have_leaf && vaddr - c->leaf_va < c->leaf_size) {
		*paddr = c->leaf_pa + (vaddr - c->leaf_va);
		*page_size = c->leaf_size;
		return true;
	}
	if (!vmc_paging_va_ok(pg, vaddr))
		return false;
	uint64_t table = pg->root;
	for (unsigned level = pg->levels; level >= 1; level--) {
		uint64_t index = (vaddr >> pg->shift[level]) &
				 (((uint64_t)1 << pg->bits[level]) - 1);
		uint8_t b[8];
		const uint8_t *p;
		if (c->view[level] && c->table[level] == table) {
			p = c->view[level] + index * pg->entry_size;
		} else {
			const uint8_t *v = pm->map ?
				pm->map(pm->ctx, table, table_bytes(pg, level)) : NULL;
			c->table[level] = table;
			c->view[level] = v;
			if (v) {
				p = v + index * pg->entry_size;
			} else {
				/* Not one view (or past EOF): read the entry. */
				struct vmc_error *err = vmc_physmem_read(
					pm, table + index * pg->entry_size, b,
					pg->entry_size);
				if (err) {
					vmc_error_free(err);
					return false;
				}
				p = b;
			}
		}
		struct vmc_entry e;
		pg->ops->decode(pg, level, get_entry(pg, p) & ~pg->clear_mask, &e);
		if (e.kind == VMC_ENTRY_LEAF) {
			uint64_t size = (uint64_t)1 << pg->shift[level];
			c->have_leaf = true;
			c->leaf_va = vaddr & ~(size - 1);
			c->leaf_pa = e.addr;
			c->leaf_size = size;
			*paddr = e.addr + (vaddr & (size - 1));
			*page_size = size;
			return true;
		}
		if (e.kind != VMC_ENTRY_TABLE)
			return false;
		table = e.addr;
	}
	return false;	/* a form whose last level decodes a table */
}

struct vmc_error *vmc_read_virtual(const struct vmc_paging *pg,
				   const struct vmc_physmem *pm, uint64_t vaddr,
				   void *buf, size_t len)
{
	uint8_t *out = buf;
	struct vmc_xlat_cache cache = {0};
	while (len) {
		uint64_t pa, size;
		if (!vmc_translate_fast(&cache, pg, pm, vaddr, &pa, &size)) {
			/* The traced walk says where it stopped. */
			struct vmc_translation t;
			vmc_translate(pg, pm, vaddr, &t);
			struct vmc_error *err = vmc_error_new(
				VMC_ERR_NOT_FOUND, "0x%016" PRIx64 " is not mapped: %s",
				vaddr, t.why);
			if (err != vmc_error_nomem())
				err->addr = vaddr;
			return err;
		}
		uint64_t chunk = size - (vaddr & (size - 1));
		if (chunk > len)
			chunk = len;
		struct vmc_error *err = vmc_physmem_read(pm, pa, out, chunk);
		if (err)
			return vmc_error_prefix(err, "0x%016" PRIx64 " maps to "
						"physical 0x%" PRIx64, vaddr, pa);
		out += chunk;
		len -= chunk;
		vaddr += chunk;
	}
	return NULL;
}
