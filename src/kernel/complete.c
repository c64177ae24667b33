/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Completing VMCOREINFO for outputs: lines QEMU's dumps lack that the dump
 * itself shows (FORMATS.md §9: i386 kernels write no KERNELOFFSET, and
 * drgn then leaves every symbol at its link-time address), and the notes
 * that carry the kernel's text, the additions and how each was had.
 */
#include "kernel.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#ifndef VMC_VERSION
#define VMC_VERSION "0.1.0"
#endif

/* ---- the boot protocol's setup header (Documentation/arch/x86/boot.rst,
 * arch/x86/include/uapi/asm/bootparam.h: struct boot_params keeps it at
 * 0x1f1 as `hdr`, at the offsets it has in the real-mode kernel image) ---- */
#define HDR_BOOT_FLAG		0x1fe	/* u16 0xAA55 */
#define HDR_MAGIC		0x202	/* "HdrS" */
#define HDR_VERSION		0x206	/* u16 protocol version */
#define HDR_KERNEL_ALIGNMENT	0x230	/* u32, protocol 2.05+ */
#define HDR_RELOCATABLE		0x234	/* u8, 2.05+ */
#define HDR_PREF_ADDRESS	0x258	/* u64, 2.10+: the link-time load address */
#define HDR_END			0x268	/* past init_size (0x260, u32) */
#define BOOT_FLAG		0xaa55
#define PREF_ADDRESS_VERSION	0x020a

#define IMAGE_MARGIN		(4u << 20)	/* past the highest symbol: .bss */
#define IMAGE_MAX		(256u << 20)
#define LOW_SETUP		(1u << 20)	/* where boot loaders put the setup */
#define MAX_HEADERS		16

/* One copy of the setup header found in RAM. */
struct setup_hdr {
	uint64_t paddr;		/* of boot_params (the header's 0x1f1 less) */
	uint16_t version;
	uint32_t align;
	uint64_t pref;
};

struct hdr_search {
	const struct vmc_dump *d;
	uint64_t stext_pa;
	struct setup_hdr h[MAX_HEADERS];
	size_t n;
	unsigned bad;			/* "HdrS" with boot_flag, fields wrong */
	uint8_t *buf;
};

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* A header at paddr base that could be this kernel's? */
static void try_header(struct hdr_search *s, uint64_t base)
{
	uint8_t h[HDR_END];
	struct vmc_error *err = vmc_physmem_read(&s->d->pm, base, h, sizeof(h));
	if (err) {
		vmc_error_free(err);
		return;
	}
	/* Every x86 dump is little-endian: the boot protocol is x86's. */
	if (vmc_get16(h + HDR_BOOT_FLAG, false) != BOOT_FLAG)
		return;
	struct setup_hdr x = { .paddr = base,
			       .version = vmc_get16(h + HDR_VERSION, false),
			       .align = vmc_get32(h + HDR_KERNEL_ALIGNMENT, false),
			       .pref = vmc_get64(h + HDR_PREF_ADDRESS, false) };
	bool reloc = h[HDR_RELOCATABLE] == 1;
	/* The kernel runs at a kernel_alignment-aligned address at or above
	 * pref_address (arch/x86/boot/compressed/kaslr.c picks aligned
	 * slots; without KASLR it stays at pref_address). */
	if (x.version < PREF_ADDRESS_VERSION || !pow2(x.align) ||
	    x.align < 4096 || x.pref % x.align || x.pref > s->stext_pa ||
	    (s->stext_pa - x.pref) % x.align ||
	    (!reloc && x.pref != s->stext_pa)) {
		s->bad++;
		return;
	}
	if (s->n < MAX_HEADERS)
		s->h[s->n++] = x;
}

/* Every "HdrS" in RAM data [lo, hi), as the header's magic. */
static void search_headers(struct hdr_search *s, uint64_t lo, uint64_t hi)
{
	const struct vmc_dump *d = s->d;
	enum { CHUNK = 4u << 20 };
	for (size_t i = 0; i < d->nram; i++) {
		const struct vmc_ram_range *r = &d->ram[i];
		uint64_t a = r->paddr > lo ? r->paddr : lo;
		uint64_t b = r->paddr + r->avail < hi ? r->paddr + r->avail : hi;
		for (uint64_t p = a; p < b; p += CHUNK) {
			size_t len = b - p < CHUNK ? (size_t)(b - p) : CHUNK;
			const uint8_t *v = d->pm.map ? d->pm.map(d->pm.ctx, p, len)
						     : NULL;
			if (!v) {
				struct vmc_error *err = vmc_physmem_read(&d->pm, p,
									 s->buf, len);
				if (err) {
					vmc_error_free(err);
					continue;
				}
				v = s->buf;
			}
			for (size_t off = 0; off + 4 <= len;) {
				const uint8_t *m = memmem(v + off, len - off, "HdrS", 4);
				if (!m)
					break;
				off = (size_t)(m - v);
				if (p + off >= HDR_MAGIC)
					try_header(s, p + off - HDR_MAGIC);
				off++;
			}
		}
	}
}

