/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report: coverage strips. RAM (`info --coverage`, `remap --coverage`): one
 * line per RAM range, one character per column for the kind that holds
 * most of the column's bytes, then the bytes of each kind. Address space
 * (`maps --coverage`): one line per half and per region, a column marked
 * where anything in it is mapped. Plain characters that read in a pipe;
 * colour only when the CLI says the output is a terminal.
 */
#include "strip.h"

#include <elf.h>
#include <inttypes.h>
#include <string.h>

/* ANSI SGR colours of the RAM kinds (ECMA-48 §8.3.117). */
static const char *const kind_sgr[VMC_COV_NKINDS] = {
	[VMC_COV_LINEAR] = "32",	/* green */
	[VMC_COV_IMAGE] = "35",		/* magenta */
	[VMC_COV_KERNEL] = "36",	/* cyan */
	[VMC_COV_USER] = "33",		/* yellow */
	[VMC_COV_SEVERAL] = "1;34",	/* bold blue */
	[VMC_COV_UNMAPPED] = "31",	/* red */
	[VMC_COV_ABSENT] = "90",	/* grey */
};

/* And of the region kinds, for address-space strips. */
static const char *region_sgr(enum vmc_region_kind k)
{
	switch (k) {
	case VMC_REGION_LINEAR: return kind_sgr[VMC_COV_LINEAR];
	case VMC_REGION_IMAGE: return kind_sgr[VMC_COV_IMAGE];
	case VMC_REGION_USER: return kind_sgr[VMC_COV_USER];
	default: return kind_sgr[VMC_COV_KERNEL];
	}
}

/* Columns for a strip after a prefix of prefix characters. */
static unsigned strip_width(const struct vmc_strip_opts *so, unsigned prefix)
{
	if (so->width)
		return so->width;
	if (!so->term_cols)
		return 64;
	/* The prefix, the strip, and its closing '|'. */
	return so->term_cols > prefix + 1 + 8 ? so->term_cols - prefix - 1 : 8;
}

/* One character, coloured when asked; *cur is the colour in force. */
static void put_mark(FILE *out, char ch, const char *sgr, bool color,
		     const char **cur)
{
	if (color && sgr != *cur) {
		fprintf(out, "\033[%sm", sgr);
		*cur = sgr;
	}
	fputc(ch, out);
}

static void end_marks(FILE *out, bool color, const char **cur)
{
	if (color && *cur)
		fputs("\033[0m", out);
	*cur = NULL;
}

static void human(uint64_t v, char *buf, size_t sz)
{
	if (!v)
		snprintf(buf, sz, "-");
	else
		vmc_human_size(v, buf, sz);
}

/* ---- RAM -------------------------------------------------------------------- */

#define RAM_PREFIX 31		/* "  0x%016" PRIx64 " %8s |" */

