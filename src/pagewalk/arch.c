/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The architecture table, and the one walk set-up (a view) that maps, vtop,
 * read and remap share: choose the root, then translate through it or walk
 * it, with the budget that the dump's data allows.
 */
#include "pagewalk.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern const struct vmc_arch_ops vmc_x86_64_ops, vmc_i386_ops, vmc_aarch64_ops;

const struct vmc_arch_ops *vmc_arch_ops(enum vmc_arch arch)
{
	switch (arch) {
	case VMC_ARCH_X86_64: return &vmc_x86_64_ops;
	case VMC_ARCH_I386: return &vmc_i386_ops;
	case VMC_ARCH_AARCH64: return &vmc_aarch64_ops;
	default: return NULL;
	}
}

static struct vmc_error *no_walker(const struct vmc_dump *d)
{
	return vmc_error_new(VMC_ERR_UNSUPPORTED, "no page-table walker for "
			     "%s dumps", vmc_arch_name(d->arch));
}

struct vmc_error *vmc_choose_root(const struct vmc_dump *d,
				  const struct vmc_root_request *req,
				  struct vmc_root_choice *out)
{
	*out = (struct vmc_root_choice){ .cpu = -1 };
	const struct vmc_arch_ops *a = vmc_arch_ops(d->arch);
	return a ? a->choose_root(d, req, out) : no_walker(d);
}

void vmc_cpu_paging(const struct vmc_dump *d, const struct vmc_cpu_state *cpu,
		    struct vmc_paging_choice *out)
{
	const struct vmc_arch_ops *a = vmc_arch_ops(d->arch);
	if (a) {
		a->cpu_paging(d, cpu, out);
		return;
	}
	out->mode = VMC_PAGING_UNKNOWN;
	snprintf(out->reason, sizeof(out->reason), "no walker for %s",
		 vmc_arch_name(d->arch));
}

enum vmc_cpu_mode vmc_cpu_mode(const struct vmc_cpu_state *cpu)
{
	switch (cpu->layout) {
	case VMC_PRSTATUS_AARCH64:
		if (!(cpu->have & VMC_CPU_HAVE_PRSTATUS))
			return VMC_CPU_MODE_UNKNOWN;
		return (cpu->regs[31] >> 2 & 3) == 0 ? VMC_CPU_MODE_USER
						      : VMC_CPU_MODE_KERNEL;
	case VMC_PRSTATUS_X86_64:
	case VMC_PRSTATUS_I386:
		if (!(cpu->seg_have & (1u << VMC_SEG_CS)))
			return VMC_CPU_MODE_UNKNOWN;
		/* flags hold descriptor bits 8-23: DPL is 13-14. */
		return (cpu->seg[VMC_SEG_CS].flags >> 13 & 3) == 3
			       ? VMC_CPU_MODE_USER : VMC_CPU_MODE_KERNEL;
	default:
		return VMC_CPU_MODE_UNKNOWN;
	}
}

const char *vmc_cpu_mode_name(enum vmc_cpu_mode m)
{
	return m == VMC_CPU_MODE_USER ? "user"
	     : m == VMC_CPU_MODE_KERNEL ? "kernel" : NULL;
}

struct vmc_error *vmc_view_open(const struct vmc_dump *d,
				const struct vmc_root_request *req,
				struct vmc_view *v)
{
	*v = (struct vmc_view){ .dump = d, .arch = vmc_arch_ops(d->arch) };
	if (!v->arch)
		return no_walker(d);
	struct vmc_error *err = vmc_choose_root(d, req, &v->rc);
	if (err)
		return err;
	v->kernel_start = v->arch->kernel_start(&v->rc.pg[0]);
	v->budget = vmc_walk_budget(d->data_bytes);
	return NULL;
}

static const char no_ttbr0[] = "a lower-half (TTBR0) address, and TTBR0 is "
			       "unknown: pass --ttbr0";

