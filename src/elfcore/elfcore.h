/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * elfcore: the input core file. Opens a QEMU dump-guest-memory ELF core
 * read-only, maps it, checks every header, offset and size against the real
 * file size, and exposes:
 *   - the program headers (struct vmc_segment), with a kind per PT_LOAD;
 *   - the notes, parsed into CPU states and VMCOREINFO, unknown ones kept;
 *   - the RAM map: guest-physical ranges and where their bytes are in the file;
 *   - a struct vmc_physmem reader over that map.
 * It never reads the core whole; all reads are bounds-checked views into the
 * mapping. It never prints: problems that do not stop it go to a warnings sink.
 */
#ifndef VMC_ELFCORE_H
#define VMC_ELFCORE_H

#include "../base/base.h"

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

struct vmc_note {
	char *name;		/* NUL-terminated copy (namesz bytes at most) */
	uint32_t namesz, descsz, type;
	uint64_t offset;	/* file offset of the note header */
	const uint8_t *desc;	/* into the mapping; descsz bytes */
};

enum vmc_ram_flags {
	/* Described by no PT_LOAD; placed because its file data lies between
	 * two ranges of one RAM block (QEMU paging=true dumps, §1.5). */
	VMC_RAM_INFERRED = 1u << 0,
};

struct vmc_ram_range {
	uint64_t paddr, size;	/* guest-physical range */
	uint64_t foff;		/* file offset of paddr */
	uint64_t avail;		/* bytes of size present in the file */
	uint32_t flags;		/* enum vmc_ram_flags */
};

/* File bytes that hold RAM data no PT_LOAD lets us place physically. */
struct vmc_unplaced {
	uint64_t foff, size;
};

VMC_VEC(vmc_segment_vec, struct vmc_segment)
VMC_VEC(vmc_note_vec, struct vmc_note)
VMC_VEC(vmc_cpu_vec, struct vmc_cpu_state)
VMC_VEC(vmc_ram_vec, struct vmc_ram_range)
VMC_VEC(vmc_unplaced_vec, struct vmc_unplaced)

struct vmc_core {
	char *path;
	int fd;
	uint64_t file_size;
	const uint8_t *map;		/* the whole file, PROT_READ */

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
	struct vmc_note_vec notes;	/* every note, in order */
	struct vmc_cpu_vec cpus;
	bool have_vmcoreinfo;
	struct vmc_vmcoreinfo vmcoreinfo;

	struct vmc_ram_vec ram;		/* sorted by paddr, non-overlapping */
	struct vmc_unplaced_vec unplaced;
	size_t ram_hint;		/* last range hit by the reader */
};

/*
 * Open path read-only and parse it. On success *out owns the mapping; free it
 * with vmc_core_close(). Errors name the place and the cause; the caller adds
 * the file name. Recoverable problems (a bad note, data past EOF) are reported
 * to ws and the core still opens.
 */
struct vmc_error *vmc_core_open(const char *path, struct vmc_warnings *ws,
				struct vmc_core **out);
void vmc_core_close(struct vmc_core *core);

/* A reader of guest-physical memory over core's RAM map. */
struct vmc_physmem vmc_core_physmem(struct vmc_core *core);

/* The RAM range that holds paddr, or NULL. */
const struct vmc_ram_range *vmc_core_ram_find(struct vmc_core *core,
					      uint64_t paddr);

/* Sum of the RAM map's sizes. */
uint64_t vmc_core_ram_bytes(const struct vmc_core *core);

/* Names for people and JSON. */
const char *vmc_seg_kind_name(enum vmc_seg_kind kind);
const char *vmc_machine_name(uint16_t e_machine);

#endif /* VMC_ELFCORE_H */
