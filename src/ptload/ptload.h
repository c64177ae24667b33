/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ptload: the walk's runs → an output core, as a value, then on disk.
 *   runs.c    clean runs: merge, resolve overlaps, cut --exclude ranges
 *   layout.c  runs + RAM map → program headers (gdb or crash layout)
 *   place.c   program headers → file offsets and the copies that fill them
 *   plan.c    the pipeline: view walk → clean → lay out → place
 *   write.c   put a plan on disk (temporary file, fsync, rename; in place)
 * It consumes only the dump model (base.h) and pagewalk's view: no reader's
 * file, mapping or headers.
 */
#ifndef VMC_PTLOAD_H
#define VMC_PTLOAD_H

#include "../base/base.h"
#include "../pagewalk/pagewalk.h"

/* ---- cleaning runs ------------------------------------------------------------ */

/*
 * Sort runs by vaddr (then paddr) and coalesce neighbours that are
 * contiguous in both address spaces and have equal flags; with same_leaf,
 * also equal leaf sizes (for `maps`, which reports leaf sizes). Exact
 * duplicates (the same mapping seen from two roots) are dropped. O(n log n).
 */
void vmc_runs_merge(struct vmc_run_vec *runs, bool same_leaf);

/* Make merged, sorted runs disjoint in VA: the first mapping of an address
 * wins, the bytes of the others are added to *conflict_bytes (one warning).
 * Correct up to the last byte of the address space. O(n). */
void vmc_runs_resolve_overlaps(struct vmc_run_vec *runs,
			       uint64_t *conflict_bytes,
			       struct vmc_warnings *ws);

/* Fold aliases: where at least min_fanout disjoint runs map the very same
 * physical range (paddr and size; espfix64 maps its pages 65,536 times),
 * keep only the lowest-addressed one. Runs stay sorted by VA. The runs and
 * bytes left out are added to *folded_runs and *folded_bytes; *groups
 * counts the physical ranges folded. O(n log n). */
struct vmc_error *vmc_runs_fold_aliases(struct vmc_run_vec *runs,
					uint64_t min_fanout,
					uint64_t *groups, uint64_t *folded_runs,
					uint64_t *folded_bytes);

/* The fan-out from which the gdb layout folds aliases by default. */
#define VMC_ALIAS_FANOUT 256

struct vmc_vrange {
	uint64_t lo, hi;	/* inclusive */
};

VMC_VEC(vmc_vrange_vec, struct vmc_vrange)

/* Cut the ranges ex out of disjoint sorted runs; bytes removed are added to
 * *excluded_bytes. O((n + e) log e). */
struct vmc_error *vmc_runs_exclude(struct vmc_run_vec *runs,
				   const struct vmc_vrange_vec *ex,
				   uint64_t *excluded_bytes);

/* ---- the output as a value ---------------------------------------------------- */

enum vmc_layout {
	VMC_LAYOUT_GDB,		/* PT_LOADs by virtual address, filler last */
	VMC_LAYOUT_CRASH,	/* kexec /proc/vmcore style: one per RAM range */
	/* QEMU paging=false style: one PT_LOAD per RAM range with
	 * p_vaddr = p_paddr; no page-table walk (convert). */
	VMC_LAYOUT_PHYSICAL,
};

struct vmc_plan_opts {
	enum vmc_layout layout;
	struct vmc_root_request root;	/* whose user half (default CPU 0) */
	bool kernel_only;
	bool no_filler;
	bool keep_aliases;		/* gdb: do not fold mass aliases */
	struct vmc_vrange_vec exclude;	/* virtual ranges to leave out */
	bool in_place;			/* data stays where it is in the input */
	/* Lay out even when the walk maps (almost) none of RAM: by default
	 * that is an error, since gdb could read nothing by virtual address. */
	bool allow_empty;
};

/* One piece of the output's data: RAM [paddr, paddr+size) at offset dst. */
struct vmc_plan_copy {
	uint64_t paddr, dst, size;
};

VMC_VEC(vmc_plan_copy_vec, struct vmc_plan_copy)

struct vmc_plan_stats {
	uint64_t leaves;		/* mappings the walk found */
	uint64_t roots;			/* distinct roots walked */
	uint64_t virtual_segs, filler_segs;
	uint64_t mapped_ram_bytes;	/* RAM bytes some virtual mapping reaches */
	uint64_t virtual_bytes;		/* RAM bytes the layout's virtual PT_LOADs cover */
	uint64_t filler_bytes;
	uint64_t not_ram_bytes;		/* mapped, but not RAM in the dump: left out */
	uint64_t conflict_bytes;	/* VA mapped twice differently: first kept */
	uint64_t excluded_bytes;
	uint64_t alias_groups;		/* physical ranges whose aliases were folded */
	uint64_t alias_runs, alias_bytes;	/* the aliases left out */
	uint64_t over_budget_bytes;	/* mapped, left out past max_segs */
	uint64_t above_4g_bytes;	/* ELF32: segment bytes above 4 GiB, left out */
	struct vmc_walk_stats walk;	/* what the walk saw and skipped */
};

