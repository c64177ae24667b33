/* SPDX-License-Identifier: GPL-2.0-or-later */
/* symbols: the table, the kallsyms decoder on tables built here in memory
 * (each layout, both token-count forms, hostile counts), and names on the
 * fixture cores (NAME+OFF, ambiguous, unknown, the KASLR offset). */
#include "unit.h"

#include "../../src/open/open.h"
#include "../../src/symbols/symbols.h"

/* ---- the table ---------------------------------------------------------------- */

static void add(struct vmc_symtab *t, const char *name, uint64_t addr,
		uint64_t size, char type)
{
	struct vmc_error *err = vmc_symtab_add(t, name, strlen(name), addr, size, type);
	CHECK(err == NULL);
	vmc_error_free(err);
}

static void test_symtab(void)
{
	struct vmc_symtab *t;
	CHECK(vmc_symtab_new(&t) == NULL);
	add(t, "data_b", 0x3000, 0x100, 'D');
	add(t, "dup", 0x2000, 0, 't');
	add(t, "start_local", 0x1000, 0, 't');
	add(t, "_stext", 0x1000, 0, 'T');	/* ranks before the local */
	add(t, "dup", 0x1800, 0, 't');
	add(t, "last", 0x4000, 0, 'T');
	CHECK(vmc_symtab_finish(t) == NULL);
	CHECK_U64(vmc_symtab_count(t), 6);
	CHECK_U64(vmc_symtab_data_count(t), 1);
	CHECK_STR(vmc_symtab_at(t, 0)->name, "_stext");
	CHECK_STR(vmc_symtab_at(t, 1)->name, "start_local");

	size_t n;
	const struct vmc_sym *const *m = vmc_symtab_named(t, "dup", &n);
	CHECK(m && n == 2);
	if (m && n == 2) {
		CHECK_U64(m[0]->addr, 0x1800);	/* address order */
		CHECK_U64(m[1]->addr, 0x2000);
	}
	CHECK(vmc_symtab_named(t, "du", &n) == NULL && n == 0);
	CHECK(vmc_symtab_named(t, "zzz", &n) == NULL);

	uint64_t off = 0;
	const struct vmc_sym *s = vmc_symtab_covering(t, 0x1004, &off);
	CHECK(s && strcmp(s->name, "_stext") == 0 && off == 4);
	s = vmc_symtab_covering(t, 0x30ff, &off);
	CHECK(s && strcmp(s->name, "data_b") == 0 && off == 0xff);
	CHECK(vmc_symtab_covering(t, 0x3100, &off) == NULL);	/* past its size */
	CHECK(vmc_symtab_covering(t, 0xfff, &off) == NULL);	/* below all */
	s = vmc_symtab_covering(t, 0x4fff, &off);		/* the last: 4K */
	CHECK(s && off == 0xfff);
	CHECK(vmc_symtab_covering(t, 0x5000, &off) == NULL);
	struct vmc_error *late = vmc_symtab_add(t, "late", 4, 0, 0, 'T');
	CHECK(late != NULL);
	vmc_error_free(late);
	vmc_symtab_free(t);

	/* A gap of more than 1 MiB past a symbol without a size is not its. */
	CHECK(vmc_symtab_new(&t) == NULL);
	add(t, "percpu", 0x0, 0, 'A');
	add(t, "kernel", UINT64_C(0xffffffff81000000), 0, 'T');
	CHECK(vmc_symtab_finish(t) == NULL);
	CHECK(vmc_symtab_covering(t, 0xfffff, &off) != NULL);
	CHECK(vmc_symtab_covering(t, 0x100000, &off) == NULL);
	s = vmc_symtab_covering(t, UINT64_MAX, &off);	/* top of the space */
	CHECK(s == NULL);
	vmc_symtab_free(t);
}

/* ---- kallsyms tables built in memory ---------------------------------------------- */

#define IMG_BASE UINT64_C(0xffffffff82000000)
#define IMG_SIZE (64 * 1024)
/* Where each part goes in the image. */
enum { AT_NUM = 0x0, AT_BASE = 0x10, AT_INDEX = 0x100, AT_TABLE = 0x400,
       AT_VALUES = 0x800, AT_NAMES = 0x4000 };

struct img {
	uint8_t mem[IMG_SIZE];
	uint64_t base;
	size_t readable;		/* bytes from the start that read */
};

