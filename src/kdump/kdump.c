/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump: open a kdump-compressed file: the header (in whichever writer's
 * layout parses), the sub-header and its notes, the bitmaps and their rank
 * index, the descriptors' extent (an incomplete dump's stopping point), and
 * the RAM map. Layouts are in KDUMP-AND-SYMBOLS.md §C.1-C.4.
 */
#include "kdump-priv.h"

#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The block sizes we accept: a page of 1K to 1M (kernels use 4K to 256K;
 * QEMU writes 64K for a 4K aarch64 guest, FORMATS.md §3.2). */
#define KD_MIN_BLOCK	1024u
#define KD_MAX_BLOCK	(1u << 20)

/* The most bytes of notes (or of VMCOREINFO) copied out of a decoded
 * stream; a mapped one is read in place. */
#define KD_NOTES_MAX	(64u << 20)

/* disk_dump_header field offsets for an LP64 and an ILP32 writer
 * (KDUMP-AND-SYMBOLS.md §C.2: struct timeval is 16 or 8 bytes). */
struct hdr_layout {
	unsigned bits;
	size_t status, block_size, sub_hdr_size, bitmap_blocks, max_mapnr,
	       nr_cpus, size;
};

static const struct hdr_layout hdr_lp64 = {
	64, 424, 428, 432, 436, 440, 460, 464,
};
static const struct hdr_layout hdr_ilp32 = {
	32, 412, 416, 420, 424, 428, 448, 452,
};

#define HDR_VERSION	8		/* int header_version */
#define HDR_MACHINE	(12 + 4 * 65)	/* new_utsname.machine */
#define HDR_UTS_LEN	65

/* kdump_sub_header field offsets (§C.3; i386 packs off_t at 4 bytes). */
struct sub_layout {
	unsigned word;			/* unsigned long */
	size_t dump_level, split, off_vmcoreinfo, size_vmcoreinfo, off_note,
	       size_note, max_mapnr_64, size;
};

static const struct sub_layout sub_lp64 = {
	8, 8, 12, 32, 40, 48, 56, 96, 104,
};
static const struct sub_layout sub_ilp32 = {
	4, 4, 8, 20, 28, 32, 40, 72, 80,
};

const char *vmc_kdump_codec_name(enum vmc_kdump_codec c)
{
	static const char *const names[] = { "raw", "zlib", "lzo", "snappy",
					     "zstd" };
	return c < VMC_KDUMP_NCODECS ? names[c] : "?";
}

struct hdr_fields {
	uint32_t status, block_size, sub_hdr_size, bitmap_blocks, max_mapnr;
};

static const char *block_size_problem(uint32_t bs)
{
	if (bs == 0 || (bs & (bs - 1)))
		return "is not a power of two";
	if (bs < KD_MIN_BLOCK || bs > KD_MAX_BLOCK)
		return "is absurd (a page of 1K to 1M expected)";
	return NULL;
}

/* Does the header parse in layout L: a sane block size, and a sub-header
 * and two bitmaps that the stream holds? */
static struct vmc_error *parse_layout(const uint8_t *h, size_t hlen,
				      uint64_t size, const struct hdr_layout *L,
				      struct hdr_fields *f)
{
	if (hlen < L->size)
		return vmc_error_new(VMC_ERR_FORMAT, "truncated kdump header "
				     "(the file has %zu bytes; a %u-bit writer's "
				     "header needs %zu)", hlen, L->bits, L->size);
	f->status = vmc_get32(h + L->status, false);
	f->block_size = vmc_get32(h + L->block_size, false);
	f->sub_hdr_size = vmc_get32(h + L->sub_hdr_size, false);
	f->bitmap_blocks = vmc_get32(h + L->bitmap_blocks, false);
	f->max_mapnr = vmc_get32(h + L->max_mapnr, false);
	const char *why = block_size_problem(f->block_size);
	if (why)
		return vmc_error_new(VMC_ERR_FORMAT, "block_size 0x%" PRIx32
				     " (offset %zu) %s", f->block_size,
				     L->block_size, why);
	uint64_t bs = f->block_size;
	if (f->sub_hdr_size == 0)
		return vmc_error_new(VMC_ERR_FORMAT, "sub_hdr_size is 0 (offset "
				     "%zu): no sub-header", L->sub_hdr_size);
	uint64_t sub_end = (1 + (uint64_t)f->sub_hdr_size) * bs;
	if (sub_end > size)
		return vmc_error_new(VMC_ERR_FORMAT, "the sub-header (%" PRIu32
				     " blocks of 0x%" PRIx64 " at 0x%" PRIx64 ") "
				     "runs past the end of the file (0x%" PRIx64
				     " bytes)", f->sub_hdr_size, bs, bs, size);
	if (f->bitmap_blocks == 0 || f->bitmap_blocks % 2)
		return vmc_error_new(VMC_ERR_FORMAT, "bitmap_blocks is %" PRIu32
				     " (offset %zu): two bitmaps of equal size "
				     "expected", f->bitmap_blocks, L->bitmap_blocks);
	uint64_t bm_len = (uint64_t)f->bitmap_blocks * bs;
	if (!vmc_range_ok(sub_end, bm_len, size))
		return vmc_error_new(VMC_ERR_FORMAT, "the bitmaps (offset 0x%"
				     PRIx64 ", 0x%" PRIx64 " bytes: bitmap_blocks "
				     "%" PRIu32 " of 0x%" PRIx64 ") run past the "
				     "end of the file (0x%" PRIx64 " bytes)",
				     sub_end, bm_len, f->bitmap_blocks, bs, size);
	return NULL;
}

