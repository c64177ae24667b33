/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * symbols: the symbols of one dump. Which source answers (kallsyms in the
 * dump, a vmlinux), where the vmlinux is (KDUMP-AND-SYMBOLS.md D.3), and
 * the KASLR offset. Everything is computed on first use and kept.
 */
#include "symbols.h"

#include "../kernel/kernel.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* kallsyms_num_syms may claim at most one symbol per this many bytes of
 * RAM in the dump (a 6.1 kernel has ~150,000 in 512 MB), and never more
 * than MAX_SYMS (allyesconfig kernels have about a million). */
#define BYTES_PER_SYM	16
#define MAX_SYMS	(UINT64_C(1) << 23)
/* x86_64 KERNEL_IMAGE_SIZE with KASLR (arch/x86/include/asm/page_64_types.h). */
#define X86_64_IMAGE_SPAN	(UINT64_C(1) << 30)
/* At most this many symbols are listed when a name is ambiguous. */
#define MAX_LISTED	8

struct vmc_symbols {
	const struct vmc_dump *d;
	struct vmc_warnings *ws;
	bool have_root;
	struct vmc_root_request root;
	bool force, no_search, explicit_vmlinux;
	char *debug_root;

	/* the vmlinux */
	bool searched;
	struct vmc_vmlinux *vm;
	char *vm_path;
	const char *vm_how;
	bool vm_verified;
	char *vm_why;

	bool kaslr_done;
	struct vmc_kaslr kaslr;

	/* kallsyms: tried once; the table, or why not */
	bool ks_tried;
	struct vmc_symtab *ks;
	struct vmc_kallsyms_info ks_info;
	char *ks_why;

	/* the vmlinux's symbols */
	bool vs_tried;
	struct vmc_symtab *vs;
	char *vs_why;

	bool view_tried;
	struct vmc_view view;
	char *view_why;

	/* Names VMCOREINFO gave (SYMBOL(name)), kept for the callers. */
	struct vmc_sym *vi_syms[16];
	size_t nvi_syms;
};

/* The dump's VMCOREINFO BUILD-ID, if it is plain hex. */
static const char *dump_build_id(const struct vmc_dump *d)
{
	const char *id = d->vmcoreinfo ? vmc_vmcoreinfo_get(d->vmcoreinfo, "BUILD-ID")
				       : NULL;
	if (!id || !*id || strlen(id) > 128)
		return NULL;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')))
			return NULL;
	return id;
}

/* OSRELEASE if it can be part of a path: no '/', not "." or "..". */
static const char *dump_release(const struct vmc_dump *d)
{
	const char *r = d->vmcoreinfo ? vmc_vmcoreinfo_get(d->vmcoreinfo, "OSRELEASE")
				      : NULL;
	if (!r || !*r || strlen(r) > 64 || strcmp(r, ".") == 0 ||
	    strcmp(r, "..") == 0)
		return NULL;
	for (const char *p = r; *p; p++)
		if (*p == '/' || *p <= ' ' || *p > '~')
			return NULL;
	return r;
}

