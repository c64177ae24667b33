/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * (b) VMCOREINFO text: vmc_vmcoreinfo_parse() and its getters, against a
 * reference written here from base.h's contract: raw is the input
 * byte-exact; entries are the KEY=VALUE lines up to the first NUL; the
 * last entry of a key wins; SYMBOL() and bare keys are hex, NUMBER()
 * decimal (maybe negative) or 0x-prefixed hex, dec() decimal, and each
 * fails unless the whole value is one number that fits in 64 bits.
 * (strtoull in base 16 takes an optional 0x; the reference allows it.)
 */
#include "common.h"

#include <string.h>

#define MAX_KEY_CHECKS	16

/* Names the library itself asks for (pagewalk, ptload, report). */
static const char *const numbers[] = {
	"phys_base", "sme_mask", "pgtable_l5_enabled", "kimage_voffset",
	"VA_BITS", "TCR_EL1_T1SZ", "MAX_PHYSMEM_BITS", "PHYS_OFFSET",
	"KERNEL_IMAGE_SIZE",
};
static const char *const symbols[] = {
	"swapper_pg_dir", "init_top_pgt", "_stext", "init_uts_ns",
	"prb", "printk_rb_static",
};
static const char *const bare[] = { "PAGESIZE", "KERNELOFFSET", "OSRELEASE",
				    "CRASHTIME" };

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Digits of base (10 or 16) only, at least one, value < 2^64. */
static bool ref_digits(const char *s, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		int d = base == 16 ? hexval(*s) : (*s >= '0' && *s <= '9' ? *s - '0' : -1);
		if (d < 0)
			return false;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return false;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return true;
}

static bool ref_hex(const char *s, uint64_t *out)
{
	if (!s)
		return false;
	if (s[0] == '0' && (s[1] | 0x20) == 'x' && hexval(s[2]) >= 0)
		s += 2;
	return ref_digits(s, 16, out);
}

static bool ref_dec(const char *s, uint64_t *out)
{
	return s && ref_digits(s, 10, out);
}

