/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ptload placement: file offsets for a laid-out plan. The notes go first,
 * then each RAM range's data once; every segment points into the copy of
 * its RAM range, found by binary search (aliases share bytes).
 */
#include "ptload.h"

#include <elf.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#define OUT_ALIGN	4096

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t notes_size(const struct vmc_dump *d)
{
	uint64_t total = 0;
	for (size_t i = 0; i < d->nnote_data; i++)
		total += d->note_data[i].n;
	return total;
}

/* layers ("gzip+flattened") starts with the compression layer name. */
static bool compressed(const char *layers, const char *name)
{
	size_t n = strlen(name);
	return layers && strncmp(layers, name, n) == 0 &&
	       (layers[n] == '\0' || layers[n] == '+');
}

/* --in-place on a compressed core: say how to decompress it. gzip -dk
 * keeps the input and writes it less its suffix; lz4 -d is given the name
 * (without one it writes to stdout when that is not a terminal); a name
 * without the suffix is decompressed to NAME.elf. */
static struct vmc_error *not_in_place(const struct vmc_dump *d)
{
	bool gz = compressed(d->layers, "gzip");
	const char *tool = gz ? "gzip" : "lz4", *sfx = gz ? ".gz" : ".lz4";
	size_t n = strlen(d->path), k = strlen(sfx);
	if (n > k && strcmp(d->path + n - k, sfx) == 0 && n - k < INT_MAX)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "%s-compressed: "
				     "--in-place rewrites only an uncompressed "
				     "core; decompress it first (%s %s%s%.*s), "
				     "or write a new core with -o", tool,
				     gz ? "gzip -dk" : "lz4 -d", d->path,
				     gz ? "" : " ", gz ? 0 : (int)(n - k), d->path);
	return vmc_error_new(VMC_ERR_UNSUPPORTED, "%s-compressed: --in-place "
			     "rewrites only an uncompressed core; decompress it "
			     "first (%s -dc %s > %s.elf), or write a new core "
			     "with -o", tool, tool, d->path, d->path);
}

/* In place, the data stays where it is; the new tables go past the end. */
static struct vmc_error *place_in_place(const struct vmc_dump *d,
					struct vmc_plan *plan, size_t phent,
					size_t shent)
{
	if (!d->flat.ok && (compressed(d->layers, "gzip") ||
			    compressed(d->layers, "lz4")))
		return not_in_place(d);
	if (!d->flat.ok)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "--in-place needs a core "
				     "that holds RAM flat (an uncompressed ELF "
				     "core); this is a %s dump", d->format);
	if (d->flat.note_segments > 1)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "--in-place keeps the "
				     "notes where they are, and this core has %u "
				     "PT_NOTEs", d->flat.note_segments);
	/* The rewrite replaces the ELF header: a core that keeps notes or RAM
	 * inside those bytes (a hostile one) would lose them. */
	uint64_t ehsize = plan->elf_class == ELFCLASS64 ? sizeof(Elf64_Ehdr)
						       : sizeof(Elf32_Ehdr);
	bool clash = d->flat.note_segments && d->flat.notes_foff < ehsize;
	for (size_t i = 0; i < d->nram && !clash; i++)
		clash = d->ram[i].avail && d->ram[i].foff != VMC_NO_FOFF &&
			d->ram[i].foff < ehsize;
	if (clash)
		return vmc_error_new(VMC_ERR_FORMAT, "--in-place would overwrite "
				     "data this core keeps inside its ELF header "
				     "(its first %" PRIu64 " bytes); write a new "
				     "core with -o", ehsize);
	uint64_t nph = plan->segs.n;
	plan->notes_off = d->flat.notes_foff;
	/* After the data; a table an earlier in-place rewrite appended is
	 * replaced, so that repeated rewrites do not grow the file. */
	plan->phoff = align_up(d->flat.data_end, 8);
	plan->shoff = nph >= PN_XNUM ? plan->phoff + nph * phent : 0;
	plan->file_size = plan->phoff + nph * phent + (plan->shoff ? shent : 0);
	return NULL;
}

/* A new file: headers, notes, then each RAM range with data once, at the
 * next offset congruent to its input offset modulo the page size when the
 * input holds it flat (so copy_file_range can share blocks), with no gap
 * at all when ranges follow each other in the input. */