static bool same_id(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* Append to a growing message (out of memory: the message stays short). */
static void note(char **buf, const char *fmt, ...) VMC_PRINTF(2, 3);
static void note(char **buf, const char *fmt, ...)
{
	va_list ap;
	char *add;
	va_start(ap, fmt);
	int n = vasprintf(&add, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	char *joined;
	if (asprintf(&joined, "%s%s%s", *buf ? *buf : "", *buf ? "; " : "", add) >= 0) {
		free(*buf);
		*buf = joined;
	}
	free(add);
}

static char *msg_of(struct vmc_error *err)
{
	char *m = strdup(err->msg);
	vmc_error_free(err);
	return m;
}

/* ---- opening; the vmlinux ----------------------------------------------------- */

static struct vmc_error *open_given(struct vmc_symbols *s, const char *path)
{
	struct vmc_vmlinux *vm;
	struct vmc_error *err = vmc_vmlinux_open(path, &vm);
	if (err)
		return vmc_error_prefix(err, "--vmlinux %s", path);
	const char *want = dump_build_id(s->d), *got = vmc_vmlinux_build_id(vm);
	if (want && !same_id(want, got)) {
		if (!s->force) {
			err = vmc_error_new(VMC_ERR_USAGE, "--vmlinux %s: its build-id "
					    "is %s, the dump's (VMCOREINFO BUILD-ID) "
					    "is %s: not this kernel's "
					    "(--force-vmlinux takes it anyway)",
					    path, *got ? got : "(none)", want);
			vmc_vmlinux_close(vm);
			return err;
		}
		vmc_warn(s->ws, "--vmlinux %s: build-id %s differs from the dump's %s; "
			 "taken anyway (--force-vmlinux)", path, *got ? got : "(none)",
			 want);
	} else if (!want) {
		vmc_warn(s->ws, "--vmlinux %s: the dump has no VMCOREINFO BUILD-ID, so "
			 "nothing says it is this kernel's", path);
	}
	s->vm = vm;
	s->vm_path = strdup(path);
	s->vm_how = "--vmlinux";
	s->vm_verified = want && same_id(want, got);
	s->searched = true;
	return s->vm_path ? NULL : vmc_error_nomem();
}

/* Try one candidate of the search: true when taken. */
static bool try_candidate(struct vmc_symbols *s, const char *path, const char *how)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return false;
	struct vmc_vmlinux *vm;
	struct vmc_error *err = vmc_vmlinux_open(path, &vm);
	if (err) {
		note(&s->vm_why, "skipped %s: %s", path, err->msg);
		vmc_error_free(err);
		return false;
	}
	const char *want = dump_build_id(s->d), *got = vmc_vmlinux_build_id(vm);
	if (want && !same_id(want, got)) {
		note(&s->vm_why, "skipped %s: build-id %s, not the dump's %s", path,
		     *got ? got : "(none)", want);
		vmc_vmlinux_close(vm);
		return false;
	}
	s->vm_path = strdup(path);
	if (!s->vm_path) {
		vmc_vmlinux_close(vm);
		return false;
	}
	s->vm = vm;
	s->vm_how = how;
	s->vm_verified = want != NULL;
	return true;
}

/* The search of KDUMP-AND-SYMBOLS.md D.3 (drgn's list), under debug_root. */
static void search(struct vmc_symbols *s)
{
	if (s->searched)
		return;
	s->searched = true;
	if (s->no_search) {
		note(&s->vm_why, "no vmlinux given");
		return;
	}
	const char *root = s->debug_root ? s->debug_root : "";
	const char *id = dump_build_id(s->d), *rel = dump_release(s->d);
	char path[4096];
	char *looked = NULL;
	if (id && strlen(id) > 2) {
		static const char *const suffix[] = { ".debug", "" };
		for (int i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "%s/usr/lib/debug/.build-id/%.2s/%s%s",
				 root, id, id + 2, suffix[i]);
			if (try_candidate(s, path, "VMCOREINFO BUILD-ID"))
				goto done;
		}
		note(&looked, "build-id %s under %s/usr/lib/debug/.build-id", id, root);
	}
	if (rel) {
		static const char *const fmt[] = {
			"%s/usr/lib/debug/boot/vmlinux-%s",		/* Debian, Ubuntu */
			"%s/usr/lib/debug/lib/modules/%s/vmlinux",	/* Fedora */
			"%s/boot/vmlinux-%s",
			"%s/lib/modules/%s/build/vmlinux",
		};
		for (size_t i = 0; i < sizeof(fmt) / sizeof(*fmt); i++) {
			snprintf(path, sizeof(path), fmt[i], root, rel);
			if (try_candidate(s, path, "VMCOREINFO OSRELEASE"))
				goto done;
			note(&looked, "%s", path);
		}
	}
	if (!id && !rel)
		note(&s->vm_why, "the dump names no kernel (no VMCOREINFO BUILD-ID or "
		     "OSRELEASE) to look for");
	else
		note(&s->vm_why, "looked for %s", looked ? looked : "nothing");
done:
	free(looked);
}

