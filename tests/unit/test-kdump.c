/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The flattened layer's reads and refusals; the kdump reader's rank and
 * select against brute force. */
#include "unit.h"

#include <stdlib.h>

#include "../../src/input/input.h"
#include "../../src/kdump/kdump-priv.h"

/* ---- a flattened stream in memory ------------------------------------------ */

struct flat_builder {
	uint8_t *buf;
	size_t len;
};

static void fb_put(struct flat_builder *b, const void *p, size_t n)
{
	b->buf = realloc(b->buf, b->len + n);
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void fb_header(struct flat_builder *b)
{
	uint8_t h[4096] = "makedumpfile";
	vmc_put64(h + 16, 1, true);
	vmc_put64(h + 24, 1, true);
	fb_put(b, h, sizeof(h));
}

/* A record of n bytes for offset off: byte i is (off + i) * 7 + 1. */
static void fb_rec(struct flat_builder *b, int64_t off, int64_t n)
{
	uint8_t h[16];
	vmc_put64(h, (uint64_t)off, true);
	vmc_put64(h + 8, (uint64_t)n, true);
	fb_put(b, h, sizeof(h));
	for (int64_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)((off + i) * 7 + 1);
		fb_put(b, &c, 1);
	}
}

static void warn_count(void *arg, const char *msg)
{
	(void)msg;
	(*(int *)arg)++;
}

static struct vmc_error *fb_open(struct flat_builder *b, struct vmc_input **in,
				 int *warnings)
{
	struct vmc_warnings ws = { .emit = warn_count, .arg = warnings };
	struct vmc_error *err = vmc_input_open_memory(b->buf, b->len, "flat", in);
	if (!err)
		err = vmc_input_peel(in, &ws);
	return err;
}

static void test_flattened_reads(void)
{
	/* Out of order, with gaps before, between and inside, adjacent
	 * records, and a zero-size record. */
	struct flat_builder b = {0};
	fb_header(&b);
	fb_rec(&b, 8000, 100);
	fb_rec(&b, 100, 4000);
	fb_rec(&b, 4100, 10);
	fb_rec(&b, 6000, 0);
	fb_rec(&b, 20, 30);
	fb_rec(&b, -1, -1);
	uint8_t want[8100] = {0};
	for (int i = 20; i < 50; i++)
		want[i] = (uint8_t)(i * 7 + 1);
	for (int i = 100; i < 4110; i++)
		want[i] = (uint8_t)(i * 7 + 1);
	for (int i = 8000; i < 8100; i++)
		want[i] = (uint8_t)(i * 7 + 1);
	struct vmc_input *in = NULL;
	int warnings = 0;
	struct vmc_error *err = fb_open(&b, &in, &warnings);
	CHECK(err == NULL);
	if (err) {
		vmc_error_free(err);
		vmc_input_close(in);
		free(b.buf);
		return;
	}
	CHECK_U64(in->size, sizeof(want));
	CHECK_STR(in->layers, "flattened");
	CHECK(warnings == 0);
	static const size_t lens[] = { 1, 7, 31, 100, 4096, 9000 };
	uint8_t got[9000];
	int bad = 0;
	for (uint64_t off = 0; off <= sizeof(want) + 2; off += 3)
		for (size_t k = 0; k < sizeof(lens) / sizeof(*lens); k++) {
			size_t n = 0;
			memset(got, 0xee, sizeof(got));
			err = vmc_input_pread(in, got, lens[k], off, &n);
			size_t exp = off >= sizeof(want) ? 0 :
				     sizeof(want) - off < lens[k] ?
				     sizeof(want) - off : lens[k];
			if (err || n != exp || memcmp(got, want + off, n) != 0)
				bad++;
			vmc_error_free(err);
		}
	CHECK(bad == 0);
	vmc_input_close(in);
	free(b.buf);
}