/* The highest SYMBOL() value within IMAGE_MAX above _stext: the image's
 * known extent (its .data and .bss lie below it, or just above). */
static uint64_t image_extent(const struct vmc_vmcoreinfo *vi, uint64_t stext)
{
	uint64_t top = 0;
	for (size_t i = 0; i < vi->nkv; i++) {
		uint64_t v;
		const char *k = vi->kv[i].key;
		size_t n = strlen(k);
		if (n < 9 || strncmp(k, "SYMBOL(", 7) != 0 || k[n - 1] != ')')
			continue;
		char name[64];
		if (n - 8 >= sizeof(name))
			continue;
		memcpy(name, k + 7, n - 8);
		name[n - 8] = '\0';
		if (vmc_vmcoreinfo_symbol(vi, name, &v) && v >= stext &&
		    v - stext < IMAGE_MAX && v - stext > top)
			top = v - stext;
	}
	return top + IMAGE_MARGIN;
}

/* Translate vaddr through d's default root into RAM. */
static bool phys_of(const struct vmc_dump *d, uint64_t vaddr, uint64_t *paddr,
		    char *root_why, size_t whysz)
{
	struct vmc_root_request req = { .cpu = -1 };
	struct vmc_view v;
	struct vmc_error *err = vmc_view_open(d, &req, &v);
	if (err) {
		vmc_error_free(err);
		return false;
	}
	struct vmc_translation t;
	vmc_view_translate(&v, vaddr, &t, NULL);
	const struct vmc_ram_range *r = t.mapped ? vmc_dump_ram_find(d, t.paddr)
						 : NULL;
	if (!r || t.paddr - r->paddr >= r->avail)
		return false;
	*paddr = t.paddr;
	if (root_why)
		snprintf(root_why, whysz, "%s", v.rc.why);
	return true;
}

/*
 * i386: x86_32 KASLR moves the kernel physically and its virtual address
 * by the same amount (the image lives in the linear map), so the offset is
 * phys(_stext) less the link-time physical load address, which the setup
 * header's pref_address holds (protocol 2.10+). _stext = _text on x86
 * (arch/x86/kernel/vmlinux.lds.S). The kernel's boot_params copy is in its
 * .bss; kallsyms does not list it without CONFIG_KALLSYMS_ALL (Debian's
 * 686-pae has none), and VMCOREINFO does not name it, so the image's pages
 * are searched for the header; the boot loader's copy in low RAM is the
 * fallback. All copies must agree.
 */
static struct vmc_error *i386_kerneloffset(const struct vmc_dump *d,
					   struct vmc_kernel_addition_vec *out,
					   struct vmc_warnings *ws)
{
	const struct vmc_vmcoreinfo *vi = d->vmcoreinfo;
	uint64_t stext, swapper, stext_pa, swapper_pa;
	if (vmc_vmcoreinfo_get(vi, "KERNELOFFSET"))
		return NULL;
	if (!vmc_vmcoreinfo_symbol(vi, "_stext", &stext) ||
	    !vmc_vmcoreinfo_symbol(vi, "swapper_pg_dir", &swapper)) {
		vmc_warn(ws, "KERNELOFFSET not added: VMCOREINFO lacks "
			 "SYMBOL(_stext) or SYMBOL(swapper_pg_dir)");
		return NULL;
	}
	if (!phys_of(d, stext, &stext_pa, NULL, 0) ||
	    !phys_of(d, swapper, &swapper_pa, NULL, 0)) {
		vmc_warn(ws, "KERNELOFFSET not added: _stext or swapper_pg_dir "
			 "does not translate to RAM");
		return NULL;
	}
	/* The image must be in the linear map: one offset for both. */
	if (stext - stext_pa != swapper - swapper_pa) {
		vmc_warn(ws, "KERNELOFFSET not added: _stext (0x%" PRIx64 " at "
			 "0x%" PRIx64 ") and swapper_pg_dir (0x%" PRIx64 " at "
			 "0x%" PRIx64 ") are not mapped at one offset", stext,
			 stext_pa, swapper, swapper_pa);
		return NULL;
	}
	struct hdr_search s = { .d = d, .stext_pa = stext_pa };
	s.buf = malloc(4u << 20);
	if (!s.buf)
		return vmc_error_nomem();
	uint64_t ext = image_extent(vi, stext);
	search_headers(&s, stext_pa, stext_pa + ext);
	const char *where = "in the kernel image (its boot_params)";
	if (!s.n) {
		search_headers(&s, 0, LOW_SETUP);
		where = "in low RAM (the boot loader's copy)";
	}
	free(s.buf);
	if (!s.n) {
		vmc_warn(ws, "KERNELOFFSET not added: no boot-protocol setup "
			 "header (2.10+) found in the kernel image or low RAM%s",
			 s.bad ? "; the ones found do not fit this kernel" : "");
		return NULL;
	}
	for (size_t i = 1; i < s.n; i++)
		if (s.h[i].pref != s.h[0].pref) {
			vmc_warn(ws, "KERNELOFFSET not added: setup headers "
				 "disagree: pref_address 0x%" PRIx64 " at paddr 0x%"
				 PRIx64 ", 0x%" PRIx64 " at paddr 0x%" PRIx64,
				 s.h[0].pref, s.h[0].paddr, s.h[i].pref,
				 s.h[i].paddr);
			return NULL;
		}
	uint64_t off = stext_pa - s.h[0].pref;
	char value[24], how[600];
	snprintf(value, sizeof(value), "%" PRIx64, off);
	snprintf(how, sizeof(how), "phys(_stext) 0x%" PRIx64 " - boot_params."
		 "hdr.pref_address 0x%" PRIx64 " (setup header %u.%02u %s at "
		 "paddr 0x%" PRIx64 "%s; x86_32 KASLR moves the kernel "
		 "physically and virtually alike)", stext_pa, s.h[0].pref,
		 s.h[0].version >> 8, s.h[0].version & 0xff, where, s.h[0].paddr,
		 s.n > 1 ? ", and every other copy agrees" : "");
	return vmc_kernel_addition_set(out, d, "KERNELOFFSET", value, how, NULL);
}