/* Choose the writer's layout by which one parses; 64-bit first (QEMU
 * writes it for i386 guests too). When neither does, the error is the one
 * of the layout whose block size at least makes sense. */
static struct vmc_error *read_header(struct vmc_kdump *kd,
				     struct hdr_fields *f,
				     const struct hdr_layout **L)
{
	uint8_t h[464];
	size_t hlen = kd->size < sizeof(h) ? (size_t)kd->size : sizeof(h);
	struct vmc_error *err = vmc_input_read(kd->in, h, hlen, 0,
					       "the kdump header");
	if (err)
		return err;
	if (hlen < 12)
		return vmc_error_new(VMC_ERR_FORMAT, "truncated kdump header "
				     "(the file has %zu bytes)", hlen);
	if (memcmp(h, "DISKDUMP", 8) == 0)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "a \"DISKDUMP\" file "
				     "(the old diskdump facility's format) is not "
				     "supported; makedumpfile's \"KDUMP   \" is");
	if (memcmp(h, "KDUMP   ", 8) != 0) {
		char sig[9];
		for (int i = 0; i < 8; i++)
			sig[i] = h[i] >= 0x20 && h[i] < 0x7f ? (char)h[i] : '?';
		sig[8] = '\0';
		return vmc_error_new(VMC_ERR_FORMAT, "bad signature \"%s\" at "
				     "offset 0 (a kdump file has \"KDUMP   \")",
				     sig);
	}
	kd->version = vmc_get32(h + HDR_VERSION, false);
	if (kd->version < 1 || kd->version > 6) {
		uint32_t be = vmc_get32(h + HDR_VERSION, true);
		if (be >= 1 && be <= 6)
			return vmc_error_new(VMC_ERR_UNSUPPORTED, "a big-endian "
					     "kdump file (header_version %" PRIu32
					     " read big-endian) is not supported",
					     be);
		return vmc_error_new(VMC_ERR_FORMAT, "header_version %" PRIu32
				     " (offset 8) is not one we know (1 to 6)",
				     kd->version);
	}
	if (hlen > HDR_MACHINE) {
		size_t n = hlen - HDR_MACHINE < HDR_UTS_LEN ? hlen - HDR_MACHINE
							    : HDR_UTS_LEN;
		memcpy(kd->machine, h + HDR_MACHINE, n);
		kd->machine[n] = '\0';
		/* For people: no control characters from the file. */
		for (char *c = kd->machine; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';
	}
	if (hlen < hdr_ilp32.size)
		return vmc_error_new(VMC_ERR_FORMAT, "truncated kdump header (the "
				     "file has %zu bytes; the header needs %zu, "
				     "or %zu from a 64-bit writer)", hlen,
				     hdr_ilp32.size, hdr_lp64.size);
	struct hdr_fields f32 = {0};
	*f = (struct hdr_fields){0};
	struct vmc_error *e64 = parse_layout(h, hlen, kd->size, &hdr_lp64, f);
	if (!e64) {
		*L = &hdr_lp64;
		return NULL;
	}
	struct vmc_error *e32 = parse_layout(h, hlen, kd->size, &hdr_ilp32, &f32);
	if (!e32) {
		vmc_error_free(e64);
		*f = f32;
		*L = &hdr_ilp32;
		return NULL;
	}
	/* A layout whose block size and sub-header size make sense is the
	 * writer's, and its error is the one; else say both. */
	bool near64 = hlen >= hdr_lp64.size && !block_size_problem(f->block_size) &&
		      f->sub_hdr_size;
	bool near32 = !block_size_problem(f32.block_size) && f32.sub_hdr_size;
	if (near64 || near32) {
		vmc_error_free(near64 ? e32 : e64);
		return near64 ? e64 : e32;
	}
	struct vmc_error *e = vmc_error_new(VMC_ERR_FORMAT, "the header parses in "
					    "neither writer's layout: 64-bit: %s; "
					    "32-bit: %s", e64->msg, e32->msg);
	vmc_error_free(e64);
	vmc_error_free(e32);
	return e;
}

