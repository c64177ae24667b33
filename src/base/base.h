/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * base: what every module shares — the error type, the warnings sink,
 * growable arrays, endian helpers and the physical-memory reader interface.
 *
 * Library code never prints. A fallible function returns a struct vmc_error *
 * (NULL on success); the caller owns it and frees it with vmc_error_free().
 * Problems that do not stop the work (a skipped page table, a truncated
 * segment) go into a struct vmc_warnings sink supplied by the caller.
 */
#ifndef VMC_BASE_H
#define VMC_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define VMC_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- errors -------------------------------------------------------------- */

enum vmc_error_code {
	VMC_ERR_IO = 1,		/* a system call failed; errnum says why */
	VMC_ERR_FORMAT,		/* the input is malformed */
	VMC_ERR_UNSUPPORTED,	/* well-formed, but not something we handle */
	VMC_ERR_FAULT,		/* an address is not readable; addr says which */
	VMC_ERR_NOMEM,
	VMC_ERR_USAGE,		/* the caller asked for something impossible */
	VMC_ERR_NOT_FOUND,	/* a negative answer (not mapped, no such key) */
};

struct vmc_error {
	enum vmc_error_code code;
	int errnum;		/* errno for VMC_ERR_IO, else 0 */
	uint64_t addr;		/* faulting address for VMC_ERR_FAULT */
	char *msg;		/* never NULL */
};

/* A new error with a printf-style message. Never returns NULL: on allocation
 * failure it returns a static out-of-memory error (freeing it is a no-op). */
struct vmc_error *vmc_error_new(enum vmc_error_code code, const char *fmt, ...)
	VMC_PRINTF(2, 3);
/* A VMC_ERR_IO error for errno value errnum: "<message>: <strerror>". */
struct vmc_error *vmc_error_errno(int errnum, const char *fmt, ...)
	VMC_PRINTF(2, 3);
/* A VMC_ERR_FAULT error at addr. */
struct vmc_error *vmc_error_fault(uint64_t addr, const char *fmt, ...)
	VMC_PRINTF(2, 3);
/* The static out-of-memory error. */
struct vmc_error *vmc_error_nomem(void);
/* Prepend context: "<prefix>: <old message>". Returns err. */
struct vmc_error *vmc_error_prefix(struct vmc_error *err, const char *fmt, ...)
	VMC_PRINTF(2, 3);
void vmc_error_free(struct vmc_error *err);

/* ---- warnings ------------------------------------------------------------ */

/*
 * A sink for non-fatal problems. The callback receives one formatted line
 * (no trailing newline). After `limit` messages (0 = no limit) further ones
 * are only counted in `suppressed`, so a hostile input cannot flood the user.
 */
struct vmc_warnings {
	void (*emit)(void *arg, const char *msg);
	void *arg;
	unsigned long limit;
	unsigned long count;
	unsigned long suppressed;
};

/* Report a warning; ws may be NULL (the warning is dropped). */
void vmc_warn(struct vmc_warnings *ws, const char *fmt, ...) VMC_PRINTF(2, 3);

/* ---- growable arrays ----------------------------------------------------- */

/*
 * VMC_VEC(name, type) defines `struct name { type *v; size_t n, cap; }` with
 * name##_push() (returns a pointer to the new zeroed slot, or NULL when out of
 * memory), name##_reserve() and name##_free(). Growth is geometric and
 * overflow-checked.
 */
int vmc_vec_grow(void **v, size_t *cap, size_t need, size_t elem);

