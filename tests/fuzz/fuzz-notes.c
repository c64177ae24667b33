/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * (c) Notes: vmc_notes_parse() on raw PT_NOTE bytes, for each architecture
 * (its NT_PRSTATUS layouts), both alignments and both byte orders. The
 * first byte chooses those and where to split the rest into two PT_NOTEs
 * parsed into one set (as a core with two PT_NOTEs is: a second
 * VMCOREINFO replaces the first, CPUs pair up across them). The bytes are
 * copied into buffers of their exact size, so that a read past a note's
 * end is an ASan report.
 */
#include "common.h"

#include <string.h>

static const enum vmc_arch archs[4] = {
	VMC_ARCH_X86_64, VMC_ARCH_I386, VMC_ARCH_AARCH64, VMC_ARCH_UNKNOWN,
};

static void check_set(const struct vmc_note_set *set, const uint8_t *a,
		      size_t na, const uint8_t *b, size_t nb)
{
	for (size_t i = 0; i < set->notes.n; i++) {
		const struct vmc_note *n = &set->notes.v[i];
		FUZZ_CHECK(n->name && strlen(n->name) <= n->namesz);
		/* desc lies inside the buffer it came from. */
		const uint8_t *p = n->desc;
		bool in_a = p >= a && p <= a + na && n->descsz <= (size_t)(a + na - p);
		bool in_b = p >= b && p <= b + nb && n->descsz <= (size_t)(b + nb - p);
		FUZZ_CHECK(in_a || in_b);
	}
	FUZZ_CHECK(set->cpus.n == (set->nprstatus > set->nqemu ? set->nprstatus
								 : set->nqemu));
	for (size_t i = 0; i < set->cpus.n; i++) {
		const struct vmc_cpu_state *c = &set->cpus.v[i];
		FUZZ_CHECK(c->index == i);
		FUZZ_CHECK(!(c->cr_have & ~0x1fu) && !(c->seg_have & ~0x3ffu));
		/* A CPU is described by a note, and its control registers
		 * only by a QEMU note. */
		FUZZ_CHECK(c->have & (VMC_CPU_HAVE_PRSTATUS | VMC_CPU_HAVE_QEMU) ||
			   (c->layout == VMC_PRSTATUS_NONE && !c->cr_have));
		if (c->cr_have || c->seg_have)
			FUZZ_CHECK(c->have & VMC_CPU_HAVE_QEMU);
	}
	if (set->have_vmcoreinfo)
		FUZZ_CHECK(set->vmcoreinfo.raw != NULL);
}

static uint8_t *copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (!c)
		abort();
	memcpy(c, p, n);
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint8_t ctl = data[0], split_at = data[1];
	data += 2;
	size -= 2;
	enum vmc_arch arch = archs[ctl & 3];
	unsigned align = ctl & 4 ? 8 : 4;
	bool big = ctl & 8;
	/* Half the inputs are one PT_NOTE; the others split where data[1]
	 * says, in 4-byte steps (note boundaries are aligned). */
	size_t split = ctl & 16 ? (size_t)split_at * 4 : size;
	if (split > size)
		split = size;
	uint8_t *a = copy(data, split), *b = copy(data + split, size - split);

	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_note_set set = {0};
	struct vmc_error *err = vmc_notes_parse(&set, arch, a, split, align, big,
						0x1000, "PT_NOTE[0]", &ws);
	if (!err && size > split)
		err = vmc_notes_parse(&set, arch, b, size - split, align, big,
				      0x1000 + split, "PT_NOTE[1]", &ws);
	if (err) {
		FUZZ_CHECK(err->code == VMC_ERR_NOMEM);
		fuzz_error_free(err);
	} else {
		vmc_notes_finish(&set, &ws);
		check_set(&set, a, split, b, size - split);
	}
	vmc_notes_fini(&set);
	free(a);
	free(b);
	return 0;
}