/* ---- the sub-header and the notes ------------------------------------------- */

struct sub_fields {
	uint64_t off_vmcoreinfo, size_vmcoreinfo, off_note, size_note;
	uint64_t max_mapnr_64;
	int32_t split;
};

static uint64_t word(const uint8_t *p, unsigned w)
{
	return w == 8 ? vmc_get64(p, false) : vmc_get32(p, false);
}

static void read_sub(struct vmc_kdump *kd, const uint8_t *s,
		     const struct sub_layout *S, struct sub_fields *f)
{
	*f = (struct sub_fields){0};
	kd->sub_phys_base = word(s, S->word);
	kd->dump_level = -1;
	/* Fields by the version that introduced them (§C.3; crash gates its
	 * reads the same way, diskdump.c). */
	if (kd->version >= 1)
		kd->dump_level = (int32_t)vmc_get32(s + S->dump_level, false);
	if (kd->version >= 2)
		f->split = (int32_t)vmc_get32(s + S->split, false);
	if (kd->version >= 3) {
		f->off_vmcoreinfo = vmc_get64(s + S->off_vmcoreinfo, false);
		f->size_vmcoreinfo = word(s + S->size_vmcoreinfo, S->word);
	}
	if (kd->version >= 4) {
		f->off_note = vmc_get64(s + S->off_note, false);
		f->size_note = word(s + S->size_note, S->word);
	}
	if (kd->version >= 6)
		f->max_mapnr_64 = vmc_get64(s + S->max_mapnr_64, false);
}

/* Bytes [off, off+len) of the stream, in place or copied (bounded). */
static struct vmc_error *region(struct vmc_kdump *kd, uint64_t off,
				uint64_t len, const char *what,
				const uint8_t **p, uint8_t **owned)
{
	*owned = NULL;
	if (!vmc_range_ok(off, len, kd->size))
		return vmc_error_new(VMC_ERR_FORMAT, "the %s (offset 0x%" PRIx64
				     ", 0x%" PRIx64 " bytes) lie outside the file "
				     "(0x%" PRIx64 " bytes)", what, off, len,
				     kd->size);
	if (!kd->in->map && len > KD_NOTES_MAX)
		return vmc_error_new(VMC_ERR_FORMAT, "the %s (0x%" PRIx64
				     " bytes) are larger than %u MiB", what, len,
				     KD_NOTES_MAX >> 20);
	return vmc_input_bytes(kd->in, off, len, what, p, owned);
}

/* Architectures by utsname.machine and by NT_PRSTATUS size (notes.c). */
static enum vmc_arch arch_of_machine(const char *m)
{
	if (strcmp(m, "x86_64") == 0)
		return VMC_ARCH_X86_64;
	if (strcmp(m, "aarch64") == 0 || strcmp(m, "arm64") == 0)
		return VMC_ARCH_AARCH64;
	if (strlen(m) == 4 && m[0] == 'i' && m[1] >= '3' && m[1] <= '6' &&
	    strcmp(m + 2, "86") == 0)
		return VMC_ARCH_I386;
	return VMC_ARCH_UNKNOWN;
}

static enum vmc_arch arch_of_prstatus(uint32_t descsz)
{
	switch (descsz) {
	case 336: return VMC_ARCH_X86_64;
	case 144: return VMC_ARCH_I386;
	case 392: return VMC_ARCH_AARCH64;
	default: return VMC_ARCH_UNKNOWN;
	}
}

/* The first NT_PRSTATUS's descsz in notes p[0, n), or 0. A light pass of
 * its own: the architecture must be known before vmc_notes_parse. */
static uint32_t first_prstatus_size(const uint8_t *p, uint64_t n)
{
	uint64_t off = 0;
	while (n - off >= 12) {
		uint32_t namesz = vmc_get32(p + off, false);
		uint32_t descsz = vmc_get32(p + off + 4, false);
		uint32_t type = vmc_get32(p + off + 8, false);
		uint64_t name_end = off + 12 + (((uint64_t)namesz + 3) & ~3ull);
		if (name_end > n)
			return 0;
		if (type == NT_PRSTATUS && namesz == 5 &&
		    memcmp(p + off + 12, "CORE", 5) == 0)
			return descsz;
		uint64_t desc_end = name_end + (((uint64_t)descsz + 3) & ~3ull);
		if (desc_end > n)
			return 0;
		off = desc_end;
	}
	return 0;
}

