/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pagewalk: guest page tables → virtual-to-physical runs. Knows no ELF: it
 * reads guest memory only through struct vmc_physmem and takes CPU state
 * and VMCOREINFO as plain data (base.h).
 *
 * mode.c decides which paging form each CPU is in, and why; x86.c holds
 * the x86 paging forms and entry formats; walk.c is the one walk engine
 * (enumeration and traced translation); root.c chooses the root to walk.
 */
#ifndef VMC_PAGEWALK_H
#define VMC_PAGEWALK_H

#include "../base/base.h"

enum vmc_paging_mode {
	VMC_PAGING_UNKNOWN,	/* not enough state saved to tell */
	VMC_PAGING_NONE,	/* CR0.PG = 0 */
	VMC_PAGING_X86_32,	/* 2-level, 4-byte entries */
	VMC_PAGING_X86_PAE,	/* 3-level, PDPT of 4 entries */
	VMC_PAGING_X86_4L,	/* IA-32e 4-level */
	VMC_PAGING_X86_5L,	/* IA-32e 5-level (CR4.LA57) */
	VMC_PAGING_AARCH64,	/* VMSAv8-64 stage 1; see vmc_arm64_params */
};

/* x86 control-register bits (Intel SDM Vol. 3A §2.5). */
#define VMC_CR0_PG		(1ull << 31)
#define VMC_CR4_PSE		(1ull << 4)
#define VMC_CR4_PAE		(1ull << 5)
#define VMC_CR4_LA57		(1ull << 12)
#define VMC_CR4_PCIDE		(1ull << 17)
/* Code-segment descriptor L bit: 64-bit code (SDM Vol. 3A §3.4.5); QEMU
 * stores descriptor bits 8-23 in place, so it is bit 21 of seg.flags. */
#define VMC_SEGFLAG_L		(1u << 21)

struct vmc_paging_choice {
	enum vmc_paging_mode mode;
	char reason[160];	/* e.g. "CR0.PG=1 CR4.PAE=1 CS.L=1 CR4.LA57=0" */
};

/*
 * The x86 paging mode of one CPU. elf_long_mode says the dump's e_machine
 * is EM_X86_64, which QEMU chooses when the first CPU had EFER.LMA set —
 * the only trace of LMA in a dump, since EFER is not saved (§7.1).
 */
void vmc_x86_paging_mode(const struct vmc_cpu_state *cpu, bool elf_long_mode,
			 struct vmc_paging_choice *out);

/* AArch64 translation parameters and where each came from. */
struct vmc_arm64_params {
	bool have_granule, have_va_bits;
	unsigned page_shift;		/* 12, 14 or 16 */
	unsigned va_bits;
	const char *granule_src, *va_src;	/* "VMCOREINFO PAGESIZE", ... */
};

/* Fill p from VMCOREINFO (vi may be NULL); out->mode is AARCH64 when both
 * the granule and the VA size are known, else UNKNOWN with the reason. */
void vmc_arm64_paging(const struct vmc_vmcoreinfo *vi,
		      struct vmc_arm64_params *p,
		      struct vmc_paging_choice *out);

const char *vmc_paging_mode_name(enum vmc_paging_mode mode);

/* ---- paging forms ----------------------------------------------------------- */

#define VMC_MAX_LEVELS 5

/* What one entry says, decoded by a paging form's step function. */
enum vmc_entry_kind {
	VMC_ENTRY_NONE,		/* not present */
	VMC_ENTRY_TABLE,	/* points at the next-level table */
	VMC_ENTRY_LEAF,		/* maps a page or a large page */
	VMC_ENTRY_RESERVED,	/* present, but with bits the format forbids */
};

/* Permission and attribute bits of a mapping (architecture-neutral). */
enum vmc_run_flags {
	VMC_RUN_W = 1u << 0,	/* writable (every level allows it) */
	VMC_RUN_X = 1u << 1,	/* executable (no level forbids it) */
	VMC_RUN_U = 1u << 2,	/* user-accessible (every level allows it) */
	VMC_RUN_G = 1u << 3,	/* global (x86 G bit; aarch64 !nG) */
	/* Internal to formats whose execute permission depends on who may
	 * access the page (AArch64 PXN/UXN); ops->finish folds them into X. */
	VMC_RUN_PX = 1u << 4,
	VMC_RUN_UX = 1u << 5,
};

