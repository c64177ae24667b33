/* SPDX-License-Identifier: GPL-2.0-or-later */
/* symbols: one table of names and addresses, sorted both ways. */
#include "symbols.h"

#include <string.h>

/* An address at most this far past a symbol without a size is its
 * (drgn's kallsyms finder uses 64 KiB; large objects have sizes in a
 * vmlinux, and the next symbol bounds the rest). */
#define MAX_UNSIZED_SPAN	(UINT64_C(1) << 20)
#define MAX_LAST_SPAN		(UINT64_C(1) << 12)

struct entry {
	uint64_t addr, size;
	size_t name_off;		/* into names until finish */
	size_t order;			/* of addition */
	char type;
};

VMC_VEC(entry_vec, struct entry)

struct vmc_symtab {
	struct entry_vec add;
	char *names;
	size_t names_len, names_cap;
	bool finished;
	struct vmc_sym *by_addr;
	const struct vmc_sym **by_name;
	size_t n;
	size_t data;
};

struct vmc_error *vmc_symtab_new(struct vmc_symtab **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? NULL : vmc_error_nomem();
}

void vmc_symtab_free(struct vmc_symtab *t)
{
	if (!t)
		return;
	entry_vec_free(&t->add);
	free(t->names);
	free(t->by_addr);
	free(t->by_name);
	free(t);
}

struct vmc_error *vmc_symtab_add(struct vmc_symtab *t, const char *name,
				 size_t len, uint64_t addr, uint64_t size,
				 char type)
{
	if (t->finished)
		return vmc_error_new(VMC_ERR_USAGE, "symbol table already sorted");
	if (len > SIZE_MAX - 1 - t->names_len ||
	    vmc_vec_grow((void **)&t->names, &t->names_cap, t->names_len + len + 1, 1))
		return vmc_error_nomem();
	struct entry *e = entry_vec_push(&t->add);
	if (!e)
		return vmc_error_nomem();
	*e = (struct entry){ .addr = addr, .size = size, .type = type,
			     .name_off = t->names_len, .order = t->add.n - 1 };
	memcpy(t->names + t->names_len, name, len);
	t->names[t->names_len + len] = '\0';
	t->names_len += len + 1;
	return NULL;
}

/* Of several symbols at one address, the one to name it by: a global
 * function, a weak one, a local function, global data, local data. */
static int rank(char type)
{
	switch (type) {
	case 'T': return 0;
	case 'W': case 'V': return 1;
	case 't': return 2;
	case 'D': case 'R': case 'B': case 'G': return 3;
	case 'd': case 'r': case 'b': case 'g': return 4;
	default: return 5;
	}
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	int rx = rank(x->type), ry = rank(y->type);
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_name(const void *a, const void *b)
{
	const struct vmc_sym *x = *(const struct vmc_sym *const *)a;
	const struct vmc_sym *y = *(const struct vmc_sym *const *)b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	/* Equal names stay in address order (by_addr is sorted). */
	return x < y ? -1 : x > y;
}

static bool is_data(char type)
{
	switch (type | 0x20) {
	case 'd': case 'b': case 'r': case 'g':
		return true;
	default:
		return false;
	}
}

struct vmc_error *vmc_symtab_finish(struct vmc_symtab *t)
{
	if (t->finished)
		return NULL;
	size_t n = t->add.n;
	qsort(t->add.v, n, sizeof(*t->add.v), cmp_entry);
	t->by_addr = calloc(n ? n : 1, sizeof(*t->by_addr));
	t->by_name = calloc(n ? n : 1, sizeof(*t->by_name));
	if (!t->by_addr || !t->by_name)
		return vmc_error_nomem();
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = &t->add.v[i];
		t->by_addr[i] = (struct vmc_sym){ .addr = e->addr, .size = e->size,
						  .name = t->names + e->name_off,
						  .type = e->type };
		t->by_name[i] = &t->by_addr[i];
		if (is_data(e->type))
			t->data++;
	}
	qsort(t->by_name, n, sizeof(*t->by_name), cmp_name);
	entry_vec_free(&t->add);
	t->n = n;
	t->finished = true;
	return NULL;
}

size_t vmc_symtab_count(const struct vmc_symtab *t)
{
	return t->n;
}

size_t vmc_symtab_data_count(const struct vmc_symtab *t)
{
	return t->data;
}

const struct vmc_sym *vmc_symtab_at(const struct vmc_symtab *t, size_t i)
{
	return i < t->n ? &t->by_addr[i] : NULL;
}

const struct vmc_sym *const *vmc_symtab_named(const struct vmc_symtab *t,
					     const char *name, size_t *n)
{
	/* The first entry not below name, then the run of equal ones. */
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(t->by_name[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < t->n && strcmp(t->by_name[end]->name, name) == 0)
		end++;
	*n = end - lo;
	return end > lo ? &t->by_name[lo] : NULL;
}

const struct vmc_sym *vmc_symtab_covering(const struct vmc_symtab *t,
					  uint64_t vaddr, uint64_t *off)
{
	/* The last address <= vaddr; then the first symbol at that address,
	 * which the sort put best-ranked first. */
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->by_addr[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	size_t next = lo;		/* first symbol above vaddr, or n */
	size_t i = lo - 1;
	while (i > 0 && t->by_addr[i - 1].addr == t->by_addr[i].addr)
		i--;
	const struct vmc_sym *s = &t->by_addr[i];
	uint64_t d = vaddr - s->addr;
	if (s->size) {
		if (d >= s->size)
			return NULL;
	} else if (d >= (next < t->n ? MAX_UNSIZED_SPAN : MAX_LAST_SPAN)) {
		return NULL;
	}
	*off = d;
	return s;
}
