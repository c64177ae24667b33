/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * open: a path (or a buffer) → a dump model, whatever the format. Peels the
 * compression and flattening layers (input), picks the reader by the
 * signature of what is left (kdump, then ELF), and, when the dump carries
 * no VMCOREINFO note (or the caller asks), looks for the kernel's own copy
 * in guest RAM (kernel/). Every command and every fuzz harness opens
 * through here, so a format or a repair added here reaches all of them.
 */
#ifndef VMC_OPEN_H
#define VMC_OPEN_H

#include "../base/base.h"
#include "../input/input.h"

struct vmc_core;		/* elfcore */
struct vmc_kdump;		/* kdump */

struct vmc_open_opts {
	/* Search RAM for VMCOREINFO even when the note is there. */
	bool scan_vmcoreinfo;
	/* Never search (for harnesses that test one reader alone). */
	bool no_scan;
	/* Progress of long work on open (a RAM search, a gzip index): what,
	 * bytes done, bytes in all. NULL: none. */
	void (*progress)(void *arg, const char *what, uint64_t done,
			 uint64_t total);
	void *progress_arg;
};

struct vmc_source;

/* Open path read-only. Errors name the place and the cause; the caller adds
 * the path. Recoverable problems go to ws and the dump still opens. */
struct vmc_error *vmc_source_open(const char *path,
				  const struct vmc_open_opts *opts,
				  struct vmc_warnings *ws,
				  struct vmc_source **out);

/* The same over buf[0, len), which must outlive the source (fuzzing, tests);
 * name is for messages. */
struct vmc_error *vmc_source_open_memory(const void *buf, size_t len,
					 const char *name,
					 const struct vmc_open_opts *opts,
					 struct vmc_warnings *ws,
					 struct vmc_source **out);

void vmc_source_close(struct vmc_source *src);

/* The dump model; valid until vmc_source_close(). */
struct vmc_dump *vmc_source_dump(struct vmc_source *src);

/* The ELF reader behind the dump, or NULL (for what only ELF files have:
 * program headers, ELF header facts, --in-place). */
struct vmc_core *vmc_source_elf(const struct vmc_source *src);

/* The kdump reader behind the dump, or NULL. */
struct vmc_kdump *vmc_source_kdump(const struct vmc_source *src);

/* The decoded stream (its layers, its size, its identity). */
struct vmc_input *vmc_source_input(const struct vmc_source *src);

#endif /* VMC_OPEN_H */