struct vmc_error *vmc_symbols_open(const struct vmc_dump *d,
				   const struct vmc_symbols_opts *opts,
				   struct vmc_warnings *ws,
				   struct vmc_symbols **out)
{
	static const struct vmc_symbols_opts none;
	if (!opts)
		opts = &none;
	struct vmc_symbols *s = calloc(1, sizeof(*s));
	if (!s)
		return vmc_error_nomem();
	s->d = d;
	s->ws = ws;
	s->force = opts->force_vmlinux;
	s->no_search = opts->no_search;
	s->explicit_vmlinux = opts->vmlinux != NULL;
	if (opts->root) {
		s->have_root = true;
		s->root = *opts->root;
	}
	if (opts->debug_root && *opts->debug_root &&
	    !(s->debug_root = strdup(opts->debug_root))) {
		vmc_symbols_close(s);
		return vmc_error_nomem();
	}
	if (opts->vmlinux) {
		struct vmc_error *err = open_given(s, opts->vmlinux);
		if (err) {
			vmc_symbols_close(s);
			return err;
		}
	}
	*out = s;
	return NULL;
}

void vmc_symbols_close(struct vmc_symbols *s)
{
	if (!s)
		return;
	vmc_vmlinux_close(s->vm);
	vmc_symtab_free(s->ks);
	vmc_symtab_free(s->vs);
	free(s->vm_path);
	free(s->vm_why);
	free(s->ks_why);
	free(s->vs_why);
	free(s->view_why);
	free(s->debug_root);
	for (size_t i = 0; i < s->nvi_syms; i++) {
		free((char *)s->vi_syms[i]->name);
		free(s->vi_syms[i]);
	}
	free(s);
}

void vmc_symbols_vmlinux(struct vmc_symbols *s, struct vmc_vmlinux_info *out)
{
	search(s);
	*out = (struct vmc_vmlinux_info){
		.path = s->vm ? s->vm_path : NULL,
		.how = s->vm ? s->vm_how : NULL,
		.build_id = s->vm ? vmc_vmlinux_build_id(s->vm) : "",
		.verified = s->vm_verified,
		.why = s->vm_why ? s->vm_why : "",
	};
}

enum vmc_sym_source vmc_symbols_preferred(const struct vmc_symbols *s)
{
	return s->explicit_vmlinux ? VMC_SYMS_VMLINUX : VMC_SYMS_KALLSYMS;
}

/* ---- reading the dump ------------------------------------------------------------ */

static const struct vmc_view *view(struct vmc_symbols *s)
{
	if (!s->view_tried) {
		s->view_tried = true;
		struct vmc_root_request def = { .cpu = -1 };
		struct vmc_error *err = vmc_view_open(s->d, s->have_root ? &s->root : &def,
						      &s->view);
		if (err)
			s->view_why = msg_of(err);
	}
	return s->view_why ? NULL : &s->view;
}

static struct vmc_error *view_read(void *ctx, uint64_t vaddr, void *buf, size_t len)
{
	return vmc_view_read(ctx, vaddr, buf, len);
}

static void load_kallsyms(struct vmc_symbols *s)
{
	if (s->ks_tried)
		return;
	s->ks_tried = true;
	struct vmc_kallsyms_loc loc;
	struct vmc_error *err = vmc_kallsyms_locate(s->d->vmcoreinfo, s->d->arch,
						    s->d->big_endian, &loc);
	const struct vmc_view *v = err ? NULL : view(s);
	if (!err && !v)
		err = vmc_error_new(VMC_ERR_NOT_FOUND, "page tables: %s",
				    s->view_why);
	if (err) {
		s->ks_why = msg_of(err);
		return;
	}
	uint64_t max = s->d->data_bytes / BYTES_PER_SYM;
	if (max > MAX_SYMS)
		max = MAX_SYMS;
	struct vmc_symtab *t;
	if (!(err = vmc_symtab_new(&t))) {
		err = vmc_kallsyms_decode(&loc, view_read, (void *)v, max, t,
					  &s->ks_info);
		if (!err)
			err = vmc_symtab_finish(t);
		if (err)
			vmc_symtab_free(t);
		else
			s->ks = t;
	}
	if (err)
		s->ks_why = msg_of(err);
}

/* ---- the KASLR offset ------------------------------------------------------------------ */

