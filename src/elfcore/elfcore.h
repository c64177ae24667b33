/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * elfcore: the ELF reader, one producer of the dump model (base.h). Opens a
 * QEMU dump-guest-memory ELF core from a byte stream (input/), checks every
 * header, offset and size against the real stream size, and fills a
 * struct vmc_dump:
 * CPUs and VMCOREINFO from the notes, the RAM map from the PT_LOADs, a
 * physical-memory reader, and a RAM writer (copy_file_range, so file systems
 * can share blocks). It never reads the core whole and never prints.
 *
 * Besides the model, it answers what only an ELF file has: its program
 * headers (for `ptload --list`, which describes the file itself) and the
 * facts of its ELF header (for `info`).
 */
#ifndef VMC_ELFCORE_H
#define VMC_ELFCORE_H

#include "../base/base.h"
#include "../input/input.h"

struct vmc_core;

/*
 * Parse the ELF core in stream in, which must outlive the core (open/
 * owns both). Errors name the place and the cause; the caller adds the
 * file name. Recoverable problems (a bad note, data past EOF) are reported
 * to ws and the core still opens. A mapped stream is read in place; from a
 * decoded one, headers and notes (at most 64 MiB a PT_NOTE) are copied out
 * and RAM is read on demand.
 */
struct vmc_error *vmc_core_open(struct vmc_input *in, struct vmc_warnings *ws,
				struct vmc_core **out);
void vmc_core_close(struct vmc_core *core);

/* The dump model of core; valid until vmc_core_close(). */
struct vmc_dump *vmc_core_dump(struct vmc_core *core);

/* What the ELF header says, for people. */
struct vmc_elf_info {
	uint8_t elf_class;		/* ELFCLASS32 / ELFCLASS64 */
	uint64_t e_phoff;
	uint32_t phnum;			/* real count, PN_XNUM resolved */
	bool pn_xnum;
	const char *layout;		/* where QEMU put the headers */
};

void vmc_core_elf_info(const struct vmc_core *core, struct vmc_elf_info *out);

/* Every program header, in file order. */
const struct vmc_segment *vmc_core_segments(const struct vmc_core *core,
					    size_t *n);

/* File bytes that hold RAM data no PT_LOAD lets us place physically (the
 * zeros that align the first data after the notes are not listed). */
struct vmc_unplaced {
	uint64_t foff, size;
};

const struct vmc_unplaced *vmc_core_unplaced(const struct vmc_core *core,
					     size_t *n);

/* "x86_64", "i386", ... for an ELF e_machine. */
const char *vmc_machine_name(uint16_t e_machine);

#endif /* VMC_ELFCORE_H */