#define VMC_VEC(name, type)						\
	struct name { type *v; size_t n, cap; };			\
	static inline int name##_reserve(struct name *a, size_t need)	\
	{								\
		return vmc_vec_grow((void **)&a->v, &a->cap, need,	\
				    sizeof(type));			\
	}								\
	static inline type *name##_push(struct name *a)			\
	{								\
		if (a->n == a->cap && name##_reserve(a, a->n + 1))	\
			return NULL;					\
		type *slot = &a->v[a->n++];				\
		*slot = (type){0};					\
		return slot;						\
	}								\
	static inline void name##_free(struct name *a)			\
	{								\
		free(a->v);						\
		a->v = NULL;						\
		a->n = a->cap = 0;					\
	}

/* ---- a map from a pair of u64 to a u32 counter ---------------------------- */

/* Open addressing, grown at half load: O(1) per lookup in the number of
 * distinct pairs, whatever the order of the keys (walk visit counts, alias
 * fan-outs). Zero it to start. */
struct vmc_pair_map {
	struct vmc_pair_slot { uint64_t a, b; uint32_t val; bool used; } *slots;
	size_t cap, n;
};

/* The counter for (a, b), created at 0 (*created says so); NULL when out
 * of memory. The pointer is valid until the next call. */
uint32_t *vmc_pair_map_get(struct vmc_pair_map *m, uint64_t a, uint64_t b,
			   bool *created);
void vmc_pair_map_free(struct vmc_pair_map *m);

/* ---- endian and overflow helpers ------------------------------------------ */

static inline uint16_t vmc_get16(const void *p, bool big)
{
	const uint8_t *b = p;
	return big ? (uint16_t)(b[0] << 8 | b[1]) : (uint16_t)(b[1] << 8 | b[0]);
}

static inline uint32_t vmc_get32(const void *p, bool big)
{
	const uint8_t *b = p;
	if (big)
		return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		       (uint32_t)b[2] << 8 | b[3];
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[1] << 8 | b[0];
}

static inline uint64_t vmc_get64(const void *p, bool big)
{
	const uint8_t *b = p;
	uint64_t hi = vmc_get32(b + (big ? 0 : 4), big);
	uint64_t lo = vmc_get32(b + (big ? 4 : 0), big);
	return hi << 32 | lo;
}

static inline void vmc_put16(void *p, uint16_t v, bool big)
{
	uint8_t *b = p;
	b[big ? 0 : 1] = (uint8_t)(v >> 8);
	b[big ? 1 : 0] = (uint8_t)v;
}

static inline void vmc_put32(void *p, uint32_t v, bool big)
{
	uint8_t *b = p;
	vmc_put16(b + (big ? 0 : 2), (uint16_t)(v >> 16), big);
	vmc_put16(b + (big ? 2 : 0), (uint16_t)v, big);
}

static inline void vmc_put64(void *p, uint64_t v, bool big)
{
	uint8_t *b = p;
	vmc_put32(b + (big ? 0 : 4), (uint32_t)(v >> 32), big);
	vmc_put32(b + (big ? 4 : 0), (uint32_t)v, big);
}

/* True when [off, off+len) lies inside [0, size); safe against overflow. */
static inline bool vmc_range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* ---- physical memory ------------------------------------------------------ */

/*
 * Guest-physical memory as a reader sees it, whatever the file format.
 * pagewalk reads page tables only through this interface, so it knows no ELF.
 */
struct vmc_physmem {
	/* Copy len bytes at guest-physical paddr into buf. On failure return a
	 * VMC_ERR_FAULT error whose addr is the first byte that is missing. */
	struct vmc_error *(*read)(void *ctx, uint64_t paddr, void *buf,
				  size_t len);
	/* Optional zero-copy view of [paddr, paddr+len), or NULL when the range
	 * is not contiguous in the backing store (callers then use read). */
	const void *(*map)(void *ctx, uint64_t paddr, size_t len);
	void *ctx;
};

static inline struct vmc_error *vmc_physmem_read(const struct vmc_physmem *pm,
						 uint64_t paddr, void *buf,
						 size_t len)
{
	return pm->read(pm->ctx, paddr, buf, len);
}

/* ---- architectures -------------------------------------------------------- */

enum vmc_arch {
	VMC_ARCH_UNKNOWN,
	VMC_ARCH_X86_64,
	VMC_ARCH_I386,
	VMC_ARCH_AARCH64,
};

const char *vmc_arch_name(enum vmc_arch arch);

/* ---- CPU state ------------------------------------------------------------ */

/*
 * Registers of one CPU as saved in the dump, with presence bits: a zero CR3
 * or a zero PC can be real, so code tests the bit, never the value.
 */
enum vmc_cpu_have {
	VMC_CPU_HAVE_PRSTATUS	= 1u << 0,	/* pid, pc, sp, gprs */
	VMC_CPU_HAVE_QEMU	= 1u << 1,	/* a "QEMU" note was seen */
	VMC_CPU_HAVE_QEMU_GPR	= 1u << 2,	/* gpr[], rip, rflags from it */
	VMC_CPU_HAVE_KGSBASE	= 1u << 3,	/* kernel_gs_base */
};

enum vmc_cpu_layout {		/* which NT_PRSTATUS layout the regs came from */
	VMC_PRSTATUS_NONE,
	VMC_PRSTATUS_X86_64,
	VMC_PRSTATUS_I386,
	VMC_PRSTATUS_AARCH64,
};

/* QEMUCPUState segment order (target/i386/arch_dump.c). */
enum { VMC_SEG_CS, VMC_SEG_DS, VMC_SEG_ES, VMC_SEG_FS, VMC_SEG_GS, VMC_SEG_SS,
       VMC_SEG_LDT, VMC_SEG_TR, VMC_SEG_GDT, VMC_SEG_IDT, VMC_NR_SEGS };

struct vmc_x86_segment {
	uint32_t selector, limit, flags;	/* flags: descriptor bits 8-23 */
	uint64_t base;
};

struct vmc_cpu_state {
	unsigned index;			/* 0-based, in note order */
	uint32_t have;			/* enum vmc_cpu_have */
	enum vmc_cpu_layout layout;
	uint32_t pid;			/* pr_pid (QEMU: cpu_index + 1) */
	uint64_t pc, sp;
	/* x86: rax rbx rcx rdx rsi rdi rsp rbp r8..r15 (QEMU order);
	 * aarch64: x0..x30, pstate in regs[31]. */
	uint64_t regs[32];
	uint64_t rflags;
	/* x86 from the QEMU note; each present when its bit is set. */
	uint32_t cr_have;		/* bit n: cr[n] present */
	uint64_t cr[5];
	uint32_t seg_have;		/* bit n: seg[n] present */
	struct vmc_x86_segment seg[VMC_NR_SEGS];
	uint64_t kernel_gs_base;
	uint32_t qemu_version, qemu_size;
};

/* ---- VMCOREINFO ------------------------------------------------------------ */

/*
 * The guest kernel's VMCOREINFO text, kept byte-exact in raw, and parsed into
 * KEY=VALUE entries in order. Values follow the kernel's conventions:
 * SYMBOL() and KERNELOFFSET are hex without 0x, NUMBER() is decimal (maybe
 * negative) or 0x-prefixed hex (arm64), OFFSET()/SIZE()/LENGTH() decimal.
 */
struct vmc_kv {
	char *key;
	char *value;
};

struct vmc_vmcoreinfo {
	char *raw;
	size_t raw_len;
	struct vmc_kv *kv;
	size_t nkv;
};

/* Parse text of len bytes (need not be NUL-terminated). Lines without '='
 * are kept in raw but not as entries. */
struct vmc_error *vmc_vmcoreinfo_parse(const char *text, size_t len,
				       struct vmc_vmcoreinfo *out);
void vmc_vmcoreinfo_fini(struct vmc_vmcoreinfo *vi);
/* The value of KEY, or NULL. */
const char *vmc_vmcoreinfo_get(const struct vmc_vmcoreinfo *vi,
			       const char *key);
/* NUMBER(name) as a 64-bit value (two's complement for negatives). */
bool vmc_vmcoreinfo_number(const struct vmc_vmcoreinfo *vi, const char *name,
			   uint64_t *out);
/* SYMBOL(name), hex. */
bool vmc_vmcoreinfo_symbol(const struct vmc_vmcoreinfo *vi, const char *name,
			   uint64_t *out);
/* A bare KEY whose value is hex without 0x (KERNELOFFSET). */
bool vmc_vmcoreinfo_hex(const struct vmc_vmcoreinfo *vi, const char *key,
			uint64_t *out);
/* A bare KEY whose value is decimal (PAGESIZE). */
bool vmc_vmcoreinfo_dec(const struct vmc_vmcoreinfo *vi, const char *key,
			uint64_t *out);

/* ---- notes ----------------------------------------------------------------- */

/* One ELF note as a dump carries it (an ELF PT_NOTE, a kdump sub-header). */
struct vmc_note {
	char *name;		/* NUL-terminated copy (namesz bytes at most) */
	uint32_t namesz, descsz, type;
	uint64_t offset;	/* where its header is in the input file */
	const uint8_t *desc;	/* descsz bytes, owned by the reader */
};

VMC_VEC(vmc_note_vec, struct vmc_note)
VMC_VEC(vmc_cpu_vec, struct vmc_cpu_state)

/* What the notes say: every note, the CPUs and VMCOREINFO. */
struct vmc_note_set {
	struct vmc_note_vec notes;
	struct vmc_cpu_vec cpus;
	bool have_vmcoreinfo;
	struct vmc_vmcoreinfo vmcoreinfo;
	size_t nprstatus, nqemu;	/* notes of each kind seen so far */
};

/*
 * Decode the notes in buf[0, len) (one PT_NOTE's bytes) into set, appending:
 * NT_PRSTATUS (x86_64, i386, aarch64 layouts), the "QEMU" CPU-state note and
 * VMCOREINFO; arch is the dump's (it picks NT_PRSTATUS layouts). align is 4 or 8; file_off is buf's offset in the input (for
 * messages and vmc_note.offset). desc pointers point into buf, which must
 * outlive set. A malformed note stops this buffer with a warning; only
 * out-of-memory is an error.
 */
struct vmc_error *vmc_notes_parse(struct vmc_note_set *set, enum vmc_arch arch,
				  const uint8_t *buf, uint64_t len,
				  unsigned align, bool big_endian,
				  uint64_t file_off, const char *where,
				  struct vmc_warnings *ws);
/* Warnings that need all notes (PRSTATUS and QEMU counts that differ). */
void vmc_notes_finish(struct vmc_note_set *set, struct vmc_warnings *ws);
void vmc_notes_fini(struct vmc_note_set *set);

/* ---- the RAM map ------------------------------------------------------------ */

enum vmc_ram_flags {
	/* Described by no PT_LOAD; placed because its file data lies between
	 * two ranges of one RAM block (QEMU paging=true dumps, §1.5). */
	VMC_RAM_INFERRED = 1u << 0,
};

#define VMC_NO_FOFF UINT64_MAX

/* A guest-physical range of RAM the dump holds. */
struct vmc_ram_range {
	uint64_t paddr, size;	/* guest-physical range */
	uint64_t avail;		/* bytes of size, from paddr on, with data */
	uint32_t flags;		/* enum vmc_ram_flags */
	/* Where the bytes lie in the input when it stores them flat
	 * (uncompressed ELF), else VMC_NO_FOFF. For people, for --in-place,
	 * and as an alignment hint for block sharing; never for reading. */
	uint64_t foff;
};

VMC_VEC(vmc_ram_vec, struct vmc_ram_range)

/* The range of ram[0, n) (sorted by paddr, disjoint) holding paddr, or NULL.
 * *hint (may be NULL) is tried first and updated: walks hit one range often. */
const struct vmc_ram_range *vmc_ram_find(const struct vmc_ram_range *ram,
					 size_t n, uint64_t paddr, size_t *hint);
/* The index of the first range of ram[0, n) that starts above paddr (n if
 * none). O(log n). */
size_t vmc_ram_next(const struct vmc_ram_range *ram, size_t n, uint64_t paddr);

/* ---- program headers (of an input, or of a planned output) ------------------ */

/* What a PT_LOAD's p_vaddr tells (FORMATS.md §1.5). */
enum vmc_seg_kind {
	VMC_SEG_VIRTUAL,	/* a page-table address */
	VMC_SEG_IDENTITY,	/* p_vaddr == p_paddr: no virtual information */
	VMC_SEG_FILLER,		/* p_vaddr == 0: RAM no page table maps */
	VMC_SEG_ABSENT,		/* no data in the file (p_filesz 0 or p_offset -1) */
};

struct vmc_segment {
	uint32_t index;		/* program header index */
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
	uint64_t avail;		/* bytes of p_filesz really in the file */
	enum vmc_seg_kind kind;
};

VMC_VEC(vmc_segment_vec, struct vmc_segment)

const char *vmc_seg_kind_name(enum vmc_seg_kind kind);

/* ---- the dump model -------------------------------------------------------- */

/* A byte range of the input that outputs copy verbatim (the notes). */
struct vmc_bytes {
	const uint8_t *p;
	uint64_t n;
	unsigned align;		/* notes: their alignment in these bytes (4 or 8) */
};

VMC_VEC(vmc_bytes_vec, struct vmc_bytes)

/*
 * One dump, whatever its file format: what every command consumes. A reader
 * (elfcore, later kdump) fills it in and owns everything it points to; it
 * stays valid until the reader is closed. Nothing outside the reader sees
 * the file's descriptor, mapping or headers.
 */
struct vmc_dump {
	const char *path;
	const char *format;		/* "elf", "kdump" for people and JSON */
	/* The layers the file was peeled of, outermost first ("gzip",
	 * "lz4+flattened"), or "" (set by open/). */
	const char *layers;
	enum vmc_arch arch;
	uint16_t e_machine;		/* the guest's ELF machine: what outputs carry */
	bool big_endian;
	/* x86: QEMU wrote EM_X86_64, which it does when the first CPU had
	 * EFER.LMA set; the only trace of LMA in a dump (FORMATS.md §7.1). */
	bool long_mode;

	const struct vmc_cpu_state *cpus;
	size_t ncpus;
	const struct vmc_note *notes;	/* every note, in order */
	size_t nnotes;
	/* The notes' bytes, byte-exact and in order, for outputs to copy: one
	 * entry per PT_NOTE (outputs keep them apart, each with its alignment:
	 * joined, stray bytes at the end of one would swallow the next). */
	const struct vmc_bytes *note_data;
	size_t nnote_data;
	const struct vmc_vmcoreinfo *vmcoreinfo;	/* NULL when absent */
	/* Where vmcoreinfo came from, for people: "note", or e.g. "from RAM
	 * at paddr 0x11e8018 (an ELF note, 2 copies agree), note absent"
	 * (set by open/); when vmcoreinfo is NULL, why ("absent: no note,
	 * and no VMCOREINFO in RAM: ...") or NULL. */
	const char *vmcoreinfo_source;

	const struct vmc_ram_range *ram;	/* sorted by paddr, disjoint */
	size_t nram;
	uint64_t ram_bytes;		/* sum of sizes */
	uint64_t data_bytes;		/* sum of avail: what the file holds */
	/* RAM the guest had that the dump leaves out on purpose (kdump's
	 * excluded pages): sorted, disjoint, in no ram[] range; avail 0. */
	const struct vmc_ram_range *absent;
	size_t nabsent;
	uint64_t absent_bytes;

	struct vmc_physmem pm;

	/* Write RAM [paddr, paddr+len), which must have data, into out_fd at
	 * out_off. The output is pre-sized: blocks of zeros may stay holes. */
	struct vmc_error *(*write_ram)(void *ctx, uint64_t paddr, uint64_t len,
				       int out_fd, uint64_t out_off);
	void *ctx;

	/* The input file's identity (st_dev, st_ino): outputs must differ. */
	uint64_t file_dev, file_ino;

	/* Set by readers of files that hold RAM flat, as an ELF core does: a
	 * rewrite of the headers in place (remap --in-place) is possible. */
	struct {
		bool ok;
		uint8_t elf_class;
		uint64_t file_size;
		unsigned note_segments;	/* PT_NOTEs with data */
		uint64_t notes_foff;	/* the first one's offset */
		/* file_size less a header table that an earlier in-place
		 * rewrite appended (which a new one may replace). */
		uint64_t data_end;
	} flat;
};

/* The RAM range holding paddr, or NULL. O(log n). */
const struct vmc_ram_range *vmc_dump_ram_find(const struct vmc_dump *d,
					      uint64_t paddr);

/* ---- files ------------------------------------------------------------------ */

/* pwrite all of buf at off, retrying short writes and EINTR; errors say
 * "writing <what>: <strerror>". */
struct vmc_error *vmc_pwrite_all(int fd, const void *buf, size_t len,
				 uint64_t off, const char *what);

/* ---- bytes ----------------------------------------------------------------- */

/* Whether p[0, n) are all zero (true for n == 0). */
bool vmc_all_zero(const void *p, size_t n);

/* ---- formatting ------------------------------------------------------------ */

/* "4K", "2M", "1G", "1.5G", "123456" — a size for people, into buf. */
const char *vmc_human_size(uint64_t bytes, char *buf, size_t bufsz);

/* Parse a number (decimal or 0x hex, optional K/M/G/T suffix); 0 on success. */
int vmc_parse_u64(const char *s, uint64_t *out);

#endif /* VMC_BASE_H */
