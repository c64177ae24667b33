/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ptload: run cleaning, layout and placement on dumps built in memory. */
#include "unit.h"

#include <elf.h>

#include "../../src/ptload/ptload.h"

#define TOP_PAGE UINT64_C(0xfffffffffffff000)

static struct vmc_run run(uint64_t va, uint64_t pa, uint64_t size)
{
	return (struct vmc_run){ .vaddr = va, .paddr = pa, .size = size,
				 .flags = VMC_RUN_W, .leaf_shift = 12 };
}

static void set_runs(struct vmc_run_vec *v, const struct vmc_run *r, size_t n)
{
	vmc_run_vec_free(v);
	for (size_t i = 0; i < n; i++)
		*vmc_run_vec_push(v) = r[i];
}

static void test_merge(void)
{
	struct vmc_run_vec v = {0};
	const struct vmc_run r[] = {
		run(0x3000, 0x13000, 0x1000), run(0x1000, 0x11000, 0x1000),
		run(0x2000, 0x12000, 0x1000),	/* contiguous: one run */
		run(0x1000, 0x11000, 0x1000),	/* seen again from a 2nd root */
		run(0x5000, 0x99000, 0x1000),	/* VA gap: stays apart */
	};
	set_runs(&v, r, 5);
	vmc_runs_merge(&v, false);
	CHECK_U64(v.n, 2);
	CHECK_U64(v.v[0].vaddr, 0x1000);
	CHECK_U64(v.v[0].size, 0x3000);
	CHECK_U64(v.v[1].paddr, 0x99000);
	vmc_run_vec_free(&v);
}

/* Two roots map the last page of the address space differently: one must
 * win and the other be counted, with no wrap of the end to 0 (R1). */
static void test_overlap_top_of_space(void)
{
	struct vmc_run_vec v = {0};
	const struct vmc_run r[] = {
		run(TOP_PAGE - 0x1000, 0x5000, 0x2000),	/* ends at 2^64 */
		run(TOP_PAGE, 0x9000, 0x1000),		/* same page, other PA */
	};
	set_runs(&v, r, 2);
	vmc_runs_merge(&v, false);
	uint64_t conflict = 0;
	vmc_runs_resolve_overlaps(&v, &conflict, NULL);
	CHECK_U64(v.n, 1);
	CHECK_U64(v.v[0].paddr, 0x5000);
	CHECK_U64(v.v[0].size, 0x2000);
	CHECK_U64(conflict, 0x1000);

	/* A partial overlap is cut, not dropped. */
	const struct vmc_run r2[] = {
		run(0x1000, 0x1000, 0x2000), run(0x2000, 0x8000, 0x2000),
	};
	set_runs(&v, r2, 2);
	conflict = 0;
	vmc_runs_resolve_overlaps(&v, &conflict, NULL);
	CHECK_U64(v.n, 2);
	CHECK_U64(v.v[1].vaddr, 0x3000);
	CHECK_U64(v.v[1].paddr, 0x9000);
	CHECK_U64(v.v[1].size, 0x1000);
	CHECK_U64(conflict, 0x1000);
	vmc_run_vec_free(&v);
}

static void test_exclude(void)
{
	struct vmc_run_vec v = {0};
	const struct vmc_run r[] = {
		run(0x1000, 0x1000, 0x4000),		/* 0x1000-0x4fff */
		run(0x10000, 0x20000, 0x1000),
		run(TOP_PAGE, 0x7000, 0x1000),
	};
	set_runs(&v, r, 3);
	struct vmc_vrange_vec ex = {0};
	/* Unsorted, overlapping, and one reaching the top. */
	*vmc_vrange_vec_push(&ex) = (struct vmc_vrange){ 0x3000, 0x3fff };
	*vmc_vrange_vec_push(&ex) = (struct vmc_vrange){ 0x2000, 0x2fff };
	*vmc_vrange_vec_push(&ex) = (struct vmc_vrange){ TOP_PAGE, UINT64_MAX };
	uint64_t bytes = 0;
	CHECK(vmc_runs_exclude(&v, &ex, &bytes) == NULL);
	CHECK_U64(bytes, 0x3000);
	CHECK_U64(v.n, 3);
	CHECK_U64(v.v[0].vaddr, 0x1000);
	CHECK_U64(v.v[0].size, 0x1000);
	CHECK_U64(v.v[1].vaddr, 0x4000);
	CHECK_U64(v.v[1].paddr, 0x4000);
	CHECK_U64(v.v[1].size, 0x1000);
	CHECK_U64(v.v[2].vaddr, 0x10000);
	vmc_vrange_vec_free(&ex);
	vmc_run_vec_free(&v);
}

