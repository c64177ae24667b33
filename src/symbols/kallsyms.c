/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * symbols: the kernel's kallsyms tables, decoded from guest memory.
 *
 * The format (scripts/kallsyms.c, kernel/kallsyms.c; Linux 6.1):
 *   kallsyms_num_syms      u32
 *   kallsyms_names         per symbol: a token count (one byte; since 6.1,
 *                          73bbb94466fd, two when >= 0x80: low 7 bits, then
 *                          the rest), then that many token numbers; the
 *                          first character of the expansion is the type
 *   kallsyms_token_table   256 NUL-terminated strings, back to back
 *   kallsyms_token_index   256 u16 offsets into the token table
 *   kallsyms_offsets       s32 per symbol, with kallsyms_relative_base (a
 *                          long): relative, or absolute-percpu (below)
 *   kallsyms_addresses     or a long per symbol (!KALLSYMS_BASE_RELATIVE)
 * VMCOREINFO carries their addresses since Linux 6.0 (5fd8fea935a1,
 * f09bddbd8661). drgn's libdrgn/kallsyms.c reads the same tables.
 */
#include "symbols.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Reads go through a window of this many bytes, refilled page by page. */
#define WINDOW		(64 * 1024)
#define READ_PIECE	4096
/* KSYM_NAME_LEN is 512 since 6.1 (b8a94bfb3395), 128 before: a name's
 * expansion and its token count stay below this, or the table is bad. */
#define MAX_NAME	1024
/* A token never comes near this (they are merged pairs of frequent
 * substrings); the read of the token table stops here past the last. */
#define MAX_TOKEN	512

const char *vmc_kallsyms_layout_name(enum vmc_kallsyms_layout l)
{
	switch (l) {
	case VMC_KALLSYMS_RELATIVE: return "relative";
	case VMC_KALLSYMS_ABSOLUTE_PERCPU: return "absolute-percpu";
	case VMC_KALLSYMS_ABSOLUTE: return "absolute";
	default: return "unknown";
	}
}

/* ---- locations ------------------------------------------------------------ */

/* OSRELEASE ("6.1.0-57-amd64") is major.minor or later; true when it
 * does not say (a kernel that exports kallsyms is 6.0 or later). */
static bool release_at_least(const char *rel, unsigned major, unsigned minor)
{
	unsigned a = 0, b = 0;
	if (!rel || sscanf(rel, "%u.%u", &a, &b) != 2)
		return true;	/* unknown: a kernel new enough to export kallsyms */
	return a > major || (a == major && b >= minor);
}

struct vmc_error *vmc_kallsyms_locate(const struct vmc_vmcoreinfo *vi,
				      enum vmc_arch arch, bool big_endian,
				      struct vmc_kallsyms_loc *out)
{
	*out = (struct vmc_kallsyms_loc){ .big_endian = big_endian };
	if (!vi)
		return vmc_error_new(VMC_ERR_NOT_FOUND, "the dump has no VMCOREINFO "
				     "(so no kallsyms addresses)");
	static const char *const need[] = { "kallsyms_names", "kallsyms_num_syms",
					    "kallsyms_token_table",
					    "kallsyms_token_index" };
	uint64_t *dst[] = { &out->names, &out->num_syms, &out->token_table,
			    &out->token_index };
	for (size_t i = 0; i < 4; i++)
		if (!vmc_vmcoreinfo_symbol(vi, need[i], dst[i]))
			return vmc_error_new(VMC_ERR_NOT_FOUND, "VMCOREINFO has no "
					     "SYMBOL(%s) (Linux >= 6.0 exports "
					     "kallsyms there)", need[i]);
	if (vmc_vmcoreinfo_symbol(vi, "kallsyms_offsets", &out->offsets) &&
	    vmc_vmcoreinfo_symbol(vi, "kallsyms_relative_base",
				  &out->relative_base))
		out->have_offsets = true;
	else if (!vmc_vmcoreinfo_symbol(vi, "kallsyms_addresses", &out->addresses))
		return vmc_error_new(VMC_ERR_NOT_FOUND, "VMCOREINFO has neither "
				     "SYMBOL(kallsyms_offsets) and "
				     "SYMBOL(kallsyms_relative_base) nor "
				     "SYMBOL(kallsyms_addresses)");
	out->have_stext = vmc_vmcoreinfo_symbol(vi, "_stext", &out->stext);
	out->word = arch == VMC_ARCH_I386 ? 4 : 8;
	out->long_names = release_at_least(vmc_vmcoreinfo_get(vi, "OSRELEASE"), 6, 1);
	return NULL;
}

