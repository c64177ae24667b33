/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel: what the guest kernel keeps in its own memory, read through the
 * dump model and pagewalk, with VMCOREINFO as the only map (no vmlinux):
 *   vmcoreinfo-ram.c  VMCOREINFO found in guest RAM when the dump has no
 *                     note (FORMATS.md §1.4, §9), and its validation
 *   complete.c        what QEMU's dumps leave out of VMCOREINFO and the
 *                     dump itself shows (i386 KERNELOFFSET, phys_base),
 *                     and the notes that outputs append to say so
 *   printk.c          the kernel log: the lockless printk ring (Linux
 *                     >= 5.10) or the older log_buf of printk_log records
 * Library code: it never prints and keeps no state; problems that do not
 * stop the work go to a warnings sink.
 */
#ifndef VMC_KERNEL_H
#define VMC_KERNEL_H

#include "../base/base.h"
#include "../pagewalk/pagewalk.h"

/* ---- VMCOREINFO in guest RAM ------------------------------------------------ */

struct vmc_kernel_scan_opts {
	/* Called now and then: what, bytes of RAM searched, bytes in all. */
	void (*progress)(void *arg, const char *what, uint64_t done,
			 uint64_t total);
	void *progress_arg;
};

/* The copy of VMCOREINFO chosen from guest RAM, and what the search saw. */
struct vmc_kernel_found_vi {
	struct vmc_vmcoreinfo vi;	/* the text, parsed (raw: up to its NUL) */
	uint64_t paddr;			/* where the text starts */
	bool note;			/* inside an ELF note named VMCOREINFO */
	unsigned agree;			/* valid copies agreeing, itself included */
	unsigned disagree;		/* valid copies whose OSRELEASE or BUILD-ID differ */
	unsigned rejected;		/* look-alikes that failed validation */
	uint64_t searched;		/* bytes of RAM searched */
	char how[600];			/* how it was validated */
};

/*
 * Search d's RAM for the kernel's own VMCOREINFO text (vmcoreinfo_data and
 * the note buffer vmcoreinfo_note, Linux kernel/crash_core.c): an ELF note
 * header named "VMCOREINFO" followed by "OSRELEASE=", or the bare text.
 * Likely places first (the first 64 MiB of RAM, where both are allocated
 * early; the kernel image's pages where the architecture fixes its base),
 * then the rest, stopping once two valid copies agree. Each candidate must
 * pass vmc_kernel_validate_vmcoreinfo(); look-alikes that fail are skipped
 * with a warning. RAM is read in large chunks (in place when the reader
 * maps it); the work is linear in the RAM with data and at most 64
 * candidates are validated. VMC_ERR_NOT_FOUND when no copy passes, saying
 * what was seen. out is owned by the caller (vmc_kernel_found_vi_fini).
 */
struct vmc_error *vmc_kernel_find_vmcoreinfo(const struct vmc_dump *d,
					     const struct vmc_kernel_scan_opts *o,
					     struct vmc_warnings *ws,
					     struct vmc_kernel_found_vi *out);
void vmc_kernel_found_vi_fini(struct vmc_kernel_found_vi *f);

/* "from RAM at paddr 0x13a6018 (an ELF note, 2 copies agree)". */
void vmc_kernel_found_vi_describe(const struct vmc_kernel_found_vi *f,
				  char *buf, size_t sz);

/*
 * Is vi the VMCOREINFO of the kernel that d's page tables belong to? Its
 * SYMBOL(swapper_pg_dir) must translate, through some root (the default
 * CPU root first, then each CPU's, then vi's own swapper_pg_dir table), to
 * a table that maps swapper_pg_dir to itself and maps SYMBOL(_stext). NULL
 * and how (which root, which addresses) when it is; else a
 * VMC_ERR_NOT_FOUND error saying why not.
 */
struct vmc_error *vmc_kernel_validate_vmcoreinfo(const struct vmc_dump *d,
						 const struct vmc_vmcoreinfo *vi,
						 char *how, size_t howsz);

/* ---- completing VMCOREINFO for outputs --------------------------------------- */

/* One line an output adds to the kernel's VMCOREINFO, and how it was had. */
struct vmc_kernel_addition {
	char key[64];		/* "KERNELOFFSET", "NUMBER(phys_base)" */
	char value[40];		/* as the kernel would print it */
	char how[600];		/* one line, for the VMCORE-TOOL note */
};

VMC_VEC(vmc_kernel_addition_vec, struct vmc_kernel_addition)

