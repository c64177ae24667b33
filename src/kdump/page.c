/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump pages: a pfn's descriptor by rank, its data decoded (raw, zlib,
 * LZO, snappy, zstd; KDUMP-AND-SYMBOLS.md §C.4), and the physical-memory
 * reader over them with a small cache of decoded pages, for page-table
 * walks that read the same tables again and again.
 */
#include "kdump-priv.h"

#include <inttypes.h>
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <stdio.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

/* ---- rank and select ------------------------------------------------------------ */

uint64_t kd_rank(const struct vmc_kdump *kd, uint64_t pfn)
{
	uint64_t r = kd->rank[pfn / KD_SECT_PFNS];
	uint64_t w = pfn >> 6;
	for (uint64_t i = pfn / KD_SECT_PFNS * (KD_SECT_PFNS / 64); i < w; i++)
		r += (uint64_t)__builtin_popcountll(kd->bm2[i]);
	if (pfn & 63)
		r += (uint64_t)__builtin_popcountll(kd->bm2[w] &
						    ((1ull << (pfn & 63)) - 1));
	return r;
}

uint64_t kd_select(const struct vmc_kdump *kd, uint64_t k)
{
	uint64_t nsect = (kd->nr_pfns + KD_SECT_PFNS - 1) / KD_SECT_PFNS;
	/* The last section whose count of pages before it is <= k. */
	uint64_t lo = 0, hi = nsect;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (kd->rank[mid] <= k)
			lo = mid;
		else
			hi = mid;
	}
	uint64_t left = k - kd->rank[lo];
	uint64_t nwords = (kd->nr_pfns + 63) / 64;
	for (uint64_t w = lo * (KD_SECT_PFNS / 64); w < nwords; w++) {
		uint64_t x = kd->bm2[w];
		uint64_t c = (uint64_t)__builtin_popcountll(x);
		if (left >= c) {
			left -= c;
			continue;
		}
		while (left--)
			x &= x - 1;		/* drop the lowest set bits */
		return w * 64 + (uint64_t)__builtin_ctzll(x);
	}
	return kd->nr_pfns;
}

/* ---- descriptors -------------------------------------------------------------------- */

static void parse_desc(const uint8_t *p, struct kd_desc *d)
{
	d->offset = vmc_get64(p, false);
	d->size = vmc_get32(p + 8, false);
	d->flags = vmc_get32(p + 12, false);
}

struct vmc_error *kd_read_descs(struct vmc_kdump *kd, uint64_t idx, size_t n,
				struct kd_desc *d)
{
	uint64_t off = kd->desc_off + idx * KD_DESC_SIZE;
	uint64_t len = (uint64_t)n * KD_DESC_SIZE;
	if (idx > kd->ndumped || !vmc_range_ok(off, len, kd->size))
		return vmc_error_new(VMC_ERR_FORMAT, "page descriptors %" PRIu64
				     " to %" PRIu64 " (offset 0x%" PRIx64 ") lie "
				     "past the end of the file (0x%" PRIx64 " bytes)",
				     idx, idx + n - 1, off, kd->size);
	const uint8_t *p = vmc_input_map(kd->in, off, len);
	if (p) {
		for (size_t i = 0; i < n; i++)
			parse_desc(p + i * KD_DESC_SIZE, &d[i]);
		return NULL;
	}
	uint8_t buf[KD_DESC_SIZE * 64];
	for (size_t i = 0; i < n;) {
		size_t k = n - i < 64 ? n - i : 64;
		struct vmc_error *err = vmc_input_read(kd->in, buf, k * KD_DESC_SIZE,
						       off + i * KD_DESC_SIZE,
						       "page descriptors");
		if (err)
			return err;
		for (size_t j = 0; j < k; j++)
			parse_desc(buf + j * KD_DESC_SIZE, &d[i + j]);
		i += k;
	}
	return NULL;
}

bool kd_desc_present(const struct vmc_kdump *kd, const struct kd_desc *d)
{
	/* makedumpfile leaves an ENOSPC-lost page's descriptor zero. */
	return d->offset != 0 && d->size != 0 &&
	       vmc_range_ok(d->offset, d->size, kd->size);
}

bool kd_desc_is_zero(const struct vmc_kdump *kd, const struct kd_desc *d)
{
	return kd->have_zero && d->offset == kd->data_start && d->flags == 0 &&
	       d->size == kd->block_size;
}

/* ---- decoding ---------------------------------------------------------------------- */

