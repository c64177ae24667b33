/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ptload plan: the output core as a value. Walk the page tables (kernel half
 * of every CPU's root, user half of one), merge, resolve conflicts, keep
 * what is RAM in the dump, and lay the result out for gdb or for crash
 * (DESIGN.md "Layouts", FORMATS.md §4, §5, §8).
 */
#include "ptload.h"

#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* x86_64 __START_KERNEL_map (arch/x86/include/asm/page_64_types.h). */
#define X86_START_KERNEL_MAP	UINT64_C(0xffffffff80000000)
/* Linux's default PAGE_OFFSET for i386 (CONFIG_VMSPLIT_3G). */
#define I386_PAGE_OFFSET	UINT64_C(0xc0000000)
#define OUT_ALIGN		4096

void vmc_machine_of(struct vmc_core *core, struct vmc_machine *m)
{
	*m = (struct vmc_machine){
		.arch = core->arch,
		.elf_long_mode = core->e_machine == EM_X86_64,
		.cpus = core->cpus.v,
		.ncpus = core->cpus.n,
		.vmcoreinfo = core->have_vmcoreinfo ? &core->vmcoreinfo : NULL,
	};
}

uint64_t vmc_kernel_start(const struct vmc_paging *pg)
{
	if (pg->sign_extend)
		return ~((UINT64_C(1) << (pg->va_bits - 1)) - 1);
	if (pg->mode == VMC_PAGING_AARCH64)
		return pg->upper ? ~((UINT64_C(1) << pg->va_bits) - 1) : UINT64_MAX;
	return I386_PAGE_OFFSET;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint32_t pflags(uint32_t run_flags)
{
	return PF_R | (run_flags & VMC_RUN_W ? PF_W : 0) |
	       (run_flags & VMC_RUN_X ? PF_X : 0);
}

/* ---- walking ---------------------------------------------------------------- */

/* Append src's runs to dst (src may be empty, with a NULL array). */
static struct vmc_error *append_runs(struct vmc_run_vec *dst,
				     const struct vmc_run_vec *src)
{
	if (!src->n)
		return NULL;
	if (vmc_run_vec_reserve(dst, dst->n + src->n))
		return vmc_error_nomem();
	memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	return NULL;
}

/* AArch64: the TTBR1 form is the kernel half, TTBR0 (when given) the user. */
static struct vmc_error *walk_arm64(struct vmc_core *core,
				   const struct vmc_plan_opts *opts,
				   struct vmc_warnings *ws, struct vmc_plan *plan,
				   const struct vmc_root_choice *rc,
				   struct vmc_run_vec *runs)
{
	struct vmc_physmem pm = vmc_core_physmem(core);
	uint64_t budget = vmc_walk_budget(vmc_core_ram_bytes(core));
	for (size_t i = 0; i < rc->npg; i++) {
		if (!rc->pg[i].upper && opts->kernel_only)
			continue;
		struct vmc_run_vec part = {0};
		struct vmc_walk_limits lim = { .max_runs = budget };
		struct vmc_walk_stats st;
		struct vmc_error *err = vmc_walk(&rc->pg[i], 1, &pm, &lim, &part,
						 &st, ws);
		if (!err)
			err = append_runs(runs, &part);
		if (!err) {
			plan->stats.leaves += st.leaves;
			plan->stats.roots++;
		}
		vmc_run_vec_free(&part);
		if (err)
			return err;
	}
	return NULL;
}

/* Walk what the output keeps; *kstart_out is where the kernel half starts. */
static struct vmc_error *walk_all(struct vmc_core *core,
				  const struct vmc_plan_opts *opts,
				  struct vmc_warnings *ws, struct vmc_plan *plan,
				  struct vmc_run_vec *runs, uint64_t *kstart_out)
{
	struct vmc_machine m;
	vmc_machine_of(core, &m);
	struct vmc_root_choice rc;
	struct vmc_error *err = vmc_choose_root(&m, &opts->root, &rc);
	if (err)
		return err;
	snprintf(plan->root_why, sizeof(plan->root_why), "%s", rc.why);
	*kstart_out = vmc_kernel_start(&rc.pg[0]);
	if (rc.pg[0].mode == VMC_PAGING_AARCH64)
		return walk_arm64(core, opts, ws, plan, &rc, runs);

	/* x86: the kernel half of every CPU's root (deduplicated in the
	 * walk), and of the chosen root; then the chosen root's user half. */
	struct vmc_paging *pgs;
	size_t n;
	if ((err = vmc_cpu_roots(&m, &pgs, &n)))
		return err;
	bool have = false;
	for (size_t i = 0; i < n; i++)
		have |= pgs[i].root == rc.pg[0].root && pgs[i].mode == rc.pg[0].mode;
	if (!have) {
		/* vmc_cpu_roots allocates one slot per CPU; make room. */
		struct vmc_paging *more = realloc(pgs, (n + 1) * sizeof(*pgs));
		if (!more) {
			free(pgs);
			return vmc_error_nomem();
		}
		pgs = more;
		memmove(pgs + 1, pgs, n * sizeof(*pgs));
		pgs[0] = rc.pg[0];
		n++;
	}
	/* Last, the kernel's own swapper_pg_dir: with KPTI a CPU caught in
	 * user mode has the user PGD in CR3, whose kernel half is nearly
	 * empty. Entries equal to the CPUs' are skipped by the walk. */
	struct vmc_root_request sw = { .cpu = -1, .swapper = true };
	struct vmc_root_choice swc;
	struct vmc_error *swerr = vmc_choose_root(&m, &sw, &swc);
	if (!swerr && swc.pg[0].mode == rc.pg[0].mode) {
		struct vmc_paging *more = realloc(pgs, (n + 1) * sizeof(*pgs));
		if (!more) {
			free(pgs);
			return vmc_error_nomem();
		}
		pgs = more;
		pgs[n++] = swc.pg[0];
	}
	vmc_error_free(swerr);
	plan->stats.roots = n;
	struct vmc_physmem pm = vmc_core_physmem(core);
	uint64_t kstart = vmc_kernel_start(&rc.pg[0]);
	uint64_t budget = vmc_walk_budget(vmc_core_ram_bytes(core));
	struct vmc_walk_limits lim = { .max_runs = budget, .va_lo = kstart,
				       .va_hi = UINT64_MAX };
	struct vmc_walk_stats st;
	err = vmc_walk(pgs, n, &pm, &lim, runs, &st, ws);
	free(pgs);
	if (err)
		return err;
	plan->stats.leaves = st.leaves;
	if (!opts->kernel_only && kstart) {
		struct vmc_run_vec user = {0};
		lim = (struct vmc_walk_limits){ .max_runs = budget, .va_lo = 0,
						.va_hi = kstart - 1 };
		err = vmc_walk(&rc.pg[0], 1, &pm, &lim, &user, &st, ws);
		if (!err)
			err = append_runs(runs, &user);
		if (!err)
			plan->stats.leaves += st.leaves;
		vmc_run_vec_free(&user);
	}
	return err;
}

/* Sorted, merged runs that never overlap in VA; the first mapping of an
 * address wins (the kernel half was walked first), the rest is counted. */
static void resolve_overlaps(struct vmc_run_vec *runs, struct vmc_plan *plan,
			     struct vmc_warnings *ws)
{
	size_t out = 0;
	uint64_t end = 0;	/* exclusive end of what is kept; 0: none yet */
	bool any = false;
	for (size_t i = 0; i < runs->n; i++) {
		struct vmc_run r = runs->v[i];
		if (any && r.vaddr < end) {
			uint64_t cut = end - r.vaddr;
			if (cut >= r.size || end == 0) {
				plan->stats.conflict_bytes += r.size;
				continue;
			}
			if (plan->stats.conflict_bytes == 0)
				vmc_warn(ws, "virtual 0x%016" PRIx64 " is mapped twice "
					 "to different physical pages (different "
					 "roots?); keeping the first mapping", r.vaddr);
			plan->stats.conflict_bytes += cut;
			r.vaddr += cut;
			r.paddr += cut;
			r.size -= cut;
		}
		runs->v[out++] = r;
		end = r.vaddr + r.size;
		any = true;
	}
	runs->n = out;
}

/* Remove the --exclude ranges. */
static struct vmc_error *exclude(struct vmc_run_vec *runs,
				 const struct vmc_vrange_vec *ex,
				 struct vmc_plan *plan)
{
	for (size_t e = 0; e < ex->n; e++) {
		struct vmc_run_vec out = {0};
		for (size_t i = 0; i < runs->n; i++) {
			struct vmc_run r = runs->v[i];
			uint64_t last = r.vaddr + r.size - 1;
			if (last < ex->v[e].lo || r.vaddr > ex->v[e].hi) {
				struct vmc_run *slot = vmc_run_vec_push(&out);
				if (!slot)
					goto nomem;
				*slot = r;
				continue;
			}
			uint64_t lo = r.vaddr > ex->v[e].lo ? r.vaddr : ex->v[e].lo;
			uint64_t hi = last < ex->v[e].hi ? last : ex->v[e].hi;
			plan->stats.excluded_bytes += hi - lo + 1;
			if (r.vaddr < lo) {
				struct vmc_run *slot = vmc_run_vec_push(&out);
				if (!slot)
					goto nomem;
				*slot = r;
				slot->size = lo - r.vaddr;
			}
			if (hi < last) {
				struct vmc_run *slot = vmc_run_vec_push(&out);
				if (!slot)
					goto nomem;
				*slot = r;
				slot->vaddr = hi + 1;
				slot->paddr = r.paddr + (hi + 1 - r.vaddr);
				slot->size = last - hi;
			}
			continue;
nomem:
			vmc_run_vec_free(&out);
			return vmc_error_nomem();
		}
		vmc_run_vec_free(runs);
		*runs = out;
	}
	return NULL;
}

/* ---- segments ------------------------------------------------------------------ */

static struct vmc_segment *add_seg(struct vmc_plan *plan, uint32_t type,
				   uint64_t vaddr, uint64_t paddr, uint64_t size,
				   uint32_t flags, enum vmc_seg_kind kind)
{
	struct vmc_segment *s = vmc_segment_vec_push(&plan->segs);
	if (!s)
		return NULL;
	*s = (struct vmc_segment){
		.index = (uint32_t)(plan->segs.n - 1), .type = type,
		.flags = flags, .vaddr = vaddr, .paddr = paddr, .filesz = size,
		.memsz = size, .avail = size, .kind = kind,
	};
	return s;
}

/* The part of [paddr, paddr+size) that is RAM with data in the dump,
 * starting at paddr: its length (0 when paddr is not RAM) and the range. */
static uint64_t ram_prefix(struct vmc_core *core, uint64_t paddr, uint64_t size,
			   const struct vmc_ram_range **range)
{
	const struct vmc_ram_range *r = vmc_core_ram_find(core, paddr);
	*range = r;
	if (!r || paddr - r->paddr >= r->avail)
		return 0;
	uint64_t left = r->avail - (paddr - r->paddr);
	return left < size ? left : size;
}

/* How far from paddr (at most size) is not RAM with data. */
static uint64_t non_ram_prefix(struct vmc_core *core, uint64_t paddr,
			       uint64_t size)
{
	uint64_t next = paddr + size;
	for (size_t i = 0; i < core->ram.n; i++) {
		const struct vmc_ram_range *r = &core->ram.v[i];
		if (r->paddr > paddr && r->paddr < next && r->avail)
			next = r->paddr;
	}
	return next - paddr;
}

/* Virtual segments for the runs, split where RAM ranges end; mappings of
 * what is not RAM in the dump (device memory) are left out and counted. */
static struct vmc_error *virtual_segments(struct vmc_core *core,
					  const struct vmc_run_vec *runs,
					  struct vmc_plan *plan)
{
	for (size_t i = 0; i < runs->n; i++) {
		uint64_t va = runs->v[i].vaddr, pa = runs->v[i].paddr;
		uint64_t left = runs->v[i].size;
		while (left) {
			const struct vmc_ram_range *r;
			uint64_t n = ram_prefix(core, pa, left, &r);
			if (n) {
				if (!add_seg(plan, PT_LOAD, va, pa, n,
					     pflags(runs->v[i].flags),
					     VMC_SEG_VIRTUAL))
					return vmc_error_nomem();
				plan->stats.virtual_segs++;
			} else {
				n = non_ram_prefix(core, pa, left);
				plan->stats.not_ram_bytes += n;
			}
			va += n;
			pa += n;
			left -= n;
		}
	}
	return NULL;
}

struct pinterval {
	uint64_t lo, hi;	/* [lo, hi) */
};

static int cmp_pinterval(const void *a, const void *b)
{
	const struct pinterval *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The physical ranges the segments [from, to) cover, sorted and merged;
 * with want_delta, only segments with vaddr - paddr == delta. */
static struct pinterval *covered(const struct vmc_plan *plan, size_t from,
				 size_t to, bool want_delta, uint64_t delta,
				 size_t *n)
{
	struct pinterval *iv = malloc((to - from + 1) * sizeof(*iv));
	if (!iv)
		return NULL;
	*n = 0;
	for (size_t i = from; i < to; i++) {
		const struct vmc_segment *s = &plan->segs.v[i];
		if (want_delta && s->vaddr - s->paddr != delta)
			continue;
		iv[(*n)++] = (struct pinterval){ s->paddr, s->paddr + s->memsz };
	}
	qsort(iv, *n, sizeof(*iv), cmp_pinterval);
	size_t out = 0;
	for (size_t i = 0; i < *n; i++) {
		if (out && iv[i].lo <= iv[out - 1].hi) {
			if (iv[i].hi > iv[out - 1].hi)
				iv[out - 1].hi = iv[i].hi;
		} else {
			iv[out++] = iv[i];
		}
	}
	*n = out;
	return iv;
}

/*
 * Cut every RAM range (with data) into pieces by cov: covered pieces get
 * vaddr = paddr + delta (with_delta) and uncovered ones vaddr 0 — or, for
 * gdb's filler, only uncovered pieces are emitted.
 */
static struct vmc_error *ram_pieces(struct vmc_core *core, struct vmc_plan *plan,
				    const struct pinterval *cov, size_t ncov,
				    bool emit_covered, uint64_t delta,
				    uint32_t flags)
{
	size_t c = 0;
	for (size_t i = 0; i < core->ram.n; i++) {
		uint64_t p = core->ram.v[i].paddr;
		uint64_t end = p + core->ram.v[i].avail;
		while (p < end) {
			while (c < ncov && cov[c].hi <= p)
				c++;
			bool in = c < ncov && cov[c].lo <= p;
			uint64_t stop = in ? cov[c].hi : c < ncov ? cov[c].lo : end;
			if (stop > end)
				stop = end;
			if (in && emit_covered) {
				if (!add_seg(plan, PT_LOAD, p + delta, p, stop - p,
					     flags, VMC_SEG_VIRTUAL))
					return vmc_error_nomem();
			} else if (!in) {
				if (!add_seg(plan, PT_LOAD, 0, p, stop - p, flags,
					     VMC_SEG_FILLER))
					return vmc_error_nomem();
				plan->stats.filler_segs++;
				plan->stats.filler_bytes += stop - p;
			}
			p = stop;
		}
	}
	return NULL;
}

struct delta_bytes {
	uint64_t delta, bytes;
};

static int cmp_delta(const void *a, const void *b)
{
	const struct delta_bytes *x = a, *y = b;
	return x->delta < y->delta ? -1 : x->delta > y->delta;
}

/* The VA - PA delta that maps the most bytes of the kernel half among
 * segments [from, to): the linear (direct) map. */
static bool linear_delta(const struct vmc_plan *plan, size_t from, size_t to,
			 uint64_t kstart, uint64_t *delta)
{
	struct delta_bytes *d = malloc((to - from + 1) * sizeof(*d));
	if (!d)
		return false;
	size_t k = 0;
	for (size_t i = from; i < to; i++) {
		const struct vmc_segment *s = &plan->segs.v[i];
		if (s->vaddr >= kstart)
			d[k++] = (struct delta_bytes){ s->vaddr - s->paddr, s->memsz };
	}
	qsort(d, k, sizeof(*d), cmp_delta);
	uint64_t best_bytes = 0;
	for (size_t i = 0; i < k;) {
		size_t j = i;
		uint64_t bytes = 0;
		while (j < k && d[j].delta == d[i].delta)
			bytes += d[j++].bytes;
		if (bytes > best_bytes) {
			best_bytes = bytes;
			*delta = d[i].delta;
		}
		i = j;
	}
	free(d);
	return best_bytes > 0;
}

/* crash finds phys_base from the first PT_LOAD in the x86_64 kernel image
 * mapping (FORMATS.md §4); gdb reads the image's variables through it on
 * every architecture. The maximal run, contiguous in VA and PA, that holds
 * VMCOREINFO's _stext; on x86_64 without it, the lowest address of the
 * __START_KERNEL_map mapping. */
static bool kernel_image(struct vmc_core *core, const struct vmc_plan *plan,
			 size_t from, size_t to, uint64_t *va, uint64_t *pa,
			 uint64_t *size)
{
	uint64_t stext = 0;
	bool have_stext = core->have_vmcoreinfo &&
		vmc_vmcoreinfo_symbol(&core->vmcoreinfo, "_stext", &stext);
	bool x86 = core->arch == VMC_ARCH_X86_64;
	if (!have_stext && !x86)
		return false;
	size_t pick = to;
	for (size_t i = from; i < to; i++) {
		const struct vmc_segment *s = &plan->segs.v[i];
		if (have_stext) {
			if (stext >= s->vaddr && stext - s->vaddr < s->memsz) {
				pick = i;
				break;
			}
		} else if (s->vaddr >= X86_START_KERNEL_MAP) {
			pick = i;	/* the lowest: segments are VA-sorted */
			break;
		}
	}
	if (pick == to)
		return false;
	/* Extend over neighbours at the same VA - PA offset: arm64 maps the
	 * image's sections with gaps between them (alignment, and .init,
	 * freed after boot: 6.3M on Debian's 6.1), all RAM. Like kexec's
	 * kernel-text segment, ours spans the gaps. */
	const uint64_t max_gap = UINT64_C(64) << 20;
	const struct vmc_segment *sv = plan->segs.v;
	uint64_t delta = sv[pick].vaddr - sv[pick].paddr;
	size_t lo = pick, hi = pick;
	while (lo > from) {
		const struct vmc_segment *a = &sv[lo - 1], *b = &sv[lo];
		if (a->vaddr - a->paddr != delta || a->vaddr + a->memsz > b->vaddr ||
		    b->vaddr - (a->vaddr + a->memsz) > max_gap ||
		    (x86 && a->vaddr < X86_START_KERNEL_MAP))
			break;
		lo--;
	}
	while (hi + 1 < to) {
		const struct vmc_segment *a = &sv[hi], *b = &sv[hi + 1];
		if (b->vaddr - b->paddr != delta || a->vaddr + a->memsz > b->vaddr ||
		    b->vaddr - (a->vaddr + a->memsz) > max_gap)
			break;
		hi++;
	}
	*va = sv[lo].vaddr;
	*pa = sv[lo].paddr;
	*size = sv[hi].vaddr + sv[hi].memsz - *va;
	/* The segment must lie in one RAM range with data (its bytes are one
	 * slice of the output); else fall back to the run holding _stext. */
	const struct vmc_ram_range *r = vmc_core_ram_find(core, *pa);
	if (!r || *pa - r->paddr + *size > r->avail) {
		*va = sv[pick].vaddr;
		*pa = sv[pick].paddr;
		*size = sv[pick].memsz;
	}
	return true;
}

/* gdb: the virtual segments, sorted by VA, then the filler. */
static struct vmc_error *layout_gdb(struct vmc_core *core,
				    const struct vmc_plan_opts *opts,
				    struct vmc_plan *plan)
{
	if (opts->no_filler)
		return NULL;
	size_t n;
	struct pinterval *cov = covered(plan, 1, plan->segs.n, false, 0, &n);
	if (!cov)
		return vmc_error_nomem();
	struct vmc_error *err = ram_pieces(core, plan, cov, n, false, 0,
					   PF_R | PF_W | PF_X);
	free(cov);
	return err;
}

/* crash: the kernel image first, then one segment per RAM piece, at its
 * linear-map address where the page tables map it linearly, else at 0. */
static struct vmc_error *layout_crash(struct vmc_core *core,
				      struct vmc_plan *plan, uint64_t kstart)
{
	/* The virtual segments are scaffolding: rebuild the list from them. */
	struct vmc_segment_vec virt = plan->segs;
	plan->segs = (struct vmc_segment_vec){0};
	plan->stats.virtual_segs = 0;
	struct vmc_error *err = NULL;
	struct pinterval *cov = NULL;
	if (!add_seg(plan, PT_NOTE, 0, 0, 0, 0, VMC_SEG_VIRTUAL)) {
		err = vmc_error_nomem();
		goto out;
	}
	uint64_t va, pa, size;
	if (kernel_image(core, &(struct vmc_plan){ .segs = virt }, 1, virt.n,
			 &va, &pa, &size)) {
		if (!add_seg(plan, PT_LOAD, va, pa, size, PF_R | PF_W | PF_X,
			     VMC_SEG_VIRTUAL)) {
			err = vmc_error_nomem();
			goto out;
		}
		plan->stats.virtual_segs++;
	}
	uint64_t delta = 0;
	size_t n = 0;
	bool linear = linear_delta(&(struct vmc_plan){ .segs = virt }, 1, virt.n,
				   kstart, &delta);
	cov = linear ? covered(&(struct vmc_plan){ .segs = virt }, 1, virt.n,
			       true, delta, &n)
		     : calloc(1, sizeof(*cov));
	if (!cov) {
		err = vmc_error_nomem();
		goto out;
	}
	size_t before = plan->segs.n;
	err = ram_pieces(core, plan, cov, n, true, delta, PF_R | PF_W | PF_X);
	for (size_t i = before; i < plan->segs.n; i++)
		if (plan->segs.v[i].kind == VMC_SEG_VIRTUAL)
			plan->stats.virtual_segs++;
out:
	free(cov);
	vmc_segment_vec_free(&virt);
	return err;
}

/* ---- file offsets ------------------------------------------------------------------- */

static uint64_t notes_size(const struct vmc_core *core, uint64_t *src, int *count)
{
	uint64_t total = 0;
	*count = 0;
	for (size_t i = 0; i < core->segs.n; i++) {
		const struct vmc_segment *s = &core->segs.v[i];
		if (s->type != PT_NOTE || s->kind == VMC_SEG_ABSENT)
			continue;
		if ((*count)++ == 0)
			*src = s->offset;
		total += s->avail;
	}
	return total;
}

static struct vmc_error *place(struct vmc_core *core, struct vmc_plan *plan)
{
	size_t phent = plan->elf_class == ELFCLASS64 ? sizeof(Elf64_Phdr)
						      : sizeof(Elf32_Phdr);
	size_t shent = plan->elf_class == ELFCLASS64 ? sizeof(Elf64_Shdr)
						      : sizeof(Elf32_Shdr);
	uint64_t nph = plan->segs.n;
	if (nph >= PN_XNUM && plan->elf_class != ELFCLASS64)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "%" PRIu64 " program "
				     "headers need PN_XNUM, which crash reads in "
				     "ELF64 only; use --kernel-only or --exclude",
				     nph);
	int nnotes;
	uint64_t nsrc = 0;
	plan->notes_size = notes_size(core, &nsrc, &nnotes);
	plan->notes_src = nsrc;

	if (plan->in_place) {
		if (nnotes > 1)
			return vmc_error_new(VMC_ERR_UNSUPPORTED, "--in-place keeps "
					     "the notes where they are, and this "
					     "core has %d PT_NOTEs", nnotes);
		plan->notes_off = nsrc;
		plan->phoff = align_up(core->file_size, 8);
		plan->shoff = nph >= PN_XNUM ? plan->phoff + nph * phent : 0;
		plan->file_size = plan->phoff + nph * phent +
				  (plan->shoff ? shent : 0);
	} else {
		plan->phoff = plan->elf_class == ELFCLASS64 ? sizeof(Elf64_Ehdr)
							    : sizeof(Elf32_Ehdr);
		uint64_t pos = plan->phoff + nph * phent;
		if (nph >= PN_XNUM) {
			plan->shoff = pos;
			pos += shent;
		}
		plan->notes_off = align_up(pos, 4);
		pos = plan->notes_off + plan->notes_size;
		/* Each RAM range once, at an offset congruent to its input
		 * offset modulo the page size, so filesystems can share
		 * blocks (reflink) when copy_file_range allows it. */
		for (size_t i = 0; i < core->ram.n; i++) {
			const struct vmc_ram_range *r = &core->ram.v[i];
			if (!r->avail)
				continue;
			/* The next offset congruent to the input's: no gap at
			 * all when ranges follow each other in the input. */
			uint64_t dst = pos + ((r->foff - pos) & (OUT_ALIGN - 1));
			struct vmc_plan_copy *c = vmc_plan_copy_vec_push(&plan->copies);
			if (!c)
				return vmc_error_nomem();
			*c = (struct vmc_plan_copy){ r->foff, dst, r->avail };
			pos = dst + r->avail;
		}
		plan->file_size = pos;
	}

	/* Point every segment at its bytes. */
	struct vmc_segment *note = &plan->segs.v[0];
	note->offset = plan->notes_off;
	note->filesz = note->memsz = note->avail = plan->notes_size;
	for (size_t i = 1; i < plan->segs.n; i++) {
		struct vmc_segment *s = &plan->segs.v[i];
		const struct vmc_ram_range *r = vmc_core_ram_find(core, s->paddr);
		if (!r)
			return vmc_error_new(VMC_ERR_FORMAT, "internal: segment at "
					     "physical 0x%" PRIx64 " has no RAM",
					     s->paddr);
		uint64_t base = r->foff;
		if (!plan->in_place) {
			size_t k = 0;
			while (plan->copies.v[k].src != r->foff)
				k++;
			base = plan->copies.v[k].dst;
		}
		s->offset = base + (s->paddr - r->paddr);
	}
	if (plan->elf_class == ELFCLASS32 && plan->file_size > UINT32_MAX)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "the output would be "
				     "0x%" PRIx64 " bytes, more than an ELF32 core "
				     "can address", plan->file_size);
	return NULL;
}

struct vmc_error *vmc_plan_build(struct vmc_core *core,
				 const struct vmc_plan_opts *opts,
				 struct vmc_warnings *ws, struct vmc_plan *plan)
{
	*plan = (struct vmc_plan){ .layout = opts->layout,
				   .in_place = opts->in_place,
				   .e_machine = core->e_machine };
	/* gdb has no ELF64 i386 target (BFD), so i386 output is ELF32. */
	plan->elf_class = core->arch == VMC_ARCH_I386 ? ELFCLASS32 : ELFCLASS64;
	/* In place, the data stays where it is: keep the input's class. */
	if (opts->in_place)
		plan->elf_class = core->elf_class;
	if (opts->in_place && opts->layout != VMC_LAYOUT_GDB)
		return vmc_error_new(VMC_ERR_USAGE, "--in-place writes the gdb "
				     "layout only: crash needs program headers at "
				     "offset 64, before the data");

	struct vmc_run_vec runs = {0};
	uint64_t kstart = 0;
	struct vmc_error *err = walk_all(core, opts, ws, plan, &runs, &kstart);
	if (!err) {
		vmc_runs_merge(&runs, false);
		resolve_overlaps(&runs, plan, ws);
		err = exclude(&runs, &opts->exclude, plan);
	}
	if (!err && !add_seg(plan, PT_NOTE, 0, 0, 0, 0, VMC_SEG_VIRTUAL))
		err = vmc_error_nomem();
	if (!err)
		err = virtual_segments(core, &runs, plan);
	vmc_run_vec_free(&runs);
	if (!err && opts->layout == VMC_LAYOUT_GDB)
		err = layout_gdb(core, opts, plan);
	else if (!err)
		err = layout_crash(core, plan, kstart);
	if (!err && plan->elf_class == ELFCLASS32) {
		/* An ELF32 p_paddr cannot hold 4 GiB and above. */
		size_t out = 1;
		for (size_t i = 1; i < plan->segs.n; i++) {
			struct vmc_segment *s = &plan->segs.v[i];
			if (s->paddr + s->memsz - 1 > UINT32_MAX ||
			    s->vaddr + s->memsz - 1 > UINT32_MAX) {
				vmc_warn(ws, "physical 0x%" PRIx64 " (0x%" PRIx64
					 " bytes) is above 4 GiB: an ELF32 core "
					 "cannot describe it; left out",
					 s->paddr, s->memsz);
				continue;
			}
			plan->segs.v[out++] = *s;
		}
		plan->segs.n = out;
	}
	for (size_t i = 0; !err && i < plan->segs.n; i++)
		plan->segs.v[i].index = (uint32_t)i;
	if (!err)
		err = place(core, plan);
	if (err)
		vmc_plan_fini(plan);
	return err;
}

void vmc_plan_fini(struct vmc_plan *plan)
{
	vmc_segment_vec_free(&plan->segs);
	vmc_plan_copy_vec_free(&plan->copies);
}
