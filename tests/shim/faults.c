/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvmc-faults.so: fault injection for the CLI tests, from outside the
 * product (STYLE.md: test hooks do not ship). Loaded with LD_PRELOAD, it
 * wraps the calls that put data on disk and, as the environment says:
 *
 *   VMC_FAULT_ENOSPC_AFTER=N     once N bytes in all (K, M, G suffixes)
 *                                have gone to regular files through write,
 *                                pwrite, copy_file_range or fallocate, those
 *                                calls fail with ENOSPC; the call that
 *                                crosses the limit first writes up to it, as
 *                                a full disk does. ftruncate is left alone:
 *                                growing a file only makes a hole.
 *   VMC_FAULT_KILL_AT=CALL:N     raise(SIGKILL) just before the Nth call of
 *                                CALL (counted from 1)
 *   VMC_FAULT_SIGNAL_AT=CALL:N:SIG   the same with SIG (INT, SIGINT or a
 *                                number); a blocked signal stays pending and
 *                                the call goes ahead
 *
 * CALL is write, pwrite (pwrite and pwrite64), copy_file_range, fallocate
 * (fallocate and fallocate64) or fsync (fsync and fdatasync). A malformed
 * setting ends the process with status 125 and a message, so that a typo
 * cannot turn a fault test into a plain run.
 *
 * Only calls that go through the dynamic linker are seen: the product's own,
 * not glibc's internal ones (stdio writes to stdout and stderr, for one).
 * Built without _FILE_OFFSET_BITS=64, so that pwrite and pwrite64 are two
 * symbols here, as they are in libc.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum call { C_WRITE, C_PWRITE, C_COPY_FILE_RANGE, C_FALLOCATE, C_FSYNC, C_NCALLS };
static const char *const call_names[C_NCALLS] = {
	[C_WRITE] = "write", [C_PWRITE] = "pwrite",
	[C_COPY_FILE_RANGE] = "copy_file_range", [C_FALLOCATE] = "fallocate",
	[C_FSYNC] = "fsync",
};

/* One "raise SIG before the Nth call of CALL"; KILL_AT and SIGNAL_AT. */
struct trigger {
	int call;		/* enum call, or -1 when unset */
	unsigned long nth;
	int sig;
};

static struct trigger triggers[2] = { { .call = -1 }, { .call = -1 } };
static unsigned long ncalls[C_NCALLS];
static int have_limit;
static uint64_t limit, written;

static void die(const char *var, const char *val, const char *why)
{
	fprintf(stderr, "libvmc-faults: %s=%s: %s\n", var, val, why);
	_exit(125);
}

static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && strcmp(abbrev, s) == 0)
			return sig;
	}
	return -1;
}

/* "CALL:N" (with_sig 0) or "CALL:N:SIG" (with_sig 1). */
static void parse_trigger(struct trigger *t, const char *var, int with_sig)
{
	const char *val = getenv(var);
	if (!val || !*val)
		return;
	char buf[128], *colon, *end;
	if (strlen(val) >= sizeof(buf))
		die(var, val, "too long");
	strcpy(buf, val);
	if (!(colon = strchr(buf, ':')))
		die(var, val, with_sig ? "expected CALL:N:SIG" : "expected CALL:N");
	*colon = '\0';
	for (int c = 0; c < C_NCALLS; c++)
		if (strcmp(buf, call_names[c]) == 0)
			t->call = c;
	if (t->call < 0)
		die(var, val, "CALL is write, pwrite, copy_file_range, fallocate or fsync");
	t->nth = strtoul(colon + 1, &end, 10);
	if (end == colon + 1 || t->nth == 0 || (with_sig ? *end != ':' : *end != '\0'))
		die(var, val, "N is a count from 1");
	t->sig = with_sig ? parse_signal(end + 1) : SIGKILL;
	if (t->sig < 0)
		die(var, val, "unknown signal");
}

