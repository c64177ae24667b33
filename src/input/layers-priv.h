/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input, private: the compressed layers (lz4.c, gzip.c) and the bounded
 * cache of decoded blocks they share (blockcache.c). layer.c calls the
 * openers; nothing outside src/input/ includes this.
 */
#ifndef VMC_INPUT_LAYERS_PRIV_H
#define VMC_INPUT_LAYERS_PRIV_H

#include "input.h"

/* ---- the block cache ---------------------------------------------------------- */

/*
 * Decoded blocks of one layer, keyed by a number the layer chooses (a
 * block's index), bounded by a byte budget and evicted least recently used
 * first. Thread-safe: readers on several threads share one cache, and
 * decode outside it (a miss is decoded by the thread that missed; when two
 * miss the same block, the second insertion is dropped).
 */
struct vmc_block_cache;

/* What a layer keeps at most, in decoded bytes (DESIGN: bounded memory). */
#define VMC_CACHE_BUDGET	(32u << 20)

/* A cache of at most budget bytes (the newest block is kept even when it
 * alone exceeds it). NULL when out of memory. */
struct vmc_block_cache *vmc_cache_new(size_t budget);
void vmc_cache_free(struct vmc_block_cache *c);

/* If block key is cached, copy [off, off+len) of it to dst (which must lie
 * inside the block) and return true; else false. */
bool vmc_cache_copy(struct vmc_block_cache *c, uint64_t key, size_t off,
		    void *dst, size_t len);

/* Insert block key of size bytes, taking data (malloc'd; freed by the
 * cache, also at once when key is already cached or size is 0). */
void vmc_cache_put(struct vmc_block_cache *c, uint64_t key, uint8_t *data,
		   size_t size);

/* A new budget, evicting down to it now. */
void vmc_cache_set_budget(struct vmc_block_cache *c, size_t budget);

/* Blocks and bytes held, hits and misses so far (tests, benchmarks). */
struct vmc_cache_stats {
	size_t blocks, bytes;
	uint64_t hits, misses;
};
void vmc_cache_stats(struct vmc_block_cache *c, struct vmc_cache_stats *st);

/* ---- reading a layer made of blocks ------------------------------------------- */

/* Where the block holding off lies, and how to decode it: what a layer
 * tells vmc_blocks_pread. */
struct vmc_block {
	uint64_t key;		/* the layer's number for it (the cache key) */
	uint64_t start, len;	/* decoded bytes [start, start+len), off inside */
	bool zero;		/* known to be all zeros: no decoding */
};

struct vmc_block_ops {
	void (*locate)(void *layer, uint64_t off, struct vmc_block *b);
	/* Decode block b into a new malloc'd buffer of b->len bytes. */
	struct vmc_error *(*decode)(void *layer, const struct vmc_block *b,
				    uint8_t **data);
};

/* A layer's pread over its blocks, size bytes in all: each block from the
 * cache, or decoded and cached; zero blocks without decoding. */
struct vmc_error *vmc_blocks_pread(const struct vmc_block_ops *ops, void *layer,
				   struct vmc_block_cache *cache, uint64_t size,
				   void *buf, size_t len, uint64_t off,
				   size_t *got);

/* ---- the compressed layers ---------------------------------------------------- */

/*
 * Open the lz4 frames (lz4_Frame_format.md) or the gzip members (RFC 1952)
 * of *in, which starts with their magic. On success *in becomes the
 * decoded stream, which owns the old one. On error *in is unchanged, or
 * NULL when it was closed already (out of memory while wrapping). Damage
 * past which nothing can be decoded (a truncated tail) is a warning into
 * ws, and the stream ends where it does; anything else is an error.
 */
struct vmc_error *vmc_lz4_open(struct vmc_input **in, struct vmc_warnings *ws);
struct vmc_error *vmc_gzip_open(struct vmc_input **in, struct vmc_warnings *ws);
/* The same with an access point every span decoded bytes (0: the default,
 * 1 MiB): fewer points, less memory, longer random reads. */
struct vmc_error *vmc_gzip_open_span(struct vmc_input **in,
				     struct vmc_warnings *ws, uint32_t span);

/* What a compressed layer's index holds (unit tests, bench, README):
 * entries (lz4 block runs, gzip access points) and the bytes they take.
 * False for a stream that is not an lz4 or gzip layer. */
struct vmc_layer_stats {
	uint64_t entries;
	uint64_t index_bytes;
	uint64_t zero_bytes;	/* decoded bytes known to be zero: not decoded */
	struct vmc_cache_stats cache;
};
bool vmc_layer_stats(struct vmc_input *in, struct vmc_layer_stats *st);
/* The same for one kind (layer.c asks both). */
bool vmc_lz4_stats(struct vmc_input *in, struct vmc_layer_stats *st);
bool vmc_gzip_stats(struct vmc_input *in, struct vmc_layer_stats *st);

/* A compressed layer's cache budget (VMC_CACHE_BUDGET unless set): less
 * memory for more decoding. False for other streams. */
bool vmc_layer_cache_budget(struct vmc_input *in, size_t budget);
bool vmc_lz4_cache(struct vmc_input *in, struct vmc_block_cache **c);
bool vmc_gzip_cache(struct vmc_input *in, struct vmc_block_cache **c);

#endif /* VMC_INPUT_LAYERS_PRIV_H */