/* ---- a windowed reader ------------------------------------------------------ */

struct window {
	vmc_vread_fn read;
	void *ctx;
	uint64_t base;
	size_t len;
	uint8_t buf[WINDOW];
};

/* Up to want bytes at vaddr into buf, a piece at a time, as far as memory
 * goes: how many came. *err is the fault that stopped it, or NULL (all
 * came, or the next would wrap past 2^64). */
static size_t read_as_far(vmc_vread_fn read, void *ctx, uint64_t vaddr,
			  uint8_t *buf, size_t want, struct vmc_error **err)
{
	size_t got = 0;
	*err = NULL;
	while (got < want) {
		uint64_t va = vaddr + got;
		if (va < vaddr)			/* wrapped past 2^64 */
			break;
		size_t piece = READ_PIECE - (size_t)(va & (READ_PIECE - 1));
		if (piece > want - got)
			piece = want - got;
		if ((*err = read(ctx, va, buf + got, piece)))
			break;
		got += piece;
	}
	return got;
}

/* Fill the window from vaddr on, as far as memory goes; the first fault is
 * returned only if not even need bytes came. */
static struct vmc_error *refill(struct window *w, uint64_t vaddr, size_t need)
{
	struct vmc_error *err;
	w->base = vaddr;
	w->len = read_as_far(w->read, w->ctx, vaddr, w->buf, WINDOW, &err);
	if (w->len >= need) {
		vmc_error_free(err);
		return NULL;
	}
	if (!err)
		err = vmc_error_fault(vaddr + w->len, "0x%016" PRIx64
				      " wraps past the end of the address space",
				      vaddr);
	return err;
}

/* n (<= WINDOW) bytes at vaddr. */
static struct vmc_error *wget(struct window *w, uint64_t vaddr, void *out,
			      size_t n)
{
	if (vaddr < w->base || vaddr - w->base > w->len ||
	    n > w->len - (vaddr - w->base)) {
		struct vmc_error *err = refill(w, vaddr, n);
		if (err)
			return err;
	}
	memcpy(out, w->buf + (vaddr - w->base), n);
	return NULL;
}

static struct vmc_error *table_fault(struct vmc_error *err, const char *table,
				     uint64_t index)
{
	return vmc_error_prefix(err, "%s[%" PRIu64 "]", table, index);
}

/* ---- tokens ----------------------------------------------------------------- */

struct tokens {
	char *table;			/* the bytes read */
	size_t len;
	uint16_t index[256];
	uint16_t tlen[256];
};