struct vmc_error *kd_decoder_init(struct vmc_kdump *kd, struct kd_decoder *dec)
{
	*dec = (struct kd_decoder){0};
	dec->cbuf = malloc(kd->block_size);
	if (!dec->cbuf)
		return vmc_error_nomem();
	if (inflateInit(&dec->zs) != Z_OK)
		return vmc_error_nomem();
	dec->zs_ready = true;
	dec->zstd = ZSTD_createDCtx();
	if (!dec->zstd)
		return vmc_error_nomem();
	if (lzo_init() != LZO_E_OK)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "liblzo2 failed to "
				     "initialise");
	return NULL;
}

void kd_decoder_fini(struct kd_decoder *dec)
{
	if (dec->zs_ready)
		inflateEnd(&dec->zs);
	ZSTD_freeDCtx(dec->zstd);
	free(dec->cbuf);
	*dec = (struct kd_decoder){0};
}

static struct vmc_error *bad_page(const struct vmc_kdump *kd, uint64_t pfn,
				  const char *codec, const char *fmt, ...)
	VMC_PRINTF(4, 5);

static struct vmc_error *bad_page(const struct vmc_kdump *kd, uint64_t pfn,
				  const char *codec, const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return vmc_error_new(VMC_ERR_FORMAT, "pfn 0x%" PRIx64 " (physical 0x%"
			     PRIx64 "): %s%s%s", pfn, pfn << kd->block_shift,
			     codec ? codec : "", codec ? " data " : "", why);
}

static struct vmc_error *inflate_page(struct vmc_kdump *kd,
				      struct kd_decoder *dec, uint64_t pfn,
				      const uint8_t *src, uint32_t n,
				      uint8_t *out)
{
	z_stream *zs = &dec->zs;
	inflateReset(zs);
	zs->next_in = (Bytef *)src;
	zs->avail_in = n;
	zs->next_out = out;
	zs->avail_out = kd->block_size;
	int rc = inflate(zs, Z_FINISH);
	if (rc == Z_STREAM_END && zs->total_out == kd->block_size)
		return NULL;
	if (rc == Z_STREAM_END)
		return bad_page(kd, pfn, "zlib", "decompresses to 0x%lx bytes, "
				"not a page (0x%" PRIx32 ")", zs->total_out,
				kd->block_size);
	if (zs->avail_out == 0)
		return bad_page(kd, pfn, "zlib", "decompresses to more than a "
				"page (0x%" PRIx32 " bytes)", kd->block_size);
	return bad_page(kd, pfn, "zlib", "is corrupt (%s after 0x%lx bytes "
			"out)", zs->msg ? zs->msg : rc == Z_BUF_ERROR ?
			"it ends early" : "inflate failed", zs->total_out);
}

static struct vmc_error *unlzo_page(struct vmc_kdump *kd, uint64_t pfn,
				    const uint8_t *src, uint32_t n, uint8_t *out)
{
	lzo_uint got = kd->block_size;
	int rc = lzo1x_decompress_safe(src, n, out, &got, NULL);
	if (rc == LZO_E_OK && got == kd->block_size)
		return NULL;
	if (rc == LZO_E_OK)
		return bad_page(kd, pfn, "LZO", "decompresses to 0x%lx bytes, "
				"not a page (0x%" PRIx32 ")", (unsigned long)got,
				kd->block_size);
	if (rc == LZO_E_OUTPUT_OVERRUN)
		return bad_page(kd, pfn, "LZO", "decompresses to more than a "
				"page (0x%" PRIx32 " bytes)", kd->block_size);
	return bad_page(kd, pfn, "LZO", "is corrupt (lzo1x error %d)", rc);
}

static struct vmc_error *unsnappy_page(struct vmc_kdump *kd, uint64_t pfn,
				       const uint8_t *src, uint32_t n,
				       uint8_t *out)
{
	size_t len;
	if (snappy_uncompressed_length((const char *)src, n, &len) != SNAPPY_OK)
		return bad_page(kd, pfn, "snappy", "is corrupt (no length)");
	if (len != kd->block_size)
		return bad_page(kd, pfn, "snappy", "decompresses to 0x%zx bytes, "
				"not a page (0x%" PRIx32 ")", len, kd->block_size);
	if (snappy_uncompress((const char *)src, n, (char *)out, &len) !=
	    SNAPPY_OK || len != kd->block_size)
		return bad_page(kd, pfn, "snappy", "is corrupt");
	return NULL;
}

