/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gdb: the command line that hands a dump to gdb, and the cache of remaps
 * (gdb.h). */
#include "gdb.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../elfcore/elfcore.h"
#include "../ptload/ptload.h"

/* A new string from a format, or out of memory. */
static struct vmc_error *dup_printf(char **out, const char *fmt, ...)
	VMC_PRINTF(2, 3);

static struct vmc_error *dup_printf(char **out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0) {
		*out = NULL;
		return vmc_error_nomem();
	}
	return NULL;
}

/* ---- the command line -------------------------------------------------------- */

const char *vmc_gdb_find(const char *path_env)
{
	static const char *const names[] = { "gdb-multiarch", "gdb" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *p = path_env && *path_env ? path_env : "/usr/bin:/bin";
		while (*p) {
			size_t n = strcspn(p, ":");
			char buf[4096];
			if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".",
				     names[i]) < (int)sizeof(buf) &&
			    access(buf, X_OK) == 0)
				return names[i];
			p += n + (p[n] == ':');
		}
	}
	return NULL;
}

struct vmc_error *vmc_gdb_setup(struct vmc_symbols *syms,
				const struct vmc_dump *d, const char *core_path,
				bool placeholders, struct vmc_gdb_setup *g)
{
	*g = (struct vmc_gdb_setup){0};
	struct vmc_error *err = NULL;
	if (d->arch == VMC_ARCH_I386)
		err = dup_printf(&g->arch, "set architecture i386");
	else if (d->arch == VMC_ARCH_AARCH64)
		err = dup_printf(&g->arch, "set architecture aarch64");
	if (!err)
		err = dup_printf(&g->core, "core-file %s", core_path);
	struct vmc_vmlinux_info vm;
	vmc_symbols_vmlinux(syms, &vm);
	const struct vmc_kaslr *k = vmc_symbols_kaslr(syms);
	char off[32];
	if (k->how != VMC_KASLR_UNKNOWN)
		snprintf(off, sizeof(off), "0x%" PRIx64, k->offset);
	else
		snprintf(off, sizeof(off), "OFFSET");
	if (err) {
		/* out of memory: nothing more */
	} else if (vm.path && k->how != VMC_KASLR_UNKNOWN) {
		err = dup_printf(&g->symfile, "symbol-file -o %s %s", off,
				 vm.path);
	} else {
		if (!vm.path)
			err = dup_printf(&g->why_none, "no vmlinux (give one "
					 "with --vmlinux PATH): %s", vm.why);
		else
			err = dup_printf(&g->why_none, "the KASLR offset is %s",
					 k->why);
		if (!err && placeholders)
			err = dup_printf(&g->symfile, "symbol-file -o %s %s", off,
					 vm.path ? vm.path : "VMLINUX");
	}
	if (err)
		vmc_gdb_setup_fini(g);
	return err;
}

void vmc_gdb_setup_fini(struct vmc_gdb_setup *g)
{
	free(g->arch);
	free(g->symfile);
	free(g->core);
	free(g->why_none);
	*g = (struct vmc_gdb_setup){0};
}

struct vmc_error *vmc_gdb_hint(struct vmc_symbols *syms,
			       const struct vmc_dump *d, bool verbose,
			       char **out)
{
	*out = NULL;
	struct vmc_vmlinux_info vm;
	vmc_symbols_vmlinux(syms, &vm);
	const struct vmc_kaslr *k = vmc_symbols_kaslr(syms);
	const struct vmc_vmcoreinfo *vi = d->vmcoreinfo;
	const char *id = vi ? vmc_vmcoreinfo_get(vi, "BUILD-ID") : NULL;
	const char *rel = vi ? vmc_vmcoreinfo_get(vi, "OSRELEASE") : NULL;
	char *vmlinux = NULL;
	if (!vm.path) {
		struct vmc_error *err = dup_printf(&vmlinux,
			"VMLINUX: the vmlinux of %s%s%s%s, with debug info; none "
			"found here (--vmlinux PATH; %s)",
			rel ? rel : "the kernel", id ? " (build-id " : "",
			id ? id : "", id ? ")" : "",
			verbose ? vm.why : "-v says where it looked");
		if (err)
			return err;
	}
	if (k->how != VMC_KASLR_UNKNOWN) {
		*out = vmlinux;
		return NULL;
	}
	struct vmc_error *err = dup_printf(out, "%s%sOFFSET: the KASLR offset is %s",
					   vmlinux ? vmlinux : "",
					   vmlinux ? "; " : "", k->why);
	free(vmlinux);
	return err;
}