/* 300 aliases of one page (espfix64's shape) fold to the lowest; a page
 * mapped twice, and runs of another size, stay. */
static void test_fold_aliases(void)
{
	struct vmc_run_vec v = {0};
	*vmc_run_vec_push(&v) = run(0x1000, 0x5000, 0x1000);	/* twice: stays */
	for (uint64_t i = 0; i < 300; i++)
		*vmc_run_vec_push(&v) = run(0xffffff0000000000 + i * 0x10000,
					    0x9000, 0x1000);
	*vmc_run_vec_push(&v) = run(0xffffff0000008000, 0x9000, 0x2000);
	*vmc_run_vec_push(&v) = run(0xffffffff81000000, 0x5000, 0x1000);
	vmc_runs_merge(&v, false);
	size_t before = v.n;
	uint64_t groups = 0, nruns = 0, bytes = 0;
	CHECK(vmc_runs_fold_aliases(&v, 256, &groups, &nruns, &bytes) == NULL);
	CHECK_U64(groups, 1);
	CHECK_U64(nruns, 299);
	CHECK_U64(bytes, 299 * 0x1000);
	CHECK_U64(v.n, before - 299);
	bool sorted = true, lowest = false;
	for (size_t i = 0; i < v.n; i++) {
		if (i && v.v[i - 1].vaddr >= v.v[i].vaddr)
			sorted = false;
		lowest |= v.v[i].vaddr == 0xffffff0000000000;
		CHECK(!(v.v[i].paddr == 0x9000 && v.v[i].size == 0x1000 &&
			v.v[i].vaddr != 0xffffff0000000000));
	}
	CHECK(sorted);
	CHECK(lowest);
	/* Below the fan-out, nothing folds. */
	groups = nruns = bytes = 0;
	CHECK(vmc_runs_fold_aliases(&v, 256, &groups, &nruns, &bytes) == NULL);
	CHECK_U64(nruns, 0);
	vmc_run_vec_free(&v);
}

/* A dump with RAM [0, 64K) and [1M, 1M+64K), the second only half in the
 * file; physical reads are not needed by layout and placement. */
static const struct vmc_ram_range test_ram[] = {
	{ .paddr = 0, .size = 0x10000, .avail = 0x10000, .foff = 0x1234 },
	{ .paddr = 0x100000, .size = 0x10000, .avail = 0x8000,
	  .foff = 0x11234 },
};
static const uint8_t test_notes[] = "NOTEBYTES";
static const struct vmc_bytes test_note_data[] = {
	{ test_notes, sizeof(test_notes), 4 },
};

static struct vmc_dump test_dump(void)
{
	return (struct vmc_dump){
		.path = "test", .format = "test", .arch = VMC_ARCH_X86_64,
		.e_machine = EM_X86_64, .ram = test_ram, .nram = 2,
		.ram_bytes = 0x20000, .data_bytes = 0x18000,
		.note_data = test_note_data, .nnote_data = 1,
	};
}

