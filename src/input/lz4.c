/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input lz4 layer: the frames the `lz4` tool writes, read in place.
 *
 * On open, one pass over the frames decodes every block once into a
 * scratch buffer (the frame format does not promise that blocks other than
 * the last are full, so a block's decoded size is known only by decoding
 * it), checks the block and content checksums and the stated content size,
 * and keeps an index of runs: a run is one block, or consecutive blocks
 * that together decode to at least RUN_MIN bytes, so that a file of tiny
 * blocks cannot make the index larger than the decoded data allows. A read
 * decodes the run holding it (blocks are independent: lz4 -BI, the
 * default) into the shared block cache; a run that decoded to zeros only
 * (guest RAM is mostly zero pages) is remembered as such and never
 * decoded again.
 *
 * Linked blocks (lz4 -BD) need every block before them to decode one, so
 * they are refused with the command that rewrites the file. Skippable
 * frames are skipped; frames may follow one another (cat a.lz4 b.lz4).
 * Format facts: lz4 doc/lz4_Frame_format.md (v1.6.x), cited by section.
 */
#include "layers-priv.h"

#include <inttypes.h>
#include <lz4.h>
#include <string.h>

/* §2 General structure: magic numbers, little-endian. */
#define LZ4_FRAME_MAGIC		0x184D2204u
#define LZ4_SKIP_MAGIC		0x184D2A50u	/* low 4 bits are free */
#define LZ4_SKIP_MASK		0xFFFFFFF0u

/* §3 Frame descriptor: FLG and BD bits. */
#define FLG_VERSION_MASK	0xC0u
#define FLG_VERSION_01		0x40u
#define FLG_BLOCK_INDEP		0x20u
#define FLG_BLOCK_CSUM		0x10u
#define FLG_CONTENT_SIZE	0x08u
#define FLG_CONTENT_CSUM	0x04u
#define FLG_RESERVED		0x02u
#define FLG_DICT_ID		0x01u
#define BD_RESERVED		0x8Fu
#define BD_MAX_SHIFT		4		/* bits 6-4: 4..7 */

/* §4 Data blocks: the block size's high bit marks an uncompressed block;
 * a size of 0 is the EndMark (the reference decoder ignores the high bit
 * there, lz4frame.c dstage_getBlockHeader, and so do we). */
#define BLOCK_RAW		0x80000000u
#define BLOCK_SIZE_MASK		0x7FFFFFFFu

/* Consecutive blocks are indexed as one run until they decode to this. */
#define RUN_MIN			(64u << 10)

/* The largest block maximum the format has (BD 7: 4 MiB). */
#define BLOCK_MAX_LARGEST	(4u << 20)

/* ---- xxHash32 (xxhash doc/xxhash_spec.md), for the lz4 checksums ------------- */

#define XXH_P1	0x9E3779B1u
#define XXH_P2	0x85EBCA77u
#define XXH_P3	0xC2B2AE3Du
#define XXH_P4	0x27D4EB2Fu
#define XXH_P5	0x165667B1u

struct xxh32 {
	uint32_t v[4];
	uint64_t total;
	uint8_t mem[16];
	unsigned memsize;
};

static uint32_t rotl32(uint32_t x, unsigned r)
{
	return x << r | x >> (32 - r);
}

static uint32_t xxh_round(uint32_t acc, uint32_t lane)
{
	return rotl32(acc + lane * XXH_P2, 13) * XXH_P1;
}

static void xxh_init(struct xxh32 *s)
{
	*s = (struct xxh32){ .v = { XXH_P1 + XXH_P2, XXH_P2, 0, 0u - XXH_P1 } };
}

static void xxh_stripe(struct xxh32 *s, const uint8_t *p)
{
	for (int i = 0; i < 4; i++)
		s->v[i] = xxh_round(s->v[i], vmc_get32(p + 4 * i, false));
}

static void xxh_update(struct xxh32 *s, const uint8_t *p, size_t n)
{
	s->total += n;
	if (s->memsize + n < 16) {
		memcpy(s->mem + s->memsize, p, n);
		s->memsize += (unsigned)n;
		return;
	}
	if (s->memsize) {
		size_t fill = 16 - s->memsize;
		memcpy(s->mem + s->memsize, p, fill);
		xxh_stripe(s, s->mem);
		p += fill;
		n -= fill;
		s->memsize = 0;
	}
	for (; n >= 16; p += 16, n -= 16)
		xxh_stripe(s, p);
	memcpy(s->mem, p, n);
	s->memsize = (unsigned)n;
}