void vmc_strip_coverage_text(FILE *out, const struct vmc_dump *d,
			     const struct vmc_coverage *c,
			     const struct vmc_strip_opts *so, int verbose)
{
	(void)d;
	char h[32], h2[32];
	unsigned width = strip_width(so, RAM_PREFIX);
	uint8_t *samples = malloc(width);
	fprintf(out, "coverage:    each byte of RAM by what maps it (%s layout, %"
		PRIu64 " virtual PT_LOADs; root %s); %u columns per range, each "
		"the kind of most of its bytes\n",
		c->layout == VMC_LAYOUT_GDB ? "gdb" : "crash", c->segments,
		c->root_why, width);
	const char *cur = NULL;
	for (size_t i = 0; i < c->nranges; i++) {
		const struct vmc_cov_range *r = &c->ranges[i];
		fprintf(out, "  0x%016" PRIx64 " %8s |", r->paddr,
			vmc_human_size(r->size, h, sizeof(h)));
		if (samples) {
			vmc_coverage_samples(c, i, width, samples);
			for (unsigned j = 0; j < width; j++)
				put_mark(out, vmc_cov_kind_char(samples[j]),
					 kind_sgr[samples[j]], so->color, &cur);
			end_marks(out, so->color, &cur);
		}
		fputs("|\n", out);
	}
	free(samples);
	fputs("  legend:", out);
	for (int k = 0; k < VMC_COV_NKINDS; k++) {
		fputs("  ", out);
		put_mark(out, vmc_cov_kind_char(k), kind_sgr[k], so->color, &cur);
		end_marks(out, so->color, &cur);
		fprintf(out, " %s", vmc_cov_kind_label(k));
	}
	fputc('\n', out);

	fprintf(out, "  %-37s", "range (bytes of each kind)");
	static const char *const head[VMC_COV_NKINDS] = {
		"linear", "image", "other", "user", "several", "not mapped",
		"absent" };
	for (int k = 0; k < VMC_COV_NKINDS; k++)
		fprintf(out, " %10s", head[k]);
	fputc('\n', out);
	for (size_t i = 0; i < c->nranges; i++) {
		const struct vmc_cov_range *r = &c->ranges[i];
		fprintf(out, "  0x%016" PRIx64 "-0x%016" PRIx64 " ", r->paddr,
			r->paddr + r->size);
		for (int k = 0; k < VMC_COV_NKINDS; k++) {
			human(r->bytes[k], h, sizeof(h));
			fprintf(out, " %10s", h);
		}
		fputc('\n', out);
	}
	fprintf(out, "  %-37s", "total");
	for (int k = 0; k < VMC_COV_NKINDS; k++) {
		human(c->bytes[k], h, sizeof(h));
		fprintf(out, " %10s", h);
	}
	fputc('\n', out);

	/* Is all RAM in the linear map? */
	uint64_t outside = c->data_bytes - c->linear_bytes;
	fprintf(out, "  linear map: reaches %s of the %s of RAM with data",
		vmc_human_size(c->linear_bytes, h, sizeof(h)),
		vmc_human_size(c->data_bytes, h2, sizeof(h2)));
	if (!outside) {
		fputs(": all of it\n", out);
	} else {
		uint64_t other = outside - c->bytes[VMC_COV_UNMAPPED];
		fprintf(out, "; of the other %s, %s",
			vmc_human_size(outside, h, sizeof(h)),
			vmc_human_size(c->bytes[VMC_COV_UNMAPPED], h2, sizeof(h2)));
		fputs(" not mapped", out);
		if (other)
			fprintf(out, " and other mappings reach %s",
				vmc_human_size(other, h, sizeof(h)));
		fputc('\n', out);
	}
	fprintf(out, "  not mapped: %s (0x%" PRIx64 " bytes); remap's filler: %s "
		"(0x%" PRIx64 ")%s\n",
		vmc_human_size(c->bytes[VMC_COV_UNMAPPED], h, sizeof(h)),
		c->bytes[VMC_COV_UNMAPPED],
		vmc_human_size(c->filler_bytes, h2, sizeof(h2)), c->filler_bytes,
		c->bytes[VMC_COV_UNMAPPED] == c->filler_bytes ? ", the same" :
		c->layout == VMC_LAYOUT_CRASH ? " (the crash layout gives p_vaddr 0 "
		"to all RAM outside its linear-map segments)" :
		c->elf_class == ELFCLASS32 ? " (an ELF32 core holds no RAM above "
		"4 GiB: remap leaves it out, mapped or not)" : "");
	if (c->bytes[VMC_COV_ABSENT])
		fprintf(out, "  not in the dump: %s\n",
			vmc_human_size(c->bytes[VMC_COV_ABSENT], h, sizeof(h)));
	/* Where the linear map and the image are: what decides the kinds. */
	for (size_t i = 0; i < c->regions.n; i++) {
		const struct vmc_region *g = &c->regions.v[i];
		if (!verbose && g->kind != VMC_REGION_LINEAR &&
		    g->kind != VMC_REGION_IMAGE)
			continue;
		fprintf(out, "  %-14s 0x%016" PRIx64 "-0x%016" PRIx64 "  %s\n",
			g->name, g->lo, g->hi, g->source);
	}
	if (verbose) {
		fputs("  several, by what reaches the bytes:", out);
		for (unsigned m = 1; m < 16; m++) {
			if (!c->reach_bytes[m] || !(m & (m - 1)))
				continue;
			fprintf(out, " %s %s;", vmc_cov_reach_name(m, h2, sizeof(h2)),
				vmc_human_size(c->reach_bytes[m], h, sizeof(h)));
		}
		fputc('\n', out);
	}
}

