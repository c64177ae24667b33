/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the harnesses: a scratch directory, a sink, the plan checks. */
#include "common.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- sanitizer defaults ------------------------------------------------------ */

/* A smaller quarantine than ASan's 256 MB: freed blocks are still held
 * long enough for a use after free in one run to be caught, but memory is
 * reused while it is still mapped, instead of faulting in fresh zeroed
 * pages on every run (a third of the walk harness's time). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

/* ---- a scratch directory ------------------------------------------------------ */

static char scratch[4096];

static void remove_files(void)
{
	if (scratch[0])
		rmdir(scratch);
}

static const char *tmp_dir(void)
{
	const char *dir = getenv("FUZZ_TMPDIR");
	struct stat st;
	if (dir && *dir)
		return dir;
	return stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm"
								 : "/tmp";
}

const char *fuzz_scratch_dir(void)
{
	if (!scratch[0]) {
		snprintf(scratch, sizeof(scratch), "%s/vmc-fuzz-%d.d", tmp_dir(),
			 (int)getpid());
		if (mkdir(scratch, 0700) < 0 && errno != EEXIST) {
			perror("fuzz: mkdir");
			abort();
		}
		atexit(remove_files);
	}
	return scratch;
}

FILE *fuzz_devnull(void)
{
	static FILE *devnull;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	return devnull;
}

/* ---- sinks and errors ----------------------------------------------------------- */

static void emit(void *arg, const char *msg)
{
	(void)arg;
	/* Read the whole message: a bad %s argument shows up here. */
	FUZZ_CHECK(strlen(msg) < 1024);
}

void fuzz_warnings_init(struct vmc_warnings *ws)
{
	*ws = (struct vmc_warnings){ .emit = emit, .limit = 64 };
}

void fuzz_error_free(struct vmc_error *err)
{
	if (!err)
		return;
	FUZZ_CHECK(err->msg != NULL);
	FUZZ_CHECK(strlen(err->msg) > 0);
	FUZZ_CHECK(err->code >= VMC_ERR_IO && err->code <= VMC_ERR_NOT_FOUND);
	vmc_error_free(err);
}

struct vmc_source *fuzz_core_open(const uint8_t *data, size_t size,
				  struct vmc_warnings *ws)
{
	struct vmc_source *core = NULL;
	struct vmc_error *err = vmc_source_open_memory(data, size, "fuzz-input",
						       NULL, ws, &core);
	if (err) {
		FUZZ_CHECK(core == NULL);
		fuzz_error_free(err);
		return NULL;
	}
	FUZZ_CHECK(core != NULL);
	return core;
}

bool fuzz_skip_known(const char *finding)
{
	(void)finding;
	const char *off = getenv("FUZZ_NO_FILTERS");
	return !(off && *off && strcmp(off, "0") != 0);
}

uint64_t fuzz_le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* ---- a core around fuzzed RAM ---------------------------------------------------- */

#define CORE_PAGE 4096u

void fuzz_qemu_cpu_state(uint8_t desc[FUZZ_QEMU_DESCSZ], uint64_t cr0,
			 uint64_t cr3, uint64_t cr4, uint32_t cs_flags)
{
	memset(desc, 0, FUZZ_QEMU_DESCSZ);
	vmc_put32(desc, 1, false);			/* version */
	vmc_put32(desc + 4, FUZZ_QEMU_DESCSZ, false);	/* size */
	vmc_put32(desc + 160, cs_flags, false);		/* cs.flags */
	vmc_put64(desc + 392, cr0, false);		/* cr[0] */
	vmc_put64(desc + 392 + 3 * 8, cr3, false);
	vmc_put64(desc + 392 + 4 * 8, cr4, false);
}

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* One note at p (zeroed): {namesz, descsz, type}, name, desc, padded. */
static size_t put_note(uint8_t *p, const struct fuzz_note *n)
{
	size_t namesz = strlen(n->name) + 1;
	vmc_put32(p, (uint32_t)namesz, false);
	vmc_put32(p + 4, (uint32_t)n->descsz, false);
	vmc_put32(p + 8, n->type, false);
	memcpy(p + 12, n->name, namesz);
	size_t d = 12 + align4(namesz);
	if (n->descsz)
		memcpy(p + d, n->desc, n->descsz);
	return d + align4(n->descsz);
}

