/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * (i) Structure-aware: the kallsyms decoder (src/symbols/kallsyms.c) over
 * a guest image that is the fuzzer's bytes. The first 16 input bytes say
 * where the tables are and how to read them; the rest is guest memory at
 * a kernel address (0xffffffff81000000, or 0xc1000000 for 4-byte longs):
 *   c[0]   bits 0-1 layout: 0, 3 relative (kallsyms_offsets), 1 absolute
 *          with per-CPU symbols, 2 absolute (kallsyms_addresses); 4 longs
 *          of 4 bytes; 8 two-byte token counts (6.1); 16 VMCOREINFO has
 *          _stext; 32 big-endian
 *   c[1..2] kallsyms_names  c[3..4] kallsyms_num_syms
 *   c[5..6] kallsyms_token_table  c[7..8] kallsyms_token_index
 *   c[9..10] kallsyms_offsets (or _addresses)  c[11..12] _relative_base
 *          (each a little-endian offset into the image)
 *   c[13..15] _stext's offset from the image's base
 * The decoder must fail cleanly or give a table that keeps its contract:
 * num_syms symbols, printable names, each found again by name and by
 * address, and _stext where VMCOREINFO says when both have it. It may
 * claim at most one symbol per 4 bytes of image.
 */
#include "common.h"

#include "../../src/symbols/symbols.h"

#include <string.h>

#define CTL	16

struct image {
	const uint8_t *p;
	size_t n;
	uint64_t base;
};

static struct vmc_error *image_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	const struct image *im = ctx;
	if (va < im->base || va - im->base > im->n || len > im->n - (va - im->base))
		return vmc_error_fault(va, "0x%016" PRIx64 " is not in the image", va);
	memcpy(buf, im->p + (va - im->base), len);
	return NULL;
}

static uint64_t at(const uint8_t *c, const struct image *im)
{
	return im->base + (uint64_t)(c[0] | c[1] << 8);
}

static void check_table(const struct vmc_symtab *t,
			const struct vmc_kallsyms_loc *loc,
			const struct vmc_kallsyms_info *info)
{
	size_t n = vmc_symtab_count(t);
	FUZZ_CHECK(n == info->num_syms);
	bool stext_named = false, stext_right = false;
	for (size_t i = 0; i < n; i++) {
		const struct vmc_sym *s = vmc_symtab_at(t, i);
		FUZZ_CHECK(s && s->name);
		for (const char *p = s->name; *p; p++)
			FUZZ_CHECK(*p >= 0x20 && *p <= 0x7e);
		FUZZ_CHECK(s->type >= 0x20 && s->type <= 0x7e);
		if (i)
			FUZZ_CHECK(vmc_symtab_at(t, i - 1)->addr <= s->addr);
		if (loc->word == 4)
			FUZZ_CHECK(s->addr <= UINT32_MAX);
		size_t k;
		const struct vmc_sym *const *m = vmc_symtab_named(t, s->name, &k);
		FUZZ_CHECK(m && k >= 1);
		bool found = false;
		for (size_t j = 0; j < k; j++)
			found |= m[j] == s;
		FUZZ_CHECK(found);
		uint64_t off = 1;
		const struct vmc_sym *c = vmc_symtab_covering(t, s->addr, &off);
		FUZZ_CHECK(c && c->addr == s->addr && off == 0);
		if (strcmp(s->name, "_stext") == 0) {
			stext_named = true;
			stext_right |= s->addr == loc->stext;
		}
	}
	/* The decoder checked the first _stext of the table against
	 * VMCOREINFO (and chose the offsets' reading by it). */
	(void)info;
	if (loc->have_stext && stext_named)
		FUZZ_CHECK(stext_right);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < CTL)
		return 0;
	const uint8_t *c = data;
	bool word4 = c[0] & 4;
	struct image im = { data + CTL, size - CTL,
			    word4 ? UINT64_C(0xc1000000) : UINT64_C(0xffffffff81000000) };
	unsigned layout = c[0] & 3;
	struct vmc_kallsyms_loc loc = {
		.names = at(c + 1, &im), .num_syms = at(c + 3, &im),
		.token_table = at(c + 5, &im), .token_index = at(c + 7, &im),
		.have_offsets = layout != 2,
		.have_stext = c[0] & 16,
		.stext = im.base + (uint64_t)(c[13] | c[14] << 8 | c[15] << 16),
		.word = word4 ? 4 : 8,
		.big_endian = c[0] & 32,
		.long_names = c[0] & 8,
	};
	if (loc.have_offsets) {
		loc.offsets = at(c + 9, &im);
		loc.relative_base = at(c + 11, &im);
	} else {
		loc.addresses = at(c + 9, &im);
	}
	struct vmc_symtab *t;
	struct vmc_error *err = vmc_symtab_new(&t);
	if (err) {
		fuzz_error_free(err);
		return 0;
	}
	struct vmc_kallsyms_info info;
	uint64_t max = im.n / 4;
	err = vmc_kallsyms_decode(&loc, image_read, &im, max, t, &info);
	if (!err)
		err = vmc_symtab_finish(t);
	if (err) {
		FUZZ_CHECK(err->code != VMC_ERR_USAGE);
		fuzz_error_free(err);
	} else {
		FUZZ_CHECK(info.num_syms >= 1 && info.num_syms <= max);
		check_table(t, &loc, &info);
	}
	vmc_symtab_free(t);
	return 0;
}