static struct vmc_error *choose_arch(struct vmc_kdump *kd, enum vmc_arch *arch)
{
	enum vmc_arch m = arch_of_machine(kd->machine);
	uint32_t psize = first_prstatus_size(kd->note_bytes.p, kd->note_bytes.n);
	enum vmc_arch p = arch_of_prstatus(psize);
	/* QEMU writes "Unknown" for aarch64 and "x86_64" for a 32-bit guest
	 * under qemu-system-x86_64: the registers' layout tells. */
	if (p != VMC_ARCH_UNKNOWN) {
		*arch = p;
		kd->arch_src = p == m ? "by utsname.machine and the NT_PRSTATUS size"
				      : "by the NT_PRSTATUS size; utsname.machine "
					"says otherwise";
		return NULL;
	}
	if (m != VMC_ARCH_UNKNOWN) {
		*arch = m;
		kd->arch_src = "by utsname.machine";
		return NULL;
	}
	return vmc_error_new(VMC_ERR_UNSUPPORTED, "machine \"%s\" (utsname."
			     "machine) and no NT_PRSTATUS of a known size: "
			     "cannot tell the architecture (x86_64, i386 and "
			     "aarch64 are supported)", kd->machine);
}

static struct vmc_error *read_notes(struct vmc_kdump *kd,
				    const struct sub_fields *sf,
				    enum vmc_arch *arch, struct vmc_warnings *ws)
{
	struct vmc_error *err;
	if (sf->size_note) {
		err = region(kd, sf->off_note, sf->size_note, "notes",
			     &kd->note_bytes.p, &kd->notes_owned);
		if (err)
			return err;
		kd->note_bytes.n = sf->size_note;
		kd->note_bytes.align = 4;	/* as QEMU and the kernel write them */
	}
	if ((err = choose_arch(kd, arch)))
		return err;
	if (kd->note_bytes.n) {
		err = vmc_notes_parse(&kd->notes, *arch, kd->note_bytes.p,
				      kd->note_bytes.n, 4, false, sf->off_note,
				      "kdump notes", ws);
		if (err)
			return err;
		vmc_notes_finish(&kd->notes, ws);
	} else if (kd->version >= 4) {
		vmc_warn(ws, "the sub-header holds no notes (size_note 0): no "
			 "CPU registers");
	}
	/* Version 3 (or notes without it): VMCOREINFO on its own. */
	if (!kd->notes.have_vmcoreinfo && sf->size_vmcoreinfo) {
		const uint8_t *p = NULL;
		uint8_t *owned = NULL;
		err = region(kd, sf->off_vmcoreinfo, sf->size_vmcoreinfo,
			     "VMCOREINFO bytes", &p, &owned);
		if (!err)
			err = vmc_vmcoreinfo_parse((const char *)p,
						   (size_t)sf->size_vmcoreinfo,
						   &kd->sub_vmcoreinfo);
		free(owned);
		if (err)
			return err;
		kd->have_sub_vmcoreinfo = true;
	}
	return NULL;
}

/* ---- bitmaps ----------------------------------------------------------------- */

static struct vmc_error *read_bitmap(struct vmc_kdump *kd, uint64_t off,
				     uint64_t nwords, uint64_t **out)
{
	/* Checked against the stream before anything is allocated: a lying
	 * bitmap_blocks must not make us ask for what the file lacks. */
	if (!vmc_range_ok(off, nwords * 8, kd->in->size))
		return vmc_error_new(VMC_ERR_FORMAT, "a bitmap (offset 0x%" PRIx64
				     ", 0x%" PRIx64 " bytes) runs past the end "
				     "of the file (0x%" PRIx64 " bytes)", off,
				     nwords * 8, kd->in->size);
	uint64_t *w = malloc(nwords ? nwords * 8 : 8);
	if (!w)
		return vmc_error_nomem();
	uint8_t *bytes = (uint8_t *)w;
	struct vmc_error *err = vmc_input_read(kd->in, bytes, (size_t)nwords * 8,
					       off, "a bitmap");
	if (err) {
		free(w);
		return err;
	}
	/* pfn → byte pfn/8, bit pfn%8, LSB first (§C.4): little-endian words. */
	for (uint64_t i = 0; i < nwords; i++)
		w[i] = vmc_get64(bytes + 8 * i, false);
	uint64_t tail = kd->nr_pfns & 63;
	if (nwords && tail)
		w[nwords - 1] &= (1ull << tail) - 1;
	*out = w;
	return NULL;
}

