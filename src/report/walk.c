/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: `vtop`, `maps` and `read` — what the page walk shows people. */
#include "report.h"

#include <elf.h>
#include <inttypes.h>
#include <string.h>

#include "../ptload/ptload.h"
#include "json.h"

/* The "root", "root_paddr" and "paging" members of vtop's and maps' JSON. */
static void json_root(struct vmc_json *j, const struct vmc_root_choice *rc)
{
	vmc_json_str(j, "root", rc->why);
	vmc_json_addr(j, "root_paddr", rc->pg[0].root);
	vmc_json_str(j, "paging", vmc_paging_mode_name(rc->pg[0].mode));
}

/* "rw-sg": read, write, execute, user or supervisor, global. */
static void flags_str(uint32_t f, char out[6])
{
	out[0] = 'r';
	out[1] = f & VMC_RUN_W ? 'w' : '-';
	out[2] = f & VMC_RUN_X ? 'x' : '-';
	out[3] = f & VMC_RUN_U ? 'u' : 's';
	out[4] = f & VMC_RUN_G ? 'g' : '-';
	out[5] = '\0';
}

/* cum[i]: bytes of RAM in ram[0, i), so that coverage is two searches. */
static uint64_t *ram_cumulative(const struct vmc_dump *d)
{
	uint64_t *cum = malloc((d->nram + 1) * sizeof(*cum));
	if (!cum)
		return NULL;
	cum[0] = 0;
	for (size_t i = 0; i < d->nram; i++)
		cum[i + 1] = cum[i] + d->ram[i].size;
	return cum;
}

/* Bytes of RAM at or below paddr (inclusive). */
static uint64_t ram_through(const struct vmc_dump *d, const uint64_t *cum,
			    uint64_t paddr)
{
	size_t i = vmc_ram_next(d->ram, d->nram, paddr);
	if (i == 0)
		return 0;
	const struct vmc_ram_range *r = &d->ram[i - 1];
	uint64_t in = paddr - r->paddr;
	return cum[i - 1] + (in < r->size ? in + 1 : r->size);
}

/* Whether [paddr, paddr+size) is RAM in the dump: all, part or none.
 * O(log n) with cum (from ram_cumulative); without, for one byte. */
static const char *ram_state(const struct vmc_dump *d, const uint64_t *cum,
			     uint64_t paddr, uint64_t size)
{
	uint64_t covered;
	if (!cum)
		covered = vmc_dump_ram_find(d, paddr) ? 1 : 0;
	else
		covered = ram_through(d, cum, paddr + (size - 1)) -
			  (paddr ? ram_through(d, cum, paddr - 1) : 0);
	return covered == size ? "ram" : covered ? "partly" : "no";
}

/* ---- vtop ------------------------------------------------------------------- */

