/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input gzip layer: gzip files (one member or several, RFC 1952) read in
 * place, by the access-point technique of zlib's examples/zran.c.
 *
 * On open, one inflate pass over every member checks each member's CRC-32
 * and ISIZE and records an access point about every SPAN decoded bytes, at
 * a deflate block boundary: the compressed offset, the bits of the byte
 * before it that inflate has not used yet, and the 32 KiB of output before
 * it (the window later matches may reach back into), stored compressed.
 * A read restarts inflate at the point before it (inflatePrime for the
 * bits, inflateSetDictionary for the window) or continues a cursor that
 * already stands before it, and keeps what it decodes, CHUNK bytes at a
 * time, in the shared block cache. Chunks that decoded to zeros only on
 * open (guest RAM is mostly zero pages) are kept as a bitmap and never
 * decoded again.
 *
 * Nothing the stream states drives an allocation: ISIZE is only compared;
 * the index grows with what inflate really produces (one point per SPAN).
 */
#include "layers-priv.h"

#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <zlib.h>

/* RFC 1952 §2.3.1: the member header. */
#define GZ_ID1		0x1f
#define GZ_ID2		0x8b
#define GZ_CM_DEFLATE	8
#define GZ_FHCRC	0x02
#define GZ_FEXTRA	0x04
#define GZ_FNAME	0x08
#define GZ_FCOMMENT	0x10
#define GZ_FRESERVED	0xe0
#define GZ_HEADER_MIN	10
#define GZ_TRAILER	8		/* CRC32, ISIZE (§2.3.1) */

/* RFC 1951 §2: matches reach back at most 32 KiB. */
#define WINSIZE		32768u

/* Decoded bytes between access points (zran.c uses 1 MiB too): a read
 * inflates half of it on average before its first byte. */
#define SPAN		(1u << 20)
/* The cache's unit, and reads' granularity. */
#define CHUNK		(64u << 10)
#define IN_BUF		(64u << 10)
#define SCRATCH		(64u << 10)	/* >= WINSIZE: also a window's room */
/* Cursors kept between reads: enough for the two threads that read a
 * kdump at once, and a sequential reader besides. */
#define NCURSORS	4

struct gz_point {
	uint64_t out;		/* decoded offset */
	uint64_t in;		/* compressed offset of the next byte to feed */
	uint64_t win_off;	/* the window, compressed, in windows */
	uint32_t win_zlen;
	uint16_t win_len;	/* decoded window bytes, <= WINSIZE */
	uint8_t bits;		/* unused bits of the byte at in - 1 */
	uint8_t at_header;	/* a member header starts at in: no window */
};

VMC_VEC(gz_point_vec, struct gz_point)

enum cursor_state { AT_HEADER, IN_DATA };

struct cursor {
	z_stream zs;
	bool zs_ready;
	enum cursor_state state;
	uint64_t fed;		/* compressed offset past what zlib was given */
	uint64_t out;		/* decoded offset of the next byte out */
	uint8_t *inbuf;		/* IN_BUF, when the lower stream is not mapped */
	uint8_t *scratch;	/* SCRATCH */
	bool busy;
	uint64_t used;		/* when last used, for reuse order */
};

struct gz {
	struct vmc_input *lower;
	uint64_t size;
	uint32_t span;			/* decoded bytes between access points */
	struct gz_point_vec points;
	struct {			/* the windows, compressed, end to end */
		uint8_t *v;
		size_t n, cap;
	} windows;
	struct {			/* a bit per CHUNK: decodes to zeros */
		uint64_t *v;
		size_t n, cap;
	} zero;
	struct vmc_block_cache *cache;
	pthread_mutex_t lock;	/* the cursors' busy flags and clock */
	struct cursor *cursors[NCURSORS];
	uint64_t clock;
};

/* ---- cursors ------------------------------------------------------------------ */

static void cursor_free(struct cursor *c)
{
	if (!c)
		return;
	if (c->zs_ready)
		inflateEnd(&c->zs);
	free(c->inbuf);
	free(c->scratch);
	free(c);
}