static void json_bytes(struct vmc_json *j, const char *key, const uint64_t *b)
{
	vmc_json_object(j, key);
	for (int k = 0; k < VMC_COV_NKINDS; k++)
		vmc_json_addr(j, vmc_cov_kind_key(k), b[k]);
	vmc_json_end(j);
}

void vmc_strip_coverage_json(struct vmc_json *j, const struct vmc_dump *d,
			     const struct vmc_coverage *c,
			     const struct vmc_strip_opts *so)
{
	unsigned width = so->width ? so->width : 64;
	char *text = malloc(width + 1);
	uint8_t *samples = malloc(width);
	vmc_json_array(j, "coverage");
	for (size_t i = 0; i < c->nranges; i++) {
		const struct vmc_cov_range *r = &c->ranges[i];
		vmc_json_object(j, NULL);
		vmc_json_addr(j, "start", r->paddr);
		vmc_json_addr(j, "end", r->paddr + r->size);
		vmc_json_addr(j, "size", r->size);
		if (text && samples) {
			vmc_coverage_samples(c, i, width, samples);
			for (unsigned k = 0; k < width; k++)
				text[k] = vmc_cov_kind_char(samples[k]);
			vmc_json_strn(j, "samples", text, width);
		}
		json_bytes(j, "bytes", r->bytes);
		vmc_json_addr(j, "linear_map_reach", r->linear_bytes);
		vmc_json_end(j);
	}
	vmc_json_end(j);
	free(text);
	free(samples);

	char name[64];
	vmc_json_object(j, "coverage_summary");
	vmc_json_str(j, "layout", c->layout == VMC_LAYOUT_GDB ? "gdb" : "crash");
	vmc_json_uint(j, "output_class", c->elf_class == ELFCLASS32 ? 32 : 64);
	vmc_json_str(j, "root", c->root_why);
	vmc_json_uint(j, "width", width);
	vmc_json_uint(j, "ranges", c->nranges);
	vmc_json_uint(j, "virtual_segments", c->segments);
	vmc_json_addr(j, "ram_bytes", d->ram_bytes);
	vmc_json_addr(j, "absent_bytes", d->absent_bytes);
	vmc_json_addr(j, "total_bytes", c->total_bytes);
	vmc_json_addr(j, "data_bytes", c->data_bytes);
	json_bytes(j, "bytes", c->bytes);
	vmc_json_addr(j, "linear_map_reach", c->linear_bytes);
	vmc_json_bool(j, "all_ram_in_linear_map", c->linear_bytes == c->data_bytes);
	vmc_json_addr(j, "filler_bytes", c->filler_bytes);
	vmc_json_bool(j, "not_mapped_is_filler",
		      c->bytes[VMC_COV_UNMAPPED] == c->filler_bytes);
	vmc_json_object(j, "reach");
	for (unsigned m = 1; m < 16; m++)
		if (c->reach_bytes[m])
			vmc_json_addr(j, vmc_cov_reach_name(m, name, sizeof(name)),
				      c->reach_bytes[m]);
	vmc_json_end(j);
	vmc_json_object(j, "legend");
	for (int k = 0; k < VMC_COV_NKINDS; k++) {
		char ch[2] = { vmc_cov_kind_char(k), '\0' };
		vmc_json_str(j, ch, vmc_cov_kind_key(k));
	}
	vmc_json_end(j);
	vmc_json_array(j, "regions");
	for (size_t i = 0; i < c->regions.n; i++) {
		const struct vmc_region *g = &c->regions.v[i];
		vmc_json_object(j, NULL);
		vmc_json_str(j, "name", g->name);
		vmc_json_str(j, "kind", vmc_region_kind_name(g->kind));
		vmc_json_addr(j, "start", g->lo);
		vmc_json_addr(j, "last", g->hi);
		if (g->have_delta)
			vmc_json_addr(j, "delta", g->delta);
		else
			vmc_json_null(j, "delta");
		vmc_json_str(j, "source", g->source);
		vmc_json_end(j);
	}
	vmc_json_end(j);
	vmc_json_end(j);
}

