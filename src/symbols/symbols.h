/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * symbols: kernel names <-> addresses, and the KASLR offset.
 *
 * Two sources of names:
 *   kallsyms.c  the kernel's own compressed tables, read out of the dump
 *               through its page tables (no vmlinux; Linux >= 6.0 puts
 *               their addresses in VMCOREINFO)
 *   vmlinux.c   a vmlinux (ELF symbol table, via libdwfl, relocated by the
 *               KASLR offset), given or found by build-id and release
 * table.c holds either as one sorted table; symbols.c decides which source
 * answers, finds the vmlinux and derives the KASLR offset.
 *
 * Used by report and the CLI, never by pagewalk. Opening is cheap: it
 * reads VMCOREINFO and looks for the vmlinux, nothing more; kallsyms is
 * decoded and the vmlinux's symbols read on the first lookup that needs
 * them.
 */
#ifndef VMC_SYMBOLS_H
#define VMC_SYMBOLS_H

#include "../base/base.h"
#include "../pagewalk/pagewalk.h"

/* ---- a symbol table ----------------------------------------------------------- */

struct vmc_sym {
	uint64_t addr;
	uint64_t size;		/* bytes; 0 when unknown (kallsyms has no sizes) */
	const char *name;
	char type;		/* nm's letter: T t D d B b R r W w V v A a ... */
};

/* Upper case is global binding in nm's letters (kallsyms uses them too). */
static inline bool vmc_sym_global(const struct vmc_sym *s)
{
	return s->type >= 'A' && s->type <= 'Z';
}

struct vmc_symtab;

struct vmc_error *vmc_symtab_new(struct vmc_symtab **out);
void vmc_symtab_free(struct vmc_symtab *t);
/* Add name[0, len) (copied); before vmc_symtab_finish() only. */
struct vmc_error *vmc_symtab_add(struct vmc_symtab *t, const char *name,
				 size_t len, uint64_t addr, uint64_t size,
				 char type);
/* Sort by address and by name. O(n log n). Lookups need it. */
struct vmc_error *vmc_symtab_finish(struct vmc_symtab *t);
size_t vmc_symtab_count(const struct vmc_symtab *t);
/* The i-th symbol in address order (ties keep the order of addition). */
const struct vmc_sym *vmc_symtab_at(const struct vmc_symtab *t, size_t i);
/* The symbols called name, *n of them in address order, or NULL. O(log n). */
const struct vmc_sym *const *vmc_symtab_named(const struct vmc_symtab *t,
					     const char *name, size_t *n);
/*
 * The symbol that holds vaddr, or NULL: the last one at or below it
 * (of several at one address: a global function first, then other
 * globals, then locals), if vaddr is below the next symbol's address and
 * within its size when it has one; without a size, within 1 MiB (4 KiB
 * past the last symbol). *off receives vaddr - its address. O(log n).
 */
const struct vmc_sym *vmc_symtab_covering(const struct vmc_symtab *t,
					  uint64_t vaddr, uint64_t *off);
/* Symbols whose letter is a data one (d b r g, either case). */
size_t vmc_symtab_data_count(const struct vmc_symtab *t);

/* ---- kallsyms: the kernel's tables in the dump --------------------------------- */

enum vmc_kallsyms_layout {
	VMC_KALLSYMS_UNKNOWN,
	/* kallsyms_offsets[] are u32 above kallsyms_relative_base. */
	VMC_KALLSYMS_RELATIVE,
	/* CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP): an offset >= 0 is an
	 * absolute (per-CPU) address, a negative one relative_base - 1 - off. */
	VMC_KALLSYMS_ABSOLUTE_PERCPU,
	/* !CONFIG_KALLSYMS_BASE_RELATIVE: kallsyms_addresses[], words. */
	VMC_KALLSYMS_ABSOLUTE,
};

const char *vmc_kallsyms_layout_name(enum vmc_kallsyms_layout l);

/* Where the tables are (VMCOREINFO SYMBOL()s) and how to read them. */
struct vmc_kallsyms_loc {
	uint64_t names, num_syms, token_table, token_index;
	uint64_t offsets, relative_base;	/* base-relative kernels */
	uint64_t addresses;			/* absolute ones */
	bool have_offsets;		/* else kallsyms_addresses */
	bool have_stext;		/* VMCOREINFO SYMBOL(_stext) */
	uint64_t stext;
	unsigned word;			/* sizeof(long): 4 or 8 */
	bool big_endian;
	/* Since Linux 6.1 (73bbb94466fd) a name's token count >= 0x80 takes
	 * two bytes; before, that byte is the count itself. */
	bool long_names;
};