static struct vmc_error *read_bitmaps(struct vmc_kdump *kd,
				      const struct hdr_fields *hf,
				      const struct sub_fields *sf,
				      struct vmc_warnings *ws)
{
	uint64_t bs = kd->block_size;
	uint64_t bm_off = (1 + (uint64_t)hf->sub_hdr_size) * bs;
	uint64_t half = (uint64_t)hf->bitmap_blocks / 2 * bs;
	uint64_t max_mapnr = kd->version >= 6 && sf->max_mapnr_64 ?
			     sf->max_mapnr_64 : hf->max_mapnr;
	/* What the bitmaps hold bounds the pfns, and paddr must fit 64 bits. */
	uint64_t cap = half * 8;
	if (cap > UINT64_MAX >> kd->block_shift)
		cap = UINT64_MAX >> kd->block_shift;
	kd->nr_pfns = max_mapnr;
	if (max_mapnr > cap) {
		vmc_warn(ws, "max_mapnr 0x%" PRIx64 " is more than the bitmaps "
			 "describe (0x%" PRIx64 " pfns in %" PRIu32 " blocks); "
			 "using 0x%" PRIx64, max_mapnr, cap, hf->bitmap_blocks,
			 cap);
		kd->nr_pfns = cap;
	}
	uint64_t nwords = (kd->nr_pfns + 63) / 64;
	struct vmc_error *err = read_bitmap(kd, bm_off, nwords, &kd->bm1);
	if (!err)
		err = read_bitmap(kd, bm_off + half, nwords, &kd->bm2);
	if (err)
		return err;

	uint64_t nsect = (kd->nr_pfns + KD_SECT_PFNS - 1) / KD_SECT_PFNS;
	kd->rank = malloc((nsect + 1) * sizeof(*kd->rank));
	if (!kd->rank)
		return vmc_error_nomem();
	uint64_t dumped = 0, holes_dumped = 0;
	for (uint64_t i = 0; i < nwords; i++) {
		if (i % (KD_SECT_PFNS / 64) == 0)
			kd->rank[i / (KD_SECT_PFNS / 64)] = dumped;
		dumped += (uint64_t)__builtin_popcountll(kd->bm2[i]);
		kd->nexcluded += (uint64_t)__builtin_popcountll(kd->bm1[i] &
								~kd->bm2[i]);
		holes_dumped += (uint64_t)__builtin_popcountll(kd->bm2[i] &
							       ~kd->bm1[i]);
	}
	kd->rank[nsect] = dumped;
	kd->ndumped = dumped;
	if (holes_dumped)
		vmc_warn(ws, "%" PRIu64 " pages are dumped (bitmap 2) but marked "
			 "as holes in bitmap 1; taken as dumped", holes_dumped);
	return NULL;
}

/* ---- descriptors: where an incomplete or truncated dump stops ----------------- */

static bool desc_present(struct vmc_kdump *kd, uint64_t idx)
{
	struct kd_desc d;
	struct vmc_error *err = kd_read_descs(kd, idx, 1, &d);
	if (err) {
		vmc_error_free(err);
		return false;
	}
	return kd_desc_present(kd, &d);
}

static void find_stop(struct vmc_kdump *kd, struct vmc_warnings *ws)
{
	uint64_t bs = kd->block_size;
	kd->desc_off = (1 + (uint64_t)kd->sub_hdr_size + kd->bitmap_blocks) * bs;
	uint64_t in_file = kd->desc_off >= kd->size ? 0 :
			   (kd->size - kd->desc_off) / KD_DESC_SIZE;
	kd->nvalid = kd->ndumped < in_file ? kd->ndumped : in_file;
	kd->data_start = kd->desc_off + kd->nvalid * KD_DESC_SIZE;
	bool table_cut = kd->nvalid < kd->ndumped;
	/* An incomplete dump (makedumpfile ran out of space) has zeroed or
	 * missing descriptors from where it stopped: a prefix is good, so
	 * binary search finds the end of it in O(log n) reads. */
	if ((kd->status & KD_INCOMPLETE) && kd->nvalid &&
	    !desc_present(kd, kd->nvalid - 1)) {
		uint64_t lo = 0, hi = kd->nvalid - 1;	/* hi is not present */
		while (lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2;
			if (desc_present(kd, mid))
				lo = mid + 1;
			else
				hi = mid;
		}
		kd->nvalid = lo;
	}
	kd->stop_pfn = kd->nvalid < kd->ndumped ? kd_select(kd, kd->nvalid)
						 : kd->nr_pfns;
	uint64_t missing = kd->ndumped - kd->nvalid;
	if (missing && (kd->status & KD_INCOMPLETE))
		vmc_warn(ws, "the dump is incomplete (DUMP_DH_COMPRESSED_"
			 "INCOMPLETE: its writer ran out of space): %" PRIu64
			 " of its %" PRIu64 " dumped pages are missing, from pfn "
			 "0x%" PRIx64 " (physical 0x%" PRIx64 ") on; they are "
			 "absent", missing, kd->ndumped, kd->stop_pfn,
			 kd->stop_pfn << kd->block_shift);
	else if (table_cut)
		vmc_warn(ws, "the file is truncated: %" PRIu64 " of %" PRIu64
			 " page descriptors are missing, from pfn 0x%" PRIx64
			 " (physical 0x%" PRIx64 ") on; those pages are absent",
			 missing, kd->ndumped, kd->stop_pfn,
			 kd->stop_pfn << kd->block_shift);

	/* The shared zero page is written first (§C.4, FORMATS.md §3.2). */
	const uint8_t *z;
	uint8_t *owned = NULL;
	if (vmc_range_ok(kd->data_start, bs, kd->size)) {
		struct vmc_error *err = vmc_input_bytes(kd->in, kd->data_start,
							bs, "the zero page", &z,
							&owned);
		if (!err)
			kd->have_zero = z[0] == 0 && memcmp(z, z + 1, bs - 1) == 0;
		vmc_error_free(err);
		free(owned);
	}
}

