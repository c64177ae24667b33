/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump write_ram: decode a physical range into an output file. The range
 * is cut into chunks of 1 MiB; for a large range a worker thread takes the
 * odd chunks and the caller the even ones, each with its own decoder and
 * buffers, so both cores decompress. All-zero pages (the shared zero page
 * among them) are not written: the output is pre-sized, they stay holes.
 *
 * Errors are deterministic: each thread works through its chunks in
 * ascending order and stops at its first error; the other stops at chunks
 * above the lowest error found so far, so every chunk below the lowest bad
 * page is done, and that page's error is the one returned.
 */
#include "kdump-priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_BYTES	(1u << 20)
/* From this many chunks on, a second thread helps. */
#define THREAD_MIN_CHUNKS 4

struct wr_job {
	struct vmc_kdump *kd;
	uint64_t lo, hi;		/* the physical range [lo, hi) */
	int fd;
	uint64_t out_off;		/* where lo goes in the output */
	uint64_t chunk;			/* bytes per chunk, whole pages */
	uint64_t first, last;		/* chunk numbers, inclusive */
	_Atomic uint64_t stop;		/* lowest paddr of an error so far */
};

struct wr_worker {
	struct wr_job *job;
	uint64_t start, step;
	struct vmc_error *err;
	uint64_t err_paddr;
	struct kd_decoder dec;
	uint8_t *out;			/* one chunk */
	uint8_t *page;			/* one page, for partial pages */
	struct kd_desc *descs;		/* one chunk's */
};

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Write out[from - base, to - base) to where [from, to) goes. */
static struct vmc_error *flush(const struct wr_job *job, const uint8_t *out,
			       uint64_t base, uint64_t from, uint64_t to)
{
	if (to <= from)
		return NULL;
	return vmc_pwrite_all(job->fd, out + (from - base), (size_t)(to - from),
			      job->out_off + (from - job->lo), "RAM data");
}

static void note_error(struct wr_worker *w, struct vmc_error *err,
		       uint64_t paddr)
{
	w->err = err;
	w->err_paddr = paddr;
	uint64_t cur = atomic_load(&w->job->stop);
	while (paddr < cur &&
	       !atomic_compare_exchange_weak(&w->job->stop, &cur, paddr))
		;
}

/* One chunk: [lo, hi) of physical memory, within one chunk's pages. */
static void do_chunk(struct wr_worker *w, uint64_t lo, uint64_t hi)
{
	struct wr_job *job = w->job;
	struct vmc_kdump *kd = job->kd;
	unsigned shift = kd->block_shift;
	uint64_t bs = kd->block_size;
	uint64_t pfn0 = lo >> shift, pfn1 = (hi - 1) >> shift;
	/* Every page must have data; then their descriptors follow each
	 * other, from pfn0's rank on. */
	for (uint64_t pfn = pfn0; pfn <= pfn1; pfn++) {
		if (pfn >= kd->nr_pfns || !kd_has_data(kd, pfn)) {
			uint64_t at = pfn == pfn0 ? lo : pfn << shift;
			note_error(w, kd_no_data(kd, at), at);
			return;
		}
	}
	size_t n = (size_t)(pfn1 - pfn0 + 1);
	struct vmc_error *err = kd_read_descs(kd, kd_rank(kd, pfn0), n, w->descs);
	if (err) {
		note_error(w, err, lo);
		return;
	}
	uint64_t batch = UINT64_MAX;	/* start of the bytes not written yet */
	for (size_t i = 0; i < n; i++) {
		uint64_t pfn = pfn0 + i;
		uint64_t p_lo = pfn << shift, p_hi = p_lo + bs;
		if (p_lo < lo)
			p_lo = lo;
		if (p_hi > hi)
			p_hi = hi;
		if (p_lo >= atomic_load(&job->stop))
			break;		/* a lower error is already known */
		const struct kd_desc *d = &w->descs[i];
		uint8_t *dst = w->out + (p_lo - lo);
		bool zero = kd_desc_is_zero(kd, d);
		if (!zero) {
			bool whole = p_hi - p_lo == bs;
			err = kd_decode(kd, &w->dec, pfn, d, whole ? dst : w->page);
			if (err) {
				if (batch != UINT64_MAX)
					vmc_error_free(flush(job, w->out, lo, batch, p_lo));
				note_error(w, err, p_lo);
				return;
			}
			if (!whole)
				memcpy(dst, w->page + (p_lo & (bs - 1)), p_hi - p_lo);
			zero = all_zero(dst, (size_t)(p_hi - p_lo));
		}
		if (zero) {
			if (batch != UINT64_MAX &&
			    (err = flush(job, w->out, lo, batch, p_lo))) {
				note_error(w, err, p_lo);
				return;
			}
			batch = UINT64_MAX;
		} else if (batch == UINT64_MAX) {
			batch = p_lo;
		}
	}
	if (batch != UINT64_MAX && (err = flush(job, w->out, lo, batch, hi)))
		note_error(w, err, batch);
}

