/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kernel: VMCOREINFO in RAM, what outputs add to it, the printk ring; and
 * how ptload places the added notes. */
#include "unit.h"

#include <elf.h>

#include "../../src/kernel/kernel.h"
#include "../../src/open/open.h"
#include "../../src/ptload/ptload.h"

/* Open a fixture without the RAM search (the tests call it themselves). */
static struct vmc_source *open_raw(const char *name)
{
	struct vmc_open_opts o = { .no_scan = true };
	return unit_open(unit_fixture(name), &o, NULL);
}

struct warn_count {
	int n;
	char last[512];
};

static void count_warning(void *arg, const char *msg)
{
	struct warn_count *w = arg;
	w->n++;
	snprintf(w->last, sizeof(w->last), "%s", msg);
}

static void test_find_in_ram(void)
{
	struct vmc_source *src = open_raw("vi-ram");
	if (!src)
		return;
	struct vmc_dump *d = vmc_source_dump(src);
	CHECK(d->vmcoreinfo == NULL);		/* the RAM search was off */
	struct vmc_kernel_found_vi f;
	struct vmc_error *err = vmc_kernel_find_vmcoreinfo(d, NULL, NULL, &f);
	CHECK(err == NULL);
	vmc_error_free(err);
	CHECK_U64(f.paddr, 0x150018);
	CHECK(f.note);
	CHECK_U64(f.agree, 2);
	CHECK_U64(f.disagree, 0);
	CHECK_U64(f.rejected, 0);
	CHECK_STR(vmc_vmcoreinfo_get(&f.vi, "OSRELEASE"), "6.1.0-fixture-ram");
	/* Found in the first 64 MiB: not a byte more was searched. */
	CHECK_U64(f.searched, 4u << 20);
	char buf[200];
	vmc_kernel_found_vi_describe(&f, buf, sizeof(buf));
	CHECK_STR(buf, "from RAM at paddr 0x150018 (an ELF note, 2 copies agree)");
	/* The raw text stops at its NUL: no padding leaks into outputs. */
	CHECK_U64(f.vi.raw_len, strlen(f.vi.raw));
	vmc_kernel_found_vi_fini(&f);
	vmc_source_close(src);
}

static void test_decoy_and_validation(void)
{
	struct vmc_source *src = open_raw("vi-ram-decoy");
	if (!src)
		return;
	struct vmc_dump *d = vmc_source_dump(src);
	struct warn_count w = {0};
	struct vmc_warnings ws = { .emit = count_warning, .arg = &w };
	struct vmc_kernel_found_vi f;
	struct vmc_error *err = vmc_kernel_find_vmcoreinfo(d, NULL, &ws, &f);
	CHECK(err == NULL);
	vmc_error_free(err);
	CHECK_U64(f.paddr, 0x151018);
	CHECK_U64(f.rejected, 1);
	CHECK_U64(w.n, 1);
	CHECK(strstr(w.last, "paddr 0x140018 (OSRELEASE=6.6.6-decoy) fails "
		     "validation") != NULL);
	vmc_kernel_found_vi_fini(&f);

	/* Validation by itself: a text naming another swapper_pg_dir. */
	static const char bad[] = "OSRELEASE=x\nPAGESIZE=4096\n"
				  "SYMBOL(swapper_pg_dir)=ffffffff80002000\n";
	struct vmc_vmcoreinfo vi;
	CHECK(vmc_vmcoreinfo_parse(bad, sizeof(bad) - 1, &vi) == NULL);
	char how[600];
	err = vmc_kernel_validate_vmcoreinfo(d, &vi, how, sizeof(how));
	CHECK(err && err->code == VMC_ERR_NOT_FOUND);
	vmc_error_free(err);
	vmc_vmcoreinfo_fini(&vi);
	static const char good[] = "OSRELEASE=x\nPAGESIZE=4096\n"
				   "SYMBOL(swapper_pg_dir)=ffffffff80001000\n"
				   "SYMBOL(_stext)=ffffffff80100000\n";
	CHECK(vmc_vmcoreinfo_parse(good, sizeof(good) - 1, &vi) == NULL);
	err = vmc_kernel_validate_vmcoreinfo(d, &vi, how, sizeof(how));
	CHECK(err == NULL);
	vmc_error_free(err);
	CHECK(strstr(how, "is physical 0x1000 through CPU 0 CR3 0x1000") != NULL);
	CHECK(strstr(how, "_stext 0xffffffff80100000 (physical 0x100000)") != NULL);
	vmc_vmcoreinfo_fini(&vi);
	vmc_source_close(src);
}