/* ---- the RAM map: runs of dumped pages; the absent: excluded or lost ---------- */

struct run_state {
	bool open;
	uint64_t start;
};

static struct vmc_error *push_run(struct vmc_kdump *kd, struct vmc_ram_vec *v,
				  uint64_t from, uint64_t to, bool data)
{
	struct vmc_ram_range *r = vmc_ram_vec_push(v);
	if (!r)
		return vmc_error_nomem();
	uint64_t size = (to - from) << kd->block_shift;
	*r = (struct vmc_ram_range){ .paddr = from << kd->block_shift,
				     .size = size, .avail = data ? size : 0,
				     .foff = VMC_NO_FOFF };
	return NULL;
}

/* Runs of set bits of x, which holds pfns base..base+63. */
static struct vmc_error *scan_word(struct vmc_kdump *kd, struct vmc_ram_vec *v,
				   struct run_state *st, uint64_t x,
				   uint64_t base, bool data)
{
	unsigned pos = 0;
	while (pos < 64) {
		uint64_t rest = x >> pos;
		if (st->open) {
			uint64_t zeros = ~rest;
			unsigned n = zeros ? (unsigned)__builtin_ctzll(zeros) : 64;
			if (pos + n >= 64)
				return NULL;	/* the run goes on */
			pos += n;
			st->open = false;
			struct vmc_error *err = push_run(kd, v, st->start,
							 base + pos, data);
			if (err)
				return err;
		} else {
			if (!rest)
				return NULL;
			pos += (unsigned)__builtin_ctzll(rest);
			st->open = true;
			st->start = base + pos;
		}
	}
	return NULL;
}

static struct vmc_error *build_ram(struct vmc_kdump *kd)
{
	struct run_state ram = {0}, absent = {0};
	uint64_t nwords = (kd->nr_pfns + 63) / 64;
	struct vmc_error *err = NULL;
	for (uint64_t i = 0; i < nwords && !err; i++) {
		uint64_t base = i * 64;
		uint64_t below = kd->stop_pfn >= base + 64 ? ~0ull :
				 kd->stop_pfn <= base ? 0 :
				 (1ull << (kd->stop_pfn - base)) - 1;
		uint64_t data = kd->bm2[i] & below;
		uint64_t gone = (kd->bm1[i] | kd->bm2[i]) & ~data;
		err = scan_word(kd, &kd->ram, &ram, data, base, true);
		if (!err)
			err = scan_word(kd, &kd->absent, &absent, gone, base, false);
	}
	if (!err && ram.open)
		err = push_run(kd, &kd->ram, ram.start, kd->nr_pfns, true);
	if (!err && absent.open)
		err = push_run(kd, &kd->absent, absent.start, kd->nr_pfns, false);
	return err;
}

/* ---- the model ----------------------------------------------------------------- */

static uint16_t e_machine_of(enum vmc_arch arch)
{
	switch (arch) {
	case VMC_ARCH_X86_64: return EM_X86_64;
	case VMC_ARCH_I386: return EM_386;
	case VMC_ARCH_AARCH64: return EM_AARCH64;
	default: return EM_NONE;
	}
}