static struct cursor *cursor_new(const struct vmc_input *lower)
{
	struct cursor *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->scratch = malloc(SCRATCH);
	if (!lower->map)
		c->inbuf = malloc(IN_BUF);
	/* Raw deflate: we parse the gzip headers and trailers ourselves. */
	if (!c->scratch || (!lower->map && !c->inbuf) ||
	    inflateInit2(&c->zs, -15) != Z_OK) {
		cursor_free(c);
		return NULL;
	}
	c->zs_ready = true;
	return c;
}

/* The compressed offset of the next byte zlib has not consumed. */
static uint64_t consumed(const struct cursor *c)
{
	return c->fed - c->zs.avail_in;
}

/* Drop what zlib holds of the input, to go on at off. */
static void seek_input(struct cursor *c, uint64_t off)
{
	c->zs.avail_in = 0;
	c->zs.next_in = NULL;
	c->fed = off;
}

/* Give zlib more input; false at the end of the lower stream. */
static struct vmc_error *feed(struct vmc_input *lower, struct cursor *c,
			      bool *more)
{
	*more = false;
	if (c->zs.avail_in || c->fed >= lower->size) {
		*more = c->zs.avail_in > 0;
		return NULL;
	}
	uint64_t left = lower->size - c->fed;
	if (lower->map) {
		uInt n = left < (1u << 30) ? (uInt)left : (1u << 30);
		c->zs.next_in = (Bytef *)lower->map + c->fed;
		c->zs.avail_in = n;
		c->fed += n;
	} else {
		size_t got;
		size_t want = left < IN_BUF ? (size_t)left : IN_BUF;
		struct vmc_error *err = vmc_input_pread(lower, c->inbuf, want,
							c->fed, &got);
		if (err)
			return vmc_error_prefix(err, "reading the gzip stream");
		c->zs.next_in = c->inbuf;
		c->zs.avail_in = (uInt)got;
		c->fed += got;
	}
	*more = c->zs.avail_in > 0;
	return NULL;
}

/* ---- member headers and trailers ------------------------------------------------ */

/* Up to n bytes at off (fewer at the end: *got says). */
static struct vmc_error *peek(struct vmc_input *lower, uint64_t off, void *buf,
			      size_t n, size_t *got)
{
	*got = 0;
	if (off >= lower->size)
		return NULL;
	return vmc_input_pread(lower, buf, n, off, got);
}

/* Skip a zero-terminated field from *off, feeding the header CRC. */
static struct vmc_error *skip_string(struct vmc_input *lower, uint64_t *off,
				     uLong *hcrc, bool *truncated)
{
	uint8_t buf[256];
	for (;;) {
		size_t got;
		struct vmc_error *err = peek(lower, *off, buf, sizeof(buf), &got);
		if (err)
			return err;
		if (!got) {
			*truncated = true;
			return NULL;
		}
		const uint8_t *nul = memchr(buf, 0, got);
		size_t n = nul ? (size_t)(nul - buf) + 1 : got;
		*hcrc = crc32(*hcrc, buf, (uInt)n);
		*off += n;
		if (nul)
			return NULL;
	}
}

/*
 * The member header at *off (RFC 1952 §2.3.1); *off moves past it. A
 * header cut by the end of the stream sets *truncated; a malformed one is
 * an error naming member (its number, from 1).
 */
