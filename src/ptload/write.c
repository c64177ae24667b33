/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ptload write: put a plan on disk. Headers are built here; RAM data comes
 * from the dump model's write_ram (the reader copies, shares blocks or
 * decompresses). Output goes to a temporary file beside OUT, is fsynced and
 * renamed; a failure or a stop signal removes it.
 */
#include "ptload.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>


/* ---- headers ------------------------------------------------------------------ */

static void put_phdr(uint8_t *p, const struct vmc_segment *s, uint8_t cls)
{
	if (cls == ELFCLASS64) {
		vmc_put32(p, s->type, false);
		vmc_put32(p + 4, s->flags, false);
		vmc_put64(p + 8, s->offset, false);
		vmc_put64(p + 16, s->vaddr, false);
		vmc_put64(p + 24, s->paddr, false);
		vmc_put64(p + 32, s->filesz, false);
		vmc_put64(p + 40, s->memsz, false);
		/* p_align 0, as QEMU writes, but a PT_NOTE keeps its notes'
		 * alignment: readers parse 8-aligned notes by it (drgn, us). */
		vmc_put64(p + 48, s->type == PT_NOTE ? s->align : 0, false);
	} else {
		vmc_put32(p, s->type, false);
		vmc_put32(p + 4, (uint32_t)s->offset, false);
		vmc_put32(p + 8, (uint32_t)s->vaddr, false);
		vmc_put32(p + 12, (uint32_t)s->paddr, false);
		vmc_put32(p + 16, (uint32_t)s->filesz, false);
		vmc_put32(p + 20, (uint32_t)s->memsz, false);
		vmc_put32(p + 24, s->flags, false);
		vmc_put32(p + 28, s->type == PT_NOTE ? (uint32_t)s->align : 0, false);
	}
}

/* The ELF header for plan with its tables at phoff (little-endian: we write
 * what we read). */
static void build_ehdr_at(const struct vmc_plan *plan, uint64_t phoff,
			  uint8_t *h);

static void build_ehdr(const struct vmc_plan *plan, uint8_t *h)
{
	build_ehdr_at(plan, plan->phoff, h);
}

static void build_ehdr_at(const struct vmc_plan *plan, uint64_t phoff,
			  uint8_t *h)
{
	bool e64 = plan->elf_class == ELFCLASS64;
	uint64_t nph = plan->segs.n;
	memset(h, 0, e64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr));
	memcpy(h, ELFMAG, SELFMAG);
	h[EI_CLASS] = plan->elf_class;
	h[EI_DATA] = ELFDATA2LSB;
	h[EI_VERSION] = EV_CURRENT;
	vmc_put16(h + 16, ET_CORE, false);
	vmc_put16(h + 18, plan->e_machine, false);
	vmc_put32(h + 20, EV_CURRENT, false);
	uint16_t phnum = nph >= PN_XNUM ? PN_XNUM : (uint16_t)nph;
	uint16_t shnum = plan->shoff ? 1 : 0;
	/* The section header follows the program headers (place.c). */
	uint64_t shoff = plan->shoff ? phoff + (plan->shoff - plan->phoff) : 0;
	if (e64) {
		vmc_put64(h + 32, phoff, false);
		vmc_put64(h + 40, shoff, false);
		vmc_put16(h + 52, sizeof(Elf64_Ehdr), false);
		vmc_put16(h + 54, sizeof(Elf64_Phdr), false);
		vmc_put16(h + 56, phnum, false);
		vmc_put16(h + 58, shnum ? sizeof(Elf64_Shdr) : 0, false);
		vmc_put16(h + 60, shnum, false);
	} else {
		vmc_put32(h + 28, (uint32_t)phoff, false);
		vmc_put32(h + 32, (uint32_t)shoff, false);
		vmc_put16(h + 40, sizeof(Elf32_Ehdr), false);
		vmc_put16(h + 42, sizeof(Elf32_Phdr), false);
		vmc_put16(h + 44, phnum, false);
		vmc_put16(h + 46, shnum ? sizeof(Elf32_Shdr) : 0, false);
		vmc_put16(h + 48, shnum, false);
	}
}

