/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * (h) The remap oracle: build the gdb-layout plan, write it (vmc_plan_write
 * into a tmpfs directory, as `remap -o` does), and read the output back
 * with a parser of its own: for every program header, the header the file
 * has must be the plan's, a PT_NOTE must hold the input's notes
 * byte-exact, and the bytes at a PT_LOAD's p_offset must be what the input
 * holds at its p_paddr (vmc_physmem_read). Then the output is opened as a
 * core: every byte of the input's RAM must read the same from it. The
 * same again for `remap --in-place` on a copy of the input.
 *
 * Hostile page tables can alias one page 2^20 times; past 16 MiB of
 * comparisons per input only each segment's first and last bytes are
 * compared, so that a slow input is the library's, not this harness's.
 */
#include "common.h"

#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUDGET	(UINT64_C(16) << 20)
#define CHUNK	65536u
#define EDGE	64u

static uint64_t budget;

/* The pieces [off, off+n) of a len-byte range to compare: all of it, in
 * chunks, while the budget lasts; else its first and last bytes. */
static void pieces(uint64_t len, void (*fn)(uint64_t off, uint64_t n, void *arg),
		   void *arg)
{
	if (len <= budget) {
		budget -= len;
		for (uint64_t off = 0; off < len; off += CHUNK)
			fn(off, len - off < CHUNK ? len - off : CHUNK, arg);
		return;
	}
	fn(0, len < EDGE ? len : EDGE, arg);
	if (len > EDGE)
		fn(len - EDGE, EDGE, arg);
}

struct ram_cmp {
	const struct vmc_physmem *want;	/* the input */
	const struct vmc_physmem *got;	/* the output as a core, or NULL */
	const uint8_t *bytes;		/* else the output's bytes */
	uint64_t paddr;
	const char *what;
};

static void compare_piece(uint64_t off, uint64_t n, void *arg)
{
	static uint8_t want[CHUNK], got[CHUNK];
	const struct ram_cmp *c = arg;
	struct vmc_error *err = vmc_physmem_read(c->want, c->paddr + off, want,
						 (size_t)n);
	if (err)
		fprintf(stderr, "%s: input physical 0x%" PRIx64 ": %s\n", c->what,
			c->paddr + off, err->msg);
	FUZZ_CHECK(err == NULL);
	const uint8_t *p = c->bytes ? c->bytes + off : got;
	if (!c->bytes) {
		err = vmc_physmem_read(c->got, c->paddr + off, got, (size_t)n);
		if (err)
			fprintf(stderr, "%s: output physical 0x%" PRIx64 ": %s\n",
				c->what, c->paddr + off, err->msg);
		FUZZ_CHECK(err == NULL);
	}
	if (memcmp(want, p, n) != 0) {
		fprintf(stderr, "%s: the bytes for physical 0x%" PRIx64 " are "
			"not the input's\n", c->what, c->paddr + off);
		FUZZ_CHECK(!"output bytes are the input's RAM");
	}
}

struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static struct phdr read_phdr(const uint8_t *p, bool e64)
{
	if (e64)
		return (struct phdr){ vmc_get32(p, false), vmc_get64(p + 8, false),
				      vmc_get64(p + 16, false),
				      vmc_get64(p + 24, false),
				      vmc_get64(p + 32, false),
				      vmc_get64(p + 40, false) };
	return (struct phdr){ vmc_get32(p, false), vmc_get32(p + 4, false),
			      vmc_get32(p + 8, false), vmc_get32(p + 12, false),
			      vmc_get32(p + 16, false), vmc_get32(p + 20, false) };
}

