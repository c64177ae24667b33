/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * open: path → layers peeled → reader chosen by signature → dump model,
 * with VMCOREINFO looked for in RAM when the note is missing.
 */
#include "open.h"

#include <string.h>

#include "../elfcore/elfcore.h"
#include "../kdump/kdump.h"

struct vmc_source {
	struct vmc_input *in;
	struct vmc_core *elf;
	struct vmc_kdump *kdump;
	struct vmc_dump *dump;
};

/* makedumpfile's disk_dump_header signature (KDUMP-AND-SYMBOLS.md §C.2);
 * "DISKDUMP" is the older facility's. "KDUMP" and anything goes to the
 * kdump reader, which names a damaged signature. */
static bool is_kdump(struct vmc_input *in)
{
	uint8_t sig[8];
	size_t got;
	struct vmc_error *err = vmc_input_pread(in, sig, sizeof(sig), 0, &got);
	if (err) {
		vmc_error_free(err);
		return false;
	}
	return got == sizeof(sig) && (memcmp(sig, "KDUMP", 5) == 0 ||
				      memcmp(sig, "DISKDUMP", 8) == 0);
}

static struct vmc_error *open_reader(struct vmc_source *src,
				     const struct vmc_open_opts *opts,
				     struct vmc_warnings *ws)
{
	(void)opts;
	struct vmc_error *err = vmc_input_peel(&src->in, ws);
	if (err)
		return err;
	if (is_kdump(src->in)) {
		err = vmc_kdump_open(src->in, ws, &src->kdump);
		if (err)
			return err;
		src->dump = vmc_kdump_dump(src->kdump);
	} else {
		err = vmc_core_open(src->in, ws, &src->elf);
		if (err)
			return err;
		src->dump = vmc_core_dump(src->elf);
	}
	src->dump->layers = src->in->layers;
	if (src->dump->vmcoreinfo && !src->dump->vmcoreinfo_source)
		src->dump->vmcoreinfo_source = "note";
	return NULL;
}

static struct vmc_error *finish_open(struct vmc_source *src,
				     const struct vmc_open_opts *opts,
				     struct vmc_warnings *ws,
				     struct vmc_source **out)
{
	static const struct vmc_open_opts defaults;
	struct vmc_error *err = open_reader(src, opts ? opts : &defaults, ws);
	if (err) {
		vmc_source_close(src);
		return err;
	}
	*out = src;
	return NULL;
}

struct vmc_error *vmc_source_open(const char *path,
				  const struct vmc_open_opts *opts,
				  struct vmc_warnings *ws,
				  struct vmc_source **out)
{
	struct vmc_source *src = calloc(1, sizeof(*src));
	if (!src)
		return vmc_error_nomem();
	struct vmc_error *err = vmc_input_open_file(path, &src->in);
	if (err) {
		free(src);
		return err;
	}
	return finish_open(src, opts, ws, out);
}

struct vmc_error *vmc_source_open_memory(const void *buf, size_t len,
					 const char *name,
					 const struct vmc_open_opts *opts,
					 struct vmc_warnings *ws,
					 struct vmc_source **out)
{
	struct vmc_source *src = calloc(1, sizeof(*src));
	if (!src)
		return vmc_error_nomem();
	struct vmc_error *err = vmc_input_open_memory(buf, len, name, &src->in);
	if (err) {
		free(src);
		return err;
	}
	return finish_open(src, opts, ws, out);
}

void vmc_source_close(struct vmc_source *src)
{
	if (!src)
		return;
	vmc_core_close(src->elf);
	vmc_kdump_close(src->kdump);
	vmc_input_close(src->in);
	free(src);
}

struct vmc_dump *vmc_source_dump(struct vmc_source *src)
{
	return src->dump;
}

struct vmc_core *vmc_source_elf(const struct vmc_source *src)
{
	return src->elf;
}

struct vmc_kdump *vmc_source_kdump(const struct vmc_source *src)
{
	return src->kdump;
}

struct vmc_input *vmc_source_input(const struct vmc_source *src)
{
	return src->in;
}