/*
 * Where the architecture fixes the image base (x86_64 __START_KERNEL_map),
 * phys_base is where the image's first byte lies physically (x86_64 since
 * 2.6.22; VMCOREINFO has it since 4.10): phys(_stext) less _stext's offset
 * in the mapping. Two symbols must agree on it.
 */
static struct vmc_error *phys_base(const struct vmc_dump *d,
				   struct vmc_kernel_addition_vec *out,
				   struct vmc_warnings *ws)
{
	const struct vmc_vmcoreinfo *vi = d->vmcoreinfo;
	const struct vmc_arch_ops *a = vmc_arch_ops(d->arch);
	uint64_t stext, swapper, stext_pa, swapper_pa;
	if (!a || !a->image_base || vmc_vmcoreinfo_get(vi, "NUMBER(phys_base)"))
		return NULL;
	if (!vmc_vmcoreinfo_symbol(vi, "_stext", &stext) ||
	    !vmc_vmcoreinfo_symbol(vi, "swapper_pg_dir", &swapper) ||
	    stext < a->image_base || swapper < a->image_base) {
		vmc_warn(ws, "NUMBER(phys_base) not added: VMCOREINFO lacks "
			 "_stext or swapper_pg_dir in the image mapping");
		return NULL;
	}
	char root[300];
	if (!phys_of(d, stext, &stext_pa, root, sizeof(root)) ||
	    !phys_of(d, swapper, &swapper_pa, NULL, 0)) {
		vmc_warn(ws, "NUMBER(phys_base) not added: _stext or "
			 "swapper_pg_dir does not translate to RAM");
		return NULL;
	}
	uint64_t pb = stext_pa - (stext - a->image_base);
	if (swapper_pa - (swapper - a->image_base) != pb) {
		vmc_warn(ws, "NUMBER(phys_base) not added: _stext and "
			 "swapper_pg_dir give different values");
		return NULL;
	}
	char value[24], how[600];
	snprintf(value, sizeof(value), "%" PRId64, (int64_t)pb);
	snprintf(how, sizeof(how), "phys(_stext) 0x%" PRIx64 " - (_stext 0x%"
		 PRIx64 " - image base 0x%" PRIx64 "), swapper_pg_dir agreeing; "
		 "root %s", stext_pa, stext, a->image_base, root);
	return vmc_kernel_addition_set(out, d, "NUMBER(phys_base)", value, how,
				       NULL);
}

/* What each architecture's dumps may lack, by the knowledge it needs. */
static const struct {
	enum vmc_arch arch;		/* VMC_ARCH_UNKNOWN: any */
	struct vmc_error *(*fn)(const struct vmc_dump *,
				struct vmc_kernel_addition_vec *,
				struct vmc_warnings *);
} completers[] = {
	{ VMC_ARCH_I386, i386_kerneloffset },
	{ VMC_ARCH_UNKNOWN, phys_base },
};

struct vmc_error *vmc_kernel_complete(const struct vmc_dump *d,
				      struct vmc_kernel_addition_vec *out,
				      struct vmc_warnings *ws)
{
	if (!d->vmcoreinfo)
		return NULL;
	for (size_t i = 0; i < sizeof(completers) / sizeof(*completers); i++) {
		if (completers[i].arch != VMC_ARCH_UNKNOWN &&
		    completers[i].arch != d->arch)
			continue;
		struct vmc_error *err = completers[i].fn(d, out, ws);
		if (err)
			return err;
	}
	return NULL;
}