/* The runtime _stext: VMCOREINFO SYMBOL(_stext), or kallsyms. */
static bool runtime_stext(struct vmc_symbols *s, uint64_t *out, const char **src)
{
	if (s->d->vmcoreinfo && vmc_vmcoreinfo_symbol(s->d->vmcoreinfo, "_stext", out)) {
		*src = "VMCOREINFO SYMBOL(_stext)";
		return true;
	}
	load_kallsyms(s);
	size_t n;
	const struct vmc_sym *const *m = s->ks ? vmc_symtab_named(s->ks, "_stext", &n)
					       : NULL;
	if (!m)
		return false;
	*out = m[0]->addr;
	*src = "kallsyms _stext";
	return true;
}

/* x86_64 without VMCOREINFO: the lowest page mapped in the image's span
 * (crash's kaslr_helper.c and libkdumpfile's x86_64.c do the same). */
static bool image_start(struct vmc_symbols *s, uint64_t *out)
{
	const struct vmc_view *v = view(s);
	if (!v || !v->arch->image_base)
		return false;
	uint64_t base = v->arch->image_base;
	const struct vmc_paging *pg = vmc_form_for(&v->rc, base);
	if (!pg)
		return false;
	struct vmc_walk_limits lim = { .max_runs = 1, .va_lo = base,
				       .va_hi = base + (X86_64_IMAGE_SPAN - 1) };
	struct vmc_run_vec runs = {0};
	struct vmc_walk_stats st;
	struct vmc_error *err = vmc_walk(pg, 1, &s->d->pm, &lim, &runs, &st, NULL);
	bool ok = !err && runs.n;
	if (ok)
		*out = runs.v[0].vaddr > base ? runs.v[0].vaddr : base;
	vmc_error_free(err);
	vmc_run_vec_free(&runs);
	return ok;
}

/* Without a vmlinux, the KERNELOFFSET that remap would add to VMCOREINFO
 * (i386: phys(_stext) less the setup header's pref_address), so that info,
 * read and the gdb command agree with the notes remap writes. */
static bool from_setup_header(struct vmc_symbols *s, struct vmc_kaslr *k)
{
	struct vmc_kernel_addition_vec add = {0};
	struct vmc_error *err = vmc_kernel_complete(s->d, &add, NULL);
	bool found = false;
	for (size_t i = 0; !err && i < add.n && !found; i++) {
		char hex[48];
		snprintf(hex, sizeof(hex), "0x%s", add.v[i].value);
		if (strcmp(add.v[i].key, "KERNELOFFSET") != 0 ||
		    vmc_parse_u64(hex, &k->offset))
			continue;
		k->how = VMC_KASLR_SETUP_HEADER;
		snprintf(k->why, sizeof(k->why), "%s", add.v[i].how);
		found = true;
	}
	vmc_error_free(err);
	vmc_kernel_addition_vec_free(&add);
	return found;
}

static void derive_kaslr(struct vmc_symbols *s, struct vmc_kaslr *k)
{
	const struct vmc_vmcoreinfo *vi = s->d->vmcoreinfo;
	if (vi && vmc_vmcoreinfo_hex(vi, "KERNELOFFSET", &k->offset)) {
		k->how = VMC_KASLR_KERNELOFFSET;
		snprintf(k->why, sizeof(k->why), "VMCOREINFO KERNELOFFSET");
		return;
	}
	uint64_t runtime;
	const char *src;
	bool have = runtime_stext(s, &runtime, &src);
	enum vmc_kaslr_how how = VMC_KASLR_STEXT;
	if (!have && !vi && image_start(s, &runtime)) {
		have = true;
		src = "the lowest page mapped at the kernel image base";
		how = VMC_KASLR_PAGETABLES;
	}
	if (!have) {
		snprintf(k->why, sizeof(k->why), "unknown: no VMCOREINFO KERNELOFFSET, "
			 "and no runtime _stext (VMCOREINFO SYMBOL(_stext), kallsyms%s)",
			 vi ? "" : ", the page tables at the image base");
		return;
	}
	search(s);
	uint64_t link;
	struct vmc_error *err = s->vm ? vmc_vmlinux_stext(s->vm, &link) : NULL;
	if (!s->vm && vi && from_setup_header(s, k))
		return;
	if (!s->vm || err) {
		snprintf(k->why, sizeof(k->why), "unknown: %s is 0x%" PRIx64 ", but "
			 "the link-time _stext %s", src, runtime,
			 err ? err->msg : "needs the vmlinux (--vmlinux PATH)");
		vmc_error_free(err);
		return;
	}
	k->how = how;
	k->offset = runtime - link;
	snprintf(k->why, sizeof(k->why), "%s 0x%" PRIx64 " - vmlinux _stext 0x%"
		 PRIx64, src, runtime, link);
}

