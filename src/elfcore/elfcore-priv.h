/* SPDX-License-Identifier: GPL-2.0-or-later */
/* elfcore internals shared by its .c files. */
#ifndef VMC_ELFCORE_PRIV_H
#define VMC_ELFCORE_PRIV_H

#include "elfcore.h"

VMC_VEC(vmc_unplaced_vec, struct vmc_unplaced)
VMC_VEC(vmc_owned_vec, uint8_t *)

/* The most bytes of one PT_NOTE copied out of a decoded stream. */
#define VMC_NOTES_MAX (64u << 20)

struct vmc_core {
	struct vmc_input *in;		/* not owned */
	const char *path;		/* in's */
	int fd;				/* in's: -1 unless a plain file */
	uint64_t file_size;		/* of the (decoded) stream */
	const uint8_t *map;		/* the whole stream in place, or NULL */
	uint8_t ehdr[64];		/* the ELF header's bytes */
	struct vmc_owned_vec owned;	/* note bytes copied out of the stream */

	/* ELF header */
	uint8_t elf_class;		/* ELFCLASS32 / ELFCLASS64 */
	bool big_endian;
	uint16_t e_type, e_machine;
	enum vmc_arch arch;
	uint64_t e_phoff, e_shoff;
	uint32_t phnum;			/* real count, PN_XNUM resolved */
	bool pn_xnum;
	uint64_t ram_data_end;		/* .shstrtab offset (new QEMU layout) or file size */

	struct vmc_segment_vec segs;	/* every program header, in order */
	struct vmc_note_set notes;
	struct vmc_bytes_vec note_data;	/* each PT_NOTE's bytes */

	struct vmc_ram_vec ram;		/* sorted by paddr, non-overlapping */
	struct vmc_unplaced_vec unplaced;
	size_t ram_hint;		/* last range hit by the reader */

	/* Writing RAM out: copy_file_range until it refuses, then by hand. */
	bool no_cfr;
	uint8_t *copy_buf;

	struct vmc_dump dump;
};

/* rammap.c: build core->ram and core->unplaced from the PT_LOADs. */
struct vmc_error *vmc_core_build_ram(struct vmc_core *core,
				     struct vmc_warnings *ws);

/* rammap.c: the physical-memory reader over core->ram. */
struct vmc_physmem vmc_core_physmem(struct vmc_core *core);

/* copy.c: the model's write_ram (ctx is the core). */
struct vmc_error *vmc_core_write_ram(void *ctx, uint64_t paddr, uint64_t len,
				     int out_fd, uint64_t out_off);

#endif