void vmc_view_translate(const struct vmc_view *v, uint64_t vaddr,
			struct vmc_translation *out,
			const struct vmc_paging **form)
{
	const struct vmc_paging *pg = vmc_form_for(&v->rc, vaddr);
	if (pg) {
		vmc_translate(pg, &v->dump->pm, vaddr, out);
	} else {
		pg = &v->rc.pg[0];
		*out = (struct vmc_translation){ .vaddr = vaddr };
		snprintf(out->why, sizeof(out->why), "%s", no_ttbr0);
	}
	if (form)
		*form = pg;
}

struct vmc_error *vmc_view_read(const struct vmc_view *v, uint64_t vaddr,
				void *buf, size_t len)
{
	const struct vmc_paging *pg = vmc_form_for(&v->rc, vaddr);
	if (!pg) {
		struct vmc_error *err = vmc_error_new(VMC_ERR_NOT_FOUND, "0x%016"
						      PRIx64 " is %s", vaddr,
						      no_ttbr0);
		if (err != vmc_error_nomem())
			err->addr = vaddr;
		return err;
	}
	return vmc_read_virtual(pg, &v->dump->pm, vaddr, buf, len);
}

static void add_stats(struct vmc_walk_stats *sum, const struct vmc_walk_stats *s)
{
	sum->tables += s->tables;
	sum->table_reads += s->table_reads;
	sum->entries += s->entries;
	sum->leaves += s->leaves;
	sum->not_present += s->not_present;
	sum->reserved += s->reserved;
	sum->unreadable += s->unreadable;
	sum->over_shared += s->over_shared;
	sum->loops += s->loops;
	sum->duplicate_roots += s->duplicate_roots;
	sum->truncated |= s->truncated;
	if (s->max_visits > sum->max_visits)
		sum->max_visits = s->max_visits;
}

/* One walk of forms within [lo, hi], appending to runs. */
static struct vmc_error *walk_part(const struct vmc_view *v,
				   const struct vmc_paging *forms, size_t n,
				   uint64_t lo, uint64_t hi,
				   struct vmc_run_vec *runs,
				   struct vmc_view_stats *st,
				   struct vmc_warnings *ws)
{
	/* The budget is per walk; vmc_walk counts the runs vector's length. */
	struct vmc_walk_limits lim = { .max_runs = runs->n + v->budget,
				       .va_lo = lo, .va_hi = hi };
	struct vmc_walk_stats s;
	struct vmc_error *err = vmc_walk(forms, n, &v->dump->pm, &lim, runs, &s,
					 ws);
	add_stats(&st->walk, &s);
	return err;
}

struct vmc_error *vmc_view_walk(const struct vmc_view *v, bool every_root,
				enum vmc_half half, struct vmc_run_vec *runs,
				struct vmc_view_stats *st,
				struct vmc_warnings *ws)
{
	*st = (struct vmc_view_stats){0};
	uint64_t ks = v->kernel_start;
	bool want_k = half != VMC_HALF_USER, want_u = half != VMC_HALF_KERNEL;
	if (!every_root) {
		uint64_t lo = want_k && !want_u ? ks : 0;
		uint64_t hi = want_u && !want_k ? ks - 1 : UINT64_MAX;
		if (!want_k && ks == 0)
			return NULL;		/* no user half */
		st->roots = v->rc.npg;
		return walk_part(v, v->rc.pg, v->rc.npg, lo, hi, runs, st, ws);
	}
	struct vmc_error *err = NULL;
	const struct vmc_paging *user = v->arch->user_form(&v->rc);
	bool user_counted = false;
	if (want_k) {
		struct vmc_paging_vec forms = {0};
		err = v->arch->kernel_forms(v->dump, &v->rc, &forms);
		if (!err && forms.n)
			err = walk_part(v, forms.v, forms.n, ks, UINT64_MAX, runs,
					st, ws);
		st->roots += forms.n;
		for (size_t i = 0; user && i < forms.n; i++)
			user_counted |= forms.v[i].root == user->root &&
					forms.v[i].mode == user->mode &&
					forms.v[i].upper == user->upper;
		vmc_paging_vec_free(&forms);
	}
	if (!err && want_u && user && ks) {
		err = walk_part(v, user, 1, 0, ks - 1, runs, st, ws);
		st->roots += !user_counted;
	}
	return err;
}