static void test_flattened_refusals(void)
{
	struct {
		int64_t recs[6];	/* off, size pairs; -2 ends */
		bool end;
		const char *msg;	/* substring of the error, or NULL */
		int warnings;
	} cases[] = {
		{ { 0, 10, -4096, 10, -2 }, true, "has a negative offset (-4096)", 0 },
		{ { 0, 10, 100, -5, -2 }, true, "has a negative size (-5)", 0 },
		{ { 0, 10, 5, 10, -2 }, true, "overlap: both write offset 0x5", 0 },
		{ { 0, 10, 0, 10, -2 }, true, "overlap", 0 },
		{ { 0, 10, 10, 10, -2 }, false, NULL, 1 },	/* no end marker */
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
		struct flat_builder b = {0};
		fb_header(&b);
		for (int i = 0; cases[c].recs[i] != -2; i += 2)
			fb_rec(&b, cases[c].recs[i], cases[c].recs[i + 1] < 0 ?
				   0 : cases[c].recs[i + 1]);
		if (cases[c].recs[3] < 0)	/* the negative size, raw */
			vmc_put64(b.buf + b.len - 8, (uint64_t)cases[c].recs[3], true);
		if (cases[c].end)
			fb_rec(&b, -1, -1);
		struct vmc_input *in = NULL;
		int warnings = 0;
		struct vmc_error *err = fb_open(&b, &in, &warnings);
		if (cases[c].msg)
			CHECK(err && strstr(err->msg, cases[c].msg) &&
			      err->code == VMC_ERR_FORMAT);
		else
			CHECK(!err);
		CHECK(warnings == cases[c].warnings);
		vmc_error_free(err);
		vmc_input_close(in);
		free(b.buf);
	}
	/* A record cut by the end of the file, and a cut record header. */
	struct flat_builder b = {0};
	fb_header(&b);
	fb_rec(&b, 0, 100);
	b.len -= 10;
	struct vmc_input *in = NULL;
	int warnings = 0;
	struct vmc_error *err = fb_open(&b, &in, &warnings);
	CHECK(err && strstr(err->msg, "is cut by the end of the file"));
	vmc_error_free(err);
	vmc_input_close(in);
	b.len = 4096 + 8;
	in = NULL;
	err = fb_open(&b, &in, &warnings);
	CHECK(err && strstr(err->msg, "its header is cut by the end of the file"));
	vmc_error_free(err);
	vmc_input_close(in);
	free(b.buf);
}

/* ---- rank and select -------------------------------------------------------------- */

static void test_rank_select(void)
{
	struct vmc_kdump kd = { .nr_pfns = 3 * KD_SECT_PFNS + 77 };
	uint64_t nwords = (kd.nr_pfns + 63) / 64;
	uint64_t nsect = (kd.nr_pfns + KD_SECT_PFNS - 1) / KD_SECT_PFNS;
	kd.bm2 = calloc(nwords, 8);
	kd.rank = calloc(nsect + 1, 8);
	/* Dense, empty and sparse stretches, and the last partial word. */
	uint64_t x = 12345;
	for (uint64_t pfn = 0; pfn < kd.nr_pfns; pfn++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		bool set = pfn < 5000 ? (x >> 60) != 0 :
			   pfn < 9000 ? false : (x >> 58) == 0;
		if (set || pfn == kd.nr_pfns - 1)
			kd.bm2[pfn / 64] |= 1ull << (pfn % 64);
	}
	uint64_t count = 0;
	for (uint64_t w = 0; w < nwords; w++) {
		if (w % (KD_SECT_PFNS / 64) == 0)
			kd.rank[w / (KD_SECT_PFNS / 64)] = count;
		count += (uint64_t)__builtin_popcountll(kd.bm2[w]);
	}
	kd.rank[nsect] = count;
	kd.ndumped = count;
	int bad_rank = 0, bad_select = 0;
	uint64_t r = 0;
	for (uint64_t pfn = 0; pfn < kd.nr_pfns; pfn++) {
		if (kd_rank(&kd, pfn) != r)
			bad_rank++;
		if (kd_bit(kd.bm2, pfn)) {
			if (kd_select(&kd, r) != pfn)
				bad_select++;
			r++;
		}
	}
	CHECK(bad_rank == 0);
	CHECK(bad_select == 0);
	CHECK_U64(r, count);
	CHECK_U64(kd_select(&kd, count), kd.nr_pfns);	/* past the last */
	free(kd.bm2);
	free(kd.rank);
}

const struct unit_test kdump_tests[] = {
	{ "flattened: reads across records, gaps and order", test_flattened_reads },
	{ "flattened: negative, overlapping and cut records", test_flattened_refusals },
	{ "kdump: rank and select against brute force", test_rank_select },
	{ 0 },
};