/* The locations from VMCOREINFO: VMC_ERR_NOT_FOUND naming what is missing
 * (kernels before 6.0 export none). */
struct vmc_error *vmc_kallsyms_locate(const struct vmc_vmcoreinfo *vi,
				      enum vmc_arch arch, bool big_endian,
				      struct vmc_kallsyms_loc *out);

/* How the decoder reads guest virtual memory (a view of the dump, or a
 * buffer in tests and fuzzing). Errors are faults. */
typedef struct vmc_error *(*vmc_vread_fn)(void *ctx, uint64_t vaddr,
					  void *buf, size_t len);

struct vmc_kallsyms_info {
	enum vmc_kallsyms_layout layout;
	uint32_t num_syms;
	uint64_t names_bytes;		/* size of kallsyms_names */
	uint64_t relative_base;
};

/*
 * Decode every symbol into t (not finished). num_syms must be at most
 * max_syms (the caller bounds it by what the dump holds); the tables are
 * read in pieces, so a lie about their sizes fails at the first byte that
 * is not there. The relative and absolute-percpu readings of the offsets
 * are told apart by SYMBOL(_stext), which the result must agree with
 * (when the loc has it). Errors name the table and the index.
 */
struct vmc_error *vmc_kallsyms_decode(const struct vmc_kallsyms_loc *loc,
				      vmc_vread_fn read, void *ctx,
				      uint64_t max_syms, struct vmc_symtab *t,
				      struct vmc_kallsyms_info *info);

/* ---- a vmlinux ------------------------------------------------------------------ */

struct vmc_vmlinux;

/* Open path as a kernel ELF (libelf, mapped; cheap): its build-id, class,
 * machine and image bounds. Errors say why it is not a usable vmlinux. */
struct vmc_error *vmc_vmlinux_open(const char *path, struct vmc_vmlinux **out);
void vmc_vmlinux_close(struct vmc_vmlinux *vm);
/* NT_GNU_BUILD_ID as lower-case hex ("" when it has none). */
const char *vmc_vmlinux_build_id(const struct vmc_vmlinux *vm);
/* The link-time address of _stext (a scan of .symtab; no libdwfl). */
struct vmc_error *vmc_vmlinux_stext(struct vmc_vmlinux *vm, uint64_t *out);
/*
 * Add the symbol table to t, relocated by offset: libdwfl reports the
 * image as a module at its link-time bounds + offset (dwfl_report_module,
 * with a find_elf callback; dwfl_report_elf would ignore the bias of an
 * ET_EXEC file, KDUMP-AND-SYMBOLS.md D.2). Symbols outside the image
 * (x86_64 per-CPU ones, linked at 0) keep their link-time values. Section
 * and file symbols and AArch64 mapping symbols ($x, $d) are left out.
 */
struct vmc_error *vmc_vmlinux_symbols(struct vmc_vmlinux *vm, uint64_t offset,
				      struct vmc_symtab *t);

/* ---- the KASLR offset ------------------------------------------------------------- */

enum vmc_kaslr_how {
	VMC_KASLR_UNKNOWN,
	VMC_KASLR_KERNELOFFSET,		/* VMCOREINFO KERNELOFFSET */
	VMC_KASLR_STEXT,		/* runtime _stext - the vmlinux's _stext */
	VMC_KASLR_PAGETABLES,		/* lowest page at the image base - _stext */
	/* i386 without a vmlinux: phys(_stext) - the boot protocol's
	 * pref_address (kernel/, vmc_kernel_complete) */
	VMC_KASLR_SETUP_HEADER,
};

struct vmc_kaslr {
	enum vmc_kaslr_how how;
	uint64_t offset;		/* when how != UNKNOWN */
	/* For people: "VMCOREINFO KERNELOFFSET", "VMCOREINFO SYMBOL(_stext)
	 * 0xcd000000 - vmlinux _stext 0xc1000000", or why it is unknown. */
	char why[640];
};

/* ---- the symbols of one dump --------------------------------------------------------- */

struct vmc_symbols_opts {
	const char *vmlinux;		/* --vmlinux PATH; NULL: look for one */
	bool force_vmlinux;		/* take it though its build-id differs */
	bool no_search;			/* do not look for a vmlinux */
	/* The directory the search paths are under (tests); NULL or "": /. */
	const char *debug_root;
	/* The page tables kallsyms is read through; NULL: the default root. */
	const struct vmc_root_request *root;
};

struct vmc_symbols;