struct vmc_entry {
	enum vmc_entry_kind kind;
	uint64_t addr;		/* next table, or leaf's physical base */
	uint32_t allow;		/* VMC_RUN_* this entry allows (AND-ed down) */
	uint32_t leaf_flags;	/* VMC_RUN_G and the like, leaves only */
	const char *why;	/* for RESERVED: which bits */
};

struct vmc_paging;

/* One entry format (x86 32-bit, PAE, 64-bit; later AArch64 descriptors). */
struct vmc_paging_ops {
	const char *name;
	/* Decode entry (already stripped of clear_mask) at level (1 = last). */
	void (*decode)(const struct vmc_paging *pg, unsigned level,
		       uint64_t entry, struct vmc_entry *out);
	/* Name the entry's set bits for a trace, e.g. "P RW US A PS". */
	void (*describe)(const struct vmc_paging *pg, unsigned level,
			 uint64_t entry, char *buf, size_t sz);
	/* Optional: turn the flags accumulated down the walk into the final
	 * VMC_RUN_* flags of a leaf. */
	uint32_t (*finish)(uint32_t flags);
};

/* How an AArch64 descriptor encodes its output address (Arm ARM D8.3). */
enum vmc_oa_format {
	VMC_OA_PLAIN,		/* bits 47:page_shift */
	VMC_OA_LPA,		/* 64K granule, FEAT_LPA: + bits 15:12 = PA 51:48 */
	VMC_OA_LPA2,		/* 4K/16K, FEAT_LPA2: bits 49:shift, 9:8 = PA 51:50 */
};

/*
 * A paging form as data: the walk engine needs nothing else. Levels count
 * down from `levels` (the root table) to 1 (the last table). Level l's index
 * is VA bits [shift[l] + bits[l] - 1 : shift[l]].
 */
struct vmc_paging {
	enum vmc_paging_mode mode;
	const struct vmc_paging_ops *ops;
	unsigned levels;
	unsigned entry_size;		/* 4 or 8 bytes */
	unsigned bits[VMC_MAX_LEVELS + 1];
	unsigned shift[VMC_MAX_LEVELS + 1];
	const char *level_name[VMC_MAX_LEVELS + 1];
	unsigned va_bits;		/* translated VA width */
	bool sign_extend;		/* canonical VAs: sign-extend bit va_bits-1 */
	bool upper;			/* AArch64 TTBR1: VAs have bits 63:va_bits set */
	bool tbi;			/* top byte ignored (AArch64 TTBR0) */
	enum vmc_oa_format oa;		/* AArch64 output-address format */
	bool pse;			/* x86 32-bit: CR4.PSE enables 4M pages */
	uint64_t root;			/* physical address of the root table */
	uint64_t clear_mask;		/* bits stripped from every entry (sme_mask) */
};

/* An x86 paging form for mode with root register cr3 (masked here: PCID,
 * flags and LAM bits dropped; PAE keeps bits 31:5). */
struct vmc_error *vmc_paging_x86(enum vmc_paging_mode mode, uint64_t cr3,
				 bool pse, uint64_t sme_mask,
				 struct vmc_paging *out);

/* An AArch64 paging form: page_shift 12, 14 or 16; va_bits 16-52; root the
 * physical address of the start-level table; upper for TTBR1 (kernel)
 * tables, else TTBR0; pa52: the kernel uses 52-bit physical addresses
 * (64K: FEAT_LPA; 4K/16K with 52-bit VA: FEAT_LPA2). */
struct vmc_error *vmc_paging_arm64(unsigned page_shift, unsigned va_bits,
				   uint64_t root, bool upper, bool pa52,
				   struct vmc_paging *out);

/* The canonical form of a VA built from table indexes. */
uint64_t vmc_paging_canonical(const struct vmc_paging *pg, uint64_t va);
/* True when vaddr is translatable by pg (canonical, within va_bits). */
bool vmc_paging_va_ok(const struct vmc_paging *pg, uint64_t vaddr);

