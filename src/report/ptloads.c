/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: `vmcore-tool ptload --list`, a flat readelf-like table. */
#include "report.h"

#include <elf.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"

static int cmp_paddr(const void *a, const void *b)
{
	const struct vmc_segment *x = *(const struct vmc_segment *const *)a;
	const struct vmc_segment *y = *(const struct vmc_segment *const *)b;
	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int cmp_vaddr(const void *a, const void *b)
{
	const struct vmc_segment *x = *(const struct vmc_segment *const *)a;
	const struct vmc_segment *y = *(const struct vmc_segment *const *)b;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void flags_str(uint32_t f, char out[4])
{
	out[0] = f & PF_R ? 'R' : '-';
	out[1] = f & PF_W ? 'W' : '-';
	out[2] = f & PF_X ? 'X' : '-';
	out[3] = '\0';
}

struct totals {
	size_t kind[4], count;
	uint64_t data_bytes;	/* sum of p_filesz over segments with data */
};

static void text_row(FILE *out, const struct vmc_segment *s)
{
	char h[32], fl[4];
	flags_str(s->flags, fl);
	fprintf(out, "%6" PRIu32 "  %-8s  0x%016" PRIx64 "-0x%016" PRIx64
		"  0x%016" PRIx64 "-0x%016" PRIx64 "  %#12" PRIx64 " %6s  ",
		s->index, vmc_seg_kind_name(s->kind), s->paddr,
		s->paddr + s->memsz, s->vaddr, s->vaddr + s->memsz, s->memsz,
		vmc_human_size(s->memsz, h, sizeof(h)));
	if (s->kind == VMC_SEG_ABSENT)
		fprintf(out, "%18s", "-");
	else
		fprintf(out, "0x%016" PRIx64, s->offset);
	fprintf(out, "  %s", fl);
	if (s->kind != VMC_SEG_ABSENT && s->filesz != s->memsz)
		fprintf(out, "  filesz %#" PRIx64, s->filesz);
	if (s->avail < s->filesz && s->kind != VMC_SEG_ABSENT)
		fprintf(out, "  (%#" PRIx64 " bytes past EOF)", s->filesz - s->avail);
	fputc('\n', out);
}

static void json_row(struct vmc_json *j, const struct vmc_segment *s)
{
	char fl[4];
	flags_str(s->flags, fl);
	vmc_json_object(j, NULL);
	vmc_json_uint(j, "index", s->index);
	vmc_json_str(j, "kind", vmc_seg_kind_name(s->kind));
	vmc_json_addr(j, "paddr", s->paddr);
	vmc_json_addr(j, "vaddr", s->vaddr);
	vmc_json_addr(j, "memsz", s->memsz);
	vmc_json_addr(j, "filesz", s->filesz);
	if (s->kind == VMC_SEG_ABSENT)
		vmc_json_null(j, "offset");
	else
		vmc_json_addr(j, "offset", s->offset);
	vmc_json_str(j, "flags", fl);
	vmc_json_end(j);
}

struct vmc_error *vmc_report_ptloads(FILE *out, const struct vmc_dump *d,
				     const struct vmc_segment *segs, size_t n,
				     enum vmc_seg_sort sort,
				     const struct vmc_report_opts *opts)
{
	const struct vmc_segment **rows = malloc((n ? n : 1) * sizeof(*rows));
	if (!rows)
		return vmc_error_nomem();
	struct totals t = {0};
	for (size_t i = 0; i < n; i++) {
		if (segs[i].type != PT_LOAD)
			continue;
		rows[t.count++] = &segs[i];
		t.kind[segs[i].kind]++;
		if (segs[i].kind != VMC_SEG_ABSENT)
			t.data_bytes += segs[i].filesz;
	}
	if (sort == VMC_SORT_PADDR)
		qsort(rows, t.count, sizeof(*rows), cmp_paddr);
	else if (sort == VMC_SORT_VADDR)
		qsort(rows, t.count, sizeof(*rows), cmp_vaddr);

	/* Data bytes beyond the RAM they cover are shared by aliases. */
	uint64_t described = 0;
	for (size_t i = 0; i < d->nram; i++)
		if (!(d->ram[i].flags & VMC_RAM_INFERRED))
			described += d->ram[i].size;
	uint64_t shared = t.data_bytes > described ? t.data_bytes - described : 0;
	uint64_t ram = d->ram_bytes;

	if (opts->json) {
		struct vmc_json j;
		vmc_json_init(&j, out);
		vmc_json_object(&j, NULL);
		vmc_json_str(&j, "file", d->path);
		vmc_json_array(&j, "segments");
		for (size_t i = 0; i < t.count; i++)
			json_row(&j, rows[i]);
		vmc_json_end(&j);
		vmc_json_object(&j, "summary");
		vmc_json_uint(&j, "count", t.count);
		for (int k = 0; k < 4; k++)
			vmc_json_uint(&j, vmc_seg_kind_name(k), t.kind[k]);
		vmc_json_addr(&j, "ram_bytes", ram);
		vmc_json_addr(&j, "alias_bytes", shared);
		vmc_json_end(&j);
		vmc_json_end(&j);
		vmc_json_finish(&j);
	} else {
		char h1[32], h2[32];
		fprintf(out, "%6s  %-8s  %-37s  %-37s  %19s  %-18s  %s\n",
			"Index", "Kind", "Physical range", "Virtual range",
			"Size", "Offset", "Flg");
		for (size_t i = 0; i < t.count; i++)
			text_row(out, rows[i]);
		fprintf(out, "%zu PT_LOADs: %zu virtual, %zu identity, %zu filler, "
			"%zu absent; RAM 0x%" PRIx64 " bytes (%s); aliases share "
			"0x%" PRIx64 " bytes (%s)\n", t.count,
			t.kind[VMC_SEG_VIRTUAL], t.kind[VMC_SEG_IDENTITY],
			t.kind[VMC_SEG_FILLER], t.kind[VMC_SEG_ABSENT], ram,
			vmc_human_size(ram, h1, sizeof(h1)), shared,
			vmc_human_size(shared, h2, sizeof(h2)));
	}
	free(rows);
	return NULL;
}