static void test_layout_virtual_and_gdb(void)
{
	struct vmc_dump d = test_dump();
	struct vmc_run_vec v = {0};
	const struct vmc_run r[] = {
		/* Ends past the first range: the tail is not RAM. */
		run(0xffff888000000000, 0, 0x20000),
		/* Into the second range, past its data. */
		run(0xffff888000100000, 0x100000, 0x10000),
		/* An alias of the first page. */
		run(0xffffffff80000000, 0, 0x1000),
	};
	set_runs(&v, r, 3);
	struct vmc_plan plan = { .elf_class = ELFCLASS64 };
	CHECK(vmc_layout_virtual(&d, &v, UINT64_MAX, &plan, NULL) == NULL);
	CHECK_U64(plan.segs.n, 4);	/* PT_NOTE + 3 */
	CHECK_U64(plan.segs.v[0].type, PT_NOTE);
	CHECK_U64(plan.segs.v[1].memsz, 0x10000);
	CHECK_U64(plan.segs.v[2].memsz, 0x8000);
	CHECK_U64(plan.stats.not_ram_bytes, 0x10000 + 0x8000);
	CHECK_U64(plan.stats.mapped_ram_bytes, 0x18000);
	CHECK(vmc_layout_gdb(&d, false, &plan) == NULL);
	CHECK_U64(plan.stats.filler_segs, 0);	/* all RAM is mapped */
	CHECK(vmc_place(&d, &plan) == NULL);
	/* Copies by index: one per RAM range, congruent modulo 4K. */
	CHECK_U64(plan.copies.n, 2);
	CHECK_U64(plan.copies.v[0].dst & 0xfff, 0x234);
	CHECK_U64(plan.copies.v[1].dst & 0xfff, 0x234);
	CHECK(plan.copies.v[0].dst >= plan.notes_off + sizeof(test_notes));
	/* Aliases share bytes: the image alias points at the direct map's. */
	CHECK_U64(plan.segs.v[3].offset, plan.segs.v[1].offset);
	CHECK_U64(plan.segs.v[2].offset, plan.copies.v[1].dst);
	CHECK_U64(plan.file_size, plan.copies.v[1].dst + 0x8000);
	vmc_plan_fini(&plan);
	vmc_run_vec_free(&v);
}

static void test_layout_filler_and_crash(void)
{
	struct vmc_dump d = test_dump();
	struct vmc_run_vec v = {0};
	const struct vmc_run r[] = {
		run(0xffff888000001000, 0x1000, 0x2000),	/* linear map */
		run(0xffffffff81000000, 0x4000, 0x1000),	/* image */
	};
	set_runs(&v, r, 2);
	struct vmc_plan plan = { .elf_class = ELFCLASS64 };
	CHECK(vmc_layout_virtual(&d, &v, UINT64_MAX, &plan, NULL) == NULL);
	CHECK(vmc_layout_gdb(&d, false, &plan) == NULL);
	/* Filler: [0,4K), [12K,16K), [20K,64K), [1M, 1M+32K). */
	CHECK_U64(plan.stats.filler_segs, 4);
	CHECK_U64(plan.stats.filler_bytes, 0x1000 + 0x1000 + 0xb000 + 0x8000);
	CHECK_U64(plan.segs.v[3].vaddr, 0);
	CHECK_U64(plan.segs.v[3].memsz, 0x1000);
	vmc_plan_fini(&plan);

	plan = (struct vmc_plan){ .elf_class = ELFCLASS64 };
	CHECK(vmc_layout_virtual(&d, &v, UINT64_MAX, &plan, NULL) == NULL);
	struct vmc_kernel_hints kh = { .kernel_start = 0xffff800000000000,
				       .image_base = 0xffffffff80000000 };
	CHECK(vmc_layout_crash(&d, &kh, &plan) == NULL);
	CHECK_U64(plan.segs.v[1].vaddr, 0xffffffff81000000);	/* image first */
	/* Then RAM by paddr: [0,4K) at 0, [4K,12K) linear, [12K,64K) at 0,
	 * [1M,1M+32K) at 0. */
	CHECK_U64(plan.segs.n, 6);
	CHECK_U64(plan.segs.v[2].vaddr, 0);
	CHECK_U64(plan.segs.v[3].vaddr, 0xffff888000001000);
	CHECK_U64(plan.segs.v[3].memsz, 0x2000);
	CHECK_U64(plan.segs.v[5].paddr, 0x100000);
	vmc_plan_fini(&plan);
	vmc_run_vec_free(&v);
}

