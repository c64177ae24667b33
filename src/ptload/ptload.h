/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ptload: runs from the walk → merged runs → (later) a layout plan and the
 * written core.
 */
#ifndef VMC_PTLOAD_H
#define VMC_PTLOAD_H

#include "../elfcore/elfcore.h"
#include "../pagewalk/pagewalk.h"

/* What pagewalk needs to know of core. */
void vmc_machine_of(struct vmc_core *core, struct vmc_machine *m);

/* The first kernel-half virtual address of pg: the sign-extended upper
 * half of 4- and 5-level paging; Linux's default 3G/1G split (0xc0000000)
 * for 32-bit and PAE. */
uint64_t vmc_kernel_start(const struct vmc_paging *pg);

/*
 * Sort runs by vaddr (then paddr) and coalesce neighbours that are
 * contiguous in both address spaces and have equal flags; with same_leaf,
 * also equal leaf sizes (for `maps`, which reports leaf sizes). Exact
 * duplicates (the same mapping seen from two roots) are dropped. O(n log n).
 */
void vmc_runs_merge(struct vmc_run_vec *runs, bool same_leaf);

/* ---- the output as a value ---------------------------------------------------- */

enum vmc_layout {
	VMC_LAYOUT_GDB,		/* PT_LOADs by virtual address, filler last */
	VMC_LAYOUT_CRASH,	/* kexec /proc/vmcore style: one per RAM range */
};

struct vmc_vrange {
	uint64_t lo, hi;	/* inclusive */
};

VMC_VEC(vmc_vrange_vec, struct vmc_vrange)

struct vmc_plan_opts {
	enum vmc_layout layout;
	struct vmc_root_request root;	/* whose user half (default CPU 0) */
	bool kernel_only;
	bool no_filler;
	struct vmc_vrange_vec exclude;	/* virtual ranges to leave out */
	bool in_place;			/* data stays where it is in the input */
};

/* One RAM range's bytes: copied from the input once, shared by aliases. */
struct vmc_plan_copy {
	uint64_t src, dst, size;
};

VMC_VEC(vmc_plan_copy_vec, struct vmc_plan_copy)

struct vmc_plan_stats {
	uint64_t leaves;		/* mappings the walk found */
	uint64_t roots;			/* distinct roots walked */
	uint64_t virtual_segs, filler_segs;
	uint64_t filler_bytes;
	uint64_t not_ram_bytes;		/* mapped, but not RAM in the dump: left out */
	uint64_t conflict_bytes;	/* VA mapped twice differently: first kept */
	uint64_t excluded_bytes;
};

struct vmc_plan {
	uint8_t elf_class;		/* of the output */
	uint16_t e_machine;
	enum vmc_layout layout;
	bool in_place;
	struct vmc_segment_vec segs;	/* phdr 0 is the PT_NOTE */
	struct vmc_plan_copy_vec copies;	/* empty with in_place */
	uint64_t phoff, shoff;		/* shoff 0 unless PN_XNUM */
	uint64_t notes_src, notes_off, notes_size;
	uint64_t file_size;
	struct vmc_plan_stats stats;
	char root_why[300];		/* which root gave the user half */
};

/* Walk core's page tables and lay out the output. Warnings (conflicts,
 * skipped tables) go to ws. */
struct vmc_error *vmc_plan_build(struct vmc_core *core,
				 const struct vmc_plan_opts *opts,
				 struct vmc_warnings *ws, struct vmc_plan *plan);
void vmc_plan_fini(struct vmc_plan *plan);

/* ---- writing it ------------------------------------------------------------------- */

struct vmc_write_opts {
	bool force;			/* replace an existing OUT */
	/* Called now and then with bytes done and total (progress), or NULL. */
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *progress_arg;
};

/*
 * Write plan to out_path: into a temporary file in the same directory,
 * fsynced, then renamed over out_path. On any error the temporary file is
 * removed and out_path is untouched. The input is never modified.
 */
struct vmc_error *vmc_plan_write(struct vmc_core *core,
				 const struct vmc_plan *plan,
				 const char *out_path,
				 const struct vmc_write_opts *wopts);

/*
 * Rewrite core's headers in place (plan built with in_place): append the
 * new program header table and a section header for PN_XNUM at the end of
 * the file, fsync, then replace the ELF header in one write, fsync. A kill
 * at any moment leaves a valid core: the old view or the new one.
 */
struct vmc_error *vmc_plan_write_in_place(const char *path,
					  const struct vmc_plan *plan);

#endif