/* The written file, parsed here, against the plan and the input. */
static void check_file(const char *path, const struct vmc_dump *d,
		       const struct vmc_plan *plan)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	FUZZ_CHECK(fd >= 0);
	struct stat st;
	FUZZ_CHECK(fstat(fd, &st) == 0);
	uint64_t size = (uint64_t)st.st_size;
	FUZZ_CHECK(size == plan->file_size);
	uint8_t *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	FUZZ_CHECK(m != MAP_FAILED);
	close(fd);

	bool e64 = plan->elf_class == ELFCLASS64;
	FUZZ_CHECK(memcmp(m, ELFMAG, SELFMAG) == 0 && m[EI_CLASS] == plan->elf_class);
	FUZZ_CHECK(vmc_get16(m + 16, false) == ET_CORE &&
		   vmc_get16(m + 18, false) == plan->e_machine);
	uint64_t phoff = e64 ? vmc_get64(m + 32, false) : vmc_get32(m + 28, false);
	uint64_t shoff = e64 ? vmc_get64(m + 40, false) : vmc_get32(m + 32, false);
	uint64_t phnum = vmc_get16(m + (e64 ? 56 : 44), false);
	size_t phent = e64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	FUZZ_CHECK(phoff == plan->phoff);
	if (phnum == PN_XNUM) {
		FUZZ_CHECK(e64 && shoff && shoff + sizeof(Elf64_Shdr) <= size);
		phnum = vmc_get32(m + shoff + 44, false);
	}
	FUZZ_CHECK(phnum == plan->segs.n);
	FUZZ_CHECK(phoff + phnum * phent <= size);

	for (uint64_t i = 0; i < phnum; i++) {
		struct phdr ph = read_phdr(m + phoff + i * phent, e64);
		const struct vmc_segment *s = &plan->segs.v[i];
		FUZZ_CHECK(ph.type == s->type && ph.offset == s->offset &&
			   ph.vaddr == s->vaddr && ph.paddr == s->paddr &&
			   ph.filesz == s->filesz && ph.memsz == s->memsz);
		FUZZ_CHECK(ph.offset <= size && ph.filesz <= size - ph.offset);
		if (ph.type == PT_NOTE) {
			/* Output PT_NOTE i holds input PT_NOTE i's bytes exactly
			 * (kept apart: joined, stray bytes at the end of one
			 * would swallow the next's notes). */
			FUZZ_CHECK(i < plan->nnotes);
			uint64_t n = i < d->nnote_data ? d->note_data[i].n : 0;
			FUZZ_CHECK(ph.filesz == n);
			FUZZ_CHECK(n == 0 || memcmp(m + ph.offset,
						    d->note_data[i].p, n) == 0);
		} else {
			struct ram_cmp c = { &d->pm, NULL, m + ph.offset,
					     ph.paddr, "PT_LOAD" };
			pieces(ph.filesz, compare_piece, &c);
		}
	}
	munmap(m, size);
}

/* Finding F2: outputs declare p_align 0 on their PT_NOTE, so notes that
 * the input's p_align 8 made 8-byte aligned are read back 4-aligned. */
static bool notes_align8;

/* The notes are copied byte-exact; read back, they must also say the
 * same (a reader parses them with the PT_NOTE's alignment). */
static void check_notes(const struct vmc_dump *d, const struct vmc_dump *o)
{
	if (o->nnotes != d->nnotes)
		fprintf(stderr, "the output has %zu notes, the input %zu\n",
			o->nnotes, d->nnotes);
	FUZZ_CHECK(o->nnotes == d->nnotes);
	for (size_t i = 0; i < d->nnotes; i++) {
		const struct vmc_note *a = &d->notes[i], *b = &o->notes[i];
		FUZZ_CHECK(a->type == b->type && a->descsz == b->descsz &&
			   strcmp(a->name, b->name) == 0 &&
			   memcmp(a->desc, b->desc, a->descsz) == 0);
	}
}

/* The output as a core: the input's RAM reads the same from it. */
static void check_roundtrip(const char *path, const struct vmc_dump *d)
{
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_source *out = NULL;
	struct vmc_error *err = vmc_source_open(path, NULL, &ws, &out);
	if (err)
		fprintf(stderr, "the output does not open: %s\n", err->msg);
	FUZZ_CHECK(err == NULL);
	const struct vmc_dump *o = vmc_source_dump(out);
	FUZZ_CHECK(o->e_machine == d->e_machine);
	check_notes(d, o);
	for (size_t i = 0; i < d->nram; i++) {
		const struct vmc_ram_range *r = &d->ram[i];
		/* RAM above 4 GiB is left out of ELF32 outputs, on purpose. */
		if (o->flat.elf_class == ELFCLASS32 &&
		    r->paddr + r->avail > (UINT64_C(1) << 32))
			continue;
		struct ram_cmp c = { &d->pm, &o->pm, NULL, r->paddr,
				     "the output read as a core" };
		pieces(r->avail, compare_piece, &c);
	}
	vmc_source_close(out);
}

