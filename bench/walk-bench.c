/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * walk-bench: vmcore-tool's page-table walker against libkdumpfile's
 * libaddrxlat, on real QEMU ELF dumps, in one process and one run.
 *
 * Per core:
 *   0. baseline: `cat CORE > /dev/null`, run twice, the second (warm) timed;
 *   1. enumerate every leaf of the kernel's swapper_pg_dir, best of R runs:
 *      vmc_walk() versus an entry-by-entry walk driven by addrxlat_step();
 *      the two leaf lists are then compared entry by entry;
 *   2. translate N addresses picked at random (fixed seed) from the kernel
 *      leaves found in 1, best of R runs: vmc_translate() versus
 *      addrxlat_walk() with the kernel page-table method (METH_PGT), and
 *      versus addrxlat_op() through libkdumpfile's KV->phys map (the path
 *      kdump_read() takes, which uses linear shortcuts where it can); every
 *      physical address is cross-checked.
 *
 * Nothing is asserted on time. Exit status: 0 all agree, 1 a disagreement
 * (translations or leaf lists), 2 something failed to run, 64 usage.
 *
 * Built by bench/run.sh (see bench/README.md).
 */
#include "elfcore/elfcore.h"
#include "open/open.h"
#include "pagewalk/pagewalk.h"
#include "report/report.h"

#include <libkdumpfile/addrxlat.h>
#include <libkdumpfile/kdumpfile.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_EXAMPLES 8

static unsigned opt_reps = 5;
static unsigned long opt_count = 1000000;
static uint64_t opt_seed = 0x5eed2026;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* splitmix64: small, fast, and the same sequence everywhere. */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void warn_emit(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "walk-bench: warning: %s\n", msg);
}

/* ---- baseline: cat CORE > /dev/null ------------------------------------------ */

static int run_cat(const char *path, double *secs)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	char *argv[] = { "cat", "--", (char *)path, NULL };
	pid_t pid;
	double t0 = now();
	int rc = posix_spawnp(&pid, "cat", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		fprintf(stderr, "walk-bench: cannot run cat: %s\n", strerror(rc));
		return -1;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	*secs = now() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "walk-bench: cat %s failed\n", path);
		return -1;
	}
	return 0;
}

/* ---- leaves, as both sides report them ---------------------------------------- */

struct leaf {
	uint64_t va, pa, size;
};

VMC_VEC(leaf_vec, struct leaf)

static int leaf_cmp(const void *a, const void *b)
{
	const struct leaf *x = a, *y = b;
	return x->va < y->va ? -1 : x->va > y->va;
}

/* ---- libkdumpfile side ---------------------------------------------------------- */

struct kd {
	int fd;
	kdump_ctx_t *k;
	addrxlat_ctx_t *ax;
	addrxlat_sys_t *sys;
	const addrxlat_meth_t *pgt;	/* ADDRXLAT_SYS_METH_PGT */
	unsigned nfields;		/* incl. the page-offset field */
	unsigned shift[ADDRXLAT_FIELDS_MAX + 1];	/* VA bit of field i */
	unsigned va_bits;		/* sum of the fields */
};

