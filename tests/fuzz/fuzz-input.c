/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * (i) The compressed input layers (src/input/lz4.c, gzip.c), two ways,
 * chosen by the first byte:
 *
 *   0, raw: the rest (its first 16 KiB) is a stream as a file would hold
 *      it, opened from memory and peeled as the CLI does. Whatever opens must read
 *      consistently: a range read whole equals its two halves read
 *      apart with the cache emptied between (so one comes from a restart
 *      and the other maybe from a cursor going on), and reads are short
 *      only at the end.
 *   1, structured: 6 control bytes, then a payload that this harness
 *      compresses itself (liblz4's frame API, zlib's deflate) in the ways
 *      the control asks: block sizes and checksums, several frames or
 *      members, a skippable frame, levels and small deflate blocks, a
 *      small gzip access-point span; and maybe cut short. What opens must
 *      decode to the payload, or to a prefix of it when cut; an uncut
 *      stream must open without a warning.
 */
#include "common.h"

#include <lz4frame.h>
#include <string.h>
#include <zlib.h>

#include "../../src/input/layers-priv.h"

/* Decoded bytes a raw input may be read for, in all. */
#define RAW_READ_BUDGET	(4u << 20)
/* Raw streams are cut to this: gzip decodes up to 1032 times its size on
 * open, and bombs the fuzzer grows would slow every run to a crawl. */
#define RAW_MAX		(16u << 10)
/* Structured payloads are repeated up to this size (gzip points). */
#define MAX_PAYLOAD	(1u << 20)

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned long warnings;
static void count(void *arg, const char *msg)
{
	(void)arg;
	FUZZ_CHECK(strlen(msg) < 1024);
	warnings++;
}

/* pread's contract: no error but decoding ones, short only at the end. */
static bool read_range(struct vmc_input *in, uint8_t *buf, size_t len,
		       uint64_t off)
{
	size_t got = SIZE_MAX;
	struct vmc_error *err = vmc_input_pread(in, buf, len, off, &got);
	if (err) {
		fuzz_error_free(err);
		return false;
	}
	uint64_t want = off >= in->size ? 0 : in->size - off < len ?
		in->size - off : len;
	FUZZ_CHECK(got == want);
	return true;
}

static void raw(const uint8_t *data, size_t size)
{
	if (size > RAW_MAX)
		size = RAW_MAX;
	struct vmc_warnings ws = { .emit = count, .limit = 64 };
	struct vmc_input *in = NULL;
	struct vmc_error *err = vmc_input_open_memory(data, size, "fuzz", &in);
	FUZZ_CHECK(err == NULL);
	err = vmc_input_peel(&in, &ws);
	if (err) {
		fuzz_error_free(err);
		vmc_input_close(in);
		return;
	}
	struct vmc_layer_stats st;
	if (!vmc_layer_stats(in, &st) || in->size == 0) {
		vmc_input_close(in);
		return;
	}
	uint8_t *a = malloc(1u << 16), *b = malloc(1u << 16);
	FUZZ_CHECK(a && b);
	uint64_t seed = size, spent = 0;
	for (int i = 0; i < 16 && spent < RAW_READ_BUDGET; i++) {
		uint64_t off = rng_next(&seed) % in->size;
		size_t len = 1 + rng_next(&seed) % (1u << 16);
		size_t mid = rng_next(&seed) % len;
		spent += len;
		if (!read_range(in, a, len, off))
			continue;
		vmc_layer_cache_budget(in, 0);
		bool ok = read_range(in, b + mid, len - mid, off + mid) &&
			  read_range(in, b, mid, off);
		vmc_layer_cache_budget(in, VMC_CACHE_BUDGET);
		/* A range that decoded once decodes again, the same. */
		FUZZ_CHECK(ok);
		uint64_t n = in->size - off < len ? in->size - off : len;
		FUZZ_CHECK(memcmp(a, b, (size_t)n) == 0);
	}
	free(a);
	free(b);
	vmc_input_close(in);
}

/* ---- structured ----------------------------------------------------------------- */

struct out {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (o->n + n > o->cap) {
		o->cap = (o->n + n) * 2;
		o->p = realloc(o->p, o->cap);
		FUZZ_CHECK(o->p != NULL);
	}
	memcpy(o->p + o->n, p, n);
	o->n += n;
}