static uint32_t xxh_digest(const struct xxh32 *s)
{
	uint32_t acc = s->total >= 16 ?
		rotl32(s->v[0], 1) + rotl32(s->v[1], 7) + rotl32(s->v[2], 12) +
		rotl32(s->v[3], 18) : s->v[2] + XXH_P5;
	acc += (uint32_t)s->total;
	const uint8_t *p = s->mem;
	unsigned n = s->memsize;
	for (; n >= 4; p += 4, n -= 4)
		acc = rotl32(acc + vmc_get32(p, false) * XXH_P3, 17) * XXH_P4;
	for (; n; p++, n--)
		acc = rotl32(acc + *p * XXH_P5, 11) * XXH_P1;
	acc ^= acc >> 15;
	acc *= XXH_P2;
	acc ^= acc >> 13;
	acc *= XXH_P3;
	acc ^= acc >> 16;
	return acc;
}

static uint32_t xxh32(const uint8_t *p, size_t n)
{
	struct xxh32 s;
	xxh_init(&s);
	xxh_update(&s, p, n);
	return xxh_digest(&s);
}

/* ---- walking frames and blocks ---------------------------------------------- */

/* A run: blocks from the one whose header is at hdr_off, in a frame with
 * descriptor flags flg and bd, decoding from dstart on. */
struct lz4_run {
	uint64_t hdr_off;
	uint64_t dstart;
	uint8_t flg, bd;
	bool zero;		/* decodes to zeros only: read without decoding */
};

VMC_VEC(lz4_run_vec, struct lz4_run)

struct lz4 {
	struct vmc_input *lower;	/* the compressed stream */
	uint64_t size;			/* decoded bytes */
	struct lz4_run_vec runs;
	struct vmc_block_cache *cache;
};

/* Where a walk over the frames stands. */
struct walk {
	uint64_t off;		/* the next header to parse */
	bool in_frame;
	uint8_t flg, bd;
	uint32_t block_max;
	uint64_t frame_off;	/* the current frame's magic */
	unsigned long frame_no;	/* frames seen, from 1 */
	bool has_csize;
	uint64_t content_size;
};

enum item_kind {
	ITEM_BLOCK,		/* a data block: hdr_off, data_off, csize, raw */
	ITEM_FRAME_END,		/* an EndMark (and content checksum) parsed */
	ITEM_SKIPPED,		/* a skippable frame was skipped */
	ITEM_END,		/* the end of the stream, between frames */
	ITEM_TRUNCATED,		/* the stream stops inside a frame: why */
	ITEM_TRAILING,		/* bytes after the last frame that are none */
};

struct item {
	enum item_kind kind;
	uint64_t hdr_off, data_off;
	uint32_t csize;
	bool raw;
	bool has_csum;
	uint32_t csum;		/* a block's or the frame's checksum */
	const char *why;	/* ITEM_TRUNCATED */
};

static struct vmc_error *read_at(struct vmc_input *lower, void *buf, size_t n,
				 uint64_t off, bool *short_read)
{
	size_t got = 0;
	*short_read = false;
	if (off > lower->size || n > lower->size - off) {
		*short_read = true;
		return NULL;
	}
	struct vmc_error *err = vmc_input_pread(lower, buf, n, off, &got);
	if (!err && got < n)
		*short_read = true;
	return err;
}

/* The command that rewrites path with independent blocks (tested by
 * tests/cli/t-inputs.sh). */
static struct vmc_error *linked_blocks(const struct walk *w, const char *path)
{
	size_t n = strlen(path);
	int base = n > 4 && strcmp(path + n - 4, ".lz4") == 0 ? (int)(n - 4)
							      : (int)n;
	return vmc_error_new(VMC_ERR_UNSUPPORTED, "lz4 frame %lu (offset 0x%"
			     PRIx64 ") has linked blocks (lz4 -BD), which cannot "
			     "be read at random; recompress it with independent "
			     "blocks: lz4 -dc %s | lz4 -BI -B4 - %.*s.B4.lz4",
			     w->frame_no, w->frame_off, path, base, path);
}