static struct vmc_error *parse_header(struct vmc_input *lower, uint64_t *off,
				      unsigned long member, bool *truncated)
{
	uint8_t h[GZ_HEADER_MIN];
	size_t got;
	uint64_t start = *off;
	*truncated = false;
	struct vmc_error *err = peek(lower, start, h, sizeof(h), &got);
	if (err)
		return err;
	if (got < sizeof(h)) {
		*truncated = true;
		return NULL;
	}
	if (h[0] != GZ_ID1 || h[1] != GZ_ID2)
		return vmc_error_new(VMC_ERR_FORMAT, "gzip member %lu (offset 0x%"
				     PRIx64 "): no gzip magic", member, start);
	if (h[2] != GZ_CM_DEFLATE)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "gzip member %lu (offset "
				     "0x%" PRIx64 "): compression method %u, not "
				     "deflate (8)", member, start, h[2]);
	uint8_t flg = h[3];
	if (flg & GZ_FRESERVED)
		return vmc_error_new(VMC_ERR_FORMAT, "gzip member %lu (offset 0x%"
				     PRIx64 "): reserved flag bits set (FLG 0x%02x)",
				     member, start, flg);
	uLong hcrc = crc32(0, h, sizeof(h));
	uint64_t pos = start + sizeof(h);
	if (flg & GZ_FEXTRA) {
		uint8_t x[2];
		if ((err = peek(lower, pos, x, 2, &got)))
			return err;
		uint64_t xlen = vmc_get16(x, false);
		if (got < 2 || xlen > lower->size - pos - 2) {
			*truncated = true;
			return NULL;
		}
		hcrc = crc32(hcrc, x, 2);
		/* The extra field's bytes, for the header CRC. */
		uint8_t buf[256];
		uint64_t at = pos + 2, end = pos + 2 + xlen;
		while (at < end) {
			size_t n = end - at < sizeof(buf) ? (size_t)(end - at)
							   : sizeof(buf);
			if ((err = vmc_input_read(lower, buf, n, at,
						  "the gzip extra field")))
				return err;
			hcrc = crc32(hcrc, buf, (uInt)n);
			at += n;
		}
		pos = end;
	}
	if (flg & GZ_FNAME &&
	    ((err = skip_string(lower, &pos, &hcrc, truncated)) || *truncated))
		return err;
	if (flg & GZ_FCOMMENT &&
	    ((err = skip_string(lower, &pos, &hcrc, truncated)) || *truncated))
		return err;
	if (flg & GZ_FHCRC) {
		uint8_t c[2];
		if ((err = peek(lower, pos, c, 2, &got)))
			return err;
		if (got < 2) {
			*truncated = true;
			return NULL;
		}
		/* §2.3.1: the two least significant bytes of the CRC-32. */
		if (vmc_get16(c, false) != (hcrc & 0xffff))
			return vmc_error_new(VMC_ERR_FORMAT, "gzip member %lu "
					     "(offset 0x%" PRIx64 "): header CRC "
					     "0x%04x, but the header's is 0x%04x",
					     member, start, vmc_get16(c, false),
					     (unsigned)(hcrc & 0xffff));
		pos += 2;
	}
	*off = pos;
	return NULL;
}

/* ---- the index -------------------------------------------------------------- */

struct indexer {
	struct gz *z;
	struct cursor *c;
	struct vmc_warnings *ws;
	uint8_t ring[WINSIZE];	/* the last WINSIZE bytes out */
	size_t ring_pos;
	uint64_t last_point;	/* decoded offset of the newest point */
	unsigned long member;	/* from 1 */
	uint64_t member_off;
	uint64_t member_out;
	uLong crc;
	bool chunk_zero;	/* the chunk being decoded is zeros so far */
	z_stream deflater;	/* for the windows, reset for each */
	bool deflater_ready;
	uint8_t zwin[WINSIZE + WINSIZE / 8 + 64];	/* >= deflateBound */
};