struct vmc_error *vmc_gdb_argv(const char *gdb, const struct vmc_gdb_setup *g,
			       char *const *extra, size_t nextra, char ***out)
{
	/* gdb, -q, then -ex for each of 3 commands, then extra, NULL. */
	char *const ex[] = { g->arch, g->symfile, g->core };
	enum { NEX = sizeof(ex) / sizeof(ex[0]) };
	if (nextra > SIZE_MAX / sizeof(char *) - (2 + 2 * NEX + 1))
		return vmc_error_nomem();
	char **av = calloc(2 + 2 * NEX + nextra + 1, sizeof(*av));
	if (!av)
		return vmc_error_nomem();
	size_t n = 0;
	av[n++] = (char *)gdb;
	av[n++] = (char *)"-q";
	for (size_t i = 0; i < NEX; i++)
		if (ex[i]) {
			av[n++] = (char *)"-ex";
			av[n++] = ex[i];
		}
	for (size_t i = 0; i < nextra; i++)
		av[n++] = extra[i];
	av[n] = NULL;
	*out = av;
	return NULL;
}

/* Append word to f, quoted for a POSIX shell when needed. */
static void shell_word(FILE *f, const char *word)
{
	bool plain = *word != '\0';
	for (const char *p = word; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_./:=+-,@%", *p))
			plain = false;
	if (plain) {
		fputs(word, f);
		return;
	}
	fputc('\'', f);
	for (const char *p = word; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

struct vmc_error *vmc_gdb_shell_line(char *const *argv, char **out)
{
	size_t len = 0;
	*out = NULL;
	FILE *f = open_memstream(out, &len);
	if (!f)
		return vmc_error_nomem();
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			fputc(' ', f);
		shell_word(f, argv[i]);
	}
	if (ferror(f) | fclose(f)) {
		free(*out);
		*out = NULL;
		return vmc_error_nomem();
	}
	return NULL;
}

/* ---- the cache of remaps ----------------------------------------------------- */

/* mkdir -p path. */
static struct vmc_error *make_dirs(char *path)
{
	for (char *p = path + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			*p = '\0';
			if (mkdir(path, 0755) != 0 && errno != EEXIST)
				return vmc_error_errno(errno, "cannot create %s",
						       path);
			*p = c;
			if (!c)
				break;
		}
	}
	return NULL;
}

struct vmc_error *vmc_gdb_cache_dir(const char *xdg_cache_home,
				    const char *home, char **out)
{
	struct vmc_error *err;
	*out = NULL;
	if (xdg_cache_home && *xdg_cache_home == '/')
		err = dup_printf(out, "%s/vmcore-tool/gdb-cores", xdg_cache_home);
	else if (home && *home)
		err = dup_printf(out, "%s/.cache/vmcore-tool/gdb-cores", home);
	else
		return vmc_error_new(VMC_ERR_USAGE, "no cache directory: neither "
				     "XDG_CACHE_HOME nor HOME is set (--no-cache "
				     "needs none)");
	if (err)
		return err;
	if ((err = make_dirs(*out))) {
		free(*out);
		*out = NULL;
	}
	return err;
}

void vmc_gdb_cache_key(const struct stat *st, struct vmc_gdb_cache_key *k)
{
	snprintf(k->prefix, sizeof(k->prefix), "%" PRIx64 "-%" PRIx64 "-",
		 (uint64_t)st->st_dev, (uint64_t)st->st_ino);
	snprintf(k->name, sizeof(k->name), "%s%" PRIx64 "-%lld.%09ld.core",
		 k->prefix, (uint64_t)st->st_size,
		 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

struct vmc_error *vmc_gdb_cache_lookup(const char *dir, const char *core_path,
				       struct vmc_gdb_cache_entry *e)
{
	*e = (struct vmc_gdb_cache_entry){0};
	struct stat st;
	if (stat(core_path, &st) != 0)
		return vmc_error_errno(errno, "cannot stat %s", core_path);
	vmc_gdb_cache_key(&st, &e->key);
	struct vmc_error *err = dup_printf(&e->path, "%s/%s", dir, e->key.name);
	if (err)
		return err;
	struct stat cst;
	e->reuse = stat(e->path, &cst) == 0 && cst.st_size > 0;
	return NULL;
}

void vmc_gdb_cache_entry_fini(struct vmc_gdb_cache_entry *e)
{
	free(e->path);
	e->path = NULL;
}

void vmc_gdb_cache_tidy(const char *dir, const struct vmc_gdb_cache_key *keep,
			struct vmc_gdb_cache_usage *u)
{
	*u = (struct vmc_gdb_cache_usage){0};
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	struct dirent *e;
	while ((e = readdir(dp))) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 5, ".core") != 0)
			continue;
		char path[4096];
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		if (strncmp(e->d_name, keep->prefix, strlen(keep->prefix)) == 0 &&
		    strcmp(e->d_name, keep->name) != 0) {
			unlink(path);
			continue;
		}
		struct stat st;
		if (stat(path, &st) == 0) {
			u->files++;
			u->disk += (uint64_t)st.st_blocks * 512;
			u->apparent += (uint64_t)st.st_size;
		}
	}
	closedir(dp);
}

