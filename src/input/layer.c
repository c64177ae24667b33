/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input layers: recognise the wrappers a dump travels in by their
 * signature at offset 0 and decode them in place, outermost first.
 */
#include "input.h"

#include <string.h>

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

/* At most this many layers: a file that is gzip of gzip of ... is refused
 * rather than followed without end. */
#define MAX_LAYERS 4

struct vmc_error *vmc_input_peel(struct vmc_input **in, struct vmc_warnings *ws)
{
	for (unsigned depth = 0;; depth++) {
		const char *what = NULL;
		if (starts_with(*in, gzip_magic, sizeof(gzip_magic)))
			what = "gzip";
		else if (starts_with(*in, lz4_magic, sizeof(lz4_magic)))
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
		if (strcmp(what, "flattened") == 0) {
			struct vmc_error *err = vmc_input_flattened(in, ws);
			if (err)
				return err;
			continue;
		}
		return vmc_error_new(VMC_ERR_UNSUPPORTED,
				     "%s input is not supported yet", what);
	}
}
