/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * (e) Remap planning: vmc_plan_build() for both layouts, as `remap
 * --dry-run` runs it: the default gdb layout; gdb with --kernel-only and
 * two --exclude ranges (the x86_64 direct map, and one taken from the
 * input's last 16 bytes); gdb --in-place --no-filler; crash. All but the
 * first with --force-empty, so that inputs whose walk maps little still
 * reach layout and placement. Every plan is checked against the dump
 * model (common.c fuzz_check_plan) and listed as `--dry-run` lists it.
 */
#include "common.h"

#include <elf.h>
#include <string.h>

#include "../../src/report/report.h"

static FILE *devnull;

static void one_plan(const struct vmc_dump *d, const struct vmc_plan_opts *o)
{
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_plan plan;
	struct vmc_error *err = vmc_plan_build(d, o, &ws, &plan);
	if (err) {
		FUZZ_CHECK(err->code != VMC_ERR_NOT_FOUND);
		/* The plan is finished on error: nothing to free, and no
		 * leak if it was. */
		FUZZ_CHECK(plan.segs.v == NULL && plan.copies.v == NULL);
		fuzz_error_free(err);
		return;
	}
	fuzz_check_plan(d, o, &plan);
	if (plan.elf_class == ELFCLASS64)
		FUZZ_CHECK(plan.segs.n - 1 == plan.stats.virtual_segs +
						  plan.stats.filler_segs);
	struct vmc_report_opts ro = { .json = o->layout == VMC_LAYOUT_CRASH };
	fuzz_error_free(vmc_report_ptloads(devnull, d, plan.segs.v, plan.segs.n,
					   VMC_SORT_INDEX, &ro));
	vmc_plan_fini(&plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
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
