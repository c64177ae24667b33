/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input block cache: decoded blocks of a compressed layer, bounded in
 * bytes, least recently used evicted first; a hash of chained entries
 * finds a key, a doubly linked list keeps the use order. One mutex guards
 * both; copies out of a hit happen under it (a memcpy is short next to a
 * decode, which happens outside).
 */
#include "layers-priv.h"

#include <pthread.h>
#include <string.h>

struct entry {
	uint64_t key;
	uint8_t *data;
	size_t size;
	struct entry *hnext;		/* hash chain */
	struct entry *prev, *next;	/* use order: head is the newest */
};

struct vmc_block_cache {
	pthread_mutex_t lock;
	size_t budget, bytes, count;
	struct entry **buckets;
	size_t nbuckets;		/* a power of two */
	struct entry *head, *tail;
	uint64_t hits, misses;
};

/* Enough buckets for a budget of 64 KiB blocks, the smallest a layer
 * usually caches (smaller ones only chain longer). */
#define MIN_BLOCK	(64u << 10)

struct vmc_block_cache *vmc_cache_new(size_t budget)
{
	struct vmc_block_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	size_t want = budget / MIN_BLOCK * 2;
	c->nbuckets = 16;
	while (c->nbuckets < want && c->nbuckets < (1u << 16))
		c->nbuckets <<= 1;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->buckets || pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->buckets);
		free(c);
		return NULL;
	}
	c->budget = budget;
	return c;
}

void vmc_cache_free(struct vmc_block_cache *c)
{
	if (!c)
		return;
	for (struct entry *e = c->head, *next; e; e = next) {
		next = e->next;
		free(e->data);
		free(e);
	}
	free(c->buckets);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static size_t bucket_of(const struct vmc_block_cache *c, uint64_t key)
{
	/* Fibonacci hashing: neighbouring block numbers spread out. */
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (c->nbuckets - 1);
}

static struct entry *find(struct vmc_block_cache *c, uint64_t key)
{
	for (struct entry *e = c->buckets[bucket_of(c, key)]; e; e = e->hnext)
		if (e->key == key)
			return e;
	return NULL;
}

static void unlink_use(struct vmc_block_cache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void push_front(struct vmc_block_cache *c, struct entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void evict(struct vmc_block_cache *c, struct entry *e)
{
	unlink_use(c, e);
	struct entry **pp = &c->buckets[bucket_of(c, e->key)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	c->bytes -= e->size;
	c->count--;
	free(e->data);
	free(e);
}

bool vmc_cache_copy(struct vmc_block_cache *c, uint64_t key, size_t off,
		    void *dst, size_t len)
{
	pthread_mutex_lock(&c->lock);
	struct entry *e = find(c, key);
	bool hit = e && off <= e->size && len <= e->size - off;
	if (hit) {
		memcpy(dst, e->data + off, len);
		if (c->head != e) {
			unlink_use(c, e);
			push_front(c, e);
		}
		c->hits++;
	} else {
		c->misses++;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void vmc_cache_put(struct vmc_block_cache *c, uint64_t key, uint8_t *data,
		   size_t size)
{
	struct entry *e = size ? malloc(sizeof(*e)) : NULL;
	if (!e) {		/* no memory for the entry: just do not cache */
		free(data);
		return;
	}
	*e = (struct entry){ .key = key, .data = data, .size = size };
	pthread_mutex_lock(&c->lock);
	if (find(c, key)) {
		pthread_mutex_unlock(&c->lock);
		free(data);
		free(e);
		return;
	}
	size_t b = bucket_of(c, key);
	e->hnext = c->buckets[b];
	c->buckets[b] = e;
	push_front(c, e);
	c->bytes += size;
	c->count++;
	while (c->bytes > c->budget && c->tail != e)
		evict(c, c->tail);
	pthread_mutex_unlock(&c->lock);
}

void vmc_cache_set_budget(struct vmc_block_cache *c, size_t budget)
{
	pthread_mutex_lock(&c->lock);
	c->budget = budget;
	while (c->bytes > c->budget && c->tail != c->head)
		evict(c, c->tail);
	pthread_mutex_unlock(&c->lock);
}

void vmc_cache_stats(struct vmc_block_cache *c, struct vmc_cache_stats *st)
{
	pthread_mutex_lock(&c->lock);
	*st = (struct vmc_cache_stats){ c->count, c->bytes, c->hits, c->misses };
	pthread_mutex_unlock(&c->lock);
}

struct vmc_error *vmc_blocks_pread(const struct vmc_block_ops *ops, void *layer,
				   struct vmc_block_cache *cache, uint64_t size,
				   void *buf, size_t len, uint64_t off,
				   size_t *got)
{
	uint8_t *dst = buf;
	*got = 0;
	if (off >= size)
		return NULL;
	if (len > size - off)
		len = (size_t)(size - off);
	while (len) {
		struct vmc_block b;
		ops->locate(layer, off, &b);
		size_t in_block = (size_t)(off - b.start);
		size_t n = b.len - in_block < len ? (size_t)(b.len - in_block) : len;
		if (b.zero) {
			memset(dst, 0, n);
		} else if (!vmc_cache_copy(cache, b.key, in_block, dst, n)) {
			uint8_t *data = NULL;
			struct vmc_error *err = ops->decode(layer, &b, &data);
			if (err)
				return err;
			memcpy(dst, data + in_block, n);
			vmc_cache_put(cache, b.key, data, (size_t)b.len);
		}
		dst += n;
		off += n;
		len -= n;
		*got += n;
	}
	return NULL;
}