/* The ELF header and the two program headers. */
static void put_headers(uint8_t *h, const struct fuzz_core_spec *s,
			uint64_t notes_off, uint64_t notes_sz, uint64_t ram_off,
			uint64_t ram_sz)
{
	size_t ehsz = s->elf32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr);
	size_t phsz = s->elf32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
	memcpy(h, ELFMAG, SELFMAG);
	h[EI_CLASS] = s->elf32 ? ELFCLASS32 : ELFCLASS64;
	h[EI_DATA] = ELFDATA2LSB;
	h[EI_VERSION] = EV_CURRENT;
	vmc_put16(h + 16, ET_CORE, false);
	vmc_put16(h + 18, s->machine, false);
	vmc_put32(h + 20, EV_CURRENT, false);
	uint8_t *note = h + ehsz, *load = note + phsz;
	if (s->elf32) {
		vmc_put32(h + 28, (uint32_t)ehsz, false);	/* e_phoff */
		vmc_put16(h + 40, (uint16_t)ehsz, false);	/* e_ehsize */
		vmc_put16(h + 42, (uint16_t)phsz, false);
		vmc_put16(h + 44, 2, false);			/* e_phnum */
		vmc_put32(note, PT_NOTE, false);
		vmc_put32(note + 4, (uint32_t)notes_off, false);
		vmc_put32(note + 16, (uint32_t)notes_sz, false);
		vmc_put32(note + 20, (uint32_t)notes_sz, false);
		vmc_put32(load, PT_LOAD, false);
		vmc_put32(load + 4, (uint32_t)ram_off, false);
		vmc_put32(load + 8, (uint32_t)s->ram_base, false);
		vmc_put32(load + 12, (uint32_t)s->ram_base, false);
		vmc_put32(load + 16, (uint32_t)ram_sz, false);
		vmc_put32(load + 20, (uint32_t)ram_sz, false);
		return;
	}
	vmc_put64(h + 32, ehsz, false);				/* e_phoff */
	vmc_put16(h + 52, (uint16_t)ehsz, false);
	vmc_put16(h + 54, (uint16_t)phsz, false);
	vmc_put16(h + 56, 2, false);
	vmc_put32(note, PT_NOTE, false);
	vmc_put64(note + 8, notes_off, false);
	vmc_put64(note + 32, notes_sz, false);
	vmc_put64(note + 40, notes_sz, false);
	vmc_put32(load, PT_LOAD, false);
	vmc_put64(load + 8, ram_off, false);
	vmc_put64(load + 16, s->ram_base, false);
	vmc_put64(load + 24, s->ram_base, false);
	vmc_put64(load + 32, ram_sz, false);
	vmc_put64(load + 40, ram_sz, false);
}

void fuzz_core_build(const struct fuzz_core_spec *s, struct fuzz_core *out)
{
	static uint8_t *buf;
	static size_t cap;
	size_t ehsz = s->elf32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr);
	size_t phsz = s->elf32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
	size_t notes_off = ehsz + 2 * phsz, notes_sz = 0;
	for (size_t i = 0; i < s->nnotes; i++)
		notes_sz += 12 + align4(strlen(s->notes[i].name) + 1) +
			    align4(s->notes[i].descsz);
	size_t ram_off = (notes_off + notes_sz + CORE_PAGE - 1) &
			 ~(size_t)(CORE_PAGE - 1);
	size_t ram_sz = s->data_at + s->data_len;
	size_t total = ram_off + ram_sz;
	if (total > cap) {
		free(buf);
		cap = total;
		if (!(buf = malloc(cap)))
			abort();
	}
	memset(buf, 0, ram_off + s->data_at);
	put_headers(buf, s, notes_off, notes_sz, ram_off, ram_sz);
	uint8_t *p = buf + notes_off;
	for (size_t i = 0; i < s->nnotes; i++)
		p += put_note(p, &s->notes[i]);
	memcpy(buf + ram_off + s->data_at, s->data, s->data_len);
	*out = (struct fuzz_core){ .bytes = buf, .size = total,
				   .ram = buf + ram_off };
}

