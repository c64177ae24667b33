/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * open: path → layers peeled → reader chosen by signature → dump model,
 * with VMCOREINFO looked for in RAM when the note is missing.
 */
#include "open.h"

#include <stdio.h>
#include <string.h>

#include "../elfcore/elfcore.h"
#include "../kdump/kdump.h"
#include "../kernel/kernel.h"

struct vmc_source {
	struct vmc_input *in;
	struct vmc_core *elf;
	struct vmc_kdump *kdump;
	struct vmc_dump *dump;
	/* VMCOREINFO found in RAM, when the dump model points at it. */
	struct vmc_kernel_found_vi found;
	char vi_source[512];
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

/* Do two copies of VMCOREINFO name the same kernel? */
static bool same_kernel(const struct vmc_vmcoreinfo *a,
			const struct vmc_vmcoreinfo *b)
{
	static const char *const keys[] = { "OSRELEASE", "BUILD-ID" };
	for (size_t i = 0; i < 2; i++) {
		const char *x = vmc_vmcoreinfo_get(a, keys[i]);
		const char *y = vmc_vmcoreinfo_get(b, keys[i]);
		if (!x != !y || (x && strcmp(x, y) != 0))
			return false;
	}
	return true;
}

/*
 * The dump has no VMCOREINFO note, or the caller asks: look for the
 * kernel's own copy in RAM (kernel/). A copy found replaces the note (the
 * note may be another kernel's: a kdump kernel's, say); none found is not
 * an error, for x86 dumps work without it.
 */
static void find_vmcoreinfo(struct vmc_source *src,
			    const struct vmc_open_opts *opts,
			    struct vmc_warnings *ws)
{
	struct vmc_dump *d = src->dump;
	bool had_note = d->vmcoreinfo != NULL;
	if (opts->no_scan || (had_note && !opts->scan_vmcoreinfo))
		return;
	struct vmc_kernel_scan_opts so = { .progress = opts->progress,
					   .progress_arg = opts->progress_arg };
	struct vmc_error *err = vmc_kernel_find_vmcoreinfo(d, &so, ws,
							    &src->found);
	if (err) {
		if (had_note)
			vmc_warn(ws, "--scan-vmcoreinfo: %s; using the note",
				 err->msg);
		else
			snprintf(src->vi_source, sizeof(src->vi_source),
				 "absent: no note, and %s", err->msg);
		if (!had_note)
			d->vmcoreinfo_source = src->vi_source;
		vmc_error_free(err);
		return;
	}
	char where[300];
	vmc_kernel_found_vi_describe(&src->found, where, sizeof(where));
	const char *note = "note absent";
	if (had_note)
		note = same_kernel(d->vmcoreinfo, &src->found.vi) ?
		       "note present, same kernel" :
		       "note present, another kernel's";
	if (had_note && strcmp(note, "note present, same kernel") != 0)
		vmc_warn(ws, "the VMCOREINFO note (OSRELEASE=%s) and the copy "
			 "in RAM (OSRELEASE=%s) name different kernels; using "
			 "the copy in RAM", vmc_vmcoreinfo_get(d->vmcoreinfo,
							       "OSRELEASE"),
			 vmc_vmcoreinfo_get(&src->found.vi, "OSRELEASE"));
	snprintf(src->vi_source, sizeof(src->vi_source), "%s, %s", where, note);
	d->vmcoreinfo = &src->found.vi;
	d->vmcoreinfo_source = src->vi_source;
}

static struct vmc_error *open_reader(struct vmc_source *src,
				     const struct vmc_open_opts *opts,
				     struct vmc_warnings *ws)
{
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
	find_vmcoreinfo(src, opts, ws);
	return NULL;
}

/* The dump in stream in (owned from now on, closed on error). */
static struct vmc_error *open_stream(struct vmc_input *in,
				     const struct vmc_open_opts *opts,
				     struct vmc_warnings *ws,
				     struct vmc_source **out)
{
	static const struct vmc_open_opts defaults;
	struct vmc_source *src = calloc(1, sizeof(*src));
	if (!src) {
		vmc_input_close(in);
		return vmc_error_nomem();
	}
	src->in = in;
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
	struct vmc_input *in;
	struct vmc_error *err = vmc_input_open_file(path, &in);
	return err ? err : open_stream(in, opts, ws, out);
}

struct vmc_error *vmc_source_open_memory(const void *buf, size_t len,
					 const char *name,
					 const struct vmc_open_opts *opts,
					 struct vmc_warnings *ws,
					 struct vmc_source **out)
{
	struct vmc_input *in;
	struct vmc_error *err = vmc_input_open_memory(buf, len, name, &in);
	return err ? err : open_stream(in, opts, ws, out);
}

void vmc_source_close(struct vmc_source *src)
{
	if (!src)
		return;
	vmc_core_close(src->elf);
	vmc_kdump_close(src->kdump);
	vmc_input_close(src->in);
	vmc_kernel_found_vi_fini(&src->found);
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