static struct vmc_error *unzstd_page(struct vmc_kdump *kd,
				     struct kd_decoder *dec, uint64_t pfn,
				     const uint8_t *src, uint32_t n,
				     uint8_t *out)
{
	size_t rc = ZSTD_decompressDCtx(dec->zstd, out, kd->block_size, src, n);
	if (!ZSTD_isError(rc) && rc == kd->block_size)
		return NULL;
	if (!ZSTD_isError(rc))
		return bad_page(kd, pfn, "zstd", "decompresses to 0x%zx bytes, "
				"not a page (0x%" PRIx32 ")", rc, kd->block_size);
	if (ZSTD_getErrorCode(rc) == ZSTD_error_dstSize_tooSmall)
		return bad_page(kd, pfn, "zstd", "decompresses to more than a "
				"page (0x%" PRIx32 " bytes)", kd->block_size);
	return bad_page(kd, pfn, "zstd", "is corrupt (%s)",
			ZSTD_getErrorName(rc));
}

struct vmc_error *kd_decode(struct vmc_kdump *kd, struct kd_decoder *dec,
			    uint64_t pfn, const struct kd_desc *d, uint8_t *out)
{
	uint32_t bs = kd->block_size;
	if (d->size == 0 || !vmc_range_ok(d->offset, d->size, kd->size))
		return bad_page(kd, pfn, NULL, "its data (offset 0x%" PRIx64
				", 0x%" PRIx32 " bytes, by its descriptor) lies "
				"outside the file (0x%" PRIx64 " bytes)%s",
				d->offset, d->size, kd->size,
				d->size && d->offset < kd->size ?
				": is the file truncated?" : "");
	if (d->flags == 0 && d->size != bs)
		return bad_page(kd, pfn, NULL, "stored raw in 0x%" PRIx32 " bytes,"
				" not a page (0x%" PRIx32 ")", d->size, bs);
	if (d->size > bs)
		return bad_page(kd, pfn, NULL, "0x%" PRIx32 " bytes of compressed "
				"data, more than a page (0x%" PRIx32 ")", d->size,
				bs);
	switch (d->flags) {
	case 0: case KD_ZLIB: case KD_LZO: case KD_SNAPPY: case KD_ZSTD:
		break;
	default:
		return bad_page(kd, pfn, NULL, "unknown compression flags 0x%"
				PRIx32 " in its descriptor", d->flags);
	}
	const uint8_t *src = vmc_input_map(kd->in, d->offset, d->size);
	if (!src) {
		uint8_t *dst = d->flags == 0 ? out : dec->cbuf;
		struct vmc_error *err = vmc_input_read(kd->in, dst, d->size,
						       d->offset, "page data");
		if (err)
			return vmc_error_prefix(err, "pfn 0x%" PRIx64, pfn);
		if (d->flags == 0)
			return NULL;
		src = dst;
	}
	switch (d->flags) {
	case 0:
		memcpy(out, src, bs);
		return NULL;
	case KD_ZLIB:
		return inflate_page(kd, dec, pfn, src, d->size, out);
	case KD_LZO:
		return unlzo_page(kd, pfn, src, d->size, out);
	case KD_SNAPPY:
		return unsnappy_page(kd, pfn, src, d->size, out);
	default:
		return unzstd_page(kd, dec, pfn, src, d->size, out);
	}
}

/* ---- the physmem reader --------------------------------------------------------------- */

struct vmc_error *kd_no_data(const struct vmc_kdump *kd, uint64_t paddr)
{
	uint64_t pfn = paddr >> kd->block_shift;
	if (pfn >= kd->nr_pfns)
		return vmc_error_fault(paddr, "physical 0x%" PRIx64 " (pfn 0x%"
				       PRIx64 ") lies above the last pfn the dump "
				       "describes (0x%" PRIx64 ")", paddr, pfn,
				       kd->nr_pfns ? kd->nr_pfns - 1 : 0);
	if (kd_bit(kd->bm2, pfn))
		return vmc_error_fault(paddr, "physical 0x%" PRIx64 " (pfn 0x%"
				       PRIx64 ") is not in the file: the dump "
				       "stops at pfn 0x%" PRIx64 " (%s)", paddr,
				       pfn, kd->stop_pfn,
				       kd->status & KD_INCOMPLETE ?
				       "it is incomplete" : "it is truncated");
	if (kd_bit(kd->bm1, pfn))
		return vmc_error_fault(paddr, "physical 0x%" PRIx64 " (pfn 0x%"
				       PRIx64 ") was excluded from the dump (dump "
				       "level %" PRId32 "): its contents are "
				       "unknown", paddr, pfn, kd->dump_level);
	return vmc_error_fault(paddr, "physical 0x%" PRIx64 " (pfn 0x%" PRIx64
			       ") is not RAM in this dump (a memory hole)",
			       paddr, pfn);
}