struct vmc_source *fuzz_core_open_built(const struct fuzz_core *core,
					const struct vmc_open_opts *opts,
					struct vmc_warnings *ws)
{
	struct vmc_source *src = NULL;
	struct vmc_error *err = vmc_source_open_memory(core->bytes, core->size,
						       "fuzz-input", opts, ws,
						       &src);
	if (err)
		fprintf(stderr, "the harness's core does not open: %s\n",
			err->msg);
	FUZZ_CHECK(err == NULL && src != NULL);
	return src;
}

/* ---- the plan's contract ------------------------------------------------------- */

struct iv {
	uint64_t lo, hi;	/* [lo, hi), hi may be 2^64 as 0 only if lo > 0 */
};

static int cmp_iv(const void *a, const void *b)
{
	const struct iv *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Every byte of RAM with data (below 4 GiB only when below4g) lies in a
 * PT_LOAD of the plan. */
static void check_covered(const struct vmc_dump *d, const struct vmc_plan *plan,
			  bool below4g)
{
	size_t n = 0;
	struct iv *iv = malloc((plan->segs.n + 1) * sizeof(*iv));
	FUZZ_CHECK(iv != NULL);
	for (size_t i = plan->nnotes; i < plan->segs.n; i++) {
		const struct vmc_segment *s = &plan->segs.v[i];
		iv[n++] = (struct iv){ s->paddr, s->paddr + s->filesz };
	}
	qsort(iv, n, sizeof(*iv), cmp_iv);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && iv[i].lo <= iv[m - 1].hi) {
			if (iv[i].hi > iv[m - 1].hi)
				iv[m - 1].hi = iv[i].hi;
		} else {
			iv[m++] = iv[i];
		}
	}
	size_t j = 0;
	for (size_t i = 0; i < d->nram; i++) {
		const struct vmc_ram_range *r = &d->ram[i];
		if (!r->avail)
			continue;
		uint64_t lo = r->paddr, hi = r->paddr + r->avail;
		if (below4g && hi > (UINT64_C(1) << 32))
			continue;
		while (j < m && iv[j].hi <= lo)
			j++;
		if (!(j < m && iv[j].lo <= lo && iv[j].hi >= hi)) {
			fprintf(stderr, "RAM 0x%" PRIx64 "-0x%" PRIx64 " (data) is "
				"not wholly in the plan's PT_LOADs\n", lo, hi - 1);
			FUZZ_CHECK(!"every byte of RAM is in some PT_LOAD");
		}
	}
	free(iv);
}

static void check_copies(const struct vmc_dump *d, const struct vmc_plan *plan)
{
	if (plan->in_place) {
		FUZZ_CHECK(plan->copies.n == 0);
		return;
	}
	FUZZ_CHECK(plan->copies.n == d->nram);
	uint64_t pos = plan->notes_off + plan->notes_size;
	for (size_t i = 0; i < plan->copies.n; i++) {
		const struct vmc_plan_copy *c = &plan->copies.v[i];
		FUZZ_CHECK(c->paddr == d->ram[i].paddr);
		FUZZ_CHECK(c->size == d->ram[i].avail);
		/* In RAM order, each after the last: no two share a byte. */
		FUZZ_CHECK(c->dst >= pos);
		FUZZ_CHECK(c->size <= plan->file_size &&
			   c->dst <= plan->file_size - c->size);
		pos = c->dst + c->size;
	}
}