static struct vmc_error *add_point(struct indexer *ix, uint64_t in,
				   unsigned bits, bool at_header)
{
	struct gz *z = ix->z;
	struct gz_point *p = gz_point_vec_push(&z->points);
	if (!p)
		return vmc_error_nomem();
	*p = (struct gz_point){ .out = ix->c->out, .in = in, .bits = (uint8_t)bits,
				.at_header = at_header,
				.win_off = z->windows.n };
	ix->last_point = ix->c->out;
	if (at_header)
		return NULL;
	/* The window: the member's last min(member_out, WINSIZE) bytes. */
	size_t len = ix->member_out < WINSIZE ? (size_t)ix->member_out : WINSIZE;
	uint8_t *lin = ix->c->scratch;
	size_t first = len <= ix->ring_pos ? len : ix->ring_pos;
	size_t wrap = len - first;
	memcpy(lin, ix->ring + WINSIZE - wrap, wrap);
	memcpy(lin + wrap, ix->ring + ix->ring_pos - first, first);
	/* One deflate state for all windows: deflateInit's 256 KiB set-up
	 * each time would cost more than the window. */
	z_stream *d = &ix->deflater;
	if (!ix->deflater_ready) {
		if (deflateInit(d, 1) != Z_OK)
			return vmc_error_nomem();
		ix->deflater_ready = true;
	} else if (deflateReset(d) != Z_OK) {
		return vmc_error_nomem();
	}
	d->next_in = lin;
	d->avail_in = (uInt)len;
	d->next_out = ix->zwin;
	d->avail_out = sizeof(ix->zwin);
	if (deflate(d, Z_FINISH) != Z_STREAM_END)
		return vmc_error_nomem();
	size_t zlen = sizeof(ix->zwin) - d->avail_out;
	if (vmc_vec_grow((void **)&z->windows.v, &z->windows.cap,
			 z->windows.n + zlen, 1))
		return vmc_error_nomem();
	memcpy(z->windows.v + z->windows.n, ix->zwin, zlen);
	z->windows.n += zlen;
	p->win_len = (uint16_t)len;
	p->win_zlen = (uint32_t)zlen;
	return NULL;
}

static bool is_zero_chunk(const struct gz *z, uint64_t k)
{
	return k / 64 < z->zero.n && z->zero.v[k / 64] >> (k % 64) & 1;
}

/* Chunk k is complete (or the stream ends inside it): mark it if it
 * decoded to zeros only. */
static struct vmc_error *end_chunk(struct indexer *ix, uint64_t k)
{
	struct gz *z = ix->z;
	if (ix->chunk_zero) {
		size_t words = (size_t)(k / 64) + 1;
		if (words > z->zero.n) {
			if (vmc_vec_grow((void **)&z->zero.v, &z->zero.cap, words,
					 sizeof(*z->zero.v)))
				return vmc_error_nomem();
			memset(z->zero.v + z->zero.n, 0,
			       (words - z->zero.n) * sizeof(*z->zero.v));
			z->zero.n = words;
		}
		z->zero.v[k / 64] |= 1ull << (k % 64);
	}
	ix->chunk_zero = true;
	return NULL;
}

/* Note which chunks of out[0, n), decoded at offset at, are all zero. */
static struct vmc_error *track_zeros(struct indexer *ix, const uint8_t *out,
				     size_t n, uint64_t at)
{
	while (n) {
		uint64_t k = at / CHUNK, left = (k + 1) * CHUNK - at;
		size_t piece = left < n ? (size_t)left : n;
		ix->chunk_zero = ix->chunk_zero && vmc_all_zero(out, piece);
		out += piece;
		at += piece;
		n -= piece;
		if (at % CHUNK == 0) {
			struct vmc_error *err = end_chunk(ix, k);
			if (err)
				return err;
		}
	}
	return NULL;
}

static void warn_truncated(struct indexer *ix, const char *where)
{
	vmc_warn(ix->ws, "the gzip stream is truncated: member %lu (offset 0x%"
		 PRIx64 ") stops %s at offset 0x%" PRIx64 "; reading the 0x%"
		 PRIx64 " bytes decoded before it, whose CRC cannot be checked",
		 ix->member, ix->member_off, where, ix->z->lower->size,
		 ix->c->out);
}

/* A member's end: its trailer against what it decoded to. *stop: the
 * stream ends here (truncated). */
