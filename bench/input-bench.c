/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input-bench PLAIN [LAYERED...]: the compressed input layers against the
 * plain file they were made from, in one process, as ratios (DESIGN.md:
 * performance is measured as ratios against a baseline of the same run).
 * For each file, plain first:
 *   open     vmc_input_open_file + vmc_input_peel (a layer's index pass),
 *            best of -r runs;
 *   random   4 KiB preads at offsets drawn from a fixed seed, uniform over
 *            the decoded stream, for -t seconds: reads per second;
 *   data     the same, at 4 KiB-aligned offsets of pages that are not all
 *            zero in the plain file (what page-table walks and reads of
 *            kernel data ask for; guest RAM is mostly zero pages, which
 *            the layers answer without decoding);
 *   seq      the whole stream in 1 MiB preads (what remap does): MB/s;
 *   index    a layer's index entries and bytes, and bytes per GiB decoded.
 * Every byte read is compared with the plain file's: a difference is
 * exit status 1. 2: a file fails to open; 64: usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "input/input.h"
#include "input/layers-priv.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static struct vmc_input *open_one(const char *path, double *secs)
{
	struct vmc_warnings ws = {0};
	struct vmc_input *in = NULL;
	double t0 = now();
	struct vmc_error *err = vmc_input_open_file(path, &in);
	if (!err)
		err = vmc_input_peel(&in, &ws);
	*secs = now() - t0;
	if (err) {
		fprintf(stderr, "input-bench: %s: %s\n", path, err->msg);
		vmc_error_free(err);
		vmc_input_close(in);
		return NULL;
	}
	return in;
}

struct result {
	double open_s, reads_per_s, data_reads_per_s, seq_mbps;
	uint64_t entries, index_bytes, size;
	bool mismatch;
};

/* The 4 KiB pages of the plain file that hold a non-zero byte. */
struct pages {
	uint64_t *off;
	size_t n;
};

static bool data_pages(const struct vmc_input *plain, struct pages *p)
{
	size_t max = (size_t)(plain->size / 4096);
	p->off = malloc((max ? max : 1) * sizeof(*p->off));
	p->n = 0;
	if (!p->off)
		return false;
	for (size_t i = 0; i < max; i++)
		if (!vmc_all_zero(plain->map + i * 4096, 4096))
			p->off[p->n++] = (uint64_t)i * 4096;
	return p->n > 0;
}

/* 4 KiB reads for `seconds`, at offsets uniform over the stream or (pages)
 * over the pages that hold data; reads per second. */
static double random_reads(struct vmc_input *in, const struct vmc_input *plain,
			   const struct pages *pages, double seconds,
			   uint8_t *buf, bool *mismatch)
{
	uint64_t seed = 0x5eed2026, n = 0;
	double t0 = now(), t;
	do {
		for (int k = 0; k < 16; k++, n++) {
			uint64_t v = splitmix(&seed);
			uint64_t off = pages ? pages->off[v % pages->n]
					     : v % (in->size - 4096);
			size_t got;
			struct vmc_error *err = vmc_input_pread(in, buf, 4096, off, &got);
			if (err || got != 4096 ||
			    (plain && memcmp(buf, plain->map + off, 4096) != 0))
				*mismatch = true;
			vmc_error_free(err);
		}
	} while ((t = now() - t0) < seconds);
	return (double)n / t;
}

static int measure(const char *path, const struct vmc_input *plain,
		   const struct pages *pages, int reps, double seconds,
		   struct result *r)
{
	*r = (struct result){ .open_s = 1e9 };
	struct vmc_input *in = NULL;
	for (int i = 0; i < reps; i++) {
		double s;
		vmc_input_close(in);
		if (!(in = open_one(path, &s)))
			return 2;
		if (s < r->open_s)
			r->open_s = s;
	}
	r->size = in->size;
	if (plain && in->size != plain->size) {
		fprintf(stderr, "input-bench: %s decodes to 0x%" PRIx64 " bytes, "
			"the plain file has 0x%" PRIx64 "\n", path, in->size,
			plain->size);
		r->mismatch = true;
	}
	struct vmc_layer_stats st;
	if (vmc_layer_stats(in, &st)) {
		r->entries = st.entries;
		r->index_bytes = st.index_bytes;
	}
	uint8_t *buf = malloc(1u << 20);
	if (!buf) {
		vmc_input_close(in);
		return 2;
	}
	/* Random 4 KiB reads: the same offsets for every file. Each file is
	 * opened afresh for each pattern, so that its cache starts empty. */
	r->reads_per_s = random_reads(in, plain, NULL, seconds, buf,
				      &r->mismatch);
	vmc_input_close(in);
	if (!(in = open_one(path, &(double){0}))) {
		free(buf);
		return 2;
	}
	r->data_reads_per_s = random_reads(in, plain, pages, seconds, buf,
					   &r->mismatch);
	/* Sequential, 1 MiB at a time. */
	double t0 = now();
	for (uint64_t off = 0; off < in->size; off += 1u << 20) {
		size_t got, want = in->size - off < (1u << 20) ?
			(size_t)(in->size - off) : (1u << 20);
		struct vmc_error *err = vmc_input_pread(in, buf, want, off, &got);
		if (err || got != want ||
		    (plain && memcmp(buf, plain->map + off, want) != 0))
			r->mismatch = true;
		vmc_error_free(err);
	}
	r->seq_mbps = (double)in->size / 1e6 / (now() - t0);
	free(buf);
	vmc_input_close(in);
	return 0;
}

int main(int argc, char **argv)
{
	int reps = 3, opt;
	double seconds = 3;
	while ((opt = getopt(argc, argv, "r:t:h")) != -1) {
		switch (opt) {
		case 'r': reps = atoi(optarg); break;
		case 't': seconds = atof(optarg); break;
		default:
			fprintf(stderr, "usage: input-bench [-r REPS] [-t SECONDS] "
				"PLAIN [LAYERED...]\n");
			return 64;
		}
	}
	if (optind >= argc || reps < 1 || seconds <= 0) {
		fprintf(stderr, "usage: input-bench [-r REPS] [-t SECONDS] "
			"PLAIN [LAYERED...]\n");
		return 64;
	}
	double s;
	struct vmc_input *plain = open_one(argv[optind], &s);
	if (!plain || !plain->map || plain->layers[0] || plain->size < 8192) {
		fprintf(stderr, "input-bench: %s: not a plain file of 8 KiB or "
			"more\n", argv[optind]);
		return 2;
	}
	struct pages pages;
	if (!data_pages(plain, &pages)) {
		fprintf(stderr, "input-bench: %s: no page holds data\n",
			argv[optind]);
		return 2;
	}
	printf("%s: 0x%" PRIx64 " bytes, %zu of its 4 KiB pages hold data; "
	       "best open of %d, reads for %.1f s each\n", argv[optind],
	       plain->size, pages.n, reps, seconds);
	printf("%-18s %10s %7s %11s %7s %11s %7s %8s %6s %6s %10s\n", "file",
	       "open", "ratio", "4K reads/s", "ratio", "data 4K/s", "ratio",
	       "seq MB/s", "ratio", "index", "index/GiB");
	struct result base = {0};
	int status = 0;
	for (int i = optind; i < argc; i++) {
		struct result r;
		int rc = measure(argv[i], i == optind ? NULL : plain, &pages,
				 reps, seconds, &r);
		if (rc)
			return rc;
		if (i == optind)
			base = r;
		const char *name = strrchr(argv[i], '/');
		name = name ? name + 1 : argv[i];
		char idx[32] = "-", per[32] = "-";
		if (r.entries) {
			snprintf(idx, sizeof(idx), "%" PRIu64, r.entries);
			snprintf(per, sizeof(per), "%.0f KiB",
				 (double)r.index_bytes / 1024 /
				 ((double)r.size / (1u << 30)));
		}
		printf("%-18s %7.1f ms %7.0f %11.0f %7.4f %11.0f %7.4f %8.0f %6.3f "
		       "%6s %10s%s\n", name, r.open_s * 1e3,
		       r.open_s / base.open_s, r.reads_per_s,
		       r.reads_per_s / base.reads_per_s, r.data_reads_per_s,
		       r.data_reads_per_s / base.data_reads_per_s, r.seq_mbps,
		       r.seq_mbps / base.seq_mbps, idx, per,
		       r.mismatch ? "  BYTES DIFFER" : "");
		if (r.mismatch)
			status = 1;
	}
	free(pages.off);
	vmc_input_close(plain);
	return status;
}
