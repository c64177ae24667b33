/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report: everything a person or a script sees. Text tables for people,
 * JSON (--json) for scripts. Only report and the CLI print.
 */
#ifndef VMC_REPORT_H
#define VMC_REPORT_H

#include <stdio.h>

#include "../elfcore/elfcore.h"

struct vmc_report_opts {
	bool json;
	int verbose;		/* 0 normal, >0 more detail */
};

enum vmc_seg_sort { VMC_SORT_INDEX, VMC_SORT_PADDR, VMC_SORT_VADDR };

/* `info`: format, CPUs with registers and paging mode, RAM map, PT_LOAD
 * counts, notes, VMCOREINFO summary. */
struct vmc_error *vmc_report_info(FILE *out, struct vmc_core *core,
				  const struct vmc_report_opts *opts);

/* `ptload --list`: one row per PT_LOAD of segs (any segment array: the
 * input's, or later a remap plan's), then a summary. */
struct vmc_error *vmc_report_ptloads(FILE *out, struct vmc_core *core,
				     const struct vmc_segment *segs, size_t n,
				     enum vmc_seg_sort sort,
				     const struct vmc_report_opts *opts);

#endif