static struct vmc_error *check_trailer(struct indexer *ix, bool *stop)
{
	struct vmc_input *lower = ix->z->lower;
	uint64_t at = consumed(ix->c);
	uint8_t t[GZ_TRAILER];
	size_t got;
	struct vmc_error *err = peek(lower, at, t, sizeof(t), &got);
	if (err)
		return err;
	if (got < sizeof(t)) {
		warn_truncated(ix, "in its trailer");
		*stop = true;
		return NULL;
	}
	uint32_t crc = vmc_get32(t, false), isize = vmc_get32(t + 4, false);
	if (crc != (uint32_t)ix->crc)
		return vmc_error_new(VMC_ERR_FORMAT, "gzip member %lu (offset 0x%"
				     PRIx64 "): CRC-32 0x%08" PRIx32 " in its "
				     "trailer, but its data's is 0x%08" PRIx32
				     ": the file is corrupt", ix->member,
				     ix->member_off, crc, (uint32_t)ix->crc);
	if (isize != (uint32_t)ix->member_out)
		return vmc_error_new(VMC_ERR_FORMAT, "gzip member %lu (offset 0x%"
				     PRIx64 "): ISIZE 0x%08" PRIx32 " in its "
				     "trailer, but it decodes to 0x%" PRIx64
				     " bytes", ix->member, ix->member_off, isize,
				     ix->member_out);
	seek_input(ix->c, at + GZ_TRAILER);
	ix->c->state = AT_HEADER;
	return NULL;
}

/* At a member boundary: the next member's header, or the end. */
static struct vmc_error *index_header(struct indexer *ix, bool *stop)
{
	struct vmc_input *lower = ix->z->lower;
	struct cursor *c = ix->c;
	uint64_t at = c->fed;
	uint8_t m[2];
	size_t got;
	*stop = true;
	if (at >= lower->size)
		return NULL;
	struct vmc_error *err = peek(lower, at, m, 2, &got);
	if (err)
		return err;
	if (got < 2 || m[0] != GZ_ID1 || m[1] != GZ_ID2) {
		if (ix->member == 0)
			return vmc_error_new(VMC_ERR_FORMAT, "not a gzip stream");
		vmc_warn(ix->ws, "0x%" PRIx64 " bytes after the last gzip member "
			 "(at offset 0x%" PRIx64 ") are not a gzip member: "
			 "ignored", lower->size - at, at);
		return NULL;
	}
	ix->member++;
	ix->member_off = at;
	bool truncated;
	uint64_t pos = at;
	if ((err = parse_header(lower, &pos, ix->member, &truncated)))
		return err;
	if (truncated) {
		warn_truncated(ix, "inside its header");
		return NULL;
	}
	/* The first point, at the first member (not at each of a run of
	 * empty ones: points grow with the output only). */
	if (ix->z->points.n == 0 || c->out - ix->last_point >= ix->z->span)
		if ((err = add_point(ix, at, 0, true)))
			return err;
	if (inflateReset(&c->zs) != Z_OK)
		return vmc_error_new(VMC_ERR_FORMAT, "gzip: inflateReset failed");
	seek_input(c, pos);
	c->state = IN_DATA;
	ix->member_out = 0;
	ix->crc = crc32(0, NULL, 0);
	*stop = false;
	return NULL;
}

static struct vmc_error *inflate_error(int ret, const struct cursor *c,
				       unsigned long member, uint64_t member_off)
{
	if (ret == Z_MEM_ERROR)
		return vmc_error_nomem();
	return vmc_error_new(VMC_ERR_FORMAT, "gzip member %lu (offset 0x%" PRIx64
			     "): corrupt deflate data near offset 0x%" PRIx64
			     ": %s", member, member_off, consumed(c),
			     c->zs.msg ? c->zs.msg : "inflate failed");
}