/*
 * Prepare the symbols of d, which must outlive them: read VMCOREINFO, open
 * --vmlinux or look for the vmlinux (its build-id checked against
 * VMCOREINFO BUILD-ID). Decodes nothing. Errors: a --vmlinux that cannot
 * be opened or whose build-id differs from the dump's (both ids shown;
 * force_vmlinux turns that into a warning). A vmlinux found by the search
 * whose build-id differs is skipped (said in the vmlinux's "why").
 */
struct vmc_error *vmc_symbols_open(const struct vmc_dump *d,
				   const struct vmc_symbols_opts *opts,
				   struct vmc_warnings *ws,
				   struct vmc_symbols **out);
void vmc_symbols_close(struct vmc_symbols *s);

struct vmc_vmlinux_info {
	const char *path;		/* NULL when there is none */
	const char *how;		/* "--vmlinux", "VMCOREINFO BUILD-ID", ... */
	const char *build_id;		/* the file's, or "" */
	bool verified;			/* its build-id equals the dump's */
	/* Without a path: where the search looked, and what it skipped. */
	const char *why;
};

/* The vmlinux (looked for now if not yet). */
void vmc_symbols_vmlinux(struct vmc_symbols *s, struct vmc_vmlinux_info *out);

/*
 * The KASLR offset: VMCOREINFO KERNELOFFSET; else the runtime _stext
 * (VMCOREINFO SYMBOL(_stext), or kallsyms) less the vmlinux's link-time
 * _stext (i386: QEMU's dumps have no KERNELOFFSET); else, with no
 * VMCOREINFO on x86_64, the lowest page the page tables map at
 * __START_KERNEL_map less the vmlinux's _stext; else what remap adds to
 * VMCOREINFO without a vmlinux (i386: from the boot protocol's setup
 * header, kernel/). Unknown (with the reason) when none applies. Computed
 * once.
 */
const struct vmc_kaslr *vmc_symbols_kaslr(struct vmc_symbols *s);

/* The same for callers that hold no vmc_symbols (remap's notes): opens
 * one with opts, derives the offset, closes it. */
struct vmc_error *vmc_kaslr_offset(const struct vmc_dump *d,
				   const struct vmc_symbols_opts *opts,
				   struct vmc_kaslr *out);

/*
 * The address of expr: a number (0x hex or decimal), NAME, NAME+OFF or
 * NAME-OFF. A name comes from the vmlinux first when --vmlinux was given,
 * else from kallsyms, then from a vmlinux found by the search, last from
 * VMCOREINFO SYMBOL(NAME) (type 'D'; valid until close). Of several
 * symbols with the name, a single global one wins; otherwise the error
 * lists them (VMC_ERR_USAGE). An unknown name is VMC_ERR_NOT_FOUND, saying
 * where it looked (and, when kallsyms holds functions only, that a vmlinux
 * gives data names). *sym (may be NULL) receives the symbol, or NULL.
 */
struct vmc_error *vmc_symbols_eval(struct vmc_symbols *s, const char *expr,
				   uint64_t *vaddr, const struct vmc_sym **sym);

/* True when expr is a plain number (vmc_symbols_eval needs no symbols). */
bool vmc_symbols_is_number(const char *expr);
/* True when expr has vmc_symbols_eval's syntax (a number, or a name that
 * starts with a letter, '_', '.' or '$', and an optional +OFF or -OFF). */
bool vmc_symbols_is_expr(const char *expr);

/* The longest name an expression may hold (KSYM_NAME_LEN is 512). */
#define VMC_SYM_NAME_MAX 1024

/*
 * The symbol holding vaddr (vmc_symtab_covering) from the preferred
 * source, or NULL; *off receives the offset. A source that cannot be read
 * is skipped (its error is kept for vmc_symbols_status()).
 */
const struct vmc_sym *vmc_symbols_at(struct vmc_symbols *s, uint64_t vaddr,
				     uint64_t *off);

/* "name+0x1f" (or "name") into buf; false (buf "") when no symbol holds it. */
bool vmc_symbols_format(struct vmc_symbols *s, uint64_t vaddr, char *buf,
			size_t sz);

enum vmc_sym_source { VMC_SYMS_KALLSYMS, VMC_SYMS_VMLINUX };

/* The whole table of one source (decoded or read now), or an error saying
 * why there is none. */
struct vmc_error *vmc_symbols_table(struct vmc_symbols *s,
				    enum vmc_sym_source src,
				    const struct vmc_symtab **out);

/* What kallsyms gave, once decoded (false before, or when it failed). */
bool vmc_symbols_kallsyms_info(const struct vmc_symbols *s,
			       struct vmc_kallsyms_info *out);

/* Which source vmc_symbols_at() and vmc_symbols_eval() try first. */
enum vmc_sym_source vmc_symbols_preferred(const struct vmc_symbols *s);

#endif
