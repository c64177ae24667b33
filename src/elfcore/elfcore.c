/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * elfcore: open a core, check and decode its ELF and program headers.
 * Layouts written by QEMU are described in FORMATS.md §1.1–1.6.
 */
#include "elfcore-priv.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Offsets within Elf32_Ehdr / Elf64_Ehdr and their phdr/shdr (ELF gABI). */
struct elf_layout {
	size_t ehdr_size, phent, shent;
	size_t e_type, e_machine, e_phoff, e_shoff, e_phentsize, e_phnum,
	       e_shentsize, e_shnum, e_shstrndx;
	size_t sh_offset, sh_link, sh_info;
};

static const struct elf_layout elf32_layout = {
	.ehdr_size = sizeof(Elf32_Ehdr), .phent = sizeof(Elf32_Phdr),
	.shent = sizeof(Elf32_Shdr),
	.e_type = 16, .e_machine = 18, .e_phoff = 28, .e_shoff = 32,
	.e_phentsize = 42, .e_phnum = 44, .e_shentsize = 46, .e_shnum = 48,
	.e_shstrndx = 50,
	.sh_offset = 16, .sh_link = 24, .sh_info = 28,
};

static const struct elf_layout elf64_layout = {
	.ehdr_size = sizeof(Elf64_Ehdr), .phent = sizeof(Elf64_Phdr),
	.shent = sizeof(Elf64_Shdr),
	.e_type = 16, .e_machine = 18, .e_phoff = 32, .e_shoff = 40,
	.e_phentsize = 54, .e_phnum = 56, .e_shentsize = 58, .e_shnum = 60,
	.e_shstrndx = 62,
	.sh_offset = 24, .sh_link = 40, .sh_info = 44,
};

const char *vmc_machine_name(uint16_t e_machine)
{
	switch (e_machine) {
	case EM_386: return "i386";
	case EM_X86_64: return "x86_64";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	case EM_RISCV: return "riscv";
	case EM_MIPS: return "mips";
	case EM_SPARCV9: return "sparcv9";
	case EM_LOONGARCH: return "loongarch";
	default: return "unknown";
	}
}

static const char *etype_name(uint16_t t)
{
	switch (t) {
	case ET_NONE: return "ET_NONE";
	case ET_REL: return "ET_REL";
	case ET_EXEC: return "ET_EXEC";
	case ET_DYN: return "ET_DYN";
	case ET_CORE: return "ET_CORE";
	default: return "unknown";
	}
}

/* A field of `size` bytes at `off` in the header at `p`. */
static uint64_t field(const struct vmc_core *core, const uint8_t *p, size_t size)
{
	switch (size) {
	case 2: return vmc_get16(p, core->big_endian);
	case 4: return vmc_get32(p, core->big_endian);
	default: return vmc_get64(p, core->big_endian);
	}
}

#define WORD(core) ((core)->elf_class == ELFCLASS64 ? 8u : 4u)

static struct vmc_error *check_ident(struct vmc_core *core)
{
	const uint8_t *id = core->ehdr;
	uint64_t size = core->file_size;

	if (size == 0)
		return vmc_error_new(VMC_ERR_FORMAT, "empty file");
	if (size < SELFMAG || memcmp(id, ELFMAG, SELFMAG) != 0)
		return vmc_error_new(VMC_ERR_FORMAT,
				     "not an ELF file (no ELF magic at offset 0)");
	if (size < EI_NIDENT)
		return vmc_error_new(VMC_ERR_FORMAT,
				     "truncated ELF header (file has %" PRIu64
				     " bytes, e_ident needs %d)", size, EI_NIDENT);
	core->elf_class = id[EI_CLASS];
	if (core->elf_class != ELFCLASS32 && core->elf_class != ELFCLASS64)
		return vmc_error_new(VMC_ERR_FORMAT,
				     "unknown ELF class %u in e_ident[EI_CLASS]",
				     id[EI_CLASS]);
	switch (id[EI_DATA]) {
	case ELFDATA2LSB:
		break;
	case ELFDATA2MSB:
		/* QEMU writes big-endian aarch64 dumps when SCTLR_EL1.EE=1. */
		return vmc_error_new(VMC_ERR_UNSUPPORTED,
				     "big-endian (ELFDATA2MSB) cores are not supported");
	default:
		return vmc_error_new(VMC_ERR_FORMAT,
				     "unknown byte order %u in e_ident[EI_DATA]",
				     id[EI_DATA]);
	}
	return NULL;
}

