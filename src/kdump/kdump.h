/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump: the kdump-compressed ("diskdump") reader, a second producer of the
 * dump model (base.h) beside the ELF reader. Reads what makedumpfile and
 * QEMU's dump-guest-memory kdump-* formats write (KDUMP-AND-SYMBOLS.md §C,
 * FORMATS.md §3): the "KDUMP   " header in the 64-bit (LP64) or 32-bit
 * (ILP32) writer's layout, sub-header versions 1 to 6, the notes (CPUs,
 * CR3, VMCOREINFO), the two bitmaps and the page descriptors; pages stored
 * raw or compressed with zlib, LZO, snappy or zstd, and the shared zero
 * page. The flattened wrapper is a layer under it (input/flattened.c).
 *
 * The RAM map is the runs of dumped pages (bitmap 2); the pages a dump
 * leaves out on purpose (in bitmap 1, not in bitmap 2), and the ones an
 * incomplete dump lost, are the model's `absent` ranges: reading them is a
 * VMC_ERR_FAULT naming the pfn, never zeros. Every size, offset and count
 * the file states is checked against the stream's real size; the bitmaps
 * (bounded by the file) are the only memory that grows with the dump, and
 * a rank index (one count per 4096 pfns) finds any pfn's descriptor in
 * O(1). Pages are decoded on demand; a few are cached for page-table walks.
 */
#ifndef VMC_KDUMP_H
#define VMC_KDUMP_H

#include "../base/base.h"
#include "../input/input.h"

struct vmc_kdump;

/*
 * Parse the kdump file in stream in, which must outlive the reader (open/
 * owns both). Errors name the place and the cause; the caller adds the file
 * name. Recoverable problems (an incomplete or truncated dump, a max_mapnr
 * larger than the bitmaps) go to ws and the dump still opens.
 */
struct vmc_error *vmc_kdump_open(struct vmc_input *in, struct vmc_warnings *ws,
				 struct vmc_kdump **out);
void vmc_kdump_close(struct vmc_kdump *kd);

/* The dump model; valid until vmc_kdump_close(). */
struct vmc_dump *vmc_kdump_dump(struct vmc_kdump *kd);

/* Page codecs, as page descriptors name them (diskdump_mod.h). */
enum vmc_kdump_codec {
	VMC_KDUMP_RAW,
	VMC_KDUMP_ZLIB,
	VMC_KDUMP_LZO,
	VMC_KDUMP_SNAPPY,
	VMC_KDUMP_ZSTD,
	VMC_KDUMP_NCODECS,
};

const char *vmc_kdump_codec_name(enum vmc_kdump_codec c);

/* What only a kdump file says, for `info`. */
struct vmc_kdump_info {
	uint32_t header_version;	/* 1 to 6 */
	unsigned writer_bits;		/* 64 or 32: the header layout that parsed */
	uint32_t block_size;		/* the file's page: pfn = paddr / block_size */
	uint64_t guest_page_size;
	const char *page_size_src;	/* "VMCOREINFO PAGESIZE" or "block_size" */
	char machine[66];		/* utsname.machine as written */
	const char *arch_src;		/* how the architecture was decided */
	uint32_t status;		/* the header's flags (DUMP_DH_*) */
	int32_t dump_level;		/* makedumpfile -d (sub-header v1+), -1 if none */
	uint64_t max_mapnr;		/* pfns the bitmaps describe (after checks) */
	uint64_t dumped_pages;		/* set in bitmap 2 */
	uint64_t excluded_pages;	/* in bitmap 1, not in bitmap 2 */
	uint64_t missing_pages;		/* dumped, but lost (incomplete/truncated) */
	uint64_t stop_pfn;		/* the first missing one (if any) */
	bool incomplete;		/* DUMP_DH_COMPRESSED_INCOMPLETE */
	/* From the page descriptors (a pass over them; the first
	 * counted_pages of them when there are very many). */
	uint64_t counted_pages;
	uint64_t codec_pages[VMC_KDUMP_NCODECS];	/* but zero pages */
	uint64_t zero_pages;		/* pointing at the shared zero page */
	/* phys_base: the sub-header's, VMCOREINFO's, which one is used. */
	uint64_t sub_phys_base;
	bool have_vmcoreinfo_phys_base;
	uint64_t vmcoreinfo_phys_base;
	const char *vmcoreinfo_phys_base_key;	/* "NUMBER(phys_base)", ... */
	char phys_base_why[200];
	const char *vmcoreinfo_src;	/* "notes", "sub-header", or NULL */
};

/* Fill out; reads every page descriptor (up to a bound) to count codecs
 * and zero pages. An error is an I/O error of the stream. */
struct vmc_error *vmc_kdump_info(struct vmc_kdump *kd,
				 struct vmc_kdump_info *out);

#endif /* VMC_KDUMP_H */