/* ---- runs: the walk's output --------------------------------------------------- */

struct vmc_run {
	uint64_t vaddr, paddr, size;
	uint32_t flags;			/* enum vmc_run_flags */
	uint8_t leaf_level;		/* level of the leaf entry (1 = last) */
	uint8_t leaf_shift;		/* log2 of the leaf page size */
};

VMC_VEC(vmc_run_vec, struct vmc_run)

struct vmc_walk_limits {
	uint64_t max_runs;		/* stop after this many leaves (0: 2^20;
					 * see vmc_walk_budget) */
	uint32_t max_table_visits;	/* per (table, level) (0: default) */
	uint64_t va_lo, va_hi;		/* only leaves intersecting [lo, hi] */
};

/* A leaf budget for a dump whose file holds data_bytes of RAM: 2^20, or two
 * mappings per RAM page when that is more (never what a header claims). Real guests map each page of RAM a few
 * times at most (a 512 MB Debian guest: 75,000 mappings for 131,072 pages);
 * hostile shared tables multiply without bound and are cut here. */
uint64_t vmc_walk_budget(uint64_t data_bytes);

struct vmc_walk_stats {
	uint64_t tables;		/* distinct (table, level) pairs read */
	uint64_t table_reads;		/* table visits, repeats included */
	uint64_t entries;		/* entries examined */
	uint64_t leaves;
	uint64_t not_present;
	uint64_t reserved;		/* entries skipped for reserved bits */
	uint64_t unreadable;		/* tables outside RAM or past EOF */
	uint64_t over_shared;		/* visits refused by max_table_visits */
	uint64_t loops;			/* entries into a table of another level */
	uint64_t duplicate_roots;	/* root entries skipped as already walked */
	bool truncated;			/* max_runs reached */
	uint32_t max_visits;		/* most visits of any one table */
};

/*
 * Enumerate the mappings of every form in pgs (e.g. one per distinct CPU
 * root), appending one run per leaf entry to runs, unmerged, in VA order per
 * form. Root entries already walked from an earlier form with the same
 * value are skipped (kernel halves are shared). Bounded in time and memory
 * by limits; what is skipped is counted in stats and reported to ws.
 */
struct vmc_error *vmc_walk(const struct vmc_paging *pgs, size_t npgs,
			   const struct vmc_physmem *pm,
			   const struct vmc_walk_limits *limits,
			   struct vmc_run_vec *runs, struct vmc_walk_stats *stats,
			   struct vmc_warnings *ws);

/* ---- one translation, with its trace ---------------------------------------------- */

struct vmc_trace_step {
	unsigned level;
	uint64_t table;			/* physical address of the table */
	uint64_t index;
	uint64_t entry_paddr;
	uint64_t entry;			/* raw, before clear_mask */
	struct vmc_entry dec;
	bool read_failed;
};

struct vmc_translation {
	uint64_t vaddr;
	bool mapped;
	uint64_t paddr, page_size;
	uint32_t flags;
	unsigned nsteps;
	struct vmc_trace_step steps[VMC_MAX_LEVELS];
	char why[160];			/* when not mapped */
};

/* Translate vaddr, recording every level. A vaddr that is not mapped is
 * not an error (out->mapped false, out->why says where it stopped). */
void vmc_translate(const struct vmc_paging *pg, const struct vmc_physmem *pm,
		   uint64_t vaddr, struct vmc_translation *out);

/*
 * The single-address path without a trace, for reads (read, symbols, every
 * later consumer): the last leaf and each level's last table view are kept
 * in a cache, so neighbouring and repeated lookups skip the RAM-map search.
 * A cache belongs to one form and one physmem; zero it to start (or when
 * either changes). Returns false when vaddr does not translate (or a table
 * cannot be read); vmc_translate then says why.
 */
struct vmc_xlat_cache {
	const struct vmc_paging *pg;
	uint64_t table[VMC_MAX_LEVELS + 1];
	const uint8_t *view[VMC_MAX_LEVELS + 1];
	bool have_leaf;
	uint64_t leaf_va, leaf_pa, leaf_size;
};

