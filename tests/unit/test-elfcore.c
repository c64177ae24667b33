/* SPDX-License-Identifier: GPL-2.0-or-later */
/* elfcore on generated fixtures (tests/fixtures/NAME.core.txt). */
#include "unit.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include "../../src/elfcore/elfcore-priv.h"
#include "../../src/open/open.h"

static struct vmc_warnings quiet_ws;
static struct vmc_source *fixture_src;

/* The ELF reader behind a fixture opened the way the CLI opens it. */
static struct vmc_core *open_fixture(const char *name)
{
	quiet_ws = (struct vmc_warnings){0};
	fixture_src = unit_open(unit_fixture(name), NULL, &quiet_ws);
	return fixture_src ? vmc_source_elf(fixture_src) : NULL;
}

static void close_fixture(struct vmc_core *core)
{
	(void)core;
	vmc_source_close(fixture_src);
	fixture_src = NULL;
}

/* libelf, an independent reader, must see the same program headers. */
static void cross_check_libelf(const struct vmc_core *core)
{
	elf_version(EV_CURRENT);
	int fd = open(core->path, O_RDONLY);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	size_t n = 0;
	CHECK(e && elf_getphdrnum(e, &n) == 0);
	CHECK_U64(n, core->phnum);
	for (size_t i = 0; e && i < n && i < core->segs.n; i++) {
		GElf_Phdr ph;
		CHECK(gelf_getphdr(e, (int)i, &ph) != NULL);
		const struct vmc_segment *s = &core->segs.v[i];
		CHECK_U64(ph.p_type, s->type);
		CHECK_U64(ph.p_offset, s->offset);
		CHECK_U64(ph.p_vaddr, s->vaddr);
		CHECK_U64(ph.p_paddr, s->paddr);
		CHECK_U64(ph.p_filesz, s->filesz);
		CHECK_U64(ph.p_memsz, s->memsz);
	}
	elf_end(e);
	close(fd);
}

static void test_x86_64_basic(void)
{
	struct vmc_core *core = open_fixture("x86_64-basic");
	if (!core)
		return;
	CHECK(core->dump.arch == VMC_ARCH_X86_64);
	CHECK(core->elf_class == ELFCLASS64);
	CHECK_U64(core->e_phoff, 192);	/* QEMU >= 7.2: after two shdrs */
	CHECK_U64(core->phnum, 3);
	CHECK_U64(core->dump.ncpus, 2);
	const struct vmc_cpu_state *c0 = &core->dump.cpus[0], *c1 = &core->dump.cpus[1];
	CHECK(c0->have & VMC_CPU_HAVE_PRSTATUS);
	CHECK(c0->have & VMC_CPU_HAVE_QEMU);
	CHECK(c0->have & VMC_CPU_HAVE_KGSBASE);
	CHECK_U64(c0->pid, 1);
	CHECK_U64(c1->pid, 2);
	CHECK_U64(c0->pc, 0xffffffff8010a2beull);
	CHECK_U64(c0->sp, 0xffffffff80103e88ull);
	CHECK_U64(c1->regs[0], 3);		/* rax */
	CHECK_U64(c1->regs[5], 4);		/* rdi */
	CHECK_U64(c0->cr_have, 0x1f);
	CHECK_U64(c0->cr[0], 0x80050033);
	CHECK_U64(c0->cr[3], 0x101000);
	CHECK_U64(c1->cr[3], 0x1a3000);
	CHECK_U64(c1->cr[2], 0x7f3a1c2d5000ull);
	CHECK_U64(c0->cr[4], 0x3406f0);
	CHECK_U64(c0->seg_have, 0x3ff);
	CHECK_U64(c0->seg[VMC_SEG_CS].flags, 0x209b00);
	CHECK_U64(c1->seg[VMC_SEG_TR].base, 0xfffffe0000042000ull);
	CHECK((core->dump.vmcoreinfo != NULL));
	CHECK_STR(vmc_vmcoreinfo_get(core->dump.vmcoreinfo, "OSRELEASE"),
		  "6.1.0-test-amd64");
	CHECK_U64(core->dump.nram, 2);
	CHECK_U64(core->dump.ram[0].paddr, 0);
	CHECK_U64(core->dump.ram[0].size, 0x200000);
	CHECK_U64(core->dump.ram[1].paddr, 0xfffc0000);
	CHECK_U64(core->dump.ram_bytes, 0x240000);
	CHECK_U64(core->unplaced.n, 0);
	CHECK(core->segs.v[1].kind == VMC_SEG_IDENTITY);

	struct vmc_physmem pm = core->dump.pm;
	char buf[64] = {0};
	CHECK(vmc_physmem_read(&pm, 0x180000, buf, 13) == NULL);
	CHECK_STR(buf, "Linux version");
	uint8_t reset[5];
	CHECK(vmc_physmem_read(&pm, 0xfffffff0, reset, 5) == NULL);
	CHECK(reset[0] == 0xea && reset[4] == 0xf0);
	CHECK(pm.map(pm.ctx, 0x180000, 13) != NULL);
	/* A read that runs off the end of RAM faults at the first missing byte. */
	struct vmc_error *err = vmc_physmem_read(&pm, 0x1ffff0, buf, 0x20);
	CHECK(err && err->code == VMC_ERR_FAULT && err->addr == 0x200000);
	vmc_error_free(err);
	CHECK(pm.map(pm.ctx, 0x1ffff0, 0x20) == NULL);
	err = vmc_physmem_read(&pm, 0xffffffffffffff00ull, buf, 4);
	CHECK(err && err->addr == 0xffffffffffffff00ull);
	vmc_error_free(err);
	cross_check_libelf(core);
	close_fixture(core);
}