struct vmc_error *vmc_report_coverage(FILE *out, const struct vmc_dump *d,
				      const struct vmc_coverage *c,
				      const struct vmc_report_opts *opts)
{
	if (!opts->json) {
		vmc_strip_coverage_text(out, d, c, &opts->strip, opts->verbose);
		return NULL;
	}
	struct vmc_json j;
	vmc_json_init(&j, out);
	vmc_json_object(&j, NULL);
	vmc_json_str(&j, "file", d->path);
	vmc_strip_coverage_json(&j, d, c, &opts->strip);
	vmc_json_end(&j);
	vmc_json_finish(&j);
	return NULL;
}

/* ---- the address space --------------------------------------------------------- */

/* A mapped stretch of VA [lo, last] inside one region (or none: -1). */
struct va_piece {
	uint64_t lo, last;
	long region;
};

VMC_VEC(va_piece_vec, struct va_piece)

/* Cut sorted disjoint runs at region bounds. */
static struct vmc_error *va_pieces(const struct vmc_run_vec *runs,
				   const struct vmc_region_vec *rg,
				   struct va_piece_vec *out)
{
	for (size_t i = 0; i < runs->n; i++) {
		uint64_t va = runs->v[i].vaddr, left = runs->v[i].size;
		while (left) {
			const struct vmc_region *r = vmc_region_find(rg->v, rg->n, va);
			uint64_t n = left;
			long idx = r ? (long)(r - rg->v) : -1;
			if (r && r->hi - va < n - 1)
				n = r->hi - va + 1;
			if (!r) {	/* up to the next region */
				size_t k = 0;
				while (k < rg->n && rg->v[k].lo <= va)
					k++;
				if (k < rg->n && rg->v[k].lo - va < n)
					n = rg->v[k].lo - va;
			}
			struct va_piece *p = va_piece_vec_push(out);
			if (!p)
				return vmc_error_nomem();
			*p = (struct va_piece){ va, va + (n - 1), idx };
			if (n == left || va + n == 0)
				break;
			va += n;
			left -= n;
		}
	}
	return NULL;
}

/* The first of the sorted pieces that reaches lo (p->n if none).
 * O(log n). */