bool vmc_translate_fast(struct vmc_xlat_cache *c, const struct vmc_paging *pg,
			const struct vmc_physmem *pm, uint64_t vaddr,
			uint64_t *paddr, uint64_t *page_size);

/* Read len bytes at virtual vaddr through pg. On a hole, returns a
 * VMC_ERR_NOT_FOUND error whose addr is the first unmapped byte and whose
 * message says which entry stopped the walk; a mapped page whose physical
 * memory is not in the dump gives VMC_ERR_FAULT. */
struct vmc_error *vmc_read_virtual(const struct vmc_paging *pg,
				   const struct vmc_physmem *pm, uint64_t vaddr,
				   void *buf, size_t len);

/* ---- choosing the root ---------------------------------------------------------------- */

struct vmc_root_request {
	int cpu;			/* -1: not given */
	bool have_cr3;
	uint64_t cr3;
	bool swapper;			/* use VMCOREINFO swapper_pg_dir */
	/* AArch64: QEMU saves no TTBR/TCR, so these may be given. */
	bool have_ttbr0, have_ttbr1;
	uint64_t ttbr0, ttbr1;
	unsigned granule_shift;		/* 0: from VMCOREINFO PAGESIZE */
	unsigned va_bits;		/* 0: from VMCOREINFO */
};

/* The forms to walk: one on x86; on AArch64 the TTBR1 (kernel) form and,
 * when known, the TTBR0 (user) form, each for its half of the space. */
struct vmc_root_choice {
	struct vmc_paging pg[2];
	size_t npg;
	int cpu;			/* CPU whose state chose the form, or -1 */
	char why[300];
};

/* The form of rc that translates vaddr, or NULL (e.g. an AArch64 lower-half
 * address when TTBR0 is unknown). */
const struct vmc_paging *vmc_form_for(const struct vmc_root_choice *rc,
				      uint64_t vaddr);

/*
 * The paging form to walk for req: --cr3, --cpu, VMCOREINFO swapper_pg_dir,
 * or by default CPU 0's root (falling back to the first CPU with paging on,
 * then swapper_pg_dir); on AArch64 the TTBR1/TTBR0 forms. Errors say what is
 * missing and what to pass; none is VMC_ERR_NOT_FOUND (a root we cannot
 * find is "cannot tell", not a negative answer).
 */
struct vmc_error *vmc_choose_root(const struct vmc_dump *d,
				  const struct vmc_root_request *req,
				  struct vmc_root_choice *out);

/* ---- per-architecture operations ------------------------------------------------- */

VMC_VEC(vmc_paging_vec, struct vmc_paging)

/* ---- regions: the kernel's virtual memory layout ------------------------------------ */

/* What a virtual region is for, as far as RAM coverage cares. */
enum vmc_region_kind {
	VMC_REGION_USER,	/* user space */
	VMC_REGION_LINEAR,	/* the kernel's linear map of RAM (x86_64 direct
				 * map, i386 lowmem, AArch64 linear map) */
	VMC_REGION_IMAGE,	/* the kernel image mapping */
	VMC_REGION_KERNEL,	/* any other kernel mapping: vmalloc, modules,
				 * fixmap, vmemmap, ... */
};

/*
 * One region of a guest's virtual address space, named as the kernel's own
 * documentation names it. Regions come sorted and disjoint; addresses in no
 * region are left unnamed.
 */
struct vmc_region {
	uint64_t lo, hi;		/* inclusive */
	const char *name;		/* static: "direct map", "vmalloc", ... */
	char mark;			/* one character for strips: '=', 'K', ... */
	enum vmc_region_kind kind;
	/* LINEAR and IMAGE: the kernel's own VA - PA there. A mapping in the
	 * region at another offset is counted as KERNEL (some other mapping
	 * that happens to lie there, or a hostile one). */
	bool have_delta;
	uint64_t delta;
	char source[160];		/* where lo and hi come from, for people */
};

VMC_VEC(vmc_region_vec, struct vmc_region)

