/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input flattened: makedumpfile's flattened stream (makedumpfile -F, and
 * QEMU's kdump-* formats before 8.2) read in place. The stream is a 4096-
 * byte header, then records "put these buf_size bytes at this offset of
 * the reassembled file", all big-endian (KDUMP-AND-SYMBOLS.md §C.5).
 *
 * Open makes one pass over the record headers (not the data) and keeps a
 * sorted index of 24 bytes a record; a read is a binary search in it. No
 * reassembled copy is written. Bytes no record covers read as zeros, as
 * the holes `makedumpfile -R` leaves. Negative or overlapping offsets and
 * records cut by the end of the file are errors. The index never changes
 * after open, so reads from several threads need no lock (the lower
 * stream's pread is thread-safe by contract).
 */
#include "input.h"

#include <inttypes.h>
#include <string.h>

/* makedumpfile.h: MAX_SIZE_MDF_HEADER, TYPE_FLAT_HEADER, VERSION_FLAT_HEADER,
 * SIZE_SIG_MDF (roundup(sizeof("makedumpfile") - 1, 8)). */
#define FLAT_HEADER_SIZE	4096
#define FLAT_TYPE		1
#define FLAT_VERSION		1
#define FLAT_SIG_LEN		16
#define FLAT_REC_HDR		16	/* int64 offset, int64 buf_size */

struct flat_rec {
	uint64_t dst;			/* offset in the reassembled file */
	uint64_t src;			/* offset of its bytes in the lower stream */
	uint64_t size;
};

VMC_VEC(flat_rec_vec, struct flat_rec)

struct flat {
	struct flat_rec_vec recs;	/* sorted by dst, disjoint */
};

/* The last record with dst <= off, or SIZE_MAX if none. */
static size_t find_rec(const struct flat *f, uint64_t off)
{
	size_t lo = 0, hi = f->recs.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->recs.v[mid].dst <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : SIZE_MAX;
}

static struct vmc_error *flat_pread(struct vmc_input *in, void *buf,
				    size_t len, uint64_t off, size_t *got)
{
	const struct flat *f = in->priv;
	uint8_t *out = buf;
	*got = 0;
	if (off >= in->size)
		return NULL;
	if (len > in->size - off)
		len = (size_t)(in->size - off);
	/* j: the record holding off, or the first one after it. */
	size_t j = find_rec(f, off);
	if (j == SIZE_MAX)
		j = 0;
	else if (off - f->recs.v[j].dst >= f->recs.v[j].size)
		j++;
	while (len) {
		const struct flat_rec *r = j < f->recs.n ? &f->recs.v[j] : NULL;
		size_t n;
		if (r && r->dst <= off) {
			uint64_t in_rec = off - r->dst;
			n = r->size - in_rec < len ? (size_t)(r->size - in_rec) : len;
			size_t g;
			struct vmc_error *err = vmc_input_pread(in->lower, out, n,
								r->src + in_rec, &g);
			if (err)
				return err;
			if (g < n)
				return vmc_error_new(VMC_ERR_IO, "the flattened "
						     "file shrank while being read");
			if (in_rec + n == r->size)
				j++;
		} else {
			/* A gap: zeros up to the next record. */
			uint64_t gap = (r ? r->dst : in->size) - off;
			n = gap < len ? (size_t)gap : len;
			memset(out, 0, n);
		}
		out += n;
		off += n;
		len -= n;
		*got += n;
	}
	return NULL;
}

static void flat_close(struct vmc_input *in)
{
	struct flat *f = in->priv;
	if (!f)
		return;
	flat_rec_vec_free(&f->recs);
	free(f);
}

static const struct vmc_input_ops flat_ops = {
	.name = "flattened", .pread = flat_pread, .close = flat_close,
};

static int cmp_rec(const void *a, const void *b)
{
	const struct flat_rec *x = a, *y = b;
	return x->dst < y->dst ? -1 : x->dst > y->dst;
}

static struct vmc_error *check_header(struct vmc_input *lower)
{
	uint8_t h[FLAT_SIG_LEN + 16];
	if (lower->size < FLAT_HEADER_SIZE)
		return vmc_error_new(VMC_ERR_FORMAT, "truncated flattened header "
				     "(the file has 0x%" PRIx64 " bytes, the "
				     "header 0x%x)", lower->size, FLAT_HEADER_SIZE);
	struct vmc_error *err = vmc_input_read(lower, h, sizeof(h), 0,
					       "the flattened header");
	if (err)
		return err;
	static const char sig[FLAT_SIG_LEN] = "makedumpfile";
	if (memcmp(h, sig, FLAT_SIG_LEN) != 0)
		return vmc_error_new(VMC_ERR_FORMAT, "the flattened header's "
				     "signature is not \"makedumpfile\" padded "
				     "with NULs");
	uint64_t type = vmc_get64(h + FLAT_SIG_LEN, true);
	uint64_t version = vmc_get64(h + FLAT_SIG_LEN + 8, true);
	if (type != FLAT_TYPE)
		return vmc_error_new(VMC_ERR_FORMAT, "flattened header type %"
				     PRId64 " (expected 1, TYPE_FLAT_HEADER)",
				     (int64_t)type);
	if (version != FLAT_VERSION)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "flattened header "
				     "version %" PRId64 " (1 is the one we know)",
				     (int64_t)version);
	return NULL;
}