/* Walk the notes in buf: name and desc of the i-th. */
static bool note_at(const uint8_t *buf, size_t len, int i, const char **name,
		    const char **desc, uint32_t *descsz)
{
	size_t pos = 0;
	for (int k = 0; pos + 12 <= len; k++) {
		uint32_t nsz = vmc_get32(buf + pos, false);
		uint32_t dsz = vmc_get32(buf + pos + 4, false);
		size_t d = pos + 12 + ((nsz + 3) & ~3u);
		if (k == i) {
			*name = (const char *)buf + pos + 12;
			*desc = (const char *)buf + d;
			*descsz = dsz;
			return true;
		}
		pos = d + ((dsz + 3) & ~3u);
	}
	return false;
}

static void test_additions_and_notes(void)
{
	static const char text[] = "OSRELEASE=6.1.0\nPAGESIZE=4096";	/* no \n */
	struct vmc_vmcoreinfo vi;
	CHECK(vmc_vmcoreinfo_parse(text, sizeof(text) - 1, &vi) == NULL);
	struct vmc_dump d = { .arch = VMC_ARCH_I386, .vmcoreinfo = &vi,
			      .vmcoreinfo_source = "note" };
	struct vmc_kernel_addition_vec add = {0};
	uint8_t *buf;
	size_t len;
	/* The note, nothing added: nothing to write. */
	CHECK(vmc_kernel_extra_notes(&d, NULL, 0, &buf, &len) == NULL);
	CHECK(buf == NULL && len == 0);
	/* A key the kernel wrote is never replaced. */
	struct vmc_error *err = vmc_kernel_addition_set(&add, &d, "PAGESIZE",
							 "8192", "no", NULL);
	CHECK(err && err->code == VMC_ERR_USAGE);
	vmc_error_free(err);
	CHECK(vmc_kernel_addition_set(&add, &d, "KERNELOFFSET", "c000000",
				      "derived", NULL) == NULL);
	/* A later caller (a vmlinux) replaces the value, and says so. */
	bool replaced;
	CHECK(vmc_kernel_addition_set(&add, &d, "KERNELOFFSET", "c000000",
				      "vmlinux", &replaced) == NULL);
	CHECK(!replaced);
	CHECK(vmc_kernel_addition_set(&add, &d, "KERNELOFFSET", "d000000",
				      "vmlinux _stext", &replaced) == NULL);
	CHECK(replaced);
	CHECK_U64(add.n, 1);
	err = vmc_kernel_addition_set(&add, &d, "BAD\nKEY", "1", "x", NULL);
	CHECK(err && err->code == VMC_ERR_USAGE);
	vmc_error_free(err);

	CHECK(vmc_kernel_extra_notes(&d, add.v, add.n, &buf, &len) == NULL);
	CHECK(len % 4 == 0);
	const char *name, *desc;
	uint32_t dsz;
	CHECK(note_at(buf, len, 0, &name, &desc, &dsz));
	CHECK_STR(name, "VMCOREINFO");
	static const char want[] = "OSRELEASE=6.1.0\nPAGESIZE=4096\n"
				   "KERNELOFFSET=d000000\n";
	CHECK_U64(dsz, sizeof(want) - 1);
	CHECK(memcmp(desc, want, sizeof(want) - 1) == 0);
	CHECK(note_at(buf, len, 1, &name, &desc, &dsz));
	CHECK_STR(name, VMC_KERNEL_NOTE_NAME);
	struct vmc_vmcoreinfo tool;
	CHECK(vmc_vmcoreinfo_parse(desc, dsz, &tool) == NULL);
	CHECK_STR(vmc_vmcoreinfo_get(&tool, "TEXT"), "the input's VMCOREINFO note");
	CHECK_STR(vmc_vmcoreinfo_get(&tool, "ADDED(KERNELOFFSET)"), "d000000");
	CHECK_STR(vmc_vmcoreinfo_get(&tool, "HOW(KERNELOFFSET)"), "vmlinux _stext");
	CHECK(!note_at(buf, len, 2, &name, &desc, &dsz));
	vmc_vmcoreinfo_fini(&tool);

	/* The output's notes, parsed as a reader would: the second
	 * VMCOREINFO, which extends the first, wins without a warning. */
	uint8_t all[1024];
	static const uint8_t first[] = {
		11, 0, 0, 0, 29, 0, 0, 0, 0, 0, 0, 0,
		'V', 'M', 'C', 'O', 'R', 'E', 'I', 'N', 'F', 'O', 0, 0,
		'O', 'S', 'R', 'E', 'L', 'E', 'A', 'S', 'E', '=', '6', '.', '1',
		'.', '0', '\n', 'P', 'A', 'G', 'E', 'S', 'I', 'Z', 'E', '=', '4',
		'0', '9', '6', 0, 0, 0 };
	CHECK(sizeof(first) + len <= sizeof(all));
	memcpy(all, first, sizeof(first));
	memcpy(all + sizeof(first), buf, len);
	struct vmc_note_set set = {0};
	struct warn_count w = {0};
	struct vmc_warnings ws = { .emit = count_warning, .arg = &w };
	CHECK(vmc_notes_parse(&set, VMC_ARCH_I386, all, sizeof(first) + len, 4,
			      false, 0, "test", &ws) == NULL);
	CHECK_U64(w.n, 0);
	CHECK_STR(vmc_vmcoreinfo_get(&set.vmcoreinfo, "KERNELOFFSET"), "d000000");
	vmc_notes_fini(&set);
	free(buf);

	/* Text found in RAM: written even with nothing added, and said so. */
	d.vmcoreinfo_source = "from RAM at paddr 0x1000 (bare text, 1 copy), "
			      "note absent";
	CHECK(vmc_kernel_extra_notes(&d, NULL, 0, &buf, &len) == NULL);
	CHECK(note_at(buf, len, 1, &name, &desc, &dsz));
	CHECK(memmem(desc, dsz, "TEXT=from RAM at paddr 0x1000", 29) != NULL);
	free(buf);
	vmc_kernel_addition_vec_free(&add);
	vmc_vmcoreinfo_fini(&vi);
}