/* §3 Frame descriptor at w->off + 4 (after the magic). */
static struct vmc_error *parse_descriptor(struct vmc_input *lower,
					 struct walk *w, struct item *it)
{
	uint8_t d[15];
	bool short_read;
	w->frame_no++;
	w->frame_off = w->off;
	struct vmc_error *err = read_at(lower, d, 2, w->off + 4, &short_read);
	if (err || short_read) {
		it->kind = ITEM_TRUNCATED;
		it->why = "inside the descriptor";
		return err;
	}
	uint8_t flg = d[0], bd = d[1];
	size_t len = 2 + (flg & FLG_CONTENT_SIZE ? 8 : 0) +
		     (flg & FLG_DICT_ID ? 4 : 0);
	if ((flg & FLG_VERSION_MASK) != FLG_VERSION_01)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "lz4 frame %lu (offset "
				     "0x%" PRIx64 "): version %u, not 1",
				     w->frame_no, w->off, flg >> 6);
	if (flg & FLG_RESERVED || bd & BD_RESERVED)
		return vmc_error_new(VMC_ERR_FORMAT, "lz4 frame %lu (offset 0x%"
				     PRIx64 "): reserved bits set in its "
				     "descriptor (FLG 0x%02x, BD 0x%02x)",
				     w->frame_no, w->off, flg, bd);
	unsigned code = bd >> BD_MAX_SHIFT;
	if (code < 4)
		return vmc_error_new(VMC_ERR_FORMAT, "lz4 frame %lu (offset 0x%"
				     PRIx64 "): block maximum size code %u is "
				     "not one of 4-7", w->frame_no, w->off, code);
	err = read_at(lower, d, len + 1, w->off + 4, &short_read);
	if (err || short_read) {
		it->kind = ITEM_TRUNCATED;
		it->why = "inside the descriptor";
		return err;
	}
	/* §3 Header Checksum: the second byte of xxh32 of the descriptor. */
	uint8_t hc = (uint8_t)(xxh32(d, len) >> 8);
	if (hc != d[len])
		return vmc_error_new(VMC_ERR_FORMAT, "lz4 frame %lu (offset 0x%"
				     PRIx64 "): descriptor checksum 0x%02x, "
				     "expected 0x%02x", w->frame_no, w->off,
				     d[len], hc);
	if (flg & FLG_DICT_ID)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "lz4 frame %lu (offset "
				     "0x%" PRIx64 ") needs a dictionary (ID 0x%08"
				     PRIx32 ")", w->frame_no, w->off,
				     vmc_get32(d + len - 4, false));
	if (!(flg & FLG_BLOCK_INDEP))
		return linked_blocks(w, lower->path);
	w->flg = flg;
	w->bd = bd;
	w->block_max = 1u << (8 + 2 * code);	/* §3 BD: 64 KB << 2*(code-4) */
	w->has_csize = flg & FLG_CONTENT_SIZE;
	w->content_size = w->has_csize ? vmc_get64(d + 2, false) : 0;
	w->in_frame = true;
	w->off += 4 + len + 1;
	return NULL;
}

/* Between frames: a frame, a skippable frame, the end, or trailing data. */
static struct vmc_error *next_frame(struct vmc_input *lower, struct walk *w,
				    struct item *it)
{
	uint8_t m[8];
	bool short_read;
	if (w->off >= lower->size) {
		it->kind = ITEM_END;
		return NULL;
	}
	struct vmc_error *err = read_at(lower, m, 4, w->off, &short_read);
	if (err)
		return err;
	uint32_t magic = short_read ? 0 : vmc_get32(m, false);
	if (magic == LZ4_FRAME_MAGIC)
		return parse_descriptor(lower, w, it);
	if ((magic & LZ4_SKIP_MASK) == LZ4_SKIP_MAGIC) {
		/* §5 Skippable frames: magic, 4-byte size, data. */
		err = read_at(lower, m, 8, w->off, &short_read);
		if (err)
			return err;
		uint64_t n = short_read ? 0 : vmc_get32(m + 4, false);
		if (short_read || n > lower->size - w->off - 8) {
			it->kind = ITEM_TRUNCATED;
			it->why = "inside a skippable frame after the end";
			return NULL;
		}
		w->off += 8 + n;
		it->kind = ITEM_SKIPPED;
		return NULL;
	}
	if (w->frame_no == 0)
		return vmc_error_new(VMC_ERR_FORMAT, "not an lz4 frame (magic 0x%08"
				     PRIx32 ")", magic);
	it->kind = ITEM_TRAILING;
	return NULL;
}

