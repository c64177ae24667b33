/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdump internals shared by its .c files. */
#ifndef VMC_KDUMP_PRIV_H
#define VMC_KDUMP_PRIV_H

#include "kdump.h"

#include <pthread.h>
#include <zlib.h>

/* Header status and page descriptor flags (makedumpfile diskdump_mod.h). */
#define KD_ZLIB		0x1u
#define KD_LZO		0x2u
#define KD_SNAPPY	0x4u
#define KD_INCOMPLETE	0x8u
#define KD_EXCLUDED_VMEMMAP 0x10u
#define KD_ZSTD		0x20u

/* struct page_desc: u64 offset, u32 size, u32 flags, u64 page_flags, the
 * same 24 bytes in both writer layouts (diskdump_mod.h:104-109). */
#define KD_DESC_SIZE	24

/* crash's BITMAP_SECT_LEN (diskdump.c): one cumulative count of dumped
 * pages per this many pfns. */
#define KD_SECT_PFNS	4096u

struct kd_desc {
	uint64_t offset;
	uint32_t size, flags;
};

/* Per-thread decoding state: the codecs' contexts and a buffer for one
 * page's compressed bytes. */
struct kd_decoder {
	z_stream zs;
	bool zs_ready;
	void *zstd;			/* ZSTD_DCtx */
	uint8_t *cbuf;			/* block_size bytes */
};

struct kd_cache_slot {
	uint64_t pfn;
	uint64_t used;			/* clock of the last hit, 0 = empty */
};

struct vmc_kdump {
	struct vmc_input *in;		/* not owned */
	uint64_t size;			/* of the stream */

	/* header */
	uint32_t version;
	unsigned bits;			/* 64 or 32 */
	uint32_t block_size;
	unsigned block_shift;
	uint32_t status;
	uint32_t sub_hdr_size, bitmap_blocks;
	char machine[66];
	const char *arch_src;
	int32_t dump_level;
	uint64_t sub_phys_base;

	/* notes */
	struct vmc_note_set notes;
	struct vmc_bytes note_bytes;
	uint8_t *notes_owned;
	struct vmc_vmcoreinfo sub_vmcoreinfo;	/* v3 with no VMCOREINFO note */
	bool have_sub_vmcoreinfo;

	/* bitmaps: nr_pfns bits each, in 64-bit words (the last masked) */
	uint64_t nr_pfns;
	uint64_t *bm1, *bm2;		/* owned copies */
	uint64_t *rank;			/* dumped pfns below each section start */
	uint64_t ndumped;		/* set bits of bm2 */
	uint64_t nexcluded;

	/* descriptors and data */
	uint64_t desc_off;		/* the first page_desc */
	uint64_t data_start;		/* after the last one */
	uint64_t nvalid;		/* descriptors [0, nvalid) are in the file */
	uint64_t stop_pfn;		/* pfn of descriptor nvalid (or nr_pfns) */
	bool have_zero;			/* a shared zero page at data_start */

	/* the physmem reader's cache and decoder, under lock */
	pthread_mutex_t lock;
	struct kd_decoder dec;
	struct kd_cache_slot *slots;
	uint8_t *slot_data;
	unsigned nslots;
	uint64_t clock;

	struct vmc_ram_vec ram, absent;
	struct vmc_dump dump;
};

/* ---- page.c ---------------------------------------------------------------- */

static inline bool kd_bit(const uint64_t *bm, uint64_t pfn)
{
	return bm[pfn >> 6] >> (pfn & 63) & 1;
}

/* Is pfn dumped and its descriptor in the file? */
static inline bool kd_has_data(const struct vmc_kdump *kd, uint64_t pfn)
{
	return pfn < kd->stop_pfn && kd_bit(kd->bm2, pfn);
}

/* The index of pfn's descriptor: dumped pfns below it. O(1): one section
 * count and at most 64 words of popcount. */
uint64_t kd_rank(const struct vmc_kdump *kd, uint64_t pfn);

/* The pfn of the k-th dumped page (k < ndumped). O(log sections). */
uint64_t kd_select(const struct vmc_kdump *kd, uint64_t k);

/* Read descriptors [idx, idx+n) into d, checked to lie in the stream. */
struct vmc_error *kd_read_descs(struct vmc_kdump *kd, uint64_t idx, size_t n,
				struct kd_desc *d);

/* Is the descriptor's page data in the file (the incomplete-dump test)? */
bool kd_desc_present(const struct vmc_kdump *kd, const struct kd_desc *d);

/* Is it the shared zero page? */
bool kd_desc_is_zero(const struct vmc_kdump *kd, const struct kd_desc *d);

/* Decode pfn's page (descriptor d) into out (block_size bytes). Errors
 * (VMC_ERR_FORMAT or VMC_ERR_IO) name the pfn and the cause. */
struct vmc_error *kd_decode(struct vmc_kdump *kd, struct kd_decoder *dec,
			    uint64_t pfn, const struct kd_desc *d, uint8_t *out);

struct vmc_error *kd_decoder_init(struct vmc_kdump *kd, struct kd_decoder *dec);
void kd_decoder_fini(struct kd_decoder *dec);

/* The fault for reading pfn, which has no data: excluded, lost, or a hole. */
struct vmc_error *kd_no_data(const struct vmc_kdump *kd, uint64_t paddr);

/* The model's physmem reader (ctx is kd). */
struct vmc_physmem kd_physmem(struct vmc_kdump *kd);

/* ---- write.c --------------------------------------------------------------- */

/* The model's write_ram (ctx is kd): decode into out_fd, two threads for
 * large ranges; zero pages stay holes. */
struct vmc_error *kd_write_ram(void *ctx, uint64_t paddr, uint64_t len,
			       int out_fd, uint64_t out_off);

#endif
