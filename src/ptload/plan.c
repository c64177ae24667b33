/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ptload plan: the output core as a value. Walk the page tables through
 * pagewalk's view (kernel half of every root, user half of one), clean the
 * runs, lay them out for gdb or for crash, and place them in the file.
 */
#include "ptload.h"

#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* An ELF32 p_paddr cannot hold 4 GiB and above: leave such segments out. */
static void drop_above_4g(struct vmc_plan *plan, struct vmc_warnings *ws)
{
	size_t out = plan->nnotes;
	for (size_t i = plan->nnotes; i < plan->segs.n; i++) {
		struct vmc_segment *s = &plan->segs.v[i];
		if (s->paddr + s->memsz - 1 > UINT32_MAX ||
		    s->vaddr + s->memsz - 1 > UINT32_MAX) {
			vmc_warn(ws, "physical 0x%" PRIx64 " (0x%" PRIx64 " bytes) "
				 "is above 4 GiB: an ELF32 core cannot describe "
				 "it; left out", s->paddr, s->memsz);
			/* The counts describe what is written. */
			if (s->kind == VMC_SEG_FILLER)
				plan->stats.filler_segs--;
			else
				plan->stats.virtual_segs--;
			plan->stats.above_4g_bytes += s->memsz;
			continue;
		}
		plan->segs.v[out++] = *s;
	}
	plan->segs.n = out;
}

static void kernel_hints(const struct vmc_view *v, struct vmc_kernel_hints *kh)
{
	*kh = (struct vmc_kernel_hints){ .kernel_start = v->kernel_start,
					 .image_base = v->arch->image_base };
	if (v->dump->vmcoreinfo)
		kh->have_stext = vmc_vmcoreinfo_symbol(v->dump->vmcoreinfo,
						       "_stext", &kh->stext);
}

/* A walk that maps (almost) nothing gives a core gdb can read nothing from:
 * say which root, what the walk saw, and what to try. */
static struct vmc_error *check_not_empty(const struct vmc_dump *d,
					 const struct vmc_view *v,
					 const struct vmc_plan *plan)
{
	const struct vmc_plan_stats *st = &plan->stats;
	if (st->mapped_ram_bytes > 0 && st->mapped_ram_bytes >= d->data_bytes / 100)
		return NULL;
	char h1[32], h2[32], h3[32];
	const char *try = d->arch == VMC_ARCH_AARCH64 ?
		"--ttbr1 PADDR, --granule and --va-bits" :
		"--cpu N, --cr3 PADDR or --swapper";
	return vmc_error_new(VMC_ERR_UNSUPPORTED, "the page tables map %s of "
			     "the %s of RAM (under 1%%): root %s; the walk read "
			     "%" PRIu64 " tables and found %" PRIu64 " mappings "
			     "(%s mapped outside the dump's RAM), skipped "
			     "%" PRIu64 " entries with reserved bits, %" PRIu64
			     " unreadable tables and %" PRIu64 " loops; try %s, "
			     "or --force-empty to write a core with the filler "
			     "only", vmc_human_size(st->mapped_ram_bytes, h1,
						     sizeof(h1)),
			     vmc_human_size(d->data_bytes, h2, sizeof(h2)),
			     v->rc.why, st->walk.tables, st->leaves,
			     vmc_human_size(st->not_ram_bytes, h3, sizeof(h3)),
			     st->walk.reserved, st->walk.unreadable,
			     st->walk.loops, try);
}

/* QEMU writes ELFCLASS32 for an i386 guest whose RAM ends at or below
 * 4 GiB, else ELFCLASS64 (target/i386/arch_dump.c cpu_get_dump_info). */
static uint8_t physical_class(const struct vmc_dump *d)
{
	const struct vmc_arch_ops *ops = vmc_arch_ops(d->arch);
	if (!ops || ops->out_class != ELFCLASS32)
		return ELFCLASS64;
	for (size_t i = 0; i < d->nram; i++)
		if (d->ram[i].avail &&
		    d->ram[i].paddr + d->ram[i].avail - 1 >= UINT32_MAX)
			return ELFCLASS64;
	return ELFCLASS32;
}

/* The laid-out segments numbered in order, then their file offsets. */
static struct vmc_error *number_and_place(const struct vmc_dump *d,
					  struct vmc_plan *plan)
{
	for (size_t i = 0; i < plan->segs.n; i++)
		plan->segs.v[i].index = (uint32_t)i;
	return vmc_place(d, plan);
}

/* The physical layout in elf_class: the RAM map as it is, no walk. */
static struct vmc_error *physical_in(const struct vmc_dump *d,
				     struct vmc_plan *plan, uint8_t elf_class)
{
	plan->elf_class = elf_class;
	snprintf(plan->root_why, sizeof(plan->root_why), "none (no walk)");
	struct vmc_error *err = vmc_layout_physical(d, plan);
	return err ? err : number_and_place(d, plan);
}

