/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the libFuzzer harnesses in tests/fuzz/ share: opening the input from
 * memory as the CLI opens a file, a warnings sink that formats (so that
 * every warning's arguments are read) without printing, and the checks
 * that say a plan or a translation is wrong without crashing on its own.
 *
 * A harness finding is an abort(): a sanitizer report, or FUZZ_CHECK
 * failing on an invariant of the library's documented behaviour.
 */
#ifndef VMC_FUZZ_COMMON_H
#define VMC_FUZZ_COMMON_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../src/base/base.h"
#include "../../src/elfcore/elfcore.h"
#include "../../src/open/open.h"
#include "../../src/pagewalk/pagewalk.h"
#include "../../src/ptload/ptload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the library's contract; a failure is a finding. */
#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n",\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* A directory of this process's own on tmpfs, removed at exit. */
const char *fuzz_scratch_dir(void);

/* /dev/null, opened once: where harnesses print reports (every byte is
 * still formatted). */
FILE *fuzz_devnull(void);

/* A sink that formats the first 64 warnings and counts the rest, as the
 * CLI does; arg is unused. */
void fuzz_warnings_init(struct vmc_warnings *ws);

/* Check an error's shape (a message, a known code), then free it. */
void fuzz_error_free(struct vmc_error *err);

/* Open data as a dump, from memory, through the same path as the CLI
 * (open/): NULL when the library refuses it (not a finding). */
struct vmc_source *fuzz_core_open(const uint8_t *data, size_t size,
				  struct vmc_warnings *ws);

/*
 * Known bugs, reported and not fixed yet (tests/fuzz/README.md
 * "Findings"): a harness skips an input that would only find one again,
 * so that fuzzing goes on to find others. True unless FUZZ_NO_FILTERS is
 * set, as run.sh sets it for the regression inputs, which must fail until
 * the bug is fixed. finding names the README's entry.
 */
bool fuzz_skip_known(const char *finding);

/* ---- a core around fuzzed RAM (the structure-aware harnesses) ---------------- */

/* One ELF note: its name (namesz counts the NUL), type and descriptor. */
struct fuzz_note {
	const char *name;
	uint32_t type;
	const void *desc;
	size_t descsz;
};

/* QEMUCPUState, version 1 (target/i386/arch_dump.c): the desc of a
 * "QEMU" note. */
#define FUZZ_QEMU_DESCSZ 440

/* A QEMUCPUState with CR0, CR3, CR4 and CS's descriptor flags (bits 8-23)
 * set, all else zero (layout in tests/mkcore.py). */
void fuzz_qemu_cpu_state(uint8_t desc[FUZZ_QEMU_DESCSZ], uint64_t cr0,
			 uint64_t cr3, uint64_t cr4, uint32_t cs_flags);

/* What QEMU's dump-guest-memory writes for a guest with one RAM block. */
struct fuzz_core_spec {
	uint16_t machine;		/* e_machine: EM_X86_64, EM_386, ... */
	bool elf32;			/* ELFCLASS32, else ELFCLASS64 */
	const struct fuzz_note *notes;	/* the PT_NOTE's, in order */
	size_t nnotes;
	uint64_t ram_base;		/* the PT_LOAD's p_paddr and p_vaddr */
	uint64_t data_at;		/* RAM: data_at zero bytes, then data */
	const uint8_t *data;
	size_t data_len;
};

/* A built core; bytes is reused by the next fuzz_core_build(). */
struct fuzz_core {
	uint8_t *bytes;
	size_t size;
	uint8_t *ram;			/* its RAM, for the caller to add to */
};

/*
 * The core of spec, little-endian: the ELF header, two program headers, a
 * PT_NOTE with the notes (4-byte aligned), and at the next page a PT_LOAD
 * of data_at + data_len bytes of RAM at ram_base. The caller may write
 * into ram[0, data_at) (page tables) before opening it.
 */
void fuzz_core_build(const struct fuzz_core_spec *spec, struct fuzz_core *out);

/* Open a core that fuzz_core_build() made, with opts (NULL: as the CLI
 * does): it is valid, so the library must take it (a failure is a
 * finding). */
struct vmc_source *fuzz_core_open_built(const struct fuzz_core *core,
					const struct vmc_open_opts *opts,
					struct vmc_warnings *ws);

/* A little-endian u64 from up to 8 bytes at p (fewer read as zeros). */
uint64_t fuzz_le64(const uint8_t *p, size_t n);

/*
 * The plan's contract (ptload.h, DESIGN.md "Layouts") against the dump
 * model: phdr 0 is the PT_NOTE over the notes; every PT_LOAD lies in one
 * RAM range with data and points at that range's copy; copies do not
 * overlap and lie in the file; gdb virtual segments are VA-sorted and
 * disjoint, the filler (p_vaddr 0) after them; crash segments after the
 * image are p_paddr-sorted and disjoint; and unless RAM was left out on
 * purpose (no_filler, ELF32 above 4 GiB), every byte of RAM with data is in
 * some PT_LOAD.
 */
void fuzz_check_plan(const struct vmc_dump *d, const struct vmc_plan_opts *o,
		     const struct vmc_plan *plan);

/* vmc_plan_build(), checked: an error is no negative answer and leaves
 * nothing to free; a plan keeps its contract (fuzz_check_plan). True when
 * *plan was built: the caller finishes it. */
bool fuzz_plan_build(const struct vmc_dump *d, const struct vmc_plan_opts *o,
		     struct vmc_plan *plan);

/* A translation's trace agrees with itself: levels count down from the
 * form's root level, a mapping's paddr is its leaf's base plus the offset,
 * its page size a power of two of the leaf's level. */
void fuzz_check_translation(const struct vmc_paging *pg,
			    const struct vmc_translation *t);

/* Walk v's chosen root (as maps does) over [va_lo, va_hi] and translate
 * each leaf found (up to 2048, spread over the walk) at an offset from
 * off_seed: translate must agree with the walk on the physical address
 * and the page size. */
void fuzz_check_walk_translate(const struct vmc_view *v, uint64_t va_lo,
			       uint64_t va_hi, uint64_t off_seed);

#endif