__attribute__((constructor)) static void faults_init(void)
{
	const char *val = getenv("VMC_FAULT_ENOSPC_AFTER");
	if (val && *val) {
		char *end;
		errno = 0;
		limit = strtoull(val, &end, 0);
		int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
		if (shift)
			end++;
		if (errno || end == val || *end || limit > UINT64_MAX >> shift)
			die("VMC_FAULT_ENOSPC_AFTER", val, "expected a byte count (K, M, G suffixes)");
		limit <<= shift;
		have_limit = 1;
	}
	parse_trigger(&triggers[0], "VMC_FAULT_KILL_AT", 0);
	parse_trigger(&triggers[1], "VMC_FAULT_SIGNAL_AT", 1);
}

/* Count a call of CALL and raise what a trigger asks for, before it runs. */
static void before(enum call c)
{
	ncalls[c]++;
	for (size_t i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++)
		if (triggers[i].call == (int)c && triggers[i].nth == ncalls[c])
			raise(triggers[i].sig);
}

/* How many of len bytes to fd the disk still takes: len when there is no
 * limit or fd is not a regular file, else what is left (maybe 0). */
static size_t room(int fd, size_t len)
{
	struct stat st;
	if (!have_limit || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return len;
	uint64_t left = limit - written;
	return len < left ? len : (size_t)left;
}

/* The real function, looked up once. */
#define REAL(name) \
	static __typeof__(name) *real_##name; \
	if (!real_##name) \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

/* A write of len bytes to fd through the real call EXPR, held to the room
 * left: ENOSPC when there is none, else a possibly short write. */
#define LIMITED_WRITE(fd, len, expr) do { \
	size_t n_ = room(fd, len); \
	if (n_ == 0 && (len) > 0) { \
		errno = ENOSPC; \
		return -1; \
	} \
	(len) = n_; \
	ssize_t r_ = (expr); \
	if (r_ > 0 && have_limit) \
		written += (uint64_t)r_; \
	return r_; \
} while (0)

ssize_t write(int fd, const void *buf, size_t len)
{
	REAL(write);
	before(C_WRITE);
	LIMITED_WRITE(fd, len, real_write(fd, buf, len));
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	REAL(pwrite);
	before(C_PWRITE);
	LIMITED_WRITE(fd, len, real_pwrite(fd, buf, len, off));
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	REAL(pwrite64);
	before(C_PWRITE);
	LIMITED_WRITE(fd, len, real_pwrite64(fd, buf, len, off));
}

ssize_t copy_file_range(int fd_in, off64_t *off_in, int fd_out,
			off64_t *off_out, size_t len, unsigned int flags)
{
	REAL(copy_file_range);
	before(C_COPY_FILE_RANGE);
	LIMITED_WRITE(fd_out, len,
		      real_copy_file_range(fd_in, off_in, fd_out, off_out, len, flags));
}

/* fallocate reserves all of len or nothing; punching a hole frees space
 * (and is not counted). EXPR is the real call. */
#define LIMITED_FALLOCATE(fd, mode, len, expr) do { \
	int counts_ = have_limit && (len) > 0 && !((mode) & FALLOC_FL_PUNCH_HOLE); \
	if (counts_ && room(fd, (size_t)(len)) < (uint64_t)(len)) { \
		errno = ENOSPC; \
		return -1; \
	} \
	int r_ = (expr); \
	if (r_ == 0 && counts_) \
		written += (uint64_t)(len); \
	return r_; \
} while (0)

int fallocate(int fd, int mode, off_t off, off_t len)
{
	REAL(fallocate);
	before(C_FALLOCATE);
	LIMITED_FALLOCATE(fd, mode, len, real_fallocate(fd, mode, off, len));
}

int fallocate64(int fd, int mode, off64_t off, off64_t len)
{
	REAL(fallocate64);
	before(C_FALLOCATE);
	LIMITED_FALLOCATE(fd, mode, len, real_fallocate64(fd, mode, off, len));
}

int fsync(int fd)
{
	REAL(fsync);
	before(C_FSYNC);
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	REAL(fdatasync);
	before(C_FSYNC);
	return real_fdatasync(fd);
}