static void test_i386_kerneloffset(void)
{
	struct vmc_source *src = open_raw("i386-koff");
	if (!src)
		return;
	struct vmc_kernel_addition_vec add = {0};
	CHECK(vmc_kernel_complete(vmc_source_dump(src), &add, NULL) == NULL);
	CHECK_U64(add.n, 1);
	if (add.n) {
		CHECK_STR(add.v[0].key, "KERNELOFFSET");
		CHECK_STR(add.v[0].value, "200000");
	}
	vmc_kernel_addition_vec_free(&add);
	vmc_source_close(src);
}

/* x86_64 without NUMBER(phys_base): it is derived from the page tables. */
static void test_phys_base(void)
{
	struct vmc_source *src = open_raw("vi-ram");
	if (!src)
		return;
	struct vmc_dump *d = vmc_source_dump(src);
	static const char text[] = "OSRELEASE=x\nPAGESIZE=4096\n"
				   "SYMBOL(swapper_pg_dir)=ffffffff80001000\n"
				   "SYMBOL(_stext)=ffffffff80100000\n";
	struct vmc_vmcoreinfo vi;
	CHECK(vmc_vmcoreinfo_parse(text, sizeof(text) - 1, &vi) == NULL);
	d->vmcoreinfo = &vi;
	struct vmc_kernel_addition_vec add = {0};
	CHECK(vmc_kernel_complete(d, &add, NULL) == NULL);
	CHECK_U64(add.n, 1);
	if (add.n) {
		CHECK_STR(add.v[0].key, "NUMBER(phys_base)");
		CHECK_STR(add.v[0].value, "0");
	}
	d->vmcoreinfo = NULL;
	vmc_kernel_addition_vec_free(&add);
	vmc_vmcoreinfo_fini(&vi);
	vmc_source_close(src);
}

struct recs {
	int n;
	uint64_t seq[8];
	int level[8];
	char text[8][64];
	const char *state[8];
};

static void collect(void *arg, const struct vmc_printk_record *r)
{
	struct recs *c = arg;
	if (c->n >= 8)
		return;
	c->seq[c->n] = r->seq;
	c->level[c->n] = r->level;
	c->state[c->n] = r->state;
	snprintf(c->text[c->n], sizeof(c->text[0]), "%.*s", (int)r->text_len,
		 r->text);
	c->n++;
}