/* The next item of the walk: a block, a frame's end, or the stream's. */
static struct vmc_error *walk_next(struct vmc_input *lower, struct walk *w,
				   struct item *it)
{
	*it = (struct item){ .kind = ITEM_BLOCK };
	while (!w->in_frame) {
		struct vmc_error *err = next_frame(lower, w, it);
		if (err || it->kind != ITEM_BLOCK)
			return err;
	}
	uint8_t h[4];
	bool short_read;
	struct vmc_error *err = read_at(lower, h, 4, w->off, &short_read);
	if (err || short_read) {
		it->kind = ITEM_TRUNCATED;
		it->why = "before the EndMark";
		return err;
	}
	uint32_t v = vmc_get32(h, false);
	uint32_t csize = v & BLOCK_SIZE_MASK;
	bool csum = csize ? w->flg & FLG_BLOCK_CSUM : w->flg & FLG_CONTENT_CSUM;
	if (csize > w->block_max)
		return vmc_error_new(VMC_ERR_FORMAT, "lz4 block at offset 0x%"
				     PRIx64 " states 0x%" PRIx32 " bytes, more "
				     "than its frame's block maximum 0x%" PRIx32
				     " (a lying size)", w->off, csize,
				     w->block_max);
	uint64_t need = 4 + (uint64_t)csize + (csum ? 4 : 0);
	if (need > lower->size - w->off) {
		it->kind = ITEM_TRUNCATED;
		it->why = csize ? "inside a block" : "inside the content checksum";
		return NULL;
	}
	it->hdr_off = w->off;
	it->data_off = w->off + 4;
	it->csize = csize;
	it->raw = v & BLOCK_RAW;
	it->has_csum = csum;
	if (csum) {
		uint8_t c[4];
		err = read_at(lower, c, 4, w->off + 4 + csize, &short_read);
		if (err)
			return err;
		it->csum = vmc_get32(c, false);
	}
	w->off += need;
	if (!csize) {
		w->in_frame = false;
		it->kind = ITEM_FRAME_END;
	}
	return NULL;
}

/* The block's bytes in the lower stream: in place when it is mapped, else
 * read into buf (which has room for a block maximum). */
static struct vmc_error *block_bytes(struct vmc_input *lower,
				     const struct item *it, uint8_t *buf,
				     const uint8_t **src)
{
	*src = vmc_input_map(lower, it->data_off, it->csize);
	if (*src)
		return NULL;
	*src = buf;
	return vmc_input_read(lower, buf, it->csize, it->data_off, "an lz4 block");
}

/* Decode one block into dst (room: cap bytes); *n is its decoded size. */
static struct vmc_error *decode_block(const struct item *it, const uint8_t *src,
				      uint8_t *dst, uint32_t cap, uint32_t *n)
{
	if (it->raw) {
		if (it->csize > cap)
			return vmc_error_new(VMC_ERR_FORMAT, "lz4 block at offset "
					     "0x%" PRIx64 " holds 0x%" PRIx32
					     " bytes, more than expected (0x%"
					     PRIx32 "): the file changed?",
					     it->hdr_off, it->csize, cap);
		memcpy(dst, src, it->csize);
		*n = it->csize;
		return NULL;
	}
	int r = LZ4_decompress_safe((const char *)src, (char *)dst,
				    (int)it->csize, (int)cap);
	if (r < 0)
		return vmc_error_new(VMC_ERR_FORMAT, "lz4 block at offset 0x%"
				     PRIx64 " (0x%" PRIx32 " bytes) does not "
				     "decode: corrupt, or a lying size",
				     it->hdr_off, it->csize);
	if (r == 0)
		return vmc_error_new(VMC_ERR_FORMAT, "lz4 block at offset 0x%"
				     PRIx64 " decodes to no bytes", it->hdr_off);
	*n = (uint32_t)r;
	return NULL;
}

/* ---- the index -------------------------------------------------------------- */

struct frame_check {
	struct xxh32 xxh;
	uint64_t decoded;	/* bytes this frame decoded to so far */
};

static struct vmc_error *end_frame(const struct walk *w, const struct item *it,
				   struct frame_check *fc)
{
	if (w->has_csize && fc->decoded != w->content_size)
		return vmc_error_new(VMC_ERR_FORMAT, "lz4 frame %lu (offset 0x%"
				     PRIx64 ") states 0x%" PRIx64 " bytes of "
				     "content, but its blocks decode to 0x%"
				     PRIx64, w->frame_no, w->frame_off,
				     w->content_size, fc->decoded);
	if (it->has_csum && xxh_digest(&fc->xxh) != it->csum)
		return vmc_error_new(VMC_ERR_FORMAT, "lz4 frame %lu (offset 0x%"
				     PRIx64 "): content checksum 0x%08" PRIx32
				     ", but the content hashes to 0x%08" PRIx32,
				     w->frame_no, w->frame_off, it->csum,
				     xxh_digest(&fc->xxh));
	xxh_init(&fc->xxh);
	fc->decoded = 0;
	return NULL;
}