static void fill_dump(struct vmc_kdump *kd, enum vmc_arch arch)
{
	struct vmc_dump *d = &kd->dump;
	const struct vmc_vmcoreinfo *vi =
		kd->notes.have_vmcoreinfo ? &kd->notes.vmcoreinfo :
		kd->have_sub_vmcoreinfo ? &kd->sub_vmcoreinfo : NULL;
	*d = (struct vmc_dump){
		.path = kd->in->path,
		.format = "kdump",
		.arch = arch,
		.e_machine = e_machine_of(arch),
		.long_mode = arch == VMC_ARCH_X86_64,
		.cpus = kd->notes.cpus.v,
		.ncpus = kd->notes.cpus.n,
		.notes = kd->notes.notes.v,
		.nnotes = kd->notes.notes.n,
		.note_data = kd->note_bytes.n ? &kd->note_bytes : NULL,
		.nnote_data = kd->note_bytes.n ? 1 : 0,
		.vmcoreinfo = vi,
		.vmcoreinfo_source = kd->notes.have_vmcoreinfo ? "note" :
			vi ? "the sub-header's offset_vmcoreinfo" : NULL,
		.ram = kd->ram.v,
		.nram = kd->ram.n,
		.absent = kd->absent.v,
		.nabsent = kd->absent.n,
		.pm = kd_physmem(kd),
		.write_ram = kd_write_ram,
		.ctx = kd,
		.file_dev = kd->in->dev,
		.file_ino = kd->in->ino,
	};
	for (size_t i = 0; i < kd->ram.n; i++)
		d->ram_bytes += kd->ram.v[i].size;
	d->data_bytes = d->ram_bytes;
	for (size_t i = 0; i < kd->absent.n; i++)
		d->absent_bytes += kd->absent.v[i].size;
}

struct vmc_error *vmc_kdump_open(struct vmc_input *in, struct vmc_warnings *ws,
				 struct vmc_kdump **out)
{
	struct vmc_kdump *kd = calloc(1, sizeof(*kd));
	if (!kd)
		return vmc_error_nomem();
	kd->in = in;
	kd->size = in->size;
	kd->dump_level = -1;
	pthread_mutex_init(&kd->lock, NULL);

	struct hdr_fields hf;
	const struct hdr_layout *L = NULL;
	struct sub_fields sf;
	enum vmc_arch arch = VMC_ARCH_UNKNOWN;
	struct vmc_error *err = read_header(kd, &hf, &L);
	if (err)
		goto fail;
	kd->bits = L->bits;
	kd->status = hf.status;
	kd->block_size = hf.block_size;
	kd->block_shift = (unsigned)__builtin_ctz(hf.block_size);
	kd->sub_hdr_size = hf.sub_hdr_size;
	kd->bitmap_blocks = hf.bitmap_blocks;

	const struct sub_layout *S = L->bits == 64 ? &sub_lp64 : &sub_ilp32;
	uint8_t sub[104];
	err = vmc_input_read(in, sub, S->size, kd->block_size, "the sub-header");
	if (err)
		goto fail;
	read_sub(kd, sub, S, &sf);
	if (sf.split) {
		err = vmc_error_new(VMC_ERR_UNSUPPORTED, "a split dump (one of "
				    "several files, makedumpfile --split): not "
				    "supported; join the files with makedumpfile "
				    "--reassemble");
		goto fail;
	}
	if ((err = read_notes(kd, &sf, &arch, ws)) ||
	    (err = read_bitmaps(kd, &hf, &sf, ws)))
		goto fail;
	find_stop(kd, ws);
	if ((err = build_ram(kd)))
		goto fail;
	if ((err = kd_decoder_init(kd, &kd->dec)))
		goto fail;
	fill_dump(kd, arch);
	if (!kd->ram.n)
		vmc_warn(ws, "no dumped pages: the dump holds no memory");
	*out = kd;
	return NULL;
fail:
	vmc_kdump_close(kd);
	return err;
}

void vmc_kdump_close(struct vmc_kdump *kd)
{
	if (!kd)
		return;
	kd_decoder_fini(&kd->dec);
	vmc_notes_fini(&kd->notes);
	vmc_vmcoreinfo_fini(&kd->sub_vmcoreinfo);
	free(kd->notes_owned);
	free(kd->bm1);
	free(kd->bm2);
	free(kd->rank);
	free(kd->slots);
	free(kd->slot_data);
	vmc_ram_vec_free(&kd->ram);
	vmc_ram_vec_free(&kd->absent);
	pthread_mutex_destroy(&kd->lock);
	free(kd);
}

struct vmc_dump *vmc_kdump_dump(struct vmc_kdump *kd)
{
	return &kd->dump;
}

/* ---- info ---------------------------------------------------------------------- */

/* The descriptors counted for info at most: 16M, 384 MiB of them. */
#define KD_INFO_MAX_DESCS	(UINT64_C(1) << 24)

static int codec_of(uint32_t flags)
{
	switch (flags) {
	case 0: return VMC_KDUMP_RAW;
	case KD_ZLIB: return VMC_KDUMP_ZLIB;
	case KD_LZO: return VMC_KDUMP_LZO;
	case KD_SNAPPY: return VMC_KDUMP_SNAPPY;
	case KD_ZSTD: return VMC_KDUMP_ZSTD;
	default: return -1;
	}
}