/* Placement looks copies up by index: many ranges stay fast and right. */
static void test_place_many(void)
{
	enum { N = 20000 };
	struct vmc_ram_range *ram = calloc(N, sizeof(*ram));
	CHECK(ram != NULL);
	if (!ram)
		return;
	for (size_t i = 0; i < N; i++)
		ram[i] = (struct vmc_ram_range){ .paddr = i * 0x2000,
						 .size = 0x1000, .avail = 0x1000,
						 .foff = 0x1000 + i * 0x1000 };
	struct vmc_dump d = test_dump();
	d.ram = ram;
	d.nram = N;
	struct vmc_run_vec v = {0};
	*vmc_run_vec_push(&v) = run(0xffff888000000000, 0, N * 0x2000);
	struct vmc_plan plan = { .elf_class = ELFCLASS64 };
	CHECK(vmc_layout_virtual(&d, &v, UINT64_MAX, &plan, NULL) == NULL);
	CHECK_U64(plan.segs.n, N + 1);
	CHECK(vmc_place(&d, &plan) == NULL);
	bool ok = true;
	for (size_t i = 1; i < plan.segs.n; i++)
		ok &= plan.segs.v[i].offset == plan.copies.v[i - 1].dst;
	CHECK(ok);
	vmc_plan_fini(&plan);
	vmc_run_vec_free(&v);
	free(ram);
}

/* "Cannot tell" is an error (2), never a negative answer (1). */
static void test_root_error_classes(void)
{
	struct vmc_cpu_state cpus[2] = {
		{ .index = 0 },
		{ .index = 1, .have = VMC_CPU_HAVE_QEMU, .qemu_size = 8 },
	};
	struct vmc_dump d = test_dump();
	d.cpus = cpus;
	d.ncpus = 2;
	struct vmc_root_choice rc;
	struct vmc_root_request req = { .cpu = 0 };
	struct vmc_error *err = vmc_choose_root(&d, &req, &rc);
	CHECK(err && err->code != VMC_ERR_NOT_FOUND);
	CHECK(err && strstr(err->msg, "no QEMU CPU-state note"));
	vmc_error_free(err);
	req.cpu = 1;
	err = vmc_choose_root(&d, &req, &rc);
	CHECK(err && err->code == VMC_ERR_FORMAT);
	CHECK(err && strstr(err->msg, "too short to hold CR3"));
	vmc_error_free(err);
	req = (struct vmc_root_request){ .cpu = -1 };
	err = vmc_choose_root(&d, &req, &rc);
	CHECK(err && err->code != VMC_ERR_NOT_FOUND);
	vmc_error_free(err);
	req = (struct vmc_root_request){ .cpu = -1, .swapper = true };
	err = vmc_choose_root(&d, &req, &rc);
	CHECK(err && err->code != VMC_ERR_NOT_FOUND);
	vmc_error_free(err);
}

const struct unit_test ptload_tests[] = {
	{ "ptload/merge", test_merge },
	{ "ptload/overlap-top-of-space", test_overlap_top_of_space },
	{ "ptload/exclude", test_exclude },
	{ "ptload/fold-aliases", test_fold_aliases },
	{ "ptload/layout-virtual-gdb-place", test_layout_virtual_and_gdb },
	{ "ptload/layout-filler-crash", test_layout_filler_and_crash },
	{ "ptload/place-many", test_place_many },
	{ "pagewalk/root-error-classes", test_root_error_classes },
	{ NULL, NULL },
};
