/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input layers: recognise the wrappers a dump travels in by their
 * signature at offset 0 and decode them in place, outermost first.
 */
#include "input.h"

#include <string.h>

#include "layers-priv.h"

/* Signatures (RFC 1952 §2.3.1; lz4 frame format §2; makedumpfile.h
 * MAKEDUMPFILE_SIGNATURE, KDUMP-AND-SYMBOLS.md §C.5). */
static const uint8_t gzip_magic[] = { 0x1f, 0x8b };
static const uint8_t lz4_magic[] = { 0x04, 0x22, 0x4d, 0x18 };
static const char flat_magic[] = "makedumpfile";

static bool starts_with(struct vmc_input *in, const void *magic, size_t n)
{
	uint8_t buf[16];
	size_t got;
	if (n > sizeof(buf) || in->size < n)
		return false;
	struct vmc_error *err = vmc_input_pread(in, buf, n, 0, &got);
	if (err) {
		vmc_error_free(err);
		return false;
	}
	return got == n && memcmp(buf, magic, n) == 0;
}

/* lz4 streams may start with a skippable frame (lz4_Frame_format.md §5:
 * magic 0x184D2A50 to 0x184D2A5F). */
static bool starts_with_lz4_skippable(struct vmc_input *in)
{
	for (uint8_t low = 0; low < 16; low++) {
		const uint8_t magic[] = { 0x50 | low, 0x2a, 0x4d, 0x18 };
		if (starts_with(in, magic, sizeof(magic)))
			return true;
	}
	return false;
}

/* At most this many layers: a file that is gzip of gzip of ... is refused
 * rather than followed without end. */
#define MAX_LAYERS 4

/* The command that takes a compression layer off, for messages. */
static const char *undo_command(const char *layer)
{
	return strcmp(layer, "gzip") == 0 ? "gzip -dc" : "lz4 -dc";
}

static bool is_compression(const char *layer)
{
	return strcmp(layer, "gzip") == 0 || strcmp(layer, "lz4") == 0;
}

/* The compression layer among those peeled ("gzip+flattened"), or NULL. */
static const char *compressed_by(const struct vmc_input *in)
{
	for (; in; in = in->lower)
		if (in->ops && is_compression(in->ops->name))
			return in->ops->name;
	return NULL;
}

struct vmc_error *vmc_input_peel(struct vmc_input **in, struct vmc_warnings *ws)
{
	for (unsigned depth = 0;; depth++) {
		const char *what = NULL;
		if (starts_with(*in, gzip_magic, sizeof(gzip_magic)))
			what = "gzip";
		else if (starts_with(*in, lz4_magic, sizeof(lz4_magic)) ||
			 starts_with_lz4_skippable(*in))
			what = "lz4";
		else if (starts_with(*in, flat_magic, sizeof(flat_magic) - 1))
			what = "flattened";
		if (!what)
			return NULL;
		if (depth == MAX_LAYERS)
			return vmc_error_new(VMC_ERR_UNSUPPORTED,
					     "more than %d layers of compression "
					     "(%s inside %s)", MAX_LAYERS, what,
					     (*in)->layers);
		/* Each compression layer is decoded whole on open; nested ones
		 * multiply their ratios (a bomb), and nothing makes them. */
		const char *outer = compressed_by(*in);
		if (is_compression(what) && outer)
			return vmc_error_new(VMC_ERR_UNSUPPORTED, "%s data inside "
					     "%s: one compression layer is read in "
					     "place, not two; take the outer one "
					     "off first (%s %s > FILE)", what,
					     outer, undo_command(outer),
					     (*in)->path);
		struct vmc_error *err;
		if (strcmp(what, "gzip") == 0)
			err = vmc_gzip_open(in, ws);
		else if (strcmp(what, "lz4") == 0)
			err = vmc_lz4_open(in, ws);
		else
			err = vmc_input_flattened(in, ws);
		if (err)
			return err;
	}
}

bool vmc_layer_stats(struct vmc_input *in, struct vmc_layer_stats *st)
{
	*st = (struct vmc_layer_stats){0};
	return vmc_lz4_stats(in, st) || vmc_gzip_stats(in, st);
}

bool vmc_layer_cache_budget(struct vmc_input *in, size_t budget)
{
	struct vmc_block_cache *c;
	if (!vmc_lz4_cache(in, &c) && !vmc_gzip_cache(in, &c))
		return false;
	vmc_cache_set_budget(c, budget);
	return true;
}