static void text_translation(FILE *out, const struct vmc_dump *d,
			     const struct vmc_paging *pg,
			     const struct vmc_translation *t, const char *label)
{
	char h[32], fl[6], bits[96];
	if (label)
		fprintf(out, "%s = 0x%016" PRIx64 "\n", label, t->vaddr);
	fputs("VIRTUAL             PHYSICAL            PAGE\n", out);
	if (t->mapped)
		fprintf(out, "0x%016" PRIx64 "  0x%016" PRIx64 "  %s\n", t->vaddr,
			t->paddr, vmc_human_size(t->page_size, h, sizeof(h)));
	else
		fprintf(out, "0x%016" PRIx64 "  (not mapped)\n", t->vaddr);
	for (unsigned i = 0; i < t->nsteps; i++) {
		const struct vmc_trace_step *s = &t->steps[i];
		const char *name = pg->level_name[s->level];
		fprintf(out, "  %-5s table 0x%016" PRIx64 "  [%3" PRIu64 "]  ",
			name, s->table, s->index);
		if (s->read_failed) {
			fputs("(table not in the dump)\n", out);
			continue;
		}
		pg->ops->describe(pg, s->level, s->entry, bits, sizeof(bits));
		fprintf(out, "entry 0x%016" PRIx64 "  %-24s", s->entry, bits);
		switch (s->dec.kind) {
		case VMC_ENTRY_TABLE:
			fprintf(out, " -> %s 0x%" PRIx64 "\n",
				pg->level_name[s->level - 1], s->dec.addr);
			break;
		case VMC_ENTRY_LEAF:
			fprintf(out, " -> %s page 0x%" PRIx64 "\n",
				vmc_human_size((uint64_t)1 << pg->shift[s->level],
					       h, sizeof(h)), s->dec.addr);
			break;
		case VMC_ENTRY_RESERVED:
			fprintf(out, " reserved: %s\n", s->dec.why);
			break;
		default:
			/* A zero entry's bits already read "not present". */
			fputs(s->entry ? " not present\n" : "\n", out);
		}
	}
	if (t->mapped) {
		flags_str(t->flags, fl);
		const char *ram = ram_state(d, NULL, t->paddr, 1);
		fprintf(out, "  PAGE  0x%016" PRIx64 "  %s  %s%s\n",
			t->paddr & ~(t->page_size - 1),
			vmc_human_size(t->page_size, h, sizeof(h)), fl,
			strcmp(ram, "ram") == 0 ? "" :
			"  (not RAM in this dump: no data)");
	} else {
		fprintf(out, "  %s\n", t->why);
	}
}

static void json_translation(struct vmc_json *j, const struct vmc_dump *d,
			     const struct vmc_paging *pg,
			     const struct vmc_translation *t, const char *label)
{
	char fl[6];
	vmc_json_object(j, NULL);
	vmc_json_addr(j, "vaddr", t->vaddr);
	if (label)
		vmc_json_str(j, "symbol", label);
	vmc_json_bool(j, "mapped", t->mapped);
	if (t->mapped) {
		flags_str(t->flags, fl);
		vmc_json_addr(j, "paddr", t->paddr);
		vmc_json_addr(j, "page_size", t->page_size);
		vmc_json_str(j, "flags", fl);
		vmc_json_bool(j, "in_ram", strcmp(ram_state(d, NULL, t->paddr, 1),
						  "ram") == 0);
	} else {
		vmc_json_str(j, "why", t->why);
	}
	vmc_json_array(j, "levels");
	for (unsigned i = 0; i < t->nsteps; i++) {
		const struct vmc_trace_step *s = &t->steps[i];
		vmc_json_object(j, NULL);
		vmc_json_str(j, "level", pg->level_name[s->level]);
		vmc_json_addr(j, "table", s->table);
		vmc_json_uint(j, "index", s->index);
		if (s->read_failed) {
			vmc_json_null(j, "entry");
		} else {
			char bits[96];
			pg->ops->describe(pg, s->level, s->entry, bits, sizeof(bits));
			vmc_json_addr(j, "entry", s->entry);
			vmc_json_str(j, "bits", bits);
		}
		vmc_json_end(j);
	}
	vmc_json_end(j);
	vmc_json_end(j);
}

struct vmc_error *vmc_report_vtop(FILE *out, const struct vmc_dump *d,
				  const struct vmc_root_request *req,
				  const uint64_t *vaddrs, size_t n,
				  const char *const *labels, size_t *unmapped,
				  const struct vmc_report_opts *opts)
{
	struct vmc_view v;
	struct vmc_error *err = vmc_view_open(d, req, &v);
	if (err)
		return err;
	const struct vmc_root_choice *rc = &v.rc;
	struct vmc_json j;
	*unmapped = 0;
	if (opts->json) {
		vmc_json_init(&j, out);
		vmc_json_object(&j, NULL);
		json_root(&j, rc);
		vmc_json_array(&j, "translations");
	} else {
		fprintf(out, "root: %s\n", rc->why);
	}
	for (size_t i = 0; i < n; i++) {
		struct vmc_translation t;
		const struct vmc_paging *pg;
		vmc_view_translate(&v, vaddrs[i], &t, &pg);
		if (!t.mapped)
			(*unmapped)++;
		const char *label = labels ? labels[i] : NULL;
		if (opts->json) {
			json_translation(&j, d, pg, &t, label);
		} else {
			fputc('\n', out);
			text_translation(out, d, pg, &t, label);
		}
	}
	if (opts->json) {
		vmc_json_end(&j);
		vmc_json_end(&j);
		vmc_json_finish(&j);
	}
	return NULL;
}