static struct vmc_error *index_block(struct lz4 *z, const struct walk *w,
				     const struct item *it, uint8_t *scratch,
				     uint8_t *inbuf, struct frame_check *fc)
{
	const uint8_t *src;
	struct vmc_error *err = block_bytes(z->lower, it, inbuf, &src);
	if (err)
		return err;
	if (it->has_csum && xxh32(src, it->csize) != it->csum)
		return vmc_error_new(VMC_ERR_FORMAT, "lz4 block at offset 0x%"
				     PRIx64 ": checksum 0x%08" PRIx32 ", but "
				     "its data hashes to 0x%08" PRIx32,
				     it->hdr_off, it->csum, xxh32(src, it->csize));
	uint32_t n;
	if ((err = decode_block(it, src, scratch, w->block_max, &n)))
		return err;
	if (w->flg & FLG_CONTENT_CSUM)
		xxh_update(&fc->xxh, it->raw ? src : scratch, n);
	fc->decoded += n;
	struct lz4_run *r = z->runs.n ? &z->runs.v[z->runs.n - 1] : NULL;
	if (!r || z->size - r->dstart >= RUN_MIN) {
		if (!(r = lz4_run_vec_push(&z->runs)))
			return vmc_error_nomem();
		*r = (struct lz4_run){ it->hdr_off, z->size, w->flg, w->bd, true };
	}
	/* Guest RAM is mostly zero pages: such runs are never decoded again. */
	r->zero = r->zero && vmc_all_zero(it->raw ? src : scratch, n);
	z->size += n;
	return NULL;
}

static struct vmc_error *build_index(struct lz4 *z, struct vmc_warnings *ws)
{
	struct vmc_input *lower = z->lower;
	uint8_t *scratch = malloc(BLOCK_MAX_LARGEST);
	uint8_t *inbuf = lower->map ? NULL : malloc(BLOCK_MAX_LARGEST);
	if (!scratch || (!lower->map && !inbuf)) {
		free(scratch);
		free(inbuf);
		return vmc_error_nomem();
	}
	struct walk w = {0};
	struct frame_check fc = {0};
	struct item it;
	xxh_init(&fc.xxh);
	struct vmc_error *err = NULL;
	do {
		if ((err = walk_next(lower, &w, &it)))
			break;
		if (it.kind == ITEM_BLOCK)
			err = index_block(z, &w, &it, scratch, inbuf, &fc);
		else if (it.kind == ITEM_FRAME_END)
			err = end_frame(&w, &it, &fc);
	} while (!err && (it.kind == ITEM_BLOCK || it.kind == ITEM_FRAME_END ||
			  it.kind == ITEM_SKIPPED));
	free(scratch);
	free(inbuf);
	if (err)
		return err;
	if (it.kind == ITEM_TRUNCATED)
		vmc_warn(ws, "the lz4 stream is truncated at offset 0x%" PRIx64
			 " (%s of frame %lu, which began at 0x%" PRIx64 "); "
			 "reading the 0x%" PRIx64 " bytes decoded before it",
			 w.off, it.why, w.frame_no, w.frame_off, z->size);
	else if (it.kind == ITEM_TRAILING)
		vmc_warn(ws, "0x%" PRIx64 " bytes after the last lz4 frame (at "
			 "offset 0x%" PRIx64 ") are not an lz4 frame: ignored",
			 lower->size - w.off, w.off);
	return NULL;
}

/* ---- reading ---------------------------------------------------------------- */

static uint64_t run_end(const struct lz4 *z, size_t i)
{
	return i + 1 < z->runs.n ? z->runs.v[i + 1].dstart : z->size;
}