/* ---- remapping for gdb ------------------------------------------------------- */

struct vmc_error *vmc_gdb_remap(const struct vmc_dump *d, const char *path,
				const struct vmc_gdb_progress *progress,
				struct vmc_warnings *ws)
{
	struct vmc_plan_opts po = { .layout = VMC_LAYOUT_GDB,
				    .root = { .cpu = -1 } };
	struct vmc_plan plan;
	struct vmc_error *err = vmc_plan_build(d, &po, ws, &plan);
	if (err)
		return err;
	struct vmc_write_opts wo = { .force = true, .shared_bytes = UINT64_MAX };
	if (progress) {
		wo.progress = progress->fn;
		wo.progress_arg = progress->arg;
	}
	err = vmc_plan_write(d, &plan, path, &wo);
	vmc_plan_fini(&plan);
	return err;
}

struct vmc_error *vmc_gdb_temp_create(const char *tmpdir, char **path)
{
	const char *dir = tmpdir && *tmpdir ? tmpdir : "/tmp";
	struct vmc_error *err = dup_printf(path, "%s/vmcore-tool-gdb-XXXXXX",
					   dir);
	if (err)
		return err;
	int fd = mkstemp(*path);
	if (fd < 0) {
		err = vmc_error_errno(errno, "cannot create a file in %s", dir);
		free(*path);
		*path = NULL;
		return err;
	}
	close(fd);
	return NULL;
}

struct vmc_error *vmc_gdb_remap_unlinked(const struct vmc_dump *d,
					 const char *path,
					 const struct vmc_gdb_progress *progress,
					 struct vmc_warnings *ws, int *fd)
{
	*fd = -1;
	struct vmc_error *err = vmc_gdb_remap(d, path, progress, ws);
	if (!err) {
		*fd = open(path, O_RDONLY);
		if (*fd < 0)
			err = vmc_error_errno(errno, "cannot open %s", path);
	}
	unlink(path);
	return err;
}

bool vmc_gdb_is_layout(const struct vmc_source *src)
{
	struct vmc_core *elf = vmc_source_elf(src);
	if (!elf)
		return false;
	size_t n;
	const struct vmc_segment *segs = vmc_core_segments(elf, &n);
	for (size_t i = 0; i < n; i++)
		if (segs[i].type == PT_LOAD && segs[i].kind == VMC_SEG_VIRTUAL)
			return true;
	return false;
}