static struct vmc_error *read_tokens(struct window *w,
				     const struct vmc_kallsyms_loc *loc,
				     struct tokens *tk)
{
	uint8_t raw[512];
	struct vmc_error *err = wget(w, loc->token_index, raw, sizeof(raw));
	if (err)
		return vmc_error_prefix(err, "kallsyms_token_index");
	size_t last = 0;
	for (int i = 0; i < 256; i++) {
		tk->index[i] = vmc_get16(raw + 2 * i, loc->big_endian);
		if (tk->index[i] > last)
			last = tk->index[i];
	}
	/* The table ends with the NUL of the token at the highest offset;
	 * read up to MAX_TOKEN past its start, as far as memory goes. */
	size_t want = last + MAX_TOKEN;
	tk->table = malloc(want);
	if (!tk->table)
		return vmc_error_nomem();
	tk->len = read_as_far(w->read, w->ctx, loc->token_table,
			      (uint8_t *)tk->table, want, &err);
	if (tk->len <= last)
		return err ? vmc_error_prefix(err, "kallsyms_token_table")
			   : vmc_error_new(VMC_ERR_FORMAT, "kallsyms_token_table wraps past the "
					   "end of the address space");
	vmc_error_free(err);
	for (int i = 0; i < 256; i++) {
		const char *t = tk->table + tk->index[i];
		const char *nul = tk->index[i] < tk->len ?
			memchr(t, '\0', tk->len - tk->index[i]) : NULL;
		if (!nul || nul - t >= MAX_TOKEN)
			return vmc_error_new(VMC_ERR_FORMAT, "token %d "
					     "at kallsyms_token_table+%u has no "
					     "end within %d bytes", i,
					     tk->index[i], MAX_TOKEN);
		tk->tlen[i] = (uint16_t)(nul - t);
	}
	return NULL;
}

/* ---- names ------------------------------------------------------------------ */

struct names {
	char *text;			/* every name, NUL-terminated */
	size_t len, cap;
	size_t *off;			/* per symbol */
	char *type;
	size_t n, cap_n;
	size_t stext;			/* index of "_stext", or SIZE_MAX */
};

static struct vmc_error *add_name(struct names *nm, const char *s, size_t len,
				  char type)
{
	if (nm->n == nm->cap_n) {
		size_t cap = nm->cap_n;
		if (vmc_vec_grow((void **)&nm->off, &cap, nm->n + 1, sizeof(*nm->off)))
			return vmc_error_nomem();
		cap = nm->cap_n;
		if (vmc_vec_grow((void **)&nm->type, &cap, nm->n + 1, 1))
			return vmc_error_nomem();
		nm->cap_n = cap;
	}
	if (vmc_vec_grow((void **)&nm->text, &nm->cap, nm->len + len + 1, 1))
		return vmc_error_nomem();
	memcpy(nm->text + nm->len, s, len);
	nm->text[nm->len + len] = '\0';
	if (nm->stext == SIZE_MAX && len == 6 && memcmp(s, "_stext", 6) == 0)
		nm->stext = nm->n;
	nm->off[nm->n] = nm->len;
	nm->type[nm->n] = type;
	nm->n++;
	nm->len += len + 1;
	return NULL;
}

static void names_free(struct names *nm)
{
	free(nm->text);
	free(nm->off);
	free(nm->type);
}

static struct vmc_error *read_names(struct window *w,
				    const struct vmc_kallsyms_loc *loc,
				    const struct tokens *tk, uint32_t num,
				    struct names *nm, uint64_t *names_bytes)
{
	uint64_t pos = loc->names;
	char name[MAX_NAME + MAX_TOKEN];
	uint8_t tok[MAX_NAME];
	for (uint32_t i = 0; i < num; i++) {
		uint8_t b[2];
		struct vmc_error *err = wget(w, pos, b, 1);
		if (err)
			return table_fault(err, "kallsyms_names: symbol", i);
		size_t count = b[0], hdr = 1;
		if ((b[0] & 0x80) && loc->long_names) {
			if ((err = wget(w, pos + 1, b + 1, 1)))
				return table_fault(err, "kallsyms_names: symbol", i);
			count = (size_t)(b[0] & 0x7f) | (size_t)b[1] << 7;
			hdr = 2;
		}
		if (count == 0 || count > MAX_NAME)
			return vmc_error_new(VMC_ERR_FORMAT, "symbol %"
					     PRIu32 " at kallsyms_names+0x%" PRIx64
					     " has %zu tokens (1 to %d expected)",
					     i, pos - loc->names, count, MAX_NAME);
		if ((err = wget(w, pos + hdr, tok, count)))
			return table_fault(err, "kallsyms_names: symbol", i);
		size_t len = 0;
		for (size_t k = 0; k < count; k++) {
			const char *t = tk->table + tk->index[tok[k]];
			size_t tl = tk->tlen[tok[k]];
			if (len + tl > MAX_NAME)
				return vmc_error_new(VMC_ERR_FORMAT, "symbol %" PRIu32 " expands past "
						     "%d bytes", i, MAX_NAME);
			memcpy(name + len, t, tl);
			len += tl;
		}
		if (len == 0)
			return vmc_error_new(VMC_ERR_FORMAT, "symbol %"
					     PRIu32 " expands to nothing (not even "
					     "its type)", i);
		/* Names go to terminals and JSON: printable ASCII only. */
		for (size_t k = 0; k < len; k++)
			if (name[k] < 0x20 || name[k] > 0x7e)
				name[k] = '?';
		if ((err = add_name(nm, name + 1, len - 1, name[0])))
			return err;
		pos += hdr + count;
	}
	*names_bytes = pos - loc->names;
	return NULL;
}