/* Program headers, then (PN_XNUM) section header 0 holding the real count
 * in sh_info (gABI extended numbering; ELF64 only, see place()). */
static uint8_t *build_tables(const struct vmc_plan *plan, size_t *len)
{
	size_t phent = plan->elf_class == ELFCLASS64 ? sizeof(Elf64_Phdr)
						      : sizeof(Elf32_Phdr);
	size_t sh = plan->shoff ? sizeof(Elf64_Shdr) : 0;
	*len = plan->segs.n * phent + sh;
	uint8_t *t = calloc(1, *len ? *len : 1);
	if (!t)
		return NULL;
	for (size_t i = 0; i < plan->segs.n; i++)
		put_phdr(t + i * phent, &plan->segs.v[i], plan->elf_class);
	if (sh)
		vmc_put32(t + plan->segs.n * phent + 44, (uint32_t)plan->segs.n,
			  false);
	return t;
}

/* ---- data -------------------------------------------------------------------------- */

#define CHUNK	(64u << 20)	/* bytes per write_ram call: progress, signals */

/* The signals that end a write early; blocked while it runs. */
static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGPIPE);
}

/* A stop signal arrived while blocked: the caller cleans up, then unblocks
 * and the signal takes its course (the caller's disposition). */
static struct vmc_error *interrupted(void)
{
	sigset_t stop, pending;
	stop_signals(&stop);
	if (sigpending(&pending) != 0)
		return NULL;
	for (int sig = 1; sig < NSIG; sig++) {
		if (sigismember(&stop, sig) != 1 || sigismember(&pending, sig) != 1)
			continue;
		/* A signal the caller ignores (nohup, a shell's background
		 * job) would be discarded on unblocking: it stops nothing. */
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			continue;
		return vmc_error_new(VMC_ERR_IO, "interrupted by %s",
				     strsignal(sig));
	}
	return NULL;
}

static struct vmc_error *write_data(const struct vmc_dump *d,
				    const struct vmc_plan *plan, int fd,
				    const struct vmc_write_opts *wopts)
{
	uint64_t total = 0, done = 0;
	for (size_t i = 0; i < plan->copies.n; i++)
		total += plan->copies.v[i].size;
	for (size_t i = 0; i < plan->copies.n; i++) {
		const struct vmc_plan_copy *c = &plan->copies.v[i];
		for (uint64_t off = 0, n; off < c->size; off += n) {
			/* Pieces end at 4K-aligned output offsets, so that no
			 * piece boundary splits a block the file system could
			 * share (copy.c). */
			n = CHUNK - ((c->dst + off) & 4095);
			if (n > c->size - off)
				n = c->size - off;
			struct vmc_error *err = interrupted();
			if (!err)
				err = d->write_ram(d->ctx, c->paddr + off, n, fd,
						   c->dst + off);
			if (err)
				return err;
			done += n;
			if (wopts->progress)
				wopts->progress(wopts->progress_arg, done, total);
		}
	}
	return interrupted();
}

/* ---- the temporary file ------------------------------------------------------------------ */

static struct vmc_error *check_target(const struct vmc_dump *d,
				      const char *out_path, bool force)
{
	struct stat out_st;
	if (stat(out_path, &out_st) == 0) {
		if ((uint64_t)out_st.st_dev == d->file_dev &&
		    (uint64_t)out_st.st_ino == d->file_ino)
			return vmc_error_new(VMC_ERR_USAGE, "%s is the input core: "
					     "refusing to overwrite it (use "
					     "--in-place to rewrite headers only)",
					     out_path);
		if (S_ISDIR(out_st.st_mode))
			return vmc_error_new(VMC_ERR_USAGE, "%s is a directory",
					     out_path);
		/* The output is renamed into place: over /dev/null or a FIFO
		 * that would replace the device or pipe with a regular file. */
		if (!S_ISREG(out_st.st_mode))
			return vmc_error_new(VMC_ERR_USAGE, "%s is not a regular "
					     "file: refusing to replace it (remap "
					     "writes a file beside OUT and renames "
					     "it over OUT)", out_path);
		if (!force)
			return vmc_error_new(VMC_ERR_IO, "%s exists; use --force "
					     "to replace it", out_path);
	} else if (errno != ENOENT) {
		return vmc_error_errno(errno, "cannot stat %s", out_path);
	}
	return NULL;
}