static void test_aarch64_basic(void)
{
	struct vmc_core *core = open_fixture("aarch64-basic");
	if (!core)
		return;
	CHECK(core->dump.arch == VMC_ARCH_AARCH64);
	CHECK_U64(core->dump.ncpus, 2);	/* PRFPREG notes interleaved: not CPUs */
	const struct vmc_cpu_state *c0 = &core->dump.cpus[0];
	CHECK(c0->layout == VMC_PRSTATUS_AARCH64);
	CHECK_U64(c0->pc, 0xffff800048011234ull);
	CHECK_U64(c0->sp, 0xffff80000a003d60ull);
	CHECK_U64(c0->regs[31] >> 2 & 3, 1);	/* pstate: EL1 */
	CHECK_U64(c0->cr_have, 0);		/* no QEMU note on ARM */
	CHECK_U64(core->dump.nnotes, 5);
	CHECK_U64(core->dump.ram[0].paddr, 0x40000000);
	cross_check_libelf(core);
	close_fixture(core);
}

static void test_paging_true_rammap(void)
{
	struct vmc_core *core = open_fixture("paging-true");
	if (!core)
		return;
	/* Extents merge per delta; the same-delta gap is inferred RAM. */
	CHECK_U64(core->dump.nram, 4);
	CHECK_U64(core->dump.ram[0].paddr, 0);
	CHECK_U64(core->dump.ram[0].size, 0x10000);
	CHECK_U64(core->dump.ram[1].paddr, 0x10000);
	CHECK_U64(core->dump.ram[1].size, 0x70000);
	CHECK(core->dump.ram[1].flags & VMC_RAM_INFERRED);
	CHECK_U64(core->dump.ram[2].paddr, 0x80000);
	CHECK(!(core->dump.ram[2].flags & VMC_RAM_INFERRED));
	CHECK_U64(core->dump.ram[3].paddr, 0x100010000ull);
	CHECK_U64(core->dump.ram[3].size, 0xf0000);
	/* Block 2's first 64K has file data but no PT_LOAD. */
	CHECK_U64(core->unplaced.n, 1);
	CHECK_U64(core->unplaced.v[0].size, 0x10000);
	CHECK_U64(core->unplaced.v[0].foff, core->dump.ram[3].foff - 0x10000);
	CHECK(core->segs.v[5].kind == VMC_SEG_ABSENT);
	CHECK(core->segs.v[1].kind == VMC_SEG_VIRTUAL);

	struct vmc_physmem pm = core->dump.pm;
	char buf[32] = {0};
	CHECK(vmc_physmem_read(&pm, 0x20000, buf, 19) == NULL);
	CHECK_STR(buf, "in the inferred gap");
	memset(buf, 0, sizeof(buf));
	CHECK(vmc_physmem_read(&pm, 0x1000, buf, 13) == NULL);
	CHECK_STR(buf, "Linux version");
	struct vmc_error *err = vmc_physmem_read(&pm, 0x100000000ull, buf, 4);
	CHECK(err && err->code == VMC_ERR_FAULT && err->addr == 0x100000000ull);
	vmc_error_free(err);
	cross_check_libelf(core);
	close_fixture(core);
}

static void test_load_past_eof(void)
{
	struct vmc_core *core = open_fixture("bad-load-past-eof");
	if (!core)
		return;
	CHECK(quiet_ws.count == 1);	/* one warning: the truncated PT_LOAD */
	const struct vmc_ram_range *r = vmc_dump_ram_find(&core->dump, 0x100000);
	CHECK(r != NULL);
	if (!r) {
		close_fixture(core);
		return;
	}
	CHECK_U64(r->avail, core->file_size - r->foff);
	struct vmc_physmem pm = core->dump.pm;
	char buf[8] = {0};
	CHECK(vmc_physmem_read(&pm, 0x100000, buf, 7) == NULL);
	CHECK_STR(buf, "present");
	char page[4096];
	struct vmc_error *err = vmc_physmem_read(&pm, 0x100000, page, sizeof(page));
	CHECK(err && err->code == VMC_ERR_FAULT);
	if (err)
		CHECK_U64(err->addr, 0x100000 + r->avail);
	vmc_error_free(err);
	close_fixture(core);
}