static bool ref_number(const char *s, uint64_t *out)
{
	if (!s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return ref_hex(s + 2, out);
	if (s[0] != '-')
		return ref_dec(s, out);
	uint64_t mag;
	if (!ref_digits(s + 1, 10, &mag) || mag > (UINT64_C(1) << 63))
		return false;
	*out = (uint64_t)0 - mag;
	return true;
}

/* Not strcmp: libFuzzer hooks that (its argument pairs become hints),
 * which is what the library's lookups should feed it, not ours. */
static bool same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The value of key by a forward scan: the last entry wins. */
static const char *ref_get(const struct vmc_vmcoreinfo *vi, const char *key)
{
	const char *v = NULL;
	for (size_t i = 0; i < vi->nkv; i++)
		if (same(vi->kv[i].key, key))
			v = vi->kv[i].value;
	return v;
}

static void check_getter(bool got, uint64_t gv, bool want, uint64_t wv,
			 const char *what, const char *name)
{
	if (got == want && (!got || gv == wv))
		return;
	fprintf(stderr, "%s(%s): library %d 0x%" PRIx64 ", reference %d 0x%"
		PRIx64 "\n", what, name, got, gv, want, wv);
	FUZZ_CHECK(!"getter agrees with the reference");
}

static void check_name(const struct vmc_vmcoreinfo *vi, const char *kind,
		       const char *name)
{
	char key[160];
	int n = snprintf(key, sizeof(key), "%s(%s)", kind, name);
	/* The library builds keys in 128 bytes; longer names do not exist. */
	bool fits = n > 0 && n < 128;
	uint64_t gv = 0, wv = 0;
	bool got, want;
	if (strcmp(kind, "NUMBER") == 0) {
		got = vmc_vmcoreinfo_number(vi, name, &gv);
		want = fits && ref_number(ref_get(vi, key), &wv);
	} else {
		got = vmc_vmcoreinfo_symbol(vi, name, &gv);
		want = fits && ref_hex(ref_get(vi, key), &wv);
	}
	check_getter(got, gv, want, wv, kind, name);
}

static void check_bare(const struct vmc_vmcoreinfo *vi, const char *key)
{
	uint64_t gv = 0, wv = 0;
	FUZZ_CHECK(vmc_vmcoreinfo_get(vi, key) == ref_get(vi, key));
	bool got = vmc_vmcoreinfo_hex(vi, key, &gv);
	bool want = ref_hex(ref_get(vi, key), &wv);
	check_getter(got, gv, want, wv, "hex", key);
	got = vmc_vmcoreinfo_dec(vi, key, &gv);
	want = ref_dec(ref_get(vi, key), &wv);
	check_getter(got, gv, want, wv, "dec", key);
}

/* KEY "NUMBER(name)" or "SYMBOL(name)" of an entry: check that name too. */
static void check_entry_key(const struct vmc_vmcoreinfo *vi, const char *key)
{
	size_t len = strlen(key);
	for (int k = 0; k < 2; k++) {
		const char *kind = k ? "SYMBOL" : "NUMBER";
		if (len > 8 && strncmp(key, kind, 6) == 0 && key[6] == '(' &&
		    key[len - 1] == ')') {
			char name[256];
			if (len - 8 >= sizeof(name))
				return;
			memcpy(name, key + 7, len - 8);
			name[len - 8] = '\0';
			check_name(vi, kind, name);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmc_vmcoreinfo vi;
	struct vmc_error *err = vmc_vmcoreinfo_parse((const char *)data, size, &vi);
	if (err) {
		FUZZ_CHECK(err->code == VMC_ERR_NOMEM);
		fuzz_error_free(err);
		return 0;
	}
	FUZZ_CHECK(vi.raw_len == size && vi.raw[size] == '\0');
	FUZZ_CHECK(memcmp(vi.raw, data, size) == 0);
	const uint8_t *nul = memchr(data, '\0', size);
	size_t text = nul ? (size_t)(nul - data) : size;
	size_t step = vi.nkv > MAX_KEY_CHECKS ? vi.nkv / MAX_KEY_CHECKS : 1;
	for (size_t i = 0; i < vi.nkv; i++) {
		const char *k = vi.kv[i].key, *v = vi.kv[i].value;
		FUZZ_CHECK(*k && !strchr(k, '=') && !strchr(k, '\n'));
		FUZZ_CHECK(!strchr(v, '\n'));
		FUZZ_CHECK(strlen(k) + 1 + strlen(v) <= text);
		/* Each lookup is a scan: check a spread of the keys, so that
		 * an input of 4,000 "a=" lines stays fast. */
		if (i % step)
			continue;
		FUZZ_CHECK(vmc_vmcoreinfo_get(&vi, k) == ref_get(&vi, k));
		check_entry_key(&vi, k);
		check_bare(&vi, k);
	}
	for (size_t i = 0; i < sizeof(numbers) / sizeof(*numbers); i++)
		check_name(&vi, "NUMBER", numbers[i]);
	for (size_t i = 0; i < sizeof(symbols) / sizeof(*symbols); i++)
		check_name(&vi, "SYMBOL", symbols[i]);
	for (size_t i = 0; i < sizeof(bare) / sizeof(*bare); i++)
		check_bare(&vi, bare[i]);

	/* The AArch64 parameters come from here alone (QEMU saves no TCR). */
	struct vmc_arm64_params p;
	struct vmc_paging_choice pc;
	vmc_arm64_paging(&vi, &p, &pc);
	if (pc.mode == VMC_PAGING_AARCH64)
		FUZZ_CHECK((p.page_shift == 12 || p.page_shift == 14 ||
			    p.page_shift == 16) && p.va_bits >= 16 &&
			   p.va_bits <= 52);
	FUZZ_CHECK(memchr(pc.reason, '\0', sizeof(pc.reason)) != NULL);
	vmc_vmcoreinfo_fini(&vi);
	return 0;
}