/* ---- maps ------------------------------------------------------------------- */

struct vmc_error *vmc_report_maps(FILE *out, const struct vmc_dump *d,
				  const struct vmc_root_request *req,
				  enum vmc_half half,
				  struct vmc_warnings *ws,
				  const struct vmc_report_opts *opts)
{
	struct vmc_view v;
	struct vmc_error *err = vmc_view_open(d, req, &v);
	if (err)
		return err;
	const struct vmc_root_choice *rc = &v.rc;
	uint64_t kstart = v.kernel_start;
	struct vmc_run_vec runs = {0};
	struct vmc_view_stats vs;
	err = vmc_view_walk(&v, false, half, &runs, &vs, ws);
	const struct vmc_walk_stats st = vs.walk;
	if (err) {
		vmc_run_vec_free(&runs);
		return err;
	}
	uint64_t leaves = runs.n;
	uint64_t *cum = ram_cumulative(d);
	if (!cum) {
		vmc_run_vec_free(&runs);
		return vmc_error_nomem();
	}
	vmc_runs_merge(&runs, true);
	/* Region names for the rows (the arch's layout; none is an error). */
	struct vmc_region_vec rg = {0};
	err = vmc_view_regions(&v, runs.v, runs.n, &rg);
	if (err) {
		free(cum);
		vmc_run_vec_free(&runs);
		return err;
	}

	uint64_t bytes = 0, nkernel = 0, nuser = 0, not_ram = 0;
	uint64_t by_size[64] = {0};
	for (size_t i = 0; i < runs.n; i++) {
		const struct vmc_run *r = &runs.v[i];
		bytes += r->size;
		if (r->vaddr >= kstart)
			nkernel++;
		else
			nuser++;
		by_size[r->leaf_shift & 63] += r->size >> r->leaf_shift;
		if (strcmp(ram_state(d, cum, r->paddr, r->size), "ram") != 0)
			not_ram++;
	}

	char h[32], h2[32], fl[6];
	if (opts->json) {
		struct vmc_json j;
		vmc_json_init(&j, out);
		vmc_json_object(&j, NULL);
		json_root(&j, rc);
		vmc_json_array(&j, "ranges");
		for (size_t i = 0; i < runs.n; i++) {
			const struct vmc_run *r = &runs.v[i];
			flags_str(r->flags, fl);
			vmc_json_object(&j, NULL);
			vmc_json_addr(&j, "vaddr", r->vaddr);
			vmc_json_addr(&j, "paddr", r->paddr);
			vmc_json_addr(&j, "size", r->size);
			vmc_json_str(&j, "flags", fl);
			vmc_json_addr(&j, "leaf_size", (uint64_t)1 << r->leaf_shift);
			vmc_json_str(&j, "ram", ram_state(d, cum, r->paddr, r->size));
			const struct vmc_region *g = vmc_region_find(rg.v, rg.n,
								     r->vaddr);
			if (g)
				vmc_json_str(&j, "region", g->name);
			else
				vmc_json_null(&j, "region");
			vmc_json_end(&j);
		}
		vmc_json_end(&j);
		vmc_json_object(&j, "summary");
		vmc_json_uint(&j, "ranges", runs.n);
		vmc_json_uint(&j, "mappings", leaves);
		vmc_json_uint(&j, "kernel_ranges", nkernel);
		vmc_json_uint(&j, "user_ranges", nuser);
		vmc_json_addr(&j, "bytes", bytes);
		vmc_json_uint(&j, "not_ram_ranges", not_ram);
		vmc_json_uint(&j, "tables", st.tables);
		vmc_json_uint(&j, "max_table_visits", st.max_visits);
		vmc_json_uint(&j, "table_reads", st.table_reads);
		vmc_json_uint(&j, "loops", st.loops);
		vmc_json_uint(&j, "reserved_entries", st.reserved);
		vmc_json_uint(&j, "unreadable_tables", st.unreadable);
		vmc_json_bool(&j, "truncated", st.truncated);
		vmc_json_end(&j);
		vmc_json_end(&j);
		vmc_json_finish(&j);
	} else {
		fprintf(out, "root: %s\n", rc->why);
		fprintf(out, "%-18s  %-18s  %-18s  %19s  %-5s  %-4s  %-6s  %s\n",
			"Virtual start", "Virtual end", "Physical start", "Size",
			"Flags", "Leaf", "RAM", "Region");
		for (size_t i = 0; i < runs.n; i++) {
			const struct vmc_run *r = &runs.v[i];
			flags_str(r->flags, fl);
			/* A range that ends at 2^64 prints its end as such. */
			char end[24];
			if (r->vaddr + r->size == 0)
				snprintf(end, sizeof(end), "0x10000000000000000");
			else
				snprintf(end, sizeof(end), "0x%016" PRIx64,
					 r->vaddr + r->size);
			const struct vmc_region *g = vmc_region_find(rg.v, rg.n,
								     r->vaddr);
			fprintf(out, "0x%016" PRIx64 "  %-18s  0x%016"
				PRIx64 "  %#12" PRIx64 " %6s  %-5s  %-4s  %-6s  %s\n",
				r->vaddr, end, r->paddr, r->size,
				vmc_human_size(r->size, h, sizeof(h)), fl,
				vmc_human_size((uint64_t)1 << r->leaf_shift, h2,
					       sizeof(h2)),
				ram_state(d, cum, r->paddr, r->size),
				g ? g->name : "-");
		}
		fprintf(out, "%zu ranges (%" PRIu64 " kernel, %" PRIu64 " user) "
			"from %" PRIu64 " mappings, 0x%" PRIx64 " bytes (%s);",
			runs.n, nkernel, nuser, leaves, bytes,
			vmc_human_size(bytes, h, sizeof(h)));
		for (int s = 0; s < 64; s++)
			if (by_size[s])
				fprintf(out, " %s pages: %" PRIu64 ";",
					vmc_human_size((uint64_t)1 << s, h, sizeof(h)),
					by_size[s]);
		fprintf(out, " %" PRIu64 " ranges not RAM in this dump; %" PRIu64
			" page tables\n", not_ram, st.tables);
	}
	free(cum);
	vmc_region_vec_free(&rg);
	vmc_run_vec_free(&runs);
	return NULL;
}