static struct vmc_error *img_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	const struct img *m = ctx;
	if (va < m->base || va - m->base > m->readable ||
	    len > m->readable - (va - m->base))
		return vmc_error_fault(va, "0x%016" PRIx64 " is not mapped", va);
	memcpy(buf, m->mem + (va - m->base), len);
	return NULL;
}

struct tsym {
	char type;
	uint64_t addr;
	const char *name;
};

/*
 * Write a table of syms (single-character tokens; token 0x80 is "ab" to
 * test multi-character ones) in layout, with word-sized longs and one- or
 * two-byte counts, and fill loc for it.
 */
static void build(struct img *m, const struct tsym *syms, size_t n,
		  enum vmc_kallsyms_layout layout, unsigned word, bool long_names,
		  uint64_t base, struct vmc_kallsyms_loc *loc)
{
	memset(m, 0, sizeof(*m));
	m->base = IMG_BASE;
	m->readable = IMG_SIZE;
	size_t tpos = 0;
	for (int i = 0; i < 256; i++) {
		vmc_put16(m->mem + AT_INDEX + 2 * i, (uint16_t)tpos, false);
		const char *tok = i == 0x80 ? "ab" : NULL;
		char one[2] = { (char)(i >= 0x21 && i < 0x7f ? i : '?'), 0 };
		if (!tok)
			tok = one;
		memcpy(m->mem + AT_TABLE + tpos, tok, strlen(tok) + 1);
		tpos += strlen(tok) + 1;
	}
	size_t np = AT_NAMES;
	for (size_t i = 0; i < n; i++) {
		char text[600];
		snprintf(text, sizeof(text), "%c%s", syms[i].type, syms[i].name);
		uint8_t seq[600];
		size_t k = 0;
		for (size_t p = 0; text[p]; k++) {
			if (text[p] == 'a' && text[p + 1] == 'b') {
				seq[k] = 0x80;
				p += 2;
			} else {
				seq[k] = (uint8_t)text[p++];
			}
		}
		if (long_names && k >= 0x80) {
			m->mem[np++] = (uint8_t)(0x80 | (k & 0x7f));
			m->mem[np++] = (uint8_t)(k >> 7);
		} else {
			m->mem[np++] = (uint8_t)k;
		}
		memcpy(m->mem + np, seq, k);
		np += k;
		uint64_t a = syms[i].addr;
		if (layout == VMC_KALLSYMS_ABSOLUTE) {
			if (word == 8)
				vmc_put64(m->mem + AT_VALUES + 8 * i, a, false);
			else
				vmc_put32(m->mem + AT_VALUES + 4 * i, (uint32_t)a, false);
		} else if (layout == VMC_KALLSYMS_RELATIVE) {
			vmc_put32(m->mem + AT_VALUES + 4 * i, (uint32_t)(a - base), false);
		} else {
			uint32_t v = a < base ? (uint32_t)a : (uint32_t)(base - 1 - a);
			vmc_put32(m->mem + AT_VALUES + 4 * i, v, false);
		}
	}
	vmc_put32(m->mem + AT_NUM, (uint32_t)n, false);
	if (word == 8)
		vmc_put64(m->mem + AT_BASE, base, false);
	else
		vmc_put32(m->mem + AT_BASE, (uint32_t)base, false);
	*loc = (struct vmc_kallsyms_loc){
		.names = IMG_BASE + AT_NAMES, .num_syms = IMG_BASE + AT_NUM,
		.token_table = IMG_BASE + AT_TABLE,
		.token_index = IMG_BASE + AT_INDEX,
		.have_offsets = layout != VMC_KALLSYMS_ABSOLUTE,
		.word = word, .long_names = long_names,
	};
	if (loc->have_offsets) {
		loc->offsets = IMG_BASE + AT_VALUES;
		loc->relative_base = IMG_BASE + AT_BASE;
	} else {
		loc->addresses = IMG_BASE + AT_VALUES;
	}
}

static struct vmc_error *decode(struct img *m, const struct vmc_kallsyms_loc *loc,
				uint64_t max, struct vmc_symtab **t,
				struct vmc_kallsyms_info *info)
{
	struct vmc_error *err = vmc_symtab_new(t);
	if (!err)
		err = vmc_kallsyms_decode(loc, img_read, m, max, *t, info);
	if (!err)
		err = vmc_symtab_finish(*t);
	return err;
}