/* Is sub the kernel's NUMBER(key) text read as hex, QEMU's mistake
 * (dump.c vmcoreinfo_update_phys_base: qemu_strtou64(..., 16, ...))? */
static bool qemu_hex_bug(const struct vmc_vmcoreinfo *vi, const char *key,
			 uint64_t sub)
{
	char name[64];
	snprintf(name, sizeof(name), "NUMBER(%s)", key);
	const char *v = vmc_vmcoreinfo_get(vi, name);
	if (!v || !*v)
		return false;
	bool neg = v[0] == '-';
	char *end;
	uint64_t x = strtoull(v + neg, &end, 16);
	if (*end)
		return false;
	return (neg ? 0 - x : x) == sub;
}

/* Which phys_base counts, and why (FORMATS.md §3.2: QEMU parses the
 * kernel's decimal NUMBER(phys_base) as hex into the sub-header). */
static void phys_base_info(const struct vmc_kdump *kd, struct vmc_kdump_info *o)
{
	const struct vmc_vmcoreinfo *vi = kd->dump.vmcoreinfo;
	const char *key = kd->dump.arch == VMC_ARCH_AARCH64 ? "PHYS_OFFSET"
							    : "phys_base";
	o->vmcoreinfo_phys_base_key = kd->dump.arch == VMC_ARCH_AARCH64 ?
		"NUMBER(PHYS_OFFSET)" : "NUMBER(phys_base)";
	o->have_vmcoreinfo_phys_base = vi && vmc_vmcoreinfo_number(
		vi, key, &o->vmcoreinfo_phys_base);
	if (!o->have_vmcoreinfo_phys_base)
		snprintf(o->phys_base_why, sizeof(o->phys_base_why),
			 "the sub-header's (VMCOREINFO has no %s)",
			 o->vmcoreinfo_phys_base_key);
	else if (o->vmcoreinfo_phys_base == o->sub_phys_base)
		snprintf(o->phys_base_why, sizeof(o->phys_base_why),
			 "VMCOREINFO's; the sub-header agrees");
	else
		snprintf(o->phys_base_why, sizeof(o->phys_base_why),
			 "VMCOREINFO's: the sub-header's differs%s",
			 qemu_hex_bug(vi, key, o->sub_phys_base) ?
			 " (QEMU read the kernel's decimal value as hex)" : "");
}

struct vmc_error *vmc_kdump_info(struct vmc_kdump *kd,
				 struct vmc_kdump_info *o)
{
	*o = (struct vmc_kdump_info){
		.header_version = kd->version, .writer_bits = kd->bits,
		.block_size = kd->block_size, .arch_src = kd->arch_src,
		.status = kd->status, .dump_level = kd->dump_level,
		.max_mapnr = kd->nr_pfns, .dumped_pages = kd->ndumped,
		.excluded_pages = kd->nexcluded,
		.missing_pages = kd->ndumped - kd->nvalid,
		.stop_pfn = kd->stop_pfn,
		.incomplete = kd->status & KD_INCOMPLETE,
		.sub_phys_base = kd->sub_phys_base,
		.vmcoreinfo_src = kd->notes.have_vmcoreinfo ? "notes" :
				  kd->have_sub_vmcoreinfo ? "sub-header" : NULL,
	};
	memcpy(o->machine, kd->machine, sizeof(o->machine));
	uint64_t ps;
	if (kd->dump.vmcoreinfo &&
	    vmc_vmcoreinfo_dec(kd->dump.vmcoreinfo, "PAGESIZE", &ps) && ps) {
		o->guest_page_size = ps;
		o->page_size_src = "VMCOREINFO PAGESIZE";
	} else {
		o->guest_page_size = kd->block_size;
		o->page_size_src = "block_size";
	}
	phys_base_info(kd, o);

	enum { BATCH = 4096 };
	struct kd_desc *d = malloc(BATCH * sizeof(*d));
	if (!d)
		return vmc_error_nomem();
	uint64_t n = kd->nvalid < KD_INFO_MAX_DESCS ? kd->nvalid
						    : KD_INFO_MAX_DESCS;
	struct vmc_error *err = NULL;
	for (uint64_t i = 0; i < n && !err; i += BATCH) {
		size_t k = n - i < BATCH ? (size_t)(n - i) : BATCH;
		err = kd_read_descs(kd, i, k, d);
		for (size_t j = 0; !err && j < k; j++) {
			int c = codec_of(d[j].flags);
			if (kd_desc_is_zero(kd, &d[j]))
				o->zero_pages++;
			else if (c >= 0)
				o->codec_pages[c]++;
		}
	}
	o->counted_pages = n;
	free(d);
	return err;
}