static void check_headers(const struct vmc_dump *d, const struct vmc_plan *plan)
{
	bool e64 = plan->elf_class == ELFCLASS64;
	FUZZ_CHECK(e64 || plan->elf_class == ELFCLASS32);
	uint64_t phent = e64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	uint64_t shent = e64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	uint64_t nph = plan->segs.n;
	FUZZ_CHECK(nph >= 1);
	if (nph >= PN_XNUM)
		FUZZ_CHECK(e64 && plan->shoff);
	else
		FUZZ_CHECK(plan->shoff == 0);
	uint64_t tables_end = plan->phoff + nph * phent + (plan->shoff ? shent : 0);
	FUZZ_CHECK(tables_end <= plan->file_size);
	if (plan->shoff)
		FUZZ_CHECK(plan->shoff == plan->phoff + nph * phent);
	/* One PT_NOTE per input PT_NOTE, in order, together notes_size. */
	const struct vmc_segment *note = &plan->segs.v[0];
	FUZZ_CHECK(plan->nnotes >= 1 && plan->nnotes <= nph);
	FUZZ_CHECK(note->offset == plan->notes_off);
	/* Each PT_NOTE holds its input PT_NOTE's bytes, and the one the
	 * added notes join (ptload.h extra_notes) those after them, in order. */
	for (size_t i = 0; i < plan->nnotes; i++) {
		const struct vmc_segment *s = &plan->segs.v[i];
		uint64_t n = i < d->nnote_data ? d->note_data[i].n : 0;
		if (plan->extra_len && i == plan->extra_seg)
			n = plan->extra_off + plan->extra_len - s->offset;
		FUZZ_CHECK(s->type == PT_NOTE && s->filesz == n);
		FUZZ_CHECK(i == 0 || s->offset >= plan->segs.v[i - 1].offset +
						  plan->segs.v[i - 1].filesz);
	}
	uint64_t notes = 0;
	for (size_t i = 0; i < d->nnote_data; i++)
		notes += d->note_data[i].n;
	FUZZ_CHECK(plan->notes_size == notes);
	if (plan->in_place) {
		FUZZ_CHECK(plan->phoff >= d->flat.data_end);
		FUZZ_CHECK(plan->notes_off == d->flat.notes_foff || !notes);
	} else {
		FUZZ_CHECK(plan->phoff == (e64 ? sizeof(Elf64_Ehdr)
					       : sizeof(Elf32_Ehdr)));
		FUZZ_CHECK(plan->notes_off >= tables_end);
		FUZZ_CHECK(plan->notes_off + plan->notes_size <= plan->file_size);
	}
	if (!e64)
		FUZZ_CHECK(plan->file_size <= UINT32_MAX);
}

/* Each PT_LOAD: in one RAM range with data, pointing at its bytes. */
static void check_loads(const struct vmc_dump *d, const struct vmc_plan *plan)
{
	bool e64 = plan->elf_class == ELFCLASS64;
	for (size_t i = plan->nnotes; i < plan->segs.n; i++) {
		const struct vmc_segment *s = &plan->segs.v[i];
		FUZZ_CHECK(s->type == PT_LOAD);
		FUZZ_CHECK(s->index == i);
		FUZZ_CHECK(s->filesz > 0 && s->filesz == s->memsz);
		const struct vmc_ram_range *r = vmc_dump_ram_find(d, s->paddr);
		FUZZ_CHECK(r != NULL);
		uint64_t in = s->paddr - r->paddr;
		FUZZ_CHECK(in < r->avail && s->filesz <= r->avail - in);
		uint64_t base = plan->in_place ? r->foff
					       : plan->copies.v[r - d->ram].dst;
		FUZZ_CHECK(s->offset == base + in);
		if (plan->in_place)
			FUZZ_CHECK(s->offset + s->filesz <= d->flat.file_size);
		else
			FUZZ_CHECK(s->offset + s->filesz <= plan->file_size);
		if (!e64) {
			FUZZ_CHECK(s->paddr + (s->memsz - 1) <= UINT32_MAX);
			FUZZ_CHECK(s->vaddr + (s->memsz - 1) <= UINT32_MAX);
		}
		/* No segment wraps the virtual address space. */
		FUZZ_CHECK(s->vaddr + (s->memsz - 1) >= s->vaddr);
	}
}

