/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VMCOREINFO found in guest RAM. The kernel keeps its text twice: the page
 * vmcoreinfo_data (bare text) and the note buffer vmcoreinfo_note (an ELF
 * note header, name "VMCOREINFO", then the same text), both allocated early
 * in boot since Linux 4.13 (commit 203e9e41219b; before, both were static
 * arrays in the kernel's .bss) — kernel/crash_core.c. QEMU copies the note
 * into the dump only when the guest registered it (FORMATS.md §1.4), yet
 * RAM always holds it (§9).
 */
#include "kernel.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define KEY		"OSRELEASE="
#define KEY_LEN		(sizeof(KEY) - 1)
/* An ELF note header (12 bytes) and the name "VMCOREINFO\0" padded to 12. */
#define NOTE_HDR	24
#define NOTE_NAME	"VMCOREINFO"
/* vmcoreinfo_data is one page (VMCOREINFO_BYTES = PAGE_SIZE, up to 64K). */
#define MAX_TEXT	(64u << 10)
#define CHUNK		(8u << 20)
#define LOW_RAM		(64u << 20)	/* the "early allocations" window */
#define MAX_CANDIDATES	64
#define MAX_ROOTS	64
#define IMAGE_SPAN	(UINT64_C(1) << 30)	/* x86_64 KERNEL_IMAGE_SIZE max */

/* ---- validation ------------------------------------------------------------ */

struct root_key {
	uint64_t root;
	enum vmc_paging_mode mode;
};

static bool seen_root(const struct root_key *k, size_t n,
		      const struct vmc_paging *pg)
{
	for (size_t i = 0; i < n; i++)
		if (k[i].root == pg->root && k[i].mode == pg->mode)
			return true;
	return false;
}

static bool ram_has(const struct vmc_dump *d, uint64_t paddr)
{
	const struct vmc_ram_range *r = vmc_dump_ram_find(d, paddr);
	return r && paddr - r->paddr < r->avail;
}

/* Does root form pg lead swapper to a table that maps itself and _stext? */
static bool check_root(const struct vmc_dump *d, const struct vmc_paging *pg,
		       const char *root_why, uint64_t swapper, bool have_stext,
		       uint64_t stext, char *how, size_t howsz, char *why,
		       size_t whysz)
{
	struct vmc_translation t;
	vmc_translate(pg, &d->pm, swapper, &t);
	if (!t.mapped || !ram_has(d, t.paddr)) {
		snprintf(why, whysz, "SYMBOL(swapper_pg_dir) 0x%" PRIx64 " %s "
			 "through %s", swapper, t.mapped ? "is not RAM" :
			 "does not translate", root_why);
		return false;
	}
	uint64_t table = t.paddr;
	struct vmc_paging own = *pg;
	own.root = table;
	vmc_translate(&own, &d->pm, swapper, &t);
	if (!t.mapped || t.paddr != table) {
		snprintf(why, whysz, "swapper_pg_dir 0x%" PRIx64 " is at "
			 "physical 0x%" PRIx64 " through %s, but that table does "
			 "not map it there", swapper, table, root_why);
		return false;
	}
	uint64_t stext_pa = 0;
	if (have_stext) {
		vmc_translate(&own, &d->pm, stext, &t);
		if (!t.mapped || !ram_has(d, t.paddr)) {
			snprintf(why, whysz, "swapper_pg_dir (physical 0x%" PRIx64
				 ", through %s) does not map SYMBOL(_stext) 0x%"
				 PRIx64 " to RAM", table, root_why, stext);
			return false;
		}
		stext_pa = t.paddr;
	}
	int n = snprintf(how, howsz, "SYMBOL(swapper_pg_dir) 0x%" PRIx64 " is "
			 "physical 0x%" PRIx64 " through %s, and that table maps "
			 "itself", swapper, table, root_why);
	if (n > 0 && (size_t)n < howsz)
		snprintf(how + n, howsz - (size_t)n, have_stext ? " and _stext "
			 "0x%" PRIx64 " (physical 0x%" PRIx64 ")" :
			 " (no SYMBOL(_stext) to check)", stext, stext_pa);
	return true;
}

struct vmc_error *vmc_kernel_validate_vmcoreinfo(const struct vmc_dump *d,
						 const struct vmc_vmcoreinfo *vi,
						 char *how, size_t howsz)
{
	uint64_t swapper, stext = 0;
	if (!vmc_vmcoreinfo_symbol(vi, "swapper_pg_dir", &swapper))
		return vmc_error_new(VMC_ERR_NOT_FOUND, "no SYMBOL(swapper_pg_dir)");
	bool have_stext = vmc_vmcoreinfo_symbol(vi, "_stext", &stext);
	/* The candidate's own numbers (PAGESIZE, kimage_voffset, phys_base)
	 * choose the forms, as they would if it were the dump's. */
	struct vmc_dump tmp = *d;
	tmp.vmcoreinfo = vi;
	size_t ncpu = d->ncpus < MAX_ROOTS ? d->ncpus : MAX_ROOTS;
	struct root_key tried[MAX_ROOTS + 2];
	size_t ntried = 0;
	char first_why[600] = "";
	/* Request 0 is the default root; then CPU i; then swapper_pg_dir. */
	for (size_t i = 0; i < ncpu + 2; i++) {
		struct vmc_root_request req = { .cpu = -1 };
		if (i > 0 && i <= ncpu)
			req.cpu = (int)(i - 1);
		else if (i == ncpu + 1)
			req.swapper = true;
		struct vmc_root_choice rc;
		struct vmc_error *err = vmc_choose_root(&tmp, &req, &rc);
		if (err) {
			if (!first_why[0])
				snprintf(first_why, sizeof(first_why), "%s", err->msg);
			vmc_error_free(err);
			continue;
		}
		const struct vmc_paging *pg = &rc.pg[0];
		if (seen_root(tried, ntried, pg))
			continue;
		tried[ntried++] = (struct root_key){ pg->root, pg->mode };
		char why[600];
		if (check_root(d, pg, rc.why, swapper, have_stext, stext, how,
			       howsz, why, sizeof(why)))
			return NULL;
		if (!first_why[0] || i == 0)
			snprintf(first_why, sizeof(first_why), "%s", why);
	}
	return vmc_error_new(VMC_ERR_NOT_FOUND, "%s", first_why[0] ? first_why :
			     "no page-table root to check it against");
}

/* ---- candidates ------------------------------------------------------------ */

struct candidate {
	uint64_t paddr;
	bool note;
	struct vmc_vmcoreinfo vi;
	char how[600];
};

struct scan {
	const struct vmc_dump *d;
	const struct vmc_kernel_scan_opts *o;
	struct vmc_warnings *ws;
	struct candidate valid[MAX_CANDIDATES];
	size_t nvalid;
	unsigned considered;		/* look-alikes validated */
	unsigned rejected;
	unsigned over;			/* look-alikes past MAX_CANDIDATES */
	char first_reject[700];
	uint64_t done, total;
	uint64_t resume;		/* RAM below this was read as a text */
	uint8_t *buf;			/* bufsz bytes, made when RAM is not mapped */
	size_t bufsz;
	bool nomem;			/* buf could not be made: RAM went unread */
	uint8_t *text;			/* MAX_TEXT + 1 */
};

/* Text that only resembles VMCOREINFO (the kernel's own format strings,
 * "OSRELEASE=%s\n") is not a candidate; a candidate names a release and
 * the table the validation starts from. */
static bool looks_like_vmcoreinfo(const struct vmc_vmcoreinfo *vi)
{
	const char *rel = vmc_vmcoreinfo_get(vi, "OSRELEASE");
	uint64_t v;
	return rel && *rel && !strchr(rel, '%') &&
	       vmc_vmcoreinfo_get(vi, "PAGESIZE") &&
	       vmc_vmcoreinfo_symbol(vi, "swapper_pg_dir", &v);
}

/* Bytes of RAM with data from paddr on (in its range), at most max. */
static size_t data_after(const struct vmc_dump *d, uint64_t paddr, size_t max)
{
	const struct vmc_ram_range *r = vmc_dump_ram_find(d, paddr);
	if (!r || paddr - r->paddr >= r->avail)
		return 0;
	uint64_t left = r->avail - (paddr - r->paddr);
	return left < max ? (size_t)left : max;
}

/* Is there a VMCOREINFO note header just before paddr? Its descsz, or 0. */
static uint32_t note_before(const struct vmc_dump *d, uint64_t paddr)
{
	uint8_t h[NOTE_HDR];
	if (paddr < NOTE_HDR || data_after(d, paddr - NOTE_HDR, NOTE_HDR) < NOTE_HDR)
		return 0;
	struct vmc_error *err = vmc_physmem_read(&d->pm, paddr - NOTE_HDR, h,
						 NOTE_HDR);
	if (err) {
		vmc_error_free(err);
		return 0;
	}
	bool be = d->big_endian;
	/* Elf_Nhdr {namesz, descsz, type} then the name, 4-aligned (gABI). */
	if (vmc_get32(h, be) != sizeof(NOTE_NAME) || vmc_get32(h + 8, be) != 0 ||
	    memcmp(h + 12, NOTE_NAME, sizeof(NOTE_NAME)) != 0)
		return 0;
	uint32_t descsz = vmc_get32(h + 4, be);
	return descsz ? descsz : 0;
}

/* Read the text at paddr into s->text, 4 KiB at a time, up to its NUL or
 * its first byte that is neither printable nor a newline (at most max):
 * its length. The work is proportional to the text found. */
static size_t read_text(struct scan *s, uint64_t paddr, size_t max)
{
	size_t n = 0;
	while (n < max) {
		size_t step = max - n < 4096 ? max - n : 4096;
		struct vmc_error *err = vmc_physmem_read(&s->d->pm, paddr + n,
							 s->text + n, step);
		if (err) {
			vmc_error_free(err);
			return n;
		}
		for (size_t i = n; i < n + step; i++)
			if (s->text[i] != '\n' &&
			    (s->text[i] < 0x20 || s->text[i] > 0x7e))
				return i;
		n += step;
	}
	return n;
}

/* Look at the text at paddr; RAM before paddr + its length is not searched
 * again (s->resume), so that text full of "OSRELEASE=" costs linear time. */
static void consider(struct scan *s, uint64_t paddr)
{
	const struct vmc_dump *d = s->d;
	uint32_t descsz = note_before(d, paddr);
	size_t max = descsz && descsz < MAX_TEXT ? descsz : MAX_TEXT;
	size_t len = read_text(s, paddr, data_after(d, paddr, max));
	s->resume = paddr + (len > 1 ? len : 1);
	if (len < KEY_LEN)
		return;
	struct candidate c = { .paddr = paddr, .note = descsz != 0 };
	struct vmc_error *err = vmc_vmcoreinfo_parse((const char *)s->text, len,
						     &c.vi);
	if (err) {
		vmc_error_free(err);
		return;
	}
	if (!looks_like_vmcoreinfo(&c.vi)) {
		vmc_vmcoreinfo_fini(&c.vi);
		return;
	}
	if (s->considered >= MAX_CANDIDATES) {
		if (s->over++ == 0)
			vmc_warn(s->ws, "more than %d texts in RAM look like "
				 "VMCOREINFO; the ones from paddr 0x%" PRIx64
				 " on are not checked", MAX_CANDIDATES, paddr);
		vmc_vmcoreinfo_fini(&c.vi);
		return;
	}
	s->considered++;
	err = vmc_kernel_validate_vmcoreinfo(d, &c.vi, c.how, sizeof(c.how));
	if (err) {
		const char *rel = vmc_vmcoreinfo_get(&c.vi, "OSRELEASE");
		vmc_warn(s->ws, "VMCOREINFO-like text in RAM at paddr 0x%" PRIx64
			 " (OSRELEASE=%s) fails validation: %s; skipped", paddr,
			 rel, err->msg);
		if (!s->rejected++)
			snprintf(s->first_reject, sizeof(s->first_reject),
				 "at paddr 0x%" PRIx64 ": %s", paddr, err->msg);
		vmc_error_free(err);
		vmc_vmcoreinfo_fini(&c.vi);
		return;
	}
	s->valid[s->nvalid++] = c;
}

static void progress(struct scan *s)
{
	if (s->o && s->o->progress)
		s->o->progress(s->o->progress_arg, "searching RAM for VMCOREINFO",
			       s->done, s->total);
}

/* Search [lo, hi), which lies in one RAM range's data, chunk by chunk. */
static void scan_piece(struct scan *s, uint64_t lo, uint64_t hi)
{
	const struct vmc_dump *d = s->d;
	for (uint64_t p = lo; p < hi;) {
		size_t len = hi - p < CHUNK ? (size_t)(hi - p) : CHUNK;
		/* A match may straddle the chunk's end: look a little past. */
		size_t want = len;
		if (hi - p - len >= KEY_LEN - 1)
			want += KEY_LEN - 1;
		const uint8_t *v = d->pm.map ? d->pm.map(d->pm.ctx, p, want) : NULL;
		if (!v && !s->buf && !s->nomem) {
			/* A chunk, or all the RAM the file holds when that is
			 * less (a piece lies in it): a mapped dump never needs
			 * one. */
			s->bufsz = (s->total < CHUNK ? (size_t)s->total : CHUNK) +
				   KEY_LEN;
			s->buf = malloc(s->bufsz);
			s->nomem = !s->buf;
		}
		if (!v && s->buf && want <= s->bufsz) {
			struct vmc_error *err = vmc_physmem_read(&d->pm, p, s->buf,
								 want);
			v = s->buf;
			if (err) {
				vmc_error_free(err);
				v = NULL;
			}
		}
		for (size_t off = 0; v && off + KEY_LEN <= want;) {
			if (p + off < s->resume) {
				if (s->resume - p >= want)
					break;
				off = (size_t)(s->resume - p);
				continue;
			}
			const uint8_t *m = memmem(v + off, want - off, KEY, KEY_LEN);
			if (!m || (size_t)(m - v) >= len)
				break;
			off = (size_t)(m - v);
			/* consider() reads the text itself: v may be s->buf. */
			consider(s, p + off);
			off++;
		}
		p += len;
		s->done += len;
		progress(s);
	}
}

/* Search what RAM data [lo, hi) holds, range by range. */
static void scan_span(struct scan *s, uint64_t lo, uint64_t hi)
{
	const struct vmc_dump *d = s->d;
	s->resume = 0;
	size_t i = vmc_ram_next(d->ram, d->nram, lo);
	if (i > 0 && d->ram[i - 1].paddr + d->ram[i - 1].avail > lo)
		i--;
	for (; i < d->nram && d->ram[i].paddr < hi; i++) {
		const struct vmc_ram_range *r = &d->ram[i];
		uint64_t a = r->paddr > lo ? r->paddr : lo;
		uint64_t b = r->paddr + r->avail;
		if (b > hi)
			b = hi;
		if (a < b)
			scan_piece(s, a, b);
	}
}

/* ---- where to look --------------------------------------------------------- */

struct span {
	uint64_t lo, hi;	/* [lo, hi) */
};

VMC_VEC(span_vec, struct span)

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* The address below which the first LOW_RAM bytes of RAM data lie. */
static uint64_t low_ram_end(const struct vmc_dump *d)
{
	uint64_t left = LOW_RAM;
	for (size_t i = 0; i < d->nram; i++) {
		const struct vmc_ram_range *r = &d->ram[i];
		if (r->avail >= left)
			return r->paddr + left;
		left -= r->avail;
	}
	return UINT64_MAX;
}

/*
 * The physical pages of the kernel image mapping, where the architecture
 * fixes its base (x86_64's __START_KERNEL_map): before Linux 4.13 both
 * copies were in the image's .bss. Walked through the default root, which
 * needs no VMCOREINFO on x86. Sorted and merged, at or above from.
 */
static void image_spans(const struct vmc_dump *d, uint64_t from,
			struct span_vec *out)
{
	struct vmc_root_request req = { .cpu = -1 };
	struct vmc_view v;
	struct vmc_error *err = vmc_view_open(d, &req, &v);
	if (err) {
		vmc_error_free(err);
		return;
	}
	if (!v.arch->image_base)
		return;
	struct vmc_run_vec runs = {0};
	struct vmc_walk_limits lim = { .max_runs = 1u << 16,
				       .va_lo = v.arch->image_base,
				       .va_hi = v.arch->image_base + (IMAGE_SPAN - 1) };
	struct vmc_walk_stats st;
	err = vmc_walk(v.rc.pg, 1, &d->pm, &lim, &runs, &st, NULL);
	vmc_error_free(err);
	for (size_t i = 0; i < runs.n; i++) {
		uint64_t lo = runs.v[i].paddr, hi = lo + runs.v[i].size;
		if (hi < lo)
			hi = UINT64_MAX;
		if (hi <= from)
			continue;
		struct span *sp = span_vec_push(out);
		if (!sp)
			break;
		*sp = (struct span){ lo > from ? lo : from, hi };
	}
	vmc_run_vec_free(&runs);
	if (!out->n)
		return;
	qsort(out->v, out->n, sizeof(*out->v), cmp_span);
	size_t n = 0;
	for (size_t i = 1; i < out->n; i++) {
		if (out->v[i].lo <= out->v[n].hi) {
			if (out->v[i].hi > out->v[n].hi)
				out->v[n].hi = out->v[i].hi;
		} else {
			out->v[++n] = out->v[i];
		}
	}
	out->n = n + 1;
}

/* Two valid copies that agree: enough to stop looking. */
static bool same_kernel(const struct vmc_vmcoreinfo *a,
			const struct vmc_vmcoreinfo *b)
{
	const char *ra = vmc_vmcoreinfo_get(a, "OSRELEASE");
	const char *rb = vmc_vmcoreinfo_get(b, "OSRELEASE");
	const char *ba = vmc_vmcoreinfo_get(a, "BUILD-ID");
	const char *bb = vmc_vmcoreinfo_get(b, "BUILD-ID");
	if (!ra || !rb || strcmp(ra, rb) != 0)
		return false;
	if (!ba != !bb)
		return false;
	return !ba || strcmp(ba, bb) == 0;
}

static bool settled(const struct scan *s)
{
	for (size_t i = 0; i < s->nvalid; i++)
		for (size_t j = i + 1; j < s->nvalid; j++)
			if (same_kernel(&s->valid[i].vi, &s->valid[j].vi))
				return true;
	return false;
}

/* The chosen copy: the first note-form one, else the first. */
static size_t choose(const struct scan *s)
{
	for (size_t i = 0; i < s->nvalid; i++)
		if (s->valid[i].note)
			return i;
	return 0;
}

static void scan_everywhere(struct scan *s)
{
	const struct vmc_dump *d = s->d;
	uint64_t low = low_ram_end(d);
	scan_span(s, 0, low);
	if (settled(s) || low == UINT64_MAX)
		return;
	struct span_vec img = {0};
	image_spans(d, low, &img);
	for (size_t i = 0; i < img.n; i++)
		scan_span(s, img.v[i].lo, img.v[i].hi);
	if (settled(s)) {
		span_vec_free(&img);
		return;
	}
	/* The rest: [low, end) less the image spans (sorted, disjoint). */
	uint64_t at = low;
	for (size_t i = 0; i < img.n; i++) {
		if (img.v[i].lo > at)
			scan_span(s, at, img.v[i].lo);
		if (img.v[i].hi > at)
			at = img.v[i].hi;
	}
	scan_span(s, at, UINT64_MAX);
	span_vec_free(&img);
}

struct vmc_error *vmc_kernel_find_vmcoreinfo(const struct vmc_dump *d,
					     const struct vmc_kernel_scan_opts *o,
					     struct vmc_warnings *ws,
					     struct vmc_kernel_found_vi *out)
{
	*out = (struct vmc_kernel_found_vi){0};
	struct scan *s = calloc(1, sizeof(*s));
	if (!s)
		return vmc_error_nomem();
	*s = (struct scan){ .d = d, .o = o, .ws = ws, .total = d->data_bytes };
	s->text = malloc(MAX_TEXT + 1);
	struct vmc_error *err = NULL;
	if (!s->text) {
		err = vmc_error_nomem();
		goto out;
	}
	scan_everywhere(s);
	out->searched = s->done;
	out->rejected = s->rejected;
	if (!s->nvalid && s->nomem) {
		err = vmc_error_nomem();
		goto out;
	}
	if (!s->nvalid) {
		char h[32];
		err = vmc_error_new(VMC_ERR_NOT_FOUND, "no VMCOREINFO in RAM: "
				    "searched %s; %u text%s looked like it%s%s",
				    vmc_human_size(s->done, h, sizeof(h)),
				    s->considered, s->considered == 1 ? "" : "s",
				    s->rejected ? ", none valid; first " : "",
				    s->rejected ? s->first_reject : "");
		goto out;
	}
	size_t c = choose(s);
	struct candidate *pick = &s->valid[c];
	for (size_t i = 0; i < s->nvalid; i++) {
		if (same_kernel(&pick->vi, &s->valid[i].vi)) {
			out->agree++;
			continue;
		}
		out->disagree++;
		const char *a = vmc_vmcoreinfo_get(&pick->vi, "BUILD-ID");
		const char *b = vmc_vmcoreinfo_get(&s->valid[i].vi, "BUILD-ID");
		vmc_warn(ws, "VMCOREINFO copies in RAM disagree: at paddr 0x%"
			 PRIx64 " OSRELEASE=%s BUILD-ID=%s, at paddr 0x%" PRIx64
			 " OSRELEASE=%s BUILD-ID=%s; using the one at 0x%" PRIx64,
			 pick->paddr, vmc_vmcoreinfo_get(&pick->vi, "OSRELEASE"),
			 a ? a : "(none)", s->valid[i].paddr,
			 vmc_vmcoreinfo_get(&s->valid[i].vi, "OSRELEASE"),
			 b ? b : "(none)", pick->paddr);
	}
	out->vi = pick->vi;
	pick->vi = (struct vmc_vmcoreinfo){0};
	out->paddr = pick->paddr;
	out->note = pick->note;
	snprintf(out->how, sizeof(out->how), "%s", pick->how);
out:
	for (size_t i = 0; i < s->nvalid; i++)
		vmc_vmcoreinfo_fini(&s->valid[i].vi);
	free(s->buf);
	free(s->text);
	free(s);
	return err;
}

void vmc_kernel_found_vi_fini(struct vmc_kernel_found_vi *f)
{
	vmc_vmcoreinfo_fini(&f->vi);
	*f = (struct vmc_kernel_found_vi){0};
}

void vmc_kernel_found_vi_describe(const struct vmc_kernel_found_vi *f,
				  char *buf, size_t sz)
{
	int n = snprintf(buf, sz, "from RAM at paddr 0x%" PRIx64 " (%s, ",
			 f->paddr, f->note ? "an ELF note" : "bare text");
	if (n < 0 || (size_t)n >= sz)
		return;
	if (f->agree > 1)
		n += snprintf(buf + n, sz - (size_t)n, "%u copies agree", f->agree);
	else
		n += snprintf(buf + n, sz - (size_t)n, "1 copy");
	if (n > 0 && (size_t)n < sz && f->disagree)
		n += snprintf(buf + n, sz - (size_t)n, ", %u disagree%s",
			      f->disagree, f->disagree == 1 ? "s" : "");
	if (n > 0 && (size_t)n < sz)
		snprintf(buf + n, sz - (size_t)n, ")");
}
