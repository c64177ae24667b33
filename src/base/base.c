/* SPDX-License-Identifier: GPL-2.0-or-later */
/* base: errors, warnings, growable arrays, small formatting helpers. */
#include "base.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Returned when we cannot allocate an error: reporting OOM must not allocate. */
static struct vmc_error nomem_error = {
	.code = VMC_ERR_NOMEM,
	.errnum = ENOMEM,
	.msg = (char *)"out of memory",
};

struct vmc_error *vmc_error_nomem(void)
{
	return &nomem_error;
}

static struct vmc_error *error_vnew(enum vmc_error_code code, int errnum,
				    uint64_t addr, const char *fmt, va_list ap)
{
	struct vmc_error *err = calloc(1, sizeof(*err));
	if (!err)
		return &nomem_error;
	if (vasprintf(&err->msg, fmt, ap) < 0) {
		free(err);
		return &nomem_error;
	}
	err->code = code;
	err->errnum = errnum;
	err->addr = addr;
	return err;
}

struct vmc_error *vmc_error_new(enum vmc_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct vmc_error *err = error_vnew(code, 0, 0, fmt, ap);
	va_end(ap);
	return err;
}

struct vmc_error *vmc_error_errno(int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct vmc_error *err = error_vnew(VMC_ERR_IO, errnum, 0, fmt, ap);
	va_end(ap);
	if (err != &nomem_error) {
		char *msg;
		if (asprintf(&msg, "%s: %s", err->msg, strerror(errnum)) >= 0) {
			free(err->msg);
			err->msg = msg;
		}
	}
	return err;
}

struct vmc_error *vmc_error_fault(uint64_t addr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct vmc_error *err = error_vnew(VMC_ERR_FAULT, 0, addr, fmt, ap);
	va_end(ap);
	return err;
}

struct vmc_error *vmc_error_prefix(struct vmc_error *err, const char *fmt, ...)
{
	if (!err || err == &nomem_error)
		return err;
	char *prefix, *msg;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err;
	if (n == 0) {
		free(prefix);
		return err;
	}
	if (asprintf(&msg, "%s: %s", prefix, err->msg) >= 0) {
		free(err->msg);
		err->msg = msg;
	}
	free(prefix);
	return err;
}

void vmc_error_free(struct vmc_error *err)
{
	if (!err || err == &nomem_error)
		return;
	free(err->msg);
	free(err);
}

void vmc_warn(struct vmc_warnings *ws, const char *fmt, ...)
{
	if (!ws)
		return;
	if (ws->limit && ws->count >= ws->limit) {
		ws->suppressed++;
		return;
	}
	ws->count++;
	if (!ws->emit)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ws->emit(ws->arg, buf);
}

int vmc_vec_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elem)
		return -1;
	void *nv = realloc(*v, ncap * elem);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

const char *vmc_human_size(uint64_t bytes, char *buf, size_t bufsz)
{
	static const char units[] = "KMGTPE";
	if (bytes < 1024) {
		snprintf(buf, bufsz, "%" PRIu64, bytes);
		return buf;
	}
	int u = -1;
	uint64_t whole = bytes;
	while (whole >= 1024 && u < 5) {
		whole /= 1024;
		u++;
	}
	uint64_t unit = (uint64_t)1 << (10 * (u + 1));
	if (bytes % unit == 0)
		snprintf(buf, bufsz, "%" PRIu64 "%c", whole, units[u]);
	else
		snprintf(buf, bufsz, "%.1f%c", (double)bytes / (double)unit,
			 units[u]);
	return buf;
}

int vmc_parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (*end)
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

const char *vmc_arch_name(enum vmc_arch arch)
{
	switch (arch) {
	case VMC_ARCH_X86_64: return "x86_64";
	case VMC_ARCH_I386: return "i386";
	case VMC_ARCH_AARCH64: return "aarch64";
	default: return "unknown";
	}
}
