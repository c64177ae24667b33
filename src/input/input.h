/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input: one random-access byte stream under every reader. A stream is a
 * plain file (mapped read-only), a buffer in memory (the fuzz harnesses),
 * or a layer decoded on the fly over another stream: gzip, lz4 frames,
 * makedumpfile's flattened records (layer.c peels them, outermost first).
 * Readers (elfcore, kdump) parse a stream; they never see a descriptor.
 *
 * Only a plain file has a descriptor (vmc_input_fd), for what needs the
 * kernel's help: copy_file_range that shares blocks, SEEK_DATA, FIEMAP.
 * Every size and offset a layer reads from its own headers is checked
 * against what the lower stream really holds; a lying header is an error
 * or a warning, never an allocation it asks for.
 */
#ifndef VMC_INPUT_H
#define VMC_INPUT_H

#include "../base/base.h"

struct vmc_input;

/* What a layer implements; see the plain file in input.c for an example. */
struct vmc_input_ops {
	const char *name;		/* "file", "memory", "gzip", "lz4", "flattened" */
	/*
	 * Copy up to len bytes at off into buf; *got says how many (fewer
	 * only at the end of the stream). Must be safe to call from several
	 * threads at once (layers lock their caches). Errors are decoding or
	 * I/O failures, never end of stream.
	 */
	struct vmc_error *(*pread)(struct vmc_input *in, void *buf, size_t len,
				   uint64_t off, size_t *got);
	/* Free priv (not the lower stream, which input.c closes). */
	void (*close)(struct vmc_input *in);
};

struct vmc_input {
	const struct vmc_input_ops *ops;
	void *priv;
	uint64_t size;			/* bytes in the (decoded) stream */
	/* The whole stream, readable in place, or NULL (decoded layers). */
	const uint8_t *map;
	int fd;				/* a plain file's descriptor, else -1 */
	uint64_t dev, ino;		/* the file under every layer */
	char *path;			/* for messages: the file's path or name */
	/* The layers, outermost first ("gzip+flattened"), or "" for none. */
	char layers[64];
	struct vmc_input *lower;	/* the stream this layer decodes, owned */
};

/* Open path read-only: a regular file, mapped when not empty. Errors say
 * "cannot open: <strerror>", "is a directory", "not a regular file". */
struct vmc_error *vmc_input_open_file(const char *path, struct vmc_input **out);

/* A stream over buf[0, len), which the caller keeps alive until close;
 * name is for messages. */
struct vmc_error *vmc_input_open_memory(const void *buf, size_t len,
					const char *name, struct vmc_input **out);

/*
 * Wrap a stream in a layer: ops and priv become the new stream's, size
 * its decoded size; lower is owned by the new stream from now on (closed
 * with it, also when this fails). map is NULL, fd -1, the path and the
 * file's identity are lower's, layers is "lower's layers+name" (outermost
 * first).
 */
struct vmc_error *vmc_input_wrap(struct vmc_input *lower,
				 const struct vmc_input_ops *ops, void *priv,
				 uint64_t size, struct vmc_input **out);

/*
 * Peel every layer we know off *in, outermost first, by the signature at
 * offset 0 (gzip, lz4 frame, makedumpfile flattened), until the stream is
 * none of them; *in is replaced by the decoded stream. On error *in is
 * what was peeled so far, or NULL (already closed); the caller closes it.
 * Warnings (a damaged tail that can still be read up to) go to ws.
 */
struct vmc_error *vmc_input_peel(struct vmc_input **in, struct vmc_warnings *ws);

void vmc_input_close(struct vmc_input *in);

/* ---- layers (each replaces *in by the decoded stream; on error *in is
 * left for the caller to close, or NULL when already closed) ---- */

/* makedumpfile's flattened records (flattened.c): one pass over the record
 * headers, a sorted index of 24 bytes a record; gaps read as zeros. */
struct vmc_error *vmc_input_flattened(struct vmc_input **in,
				      struct vmc_warnings *ws);

/* Read exactly len bytes at off. Past the end is a VMC_ERR_FORMAT error
 * "<what> (offset 0x…, 0x… bytes) runs past the end of the stream (0x…
 * bytes)". */
struct vmc_error *vmc_input_read(struct vmc_input *in, void *buf, size_t len,
				 uint64_t off, const char *what);

/* Up to len bytes at off; *got is how many (short only at the end). */
static inline struct vmc_error *vmc_input_pread(struct vmc_input *in, void *buf,
						size_t len, uint64_t off,
						size_t *got)
{
	return in->ops->pread(in, buf, len, off, got);
}

/* [off, off+len) in place when the stream is mapped, else NULL. */
static inline const uint8_t *vmc_input_map(const struct vmc_input *in,
					   uint64_t off, uint64_t len)
{
	if (!in->map || !vmc_range_ok(off, len, in->size))
		return NULL;
	return in->map + off;
}

/*
 * The bytes [off, off+len): in place when mapped, else read into a new
 * buffer that *owned receives (free it; NULL when in place). For headers
 * that a reader keeps while open. len is bounded by the caller.
 */
struct vmc_error *vmc_input_bytes(struct vmc_input *in, uint64_t off,
				  uint64_t len, const char *what,
				  const uint8_t **p, uint8_t **owned);

/* "gzip+flattened", or "" for a plain stream. */
static inline const char *vmc_input_layers(const struct vmc_input *in)
{
	return in->layers;
}

#endif /* VMC_INPUT_H */
