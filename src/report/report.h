/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report: everything a person or a script sees. Text tables for people,
 * JSON (--json) for scripts. Only report and the CLI print.
 */
#ifndef VMC_REPORT_H
#define VMC_REPORT_H

#include <stdio.h>

#include "../coverage/coverage.h"
#include "../elfcore/elfcore.h"
#include "../kdump/kdump.h"
#include "../pagewalk/pagewalk.h"
#include "../ptload/ptload.h"
#include "../symbols/symbols.h"

/* How strips are drawn (the CLI decides; report only draws). */
struct vmc_strip_opts {
	unsigned width;		/* columns; 0: fit term_cols, else 64 */
	unsigned term_cols;	/* the terminal's width; 0: not a terminal */
	bool color;		/* ANSI colours (a terminal, no NO_COLOR) */
};

struct vmc_report_opts {
	bool json;
	int verbose;		/* 0 normal, >0 more detail */
	/* `info --coverage`: the coverage to show with the dump, or NULL. */
	const struct vmc_coverage *coverage;
	struct vmc_strip_opts strip;
};

enum vmc_seg_sort { VMC_SORT_INDEX, VMC_SORT_PADDR, VMC_SORT_VADDR };

/* `info`: format, CPUs with registers and paging mode, RAM map, PT_LOAD
 * counts, notes, VMCOREINFO summary. elf, when the dump was read by the ELF
 * reader, adds what its headers say; kd, when the kdump reader read it,
 * what its headers, bitmaps and descriptors say (it reads them all); syms
 * (may be NULL) names the CPUs' PCs and adds the KASLR offset, the vmlinux
 * and the kallsyms summary. */
struct vmc_error *vmc_report_info(FILE *out, const struct vmc_dump *d,
				  const struct vmc_core *elf,
				  struct vmc_kdump *kd,
				  struct vmc_symbols *syms,
				  const struct vmc_report_opts *opts);

/* `ptload --list`: one row per PT_LOAD of segs (any segment array: the
 * input's, or a remap plan's), then a summary against d's RAM map. */
struct vmc_error *vmc_report_ptloads(FILE *out, const struct vmc_dump *d,
				     const struct vmc_segment *segs, size_t n,
				     enum vmc_seg_sort sort,
				     const struct vmc_report_opts *opts);

/* `vtop`: translate each vaddr, printing every level. *unmapped counts the
 * addresses that are not mapped (the CLI's exit status 1). labels (may be
 * NULL, or hold NULLs) are the names the addresses were given by. */
struct vmc_error *vmc_report_vtop(FILE *out, const struct vmc_dump *d,
				  const struct vmc_root_request *req,
				  const uint64_t *vaddrs, size_t n,
				  const char *const *labels, size_t *unmapped,
				  const struct vmc_report_opts *opts);

/* `maps`: the merged ranges one root maps, with flags and leaf sizes. */
struct vmc_error *vmc_report_maps(FILE *out, const struct vmc_dump *d,
				  const struct vmc_root_request *req,
				  enum vmc_half half,
				  struct vmc_warnings *ws,
				  const struct vmc_report_opts *opts);

/* The RAM coverage strip (`remap --coverage`): one line per RAM range,
 * the legend, bytes per kind per range, totals against remap's filler; or
 * with json, an object with "coverage" and "coverage_summary". */
struct vmc_error *vmc_report_coverage(FILE *out, const struct vmc_dump *d,
				      const struct vmc_coverage *c,
				      const struct vmc_report_opts *opts);

/* `maps --coverage`: strips of the address space's halves and of each
 * region, with the regions' names, bounds, mapped bytes and sources. */
struct vmc_error *vmc_report_maps_coverage(FILE *out, const struct vmc_dump *d,
					   const struct vmc_root_request *req,
					   enum vmc_half half,
					   struct vmc_warnings *ws,
					   const struct vmc_report_opts *opts);

enum vmc_read_format { VMC_READ_HEX, VMC_READ_RAW, VMC_READ_U64,
		       VMC_READ_U32 };

/* `read`: len bytes at addr, virtual through the chosen root or physical:
 * a hexdump, the raw bytes, or 64-/32-bit values in the guest's byte order
 * (len a multiple of their size); with opts->json, a JSON object whatever
 * fmt says (raw: hex strings). label (may be NULL) is the name addr was
 * given by. A hole ends the output after what precedes it (JSON: with an
 * "error" member) and is returned. */
struct vmc_error *vmc_report_read(FILE *out, const struct vmc_dump *d,
				  const struct vmc_root_request *req,
				  uint64_t addr, uint64_t len, bool phys,
				  enum vmc_read_format fmt, const char *label,
				  const struct vmc_report_opts *opts);

/* `symbols`: with no exprs, the whole table of src, one "ADDRESS TYPE NAME"
 * line per symbol (/proc/kallsyms' format); else each expr resolved (a
 * name or NAME+OFF: its address; a number: the symbol holding it).
 * *missing counts the exprs that found nothing (exit status 1); why goes
 * to msgs (JSON: an "error" member). */
struct vmc_error *vmc_report_symbols(FILE *out, FILE *msgs,
				     struct vmc_symbols *syms,
				     enum vmc_sym_source src,
				     char *const *exprs, size_t n,
				     size_t *missing,
				     const struct vmc_report_opts *opts);

#endif
