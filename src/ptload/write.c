/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ptload write: put a plan on disk. Headers are built here; RAM data moves
 * with copy_file_range (reflinks where the filesystem can), falling back to
 * read/write, skipping holes of a sparse input. Output goes to a temporary
 * file beside OUT, is fsynced and renamed; a failure removes it.
 */
#include "ptload.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_CHUNK	(64u << 20)	/* bytes per copy_file_range call */
#define BUF_SIZE	(1u << 20)

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
		vmc_put64(p + 48, 0, false);	/* p_align 0, as QEMU writes */
	} else {
		vmc_put32(p, s->type, false);
		vmc_put32(p + 4, (uint32_t)s->offset, false);
		vmc_put32(p + 8, (uint32_t)s->vaddr, false);
		vmc_put32(p + 12, (uint32_t)s->paddr, false);
		vmc_put32(p + 16, (uint32_t)s->filesz, false);
		vmc_put32(p + 20, (uint32_t)s->memsz, false);
		vmc_put32(p + 24, s->flags, false);
		vmc_put32(p + 28, 0, false);
	}
}

/* The ELF header for plan (little-endian: we write what we read). */
static void build_ehdr(const struct vmc_plan *plan, uint8_t *h)
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
	if (e64) {
		vmc_put64(h + 32, plan->phoff, false);
		vmc_put64(h + 40, plan->shoff, false);
		vmc_put16(h + 52, sizeof(Elf64_Ehdr), false);
		vmc_put16(h + 54, sizeof(Elf64_Phdr), false);
		vmc_put16(h + 56, phnum, false);
		vmc_put16(h + 58, shnum ? sizeof(Elf64_Shdr) : 0, false);
		vmc_put16(h + 60, shnum, false);
	} else {
		vmc_put32(h + 28, (uint32_t)plan->phoff, false);
		vmc_put32(h + 32, (uint32_t)plan->shoff, false);
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

static struct vmc_error *pwrite_all(int fd, const void *buf, size_t len,
				    uint64_t off, const char *what)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vmc_error_errno(errno, "writing %s", what);
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return NULL;
}

/* ---- data -------------------------------------------------------------------------- */

struct copier {
	int in, out;
	uint8_t *buf;
	bool no_cfr;			/* copy_file_range refused: use pread/pwrite */
	uint64_t done, total;
	const struct vmc_write_opts *wopts;
};

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static struct vmc_error *copy_fallback(struct copier *c, uint64_t src,
				       uint64_t dst, uint64_t len)
{
	while (len) {
		size_t n = len < BUF_SIZE ? (size_t)len : BUF_SIZE;
		ssize_t got = pread(c->in, c->buf, n, (off_t)src);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? vmc_error_errno(errno, "reading the core")
				       : vmc_error_new(VMC_ERR_IO, "the core shrank "
						       "while being read");
		/* An all-zero block stays a hole (the file is pre-sized). */
		if (!all_zero(c->buf, (size_t)got)) {
			struct vmc_error *err = pwrite_all(c->out, c->buf,
							   (size_t)got, dst, "RAM data");
			if (err)
				return err;
		}
		src += (uint64_t)got;
		dst += (uint64_t)got;
		len -= (uint64_t)got;
	}
	return NULL;
}

static struct vmc_error *copy_range(struct copier *c, uint64_t src,
				    uint64_t dst, uint64_t len)
{
	while (len) {
		uint64_t chunk = len < COPY_CHUNK ? len : COPY_CHUNK;
		if (!c->no_cfr) {
			loff_t s = (loff_t)src, d = (loff_t)dst;
			ssize_t n = copy_file_range(c->in, &s, c->out, &d,
						    (size_t)chunk, 0);
			if (n > 0) {
				src += (uint64_t)n;
				dst += (uint64_t)n;
				len -= (uint64_t)n;
				c->done += (uint64_t)n;
				goto progress;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == ENOSPC || errno == EDQUOT ||
				      errno == EIO || errno == EFBIG))
				return vmc_error_errno(errno, "copying RAM data");
			/* EXDEV, EINVAL, ENOSYS, EOPNOTSUPP or a 0 return:
			 * this pair of files cannot use it; copy by hand. */
			c->no_cfr = true;
		}
		struct vmc_error *err = copy_fallback(c, src, dst, chunk);
		if (err)
			return err;
		src += chunk;
		dst += chunk;
		len -= chunk;
		c->done += chunk;
progress:
		if (c->wopts->progress)
			c->wopts->progress(c->wopts->progress_arg, c->done, c->total);
	}
	return NULL;
}

