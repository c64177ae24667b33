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

/* ---- formatting ------------------------------------------------------------ */

/* "4K", "2M", "1G", "1.5G", "123456" — a size for people, into buf. */
const char *vmc_human_size(uint64_t bytes, char *buf, size_t bufsz);

/* Parse a number (decimal or 0x hex, optional K/M/G/T suffix); 0 on success. */
int vmc_parse_u64(const char *s, uint64_t *out);

#endif /* VMC_BASE_H */
