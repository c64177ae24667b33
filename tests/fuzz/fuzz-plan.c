/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * (e) Remap planning: vmc_plan_build() for both layouts, as `remap
 * --dry-run` runs it: the default gdb layout; gdb with --kernel-only and
 * two --exclude ranges (the x86_64 direct map, and one taken from the
 * input's last 16 bytes); gdb --in-place --no-filler; crash. All but the
 * first with --force-empty, so that inputs whose walk maps little still
 * reach layout and placement. Every plan is checked against the dump
 * model (common.c fuzz_check_plan) and listed as `--dry-run` lists it; its
 * RAM coverage (`remap --coverage`) must give every byte of RAM exactly one
 * kind: the pieces tile each range in order, the kinds add up per range and
 * to the RAM map, and "not mapped" is the plan's filler.
 */
#include "common.h"

#include <elf.h>
#include <string.h>

#include "../../src/coverage/coverage.h"
#include "../../src/report/report.h"


/* Every byte of RAM (ram[] and absent[]) gets exactly one kind. */
static void check_coverage(const struct vmc_dump *d,
			   const struct vmc_plan_opts *o,
			   const struct vmc_plan *plan)
{
	struct vmc_coverage c;
	struct vmc_error *err = vmc_coverage_of_plan(d, o, plan, &c);
	if (err) {
		/* The plan was built from the same view: only memory fails. */
		FUZZ_CHECK(err == vmc_error_nomem());
		return;
	}
	uint64_t total = 0, kinds[VMC_COV_NKINDS] = {0}, data = 0, linear = 0;
	size_t next_piece = 0;
	for (size_t i = 0; i < c.nranges; i++) {
		const struct vmc_cov_range *r = &c.ranges[i];
		FUZZ_CHECK(r->first == next_piece && r->npieces >= 1);
		FUZZ_CHECK(i == 0 || c.ranges[i - 1].paddr + c.ranges[i - 1].size
				     <= r->paddr);
		uint64_t at = r->paddr, sum = 0;
		for (size_t p = r->first; p < r->first + r->npieces; p++) {
			const struct vmc_cov_piece *pc = &c.pieces[p];
			FUZZ_CHECK(pc->paddr == at && pc->size > 0);
			FUZZ_CHECK(pc->kind < VMC_COV_NKINDS);
			FUZZ_CHECK(pc->kind == VMC_COV_ABSENT ||
				   vmc_dump_ram_find(d, pc->paddr));
			at += pc->size;
			kinds[pc->kind] += pc->size;
			if (pc->kind != VMC_COV_ABSENT)
				data += pc->size;
			if (pc->reach & VMC_REACH_LINEAR)
				linear += pc->size;
		}
		for (int k = 0; k < VMC_COV_NKINDS; k++)
			sum += r->bytes[k];
		FUZZ_CHECK(at == r->paddr + r->size && sum == r->size);
		next_piece += r->npieces;
		total += r->size;
	}
	FUZZ_CHECK(next_piece == c.npieces);
	FUZZ_CHECK(total == d->ram_bytes + d->absent_bytes &&
		   total == c.total_bytes);
	FUZZ_CHECK(data == d->data_bytes && data == c.data_bytes);
	FUZZ_CHECK(linear == c.linear_bytes);
	for (int k = 0; k < VMC_COV_NKINDS; k++)
		FUZZ_CHECK(kinds[k] == c.bytes[k]);
	/* The filler is the RAM no virtual PT_LOAD covers; an ELF32 plan
	 * leaves out RAM above 4 GiB altogether. */
	if (o->layout == VMC_LAYOUT_GDB && plan->elf_class == ELFCLASS64)
		FUZZ_CHECK(c.bytes[VMC_COV_UNMAPPED] == plan->stats.filler_bytes);
	uint8_t samples[97];
	for (size_t i = 0; i < c.nranges && i < 8; i++) {
		vmc_coverage_samples(&c, i, sizeof(samples), samples);
		for (size_t k = 0; k < sizeof(samples); k++)
			FUZZ_CHECK(samples[k] < VMC_COV_NKINDS);
	}
	vmc_coverage_fini(&c);
}

static void one_plan(const struct vmc_dump *d, const struct vmc_plan_opts *o)
{
	struct vmc_plan plan;
	if (!fuzz_plan_build(d, o, &plan))
		return;
	check_coverage(d, o, &plan);
	if (plan.elf_class == ELFCLASS64)
		FUZZ_CHECK(plan.segs.n - plan.nnotes == plan.stats.virtual_segs +
						  plan.stats.filler_segs);
	struct vmc_report_opts ro = { .json = o->layout == VMC_LAYOUT_CRASH };
	fuzz_error_free(vmc_report_ptloads(fuzz_devnull(), d, plan.segs.v, plan.segs.n,
					   VMC_SORT_INDEX, &ro));
	vmc_plan_fini(&plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_source *core = fuzz_core_open(data, size, &ws);
	if (!core)
		return 0;
	const struct vmc_dump *d = vmc_source_dump(core);
	const struct vmc_root_request root = { .cpu = -1 };

	struct vmc_plan_opts gdb = { .layout = VMC_LAYOUT_GDB, .root = root };
	one_plan(d, &gdb);

	struct vmc_plan_opts kex = gdb;
	kex.kernel_only = kex.allow_empty = true;
	struct vmc_vrange *x = vmc_vrange_vec_push(&kex.exclude);
	FUZZ_CHECK(x != NULL);
	*x = (struct vmc_vrange){ UINT64_C(0xffff888000000000),
				  UINT64_C(0xffffc87fffffffff) };
	if (size >= 16) {
		uint64_t lo = fuzz_le64(data + size - 16, 8);
		uint64_t len = fuzz_le64(data + size - 8, 8);
		x = vmc_vrange_vec_push(&kex.exclude);
		FUZZ_CHECK(x != NULL);
		*x = (struct vmc_vrange){ lo, len > UINT64_MAX - lo ? UINT64_MAX
								   : lo + len };
	}
	one_plan(d, &kex);
	vmc_vrange_vec_free(&kex.exclude);

	struct vmc_plan_opts inplace = gdb;
	inplace.in_place = inplace.no_filler = inplace.allow_empty = true;
	one_plan(d, &inplace);

	struct vmc_plan_opts crash = gdb;
	crash.layout = VMC_LAYOUT_CRASH;
	crash.allow_empty = true;
	one_plan(d, &crash);

	vmc_source_close(core);
	return 0;
}