static const char long_name[] =
	"a_deliberately_long_function_name_a_deliberately_long_function_name_"
	"a_deliberately_long_function_name_to_need_two_bytes_for_its_count";

static const struct tsym x86_syms[] = {
	{ 'A', 0x0, "fixed_percpu_data" },
	{ 'A', 0x1000, "cpu_debug_store" },
	{ 'T', UINT64_C(0xffffffff81000000), "_stext" },
	{ 'T', UINT64_C(0xffffffff81000100), "tab_abab" },
	{ 't', UINT64_C(0xffffffff81000200), long_name },
	{ 'D', UINT64_C(0xffffffff82161900), "linux_banner" },
};

static void check_name_at(const struct vmc_symtab *t, const char *name,
			  uint64_t addr, char type)
{
	size_t n;
	const struct vmc_sym *const *m = vmc_symtab_named(t, name, &n);
	CHECK(m && n == 1);
	if (m && n == 1) {
		CHECK_U64(m[0]->addr, addr);
		CHECK(m[0]->type == type);
	}
}

static void test_kallsyms_layouts(void)
{
	static struct img m;
	struct vmc_kallsyms_loc loc;
	struct vmc_kallsyms_info info;
	struct vmc_symtab *t;
	struct vmc_error *err;
	const uint64_t stext = UINT64_C(0xffffffff81000000);

	/* x86_64 SMP: absolute-percpu, told apart from relative by _stext. */
	build(&m, x86_syms, 6, VMC_KALLSYMS_ABSOLUTE_PERCPU, 8, true, stext, &loc);
	loc.have_stext = true;
	loc.stext = stext;
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(err == NULL);
	if (!err) {
		CHECK(info.layout == VMC_KALLSYMS_ABSOLUTE_PERCPU);
		CHECK_U64(info.num_syms, 6);
		check_name_at(t, "fixed_percpu_data", 0, 'A');
		check_name_at(t, "cpu_debug_store", 0x1000, 'A');
		check_name_at(t, "_stext", stext, 'T');
		check_name_at(t, "tab_abab", stext + 0x100, 'T');
		check_name_at(t, long_name, stext + 0x200, 't');
		check_name_at(t, "linux_banner", UINT64_C(0xffffffff82161900), 'D');
	}
	vmc_error_free(err);
	vmc_symtab_free(t);

	/* The same table, but VMCOREINFO's _stext agrees with neither. */
	loc.stext = stext + 0x1000;
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(err && err->code == VMC_ERR_FORMAT &&
	      strstr(err->msg, "but VMCOREINFO SYMBOL(_stext) is 0xffffffff81001000"));
	vmc_error_free(err);
	vmc_symtab_free(t);
	/* Without _stext in VMCOREINFO, most offsets negative: percpu. */
	loc.have_stext = false;
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(!err && info.layout == VMC_KALLSYMS_ABSOLUTE_PERCPU);
	vmc_error_free(err);
	vmc_symtab_free(t);

	/* Relative, 32-bit longs (i386), as a 6.1 kernel writes long names. */
	const struct tsym i386_syms[] = {
		{ 'T', 0xc2000000, "_stext" },
		{ 't', 0xc2000480, long_name },
		{ 'D', 0xc2200000, "linux_banner" },
	};
	build(&m, i386_syms, 3, VMC_KALLSYMS_RELATIVE, 4, true, 0xc2000000, &loc);
	loc.have_stext = true;
	loc.stext = 0xc2000000;
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(!err && info.layout == VMC_KALLSYMS_RELATIVE);
	if (!err) {
		check_name_at(t, long_name, 0xc2000480, 't');
		check_name_at(t, "linux_banner", 0xc2200000, 'D');
		CHECK_U64(info.relative_base, 0xc2000000);
	}
	vmc_error_free(err);
	vmc_symtab_free(t);

	/* The same bytes read as a pre-6.1 kernel's (one-byte counts): the
	 * long name's 0x8? count byte is taken for the count itself. */
	loc.long_names = false;
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(err != NULL || !vmc_symtab_named(t, long_name, &(size_t){0}));
	vmc_error_free(err);
	vmc_symtab_free(t);

	/* Absolute addresses, one-byte counts, as written before 6.1. */
	build(&m, x86_syms + 2, 4, VMC_KALLSYMS_ABSOLUTE, 8, false, 0, &loc);
	loc.have_stext = true;
	loc.stext = stext;
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(!err && info.layout == VMC_KALLSYMS_ABSOLUTE);
	if (!err)
		check_name_at(t, long_name, stext + 0x200, 't');
	vmc_error_free(err);
	vmc_symtab_free(t);
	loc.stext = 0x1234;
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(err && strstr(err->msg, "in kallsyms_addresses"));
	vmc_error_free(err);
	vmc_symtab_free(t);
}