static int kd_open(const char *path, struct kd *kd)
{
	memset(kd, 0, sizeof(*kd));
	kd->fd = open(path, O_RDONLY);
	if (kd->fd < 0) {
		fprintf(stderr, "walk-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	kd->k = kdump_new();
	if (!kd->k) {
		fprintf(stderr, "walk-bench: kdump_new failed\n");
		return -1;
	}
	kdump_status ks = kdump_open_fd(kd->k, kd->fd);
	if (ks != KDUMP_OK)
		goto kerr;
	/* Without an OS type libkdumpfile sets up no page-table method. */
	ks = kdump_set_string_attr(kd->k, KDUMP_ATTR_OSTYPE, "linux");
	if (ks != KDUMP_OK)
		goto kerr;
	ks = kdump_get_addrxlat(kd->k, &kd->ax, &kd->sys);
	if (ks != KDUMP_OK)
		goto kerr;
	kd->pgt = addrxlat_sys_get_meth(kd->sys, ADDRXLAT_SYS_METH_PGT);
	if (!kd->pgt || kd->pgt->kind != ADDRXLAT_PGT) {
		fprintf(stderr, "walk-bench: %s: libkdumpfile set up no "
			"kernel page-table method\n", path);
		return -1;
	}
	const addrxlat_paging_form_t *pf = &kd->pgt->param.pgt.pf;
	if (pf->nfields < 2 || pf->nfields > ADDRXLAT_FIELDS_MAX) {
		fprintf(stderr, "walk-bench: %s: odd paging form (%u fields)\n",
			path, pf->nfields);
		return -1;
	}
	kd->nfields = pf->nfields;
	unsigned s = 0;
	for (unsigned i = 0; i < pf->nfields; i++) {
		kd->shift[i] = s;
		s += pf->fieldsz[i];
	}
	kd->shift[pf->nfields] = s;
	kd->va_bits = s;
	return 0;
kerr:
	fprintf(stderr, "walk-bench: %s: libkdumpfile: %s\n", path,
		kdump_get_err(kd->k));
	return -1;
}

static void kd_close(struct kd *kd)
{
	if (kd->sys)
		addrxlat_sys_decref(kd->sys);
	if (kd->ax)
		addrxlat_ctx_decref(kd->ax);
	if (kd->k)
		kdump_free(kd->k);
	if (kd->fd >= 0)
		close(kd->fd);
}

static uint64_t canonical(unsigned va_bits, uint64_t va)
{
	if (va_bits < 64 && (va >> (va_bits - 1)) & 1)
		va |= ~(uint64_t)0 << va_bits;
	return va;
}

struct kd_walk {
	struct kd *kd;
	struct leaf_vec *leaves;
	uint64_t entries, errors;
	char first_error[256];
	bool nomem;
};

/*
 * Walk one table entry by entry. parent is a step state with remain >= 2:
 * its next addrxlat_step() reads entry idx[remain - 1] of the table at
 * parent->base. We copy the state, set that index, step, and descend into
 * what is present — libaddrxlat has no enumeration call of its own.
 */
static void kd_table(struct kd_walk *w, const addrxlat_step_t *parent,
		     uint64_t va_prefix)
{
	struct kd *kd = w->kd;
	unsigned f = parent->remain - 1;	/* field indexing this table */
	uint64_t n = (uint64_t)1 << kd->pgt->param.pgt.pf.fieldsz[f];
	for (uint64_t i = 0; i < n && !w->nomem; i++) {
		addrxlat_step_t s = *parent;
		s.idx[f] = i;
		for (unsigned j = 0; j < f; j++)
			s.idx[j] = 0;
		w->entries++;
		addrxlat_status st = addrxlat_step(&s);
		if (st == ADDRXLAT_ERR_NOTPRESENT)
			continue;
		uint64_t va = va_prefix | i << kd->shift[f];
		if (st != ADDRXLAT_OK) {
			if (!w->errors++)
				snprintf(w->first_error, sizeof(w->first_error),
					 "va 0x%016" PRIx64 ": %s",
					 canonical(kd->va_bits, va),
					 addrxlat_ctx_get_err(kd->ax));
			continue;
		}
		if (s.remain > 1) {
			kd_table(w, &s, va);
			continue;
		}
		/* A leaf: remain is 1 after the last table or after a huge
		 * page (the library folds the lower indices into idx[0]). One
		 * more step adds the page offset (0) and ends the walk. */
		st = addrxlat_step(&s);
		if (st != ADDRXLAT_OK || s.remain) {
			if (!w->errors++)
				snprintf(w->first_error, sizeof(w->first_error),
					 "va 0x%016" PRIx64 ": last step: %s",
					 canonical(kd->va_bits, va),
					 addrxlat_ctx_get_err(kd->ax));
			continue;
		}
		struct leaf *l = leaf_vec_push(w->leaves);
		if (!l) {
			w->nomem = true;
			return;
		}
		l->va = canonical(kd->va_bits, va);
		l->pa = s.base.addr;
		l->size = (uint64_t)1 << kd->shift[f];
	}
}

static int kd_enumerate(struct kd *kd, struct kd_walk *w)
{
	addrxlat_step_t s = {
		.ctx = kd->ax,
		.sys = kd->sys,
		.meth = kd->pgt,
	};
	addrxlat_status st = addrxlat_launch(&s, 0);
	if (st != ADDRXLAT_OK) {
		fprintf(stderr, "walk-bench: addrxlat_launch: %s\n",
			addrxlat_ctx_get_err(kd->ax));
		return -1;
	}
	if (s.remain != kd->nfields) {
		fprintf(stderr, "walk-bench: addrxlat_launch left %u steps, "
			"expected %u\n", s.remain, kd->nfields);
		return -1;
	}
	kd_table(w, &s, 0);
	if (w->nomem) {
		fprintf(stderr, "walk-bench: out of memory\n");
		return -1;
	}
	return 0;
}

/*
 * Pure page-table walk with the kernel page-table method. addrxlat_walk()
 * launches by itself from the address in step->base: calling
 * addrxlat_launch() first would make it translate the root table's address.
 */
static addrxlat_status kd_vtop_pgt(struct kd *kd, uint64_t va, uint64_t *pa)
{
	addrxlat_step_t s = {
		.ctx = kd->ax,
		.sys = kd->sys,
		.meth = kd->pgt,
		.base = { .addr = va, .as = ADDRXLAT_KVADDR },
	};
	addrxlat_status st = addrxlat_walk(&s);
	if (st == ADDRXLAT_OK)
		*pa = s.base.addr;
	return st;
}

static addrxlat_status op_store(void *data, const addrxlat_fulladdr_t *addr)
{
	*(uint64_t *)data = addr->addr;
	return ADDRXLAT_OK;
}

/* What kdump_read(KDUMP_KVADDR) does: the system's KV->phys map. */
static addrxlat_status kd_vtop_op(struct kd *kd, uint64_t va, uint64_t *pa)
{
	addrxlat_op_ctl_t ctl = {
		.ctx = kd->ax,
		.sys = kd->sys,
		.op = op_store,
		.data = pa,
		.caps = ADDRXLAT_CAPS(ADDRXLAT_KPHYSADDR) |
			ADDRXLAT_CAPS(ADDRXLAT_MACHPHYSADDR),
	};
	addrxlat_fulladdr_t fa = { .addr = va, .as = ADDRXLAT_KVADDR };
	return addrxlat_op(&ctl, &fa);
}

/* ---- one dump ------------------------------------------------------------------ */

struct xres {
	uint64_t pa;
	int ok;		/* 1 mapped, 0 not */
};

static void print_rate(const char *name, double best, unsigned long n)
{
	printf("  %-38s %8.3f s  %10.0f /s  (%.0f ns each)\n", name, best,
	       (double)n / best, best * 1e9 / (double)n);
}

/* Compare a translation column against vmcore-tool's; returns the count. */
static unsigned long cross_check(const char *name, const uint64_t *va,
				 const struct xres *ref, const struct xres *x,
				 const char *const *why, unsigned long n)
{
	unsigned long bad = 0;
	for (unsigned long i = 0; i < n; i++) {
		if (ref[i].ok == x[i].ok && (!ref[i].ok || ref[i].pa == x[i].pa))
			continue;
		if (bad++ < MAX_EXAMPLES) {
			printf("    DISAGREE (%s) 0x%016" PRIx64 ": vmcore-tool ",
			       name, va[i]);
			if (ref[i].ok)
				printf("0x%" PRIx64, ref[i].pa);
			else
				printf("unmapped");
			printf(", libkdumpfile ");
			if (x[i].ok)
				printf("0x%" PRIx64 "\n", x[i].pa);
			else
				printf("error (%s)\n", why && why[i] ? why[i] : "?");
		}
	}
	return bad;
}

static int bench_one(const char *path, unsigned long *disagreements)
{
	struct stat sb;
	if (stat(path, &sb)) {
		fprintf(stderr, "walk-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	printf("== %s (%.1f MB)\n", path, (double)sb.st_size / 1e6);

	/* 0. baseline */
	double cat1, cat2;
	if (run_cat(path, &cat1) || run_cat(path, &cat2))
		return -1;
	printf("baseline: cat CORE > /dev/null, warm (2nd run)  %8.3f s  "
	       "(%.2f GB/s; 1st run %.3f s)\n", cat2,
	       (double)sb.st_size / cat2 / 1e9, cat1);

	/* open both */
	struct vmc_warnings ws = { .emit = warn_emit, .limit = 10 };
	struct vmc_source *core = NULL;
	double t0 = now();
	struct vmc_error *err = vmc_source_open(path, NULL, &ws, &core);
	if (err) {
		fprintf(stderr, "walk-bench: %s: %s\n", path, err->msg);
		vmc_error_free(err);
		return -1;
	}
	const struct vmc_dump *dump = vmc_source_dump(core);
	struct vmc_root_request req = { .cpu = -1, .swapper = true };
	struct vmc_root_choice rc;
	err = vmc_choose_root(dump, &req, &rc);
	if (err) {
		fprintf(stderr, "walk-bench: %s: %s\n", path, err->msg);
		vmc_error_free(err);
		vmc_source_close(core);
		return -1;
	}
	double t_open_vmc = now() - t0;
	struct vmc_physmem pm = dump->pm;

	struct kd kd;
	t0 = now();
	if (kd_open(path, &kd)) {
		kd_close(&kd);
		vmc_source_close(core);
		return -1;
	}
	double t_open_kd = now() - t0;
	const addrxlat_fulladdr_t *kroot = &kd.pgt->param.pgt.root;
	printf("root:     vmcore-tool %s; %u levels, table at phys 0x%"
	       PRIx64 "\n", rc.why, rc.pg[0].levels, rc.pg[0].root);
	printf("          libkdumpfile METH_PGT root %s:0x%" PRIx64
	       ", %u fields (%u-bit VA)\n",
	       addrxlat_addrspace_name(kroot->as), (uint64_t)kroot->addr,
	       kd.nfields, kd.va_bits);
	printf("open:     vmcore-tool %.3f ms (vmc_source_open + "
	       "vmc_choose_root), libkdumpfile %.3f ms (kdump_open_fd + "
	       "ostype + kdump_get_addrxlat)\n",
	       t_open_vmc * 1e3, t_open_kd * 1e3);

	int ret = -1;
	struct vmc_run_vec runs = {0};
	struct leaf_vec kleaves = {0}, vleaves = {0};
	uint64_t *va = NULL;
	struct xres *xv = NULL, *xp = NULL, *xo = NULL, *xf = NULL;
	const char **why_p = NULL, **why_o = NULL;

	/* 1. enumeration, best of opt_reps each */
	double best_v = 1e99, best_k = 1e99;
	struct vmc_walk_stats stats;
	struct kd_walk kw;
	for (unsigned r = 0; r < opt_reps; r++) {
		runs.n = 0;
		stats = (struct vmc_walk_stats){0};
		struct vmc_warnings *wsp = r ? NULL : &ws;
		t0 = now();
		err = vmc_walk(rc.pg, 1, &pm, NULL, &runs, &stats, wsp);
		double t = now() - t0;
		if (err) {
			fprintf(stderr, "walk-bench: vmc_walk: %s\n", err->msg);
			vmc_error_free(err);
			goto out;
		}
		if (t < best_v)
			best_v = t;

		kleaves.n = 0;
		kw = (struct kd_walk){ .kd = &kd, .leaves = &kleaves };
		t0 = now();
		if (kd_enumerate(&kd, &kw))
			goto out;
		t = now() - t0;
		if (t < best_k)
			best_k = t;
	}
	uint64_t vbytes = 0, kbytes = 0;
	for (size_t i = 0; i < runs.n; i++)
		vbytes += runs.v[i].size;
	for (size_t i = 0; i < kleaves.n; i++)
		kbytes += kleaves.v[i].size;
	char hb[32];
	printf("enumerate swapper_pg_dir, best of %u:\n", opt_reps);
	printf("  %-38s %8.3f ms  %8zu leaves  %s mapped  (%" PRIu64
	       " tables, %" PRIu64 " entries)\n", "vmcore-tool vmc_walk",
	       best_v * 1e3, runs.n, vmc_human_size(vbytes, hb, sizeof(hb)),
	       stats.tables, stats.entries);
	printf("  %-38s %8.3f ms  %8zu leaves  %s mapped  (%" PRIu64
	       " entries, %" PRIu64 " step errors)\n",
	       "libkdumpfile addrxlat_step walk", best_k * 1e3, kleaves.n,
	       vmc_human_size(kbytes, hb, sizeof(hb)), kw.entries, kw.errors);
	printf("  ratio libkdumpfile/vmcore-tool time   %8.2f\n",
	       best_k / best_v);
	printf("  enumeration / warm cat                 vmcore-tool %.4f, "
	       "libkdumpfile %.4f\n", best_v / cat2, best_k / cat2);
	if (stats.reserved || stats.unreadable || stats.over_shared ||
	    stats.truncated)
		printf("  vmcore-tool skipped: %" PRIu64 " reserved, %" PRIu64
		       " unreadable, %" PRIu64 " over-shared%s\n",
		       stats.reserved, stats.unreadable, stats.over_shared,
		       stats.truncated ? ", truncated" : "");
	if (kw.errors)
		printf("  libkdumpfile step errors: %" PRIu64 ", first: %s\n",
		       kw.errors, kw.first_error);

	/* Compare the two leaf lists. */
	if (leaf_vec_reserve(&vleaves, runs.n))
		goto nomem;
	for (size_t i = 0; i < runs.n; i++)
		vleaves.v[vleaves.n++] = (struct leaf){ runs.v[i].vaddr,
			runs.v[i].paddr, runs.v[i].size };
	qsort(vleaves.v, vleaves.n, sizeof(struct leaf), leaf_cmp);
	qsort(kleaves.v, kleaves.n, sizeof(struct leaf), leaf_cmp);
	unsigned long only_v = 0, only_k = 0, differ = 0, shown = 0;
	for (size_t i = 0, j = 0; i < vleaves.n || j < kleaves.n;) {
		const struct leaf *a = i < vleaves.n ? &vleaves.v[i] : NULL;
		const struct leaf *b = j < kleaves.n ? &kleaves.v[j] : NULL;
		if (a && b && a->va == b->va) {
			if (a->pa != b->pa || a->size != b->size) {
				differ++;
				if (shown++ < MAX_EXAMPLES)
					printf("    LEAF DIFFERS 0x%016" PRIx64
					       ": vmcore-tool 0x%" PRIx64 "+0x%"
					       PRIx64 ", libkdumpfile 0x%" PRIx64
					       "+0x%" PRIx64 "\n", a->va, a->pa,
					       a->size, b->pa, b->size);
			}
			i++, j++;
		} else if (a && (!b || a->va < b->va)) {
			only_v++;
			if (shown++ < MAX_EXAMPLES)
				printf("    LEAF only in vmcore-tool 0x%016" PRIx64
				       " -> 0x%" PRIx64 " size 0x%" PRIx64 "\n",
				       a->va, a->pa, a->size);
			i++;
		} else {
			only_k++;
			if (shown++ < MAX_EXAMPLES)
				printf("    LEAF only in libkdumpfile 0x%016" PRIx64
				       " -> 0x%" PRIx64 " size 0x%" PRIx64 "\n",
				       b->va, b->pa, b->size);
			j++;
		}
	}
	unsigned long leaf_dis = only_v + only_k + differ;
	printf("  leaf lists: %s (%lu only in vmcore-tool, %lu only in "
	       "libkdumpfile, %lu differ)\n", leaf_dis ? "DIFFER" : "identical",
	       only_v, only_k, differ);

	/* 2. translations */
	size_t nk = 0;
	for (size_t i = 0; i < runs.n; i++)
		if (runs.v[i].vaddr >> 63)
			runs.v[nk++] = runs.v[i];	/* kernel half only */
	if (!nk) {
		fprintf(stderr, "walk-bench: %s: no kernel mappings found\n",
			path);
		goto out;
	}
	unsigned long n = opt_count;
	va = malloc(n * sizeof(*va));
	xv = calloc(n, sizeof(*xv));
	xp = calloc(n, sizeof(*xp));
	xo = calloc(n, sizeof(*xo));
	xf = calloc(n, sizeof(*xf));
	why_p = calloc(n, sizeof(*why_p));
	why_o = calloc(n, sizeof(*why_o));
	if (!va || !xv || !xp || !xo || !xf || !why_p || !why_o)
		goto nomem;
	uint64_t seed = opt_seed;
	for (unsigned long i = 0; i < n; i++) {
		const struct vmc_run *run = &runs.v[rnd(&seed) % nk];
		uint64_t pages = run->size >> 12;
		va[i] = run->vaddr + (pages ? (rnd(&seed) % pages) << 12 : 0);
	}

	double bt_v = 1e99, bt_p = 1e99, bt_o = 1e99, bt_f = 1e99;
	unsigned long miss_v = 0;
	for (unsigned r = 0; r < opt_reps; r++) {
		t0 = now();
		for (unsigned long i = 0; i < n; i++) {
			struct vmc_translation t;
			vmc_translate(rc.pg, &pm, va[i], &t);
			xv[i].ok = t.mapped;
			xv[i].pa = t.paddr;
		}
		double t = now() - t0;
		if (t < bt_v)
			bt_v = t;

		/* The read path: no trace, a cache kept across addresses. */
		struct vmc_xlat_cache cache = {0};
		t0 = now();
		for (unsigned long i = 0; i < n; i++) {
			uint64_t size;
			xf[i].ok = vmc_translate_fast(&cache, rc.pg, &pm, va[i],
						      &xf[i].pa, &size);
		}
		t = now() - t0;
		if (t < bt_f)
			bt_f = t;

		t0 = now();
		for (unsigned long i = 0; i < n; i++) {
			addrxlat_status st = kd_vtop_pgt(&kd, va[i], &xp[i].pa);
			xp[i].ok = st == ADDRXLAT_OK;
			if (!xp[i].ok && !r)
				why_p[i] = addrxlat_strerror(st);
		}
		t = now() - t0;
		if (t < bt_p)
			bt_p = t;

		t0 = now();
		for (unsigned long i = 0; i < n; i++) {
			addrxlat_status st = kd_vtop_op(&kd, va[i], &xo[i].pa);
			xo[i].ok = st == ADDRXLAT_OK;
			if (!xo[i].ok && !r)
				why_o[i] = addrxlat_strerror(st);
		}
		t = now() - t0;
		if (t < bt_o)
			bt_o = t;
	}
	for (unsigned long i = 0; i < n; i++)
		miss_v += !xv[i].ok;
	printf("translate %lu random kernel addresses (seed 0x%" PRIx64
	       ", %zu kernel leaves), best of %u:\n", n, opt_seed, nk,
	       opt_reps);
	print_rate("vmcore-tool vmc_translate", bt_v, n);
	print_rate("vmcore-tool vmc_translate_fast", bt_f, n);
	print_rate("libkdumpfile addrxlat_walk (METH_PGT)", bt_p, n);
	print_rate("libkdumpfile addrxlat_op (KV->phys map)", bt_o, n);
	printf("  ratio libkdumpfile/vmcore-tool rate   %8.3f (METH_PGT), "
	       "%.3f (KV->phys map)\n", bt_v / bt_p, bt_v / bt_o);
	if (miss_v)
		printf("  vmcore-tool found %lu of them unmapped\n", miss_v);
	printf("  ratio libkdumpfile/vmcore-tool fast   %8.3f (METH_PGT), "
	       "%.3f (KV->phys map)\n", bt_f / bt_p, bt_f / bt_o);
	/* The fast path must give the traced walk's answer, every time. */
	unsigned long df = 0;
	for (unsigned long i = 0; i < n; i++) {
		if (xf[i].ok == xv[i].ok && (!xv[i].ok || xf[i].pa == xv[i].pa))
			continue;
		if (df++ < MAX_EXAMPLES)
			printf("    DISAGREE fast/traced 0x%016" PRIx64 ": fast %s "
			       "0x%" PRIx64 ", traced %s 0x%" PRIx64 "\n", va[i],
			       xf[i].ok ? "maps" : "unmapped", xf[i].pa,
			       xv[i].ok ? "maps" : "unmapped", xv[i].pa);
	}
	printf("  fast path against the traced walk: %lu disagreements (of %lu)\n",
	       df, n);
	unsigned long dp = cross_check("METH_PGT", va, xv, xp, why_p, n);
	unsigned long dop = cross_check("KV->phys map", va, xv, xo, why_o, n);
	printf("  disagreements: %lu with METH_PGT, %lu with the KV->phys map "
	       "(of %lu)\n", dp, dop, n);

	*disagreements += dp + dop + df + leaf_dis;
	ret = 0;
	goto out;
nomem:
	fprintf(stderr, "walk-bench: out of memory\n");
out:
	free(va);
	free(xv);
	free(xp);
	free(xo);
	free(xf);
	free(why_p);
	free(why_o);
	vmc_run_vec_free(&runs);
	leaf_vec_free(&kleaves);
	leaf_vec_free(&vleaves);
	kd_close(&kd);
	vmc_source_close(core);
	if (ws.suppressed)
		fprintf(stderr, "walk-bench: %lu more warnings\n",
			ws.suppressed);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: walk-bench [-r REPS] [-n COUNT] [-s SEED] CORE...\n"
		"  -r REPS   repetitions, best one reported (default 5)\n"
		"  -n COUNT  random addresses to translate (default 1000000)\n"
		"  -s SEED   seed of the address choice (default 0x5eed2026)\n");
}

int main(int argc, char **argv)
{
	int c;
	while ((c = getopt(argc, argv, "r:n:s:h")) != -1) {
		uint64_t v;
		switch (c) {
		case 'r':
			if (vmc_parse_u64(optarg, &v) || !v || v > 1000)
				goto bad;
			opt_reps = (unsigned)v;
			break;
		case 'n':
			if (vmc_parse_u64(optarg, &v) || !v || v > 100000000)
				goto bad;
			opt_count = (unsigned long)v;
			break;
		case 's':
			if (vmc_parse_u64(optarg, &v))
				goto bad;
			opt_seed = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind >= argc)
		goto bad;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("walk-bench: vmcore-tool pagewalk vs libkdumpfile %s "
	       "(libaddrxlat %s)\n", KDUMPFILE_VERSION_STRING,
	       ADDRXLAT_VERSION_STRING);
	unsigned long dis = 0;
	int failed = 0;
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			putchar('\n');
		if (bench_one(argv[i], &dis))
			failed = 1;
	}
	if (failed)
		return 2;
	if (dis) {
		printf("\nwalk-bench: %lu disagreement(s) between vmcore-tool "
		       "and libkdumpfile\n", dis);
		return 1;
	}
	return 0;
bad:
	usage(stderr);
	return 64;
}