const struct vmc_kaslr *vmc_symbols_kaslr(struct vmc_symbols *s)
{
	if (!s->kaslr_done) {
		s->kaslr_done = true;
		derive_kaslr(s, &s->kaslr);
	}
	return &s->kaslr;
}

struct vmc_error *vmc_kaslr_offset(const struct vmc_dump *d,
				   const struct vmc_symbols_opts *opts,
				   struct vmc_kaslr *out)
{
	struct vmc_symbols *s;
	struct vmc_error *err = vmc_symbols_open(d, opts, NULL, &s);
	if (err)
		return err;
	*out = *vmc_symbols_kaslr(s);
	vmc_symbols_close(s);
	return NULL;
}

/* ---- the vmlinux's symbols ------------------------------------------------------------- */

static void load_vmlinux_symbols(struct vmc_symbols *s)
{
	if (s->vs_tried)
		return;
	s->vs_tried = true;
	search(s);
	if (!s->vm) {
		if (asprintf(&s->vs_why, "no vmlinux (%s)", s->vm_why ? s->vm_why : "")
		    < 0)
			s->vs_why = NULL;
		return;
	}
	const struct vmc_kaslr *k = vmc_symbols_kaslr(s);
	if (k->how == VMC_KASLR_UNKNOWN) {
		if (asprintf(&s->vs_why, "vmlinux %s: the KASLR offset is %s",
			     s->vm_path, k->why) < 0)
			s->vs_why = NULL;
		return;
	}
	struct vmc_symtab *t;
	struct vmc_error *err = vmc_symtab_new(&t);
	if (!err) {
		err = vmc_vmlinux_symbols(s->vm, k->offset, t);
		if (!err)
			err = vmc_symtab_finish(t);
		if (err)
			vmc_symtab_free(t);
		else
			s->vs = t;
	}
	if (err) {
		err = vmc_error_prefix(err, "vmlinux %s", s->vm_path);
		s->vs_why = msg_of(err);
		vmc_warn(s->ws, "%s", s->vs_why ? s->vs_why : "vmlinux: out of memory");
	}
}

struct vmc_error *vmc_symbols_table(struct vmc_symbols *s,
				    enum vmc_sym_source src,
				    const struct vmc_symtab **out)
{
	if (src == VMC_SYMS_KALLSYMS) {
		load_kallsyms(s);
		*out = s->ks;
	} else {
		load_vmlinux_symbols(s);
		*out = s->vs;
	}
	if (*out)
		return NULL;
	const char *why = src == VMC_SYMS_KALLSYMS ? s->ks_why : s->vs_why;
	return vmc_error_new(VMC_ERR_NOT_FOUND, "%s", why ? why : "out of memory");
}

bool vmc_symbols_kallsyms_info(const struct vmc_symbols *s,
			       struct vmc_kallsyms_info *out)
{
	if (!s->ks)
		return false;
	*out = s->ks_info;
	return true;
}

/* ---- names -> addresses ------------------------------------------------------------------ */

bool vmc_symbols_is_number(const char *expr)
{
	uint64_t v;
	return vmc_parse_u64(expr, &v) == 0;
}

/* A name starts as C identifiers do (or with '.' or '$', as some kernel
 * symbols do) and holds no blank, '+' or '-'. Its length, or 0. */
static size_t name_len(const char *expr)
{
	char c = expr[0];
	if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	      c == '.' || c == '$'))
		return 0;
	size_t n = 1;
	while (expr[n] && expr[n] != '+' && expr[n] != '-' && expr[n] > ' ' &&
	       expr[n] <= '~')
		n++;
	return n;
}