struct vmc_error *vmc_kernel_addition_set(struct vmc_kernel_addition_vec *v,
					  const struct vmc_dump *d,
					  const char *key, const char *value,
					  const char *how, bool *replaced)
{
	if (replaced)
		*replaced = false;
	if (strlen(key) >= sizeof(v->v->key) ||
	    strlen(value) >= sizeof(v->v->value) || strchr(key, '=') ||
	    strpbrk(key, "\n") || strpbrk(value, "\n") || strpbrk(how, "\n"))
		return vmc_error_new(VMC_ERR_USAGE, "VMCOREINFO line %s=%s: "
				     "too long or not one line", key, value);
	if (d->vmcoreinfo && vmc_vmcoreinfo_get(d->vmcoreinfo, key))
		return vmc_error_new(VMC_ERR_USAGE, "VMCOREINFO already has %s "
				     "(%s): not replaced", key,
				     vmc_vmcoreinfo_get(d->vmcoreinfo, key));
	struct vmc_kernel_addition *a = NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i].key, key) == 0)
			a = &v->v[i];
	if (a && replaced)
		*replaced = strcmp(a->value, value) != 0;
	if (!a && !(a = vmc_kernel_addition_vec_push(v)))
		return vmc_error_nomem();
	snprintf(a->key, sizeof(a->key), "%s", key);
	snprintf(a->value, sizeof(a->value), "%s", value);
	snprintf(a->how, sizeof(a->how), "%s", how);
	return NULL;
}

/* ---- the notes outputs append --------------------------------------------- */

struct sbuf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const void *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_line(struct sbuf *b, const char *k, const char *v)
{
	sb_str(b, k);
	sb_str(b, "=");
	sb_str(b, v);
	sb_str(b, "\n");
}

/* One ELF note, 4-byte aligned (gABI; what QEMU and the kernel write). */
static void put_note(struct sbuf *b, const char *name, const char *desc,
		     size_t descsz, bool be)
{
	uint8_t h[12];
	size_t namesz = strlen(name) + 1;
	static const uint8_t zero[4];
	vmc_put32(h, (uint32_t)namesz, be);
	vmc_put32(h + 4, (uint32_t)descsz, be);
	vmc_put32(h + 8, 0, be);
	sb_add(b, h, sizeof(h));
	sb_add(b, name, namesz);
	sb_add(b, zero, (4 - namesz % 4) % 4);
	sb_add(b, desc, descsz);
	sb_add(b, zero, (4 - descsz % 4) % 4);
}

struct vmc_error *vmc_kernel_extra_notes(const struct vmc_dump *d,
					 const struct vmc_kernel_addition *add,
					 size_t nadd, uint8_t **buf,
					 size_t *len)
{
	*buf = NULL;
	*len = 0;
	const struct vmc_vmcoreinfo *vi = d->vmcoreinfo;
	const char *src = d->vmcoreinfo_source;
	bool from_note = src && strcmp(src, "note") == 0;
	if (!vi || (from_note && !nadd))
		return NULL;
	struct sbuf text = {0}, tool = {0}, out = {0};
	/* The kernel's text, up to its NUL, as it wrote it; then ours. */
	size_t n = strnlen(vi->raw, vi->raw_len);
	sb_add(&text, vi->raw, n);
	if (n && vi->raw[n - 1] != '\n')
		sb_str(&text, "\n");
	sb_line(&tool, "WRITER", "vmcore-tool " VMC_VERSION);
	char line[512];
	if (from_note)
		snprintf(line, sizeof(line), "the input's VMCOREINFO note");
	else
		snprintf(line, sizeof(line), "%s", src ? src : "unknown");
	sb_line(&tool, "TEXT", line);
	for (size_t i = 0; i < nadd; i++) {
		sb_line(&text, add[i].key, add[i].value);
		snprintf(line, sizeof(line), "ADDED(%s)", add[i].key);
		sb_line(&tool, line, add[i].value);
		snprintf(line, sizeof(line), "HOW(%s)", add[i].key);
		sb_line(&tool, line, add[i].how);
	}
	put_note(&out, "VMCOREINFO", text.p ? text.p : "", text.n, d->big_endian);
	put_note(&out, VMC_KERNEL_NOTE_NAME, tool.p ? tool.p : "", tool.n,
		 d->big_endian);
	bool oom = text.oom || tool.oom || out.oom;
	free(text.p);
	free(tool.p);
	if (oom) {
		free(out.p);
		return vmc_error_nomem();
	}
	*buf = (uint8_t *)out.p;
	*len = out.n;
	return NULL;
}