static struct vmc_error *read_ehdr(struct vmc_core *core,
				   const struct elf_layout *L)
{
	const uint8_t *h = core->ehdr;
	if (core->file_size < L->ehdr_size)
		return vmc_error_new(VMC_ERR_FORMAT,
				     "truncated ELF header (file has %" PRIu64
				     " bytes, an ELF%u header needs %zu)",
				     core->file_size, WORD(core) * 8, L->ehdr_size);
	core->e_type = (uint16_t)field(core, h + L->e_type, 2);
	core->e_machine = (uint16_t)field(core, h + L->e_machine, 2);
	core->e_phoff = field(core, h + L->e_phoff, WORD(core));
	core->e_shoff = field(core, h + L->e_shoff, WORD(core));

	if (core->e_type != ET_CORE)
		return vmc_error_new(VMC_ERR_FORMAT,
				     "not a core file (e_type %u, %s; expected ET_CORE)",
				     core->e_type, etype_name(core->e_type));
	switch (core->e_machine) {
	case EM_X86_64:
		core->arch = VMC_ARCH_X86_64;
		break;
	case EM_386:
		/* Also inside ELFCLASS64 when RAM ends above 4 GiB (§1.1). */
		core->arch = VMC_ARCH_I386;
		break;
	case EM_AARCH64:
		core->arch = VMC_ARCH_AARCH64;
		break;
	default:
		return vmc_error_new(VMC_ERR_UNSUPPORTED,
				     "machine %u (%s) is not supported "
				     "(x86_64, i386 and aarch64 are)",
				     core->e_machine,
				     vmc_machine_name(core->e_machine));
	}
	return NULL;
}

/* Resolve e_phnum, following PN_XNUM into section header 0 (gABI). */
static struct vmc_error *read_phnum(struct vmc_core *core,
				    const struct elf_layout *L)
{
	const uint8_t *h = core->ehdr;
	uint16_t e_phnum = (uint16_t)field(core, h + L->e_phnum, 2);
	uint16_t e_phentsize = (uint16_t)field(core, h + L->e_phentsize, 2);

	core->phnum = e_phnum;
	if (e_phnum == PN_XNUM) {
		uint16_t shentsize = (uint16_t)field(core, h + L->e_shentsize, 2);
		if (core->e_shoff == 0)
			return vmc_error_new(VMC_ERR_FORMAT,
					     "e_phnum is PN_XNUM (0xffff) but there is "
					     "no section header 0 (e_shoff 0)");
		if (shentsize != L->shent)
			return vmc_error_new(VMC_ERR_FORMAT,
					     "e_phnum is PN_XNUM but e_shentsize is %u "
					     "(expected %zu)", shentsize, L->shent);
		if (!vmc_range_ok(core->e_shoff, L->shent, core->file_size))
			return vmc_error_new(VMC_ERR_FORMAT,
					     "section header 0 (offset 0x%" PRIx64
					     ") runs past end of file (file size 0x%"
					     PRIx64 ")", core->e_shoff,
					     core->file_size);
		uint8_t sh_info[4];
		struct vmc_error *err = vmc_input_read(core->in, sh_info, 4,
						       core->e_shoff + L->sh_info,
						       "section header 0");
		if (err)
			return err;
		core->phnum = (uint32_t)field(core, sh_info, 4);
		core->pn_xnum = true;
	}
	if (core->phnum && e_phentsize != L->phent)
		return vmc_error_new(VMC_ERR_FORMAT,
				     "e_phentsize is %u (expected %zu for ELF%u)",
				     e_phentsize, L->phent, WORD(core) * 8);
	if (!vmc_range_ok(core->e_phoff, (uint64_t)core->phnum * L->phent,
			  core->file_size))
		return vmc_error_new(VMC_ERR_FORMAT,
				     "program header table runs past end of file "
				     "(offset 0x%" PRIx64 ", %" PRIu32
				     " entries, file size 0x%" PRIx64 ")",
				     core->e_phoff, core->phnum, core->file_size);
	return NULL;
}

/*
 * QEMU ≥ 7.2 writes .shstrtab after all RAM data, so its sh_offset is where
 * RAM data ends (§1.2). Anything odd and we fall back to the file size.
 */