bool vmc_symbols_is_expr(const char *expr)
{
	if (vmc_symbols_is_number(expr))
		return true;
	size_t n = name_len(expr);
	uint64_t off;
	return n && n < VMC_SYM_NAME_MAX &&
	       (!expr[n] || vmc_parse_u64(expr + n + 1, &off) == 0);
}

static const char *source_name(enum vmc_sym_source src)
{
	return src == VMC_SYMS_KALLSYMS ? "kallsyms" : "the vmlinux";
}

/* Of the symbols called name in one table, the one meant: the only one,
 * all at one address, or the only global one. */
static struct vmc_error *pick(const struct vmc_sym *const *m, size_t n,
			      const char *name, enum vmc_sym_source src,
			      const struct vmc_sym **out)
{
	const struct vmc_sym *global = NULL;
	size_t nglobal = 0;
	bool one_addr = true;
	for (size_t i = 0; i < n; i++) {
		if (m[i]->addr != m[0]->addr)
			one_addr = false;
		if (vmc_sym_global(m[i])) {
			global = m[i];
			nglobal++;
		}
	}
	if (one_addr) {
		*out = global ? global : m[0];
		return NULL;
	}
	if (nglobal == 1) {
		*out = global;
		return NULL;
	}
	char *list = NULL;
	for (size_t i = 0; i < n && i < MAX_LISTED; i++)
		note(&list, "0x%016" PRIx64 " %c", m[i]->addr, m[i]->type);
	struct vmc_error *err = vmc_error_new(VMC_ERR_USAGE, "'%s' names %zu symbols "
					      "in %s (%s%s); give the address",
					      name, n, source_name(src),
					      list ? list : "",
					      n > MAX_LISTED ? "; ..." : "");
	free(list);
	return err;
}

/* Why a name is in no table, for people. */
static struct vmc_error *not_found(struct vmc_symbols *s, const char *name,
				   bool tried_vmlinux)
{
	char *why = NULL;
	if (s->ks) {
		note(&why, "not in kallsyms (%zu names from the dump)",
		     vmc_symtab_count(s->ks));
		/* Without CONFIG_KALLSYMS_ALL only _etext and the like are
		 * data (Debian arm64: 1 of 50,336). */
		if (vmc_symtab_data_count(s->ks) * 100 < vmc_symtab_count(s->ks))
			note(&why, "this kernel's kallsyms holds function names only "
			     "(no CONFIG_KALLSYMS_ALL): a vmlinux gives data names "
			     "(--vmlinux PATH, or the distribution's debug package)");
	} else if (s->ks_why) {
		note(&why, "no kallsyms: %s", s->ks_why);
	}
	if (s->vs)
		note(&why, "not in vmlinux %s", s->vm_path);
	else if (tried_vmlinux && s->vs_why)
		note(&why, "%s", s->vs_why);
	struct vmc_error *err = vmc_error_new(VMC_ERR_NOT_FOUND, "no symbol '%s': %s%s",
					      name, why ? why : "no symbols",
					      s->d->vmcoreinfo ? "; nor in VMCOREINFO" : "");
	free(why);
	return err;
}

/* VMCOREINFO's SYMBOL(name), the last resort: the kernel exports a few
 * (init_uts_ns, swapper_pg_dir, mem_section, prb ...), which kernels
 * without CONFIG_KALLSYMS_ALL list nowhere else. NULL if absent. */
static const struct vmc_sym *vmcoreinfo_symbol(struct vmc_symbols *s,
					       const char *name)
{
	uint64_t addr;
	if (!s->d->vmcoreinfo || !vmc_vmcoreinfo_symbol(s->d->vmcoreinfo, name, &addr))
		return NULL;
	for (size_t i = 0; i < s->nvi_syms; i++)
		if (strcmp(s->vi_syms[i]->name, name) == 0)
			return s->vi_syms[i];
	if (s->nvi_syms == sizeof(s->vi_syms) / sizeof(*s->vi_syms))
		return NULL;
	struct vmc_sym *sym = calloc(1, sizeof(*sym));
	char *copy = strdup(name);
	if (!sym || !copy) {
		free(sym);
		free(copy);
		return NULL;
	}
	/* 'D': VMCOREINFO exports data; nm's letter for it is unknown. */
	*sym = (struct vmc_sym){ .addr = addr, .name = copy, .type = 'D' };
	s->vi_syms[s->nvi_syms++] = sym;
	return sym;
}