/* One pass over the record headers: index every record with data. */
static struct vmc_error *scan(struct vmc_input *lower, struct flat *f,
			      bool *sorted, struct vmc_warnings *ws)
{
	uint64_t pos = FLAT_HEADER_SIZE, nrec = 0;
	*sorted = true;
	for (;; nrec++) {
		if (pos == lower->size) {
			vmc_warn(ws, "the flattened stream ends after %" PRIu64
				 " records without its end marker (offset -1, "
				 "size -1): it may be cut short", nrec);
			return NULL;
		}
		uint8_t h[FLAT_REC_HDR];
		if (lower->size - pos < FLAT_REC_HDR)
			return vmc_error_new(VMC_ERR_FORMAT, "flattened record %"
					     PRIu64 " (at 0x%" PRIx64 "): its header "
					     "is cut by the end of the file (0x%"
					     PRIx64 " bytes)", nrec, pos,
					     lower->size);
		const uint8_t *p = vmc_input_map(lower, pos, FLAT_REC_HDR);
		if (!p) {
			struct vmc_error *err = vmc_input_read(
				lower, h, FLAT_REC_HDR, pos, "a flattened record");
			if (err)
				return err;
			p = h;
		}
		int64_t off = (int64_t)vmc_get64(p, true);
		int64_t size = (int64_t)vmc_get64(p + 8, true);
		if (off == -1 && size == -1)
			return NULL;		/* END_FLAG_FLAT_HEADER */
		if (off < 0 || size < 0)
			return vmc_error_new(VMC_ERR_FORMAT, "flattened record %"
					     PRIu64 " (at 0x%" PRIx64 ") has a "
					     "negative %s (%" PRId64 ")", nrec, pos,
					     off < 0 ? "offset" : "size",
					     off < 0 ? off : size);
		uint64_t data = pos + FLAT_REC_HDR;
		if ((uint64_t)size > lower->size - data)
			return vmc_error_new(VMC_ERR_FORMAT, "flattened record %"
					     PRIu64 " (at 0x%" PRIx64 ", 0x%" PRIx64
					     " bytes for offset 0x%" PRIx64 ") is "
					     "cut by the end of the file (0x%"
					     PRIx64 " bytes)", nrec, pos,
					     (uint64_t)size, (uint64_t)off,
					     lower->size);
		if (size) {
			struct flat_rec *r = flat_rec_vec_push(&f->recs);
			if (!r)
				return vmc_error_nomem();
			*r = (struct flat_rec){ (uint64_t)off, data, (uint64_t)size };
			if (f->recs.n > 1 && r[-1].dst > r->dst)
				*sorted = false;
		}
		pos = data + (uint64_t)size;
	}
}

struct vmc_error *vmc_input_flattened(struct vmc_input **in,
				      struct vmc_warnings *ws)
{
	struct vmc_input *lower = *in;
	struct flat *f = calloc(1, sizeof(*f));
	if (!f)
		return vmc_error_nomem();
	bool sorted;
	struct vmc_error *err = check_header(lower);
	if (!err)
		err = scan(lower, f, &sorted, ws);
	if (!err && !sorted)
		qsort(f->recs.v, f->recs.n, sizeof(*f->recs.v), cmp_rec);
	uint64_t size = 0;
	for (size_t i = 0; !err && i < f->recs.n; i++) {
		const struct flat_rec *r = &f->recs.v[i];
		if (i + 1 < f->recs.n && r->size > f->recs.v[i + 1].dst - r->dst)
			err = vmc_error_new(VMC_ERR_FORMAT, "flattened records at "
					    "0x%" PRIx64 " and 0x%" PRIx64 " overlap:"
					    " both write offset 0x%" PRIx64,
					    r->src - FLAT_REC_HDR,
					    f->recs.v[i + 1].src - FLAT_REC_HDR,
					    f->recs.v[i + 1].dst);
		if (r->dst + r->size > size)	/* both < 2^63: no overflow */
			size = r->dst + r->size;
	}
	if (err) {
		flat_rec_vec_free(&f->recs);
		free(f);
		return err;
	}
	/* Index memory: what open holds, no more than the records need. */
	if (f->recs.n < f->recs.cap) {
		struct flat_rec *v = realloc(f->recs.v, (f->recs.n ? f->recs.n : 1) *
					     sizeof(*v));
		if (v) {
			f->recs.v = v;
			f->recs.cap = f->recs.n ? f->recs.n : 1;
		}
	}
	struct vmc_input *out;
	err = vmc_input_wrap(lower, &flat_ops, f, size, &out);
	if (err) {
		*in = NULL;
		return err;
	}
	*in = out;
	return NULL;
}