/* gdb: VA-sorted disjoint virtual segments, then the filler. */
static void check_gdb_order(const struct vmc_plan *plan)
{
	size_t i = plan->nnotes;
	uint64_t last = 0;
	for (; i < plan->segs.n && plan->segs.v[i].kind == VMC_SEG_VIRTUAL; i++) {
		const struct vmc_segment *s = &plan->segs.v[i];
		if (i > plan->nnotes)
			FUZZ_CHECK(s->vaddr > last);
		last = s->vaddr + (s->memsz - 1);
	}
	uint64_t plast = 0;
	for (size_t f = i; f < plan->segs.n; f++) {
		const struct vmc_segment *s = &plan->segs.v[f];
		FUZZ_CHECK(s->kind == VMC_SEG_FILLER && s->vaddr == 0);
		if (f > i)
			FUZZ_CHECK(s->paddr > plast);
		plast = s->paddr + (s->memsz - 1);
	}
}

/* crash: after the kernel image, p_paddr-sorted disjoint pieces, those
 * with a p_vaddr all at one linear-map offset. */
static void check_crash_order(const struct vmc_plan *plan)
{
	uint64_t plast = 0, delta = 0;
	bool have_delta = false;
	/* The PT_NOTEs, then the kernel image segment. */
	for (size_t i = plan->nnotes + 1; i < plan->segs.n; i++) {
		const struct vmc_segment *s = &plan->segs.v[i];
		if (i > plan->nnotes + 1)
			FUZZ_CHECK(s->paddr > plast);
		plast = s->paddr + (s->memsz - 1);
		if (s->kind == VMC_SEG_FILLER) {
			FUZZ_CHECK(s->vaddr == 0);
			continue;
		}
		if (have_delta)
			FUZZ_CHECK(s->vaddr - s->paddr == delta);
		delta = s->vaddr - s->paddr;
		have_delta = true;
	}
}

/* physical (convert): one identity PT_LOAD per RAM range with data, in
 * RAM order. */
static void check_physical_order(const struct vmc_dump *d,
				 const struct vmc_plan *plan)
{
	size_t k = 0;
	for (size_t i = 0; i < d->nram; i++) {
		if (!d->ram[i].avail)
			continue;
		k++;
		FUZZ_CHECK(plan->nnotes + k - 1 < plan->segs.n);
		const struct vmc_segment *s = &plan->segs.v[plan->nnotes + k - 1];
		FUZZ_CHECK(s->kind == VMC_SEG_IDENTITY && s->vaddr == s->paddr);
		FUZZ_CHECK(s->paddr == d->ram[i].paddr &&
			   s->filesz == d->ram[i].avail);
	}
	FUZZ_CHECK(plan->segs.n == plan->nnotes + k);
}

void fuzz_check_plan(const struct vmc_dump *d, const struct vmc_plan_opts *o,
		     const struct vmc_plan *plan)
{
	FUZZ_CHECK(plan->layout == o->layout && plan->in_place == o->in_place);
	check_headers(d, plan);
	check_copies(d, plan);
	check_loads(d, plan);
	if (plan->layout == VMC_LAYOUT_GDB)
		check_gdb_order(plan);
	else if (plan->layout == VMC_LAYOUT_PHYSICAL)
		check_physical_order(d, plan);
	else
		check_crash_order(plan);
	if (plan->layout == VMC_LAYOUT_CRASH || !o->no_filler)
		check_covered(d, plan, plan->elf_class == ELFCLASS32);
}

bool fuzz_plan_build(const struct vmc_dump *d, const struct vmc_plan_opts *o,
		     struct vmc_plan *plan)
{
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_error *err = vmc_plan_build(d, o, &ws, plan);
	if (err) {
		FUZZ_CHECK(err->code != VMC_ERR_NOT_FOUND);
		/* The plan is finished on error: nothing to free, and no
		 * leak if it was. */
		FUZZ_CHECK(plan->segs.v == NULL && plan->copies.v == NULL);
		fuzz_error_free(err);
		return false;
	}
	fuzz_check_plan(d, o, plan);
	return true;
}