static size_t first_reaching(const struct va_piece_vec *p, uint64_t lo)
{
	size_t a = 0, b = p->n;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (p->v[mid].last < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/* Mapped bytes of pieces within [lo, last]; pieces sorted. */
static uint64_t mapped_in(const struct va_piece_vec *p, uint64_t lo,
			  uint64_t last)
{
	uint64_t sum = 0;
	for (size_t i = first_reaching(p, lo); i < p->n && p->v[i].lo <= last; i++) {
		uint64_t x = p->v[i].lo > lo ? p->v[i].lo : lo;
		uint64_t y = p->v[i].last < last ? p->v[i].last : last;
		sum += y - x + 1;
	}
	return sum;
}

/*
 * The strip of [lo, last]: a column shows the mark of the region with most
 * mapped bytes in its slice ('#' for mapped addresses in no region), '.'
 * where nothing is mapped. O(width * regions + pieces in range).
 */
static void va_strip(FILE *out, const struct va_piece_vec *p,
		     const struct vmc_region_vec *rg, uint64_t lo, uint64_t last,
		     unsigned width, bool color, uint64_t *by_region)
{
	uint64_t span = last - lo;		/* size - 1 */
	uint64_t q = span / width, r = span % width;
	size_t a = first_reaching(p, lo);
	const char *cur = NULL;
	for (unsigned j = 0; j < width; j++) {
		/* Column j: offsets [j*(size)/width, (j+1)*size/width), computed on
		 * size - 1 so that a range of 2^64 bytes does not overflow. */
		uint64_t c_lo = lo + q * j + r * j / width;
		uint64_t c_last = j + 1 == width ? last
				  : lo + q * (j + 1) + r * (j + 1) / width - 1;
		if (c_last < c_lo)
			c_last = c_lo;
		memset(by_region, 0, (rg->n + 1) * sizeof(*by_region));
		bool any = false;
		while (a < p->n && p->v[a].last < c_lo)
			a++;
		for (size_t i = a; i < p->n && p->v[i].lo <= c_last; i++) {
			uint64_t x = p->v[i].lo > c_lo ? p->v[i].lo : c_lo;
			uint64_t y = p->v[i].last < c_last ? p->v[i].last : c_last;
			by_region[p->v[i].region + 1] += y - x + 1;
			any = true;
		}
		if (!any) {
			end_marks(out, color, &cur);
			fputc('.', out);
			continue;
		}
		size_t best = 0;
		for (size_t k = 1; k <= rg->n; k++)
			if (by_region[k] > by_region[best])
				best = k;
		if (best == 0)
			put_mark(out, '#', kind_sgr[VMC_COV_KERNEL], color, &cur);
		else
			put_mark(out, rg->v[best - 1].mark,
				 region_sgr(rg->v[best - 1].kind), color, &cur);
	}
	end_marks(out, color, &cur);
}

#define VA_PREFIX 35		/* "  %c %-14s %6s %7s |" */

static void va_samples_json(struct vmc_json *j, const struct va_piece_vec *p,
			    const struct vmc_region_vec *rg, uint64_t lo,
			    uint64_t last, unsigned width, uint64_t *by_region)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	va_strip(f, p, rg, lo, last, width, false, by_region);
	fclose(f);
	vmc_json_strn(j, "samples", buf, len);
	free(buf);
}

struct vmc_error *vmc_report_maps_coverage(FILE *out, const struct vmc_dump *d,
					   const struct vmc_root_request *req,
					   enum vmc_half half,
					   struct vmc_warnings *ws,
					   const struct vmc_report_opts *opts)
{
	struct vmc_view v;
	struct vmc_error *err = vmc_view_open(d, req, &v);
	if (err)
		return err;
	struct vmc_run_vec runs = {0};
	struct vmc_view_stats vs;
	struct vmc_region_vec rg = {0};
	struct va_piece_vec pieces = {0};
	uint64_t *by_region = NULL;
	err = vmc_view_walk(&v, false, half, &runs, &vs, ws);
	if (!err) {
		vmc_runs_merge(&runs, false);
		uint64_t conflicts = 0;
		vmc_runs_resolve_overlaps(&runs, &conflicts, ws);
		err = vmc_view_regions(&v, runs.v, runs.n, &rg);
	}
	if (!err)
		err = va_pieces(&runs, &rg, &pieces);
	if (!err && !(by_region = malloc((rg.n + 1) * sizeof(*by_region))))
		err = vmc_error_nomem();
	if (err)
		goto out;

	struct vmc_va_half halves[2];
	size_t nh = vmc_view_halves(&v, halves);
	char h[32], h2[32];
	if (opts->json) {
		unsigned width = opts->strip.width ? opts->strip.width : 64;
		struct vmc_json j;
		vmc_json_init(&j, out);
		vmc_json_object(&j, NULL);
		vmc_json_str(&j, "root", v.rc.why);
		vmc_json_uint(&j, "width", width);
		vmc_json_array(&j, "halves");
		for (size_t i = 0; i < nh; i++) {
			vmc_json_object(&j, NULL);
			vmc_json_str(&j, "name", halves[i].name);
			vmc_json_addr(&j, "start", halves[i].lo);
			vmc_json_addr(&j, "last", halves[i].hi);
			vmc_json_bool(&j, "walked", halves[i].walked &&
				      (half == VMC_HALF_ALL ||
				       (half == VMC_HALF_USER) == (i + 1 < nh)));
			vmc_json_addr(&j, "mapped_bytes", mapped_in(&pieces, halves[i].lo,
								    halves[i].hi));
			va_samples_json(&j, &pieces, &rg, halves[i].lo, halves[i].hi,
					width, by_region);
			vmc_json_end(&j);
		}
		vmc_json_end(&j);
		vmc_json_array(&j, "regions");
		for (size_t i = 0; i < rg.n; i++) {
			const struct vmc_region *g = &rg.v[i];
			char mark[2] = { g->mark, '\0' };
			vmc_json_object(&j, NULL);
			vmc_json_str(&j, "name", g->name);
			vmc_json_str(&j, "mark", mark);
			vmc_json_str(&j, "kind", vmc_region_kind_name(g->kind));
			vmc_json_addr(&j, "start", g->lo);
			vmc_json_addr(&j, "last", g->hi);
			vmc_json_addr(&j, "mapped_bytes", mapped_in(&pieces, g->lo, g->hi));
			va_samples_json(&j, &pieces, &rg, g->lo, g->hi, width,
					by_region);
			vmc_json_str(&j, "source", g->source);
			vmc_json_end(&j);
		}
		vmc_json_end(&j);
		vmc_json_end(&j);
		vmc_json_finish(&j);
		goto out;
	}

	unsigned width = strip_width(&opts->strip, VA_PREFIX);
	fprintf(out, "root: %s\n", v.rc.why);
	fprintf(out, "address space: %u columns per line; a column shows the "
		"mark of the region that maps most of its slice ('#': no "
		"region), '.' where nothing is mapped\n", width);
	for (size_t i = 0; i < nh; i++) {
		const struct vmc_va_half *hv = &halves[i];
		bool walked = hv->walked && (half == VMC_HALF_ALL ||
					     (half == VMC_HALF_USER) == (i + 1 < nh));
		uint64_t size = hv->hi - hv->lo + 1;
		fprintf(out, "  %-16s %6s %7s |", hv->name,
			size ? vmc_human_size(size, h, sizeof(h)) : "16E",
			walked ? vmc_human_size(mapped_in(&pieces, hv->lo, hv->hi),
						h2, sizeof(h2)) : "-");
		va_strip(out, &pieces, &rg, hv->lo, hv->hi, width,
			 opts->strip.color, by_region);
		fprintf(out, "|%s\n", walked ? "" : hv->walked ? " (not walked)"
			: " (not walked: TTBR0 unknown, --ttbr0)");
	}
	fputs("regions:\n", out);
	for (size_t i = 0; i < rg.n; i++) {
		const struct vmc_region *g = &rg.v[i];
		uint64_t mapped = mapped_in(&pieces, g->lo, g->hi);
		fprintf(out, "  %c %-14s %6s %7s |", g->mark, g->name,
			vmc_human_size(g->hi - g->lo + 1, h, sizeof(h)),
			mapped ? vmc_human_size(mapped, h2, sizeof(h2)) : "-");
		va_strip(out, &pieces, &rg, g->lo, g->hi, width, opts->strip.color,
			 by_region);
		fputs("|\n", out);
	}
	fprintf(out, "  %-16s %-37s  %s\n", "region", "range (inclusive)", "bounds from");
	for (size_t i = 0; i < rg.n; i++) {
		const struct vmc_region *g = &rg.v[i];
		fprintf(out, "  %c %-14s 0x%016" PRIx64 "-0x%016" PRIx64 "  %s\n",
			g->mark, g->name, g->lo, g->hi, g->source);
	}
out:
	free(by_region);
	va_piece_vec_free(&pieces);
	vmc_region_vec_free(&rg);
	vmc_run_vec_free(&runs);
	return err;
}
