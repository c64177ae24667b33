/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VMCOREINFO text: KEY=VALUE lines written by the guest kernel
 * (kernel/vmcore_info.c, arch/<arch>/kernel/vmcore_info.c).
 */
#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static char *dup_range(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

struct vmc_error *vmc_vmcoreinfo_parse(const char *text, size_t len,
				       struct vmc_vmcoreinfo *out)
{
	*out = (struct vmc_vmcoreinfo){0};
	out->raw = dup_range(text, len);
	if (!out->raw)
		return vmc_error_nomem();
	out->raw_len = len;

	size_t cap = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		/* The kernel pads the note; stop at the first NUL. */
		const char *nul = memchr(p, '\0', (size_t)(eol - p));
		if (nul)
			eol = nul;
		const char *eq = memchr(p, '=', (size_t)(eol - p));
		if (eq && eq > p) {
			if (out->nkv == cap &&
			    vmc_vec_grow((void **)&out->kv, &cap, out->nkv + 1,
					 sizeof(*out->kv)))
				goto nomem;
			struct vmc_kv *kv = &out->kv[out->nkv];
			kv->key = dup_range(p, (size_t)(eq - p));
			kv->value = dup_range(eq + 1, (size_t)(eol - eq - 1));
			if (!kv->key || !kv->value) {
				free(kv->key);
				free(kv->value);
				goto nomem;
			}
			out->nkv++;
		}
		if (nul)
			break;
		p = nl ? nl + 1 : end;
	}
	return NULL;
nomem:
	vmc_vmcoreinfo_fini(out);
	return vmc_error_nomem();
}

void vmc_vmcoreinfo_fini(struct vmc_vmcoreinfo *vi)
{
	for (size_t i = 0; i < vi->nkv; i++) {
		free(vi->kv[i].key);
		free(vi->kv[i].value);
	}
	free(vi->kv);
	free(vi->raw);
	*vi = (struct vmc_vmcoreinfo){0};
}

const char *vmc_vmcoreinfo_get(const struct vmc_vmcoreinfo *vi,
			       const char *key)
{
	if (!vi)
		return NULL;
	/* The last entry wins, as in crash and drgn. */
	for (size_t i = vi->nkv; i-- > 0;)
		if (strcmp(vi->kv[i].key, key) == 0)
			return vi->kv[i].value;
	return NULL;
}

static bool parse_full(const char *s, int base, bool allow_neg, uint64_t *out)
{
	if (!s || !*s)
		return false;
	/* strtoull skips white space and takes a sign: " -1" would be 2^64-1. */
	const char *digits = allow_neg && *s == '-' ? s + 1 : s;
	if (!((*digits >= '0' && *digits <= '9') ||
	      (base == 16 && ((*digits | 0x20) >= 'a' && (*digits | 0x20) <= 'f'))))
		return false;
	char *end;
	errno = 0;
	uint64_t v;
	if (allow_neg && *s == '-') {
		long long sv = strtoll(s, &end, base);
		v = (uint64_t)sv;
	} else {
		if (*s == '-' || *s == '+')
			return false;
		v = strtoull(s, &end, base);
	}
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

bool vmc_vmcoreinfo_number(const struct vmc_vmcoreinfo *vi, const char *name,
			   uint64_t *out)
{
	char key[128];
	if ((size_t)snprintf(key, sizeof(key), "NUMBER(%s)", name) >= sizeof(key))
		return false;
	const char *v = vmc_vmcoreinfo_get(vi, key);
	if (!v)
		return false;
	/* arm64 prints some NUMBER()s as 0x%llx; the generic macro uses %ld. */
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		return parse_full(v + 2, 16, false, out);
	return parse_full(v, 10, true, out);
}

bool vmc_vmcoreinfo_symbol(const struct vmc_vmcoreinfo *vi, const char *name,
			   uint64_t *out)
{
	char key[128];
	if ((size_t)snprintf(key, sizeof(key), "SYMBOL(%s)", name) >= sizeof(key))
		return false;
	return parse_full(vmc_vmcoreinfo_get(vi, key), 16, false, out);
}

bool vmc_vmcoreinfo_hex(const struct vmc_vmcoreinfo *vi, const char *key,
			uint64_t *out)
{
	return parse_full(vmc_vmcoreinfo_get(vi, key), 16, false, out);
}

bool vmc_vmcoreinfo_dec(const struct vmc_vmcoreinfo *vi, const char *key,
			uint64_t *out)
{
	return parse_full(vmc_vmcoreinfo_get(vi, key), 10, false, out);
}