/* ---- read ------------------------------------------------------------------- */

static void hexdump_line(FILE *out, uint64_t addr, const uint8_t *b, size_t n)
{
	fprintf(out, "%016" PRIx64 ": ", addr);
	for (size_t i = 0; i < 16; i++) {
		if (i < n)
			fprintf(out, " %02x", b[i]);
		else
			fputs("   ", out);
		if (i == 7)
			fputc(' ', out);
	}
	fputs("  ", out);
	for (size_t i = 0; i < n; i++)
		fputc(b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '.', out);
	fputc('\n', out);
}

/* One value of a u64/u32 read: "ADDRESS:  0xHEX  DECIMAL". */
static void value_line(FILE *out, uint64_t addr, uint64_t v, unsigned size)
{
	fprintf(out, "%016" PRIx64 ":  0x%0*" PRIx64 "  %" PRIu64 "\n", addr,
		(int)size * 2, v, v);
}

static const char *const read_format_names[] = { "hex", "raw", "u64", "u32" };

struct vmc_error *vmc_report_read(FILE *out, const struct vmc_dump *d,
				  const struct vmc_root_request *req,
				  uint64_t addr, uint64_t len, bool phys,
				  enum vmc_read_format fmt, const char *label,
				  const struct vmc_report_opts *opts)
{
	struct vmc_view v;
	struct vmc_error *err = NULL;
	unsigned vsize = fmt == VMC_READ_U64 ? 8 : fmt == VMC_READ_U32 ? 4 : 0;
	if (vsize && len % vsize)
		return vmc_error_new(VMC_ERR_USAGE, "--format=%s reads whole "
				     "values: LEN 0x%" PRIx64 " is not a multiple "
				     "of %u", read_format_names[fmt], len, vsize);
	if (!phys && (err = vmc_view_open(d, req, &v)))
		return err;
	if (len && addr > UINT64_MAX - (len - 1))
		return vmc_error_new(VMC_ERR_USAGE, "0x%" PRIx64 " bytes at 0x%"
				     PRIx64 " run past the end of the address "
				     "space", len, addr);
	struct vmc_json j;
	if (opts && opts->json) {
		vmc_json_init(&j, out);
		vmc_json_object(&j, NULL);
		vmc_json_addr(&j, phys ? "paddr" : "vaddr", addr);
		if (label)
			vmc_json_str(&j, "symbol", label);
		else
			vmc_json_null(&j, "symbol");
		vmc_json_uint(&j, "length", len);
		vmc_json_str(&j, "format", read_format_names[fmt]);
		/* Values, or the bytes as hex strings of a page at most. */
		vmc_json_array(&j, vsize ? "values" : "data");
	}
	/* Page by page, so what precedes a hole is printed before the error;
	 * LEN may be larger than memory. */
	uint8_t buf[4096];
	while (len) {
		size_t chunk = sizeof(buf) - (addr & (sizeof(buf) - 1));
		if (chunk > len)
			chunk = (size_t)len;
		/* Values straddling a page are read whole. */
		if (vsize && chunk % vsize)
			chunk = chunk - chunk % vsize + vsize;
		if (chunk > len)
			chunk = (size_t)len;
		err = phys ? vmc_physmem_read(&d->pm, addr, buf, chunk)
			   : vmc_view_read(&v, addr, buf, chunk);
		if (err)
			break;
		if (opts && opts->json) {
			char hex[2 * sizeof(buf) + 1];
			if (vsize) {
				for (size_t off = 0; off < chunk; off += vsize)
					vmc_json_addr(&j, NULL, vsize == 8 ?
						      vmc_get64(buf + off, d->big_endian) :
						      vmc_get32(buf + off, d->big_endian));
			} else {
				for (size_t k = 0; k < chunk; k++)
					snprintf(hex + 2 * k, 3, "%02x", buf[k]);
				vmc_json_strn(&j, NULL, hex, 2 * chunk);
			}
		} else if (fmt == VMC_READ_RAW) {
			fwrite(buf, 1, chunk, out);
		} else if (vsize) {
			for (size_t off = 0; off < chunk; off += vsize)
				value_line(out, addr + off, vsize == 8 ?
					   vmc_get64(buf + off, d->big_endian) :
					   vmc_get32(buf + off, d->big_endian), vsize);
		} else {
			for (size_t off = 0; off < chunk; off += 16)
				hexdump_line(out, addr + off, buf + off,
					     chunk - off < 16 ? chunk - off : 16);
		}
		addr += chunk;
		len -= chunk;
	}
	if (opts && opts->json) {
		vmc_json_end(&j);
		if (err)
			vmc_json_str(&j, "error", err->msg);
		vmc_json_end(&j);
		vmc_json_finish(&j);
	}
	return err;
}