static struct vmc_error *lookup(struct vmc_symbols *s, const char *name,
				const struct vmc_sym **out)
{
	enum vmc_sym_source order[2];
	order[0] = vmc_symbols_preferred(s);
	order[1] = order[0] == VMC_SYMS_KALLSYMS ? VMC_SYMS_VMLINUX : VMC_SYMS_KALLSYMS;
	bool tried_vmlinux = false;
	for (int i = 0; i < 2; i++) {
		const struct vmc_symtab *t;
		tried_vmlinux |= order[i] == VMC_SYMS_VMLINUX;
		struct vmc_error *err = vmc_symbols_table(s, order[i], &t);
		if (err) {
			vmc_error_free(err);
			continue;
		}
		size_t n;
		const struct vmc_sym *const *m = vmc_symtab_named(t, name, &n);
		if (m)
			return pick(m, n, name, order[i], out);
	}
	if ((*out = vmcoreinfo_symbol(s, name)))
		return NULL;
	return not_found(s, name, tried_vmlinux);
}

struct vmc_error *vmc_symbols_eval(struct vmc_symbols *s, const char *expr,
				   uint64_t *vaddr, const struct vmc_sym **sym)
{
	const struct vmc_sym *dummy;
	if (!sym)
		sym = &dummy;
	*sym = NULL;
	if (vmc_parse_u64(expr, vaddr) == 0)
		return NULL;
	/* NAME, NAME+OFF, NAME-OFF: names have no '+' or '-'. */
	size_t len = name_len(expr);
	uint64_t off = 0;
	if (!vmc_symbols_is_expr(expr))
		return vmc_error_new(VMC_ERR_USAGE, "'%s' is neither a number (0x "
				     "hex or decimal) nor NAME, NAME+OFF or "
				     "NAME-OFF", expr);
	char name[VMC_SYM_NAME_MAX];
	memcpy(name, expr, len);
	name[len] = '\0';
	if (expr[len])
		vmc_parse_u64(expr + len + 1, &off);
	struct vmc_error *err = lookup(s, name, sym);
	if (err)
		return err;
	uint64_t a = (*sym)->addr;
	if (expr[len] == '-' ? off > a : off > UINT64_MAX - a)
		return vmc_error_new(VMC_ERR_USAGE, "'%s' is outside the address "
				     "space (%s is 0x%" PRIx64 ")", expr, name, a);
	*vaddr = expr[len] == '-' ? a - off : a + off;
	return NULL;
}

/* ---- addresses -> names ------------------------------------------------------------------- */

const struct vmc_sym *vmc_symbols_at(struct vmc_symbols *s, uint64_t vaddr,
				     uint64_t *off)
{
	enum vmc_sym_source first = vmc_symbols_preferred(s);
	const struct vmc_symtab *t;
	struct vmc_error *err = vmc_symbols_table(s, first, &t);
	if (err) {
		vmc_error_free(err);
		/* Without kallsyms, a vmlinux found by the search names PCs. */
		err = vmc_symbols_table(s, first == VMC_SYMS_KALLSYMS ?
					VMC_SYMS_VMLINUX : VMC_SYMS_KALLSYMS, &t);
		if (err) {
			vmc_error_free(err);
			return NULL;
		}
	}
	return vmc_symtab_covering(t, vaddr, off);
}

bool vmc_symbols_format(struct vmc_symbols *s, uint64_t vaddr, char *buf,
			size_t sz)
{
	uint64_t off;
	const struct vmc_sym *sym = vmc_symbols_at(s, vaddr, &off);
	if (!sym) {
		if (sz)
			buf[0] = '\0';
		return false;
	}
	if (off)
		snprintf(buf, sz, "%s+0x%" PRIx64, sym->name, off);
	else
		snprintf(buf, sz, "%s", sym->name);
	return true;
}