struct vmc_view;

/*
 * What differs between architectures, in one table each (x86-arch.c,
 * arm64-arch.c); nothing outside pagewalk tests the architecture. A new
 * architecture is one file filling this in plus its entry in arch.c's
 * table (src/README.md lists the rest).
 */
struct vmc_arch_ops {
	const char *name;
	/* The paging form one CPU is in, and the evidence (for `info`). */
	void (*cpu_paging)(const struct vmc_dump *d,
			   const struct vmc_cpu_state *cpu,
			   struct vmc_paging_choice *out);
	/* The forms to walk for req, and why (vmc_choose_root). */
	struct vmc_error *(*choose_root)(const struct vmc_dump *d,
					 const struct vmc_root_request *req,
					 struct vmc_root_choice *out);
	/* Append the forms whose kernel halves make up a view of the whole
	 * kernel (remap): the chosen one's, each CPU's, the kernel's own.
	 * Deduplicated; the walk skips root entries already walked. */
	struct vmc_error *(*kernel_forms)(const struct vmc_dump *d,
					  const struct vmc_root_choice *rc,
					  struct vmc_paging_vec *out);
	/* The form of rc that maps user space, or NULL when unknown. */
	const struct vmc_paging *(*user_form)(const struct vmc_root_choice *rc);
	/* The first virtual address of the kernel half of pg. */
	uint64_t (*kernel_start)(const struct vmc_paging *pg);
	/* The lowest address of the kernel image mapping when the
	 * architecture fixes it (x86_64 __START_KERNEL_map), else 0. Callers
	 * prefer VMCOREINFO's SYMBOL(_stext) where it exists. */
	uint64_t image_base;
	/* The regions of the view's address space (user space, linear map,
	 * vmalloc, kernel image, ...), appended to out in any order, from
	 * VMCOREINFO, the architecture's fixed layout and what the view reads
	 * in guest memory; maps[0, n) are mappings the walk found (any order,
	 * may be empty), for bounds only the mappings show (i386 high_memory,
	 * the AArch64 image). Optional (NULL: no names). */
	struct vmc_error *(*regions)(const struct vmc_view *v,
				     const struct vmc_run *maps, size_t n,
				     struct vmc_region_vec *out);
	/* The ELF class outputs get (gdb has no ELF64 i386 target). */
	uint8_t out_class;
	/* `info` also shows the --swapper root (x86_64). */
	bool show_swapper;
};

/* The operations for arch, or NULL when we have no walker for it. */
const struct vmc_arch_ops *vmc_arch_ops(enum vmc_arch arch);

/* ---- a view: the one walk set-up of maps, vtop, read and remap ---------------------- */

enum vmc_half { VMC_HALF_ALL, VMC_HALF_KERNEL, VMC_HALF_USER };

struct vmc_view {
	const struct vmc_dump *dump;
	const struct vmc_arch_ops *arch;
	struct vmc_root_choice rc;
	uint64_t kernel_start;		/* of rc.pg[0] */
	uint64_t budget;		/* leaves per walk (vmc_walk_budget) */
};

/* Choose the root for req and prepare to translate or walk through it. */
struct vmc_error *vmc_view_open(const struct vmc_dump *d,
				const struct vmc_root_request *req,
				struct vmc_view *v);

/* Translate / read through the view's form for vaddr; an address no form
 * covers (AArch64 lower half without --ttbr0) is "not mapped", saying so. */
void vmc_view_translate(const struct vmc_view *v, uint64_t vaddr,
			struct vmc_translation *out,
			const struct vmc_paging **form);
struct vmc_error *vmc_view_read(const struct vmc_view *v, uint64_t vaddr,
				void *buf, size_t len);

struct vmc_view_stats {
	struct vmc_walk_stats walk;	/* summed over the walks */
	uint64_t roots;			/* distinct roots walked */
};

/*
 * Append the view's mappings to runs, unmerged, within half. With
 * every_root (remap), the kernel half comes from every root kernel_forms
 * names and the user half from the chosen root; without (maps), everything
 * comes from the chosen forms. Each walk is bounded by the view's budget.
 */