struct vmc_plan {
	uint8_t elf_class;		/* of the output */
	uint16_t e_machine;
	enum vmc_layout layout;
	bool in_place;
	struct vmc_segment_vec segs;	/* the PT_NOTEs first, then PT_LOADs */
	size_t nnotes;			/* PT_NOTEs: one per input PT_NOTE, >= 1 */
	struct vmc_plan_copy_vec copies;	/* empty with in_place */
	uint64_t phoff, shoff;		/* shoff 0 unless PN_XNUM */
	uint64_t notes_off, notes_size;
	uint64_t file_size;
	struct vmc_plan_stats stats;
	char root_why[300];		/* which root gave the user half */
};

/* ---- layout and placement (the steps of vmc_plan_build) ------------------------ */

/* What the layouts need to know of the kernel, from pagewalk's view. */
struct vmc_kernel_hints {
	uint64_t kernel_start;		/* first VA of the kernel half */
	bool have_stext;		/* VMCOREINFO SYMBOL(_stext) */
	uint64_t stext;
	uint64_t image_base;		/* architecture's fixed image base, or 0 */
};

/* Append the PT_NOTEs (one per input PT_NOTE) and the virtual segments for disjoint sorted
 * runs, split where RAM ranges end; mapped bytes that are not RAM with data
 * in the dump (device memory) are left out and counted, and the RAM they
 * reach is counted in stats.mapped_ram_bytes. At most max_segs segments:
 * page tables that alias RAM ranges without bound (each of 2^18 1G pages
 * over a thousand ranges) would otherwise make more PT_LOADs than memory;
 * the rest is counted in stats.over_budget_bytes, with a warning. */
struct vmc_error *vmc_layout_virtual(const struct vmc_dump *d,
				     const struct vmc_run_vec *runs,
				     uint64_t max_segs, struct vmc_plan *plan,
				     struct vmc_warnings *ws);
/* gdb: after the virtual segments, the RAM none of them covers (filler). */
struct vmc_error *vmc_layout_gdb(const struct vmc_dump *d, bool no_filler,
				 struct vmc_plan *plan);
/* crash: replace the virtual segments by the kernel image segment, then one
 * segment per RAM piece at its linear-map address, or 0 where unmapped. */
struct vmc_error *vmc_layout_crash(const struct vmc_dump *d,
				   const struct vmc_kernel_hints *kh,
				   struct vmc_plan *plan);

/* physical: the PT_NOTEs, then one identity PT_LOAD per RAM range with
 * data (p_vaddr = p_paddr, as QEMU >= 4.0 writes with paging=false). */
struct vmc_error *vmc_layout_physical(const struct vmc_dump *d,
				      struct vmc_plan *plan);

/* File offsets for every segment and the copies that fill them; each RAM
 * range once, at an offset congruent to the input's modulo 4K when the input
 * stores it flat, so that file systems can share blocks. O(n log r). */
struct vmc_error *vmc_place(const struct vmc_dump *d, struct vmc_plan *plan);

/* ---- the pipeline --------------------------------------------------------------- */

/* Walk the dump's page tables and lay out the output. Warnings (conflicts,
 * skipped tables) go to ws. A walk that reaches under 1% of the RAM with data
 * is an error (VMC_ERR_UNSUPPORTED) naming the root and what the walk saw,
 * unless opts->allow_empty. VMC_LAYOUT_PHYSICAL walks nothing: the plan is
 * the RAM map as it is (ELFCLASS64 unless an i386 guest's RAM all lies
 * below 4 GiB, QEMU's rule), and only layout and force matter. */
struct vmc_error *vmc_plan_build(const struct vmc_dump *d,
				 const struct vmc_plan_opts *opts,
				 struct vmc_warnings *ws, struct vmc_plan *plan);
void vmc_plan_fini(struct vmc_plan *plan);

/* ---- writing it ------------------------------------------------------------------- */

struct vmc_write_opts {
	bool force;			/* replace an existing OUT */
	/* Called now and then with bytes done and total (progress), or NULL. */
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *progress_arg;
	/* Out: bytes of the output whose blocks the file system shares
	 * (FIEMAP's shared flag: reflinked from the input); UINT64_MAX when
	 * the file system cannot tell. */
	uint64_t shared_bytes;
};

/*
 * Write plan to out_path: into a temporary file in the same directory,
 * fsynced, then renamed over out_path. On any error, and on SIGINT, SIGTERM,
 * SIGHUP or SIGPIPE (blocked while writing, acted on between pieces and
 * then re-raised with the caller's disposition), the temporary file is
 * removed and out_path is untouched. The input is never modified. Errors
 * name out_path.
 */
struct vmc_error *vmc_plan_write(const struct vmc_dump *d,
				 const struct vmc_plan *plan,
				 const char *out_path,
				 struct vmc_write_opts *wopts);

/*
 * Rewrite the dump's file's headers in place (plan built with in_place):
 * append the new program header table and a section header for PN_XNUM at
 * the end of the file, fsync, then replace the ELF header in one write,
 * fsync. A kill at any moment leaves a valid core: the old view or the new
 * one. Errors do not name the file (the caller does).
 */
struct vmc_error *vmc_plan_write_in_place(const char *path,
					  const struct vmc_plan *plan);

#endif