static struct vmc_error *place_new(const struct vmc_dump *d,
				   struct vmc_plan *plan, size_t phent,
				   size_t shent)
{
	uint64_t nph = plan->segs.n;
	plan->phoff = plan->elf_class == ELFCLASS64 ? sizeof(Elf64_Ehdr)
						    : sizeof(Elf32_Ehdr);
	uint64_t pos = plan->phoff + nph * phent;
	if (nph >= PN_XNUM) {
		plan->shoff = pos;
		pos += shent;
	}
	/* Each PT_NOTE at its own alignment, in order. */
	plan->notes_off = align_up(pos, 8);
	pos = plan->notes_off;
	for (size_t i = 0; i < plan->nnotes; i++) {
		struct vmc_segment *s = &plan->segs.v[i];
		uint64_t n = i < d->nnote_data ? d->note_data[i].n : 0;
		pos = align_up(pos, s->align ? s->align : 4);
		s->offset = pos;
		pos += n;
		if (plan->extra_len && i == plan->extra_seg) {
			/* A clean end is 4-aligned already (layout.c). */
			plan->extra_off = align_up(pos, 4);
			pos = plan->extra_off + plan->extra_len;
		}
		s->filesz = s->memsz = s->avail = pos - s->offset;
	}
	if (vmc_plan_copy_vec_reserve(&plan->copies, d->nram))
		return vmc_error_nomem();
	for (size_t i = 0; i < d->nram; i++) {
		const struct vmc_ram_range *r = &d->ram[i];
		uint64_t phase = r->foff == VMC_NO_FOFF ? 0 : r->foff;
		uint64_t dst = pos + ((phase - pos) & (OUT_ALIGN - 1));
		if (!r->avail)
			dst = pos;
		/* One copy per RAM range, by index: copies.v[i] is ram[i]'s. */
		struct vmc_plan_copy *c = vmc_plan_copy_vec_push(&plan->copies);
		*c = (struct vmc_plan_copy){ r->paddr, dst, r->avail };
		pos = dst + r->avail;
	}
	plan->file_size = pos;
	return NULL;
}

struct vmc_error *vmc_place(const struct vmc_dump *d, struct vmc_plan *plan)
{
	size_t phent = plan->elf_class == ELFCLASS64 ? sizeof(Elf64_Phdr)
						      : sizeof(Elf32_Phdr);
	size_t shent = plan->elf_class == ELFCLASS64 ? sizeof(Elf64_Shdr)
						      : sizeof(Elf32_Shdr);
	uint64_t nph = plan->segs.n;
	if (nph >= PN_XNUM && plan->elf_class != ELFCLASS64)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "%" PRIu64 " program "
				     "headers need PN_XNUM, which crash reads in "
				     "ELF64 only; use --kernel-only or --exclude",
				     nph);
	plan->notes_size = notes_size(d);
	struct vmc_error *err = plan->in_place ?
		place_in_place(d, plan, phent, shent) :
		place_new(d, plan, phent, shent);
	if (err)
		return err;

	/* Point every segment at its bytes. */
	if (plan->in_place) {
		struct vmc_segment *note = &plan->segs.v[0];
		note->offset = plan->notes_off;
		note->filesz = note->memsz = note->avail = plan->notes_size;
	}
	size_t hint = 0;
	for (size_t i = plan->nnotes; i < plan->segs.n; i++) {
		struct vmc_segment *s = &plan->segs.v[i];
		const struct vmc_ram_range *r = vmc_ram_find(d->ram, d->nram,
							     s->paddr, &hint);
		if (!r)
			return vmc_error_new(VMC_ERR_FORMAT, "internal: segment at "
					     "physical 0x%" PRIx64 " has no RAM",
					     s->paddr);
		uint64_t base = plan->in_place ? r->foff
					       : plan->copies.v[r - d->ram].dst;
		if (base == VMC_NO_FOFF)
			return vmc_error_new(VMC_ERR_UNSUPPORTED, "RAM at 0x%" PRIx64
					     " is not stored flat", r->paddr);
		s->offset = base + (s->paddr - r->paddr);
	}
	if (plan->elf_class == ELFCLASS32 && plan->file_size > UINT32_MAX)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "the output would be "
				     "0x%" PRIx64 " bytes, more than an ELF32 core "
				     "can address", plan->file_size);
	return NULL;
}