static void *work(void *arg)
{
	struct wr_worker *w = arg;
	struct wr_job *job = w->job;
	for (uint64_t c = job->first + w->start; c <= job->last; c += w->step) {
		uint64_t lo = c * job->chunk, hi = lo + job->chunk;
		if (lo < job->lo)
			lo = job->lo;
		if (hi > job->hi || hi < lo)
			hi = job->hi;
		if (lo >= atomic_load(&job->stop))
			break;
		do_chunk(w, lo, hi);
		if (w->err)
			break;
	}
	return NULL;
}

static struct vmc_error *worker_init(struct wr_worker *w, struct wr_job *job,
				     uint64_t start, uint64_t step)
{
	struct vmc_kdump *kd = job->kd;
	*w = (struct wr_worker){ .job = job, .start = start, .step = step };
	struct vmc_error *err = kd_decoder_init(kd, &w->dec);
	if (err)
		return err;
	w->out = malloc(job->chunk);
	w->page = malloc(kd->block_size);
	w->descs = malloc((job->chunk >> kd->block_shift) * sizeof(*w->descs));
	if (!w->out || !w->page || !w->descs)
		return vmc_error_nomem();
	return NULL;
}

static void worker_fini(struct wr_worker *w)
{
	kd_decoder_fini(&w->dec);
	free(w->out);
	free(w->page);
	free(w->descs);
}

struct vmc_error *kd_write_ram(void *ctx, uint64_t paddr, uint64_t len,
			       int out_fd, uint64_t out_off)
{
	struct vmc_kdump *kd = ctx;
	if (len == 0)
		return NULL;
	if (paddr + (len - 1) < paddr)
		return vmc_error_fault(paddr, "0x%" PRIx64 " bytes at physical 0x%"
				       PRIx64 " wrap past the top of the address "
				       "space", len, paddr);
	struct wr_job job = {
		.kd = kd, .lo = paddr, .hi = paddr + len, .fd = out_fd,
		.out_off = out_off,
		.chunk = kd->block_size > CHUNK_BYTES ? kd->block_size : CHUNK_BYTES,
	};
	/* A range that ends at 2^64 (hi wrapped to 0): stop a page short of
	 * trouble by working on [lo, hi - 1] in chunk arithmetic only. */
	uint64_t last_byte = paddr + (len - 1);
	job.first = paddr / job.chunk;
	job.last = last_byte / job.chunk;
	if (job.hi == 0)
		job.hi = UINT64_MAX;	/* the top byte is never RAM with data */
	atomic_init(&job.stop, UINT64_MAX);

	struct wr_worker w[2];
	bool two = job.last - job.first + 1 >= THREAD_MIN_CHUNKS;
	struct vmc_error *err = worker_init(&w[0], &job, 0, two ? 2 : 1);
	if (err) {
		worker_fini(&w[0]);
		return err;
	}
	pthread_t tid;
	bool started = false;
	if (two) {
		err = worker_init(&w[1], &job, 1, 2);
		started = !err && pthread_create(&tid, NULL, work, &w[1]) == 0;
		vmc_error_free(err);
		err = NULL;
		if (!started) {
			/* No second thread: the caller does every chunk. */
			worker_fini(&w[1]);
			w[0].step = 1;
		}
	}
	work(&w[0]);
	if (started)
		pthread_join(tid, NULL);
	struct wr_worker *bad = w[0].err ? &w[0] : NULL;
	if (started && w[1].err && (!bad || w[1].err_paddr < bad->err_paddr))
		bad = &w[1];
	err = bad ? bad->err : NULL;
	/* The output's writer names the output; a page's fault is the input's. */
	if (err && err->code != VMC_ERR_IO)
		vmc_error_prefix(err, "reading %s", kd->in->path);
	for (int i = 0; i < (started ? 2 : 1); i++) {
		if (w[i].err != err)
			vmc_error_free(w[i].err);
		worker_fini(&w[i]);
	}
	return err;
}