static void find_ram_data_end(struct vmc_core *core, const struct elf_layout *L)
{
	const uint8_t *h = core->ehdr;
	core->ram_data_end = core->file_size;
	uint16_t shnum = (uint16_t)field(core, h + L->e_shnum, 2);
	uint16_t shstrndx = (uint16_t)field(core, h + L->e_shstrndx, 2);
	uint16_t shentsize = (uint16_t)field(core, h + L->e_shentsize, 2);
	if (!core->e_shoff || shentsize != L->shent || shstrndx == 0 ||
	    shstrndx >= shnum ||
	    !vmc_range_ok(core->e_shoff, (uint64_t)shnum * L->shent,
			  core->file_size))
		return;
	uint8_t sh[sizeof(Elf64_Shdr)];
	struct vmc_error *err = vmc_input_read(core->in, sh, L->shent,
					       core->e_shoff +
					       (uint64_t)shstrndx * L->shent,
					       "the .shstrtab section header");
	if (err) {
		vmc_error_free(err);
		return;
	}
	uint64_t off = field(core, sh + L->sh_offset, WORD(core));
	uint64_t phend = core->e_phoff + (uint64_t)core->phnum * L->phent;
	if (off > phend && off <= core->file_size)
		core->ram_data_end = off;
}

static bool offset_is_absent(const struct vmc_core *core, uint64_t off)
{
	/* QEMU writes p_offset = -1 for mappings outside every RAM block. */
	return core->elf_class == ELFCLASS64 ? off == UINT64_MAX
					     : off == UINT32_MAX;
}

static void decode_phdr(const struct vmc_core *core, const uint8_t *p,
			struct vmc_segment *s)
{
	bool be = core->big_endian;
	if (core->elf_class == ELFCLASS64) {
		s->type = vmc_get32(p, be);
		s->flags = vmc_get32(p + 4, be);
		s->offset = vmc_get64(p + 8, be);
		s->vaddr = vmc_get64(p + 16, be);
		s->paddr = vmc_get64(p + 24, be);
		s->filesz = vmc_get64(p + 32, be);
		s->memsz = vmc_get64(p + 40, be);
		s->align = vmc_get64(p + 48, be);
	} else {
		s->type = vmc_get32(p, be);
		s->offset = vmc_get32(p + 4, be);
		s->vaddr = vmc_get32(p + 8, be);
		s->paddr = vmc_get32(p + 12, be);
		s->filesz = vmc_get32(p + 16, be);
		s->memsz = vmc_get32(p + 20, be);
		s->flags = vmc_get32(p + 24, be);
		s->align = vmc_get32(p + 28, be);
	}
}

static struct vmc_error *read_phdrs(struct vmc_core *core,
				    const struct elf_layout *L,
				    struct vmc_warnings *ws)
{
	if (vmc_segment_vec_reserve(&core->segs, core->phnum))
		return vmc_error_nomem();
	/* In place when the stream is mapped; read_phnum checked that the
	 * table lies inside the stream, so its size is what the file holds. */
	const uint8_t *table;
	uint8_t *owned;
	struct vmc_error *err = vmc_input_bytes(core->in, core->e_phoff,
						(uint64_t)core->phnum * L->phent,
						"the program header table",
						&table, &owned);
	if (err)
		return err;
	size_t nload = 0;
	for (uint32_t i = 0; i < core->phnum; i++) {
		struct vmc_segment *s = vmc_segment_vec_push(&core->segs);
		s->index = i;
		decode_phdr(core, table + (uint64_t)i * L->phent, s);
		if (s->type != PT_LOAD && s->type != PT_NOTE)
			continue;
		if (s->type == PT_LOAD)
			nload++;
		if (s->filesz == 0 || offset_is_absent(core, s->offset)) {
			s->kind = VMC_SEG_ABSENT;
			continue;
		}
		s->kind = s->vaddr == s->paddr ? VMC_SEG_IDENTITY :
			  s->vaddr == 0 ? VMC_SEG_FILLER : VMC_SEG_VIRTUAL;
		s->avail = s->offset >= core->file_size ? 0 :
			   s->filesz < core->file_size - s->offset ?
			   s->filesz : core->file_size - s->offset;
		if (s->avail < s->filesz)
			vmc_warn(ws, "%s[%" PRIu32 "] (paddr 0x%" PRIx64 "): 0x%"
				 PRIx64 " of its 0x%" PRIx64 " bytes lie past end "
				 "of file (offset 0x%" PRIx64 ", file size 0x%"
				 PRIx64 ")", s->type == PT_LOAD ? "PT_LOAD" : "PT_NOTE",
				 i, s->paddr, s->filesz - s->avail, s->filesz,
				 s->offset, core->file_size);
	}
	free(owned);
	if (nload == 0)
		vmc_warn(ws, "no PT_LOAD segments: the core holds no memory");
	return NULL;
}