static const char *scratch_file(const char *name)
{
	static char path[4200];
	snprintf(path, sizeof(path), "%s/%s", fuzz_scratch_dir(), name);
	return path;
}

static void remap(const struct vmc_dump *d)
{
	struct vmc_plan_opts o = { .layout = VMC_LAYOUT_GDB, .root = { .cpu = -1 },
				   .allow_empty = true };
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_plan plan;
	struct vmc_error *err = vmc_plan_build(d, &o, &ws, &plan);
	if (err) {
		fuzz_error_free(err);
		return;
	}
	const char *out = scratch_file("out.core");
	struct vmc_write_opts wo = { .force = true };
	err = vmc_plan_write(d, &plan, out, &wo);
	if (err)
		fprintf(stderr, "remap: %s\n", err->msg);
	FUZZ_CHECK(err == NULL);
	check_file(out, d, &plan);
	check_roundtrip(out, d);
	unlink(out);
	vmc_plan_fini(&plan);
}

/* Finding F1: the rewrite's new ELF header lands on data that lies in
 * the old one (a PT_LOAD or PT_NOTE with p_offset < e_ehsize). */
static bool data_in_ehdr(const struct vmc_dump *d)
{
	uint64_t ehsize = d->flat.elf_class == ELFCLASS64 ? sizeof(Elf64_Ehdr)
							  : sizeof(Elf32_Ehdr);
	for (size_t i = 0; i < d->nram; i++)
		if (d->ram[i].avail && d->ram[i].foff < ehsize)
			return true;
	return d->flat.note_segments && d->flat.notes_foff < ehsize;
}

static void remap_in_place(const struct vmc_dump *d, const uint8_t *data,
			   size_t size)
{
	struct vmc_plan_opts o = { .layout = VMC_LAYOUT_GDB, .root = { .cpu = -1 },
				   .allow_empty = true, .in_place = true };
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_plan plan;
	struct vmc_error *err = vmc_plan_build(d, &o, &ws, &plan);
	/* Data inside the ELF header would be overwritten: refused. */
	if (data_in_ehdr(d))
		FUZZ_CHECK(err != NULL);
	if (err) {
		fuzz_error_free(err);
		return;
	}
	/* A copy of the input takes the rewrite; d keeps reading the input. */
	const char *copy = scratch_file("in-place.core");
	int fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);
	err = vmc_plan_write_in_place(copy, &plan);
	if (err)
		fprintf(stderr, "remap --in-place: %s\n", err->msg);
	FUZZ_CHECK(err == NULL);
	check_file(copy, d, &plan);
	check_roundtrip(copy, d);
	unlink(copy);
	vmc_plan_fini(&plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	/* From a file, as the CLI opens one: --in-place needs a plain file
	 * (a dump opened from memory is refused it). */
	const char *path = scratch_file("input.core");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);
	struct vmc_source *core = NULL;
	struct vmc_error *err = vmc_source_open(path, NULL, &ws, &core);
	if (err) {
		fuzz_error_free(err);
		unlink(path);
		return 0;
	}
	const struct vmc_dump *d = vmc_source_dump(core);
	const struct vmc_core *elf = vmc_source_elf(core);
	if (!elf) {
		vmc_source_close(core);
		unlink(path);
		return 0;
	}
	size_t nseg;
	const struct vmc_segment *seg = vmc_core_segments(elf, &nseg);
	notes_align8 = false;
	for (size_t i = 0; i < nseg; i++)
		notes_align8 |= seg[i].type == PT_NOTE && seg[i].align == 8;
	budget = BUDGET;
	remap(d);
	remap_in_place(d, data, size);
	vmc_source_close(core);
	unlink(path);
	return 0;
}