/* ---- translations ------------------------------------------------------------------ */

void fuzz_check_translation(const struct vmc_paging *pg,
			    const struct vmc_translation *t)
{
	FUZZ_CHECK(t->nsteps <= pg->levels);
	if (!t->mapped) {
		FUZZ_CHECK(t->why[0] != '\0');
		FUZZ_CHECK(memchr(t->why, '\0', sizeof(t->why)) != NULL);
	}
	for (unsigned k = 0; k < t->nsteps; k++) {
		const struct vmc_trace_step *s = &t->steps[k];
		FUZZ_CHECK(s->level == pg->levels - k);
		FUZZ_CHECK(s->table == (k ? t->steps[k - 1].dec.addr : pg->root));
		FUZZ_CHECK(s->index < (UINT64_C(1) << pg->bits[s->level]));
		FUZZ_CHECK(s->entry_paddr == s->table + s->index * pg->entry_size);
		if (k + 1 < t->nsteps)
			FUZZ_CHECK(!s->read_failed &&
				   s->dec.kind == VMC_ENTRY_TABLE);
		char buf[160];
		pg->ops->describe(pg, s->level, s->entry, buf, sizeof(buf));
		FUZZ_CHECK(strlen(buf) < sizeof(buf));
	}
	if (t->mapped) {
		FUZZ_CHECK(t->nsteps >= 1);
		const struct vmc_trace_step *s = &t->steps[t->nsteps - 1];
		FUZZ_CHECK(s->dec.kind == VMC_ENTRY_LEAF);
		FUZZ_CHECK(t->page_size == UINT64_C(1) << pg->shift[s->level]);
		/* A leaf's base is aligned to its size: else its page would
		 * overlap the next one's. */
		FUZZ_CHECK((s->dec.addr & (t->page_size - 1)) == 0);
		FUZZ_CHECK(t->paddr == s->dec.addr + (t->vaddr & (t->page_size - 1)));
	}
}

#define MAX_RUN_CHECKS	2048

/* Every leaf of the walk, translated: the same paddr and page size. */
void fuzz_check_walk_translate(const struct vmc_view *v, uint64_t va_lo,
			       uint64_t va_hi, uint64_t off_seed)
{
	struct vmc_run_vec runs = {0};
	struct vmc_walk_stats st;
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	/* vmc_walk itself, for the window; the view's forms and budget. */
	struct vmc_walk_limits lim = { .max_runs = v->budget, .va_lo = va_lo,
				       .va_hi = va_hi };
	struct vmc_error *err = vmc_walk(v->rc.pg, v->rc.npg, &v->dump->pm, &lim,
					 &runs, &st, &ws);
	if (err) {
		FUZZ_CHECK(err->code == VMC_ERR_NOMEM);
		fuzz_error_free(err);
	}
	size_t step = runs.n > MAX_RUN_CHECKS ? runs.n / MAX_RUN_CHECKS : 1;
	for (size_t i = 0; i < runs.n; i += step) {
		const struct vmc_run *r = &runs.v[i];
		uint64_t off = (off_seed * (i + 1)) & (r->size - 1);
		struct vmc_translation tr;
		const struct vmc_paging *pg;
		vmc_view_translate(v, r->vaddr + off, &tr, &pg);
		fuzz_check_translation(pg, &tr);
		if (!tr.mapped || tr.paddr != r->paddr + off ||
		    tr.page_size != r->size) {
			fprintf(stderr, "walk: 0x%016" PRIx64 " -> 0x%" PRIx64
				" (%" PRIu64 " bytes); translate: %s 0x%" PRIx64
				" (%" PRIu64 " bytes) %s\n", r->vaddr + off,
				r->paddr + off, r->size,
				tr.mapped ? "mapped" : "unmapped", tr.paddr,
				tr.page_size, tr.why);
			FUZZ_CHECK(!"walk and translate agree");
		}
	}
	vmc_run_vec_free(&runs);
}