static void test_kallsyms_hostile(void)
{
	static struct img m;
	struct vmc_kallsyms_loc loc;
	struct vmc_kallsyms_info info;
	struct vmc_symtab *t;
	struct vmc_error *err;
	const uint64_t stext = UINT64_C(0xffffffff81000000);

	/* More symbols than the dump can hold: refused before any read. */
	build(&m, x86_syms, 6, VMC_KALLSYMS_ABSOLUTE_PERCPU, 8, true, stext, &loc);
	vmc_put32(m.mem + AT_NUM, 0xffffffff, false);
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(err && strstr(err->msg, "kallsyms_num_syms is 4294967295 (1 to 1000"));
	vmc_error_free(err);
	vmc_symtab_free(t);
	vmc_put32(m.mem + AT_NUM, 0, false);
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(err && strstr(err->msg, "kallsyms_num_syms is 0"));
	vmc_error_free(err);
	vmc_symtab_free(t);

	/* A count within bounds, but the names run out of memory: the error
	 * names the symbol; nothing was allocated for the claim. */
	vmc_put32(m.mem + AT_NUM, 900, false);
	m.readable = AT_NAMES + 0x400;
	memset(m.mem + AT_NAMES + 0x100, 1, 0x300);	/* 1-token names */
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(err && strstr(err->msg, "kallsyms_names: symbol["));
	vmc_error_free(err);
	vmc_symtab_free(t);

	/* A name of 0 tokens. */
	build(&m, x86_syms, 6, VMC_KALLSYMS_ABSOLUTE_PERCPU, 8, true, stext, &loc);
	m.mem[AT_NAMES] = 0;
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(err && strstr(err->msg, "has 0 tokens"));
	vmc_error_free(err);
	vmc_symtab_free(t);

	/* A token without its NUL where memory ends. */
	build(&m, x86_syms, 6, VMC_KALLSYMS_ABSOLUTE_PERCPU, 8, true, stext, &loc);
	vmc_put16(m.mem + AT_INDEX + 2 * 0x41, (uint16_t)(IMG_SIZE - AT_TABLE - 2), false);
	memset(m.mem + IMG_SIZE - 2, 'x', 2);
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(err && strstr(err->msg, "token 65"));
	vmc_error_free(err);
	vmc_symtab_free(t);

	/* Tables at the top of the address space: no wrap to 0. */
	build(&m, x86_syms, 6, VMC_KALLSYMS_ABSOLUTE_PERCPU, 8, true, stext, &loc);
	loc.offsets = UINT64_MAX - 8;
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(err != NULL);
	vmc_error_free(err);
	vmc_symtab_free(t);

	/* Control characters in a name become '?'. */
	build(&m, x86_syms, 6, VMC_KALLSYMS_ABSOLUTE_PERCPU, 8, true, stext, &loc);
	memcpy(m.mem + AT_TABLE + 2 * 'l', "\x1b\0", 2);	/* token 'l' is ESC */
	err = decode(&m, &loc, 1000, &t, &info);
	CHECK(!err && vmc_symtab_named(t, "?inux_banner", &(size_t){0}));
	vmc_error_free(err);
	vmc_symtab_free(t);
}

/* ---- names on fixture cores ---------------------------------------------------------- */