/* Inflate member data into the ring, up to a block boundary. */
static struct vmc_error *index_data(struct indexer *ix, bool *stop)
{
	struct cursor *c = ix->c;
	bool more;
	struct vmc_error *err = feed(ix->z->lower, c, &more);
	if (err)
		return err;
	if (!more) {
		warn_truncated(ix, "inside its data");
		*stop = true;
		return NULL;
	}
	c->zs.next_out = ix->ring + ix->ring_pos;
	c->zs.avail_out = (uInt)(WINSIZE - ix->ring_pos);
	/* Z_BLOCK: return at each block boundary, where a point may go. */
	int ret = inflate(&c->zs, Z_BLOCK);
	size_t produced = WINSIZE - ix->ring_pos - c->zs.avail_out;
	ix->crc = crc32(ix->crc, ix->ring + ix->ring_pos, (uInt)produced);
	err = track_zeros(ix, ix->ring + ix->ring_pos, produced, c->out);
	if (err)
		return err;
	ix->ring_pos = (ix->ring_pos + produced) % WINSIZE;
	c->out += produced;
	ix->member_out += produced;
	if (ret == Z_STREAM_END)
		return check_trailer(ix, stop);
	if (ret != Z_OK && ret != Z_BUF_ERROR)
		return inflate_error(ret, c, ix->member, ix->member_off);
	/* zran.c: at the end of a block that is not the last. */
	if ((c->zs.data_type & 128) && !(c->zs.data_type & 64) &&
	    c->out - ix->last_point >= ix->z->span)
		return add_point(ix, consumed(c), c->zs.data_type & 7, false);
	return NULL;
}

static struct vmc_error *build_index(struct gz *z, struct vmc_warnings *ws)
{
	struct indexer *ix = calloc(1, sizeof(*ix));
	struct cursor *c = cursor_new(z->lower);
	if (!ix || !c) {
		free(ix);
		cursor_free(c);
		return vmc_error_nomem();
	}
	*ix = (struct indexer){ .z = z, .c = c, .ws = ws, .chunk_zero = true };
	seek_input(c, 0);
	c->state = AT_HEADER;
	struct vmc_error *err = NULL;
	bool stop = false;
	while (!err && !stop)
		err = c->state == AT_HEADER ? index_header(ix, &stop)
					    : index_data(ix, &stop);
	z->size = c->out;
	if (!err && z->size % CHUNK)	/* the last chunk, part full */
		err = end_chunk(ix, z->size / CHUNK);
	if (ix->deflater_ready)
		deflateEnd(&ix->deflater);
	free(ix);
	cursor_free(c);
	return err;
}

/* ---- reading ---------------------------------------------------------------- */

/* The last point at or before decoded offset off. */
static const struct gz_point *point_before(const struct gz *z, uint64_t off)
{
	size_t lo = 0, hi = z->points.n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->points.v[mid].out <= off)
			lo = mid;
		else
			hi = mid;
	}
	return &z->points.v[lo];
}

static struct vmc_error *changed(uint64_t off)
{
	return vmc_error_new(VMC_ERR_IO, "the gzip stream ends early near offset "
			     "0x%" PRIx64 ": the file changed since it was "
			     "opened", off);
}

/* Put cursor c at point p. */
static struct vmc_error *restart(struct gz *z, struct cursor *c,
				 const struct gz_point *p)
{
	c->out = p->out;
	seek_input(c, p->in);
	if (p->at_header) {
		c->state = AT_HEADER;
		return NULL;
	}
	if (inflateReset(&c->zs) != Z_OK)
		return vmc_error_nomem();
	if (p->bits) {
		uint8_t b;
		struct vmc_error *err = vmc_input_read(z->lower, &b, 1, p->in - 1,
						       "a gzip access point");
		if (err)
			return err;
		if (inflatePrime(&c->zs, p->bits, b >> (8 - p->bits)) != Z_OK)
			return vmc_error_new(VMC_ERR_FORMAT, "gzip: inflatePrime failed");
	}
	uLongf wlen = WINSIZE;
	if (p->win_len &&
	    (uncompress(c->scratch, &wlen, z->windows.v + p->win_off,
			p->win_zlen) != Z_OK || wlen != p->win_len ||
	     inflateSetDictionary(&c->zs, c->scratch, p->win_len) != Z_OK))
		return vmc_error_new(VMC_ERR_FORMAT, "gzip: the window of the "
				     "access point at 0x%" PRIx64 " does not "
				     "restore", p->out);
	c->state = IN_DATA;
	return NULL;
}