/* ---- addresses -------------------------------------------------------------- */

/* The raw offsets or addresses, one value per symbol. */
static struct vmc_error *read_values(struct window *w,
				     const struct vmc_kallsyms_loc *loc,
				     uint32_t num, uint64_t *vals)
{
	unsigned size = loc->have_offsets ? 4 : loc->word;
	uint64_t base = loc->have_offsets ? loc->offsets : loc->addresses;
	const char *table = loc->have_offsets ? "kallsyms_offsets" :
						"kallsyms_addresses";
	for (uint32_t i = 0; i < num; i++) {
		uint8_t b[8];
		uint64_t va = base + (uint64_t)i * size;
		if (va < base)
			return vmc_error_new(VMC_ERR_FORMAT, "%s[%" PRIu32
					     "] wraps past the end of the address "
					     "space", table, i);
		struct vmc_error *err = wget(w, va, b, size);
		if (err)
			return table_fault(err, table, i);
		vals[i] = size == 4 ? vmc_get32(b, loc->big_endian)
				    : vmc_get64(b, loc->big_endian);
	}
	return NULL;
}

static uint64_t word_mask(unsigned word)
{
	return word == 4 ? UINT64_C(0xffffffff) : UINT64_MAX;
}

static uint64_t relative(uint64_t base, uint64_t v, unsigned word)
{
	return (base + (uint32_t)v) & word_mask(word);
}

/* kernel/kallsyms.c kallsyms_sym_address(), CONFIG_KALLSYMS_ABSOLUTE_PERCPU. */
static uint64_t absolute_percpu(uint64_t base, uint64_t v, unsigned word)
{
	int32_t off = (int32_t)(uint32_t)v;
	if (off >= 0)
		return (uint64_t)off;
	return (base - 1 - (uint64_t)(int64_t)off) & word_mask(word);
}

/* Which reading of the offsets is right: the one that puts _stext where
 * VMCOREINFO says; without that, the one most values ask for (relative
 * offsets are never negative; absolute-percpu ones are, but for per-CPU
 * symbols). */