static void test_dmesg_records(void)
{
	struct vmc_source *src = open_raw("dmesg-wrap");
	if (!src)
		return;
	struct recs c = {0};
	struct vmc_printk_stats st;
	CHECK(vmc_kernel_dmesg(vmc_source_dump(src), collect, &c, NULL, &st) == NULL);
	CHECK_U64(c.n, 4);
	CHECK_U64(st.records, 4);
	CHECK_U64(st.desc_count, 4);
	CHECK_U64(st.ring_bytes, 256);
	CHECK_U64(c.seq[1], 6);
	CHECK_STR(c.text[1], "first line\n  second line");	/* wrapped block */
	CHECK_U64(c.level[0], 5);
	CHECK_STR(c.state[3], "committed");
	CHECK_STR(c.text[3], "part one part two");
	vmc_source_close(src);

	src = open_raw("dmesg-logbuf");
	if (!src)
		return;
	c = (struct recs){0};
	CHECK(vmc_kernel_dmesg(vmc_source_dump(src), collect, &c, NULL, &st) == NULL);
	CHECK_U64(c.n, 4);
	CHECK(st.format == VMC_PRINTK_LOG_BUF);
	CHECK_STR(c.text[2], "after the wrap, at 0");
	CHECK_U64(c.level[3], 2);
	vmc_source_close(src);
}

/* ptload: the added notes join the last PT_NOTE when its notes end cleanly,
 * else they get one of their own; the input's bytes come first either way. */
static void test_extra_notes_placement(void)
{
	static const uint8_t clean[] = { 5, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0,
					 'C', 'O', 'R', 'E', 0, 0, 0, 0,
					 1, 2, 3, 4 };
	static const uint8_t stray[] = { 5, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0,
					 'C', 'O', 'R', 'E', 0, 0, 0, 0,
					 1, 2, 3, 4, 0xee, 0xee };
	static const uint8_t extra[] = { 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					 'A', 'B', 'C', 0 };
	static const struct vmc_ram_range ram[] = {
		{ .paddr = 0, .size = 0x10000, .avail = 0x10000, .foff = VMC_NO_FOFF },
	};
	for (int pass = 0; pass < 2; pass++) {
		struct vmc_bytes nd = { pass ? stray : clean,
					pass ? sizeof(stray) : sizeof(clean), 4 };
		struct vmc_dump d = { .arch = VMC_ARCH_X86_64, .ram = ram,
				      .nram = 1, .data_bytes = 0x10000,
				      .note_data = &nd, .nnote_data = 1 };
		struct vmc_plan plan = { .elf_class = ELFCLASS64,
					 .extra = extra,
					 .extra_len = sizeof(extra) };
		struct vmc_run_vec v = {0};
		CHECK(vmc_layout_virtual(&d, &v, UINT64_MAX, &plan, NULL) == NULL);
		CHECK(vmc_layout_gdb(&d, false, &plan) == NULL);
		CHECK(vmc_place(&d, &plan) == NULL);
		CHECK_U64(plan.nnotes, pass ? 2 : 1);
		CHECK_U64(plan.extra_seg, pass ? 1 : 0);
		const struct vmc_segment *n0 = &plan.segs.v[0];
		const struct vmc_segment *nx = &plan.segs.v[plan.extra_seg];
		CHECK_U64(n0->type, PT_NOTE);
		CHECK_U64(nx->type, PT_NOTE);
		if (!pass) {
			CHECK_U64(n0->filesz, sizeof(clean) + sizeof(extra));
			CHECK_U64(plan.extra_off, n0->offset + sizeof(clean));
		} else {
			CHECK_U64(n0->filesz, sizeof(stray));
			CHECK_U64(nx->filesz, sizeof(extra));
			CHECK_U64(plan.extra_off, nx->offset);
			CHECK(nx->offset >= n0->offset + sizeof(stray));
		}
		/* Before any data. */
		CHECK(plan.extra_off + sizeof(extra) <= plan.copies.v[0].dst);
		vmc_plan_fini(&plan);
	}
}

const struct unit_test kernel_tests[] = {
	{ "kernel/find-in-ram", test_find_in_ram },
	{ "kernel/decoy-and-validation", test_decoy_and_validation },
	{ "kernel/additions-and-notes", test_additions_and_notes },
	{ "kernel/i386-kerneloffset", test_i386_kerneloffset },
	{ "kernel/phys-base", test_phys_base },
	{ "kernel/dmesg-records", test_dmesg_records },
	{ "ptload/extra-notes-placement", test_extra_notes_placement },
	{ NULL, NULL },
};