static struct vmc_error *write_all_parts(const struct vmc_dump *d,
					 const struct vmc_plan *plan, int fd,
					 const struct vmc_write_opts *wopts)
{
	struct vmc_error *err;
	/* Size the file first: holes stay holes, and ENOSPC comes early on
	 * filesystems that reserve. */
	if (ftruncate(fd, (off_t)plan->file_size) < 0)
		return vmc_error_errno(errno, "sizing the output to 0x%" PRIx64
				       " bytes", plan->file_size);
	uint8_t ehdr[sizeof(Elf64_Ehdr)];
	build_ehdr(plan, ehdr);
	size_t tlen;
	uint8_t *tables = build_tables(plan, &tlen);
	if (!tables)
		return vmc_error_nomem();
	err = vmc_pwrite_all(fd, ehdr, plan->elf_class == ELFCLASS64 ?
			     sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr), 0,
			     "the ELF header");
	if (!err)
		err = vmc_pwrite_all(fd, tables, tlen, plan->phoff,
				     "program headers");
	free(tables);
	/* The notes, byte-exact and in their order. */
	for (size_t i = 0; !err && i < d->nnote_data && i < plan->nnotes; i++)
		err = vmc_pwrite_all(fd, d->note_data[i].p, d->note_data[i].n,
				     plan->segs.v[i].offset, "notes");
	if (!err && plan->extra_len)
		err = vmc_pwrite_all(fd, plan->extra, plan->extra_len,
				     plan->extra_off, "added notes");
	if (!err)
		err = write_data(d, plan, fd, wopts);
	if (!err && fsync(fd) < 0)
		err = vmc_error_errno(errno, "fsync");
	return err;
}

/* Bytes of fd that FIEMAP marks shared, or UINT64_MAX if it cannot say. */
static uint64_t shared_bytes(int fd)
{
	enum { NEXT = 256 };
	struct fiemap *fm = calloc(1, sizeof(*fm) + NEXT * sizeof(fm->fm_extents[0]));
	if (!fm)
		return UINT64_MAX;
	uint64_t total = 0, start = 0;
	for (;;) {
		*fm = (struct fiemap){ .fm_start = start, .fm_length = ~0ull,
				       .fm_flags = FIEMAP_FLAG_SYNC,
				       .fm_extent_count = NEXT };
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
			total = UINT64_MAX;
			break;
		}
		if (!fm->fm_mapped_extents)
			break;
		const struct fiemap_extent *e = NULL;
		for (unsigned i = 0; i < fm->fm_mapped_extents; i++) {
			e = &fm->fm_extents[i];
			if (e->fe_flags & FIEMAP_EXTENT_SHARED)
				total += e->fe_length;
		}
		if (e->fe_flags & FIEMAP_EXTENT_LAST)
			break;
		start = e->fe_logical + e->fe_length;
	}
	free(fm);
	return total;
}

/* Write into a new temporary file beside out_path, then rename it. */
static struct vmc_error *write_renamed(const struct vmc_dump *d,
				       const struct vmc_plan *plan,
				       const char *dir, const char *base,
				       const char *out_path,
				       struct vmc_write_opts *wopts)
{
	char *tmp = NULL;
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0)
		return vmc_error_nomem();
	struct vmc_error *err = NULL;
	int fd = mkstemp(tmp);
	if (fd < 0) {
		err = vmc_error_errno(errno, "cannot create a temporary file in %s",
				      dir);
		free(tmp);
		return err;
	}
	/* mkstemp gives 0600; a new file normally gets 0666 less the umask. */
	mode_t um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um) < 0)
		err = vmc_error_errno(errno, "setting the output's mode");
	if (!err)
		err = write_all_parts(d, plan, fd, wopts);
	if (!err)
		wopts->shared_bytes = shared_bytes(fd);
	if (close(fd) < 0 && !err)
		err = vmc_error_errno(errno, "closing the output");
	/* A stop signal during the last fsync or close still means "leave
	 * nothing": look once more before the rename makes the output real. */
	if (!err)
		err = interrupted();
	if (!err && rename(tmp, out_path) < 0)
		err = vmc_error_errno(errno, "renaming the output to %s", out_path);
	if (err) {
		unlink(tmp);
	} else {
		/* Make the rename durable too. */
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	free(tmp);
	return err;
}