/*
 * What d's VMCOREINFO lacks that the dump itself shows, appended to out:
 * KERNELOFFSET on i386 (the kernel writes none there: the physical address
 * of _stext less the link-time load address, boot_params.hdr.pref_address,
 * read from the kernel's copy of the boot protocol's setup header) and
 * NUMBER(phys_base) where the architecture fixes the image base (x86_64,
 * from the page tables). Nothing when d has no VMCOREINFO. Whatever cannot
 * be derived soundly is left out with a warning.
 */
struct vmc_error *vmc_kernel_complete(const struct vmc_dump *d,
				      struct vmc_kernel_addition_vec *out,
				      struct vmc_warnings *ws);

/*
 * Add key=value (how) to v, replacing an addition of the same key: the
 * caller's later knowledge wins (e.g. KERNELOFFSET from a vmlinux). Keys
 * the kernel's own text already has are refused (VMC_ERR_USAGE): outputs
 * never contradict the kernel. *replaced (may be NULL) says whether a
 * different value was replaced.
 */
struct vmc_error *vmc_kernel_addition_set(struct vmc_kernel_addition_vec *v,
					  const struct vmc_dump *d,
					  const char *key, const char *value,
					  const char *how, bool *replaced);

/*
 * The notes an output appends after the input's own, as 4-byte-aligned
 * note bytes in d's byte order (*buf malloc'ed, *len 0 and *buf NULL when
 * there is nothing to add: the input had its VMCOREINFO note and nothing
 * is added). Two notes: "VMCOREINFO" holding the kernel's text (the note's,
 * or the copy found in RAM) followed by the added lines — readers take the
 * last VMCOREINFO note (drgn, crash, makedumpfile) — then "VMCORE-TOOL",
 * whose KEY=VALUE lines say where the text came from and how each line was
 * had, so that nothing added is mistaken for the kernel's own words.
 */
struct vmc_error *vmc_kernel_extra_notes(const struct vmc_dump *d,
					 const struct vmc_kernel_addition *add,
					 size_t nadd, uint8_t **buf,
					 size_t *len);

/* The note name that marks our additions. */
#define VMC_KERNEL_NOTE_NAME "VMCORE-TOOL"

/* ---- the kernel log ---------------------------------------------------------- */

enum vmc_printk_format {
	VMC_PRINTK_LOCKLESS,	/* printk_ringbuffer, Linux >= 5.10 */
	VMC_PRINTK_LOG_BUF,	/* log_buf of struct printk_log, 3.5 - 5.9 */
};

/* One record, valid during the callback only. */
struct vmc_printk_record {
	bool have_seq;		/* log_buf records carry no sequence number */
	uint64_t seq;
	uint64_t ts_nsec;
	int level;		/* 0-7, or -1 when VMCOREINFO cannot place it */
	int facility;		/* or -1 */
	bool have_caller;
	uint32_t caller_id;	/* bit 31: a CPU number, else a thread id */
	int flags;		/* LOG_NEWLINE 2, LOG_CONT 8; -1 unknown */
	const char *state;	/* "committed", "finalized" (lockless), or
				 * "valid" (log_buf) */
	bool dataless;		/* no text block (crash prints an empty line) */
	const char *text;	/* text_len bytes, not NUL-terminated */
	size_t text_len;
	bool truncated;		/* text_len cut to what the block holds */
};

struct vmc_printk_stats {
	enum vmc_printk_format format;
	uint64_t records;	/* passed to the callback */
	uint64_t skipped;	/* reserved, reusable or missing descriptors */
	uint64_t corrupt;	/* records or descriptors left out as corrupt */
	uint64_t ring_bytes;	/* the text ring's (or log_buf's) size */
	uint32_t desc_count;	/* lockless: descriptors in the ring */
};

typedef void (*vmc_printk_fn)(void *arg, const struct vmc_printk_record *r);

/*
 * Walk the kernel log in order (oldest first), calling fn for each record
 * that holds a message: from VMCOREINFO alone (SYMBOL(prb) and the
 * printk_ringbuffer, prb_desc_ring, prb_data_ring, prb_desc,
 * prb_data_blk_lpos and printk_info offsets and sizes; or SYMBOL(log_buf)
 * and the printk_log ones), reading kernel memory through d's page tables.
 * Committed and finalized descriptors are read, reserved and reusable ones
 * skipped, a wrapped text ring followed; the work is bounded by the ring's
 * real size (what the ring claims beyond that is cut with a warning). A
 * corrupt descriptor or record is reported to ws and skipped, and the
 * valid records still come. Errors: no VMCOREINFO, a layout VMCOREINFO
 * does not describe, or a ring that cannot be read at all.
 */
struct vmc_error *vmc_kernel_dmesg(const struct vmc_dump *d, vmc_printk_fn fn,
				   void *arg, struct vmc_warnings *ws,
				   struct vmc_printk_stats *st);

#endif /* VMC_KERNEL_H */