static void test_many_phdrs(void)
{
	struct vmc_core *core = open_fixture("many-phdrs");
	if (!core)
		return;
	CHECK(core->pn_xnum);
	CHECK_U64(core->phnum, 70001);
	CHECK_U64(core->segs.n, 70001);
	CHECK_U64(core->segs.v[70000].vaddr, 0xffffc90000000000ull + 69999 * 4096ull);
	CHECK_U64(core->dump.nram, 1);	/* 70000 aliases of one page */
	cross_check_libelf(core);
	close_fixture(core);
}

static void test_short_qemu_note(void)
{
	struct vmc_core *core = open_fixture("bad-qemu-short");
	if (!core)
		return;
	CHECK_U64(core->dump.ncpus, 1);
	const struct vmc_cpu_state *c = &core->dump.cpus[0];
	/* 400 bytes hold cr0 (@392) but neither cr3 (@416) nor cr4 (@424). */
	CHECK_U64(c->cr_have, 0x1);
	CHECK_U64(c->cr[0], 0x80050033);
	CHECK_U64(c->seg_have, 0x3ff);
	CHECK(!(c->have & VMC_CPU_HAVE_KGSBASE));
	CHECK_U64(quiet_ws.count, 1);
	close_fixture(core);
}

static void test_bad_notes(void)
{
	struct vmc_core *core = open_fixture("bad-note-overrun");
	if (core) {
		CHECK_U64(core->dump.nnotes, 1);	/* the good note before it */
		CHECK_U64(core->dump.ncpus, 1);
		CHECK_U64(quiet_ws.count, 1);
		close_fixture(core);
	}
	core = open_fixture("bad-note-noterm");
	if (core) {
		CHECK_U64(core->dump.nnotes, 1);
		CHECK_STR(core->dump.notes[0].name, "ABCD");
		CHECK_U64(quiet_ws.count, 1);
		close_fixture(core);
	}
	core = open_fixture("bad-no-load");
	if (core) {
		CHECK_U64(core->dump.nram, 0);
		CHECK_U64(quiet_ws.count, 1);
		struct vmc_physmem pm = core->dump.pm;
		char b;
		struct vmc_error *err = vmc_physmem_read(&pm, 0, &b, 1);
		CHECK(err && err->code == VMC_ERR_FAULT);
		vmc_error_free(err);
		close_fixture(core);
	}
}

static void expect_open_error(const char *name, enum vmc_error_code code,
			      const char *needle)
{
	struct vmc_source *src = NULL;
	struct vmc_error *err = vmc_source_open(unit_fixture(name), NULL, NULL,
						&src);
	CHECK(err != NULL && src == NULL);
	if (!err)
		return;
	if (err->code != code || !strstr(err->msg, needle)) {
		fprintf(stderr, "  %s: got code %d \"%s\", expected code %d with "
			"\"%s\"\n", name, err->code, err->msg, code, needle);
		unit_failed_checks++;
	}
	vmc_error_free(err);
}

static void test_open_errors(void)
{
	expect_open_error("bad-not-core", VMC_ERR_FORMAT, "not a core file");
	expect_open_error("bad-big-endian", VMC_ERR_UNSUPPORTED, "big-endian");
	expect_open_error("bad-machine", VMC_ERR_UNSUPPORTED, "machine 22");
	expect_open_error("bad-truncated-ehdr", VMC_ERR_FORMAT,
			  "truncated ELF header");
	expect_open_error("bad-phdrs-past-eof", VMC_ERR_FORMAT,
			  "program header table runs past end of file "
			  "(offset 0xc0, 70000 entries");
	expect_open_error("does-not-exist", VMC_ERR_IO, "No such file");
}

const struct unit_test elfcore_tests[] = {
	{ "elfcore/x86_64-basic", test_x86_64_basic },
	{ "elfcore/aarch64-basic", test_aarch64_basic },
	{ "elfcore/paging-true-rammap", test_paging_true_rammap },
	{ "elfcore/load-past-eof", test_load_past_eof },
	{ "elfcore/many-phdrs", test_many_phdrs },
	{ "elfcore/short-qemu-note", test_short_qemu_note },
	{ "elfcore/bad-notes", test_bad_notes },
	{ "elfcore/open-errors", test_open_errors },
	{ NULL, NULL },
};