struct vmc_error *vmc_plan_write(const struct vmc_dump *d,
				 const struct vmc_plan *plan,
				 const char *out_path,
				 struct vmc_write_opts *wopts)
{
	struct vmc_error *err = check_target(d, out_path, wopts->force);
	if (err)
		return err;
	char *dup = strdup(out_path), *base_dup = strdup(out_path);
	if (!dup || !base_dup) {
		free(dup);
		free(base_dup);
		return vmc_error_nomem();
	}
	/* No handler and no global state: the stop signals wait while the
	 * temporary file exists, the write notices them between pieces and
	 * cleans up, and unblocking delivers them as the caller arranged. */
	sigset_t stop, old;
	stop_signals(&stop);
	sigprocmask(SIG_BLOCK, &stop, &old);
	err = write_renamed(d, plan, dirname(dup), basename(base_dup), out_path,
			    wopts);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(dup);
	free(base_dup);
	if (err)
		vmc_error_prefix(err, "%s", out_path);
	return err;
}

/* Tables at off, durable; then the ELF header pointing at them, durable.
 * Between the two fsyncs the old view is intact; after, the new one. */
static struct vmc_error *switch_tables(int fd, const struct vmc_plan *plan,
				       const uint8_t *tables, size_t tlen,
				       uint64_t off)
{
	struct vmc_error *err = vmc_pwrite_all(fd, tables, tlen, off,
					       "program headers");
	if (!err && fsync(fd) < 0)
		err = vmc_error_errno(errno, "fsync");
	if (!err) {
		/* One write of the ELF header (64 bytes, inside one sector). */
		uint8_t ehdr[sizeof(Elf64_Ehdr)];
		build_ehdr_at(plan, off, ehdr);
		err = vmc_pwrite_all(fd, ehdr, plan->elf_class == ELFCLASS64 ?
				     sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr), 0,
				     "the ELF header");
	}
	if (!err && fsync(fd) < 0)
		err = vmc_error_errno(errno, "fsync");
	return err;
}

struct vmc_error *vmc_plan_write_in_place(const char *path,
					  const struct vmc_plan *plan)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vmc_error_errno(errno, "cannot open for writing");
	struct stat st;
	size_t tlen;
	uint8_t *tables = NULL;
	struct vmc_error *err = NULL;
	if (fstat(fd, &st) < 0)
		err = vmc_error_errno(errno, "cannot stat");
	else if (!(tables = build_tables(plan, &tlen)))
		err = vmc_error_nomem();
	uint64_t size = err ? 0 : (uint64_t)st.st_size;
	if (!err && plan->phoff >= size) {
		/* First rewrite: append past the end, then switch. */
		err = switch_tables(fd, plan, tables, tlen, plan->phoff);
	} else if (!err) {
		/* The slot holds the live table of an earlier rewrite: switch to
		 * a copy past the end first, then back into the slot, then cut
		 * the copy off. Each step leaves one complete, durable view. */
		uint64_t spare = (size + 7) & ~UINT64_C(7);
		err = switch_tables(fd, plan, tables, tlen, spare);
		if (!err)
			err = switch_tables(fd, plan, tables, tlen, plan->phoff);
		if (!err && ftruncate(fd, (off_t)plan->file_size) < 0)
			err = vmc_error_errno(errno, "truncating to 0x%" PRIx64
					      " bytes", plan->file_size);
		if (!err && fsync(fd) < 0)
			err = vmc_error_errno(errno, "fsync");
	}
	free(tables);
	if (close(fd) < 0 && !err)
		err = vmc_error_errno(errno, "close");
	return err;
}
