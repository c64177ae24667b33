/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * coverage: what the page tables make of every byte of RAM. From a remap
 * plan (its virtual PT_LOADs) and the dump's RAM map, one sorted sweep gives
 * each byte of RAM one kind: reached by the kernel's linear map only, by the
 * kernel image mapping only, by other kernel mappings only (vmalloc,
 * modules, ...), by user space only, by several of these, by no mapping
 * (remap's filler), or not in the dump at all. Which mapping is which comes
 * from pagewalk's regions. O(n log n) in segments plus O(ranges); never per
 * page. Library code: no printing, no global state.
 */
#ifndef VMC_COVERAGE_H
#define VMC_COVERAGE_H

#include "../base/base.h"
#include "../pagewalk/pagewalk.h"
#include "../ptload/ptload.h"

/* The kind of one byte of RAM; the order is the display order. */
enum vmc_cov_kind {
	VMC_COV_LINEAR,		/* the kernel's linear map reaches it, nothing else */
	VMC_COV_IMAGE,		/* the kernel image mapping only */
	VMC_COV_KERNEL,		/* other kernel mappings only (vmalloc, ...) */
	VMC_COV_USER,		/* user space only */
	VMC_COV_SEVERAL,	/* mappings of two or more of the kinds above */
	VMC_COV_UNMAPPED,	/* no virtual PT_LOAD: what remap's filler holds */
	VMC_COV_ABSENT,		/* RAM the dump does not hold (excluded, past EOF) */
	VMC_COV_NKINDS
};

/* Bits of a reach mask: which kinds of mapping reach a byte. */
enum vmc_cov_reach {
	VMC_REACH_LINEAR = 1u << 0,
	VMC_REACH_IMAGE = 1u << 1,
	VMC_REACH_KERNEL = 1u << 2,
	VMC_REACH_USER = 1u << 3,
	VMC_REACH_ALL = 15,
};

/* "linear_map", "kernel_image", "other_kernel", "user_only", "several",
 * "not_mapped", "absent": JSON keys. */
const char *vmc_cov_kind_key(enum vmc_cov_kind kind);
/* The same for people: "linear map", "kernel image", ... */
const char *vmc_cov_kind_label(enum vmc_cov_kind kind);
/* The plain character a strip shows for kind: = K V U + . x */
char vmc_cov_kind_char(enum vmc_cov_kind kind);
/* The names of a reach mask's bits joined by '+': "linear+image". */
const char *vmc_cov_reach_name(unsigned mask, char *buf, size_t sz);

/* A stretch of RAM of one reach and one kind. */
struct vmc_cov_piece {
	uint64_t paddr, size;
	uint8_t reach;			/* enum vmc_cov_reach bits (data only) */
	uint8_t kind;			/* enum vmc_cov_kind */
};

/*
 * One block of RAM as the strip shows it: a RAM range of the dump, joined
 * with the excluded pages (dump->absent) that touch it, so a kdump's holes
 * do not split one block of the guest into thousands of lines.
 */
struct vmc_cov_range {
	uint64_t paddr, size;
	size_t first, npieces;		/* its pieces, sorted, covering it */
	uint64_t bytes[VMC_COV_NKINDS];	/* add up to size */
	uint64_t linear_bytes;		/* reached by the linear map (alone or not) */
};

struct vmc_coverage {
	struct vmc_cov_range *ranges;
	size_t nranges;
	struct vmc_cov_piece *pieces;
	size_t npieces;
	uint64_t bytes[VMC_COV_NKINDS];	/* all ranges */
	uint64_t reach_bytes[16];	/* bytes with data, by reach mask */
	uint64_t linear_bytes;		/* bytes the linear map reaches */
	uint64_t data_bytes;		/* RAM with data in the dump */
	uint64_t total_bytes;		/* = ram_bytes + absent_bytes */
	uint64_t segments;		/* virtual PT_LOADs swept */
	/* From the plan, for the summary: */
	enum vmc_layout layout;
	uint8_t elf_class;		/* of the output: ELF32 holds no RAM above 4G */
	uint64_t filler_bytes;		/* remap's filler (plan stats) */
	char root_why[300];
	/* The regions that named each mapping's kind (owned). */
	struct vmc_region_vec regions;
};

/*
 * Classify every byte of d's RAM (ram[] and absent[]) by plan's virtual
 * PT_LOADs, whose kind comes from regions[0, nregions) (vmc_view_regions;
 * kernel_start splits what no region names). out is the caller's; free it
 * with vmc_coverage_fini. Only out-of-memory is an error.
 */
struct vmc_error *vmc_coverage_build(const struct vmc_dump *d,
				     const struct vmc_plan *plan,
				     const struct vmc_region *regions,
				     size_t nregions, uint64_t kernel_start,
				     struct vmc_coverage *out);

/*
 * The coverage of plan, which vmc_plan_build made from d with opts: the
 * regions come from a view opened with opts->root. This is what
 * `remap --coverage` shows.
 */
struct vmc_error *vmc_coverage_of_plan(const struct vmc_dump *d,
				       const struct vmc_plan_opts *opts,
				       const struct vmc_plan *plan,
				       struct vmc_coverage *out);

/* The coverage of the plan `remap` makes by default (gdb layout), built
 * even when the walk maps little (`info --coverage`). Warnings of the walk
 * go to ws. */
struct vmc_error *vmc_coverage_of_dump(const struct vmc_dump *d,
				       struct vmc_warnings *ws,
				       struct vmc_coverage *out);

/*
 * Samples of range i for a strip of width columns (width >= 1): column j
 * covers bytes [j*size/width, (j+1)*size/width) of the range and gets the
 * kind holding most of them (ties: the lower kind); a column narrower than
 * a byte gets the kind at its start. O(width + pieces of the range).
 */
void vmc_coverage_samples(const struct vmc_coverage *c, size_t i,
			  unsigned width, uint8_t *out);

void vmc_coverage_fini(struct vmc_coverage *c);

#endif
