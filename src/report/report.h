/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report: everything a person or a script sees. Text tables for people,
 * JSON (--json) for scripts. Only report and the CLI print.
 */
#ifndef VMC_REPORT_H
#define VMC_REPORT_H

#include <stdio.h>

#include "../elfcore/elfcore.h"
#include "../kdump/kdump.h"
#include "../pagewalk/pagewalk.h"
#include "../ptload/ptload.h"

struct vmc_report_opts {
	bool json;
	int verbose;		/* 0 normal, >0 more detail */
};

enum vmc_seg_sort { VMC_SORT_INDEX, VMC_SORT_PADDR, VMC_SORT_VADDR };

/* `info`: format, CPUs with registers and paging mode, RAM map, PT_LOAD
 * counts, notes, VMCOREINFO summary. elf, when the dump was read by the ELF
 * reader, adds what its headers say; kd, when the kdump reader read it,
 * what its headers, bitmaps and descriptors say (it reads them all). */
struct vmc_error *vmc_report_info(FILE *out, const struct vmc_dump *d,
				  const struct vmc_core *elf,
				  struct vmc_kdump *kd,
				  const struct vmc_report_opts *opts);

/* `ptload --list`: one row per PT_LOAD of segs (any segment array: the
 * input's, or a remap plan's), then a summary against d's RAM map. */
struct vmc_error *vmc_report_ptloads(FILE *out, const struct vmc_dump *d,
				     const struct vmc_segment *segs, size_t n,
				     enum vmc_seg_sort sort,
				     const struct vmc_report_opts *opts);

/* `vtop`: translate each vaddr, printing every level. *unmapped counts the
 * addresses that are not mapped (the CLI's exit status 1). */
struct vmc_error *vmc_report_vtop(FILE *out, const struct vmc_dump *d,
				  const struct vmc_root_request *req,
				  const uint64_t *vaddrs, size_t n,
				  size_t *unmapped,
				  const struct vmc_report_opts *opts);

/* `maps`: the merged ranges one root maps, with flags and leaf sizes. */
struct vmc_error *vmc_report_maps(FILE *out, const struct vmc_dump *d,
				  const struct vmc_root_request *req,
				  enum vmc_half half,
				  struct vmc_warnings *ws,
				  const struct vmc_report_opts *opts);

enum vmc_read_format { VMC_READ_HEX, VMC_READ_RAW };

/* `read`: len bytes at addr, virtual through the chosen root or physical. */
struct vmc_error *vmc_report_read(FILE *out, const struct vmc_dump *d,
				  const struct vmc_root_request *req,
				  uint64_t addr, uint64_t len, bool phys,
				  enum vmc_read_format fmt);

#endif