/* Decode exactly n bytes from the cursor into dst. */
static struct vmc_error *cursor_read(struct gz *z, struct cursor *c,
				     uint8_t *dst, size_t n)
{
	size_t done = 0;
	while (done < n) {
		if (c->state == AT_HEADER) {
			bool truncated;
			uint64_t pos = c->fed;
			struct vmc_error *err = parse_header(z->lower, &pos, 0,
							     &truncated);
			if (err)
				return err;
			if (truncated || inflateReset(&c->zs) != Z_OK)
				return changed(pos);
			seek_input(c, pos);
			c->state = IN_DATA;
		}
		bool more;
		struct vmc_error *err = feed(z->lower, c, &more);
		if (err)
			return err;
		if (!more)
			return changed(c->fed);
		size_t want = n - done < (1u << 30) ? n - done : (1u << 30);
		c->zs.next_out = dst + done;
		c->zs.avail_out = (uInt)want;
		int ret = inflate(&c->zs, Z_NO_FLUSH);
		size_t produced = want - c->zs.avail_out;
		done += produced;
		c->out += produced;
		if (ret == Z_STREAM_END) {
			seek_input(c, consumed(c) + GZ_TRAILER);
			c->state = AT_HEADER;
		} else if (ret != Z_OK && ret != Z_BUF_ERROR) {
			return inflate_error(ret, c, 0, 0);
		}
	}
	return NULL;
}

/* A cursor for decoding from chunk_start: one standing before it and past
 * the access point before it, else the least recently used free one (or a
 * new one), restarted at that point. NULL when out of memory. */
static struct cursor *take_cursor(struct gz *z, uint64_t chunk_start,
				  bool *fresh)
{
	const struct gz_point *p = point_before(z, chunk_start);
	struct cursor *best = NULL, *lru = NULL;
	int empty = -1;
	pthread_mutex_lock(&z->lock);
	for (int i = 0; i < NCURSORS; i++) {
		struct cursor *c = z->cursors[i];
		if (!c) {
			if (empty < 0)
				empty = i;
			continue;
		}
		if (c->busy)
			continue;
		if (c->out <= chunk_start && c->out >= p->out &&
		    (!best || c->out > best->out))
			best = c;
		if (!lru || c->used < lru->used)
			lru = c;
	}
	*fresh = !best;
	struct cursor *c = best ? best : empty >= 0 ? NULL : lru;
	if (!c) {
		c = cursor_new(z->lower);
		if (c && empty >= 0)
			z->cursors[empty] = c;
	}
	if (c) {
		c->busy = true;
		c->used = ++z->clock;
	}
	pthread_mutex_unlock(&z->lock);
	return c;
}

static void give_cursor(struct gz *z, struct cursor *c)
{
	bool pooled = false;
	pthread_mutex_lock(&z->lock);
	for (int i = 0; i < NCURSORS; i++)
		pooled |= z->cursors[i] == c;
	c->busy = false;
	pthread_mutex_unlock(&z->lock);
	if (!pooled)	/* all were busy: this one was made for one read */
		cursor_free(c);
}

static uint64_t chunk_len(const struct gz *z, uint64_t k)
{
	uint64_t start = k * CHUNK;
	return z->size - start < CHUNK ? z->size - start : CHUNK;
}

/* Decode chunk k into a new buffer, caching the chunks decoded on the way. */
static struct vmc_error *decode_chunk(struct gz *z, uint64_t k, uint8_t **out)
{
	uint64_t start = k * CHUNK, end = start + chunk_len(z, k);
	bool fresh;
	struct cursor *c = take_cursor(z, start, &fresh);
	if (!c)
		return vmc_error_nomem();
	struct vmc_error *err = fresh ? restart(z, c, point_before(z, start))
				      : NULL;
	uint8_t *result = NULL;
	while (!err && c->out < end) {
		uint64_t b = c->out / CHUNK, bstart = b * CHUNK;
		uint64_t blen = chunk_len(z, b);
		if (c->out != bstart) {		/* from a point: skip to a chunk */
			uint64_t n = bstart + blen - c->out;
			err = cursor_read(z, c, c->scratch,
					  n < SCRATCH ? (size_t)n : SCRATCH);
			continue;
		}
		uint8_t *buf = malloc((size_t)blen);
		if (!buf) {
			err = vmc_error_nomem();
			break;
		}
		if ((err = cursor_read(z, c, buf, (size_t)blen))) {
			free(buf);
			break;
		}
		if (b == k)
			result = buf;
		else if (is_zero_chunk(z, b))
			free(buf);
		else
			vmc_cache_put(z->cache, b, buf, (size_t)blen);
	}
	if (!err && !result)
		err = changed(start);
	if (err) {
		/* Its state is unknown: make the next user restart it. */
		c->out = UINT64_MAX;
		free(result);
	}
	give_cursor(z, c);
	if (!err)
		*out = result;
	return err;
}