/* Copy [src, src+len) skipping the input's holes (SEEK_DATA/SEEK_HOLE),
 * so a sparse core gives a sparse output. */
static struct vmc_error *copy_sparse(struct copier *c, uint64_t src,
				     uint64_t dst, uint64_t len)
{
	uint64_t end = src + len;
	while (src < end) {
		off_t data = lseek(c->in, (off_t)src, SEEK_DATA);
		if (data < 0) {
			if (errno == ENXIO)
				break;			/* only a hole is left */
			return copy_range(c, src, dst, end - src);	/* no support */
		}
		if ((uint64_t)data >= end)
			break;
		off_t hole = lseek(c->in, data, SEEK_HOLE);
		uint64_t stop = hole < 0 || (uint64_t)hole > end ? end : (uint64_t)hole;
		c->done += (uint64_t)data - src;
		struct vmc_error *err = copy_range(c, (uint64_t)data,
						   dst + ((uint64_t)data - src),
						   stop - (uint64_t)data);
		if (err)
			return err;
		dst += stop - src;
		src = stop;
	}
	c->done += end - src;
	return NULL;
}

/* ---- the temporary file ------------------------------------------------------------------ */

/* The one temporary file in flight, removed if we are interrupted. */
static char tmp_path[4096];

static void remove_tmp_on_signal(int sig)
{
	if (tmp_path[0])
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void guard_signals(bool on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		signal(sigs[i], on ? remove_tmp_on_signal : SIG_DFL);
}

static struct vmc_error *check_target(struct vmc_core *core,
				      const char *out_path, bool force)
{
	struct stat in_st, out_st;
	if (fstat(core->fd, &in_st) < 0)
		return vmc_error_errno(errno, "cannot stat the core");
	if (stat(out_path, &out_st) == 0) {
		if (out_st.st_dev == in_st.st_dev && out_st.st_ino == in_st.st_ino)
			return vmc_error_new(VMC_ERR_USAGE, "%s is the input core: "
					     "refusing to overwrite it (use "
					     "--in-place to rewrite headers only)",
					     out_path);
		if (S_ISDIR(out_st.st_mode))
			return vmc_error_new(VMC_ERR_USAGE, "%s is a directory",
					     out_path);
		if (!force)
			return vmc_error_new(VMC_ERR_IO, "%s exists; use --force "
					     "to replace it", out_path);
	} else if (errno != ENOENT) {
		return vmc_error_errno(errno, "cannot stat %s", out_path);
	}
	return NULL;
}

static struct vmc_error *write_all_parts(struct vmc_core *core,
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
	err = pwrite_all(fd, ehdr, plan->elf_class == ELFCLASS64 ?
			 sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr), 0, "the ELF header");
	if (!err)
		err = pwrite_all(fd, tables, tlen, plan->phoff, "program headers");
	free(tables);
	if (err)
		return err;

	/* The notes, byte-exact and in their order. */
	uint64_t at = plan->notes_off;
	for (size_t i = 0; i < core->segs.n; i++) {
		const struct vmc_segment *s = &core->segs.v[i];
		if (s->type != PT_NOTE || s->kind == VMC_SEG_ABSENT)
			continue;
		if ((err = pwrite_all(fd, core->map + s->offset, s->avail, at,
				      "notes")))
			return err;
		at += s->avail;
	}

	struct copier c = { .in = core->fd, .out = fd, .wopts = wopts };
	for (size_t i = 0; i < plan->copies.n; i++)
		c.total += plan->copies.v[i].size;
	c.buf = malloc(BUF_SIZE);
	if (!c.buf)
		return vmc_error_nomem();
	for (size_t i = 0; i < plan->copies.n && !err; i++)
		err = copy_sparse(&c, plan->copies.v[i].src, plan->copies.v[i].dst,
				  plan->copies.v[i].size);
	free(c.buf);
	if (!err && fsync(fd) < 0)
		err = vmc_error_errno(errno, "fsync");
	return err;
}