struct vmc_error *vmc_view_walk(const struct vmc_view *v, bool every_root,
				enum vmc_half half, struct vmc_run_vec *runs,
				struct vmc_view_stats *st,
				struct vmc_warnings *ws);

/* ---- regions of a view (regions.c) --------------------------------------------------- */

/*
 * The regions of v's address space (struct vmc_region), sorted and disjoint
 * (an arch table that overlaps is clipped), into out (emptied first).
 * maps[0, n) are mappings the walk found, in any order (may be empty). Guest
 * memory the regions depend on (x86_64 mem_section and vmap_area_list under
 * KASLR) is read through the kernel's page tables; what cannot be read
 * leaves that region out or falls back, as the region's source says.
 */
struct vmc_error *vmc_view_regions(const struct vmc_view *v,
				   const struct vmc_run *maps, size_t n,
				   struct vmc_region_vec *out);

/* The region of r[0, n) (sorted, disjoint) holding vaddr, or NULL. O(log n). */
const struct vmc_region *vmc_region_find(const struct vmc_region *r, size_t n,
					 uint64_t vaddr);

/*
 * What the mapping [vaddr, vaddr+size) -> paddr is for: its first bytes'
 * kind into *kind, and how many bytes from vaddr on have that kind (at most
 * size; the caller continues from there). A region's kind counts where the
 * mapping's VA - PA is the region's delta (when it has one), else KERNEL;
 * outside every region, addresses below kernel_start are USER and the
 * others KERNEL.
 */
uint64_t vmc_region_classify(const struct vmc_region *r, size_t n,
			     uint64_t kernel_start, uint64_t vaddr,
			     uint64_t paddr, uint64_t size,
			     enum vmc_region_kind *kind);

/* For the architectures' tables: append a region whose source is printf
 * formatted; NULL when out of memory. */
struct vmc_region *vmc_region_push(struct vmc_region_vec *out, uint64_t lo,
				   uint64_t hi, const char *name, char mark,
				   enum vmc_region_kind kind, const char *fmt, ...)
	VMC_PRINTF(7, 8);

/* The name of a region kind: "user", "linear", "image", "kernel". */
const char *vmc_region_kind_name(enum vmc_region_kind kind);

/* Read kernel memory at vaddr through the view's forms, then through every
 * form kernel_forms names (a user CR3 under KPTI maps little of the kernel);
 * the first error when none can. */
struct vmc_error *vmc_view_read_kernel(const struct vmc_view *v, uint64_t vaddr,
				       void *buf, size_t len);
/* Translate kernel vaddr the same way; false when no form maps it. */
bool vmc_view_kernel_paddr(const struct vmc_view *v, uint64_t vaddr,
			   uint64_t *paddr);

/* The halves of the view's address space: the user half (TTBR0 on AArch64,
 * present when kernel_start > 0) and the kernel half, inclusive bounds. */
struct vmc_va_half {
	const char *name;		/* "user half", "kernel half", "TTBR0", "TTBR1" */
	uint64_t lo, hi;
	bool walked;			/* a form of the view translates it */
};
size_t vmc_view_halves(const struct vmc_view *v, struct vmc_va_half out[2]);

/* The paging form of cpu and the evidence (for `info`). */
void vmc_cpu_paging(const struct vmc_dump *d, const struct vmc_cpu_state *cpu,
		    struct vmc_paging_choice *out);

/* The privilege the CPU was at when the dump was taken, as the CPU itself
 * keeps it: AArch64 PSTATE.EL (EL0 is user); x86 the code segment's DPL in
 * QEMU's note, which is where QEMU keeps the CPL (3 is user). UNKNOWN when
 * the dump saved neither (an x86 core with no QEMU note). */
enum vmc_cpu_mode { VMC_CPU_MODE_UNKNOWN, VMC_CPU_MODE_KERNEL, VMC_CPU_MODE_USER };
enum vmc_cpu_mode vmc_cpu_mode(const struct vmc_cpu_state *cpu);
const char *vmc_cpu_mode_name(enum vmc_cpu_mode m);	/* "user", "kernel", NULL */

#endif