/* Every PT_NOTE's notes, decoded; their bytes kept for outputs to copy. */
static struct vmc_error *parse_notes(struct vmc_core *core,
				     struct vmc_warnings *ws)
{
	for (size_t i = 0; i < core->segs.n; i++) {
		const struct vmc_segment *s = &core->segs.v[i];
		if (s->type != PT_NOTE || s->kind == VMC_SEG_ABSENT || !s->avail)
			continue;
		/* Copied out of a decoded stream: bounded, so that a lying
		 * p_filesz cannot make us allocate what the file lacks. */
		uint64_t len = s->avail;
		if (!core->in->map && len > VMC_NOTES_MAX) {
			vmc_warn(ws, "PT_NOTE[%" PRIu32 "] claims 0x%" PRIx64
				 " bytes; reading the first 0x%x", s->index,
				 len, VMC_NOTES_MAX);
			len = VMC_NOTES_MAX;
		}
		const uint8_t *p;
		uint8_t *owned;
		struct vmc_error *err = vmc_input_bytes(core->in, s->offset, len,
							"notes", &p, &owned);
		if (err)
			return err;
		if (owned && !vmc_owned_vec_push(&core->owned)) {
			free(owned);
			return vmc_error_nomem();
		}
		if (owned)
			core->owned.v[core->owned.n - 1] = owned;
		struct vmc_bytes *b = vmc_bytes_vec_push(&core->note_data);
		if (!b)
			return vmc_error_nomem();
		*b = (struct vmc_bytes){ p, len, s->align == 8 ? 8 : 4 };
		char where[32];
		snprintf(where, sizeof(where), "PT_NOTE[%" PRIu32 "]", s->index);
		/* drgn reads 8-byte aligned notes when p_align is 8; so do we. */
		err = vmc_notes_parse(
			&core->notes, core->arch, b->p, b->n, b->align,
			core->big_endian, s->offset, where, ws);
		if (err)
			return err;
	}
	vmc_notes_finish(&core->notes, ws);
	return NULL;
}

/* Where the program header table (and its PN_XNUM section header) starts
 * when it is the last thing in the file, past every byte a segment holds:
 * what `remap --in-place` appends. QEMU never writes that (its headers come
 * first), so a repeated in-place rewrite can replace the table instead of
 * appending another. Else the file size. */
static uint64_t appended_tables_start(const struct vmc_core *core)
{
	size_t phent = core->elf_class == ELFCLASS64 ? sizeof(Elf64_Phdr)
						      : sizeof(Elf32_Phdr);
	size_t shent = core->elf_class == ELFCLASS64 ? sizeof(Elf64_Shdr)
						      : sizeof(Elf32_Shdr);
	uint64_t end = core->e_phoff + (uint64_t)core->phnum * phent;
	if (core->pn_xnum) {
		if (core->e_shoff != end)
			return core->file_size;
		end += shent;
	}
	if (end != core->file_size || core->e_phoff < 64)
		return core->file_size;
	for (size_t i = 0; i < core->segs.n; i++) {
		const struct vmc_segment *s = &core->segs.v[i];
		if (s->kind != VMC_SEG_ABSENT && s->avail &&
		    s->offset + s->avail > core->e_phoff)
			return core->file_size;
	}
	return core->e_phoff;
}