struct vmc_error *vmc_plan_write(struct vmc_core *core,
				 const struct vmc_plan *plan,
				 const char *out_path,
				 const struct vmc_write_opts *wopts)
{
	struct vmc_error *err = check_target(core, out_path, wopts->force);
	if (err)
		return err;
	char *dup = strdup(out_path);
	if (!dup)
		return vmc_error_nomem();
	char *base_dup = strdup(out_path);
	if (!base_dup) {
		free(dup);
		return vmc_error_nomem();
	}
	const char *dir = dirname(dup), *base = basename(base_dup);
	if ((size_t)snprintf(tmp_path, sizeof(tmp_path), "%s/.%s.XXXXXX", dir,
			     base) >= sizeof(tmp_path)) {
		free(dup);
		free(base_dup);
		tmp_path[0] = '\0';
		return vmc_error_new(VMC_ERR_USAGE, "output path too long");
	}
	guard_signals(true);
	int fd = mkstemp(tmp_path);
	if (fd < 0) {
		err = vmc_error_errno(errno, "cannot create a temporary file in %s",
				      dir);
		tmp_path[0] = '\0';
		goto out;
	}
	/* mkstemp gives 0600; a new file normally gets 0666 less the umask. */
	mode_t um = umask(0);
	umask(um);
	fchmod(fd, 0666 & ~um);
	err = write_all_parts(core, plan, fd, wopts);
	if (close(fd) < 0 && !err)
		err = vmc_error_errno(errno, "closing the output");
	if (!err && rename(tmp_path, out_path) < 0)
		err = vmc_error_errno(errno, "renaming the output to %s", out_path);
	if (err) {
		unlink(tmp_path);
	} else {
		/* Make the rename durable too. */
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	tmp_path[0] = '\0';
out:
	guard_signals(false);
	free(dup);
	free(base_dup);
	if (err)
		vmc_error_prefix(err, "%s", out_path);
	return err;
}

/* For the crash tests only: VMCORE_TOOL_TEST_KILL_AT=append|appended|header
 * kills the process at that step of an in-place rewrite. */
static void test_kill_point(const char *step)
{
	const char *at = getenv("VMCORE_TOOL_TEST_KILL_AT");
	if (at && strcmp(at, step) == 0)
		raise(SIGKILL);
}

struct vmc_error *vmc_plan_write_in_place(const char *path,
					  const struct vmc_plan *plan)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vmc_error_errno(errno, "%s: cannot open for writing", path);
	size_t tlen;
	uint8_t *tables = build_tables(plan, &tlen);
	struct vmc_error *err = tables ? NULL : vmc_error_nomem();
	/* 1. Append the new tables past the end: the old view is untouched. */
	test_kill_point("append");
	if (!err)
		err = pwrite_all(fd, tables, tlen, plan->phoff, "program headers");
	free(tables);
	test_kill_point("appended");
	/* 2. Make them durable before anything points at them. */
	if (!err && fsync(fd) < 0)
		err = vmc_error_errno(errno, "fsync");
	/* 3. Switch views with one write of the ELF header (64 bytes, inside
	 * one sector), then make that durable. */
	test_kill_point("header");
	if (!err) {
		uint8_t ehdr[sizeof(Elf64_Ehdr)];
		build_ehdr(plan, ehdr);
		err = pwrite_all(fd, ehdr, plan->elf_class == ELFCLASS64 ?
				 sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr), 0,
				 "the ELF header");
	}
	if (!err && fsync(fd) < 0)
		err = vmc_error_errno(errno, "fsync");
	if (close(fd) < 0 && !err)
		err = vmc_error_errno(errno, "close");
	if (err)
		vmc_error_prefix(err, "%s", path);
	return err;
}