static void gz_locate(void *layer, uint64_t off, struct vmc_block *b)
{
	const struct gz *z = layer;
	uint64_t k = off / CHUNK;
	*b = (struct vmc_block){ .key = k, .start = k * CHUNK,
				 .len = chunk_len(z, k),
				 .zero = is_zero_chunk(z, k) };
}

static struct vmc_error *gz_decode(void *layer, const struct vmc_block *b,
				   uint8_t **data)
{
	return decode_chunk(layer, b->key, data);
}

static const struct vmc_block_ops gz_blocks = {
	.locate = gz_locate, .decode = gz_decode,
};

static struct vmc_error *gz_pread(struct vmc_input *in, void *buf, size_t len,
				  uint64_t off, size_t *got)
{
	struct gz *z = in->priv;
	return vmc_blocks_pread(&gz_blocks, z, z->cache, z->size, buf, len, off,
				got);
}

static void gz_free(struct gz *z)
{
	if (!z)
		return;
	for (int i = 0; i < NCURSORS; i++)
		cursor_free(z->cursors[i]);
	gz_point_vec_free(&z->points);
	free(z->windows.v);
	free(z->zero.v);
	vmc_cache_free(z->cache);
	pthread_mutex_destroy(&z->lock);
	free(z);
}

static void gz_close(struct vmc_input *in)
{
	gz_free(in->priv);
}

static const struct vmc_input_ops gzip_ops = {
	.name = "gzip", .pread = gz_pread, .close = gz_close,
};

struct vmc_error *vmc_gzip_open(struct vmc_input **in, struct vmc_warnings *ws)
{
	return vmc_gzip_open_span(in, ws, SPAN);
}

struct vmc_error *vmc_gzip_open_span(struct vmc_input **in,
				     struct vmc_warnings *ws, uint32_t span)
{
	struct gz *z = calloc(1, sizeof(*z));
	if (!z)
		return vmc_error_nomem();
	if (pthread_mutex_init(&z->lock, NULL) != 0) {
		free(z);
		return vmc_error_nomem();
	}
	z->lower = *in;
	z->span = span ? span : SPAN;
	struct vmc_error *err = build_index(z, ws);
	if (!err && !(z->cache = vmc_cache_new(VMC_CACHE_BUDGET)))
		err = vmc_error_nomem();
	if (err) {
		gz_free(z);
		return err;
	}
	err = vmc_input_wrap(*in, &gzip_ops, z, z->size, in);
	if (err)
		*in = NULL;
	return err;
}

bool vmc_gzip_stats(struct vmc_input *in, struct vmc_layer_stats *st)
{
	if (in->ops != &gzip_ops)
		return false;
	struct gz *z = in->priv;
	st->entries = z->points.n;
	st->index_bytes = z->points.cap * sizeof(*z->points.v) + z->windows.cap +
			  z->zero.cap * sizeof(*z->zero.v);
	for (uint64_t k = 0; k * CHUNK < z->size; k++)
		if (is_zero_chunk(z, k))
			st->zero_bytes += chunk_len(z, k);
	vmc_cache_stats(z->cache, &st->cache);
	return true;
}

bool vmc_gzip_cache(struct vmc_input *in, struct vmc_block_cache **c)
{
	if (in->ops != &gzip_ops)
		return false;
	*c = ((struct gz *)in->priv)->cache;
	return true;
}
