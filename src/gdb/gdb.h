/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gdb: handing a dump to gdb. Which gdb to run, what it is told before its
 * own arguments (architecture, the vmlinux at the KASLR offset, the core),
 * that command line as argv and as one shell-quoted line for people, and
 * the cache of gdb-layout remaps that `vmcore-tool gdb` keeps: its
 * directory, an entry's key from the input's identity, tidying and size,
 * the remap into it, and whether an input needs one at all.
 *
 * Library code: no printing, no global state. The environment ($PATH,
 * $XDG_CACHE_HOME, $HOME, $TMPDIR) comes in as arguments; the CLI prints
 * the messages and runs gdb.
 */
#ifndef VMC_GDB_H
#define VMC_GDB_H

#include <sys/stat.h>

#include "../base/base.h"
#include "../open/open.h"
#include "../symbols/symbols.h"

/* ---- the command line -------------------------------------------------------- */

/* "gdb-multiarch" when path_env (a $PATH) has it (it reads every
 * architecture), else "gdb"; NULL when neither is there. A NULL or empty
 * path_env means /usr/bin:/bin. The result is a static string. */
const char *vmc_gdb_find(const char *path_env);

/* What gdb is told with -ex, in order, before its own arguments. Each
 * string is owned (vmc_gdb_setup_fini()); NULL when there is none. */
struct vmc_gdb_setup {
	char *arch;		/* "set architecture i386", or NULL */
	char *symfile;		/* "symbol-file -o 0x... PATH", or NULL */
	char *core;		/* "core-file PATH" */
	char *why_none;		/* why symfile is NULL or has placeholders */
};

/*
 * The setup for core_path. gdb has no ELF64 i386 target and cannot tell an
 * AArch64 core's architecture on a foreign host, so it is set; the
 * vmlinux's symbols move by the KASLR offset (symbol-file -o). Without a
 * vmlinux or the offset, symfile is NULL, or with placeholders it names
 * VMLINUX and OFFSET for people to fill in; why_none says why. Errors: out
 * of memory only.
 */
struct vmc_error *vmc_gdb_setup(struct vmc_symbols *syms,
				const struct vmc_dump *d, const char *core_path,
				bool placeholders, struct vmc_gdb_setup *out);
void vmc_gdb_setup_fini(struct vmc_gdb_setup *g);

/*
 * What remap's placeholders stand for, briefly (verbose: where the vmlinux
 * was looked for), for people; *out is NULL when there are none, else the
 * caller frees it. Errors: out of memory only.
 */
struct vmc_error *vmc_gdb_hint(struct vmc_symbols *syms,
			       const struct vmc_dump *d, bool verbose,
			       char **out);

/*
 * The argv that runs gdb: gdb, -q, -ex and each of g's commands, then
 * extra[0, nextra), then NULL. The strings are borrowed from g and extra;
 * the caller frees the array only.
 */
struct vmc_error *vmc_gdb_argv(const char *gdb, const struct vmc_gdb_setup *g,
			       char *const *extra, size_t nextra, char ***out);

/* argv (NULL-terminated) as one line for a POSIX shell: words joined by
 * spaces, each in single quotes unless it is non-empty and made only of
 * [A-Za-z0-9_./:=+,@%-]. The caller frees *out. */
struct vmc_error *vmc_gdb_shell_line(char *const *argv, char **out);

/* ---- the cache of remaps ----------------------------------------------------- */

/* ${XDG_CACHE_HOME:-$HOME/.cache}/vmcore-tool/gdb-cores (an XDG_CACHE_HOME
 * that is not absolute is ignored), created with its parents, into *out
 * (the caller frees it). VMC_ERR_USAGE when neither variable is set. */
struct vmc_error *vmc_gdb_cache_dir(const char *xdg_cache_home,
				    const char *home, char **out);

/* The name of an input's entry: prefix from the file (st_dev, st_ino), so
 * that an entry of the same file is found and replaced when it changes;
 * name adds st_size and st_mtim, so that a changed file misses. */
struct vmc_gdb_cache_key {
	char prefix[48];	/* "DEV-INO-", hex */
	char name[128];		/* prefix "SIZE-SEC.NSEC.core" */
};

void vmc_gdb_cache_key(const struct stat *st, struct vmc_gdb_cache_key *out);

/* An input's entry in a cache directory. */
struct vmc_gdb_cache_entry {
	struct vmc_gdb_cache_key key;
	char *path;		/* dir/name, owned */
	bool reuse;		/* it exists and is not empty: no remap needed */
};

/* The entry of core_path (stat()ed now) in dir. */
struct vmc_error *vmc_gdb_cache_lookup(const char *dir, const char *core_path,
				       struct vmc_gdb_cache_entry *out);
void vmc_gdb_cache_entry_fini(struct vmc_gdb_cache_entry *e);

/* What a cache directory holds: its *.core files. */
struct vmc_gdb_cache_usage {
	size_t files;
	uint64_t disk;		/* allocated bytes */
	uint64_t apparent;	/* their sizes */
};

/* Remove dir's entries of keep's file other than keep itself (the same
 * input, changed since), then count what dir holds. Best effort: files
 * that vanish or cannot be read are skipped. */
void vmc_gdb_cache_tidy(const char *dir, const struct vmc_gdb_cache_key *keep,
			struct vmc_gdb_cache_usage *out);

/* ---- remapping for gdb ------------------------------------------------------- */

/* Progress of a remap (bytes done, bytes in all), or NULL. */
struct vmc_gdb_progress {
	void (*fn)(void *arg, uint64_t done, uint64_t total);
	void *arg;
};

/* Write the gdb layout of d (default root, filler included) to path,
 * replacing it (vmc_plan_write()). */
struct vmc_error *vmc_gdb_remap(const struct vmc_dump *d, const char *path,
				const struct vmc_gdb_progress *progress,
				struct vmc_warnings *ws);

/* A new empty file tmpdir/vmcore-tool-gdb-XXXXXX (tmpdir NULL or "":
 * /tmp), for vmc_gdb_remap_unlinked(); *path is the caller's to free. */
struct vmc_error *vmc_gdb_temp_create(const char *tmpdir, char **path);

/* vmc_gdb_remap() into path, then open it read-only into *fd (gdb inherits
 * it and reads /proc/self/fd/N); path is unlinked whether this succeeds
 * or not, so nothing is left behind when gdb exits. */
struct vmc_error *vmc_gdb_remap_unlinked(const struct vmc_dump *d,
					 const char *path,
					 const struct vmc_gdb_progress *progress,
					 struct vmc_warnings *ws, int *fd);

/* Whether src is an ELF core with virtual PT_LOADs: gdb reads it as it
 * is, with no remap. */
bool vmc_gdb_is_layout(const struct vmc_source *src);

#endif /* VMC_GDB_H */
