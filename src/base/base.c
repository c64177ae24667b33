/* SPDX-License-Identifier: GPL-2.0-or-later */
/* base: errors, warnings, growable arrays, small formatting helpers. */
#include "base.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

bool vmc_all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	/* Each byte equals the next, and the first is zero. */
	return n == 0 || (b[0] == 0 && memcmp(b, b + 1, n - 1) == 0);
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
	/* strtoull would skip white space and take a sign (" -1" is 2^64-1). */
	if (!s || *s < '0' || *s > '9')
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

const char *vmc_seg_kind_name(enum vmc_seg_kind kind)
{
	switch (kind) {
	case VMC_SEG_VIRTUAL: return "virtual";
	case VMC_SEG_IDENTITY: return "identity";
	case VMC_SEG_FILLER: return "filler";
	case VMC_SEG_ABSENT: return "absent";
	}
	return "?";
}

const struct vmc_ram_range *vmc_ram_find(const struct vmc_ram_range *ram,
					 size_t n, uint64_t paddr, size_t *hint)
{
	if (hint && *hint < n) {
		const struct vmc_ram_range *h = &ram[*hint];
		if (paddr >= h->paddr && paddr - h->paddr < h->size)
			return h;
	}
	size_t i = vmc_ram_next(ram, n, paddr);
	if (i == 0)
		return NULL;
	const struct vmc_ram_range *r = &ram[i - 1];
	if (paddr - r->paddr >= r->size)
		return NULL;
	if (hint)
		*hint = i - 1;
	return r;
}

size_t vmc_ram_next(const struct vmc_ram_range *ram, size_t n, uint64_t paddr)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ram[mid].paddr <= paddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct vmc_ram_range *vmc_dump_ram_find(const struct vmc_dump *d,
					      uint64_t paddr)
{
	return vmc_ram_find(d->ram, d->nram, paddr, NULL);
}

struct vmc_error *vmc_pwrite_all(int fd, const void *buf, size_t len,
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

/* ---- the pair map ------------------------------------------------------------ */

static uint64_t pair_mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

static int pair_map_grow(struct vmc_pair_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 1024;
	struct vmc_pair_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].used)
			continue;
		size_t j = pair_mix(m->slots[i].a, m->slots[i].b) & (ncap - 1);
		while (ns[j].used)
			j = (j + 1) & (ncap - 1);
		ns[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

uint32_t *vmc_pair_map_get(struct vmc_pair_map *m, uint64_t a, uint64_t b,
			   bool *created)
{
	if ((m->n + 1) * 2 > m->cap && pair_map_grow(m))
		return NULL;
	size_t j = pair_mix(a, b) & (m->cap - 1);
	while (m->slots[j].used) {
		if (m->slots[j].a == a && m->slots[j].b == b) {
			*created = false;
			return &m->slots[j].val;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->slots[j] = (struct vmc_pair_slot){ a, b, 0, true };
	m->n++;
	*created = true;
	return &m->slots[j].val;
}

void vmc_pair_map_free(struct vmc_pair_map *m)
{
	free(m->slots);
	*m = (struct vmc_pair_map){0};
}