static void lz4_frames(struct out *o, const uint8_t *c, const uint8_t *p,
		       size_t n)
{
	if (c[1] & 64) {	/* a skippable frame first */
		static const uint8_t skip[] = { 0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0,
						'a', 'b', 'c' };
		put(o, skip, sizeof(skip));
	}
	size_t split = c[1] & 32 ? n / 3 : n;
	for (int f = 0; f < 2; f++) {
		const uint8_t *src = f ? p + split : p;
		size_t len = f ? n - split : split;
		if (f && !len)
			break;
		LZ4F_preferences_t prefs;
		memset(&prefs, 0, sizeof(prefs));
		prefs.frameInfo.blockSizeID = (LZ4F_blockSizeID_t)(LZ4F_max64KB +
								   (c[1] & 3));
		prefs.frameInfo.blockMode = LZ4F_blockIndependent;
		prefs.frameInfo.contentChecksumFlag = c[1] & 4 ?
			LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
		prefs.frameInfo.blockChecksumFlag = c[1] & 8 ?
			LZ4F_blockChecksumEnabled : LZ4F_noBlockChecksum;
		prefs.frameInfo.contentSize = c[1] & 16 ? len : 0;
		prefs.compressionLevel = (c[2] & 3) * 3;
		size_t bound = LZ4F_compressFrameBound(len, &prefs);
		uint8_t *buf = malloc(bound);
		FUZZ_CHECK(buf != NULL);
		size_t r = LZ4F_compressFrame(buf, bound, src, len, &prefs);
		FUZZ_CHECK(!LZ4F_isError(r));
		put(o, buf, r);
		free(buf);
	}
}

static void gzip_members(struct out *o, const uint8_t *c, const uint8_t *p,
			 size_t n)
{
	unsigned members = 1 + (c[1] >> 4) % 4;
	int level = c[1] % 10;
	int memlevel = 1 + (c[2] >> 3) % 9;	/* 1: tiny deflate blocks */
	size_t done = 0;
	for (unsigned m = 0; m < members; m++) {
		size_t len = m + 1 == members ? n - done : (n - done) / 2;
		z_stream zs;
		memset(&zs, 0, sizeof(zs));
		FUZZ_CHECK(deflateInit2(&zs, level, Z_DEFLATED, 31, memlevel,
					Z_DEFAULT_STRATEGY) == Z_OK);
		uLong bound = deflateBound(&zs, len) + 64;
		uint8_t *buf = malloc(bound);
		FUZZ_CHECK(buf != NULL);
		zs.next_in = (Bytef *)p + done;
		zs.avail_in = (uInt)len;
		zs.next_out = buf;
		zs.avail_out = (uInt)bound;
		FUZZ_CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
		put(o, buf, zs.total_out);
		deflateEnd(&zs);
		free(buf);
		done += len;
	}
}

static void structured(const uint8_t *data, size_t size)
{
	if (size < 6)
		return;
	const uint8_t *c = data;
	data += 6;
	size -= 6;
	/* The payload: the rest, repeated (each copy changed a little) up
	 * to c[4] times, so that gzip access points come into play. */
	size_t reps = 1 + c[4] % 8;
	if (size && reps * size > MAX_PAYLOAD)
		reps = MAX_PAYLOAD / size ? MAX_PAYLOAD / size : 1;
	size_t n = size * reps;
	uint8_t *payload = malloc(n ? n : 1);
	FUZZ_CHECK(payload != NULL);
	for (size_t r = 0; r < reps; r++)
		for (size_t i = 0; i < size; i++)
			payload[r * size + i] = data[i] ^ (uint8_t)(r * (i % 3 == 0));
	struct out o = {0};
	bool gz = c[0] & 1;
	if (gz)
		gzip_members(&o, c, payload, n);
	else
		lz4_frames(&o, c, payload, n);
	size_t cut = c[3] ? o.n * c[3] / 256 : o.n;

	struct vmc_warnings ws = { .emit = count, .limit = 64 };
	warnings = 0;
	struct vmc_input *in = NULL;
	FUZZ_CHECK(vmc_input_open_memory(o.p, cut, "fuzz", &in) == NULL);
	uint32_t span = 4096u << (c[2] % 8);
	struct vmc_error *err = gz ? vmc_gzip_open_span(&in, &ws, span)
				   : vmc_lz4_open(&in, &ws);
	if (err) {
		/* Only a stream cut inside its first header fails to open. */
		FUZZ_CHECK(cut < o.n);
		fuzz_error_free(err);
		vmc_input_close(in);
		free(o.p);
		free(payload);
		return;
	}
	FUZZ_CHECK(in->size <= n);
	if (cut == o.n)
		FUZZ_CHECK(in->size == n && warnings == 0);
	if (c[5] & 1)
		vmc_layer_cache_budget(in, 0);
	/* Random ranges, then all of it. */
	uint8_t *buf = malloc(n ? n : 1);
	FUZZ_CHECK(buf != NULL);
	uint64_t seed = c[5];
	for (int i = 0; i < 24 && in->size; i++) {
		uint64_t off = rng_next(&seed) % in->size;
		size_t len = 1 + rng_next(&seed) % (in->size - off);
		FUZZ_CHECK(read_range(in, buf, len, off));
		FUZZ_CHECK(memcmp(buf, payload + off, len) == 0);
	}
	FUZZ_CHECK(read_range(in, buf, (size_t)in->size, 0));
	FUZZ_CHECK(memcmp(buf, payload, (size_t)in->size) == 0);
	free(buf);
	vmc_input_close(in);
	free(o.p);
	free(payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] == 1)
		structured(data + 1, size - 1);
	else
		raw(data + 1, size - 1);
	return 0;
}