/* The physical layout, in QEMU's class unless that is too small for the
 * file. */
static struct vmc_error *plan_physical(const struct vmc_dump *d,
				       struct vmc_plan *plan)
{
	uint8_t elf_class = physical_class(d);
	struct vmc_error *err = physical_in(d, plan, elf_class);
	if (err && elf_class == ELFCLASS32) {
		vmc_error_free(err);
		const uint8_t *extra = plan->extra;
		uint64_t extra_len = plan->extra_len;
		vmc_plan_fini(plan);
		*plan = (struct vmc_plan){ .layout = VMC_LAYOUT_PHYSICAL,
					   .e_machine = d->e_machine,
					   .extra = extra, .extra_len = extra_len };
		err = physical_in(d, plan, ELFCLASS64);
	}
	if (err)
		vmc_plan_fini(plan);
	return err;
}

struct vmc_error *vmc_plan_build(const struct vmc_dump *d,
				 const struct vmc_plan_opts *opts,
				 struct vmc_warnings *ws, struct vmc_plan *plan)
{
	*plan = (struct vmc_plan){ .layout = opts->layout,
				   .in_place = opts->in_place,
				   .e_machine = d->e_machine };
	if (opts->in_place && opts->layout != VMC_LAYOUT_GDB)
		return vmc_error_new(VMC_ERR_USAGE, "--in-place writes the gdb "
				     "layout only: crash needs program headers at "
				     "offset 64, before the data");
	if (opts->extra_notes_len && opts->in_place)
		vmc_warn(ws, "--in-place keeps the notes where they are: the "
			 "%zu bytes of notes this output would add (VMCOREINFO "
			 "completed or found in RAM) are not written; write a new "
			 "core with -o to have them", opts->extra_notes_len);
	else if (opts->extra_notes_len) {
		plan->extra = opts->extra_notes;
		plan->extra_len = opts->extra_notes_len;
	}
	if (opts->layout == VMC_LAYOUT_PHYSICAL)
		return plan_physical(d, plan);
	struct vmc_view view;
	struct vmc_error *err = vmc_view_open(d, &opts->root, &view);
	if (err)
		return err;
	snprintf(plan->root_why, sizeof(plan->root_why), "%s", view.rc.why);
	/* In place, the data stays where it is: keep the input's class. */
	plan->elf_class = opts->in_place ? d->flat.elf_class
					 : view.arch->out_class;

	struct vmc_run_vec runs = {0};
	struct vmc_view_stats vs;
	err = vmc_view_walk(&view, true, opts->kernel_only ? VMC_HALF_KERNEL
							    : VMC_HALF_ALL,
			    &runs, &vs, ws);
	plan->stats.leaves = vs.walk.leaves;
	plan->stats.roots = vs.roots;
	plan->stats.walk = vs.walk;
	if (!err) {
		vmc_runs_merge(&runs, false);
		vmc_runs_resolve_overlaps(&runs, &plan->stats.conflict_bytes, ws);
		err = vmc_runs_exclude(&runs, &opts->exclude,
				       &plan->stats.excluded_bytes);
	}
	/* gdb lists every PT_LOAD when it opens a core: 65,536 espfix64
	 * aliases of a few pages make it slow, and say nothing the first
	 * alias does not. crash's layout keeps one segment per RAM piece
	 * anyway. */
	if (!err && opts->layout == VMC_LAYOUT_GDB && !opts->keep_aliases)
		err = vmc_runs_fold_aliases(&runs, VMC_ALIAS_FANOUT,
					    &plan->stats.alias_groups,
					    &plan->stats.alias_runs,
					    &plan->stats.alias_bytes);
	if (!err)
		err = vmc_layout_virtual(d, &runs, view.budget, plan, ws);
	vmc_run_vec_free(&runs);
	if (!err && !opts->allow_empty)
		err = check_not_empty(d, &view, plan);
	if (!err && opts->layout == VMC_LAYOUT_GDB) {
		err = vmc_layout_gdb(d, opts->no_filler, plan);
	} else if (!err) {
		struct vmc_kernel_hints kh;
		kernel_hints(&view, &kh);
		err = vmc_layout_crash(d, &kh, plan);
	}
	if (!err && plan->elf_class == ELFCLASS32)
		drop_above_4g(plan, ws);
	if (!err)
		err = number_and_place(d, plan);
	if (err)
		vmc_plan_fini(plan);
	return err;
}

void vmc_plan_fini(struct vmc_plan *plan)
{
	vmc_segment_vec_free(&plan->segs);
	vmc_plan_copy_vec_free(&plan->copies);
}