static void fill_dump(struct vmc_core *core)
{
	struct vmc_dump *d = &core->dump;
	*d = (struct vmc_dump){
		.path = core->path,
		.format = "elf",
		.arch = core->arch,
		.e_machine = core->e_machine,
		.big_endian = core->big_endian,
		.long_mode = core->e_machine == EM_X86_64,
		.cpus = core->notes.cpus.v,
		.ncpus = core->notes.cpus.n,
		.notes = core->notes.notes.v,
		.nnotes = core->notes.notes.n,
		.note_data = core->note_data.v,
		.nnote_data = core->note_data.n,
		.vmcoreinfo = core->notes.have_vmcoreinfo ?
			      &core->notes.vmcoreinfo : NULL,
		.ram = core->ram.v,
		.nram = core->ram.n,
		.pm = vmc_core_physmem(core),
		.write_ram = vmc_core_write_ram,
		.ctx = core,
	};
	for (size_t i = 0; i < core->ram.n; i++) {
		d->ram_bytes += core->ram.v[i].size;
		d->data_bytes += core->ram.v[i].avail;
	}
	d->file_dev = core->in->dev;
	d->file_ino = core->in->ino;
	/* In place only in a plain file: a decoded stream has no bytes to
	 * rewrite, and its offsets are no hint for sharing blocks. */
	d->flat.ok = core->fd >= 0 && !core->in->layers[0];
	d->flat.elf_class = core->elf_class;
	d->flat.file_size = core->file_size;
	d->flat.data_end = appended_tables_start(core);
	for (size_t i = 0; i < core->segs.n; i++) {
		const struct vmc_segment *s = &core->segs.v[i];
		if (s->type != PT_NOTE || s->kind == VMC_SEG_ABSENT)
			continue;
		if (d->flat.note_segments++ == 0)
			d->flat.notes_foff = s->offset;
	}
}

struct vmc_error *vmc_core_open(struct vmc_input *in, struct vmc_warnings *ws,
				struct vmc_core **out)
{
	struct vmc_error *err;
	struct vmc_core *core = calloc(1, sizeof(*core));
	if (!core)
		return vmc_error_nomem();
	core->in = in;
	core->path = in->path;
	core->fd = in->fd;
	core->map = in->map;
	core->file_size = in->size;
	size_t n = in->size < sizeof(core->ehdr) ? (size_t)in->size
						 : sizeof(core->ehdr);
	if ((err = vmc_input_read(in, core->ehdr, n, 0, "the ELF header")) ||
	    (err = check_ident(core)))
		goto fail;
	const struct elf_layout *L =
		core->elf_class == ELFCLASS64 ? &elf64_layout : &elf32_layout;
	if ((err = read_ehdr(core, L)) || (err = read_phnum(core, L)))
		goto fail;
	find_ram_data_end(core, L);
	if ((err = read_phdrs(core, L, ws)) || (err = parse_notes(core, ws)) ||
	    (err = vmc_core_build_ram(core, ws)))
		goto fail;
	fill_dump(core);
	*out = core;
	return NULL;
fail:
	vmc_core_close(core);
	return err;
}

void vmc_core_close(struct vmc_core *core)
{
	if (!core)
		return;
	vmc_notes_fini(&core->notes);
	vmc_bytes_vec_free(&core->note_data);
	vmc_segment_vec_free(&core->segs);
	vmc_ram_vec_free(&core->ram);
	vmc_unplaced_vec_free(&core->unplaced);
	for (size_t i = 0; i < core->owned.n; i++)
		free(core->owned.v[i]);
	vmc_owned_vec_free(&core->owned);
	free(core->copy_buf);
	free(core);
}

struct vmc_dump *vmc_core_dump(struct vmc_core *core)
{
	return &core->dump;
}

void vmc_core_elf_info(const struct vmc_core *core, struct vmc_elf_info *out)
{
	const char *layout;
	if (core->e_phoff == (core->elf_class == ELFCLASS64 ? 64 : 52))
		layout = "program headers right after the ELF header";
	else if (core->e_shoff && core->e_shoff < core->e_phoff)
		layout = "section headers before program headers (QEMU >= 7.2)";
	else
		layout = "program headers at a custom offset";
	*out = (struct vmc_elf_info){
		.elf_class = core->elf_class, .e_phoff = core->e_phoff,
		.phnum = core->phnum, .pn_xnum = core->pn_xnum, .layout = layout,
	};
}

const struct vmc_segment *vmc_core_segments(const struct vmc_core *core,
					    size_t *n)
{
	*n = core->segs.n;
	return core->segs.v;
}

const struct vmc_unplaced *vmc_core_unplaced(const struct vmc_core *core,
					     size_t *n)
{
	*n = core->unplaced.n;
	return core->unplaced.v;
}
