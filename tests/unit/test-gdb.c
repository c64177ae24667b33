/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: gdb/ — the command line and its quoting, finding gdb, the
 * cache's directory, keys and tidying, and what needs a remap. */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/gdb/gdb.h"

/* A scratch directory under /tmp, or NULL (the failure is counted). */
static char *scratch_dir(char *buf, size_t sz)
{
	snprintf(buf, sz, "/tmp/vmc-unit-gdb-XXXXXX");
	if (!mkdtemp(buf)) {
		fprintf(stderr, "  mkdtemp: %s\n", strerror(errno));
		unit_failed_checks++;
		return NULL;
	}
	return buf;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* rm -r dir */
static void remove_tree(const char *dir)
{
	CHECK(nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS) == 0);
}

static void touch(const char *dir, const char *name, mode_t mode,
		  const char *data)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(fchmod(fd, mode) == 0);
	if (data)
		CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	close(fd);
}

static bool exists(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* ---- the command line -------------------------------------------------------- */

static void test_argv_and_line(void)
{
	struct vmc_gdb_setup g = {
		.arch = (char *)"set architecture i386",
		.symfile = (char *)"symbol-file -o 0x1000000 /v/vmlinux",
		.core = (char *)"core-file /c/r.elf",
	};
	char *extra[] = { (char *)"-batch", (char *)"-ex", (char *)"p 1" };
	char **av;
	CHECK(vmc_gdb_argv("gdb-multiarch", &g, extra, 3, &av) == NULL);
	static const char *const want[] = {
		"gdb-multiarch", "-q", "-ex", "set architecture i386", "-ex",
		"symbol-file -o 0x1000000 /v/vmlinux", "-ex", "core-file /c/r.elf",
		"-batch", "-ex", "p 1",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		CHECK_STR(av[i], want[i]);
	CHECK(av[sizeof(want) / sizeof(*want)] == NULL);
	char *line;
	CHECK(vmc_gdb_shell_line(av, &line) == NULL);
	CHECK_STR(line, "gdb-multiarch -q -ex 'set architecture i386' -ex "
		  "'symbol-file -o 0x1000000 /v/vmlinux' -ex 'core-file "
		  "/c/r.elf' -batch -ex 'p 1'");
	free(line);
	free(av);

	/* Absent commands leave no -ex; no extra arguments. */
	g = (struct vmc_gdb_setup){ .core = (char *)"core-file x.elf" };
	CHECK(vmc_gdb_argv("gdb", &g, NULL, 0, &av) == NULL);
	CHECK(vmc_gdb_shell_line(av, &line) == NULL);
	CHECK_STR(line, "gdb -q -ex 'core-file x.elf'");
	free(line);
	free(av);
}

static void test_shell_quoting(void)
{
	static const struct { const char *word, *quoted; } cases[] = {
		{ "plain_./:=+-,@%AZaz09", "plain_./:=+-,@%AZaz09" },
		{ "", "''" },
		{ "a b", "'a b'" },
		{ "it's", "'it'\\''s'" },
		{ "'", "''\\'''" },
		{ "$HOME", "'$HOME'" },
		{ "a\"b\\c", "'a\"b\\c'" },
		{ "*?[]~#!&;|<>(){}`", "'*?[]~#!&;|<>(){}`'" },
		{ "new\nline", "'new\nline'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *argv[] = { (char *)cases[i].word, NULL };
		char *line;
		CHECK(vmc_gdb_shell_line(argv, &line) == NULL);
		CHECK_STR(line, cases[i].quoted);
		free(line);
	}
	char *none[] = { NULL }, *line;
	CHECK(vmc_gdb_shell_line(none, &line) == NULL);
	CHECK_STR(line, "");
	free(line);
}

static void test_find(void)
{
	char dir[64];
	if (!scratch_dir(dir, sizeof(dir)))
		return;
	char a[128], b[128], path[512];
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	CHECK(mkdir(a, 0755) == 0 && mkdir(b, 0755) == 0);
	touch(a, "gdb", 0644, NULL);			/* not executable */
	snprintf(path, sizeof(path), "/nonexistent:%s", a);
	CHECK(vmc_gdb_find(path) == NULL);
	touch(a, "gdb", 0755, NULL);
	CHECK_STR(vmc_gdb_find(path), "gdb");
	touch(b, "gdb-multiarch", 0755, NULL);		/* preferred, wherever */
	snprintf(path, sizeof(path), "%s::%s", a, b);
	CHECK_STR(vmc_gdb_find(path), "gdb-multiarch");
	remove_tree(dir);
}

/* The setup from a dump's symbols, without a vmlinux (no search). */
static void test_setup_without_vmlinux(void)
{
	static const struct {
		const char *core, *arch, *symfile, *why, *hint;
	} cases[] = {
		/* KERNELOFFSET known: only the vmlinux is missing. */
		{ "sample-x86_64", NULL, "symbol-file -o 0x15c00000 VMLINUX",
		  "no vmlinux (give one with --vmlinux PATH): ",
		  "VMLINUX: the vmlinux of 6.1.0-56-amd64 (build-id " },
		/* i386: no KERNELOFFSET in QEMU's dumps. */
		{ "kallsyms-i386", "set architecture i386",
		  "symbol-file -o OFFSET VMLINUX", "no vmlinux",
		  "; OFFSET: the KASLR offset is unknown: VMCOREINFO "
		  "SYMBOL(_stext) is 0xc2000000" },
		{ "aarch64-basic", "set architecture aarch64", NULL, NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct vmc_source *src = unit_open(unit_fixture(cases[i].core),
						   NULL, NULL);
		if (!src)
			continue;
		struct vmc_symbols_opts o = { .no_search = true };
		struct vmc_symbols *s;
		struct vmc_error *err = vmc_symbols_open(vmc_source_dump(src), &o,
							 NULL, &s);
		CHECK(err == NULL);
		if (err) {
			vmc_error_free(err);
			vmc_source_close(src);
			continue;
		}
		const struct vmc_dump *d = vmc_source_dump(src);
		struct vmc_gdb_setup g;
		CHECK(vmc_gdb_setup(s, d, "/o/r.elf", true, &g) == NULL);
		if (cases[i].arch)
			CHECK_STR(g.arch, cases[i].arch);
		else
			CHECK(g.arch == NULL);
		CHECK_STR(g.core, "core-file /o/r.elf");
		if (cases[i].symfile) {
			CHECK_STR(g.symfile, cases[i].symfile);
			CHECK(g.why_none && strstr(g.why_none, cases[i].why));
		}
		vmc_gdb_setup_fini(&g);
		/* Without placeholders, gdb gets no symbol-file at all. */
		CHECK(vmc_gdb_setup(s, d, "/o/r.elf", false, &g) == NULL);
		CHECK(g.symfile == NULL && g.why_none != NULL);
		vmc_gdb_setup_fini(&g);
		char *hint;
		CHECK(vmc_gdb_hint(s, d, false, &hint) == NULL);
		if (cases[i].hint) {
			CHECK(hint && strstr(hint, cases[i].hint));
			CHECK(hint && strstr(hint, "-v says where it looked"));
		}
		free(hint);
		vmc_symbols_close(s);
		vmc_source_close(src);
	}
}

/* ---- the cache ---------------------------------------------------------------- */

static void test_cache_dir(void)
{
	char dir[64];
	if (!scratch_dir(dir, sizeof(dir)))
		return;
	char *out, want[256], xdg[128];
	struct stat st;
	/* HOME: created with its parents. */
	CHECK(vmc_gdb_cache_dir(NULL, dir, &out) == NULL);
	snprintf(want, sizeof(want), "%s/.cache/vmcore-tool/gdb-cores", dir);
	CHECK_STR(out, want);
	CHECK(out && stat(out, &st) == 0 && S_ISDIR(st.st_mode));
	free(out);
	/* An absolute XDG_CACHE_HOME wins; a relative one is ignored. */
	snprintf(xdg, sizeof(xdg), "%s/xdg", dir);
	CHECK(vmc_gdb_cache_dir(xdg, dir, &out) == NULL);
	snprintf(want, sizeof(want), "%s/xdg/vmcore-tool/gdb-cores", dir);
	CHECK_STR(out, want);
	free(out);
	CHECK(vmc_gdb_cache_dir("rel", dir, &out) == NULL);
	snprintf(want, sizeof(want), "%s/.cache/vmcore-tool/gdb-cores", dir);
	CHECK_STR(out, want);
	free(out);
	/* Neither. */
	struct vmc_error *err = vmc_gdb_cache_dir("", NULL, &out);
	CHECK(err && err->code == VMC_ERR_USAGE && out == NULL);
	vmc_error_free(err);
	/* A file in the way. */
	touch(dir, "file", 0644, NULL);
	snprintf(xdg, sizeof(xdg), "%s/file", dir);
	err = vmc_gdb_cache_dir(xdg, NULL, &out);
	CHECK(err && err->code == VMC_ERR_IO && out == NULL);
	vmc_error_free(err);
	remove_tree(dir);
}

static void test_cache_key(void)
{
	struct stat st = {0};
	st.st_dev = 0x803;
	st.st_ino = 0x1234abcd;
	st.st_size = 0x21000000;
	st.st_mtim.tv_sec = 1700000000;
	st.st_mtim.tv_nsec = 5;
	struct vmc_gdb_cache_key k, k2;
	vmc_gdb_cache_key(&st, &k);
	CHECK_STR(k.prefix, "803-1234abcd-");
	CHECK_STR(k.name, "803-1234abcd-21000000-1700000000.000000005.core");
	/* Every part of the identity changes the name; only the file's
	 * (dev, ino) changes the prefix. */
	st.st_mtim.tv_nsec = 6;
	vmc_gdb_cache_key(&st, &k2);
	CHECK_STR(k2.prefix, k.prefix);
	CHECK(strcmp(k2.name, k.name) != 0);
	st.st_size++;
	vmc_gdb_cache_key(&st, &k2);
	CHECK(strcmp(k2.name, k.name) != 0);
	st.st_ino++;
	vmc_gdb_cache_key(&st, &k2);
	CHECK(strcmp(k2.prefix, k.prefix) != 0);
	/* The largest values fit. */
	memset(&st, 0xff, sizeof(st));
	st.st_mtim.tv_nsec = 999999999;
	vmc_gdb_cache_key(&st, &k2);
	CHECK(strlen(k2.name) > 5 && strcmp(k2.name + strlen(k2.name) - 5, ".core") == 0);
}

static void test_cache_lookup_and_tidy(void)
{
	char dir[64];
	if (!scratch_dir(dir, sizeof(dir)))
		return;
	touch(dir, "input", 0644, "a dump");
	char input[128];
	snprintf(input, sizeof(input), "%s/input", dir);
	struct vmc_gdb_cache_entry e;
	CHECK(vmc_gdb_cache_lookup(dir, input, &e) == NULL);
	char want[512];
	snprintf(want, sizeof(want), "%s/%s", dir, e.key.name);
	CHECK_STR(e.path, want);
	CHECK(!e.reuse);
	/* An empty entry (a remap that died) is not reused; a full one is. */
	touch(dir, e.key.name, 0644, NULL);
	vmc_gdb_cache_entry_fini(&e);
	CHECK(vmc_gdb_cache_lookup(dir, input, &e) == NULL);
	CHECK(!e.reuse);
	touch(dir, e.key.name, 0644, "remapped");
	vmc_gdb_cache_entry_fini(&e);
	CHECK(vmc_gdb_cache_lookup(dir, input, &e) == NULL);
	CHECK(e.reuse);

	/* The same input's stale entries go; other inputs' and other files
	 * stay; only *.core files count. */
	char stale[160];
	snprintf(stale, sizeof(stale), "%sffff-1.000000000.core", e.key.prefix);
	touch(dir, stale, 0644, "old");
	touch(dir, "1-2-3-4.000000000.core", 0644, "other input");
	touch(dir, "notes.txt", 0644, "not a core");
	struct vmc_gdb_cache_usage u;
	vmc_gdb_cache_tidy(dir, &e.key, &u);
	CHECK(!exists(dir, stale));
	CHECK(exists(dir, e.key.name));
	CHECK(exists(dir, "1-2-3-4.000000000.core"));
	CHECK(exists(dir, "notes.txt"));
	CHECK(u.files == 2);
	CHECK_U64(u.apparent, strlen("remapped") + strlen("other input"));
	CHECK(u.disk >= u.apparent || u.disk == 0);
	vmc_gdb_cache_entry_fini(&e);

	/* A missing input. */
	struct vmc_error *err = vmc_gdb_cache_lookup(dir, "/nonexistent/x", &e);
	CHECK(err && err->code == VMC_ERR_IO && e.path == NULL);
	vmc_error_free(err);
	/* A missing directory: nothing counted. */
	vmc_gdb_cache_tidy("/nonexistent", &e.key, &u);
	CHECK(u.files == 0 && u.disk == 0 && u.apparent == 0);
	remove_tree(dir);
}

/* ---- what needs a remap ------------------------------------------------------- */

static void test_is_layout_and_remap(void)
{
	/* Physical PT_LOADs (p_vaddr == p_paddr): a remap is needed. */
	struct vmc_source *src = unit_open(unit_fixture("x86-4level"), NULL, NULL);
	if (!src)
		return;
	CHECK(!vmc_gdb_is_layout(src));
	/* QEMU paging=true: virtual PT_LOADs already. */
	struct vmc_source *pt = unit_open(unit_fixture("paging-true"), NULL, NULL);
	CHECK(pt && vmc_gdb_is_layout(pt));
	vmc_source_close(pt);

	/* remap's output is one too; the unlinked one leaves no file. */
	char dir[64];
	if (!scratch_dir(dir, sizeof(dir))) {
		vmc_source_close(src);
		return;
	}
	char out[128];
	snprintf(out, sizeof(out), "%s/r.elf", dir);
	struct vmc_error *err = vmc_gdb_remap(vmc_source_dump(src), out, NULL, NULL);
	CHECK(err == NULL);
	if (err)
		fprintf(stderr, "  %s\n", err->msg);
	vmc_error_free(err);
	struct vmc_source *r = unit_open(out, NULL, NULL);
	CHECK(r && vmc_gdb_is_layout(r));
	vmc_source_close(r);

	char *tmp;
	CHECK(vmc_gdb_temp_create(dir, &tmp) == NULL);
	CHECK(tmp && strncmp(tmp, dir, strlen(dir)) == 0 && access(tmp, F_OK) == 0);
	int fd;
	CHECK(vmc_gdb_remap_unlinked(vmc_source_dump(src), tmp, NULL, NULL,
				     &fd) == NULL);
	CHECK(fd >= 0 && access(tmp, F_OK) != 0);
	struct stat st, want;
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && stat(out, &want) == 0 &&
	      st.st_size == want.st_size);
	if (fd >= 0)
		close(fd);
	free(tmp);
	err = vmc_gdb_temp_create("/nonexistent", &tmp);
	CHECK(err && err->code == VMC_ERR_IO && strstr(err->msg, "/nonexistent"));
	vmc_error_free(err);
	vmc_source_close(src);
	remove_tree(dir);
}

const struct unit_test gdb_tests[] = {
	{ "gdb/argv-and-line", test_argv_and_line },
	{ "gdb/shell-quoting", test_shell_quoting },
	{ "gdb/find", test_find },
	{ "gdb/setup-without-vmlinux", test_setup_without_vmlinux },
	{ "gdb/cache-dir", test_cache_dir },
	{ "gdb/cache-key", test_cache_key },
	{ "gdb/cache-lookup-and-tidy", test_cache_lookup_and_tidy },
	{ "gdb/is-layout-and-remap", test_is_layout_and_remap },
	{ NULL, NULL }
};