/* The run holding decoded offset off (< size). */
static size_t run_of(const struct lz4 *z, uint64_t off)
{
	size_t lo = 0, hi = z->runs.n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->runs.v[mid].dstart <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Decode run i into a new buffer of its length. */
static struct vmc_error *decode_run(struct lz4 *z, size_t i, uint8_t **out)
{
	const struct lz4_run *r = &z->runs.v[i];
	uint64_t len = run_end(z, i) - r->dstart;	/* < RUN_MIN + 4 MiB */
	struct vmc_input *lower = z->lower;
	uint8_t *buf = malloc((size_t)len);
	uint8_t *inbuf = lower->map ? NULL : malloc(BLOCK_MAX_LARGEST);
	if (!buf || (!lower->map && !inbuf)) {
		free(buf);
		free(inbuf);
		return vmc_error_nomem();
	}
	struct walk w = {
		.off = r->hdr_off, .in_frame = true, .flg = r->flg, .bd = r->bd,
		.block_max = 1u << (8 + 2 * (r->bd >> BD_MAX_SHIFT)),
		.frame_no = 1,	/* past the first: trailing data is not an error */
	};
	struct vmc_error *err = NULL;
	uint64_t pos = 0;
	while (pos < len && !err) {
		struct item it;
		if ((err = walk_next(lower, &w, &it)))
			break;
		if (it.kind == ITEM_FRAME_END || it.kind == ITEM_SKIPPED)
			continue;
		if (it.kind != ITEM_BLOCK) {
			err = vmc_error_new(VMC_ERR_IO, "lz4 run at offset 0x%"
					    PRIx64 " ends early: the file "
					    "changed since it was opened",
					    r->hdr_off);
			break;
		}
		const uint8_t *src;
		uint32_t n;
		uint64_t room = len - pos;
		if (!(err = block_bytes(lower, &it, inbuf, &src)) &&
		    !(err = decode_block(&it, src, buf + pos,
					 room < w.block_max ? (uint32_t)room
							    : w.block_max, &n)))
			pos += n;
	}
	free(inbuf);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	return NULL;
}

static void lz4_locate(void *layer, uint64_t off, struct vmc_block *b)
{
	const struct lz4 *z = layer;
	size_t i = run_of(z, off);
	*b = (struct vmc_block){ .key = i, .start = z->runs.v[i].dstart,
				 .len = run_end(z, i) - z->runs.v[i].dstart,
				 .zero = z->runs.v[i].zero };
}

static struct vmc_error *lz4_decode(void *layer, const struct vmc_block *b,
				    uint8_t **data)
{
	return decode_run(layer, (size_t)b->key, data);
}

static const struct vmc_block_ops lz4_blocks = {
	.locate = lz4_locate, .decode = lz4_decode,
};

static struct vmc_error *lz4_pread(struct vmc_input *in, void *buf, size_t len,
				   uint64_t off, size_t *got)
{
	struct lz4 *z = in->priv;
	return vmc_blocks_pread(&lz4_blocks, z, z->cache, z->size, buf, len, off,
				got);
}

static void lz4_free(struct lz4 *z)
{
	if (!z)
		return;
	lz4_run_vec_free(&z->runs);
	vmc_cache_free(z->cache);
	free(z);
}

static void lz4_close(struct vmc_input *in)
{
	lz4_free(in->priv);
}

static const struct vmc_input_ops lz4_ops = {
	.name = "lz4", .pread = lz4_pread, .close = lz4_close,
};

struct vmc_error *vmc_lz4_open(struct vmc_input **in, struct vmc_warnings *ws)
{
	struct lz4 *z = calloc(1, sizeof(*z));
	if (!z)
		return vmc_error_nomem();
	z->lower = *in;
	struct vmc_error *err = build_index(z, ws);
	if (!err && !(z->cache = vmc_cache_new(VMC_CACHE_BUDGET)))
		err = vmc_error_nomem();
	if (err) {
		lz4_free(z);
		return err;
	}
	err = vmc_input_wrap(*in, &lz4_ops, z, z->size, in);
	if (err)
		*in = NULL;
	return err;
}

bool vmc_lz4_stats(struct vmc_input *in, struct vmc_layer_stats *st)
{
	if (in->ops != &lz4_ops)
		return false;
	struct lz4 *z = in->priv;
	st->entries = z->runs.n;
	st->index_bytes = z->runs.cap * sizeof(*z->runs.v);
	for (size_t i = 0; i < z->runs.n; i++)
		if (z->runs.v[i].zero)
			st->zero_bytes += run_end(z, i) - z->runs.v[i].dstart;
	vmc_cache_stats(z->cache, &st->cache);
	return true;
}

bool vmc_lz4_cache(struct vmc_input *in, struct vmc_block_cache **c)
{
	if (in->ops != &lz4_ops)
		return false;
	*c = ((struct lz4 *)in->priv)->cache;
	return true;
}
