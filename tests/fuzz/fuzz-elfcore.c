/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * (a) The ELF reader: ELF and program headers, notes, the RAM map. The
 * input is a whole core file. Beyond "no crash, no leak", the model must
 * keep its promises (base.h): RAM sorted and disjoint with avail <= size,
 * the sums right, and every byte the physmem reader returns equal to the
 * file's byte where the range says its data lies. `info` and
 * `ptload --list` then describe the core, as text and as JSON.
 */
#include "common.h"

#include <elf.h>
#include <string.h>

#include "../../src/report/report.h"


/* A few bytes at each end of every range, through read and map, against
 * the input itself. */
static void check_ram(const struct vmc_dump *d, const uint8_t *data,
		      size_t size)
{
	uint64_t ram = 0, avail = 0;
	for (size_t i = 0; i < d->nram; i++) {
		const struct vmc_ram_range *r = &d->ram[i];
		FUZZ_CHECK(r->size > 0 && r->avail <= r->size);
		FUZZ_CHECK(r->paddr + (r->size - 1) >= r->paddr);
		if (i)
			FUZZ_CHECK(r->paddr >= d->ram[i - 1].paddr +
						d->ram[i - 1].size);
		FUZZ_CHECK(vmc_dump_ram_find(d, r->paddr) == r);
		FUZZ_CHECK(vmc_dump_ram_find(d, r->paddr + r->size - 1) == r);
		ram += r->size;
		avail += r->avail;
		if (!r->avail)
			continue;
		FUZZ_CHECK(r->foff != VMC_NO_FOFF && r->foff <= size &&
			   r->avail <= size - r->foff);
		uint8_t buf[64];
		uint64_t n = r->avail < sizeof(buf) ? r->avail : sizeof(buf);
		uint64_t at[2] = { 0, r->avail - n };
		for (int k = 0; k < 2; k++) {
			struct vmc_error *err = vmc_physmem_read(
				&d->pm, r->paddr + at[k], buf, (size_t)n);
			FUZZ_CHECK(err == NULL);
			FUZZ_CHECK(memcmp(buf, data + r->foff + at[k], n) == 0);
			if (d->pm.map) {
				const uint8_t *p = d->pm.map(d->pm.ctx,
							     r->paddr + at[k], n);
				FUZZ_CHECK(p && memcmp(p, buf, n) == 0);
			}
		}
		/* Past the data, inside the range: a fault at that byte. */
		uint64_t past = r->paddr + r->avail;
		if (r->avail < r->size) {
			struct vmc_error *err = vmc_physmem_read(&d->pm, past, buf, 1);
			FUZZ_CHECK(err && err->code == VMC_ERR_FAULT &&
				   err->addr == past);
			fuzz_error_free(err);
		}
	}
	FUZZ_CHECK(d->ram_bytes == ram && d->data_bytes == avail);
}

static void check_notes(const struct vmc_dump *d)
{
	for (size_t i = 0; i < d->nnotes; i++) {
		const struct vmc_note *n = &d->notes[i];
		FUZZ_CHECK(n->name && strlen(n->name) <= n->namesz);
	}
	for (size_t i = 0; i < d->ncpus; i++) {
		FUZZ_CHECK(d->cpus[i].index == i);
		struct vmc_paging_choice pc;
		vmc_cpu_paging(d, &d->cpus[i], &pc);
		FUZZ_CHECK(memchr(pc.reason, '\0', sizeof(pc.reason)) != NULL);
	}
	if (d->vmcoreinfo)
		FUZZ_CHECK(d->vmcoreinfo->raw != NULL);
}

static void check_segments(const struct vmc_core *core, size_t size)
{
	size_t n;
	const struct vmc_segment *s = vmc_core_segments(core, &n);
	struct vmc_elf_info info;
	vmc_core_elf_info(core, &info);
	FUZZ_CHECK(n == info.phnum);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(s[i].index == i);
		if (s[i].kind != VMC_SEG_ABSENT &&
		    (s[i].type == PT_LOAD || s[i].type == PT_NOTE))
			FUZZ_CHECK(s[i].avail <= s[i].filesz &&
				   (s[i].avail == 0 ||
				    (s[i].offset <= size &&
				     s[i].avail <= size - s[i].offset)));
	}
	const struct vmc_unplaced *u = vmc_core_unplaced(core, &n);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(u[i].size > 0 && u[i].foff <= size &&
			   u[i].size <= size - u[i].foff);
}

static void report(const struct vmc_dump *d, const struct vmc_core *core)
{
	size_t n;
	const struct vmc_segment *segs = vmc_core_segments(core, &n);
	/* info names PCs from the dump's kallsyms, if it has some (no
	 * vmlinux search: the harness reads no files but its input). */
	struct vmc_symbols_opts so = { .no_search = true };
	struct vmc_symbols *syms = NULL;
	struct vmc_error *err = vmc_symbols_open(d, &so, NULL, &syms);
	if (err)
		fuzz_error_free(err);
	for (int json = 0; json < 2; json++) {
		struct vmc_report_opts ro = { .json = json, .verbose = 1 };
		fuzz_error_free(vmc_report_info(fuzz_devnull(), d, core, NULL, syms, &ro));
		fuzz_error_free(vmc_report_ptloads(fuzz_devnull(), d, segs, n,
						   json ? VMC_SORT_PADDR
							: VMC_SORT_VADDR, &ro));
	}
	vmc_symbols_close(syms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_source *src = fuzz_core_open(data, size, &ws);
	if (!src)
		return 0;
	/* A harness of the ELF reader: other formats are other harnesses',
	 * and so are compressed streams (fuzz-input.c), whose file offsets
	 * check_ram could not find in data. */
	const struct vmc_core *core = vmc_source_elf(src);
	if (!core || vmc_input_layers(vmc_source_input(src))[0]) {
		vmc_source_close(src);
		return 0;
	}
	struct vmc_dump *d = vmc_source_dump(src);
	check_ram(d, data, size);
	check_notes(d);
	check_segments(core, size);
	report(d, core);
	vmc_source_close(src);
	return 0;
}