static void test_eval_sample(void)
{
	struct vmc_source *src = unit_open(unit_fixture("sample-x86_64"), NULL, NULL);
	if (!src)
		return;
	struct vmc_symbols_opts o = { .no_search = true };
	struct vmc_symbols *s;
	struct vmc_error *err = vmc_symbols_open(vmc_source_dump(src), &o, NULL, &s);
	CHECK(err == NULL);
	if (err) {
		vmc_error_free(err);
		vmc_source_close(src);
		return;
	}
	uint64_t va = 0;
	const struct vmc_sym *sym;
	CHECK(vmc_symbols_eval(s, "linux_banner", &va, &sym) == NULL);
	CHECK_U64(va, UINT64_C(0xffffffff97d61900));
	CHECK(sym && sym->type == 'D');
	CHECK(vmc_symbols_eval(s, "init_uts_ns+0x82", &va, NULL) == NULL);
	CHECK_U64(va, UINT64_C(0xffffffff987fb082));
	CHECK(vmc_symbols_eval(s, "jiffies_64-8", &va, NULL) == NULL);
	CHECK_U64(va, UINT64_C(0xffffffff986079b8));
	CHECK(vmc_symbols_eval(s, "0x1000", &va, &sym) == NULL);
	CHECK(va == 0x1000 && sym == NULL);
	CHECK(vmc_symbols_eval(s, "parse_header", &va, &sym) == NULL);
	CHECK(sym && sym->type == 'T');

	err = vmc_symbols_eval(s, "cpumask_weight", &va, NULL);
	CHECK(err && err->code == VMC_ERR_USAGE && strstr(err->msg, "names 2 symbols"));
	vmc_error_free(err);
	err = vmc_symbols_eval(s, "no_such", &va, NULL);
	CHECK(err && err->code == VMC_ERR_NOT_FOUND &&
	      strstr(err->msg, "not in kallsyms (17 names"));
	vmc_error_free(err);
	err = vmc_symbols_eval(s, "_stext-0xffffffffffff0000", &va, NULL);
	CHECK(err && err->code == VMC_ERR_USAGE && strstr(err->msg, "outside"));
	vmc_error_free(err);
	static const char *const bad[] = { "", "+1", "1x", "a b", "x+", "x+zz",
					   "x-1-2", "0xfffffffffffffffff" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		CHECK(!vmc_symbols_is_expr(bad[i]));
		err = vmc_symbols_eval(s, bad[i], &va, NULL);
		CHECK(err && err->code == VMC_ERR_USAGE);
		vmc_error_free(err);
	}
	CHECK(vmc_symbols_is_expr("$x.y_1+0x10"));

	char buf[64];
	CHECK(vmc_symbols_format(s, UINT64_C(0xffffffff96d58566), buf, sizeof(buf)));
	CHECK_STR(buf, "ktime_get+0x76");
	CHECK(vmc_symbols_format(s, UINT64_C(0xffffffff96c00000), buf, sizeof(buf)));
	CHECK_STR(buf, "_stext");
	CHECK(!vmc_symbols_format(s, UINT64_C(0xffffffff96bfffff), buf, sizeof(buf)));

	const struct vmc_kaslr *k = vmc_symbols_kaslr(s);
	CHECK(k->how == VMC_KASLR_KERNELOFFSET);
	CHECK_U64(k->offset, 0x15c00000);
	struct vmc_kallsyms_info ki;
	CHECK(vmc_symbols_kallsyms_info(s, &ki) && ki.num_syms == 17);
	vmc_symbols_close(s);
	vmc_source_close(src);
}

static void test_kaslr_without_vmlinux(void)
{
	static const struct { const char *core; const char *why; } cases[] = {
		{ "kallsyms-i386", "VMCOREINFO SYMBOL(_stext) is 0xc2000000" },
		{ "kaslr-no-vmcoreinfo", "kernel image base is 0xffffffff81200000" },
		{ "aarch64-basic", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct vmc_source *src = unit_open(unit_fixture(cases[i].core), NULL, NULL);
		if (!src)
			continue;
		struct vmc_symbols_opts o = { .no_search = true };
		struct vmc_kaslr k;
		struct vmc_error *err = vmc_kaslr_offset(vmc_source_dump(src), &o, &k);
		CHECK(err == NULL);
		if (cases[i].why)
			CHECK(k.how == VMC_KASLR_UNKNOWN && strstr(k.why, cases[i].why));
		else
			CHECK(k.how == VMC_KASLR_KERNELOFFSET);
		vmc_error_free(err);
		vmc_source_close(src);
	}
}

const struct unit_test symbols_tests[] = {
	{ "symbols/table", test_symtab },
	{ "symbols/kallsyms-layouts", test_kallsyms_layouts },
	{ "symbols/kallsyms-hostile", test_kallsyms_hostile },
	{ "symbols/eval-sample", test_eval_sample },
	{ "symbols/kaslr-without-vmlinux", test_kaslr_without_vmlinux },
	{ NULL, NULL },
};