static struct vmc_error *choose_layout(const struct vmc_kallsyms_loc *loc,
				       const struct names *nm,
				       const uint64_t *vals, uint64_t base,
				       enum vmc_kallsyms_layout *out)
{
	if (!loc->have_offsets) {
		*out = VMC_KALLSYMS_ABSOLUTE;
		if (loc->have_stext && nm->stext != SIZE_MAX &&
		    (vals[nm->stext] & word_mask(loc->word)) != loc->stext)
			return vmc_error_new(VMC_ERR_FORMAT, "_stext is "
					     "0x%" PRIx64 " in kallsyms_addresses, "
					     "but VMCOREINFO SYMBOL(_stext) is 0x%"
					     PRIx64, vals[nm->stext], loc->stext);
		return NULL;
	}
	if (loc->have_stext && nm->stext != SIZE_MAX) {
		uint64_t v = vals[nm->stext];
		uint64_t rel = relative(base, v, loc->word);
		uint64_t pcpu = absolute_percpu(base, v, loc->word);
		if (rel == loc->stext) {
			*out = VMC_KALLSYMS_RELATIVE;
		} else if (pcpu == loc->stext) {
			*out = VMC_KALLSYMS_ABSOLUTE_PERCPU;
		} else {
			return vmc_error_new(VMC_ERR_FORMAT, "_stext "
					     "decodes to 0x%" PRIx64 " (relative) or "
					     "0x%" PRIx64 " (absolute-percpu), but "
					     "VMCOREINFO SYMBOL(_stext) is 0x%" PRIx64,
					     rel, pcpu, loc->stext);
		}
		return NULL;
	}
	uint64_t negative = 0;
	for (size_t i = 0; i < nm->n; i++)
		negative += (int32_t)(uint32_t)vals[i] < 0;
	*out = negative > nm->n / 2 ? VMC_KALLSYMS_ABSOLUTE_PERCPU
				    : VMC_KALLSYMS_RELATIVE;
	return NULL;
}

struct vmc_error *vmc_kallsyms_decode(const struct vmc_kallsyms_loc *loc,
				      vmc_vread_fn read, void *ctx,
				      uint64_t max_syms, struct vmc_symtab *t,
				      struct vmc_kallsyms_info *info)
{
	*info = (struct vmc_kallsyms_info){0};
	if (loc->word != 4 && loc->word != 8)
		return vmc_error_new(VMC_ERR_USAGE, "word size %u",
				     loc->word);
	struct window *w = malloc(sizeof(*w));
	if (!w)
		return vmc_error_nomem();
	w->read = read;
	w->ctx = ctx;
	w->base = 0;
	w->len = 0;
	struct tokens tk = {0};
	struct names nm = { .stext = SIZE_MAX };
	uint64_t *vals = NULL;
	uint8_t b[8];
	struct vmc_error *err = wget(w, loc->num_syms, b, 4);
	if (err) {
		err = vmc_error_prefix(err, "kallsyms_num_syms");
		goto out;
	}
	uint32_t num = vmc_get32(b, loc->big_endian);
	if (num == 0 || num > max_syms) {
		err = vmc_error_new(VMC_ERR_FORMAT, "kallsyms_num_syms "
				    "is %" PRIu32 " (1 to %" PRIu64 " expected of "
				    "this dump)", num, max_syms);
		goto out;
	}
	if ((err = read_tokens(w, loc, &tk)) ||
	    (err = read_names(w, loc, &tk, num, &nm, &info->names_bytes)))
		goto out;
	/* Allocated only now that num names were really there. */
	vals = malloc((size_t)num * sizeof(*vals));
	if (!vals) {
		err = vmc_error_nomem();
		goto out;
	}
	if ((err = read_values(w, loc, num, vals)))
		goto out;
	uint64_t base = 0;
	if (loc->have_offsets) {
		if ((err = wget(w, loc->relative_base, b, loc->word))) {
			err = vmc_error_prefix(err, "kallsyms_relative_base");
			goto out;
		}
		base = loc->word == 4 ? vmc_get32(b, loc->big_endian)
				      : vmc_get64(b, loc->big_endian);
	}
	if ((err = choose_layout(loc, &nm, vals, base, &info->layout)))
		goto out;
	for (uint32_t i = 0; i < num && !err; i++) {
		uint64_t a = info->layout == VMC_KALLSYMS_RELATIVE ?
				relative(base, vals[i], loc->word) :
			     info->layout == VMC_KALLSYMS_ABSOLUTE_PERCPU ?
				absolute_percpu(base, vals[i], loc->word) :
				vals[i] & word_mask(loc->word);
		const char *s = nm.text + nm.off[i];
		err = vmc_symtab_add(t, s, strlen(s), a, 0, nm.type[i]);
	}
	info->num_syms = num;
	info->relative_base = base;
out:
	free(vals);
	names_free(&nm);
	free(tk.table);
	free(w);
	return err;
}