/* Up to 8 MiB of decoded pages, 4 to 256 of them. */
#define KD_CACHE_BYTES	(8u << 20)

static struct vmc_error *cache_page(struct vmc_kdump *kd, uint64_t pfn,
				    const uint8_t **page)
{
	if (!kd->slots) {
		unsigned n = KD_CACHE_BYTES / kd->block_size;
		n = n < 4 ? 4 : n > 256 ? 256 : n;
		kd->slots = calloc(n, sizeof(*kd->slots));
		kd->slot_data = malloc((size_t)n * kd->block_size);
		if (!kd->slots || !kd->slot_data) {
			free(kd->slots);
			free(kd->slot_data);
			kd->slots = NULL;
			kd->slot_data = NULL;
			return vmc_error_nomem();
		}
		kd->nslots = n;
	}
	unsigned victim = 0;
	for (unsigned i = 0; i < kd->nslots; i++) {
		struct kd_cache_slot *s = &kd->slots[i];
		if (s->used && s->pfn == pfn) {
			s->used = ++kd->clock;
			*page = kd->slot_data + (size_t)i * kd->block_size;
			return NULL;
		}
		if (s->used < kd->slots[victim].used)
			victim = i;
	}
	struct kd_cache_slot *s = &kd->slots[victim];
	uint8_t *data = kd->slot_data + (size_t)victim * kd->block_size;
	s->used = 0;
	struct kd_desc d;
	struct vmc_error *err = kd_read_descs(kd, kd_rank(kd, pfn), 1, &d);
	if (!err)
		err = kd_decode(kd, &kd->dec, pfn, &d, data);
	if (err)
		return err;
	s->pfn = pfn;
	s->used = ++kd->clock;
	*page = data;
	return NULL;
}

static struct vmc_error *kd_read(void *ctx, uint64_t paddr, void *buf,
				 size_t len)
{
	struct vmc_kdump *kd = ctx;
	uint8_t *out = buf;
	struct vmc_error *err = NULL;
	pthread_mutex_lock(&kd->lock);
	while (len) {
		uint64_t pfn = paddr >> kd->block_shift;
		uint64_t in = paddr & (kd->block_size - 1);
		size_t n = kd->block_size - in < len ? (size_t)(kd->block_size - in)
						      : len;
		if (pfn >= kd->nr_pfns || !kd_has_data(kd, pfn)) {
			err = kd_no_data(kd, paddr);
			break;
		}
		const uint8_t *page = NULL;
		if ((err = cache_page(kd, pfn, &page))) {
			err->code = VMC_ERR_FAULT;
			err->addr = paddr;
			break;
		}
		memcpy(out, page + in, n);
		out += n;
		len -= n;
		paddr += n;
		if (len && paddr == 0) {
			err = vmc_error_fault(0, "read wraps past the top of the "
					      "physical address space");
			break;
		}
	}
	pthread_mutex_unlock(&kd->lock);
	return err;
}

/* Raw pages of a mapped file, in place: no copy, no lock. */
static const void *kd_map(void *ctx, uint64_t paddr, size_t len)
{
	struct vmc_kdump *kd = ctx;
	uint64_t pfn = paddr >> kd->block_shift;
	uint64_t in = paddr & (kd->block_size - 1);
	if (!kd->in->map || pfn >= kd->nr_pfns || !kd_has_data(kd, pfn) ||
	    len > kd->block_size - in)
		return NULL;
	struct kd_desc d;
	struct vmc_error *err = kd_read_descs(kd, kd_rank(kd, pfn), 1, &d);
	if (err) {
		vmc_error_free(err);
		return NULL;
	}
	if (d.flags != 0 || d.size != kd->block_size ||
	    !vmc_range_ok(d.offset, d.size, kd->size))
		return NULL;
	return kd->in->map + d.offset + in;
}

struct vmc_physmem kd_physmem(struct vmc_kdump *kd)
{
	return (struct vmc_physmem){ .read = kd_read, .map = kd_map, .ctx = kd };
}
