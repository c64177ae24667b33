/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 paging forms and their entry formats (Intel SDM Vol. 3A §4.3 32-bit,
 * §4.4 PAE, §4.5 4-level and 5-level; FORMATS.md §7.1).
 */
#include "pagewalk.h"

#include <stdio.h>
#include <string.h>

/* Entry bits (SDM Vol. 3A Tables 4-4 to 4-20). */
#define X86_P		(1ull << 0)
#define X86_RW		(1ull << 1)
#define X86_US		(1ull << 2)
#define X86_PWT		(1ull << 3)
#define X86_PCD		(1ull << 4)
#define X86_A		(1ull << 5)
#define X86_D		(1ull << 6)
#define X86_PS		(1ull << 7)
#define X86_G		(1ull << 8)
#define X86_PAT_LARGE	(1ull << 12)	/* PAT bit of a 2M/1G/4M leaf */
#define X86_XD		(1ull << 63)	/* with EFER.NXE, which we assume */

/* Address fields with MAXPHYADDR = 52: bits 52-62 are software or
 * protection-key bits and must never reach an address (QEMU's walker lets
 * them through, FORMATS.md §2). */
#define X86_ADDR_4K	0x000ffffffffff000ull
#define X86_ADDR_2M	0x000fffffffe00000ull
#define X86_ADDR_1G	0x000fffffc0000000ull
/* Large-page bits that must be zero: between PAT (bit 12) and the address. */
#define X86_RSV_2M	0x00000000001fe000ull	/* bits 20:13 */
#define X86_RSV_1G	0x000000003fffe000ull	/* bits 29:13 */
/* PAE without long mode: bits 62:52 fault as reserved at every level, and
 * bit 63 too in a PDPTE (QEMU target/i386 mmu_translate: PG_HI_USER_MASK
 * and PG_NX_MASK). The SDM also lists PDPTE bits 2:1 and 8:5 as reserved,
 * but QEMU ignores them and sets A (bit 5) in every PDPTE it walks: a
 * running guest's PDPTEs have it, so we ignore them too (RULES.md). */
#define PAE_HI_RSV	0x7ff0000000000000ull
#define PAE_PDPTE_RSV	(PAE_HI_RSV | X86_XD)
/* 32-bit 4M page: PA[31:22] = PDE[31:22], PA[39:32] = PDE[20:13] (PSE-36),
 * bit 21 reserved (SDM Table 4-4). */
#define X86_32_ADDR_4M	0xffc00000ull
#define X86_32_PSE36	0x001fe000ull
#define X86_32_RSV_4M	0x00200000ull
#define X86_32_ADDR_4K	0xfffff000ull

static uint32_t x86_allow(uint64_t e, bool has_xd)
{
	uint32_t allow = 0;
	if (e & X86_RW)
		allow |= VMC_RUN_W;
	if (e & X86_US)
		allow |= VMC_RUN_U;
	if (!(has_xd && (e & X86_XD)))
		allow |= VMC_RUN_X;
	return allow;
}

static void leaf(struct vmc_entry *out, uint64_t addr, uint64_t e, bool has_xd)
{
	out->kind = VMC_ENTRY_LEAF;
	out->addr = addr;
	out->allow = x86_allow(e, has_xd);
	out->leaf_flags = e & X86_G ? VMC_RUN_G : 0;
}

static void table(struct vmc_entry *out, uint64_t addr, uint64_t e, bool has_xd)
{
	out->kind = VMC_ENTRY_TABLE;
	out->addr = addr;
	out->allow = x86_allow(e, has_xd);
}

static void reserved(struct vmc_entry *out, const char *why)
{
	out->kind = VMC_ENTRY_RESERVED;
	out->why = why;
}

/* IA-32e 4-level and 5-level: level 1 PT, 2 PD, 3 PDPT, 4 PML4, 5 PML5. */
static void decode_x86_64(const struct vmc_paging *pg, unsigned level,
			  uint64_t e, struct vmc_entry *out)
{
	(void)pg;
	*out = (struct vmc_entry){ .kind = VMC_ENTRY_NONE };
	if (!(e & X86_P))
		return;
	if (level == 1) {
		leaf(out, e & X86_ADDR_4K, e, true);
		return;
	}
	if (!(e & X86_PS)) {
		table(out, e & X86_ADDR_4K, e, true);
		return;
	}
	switch (level) {
	case 2:
		if (e & X86_RSV_2M)
			return reserved(out, "bits 20:13 of a 2M page entry");
		leaf(out, e & X86_ADDR_2M, e, true);
		return;
	case 3:
		if (e & X86_RSV_1G)
			return reserved(out, "bits 29:13 of a 1G page entry");
		leaf(out, e & X86_ADDR_1G, e, true);
		return;
	default:
		/* PS is reserved in PML4Es and PML5Es (SDM Table 4-15). */
		return reserved(out, "PS (bit 7) in a PML4 or PML5 entry");
	}
}

/* PAE: level 1 PT, 2 PD, 3 PDPT (4 entries, from CR3[31:5]). */
static void decode_pae(const struct vmc_paging *pg, unsigned level, uint64_t e,
		       struct vmc_entry *out)
{
	*out = (struct vmc_entry){ .kind = VMC_ENTRY_NONE };
	if (!(e & X86_P))
		return;
	if (level == 3) {
		if (e & PAE_PDPTE_RSV)
			return reserved(out, "bits 63:52 of a PAE PDPTE");
		/* PDPTEs carry no permissions: everything is allowed. */
		out->kind = VMC_ENTRY_TABLE;
		out->addr = e & X86_ADDR_4K;
		out->allow = VMC_RUN_W | VMC_RUN_U | VMC_RUN_X;
		return;
	}
	if (e & PAE_HI_RSV)
		return reserved(out, "bits 62:52 of a PAE entry");
	decode_x86_64(pg, level, e, out);
}

/* 32-bit: level 1 PT, 2 PD; 4-byte entries, no XD. */
static void decode_x86_32(const struct vmc_paging *pg, unsigned level,
			  uint64_t e, struct vmc_entry *out)
{
	*out = (struct vmc_entry){ .kind = VMC_ENTRY_NONE };
	if (!(e & X86_P))
		return;
	if (level == 2 && pg->pse && (e & X86_PS)) {
		if (e & X86_32_RSV_4M)
			return reserved(out, "bit 21 of a 4M page entry");
		leaf(out, (e & X86_32_ADDR_4M) | ((e & X86_32_PSE36) << 19), e,
		     false);
		return;
	}
	if (level == 1)
		leaf(out, e & X86_32_ADDR_4K, e, false);
	else
		table(out, e & X86_32_ADDR_4K, e, false);
}

static void describe_x86(const struct vmc_paging *pg, unsigned level,
			 uint64_t e, char *buf, size_t sz)
{
	static const struct { uint64_t bit; const char *name; } bits[] = {
		{ X86_P, "P" }, { X86_RW, "RW" }, { X86_US, "US" },
		{ X86_PWT, "PWT" }, { X86_PCD, "PCD" }, { X86_A, "A" },
		{ X86_D, "D" }, { X86_PS, "PS" }, { X86_G, "G" },
		{ X86_XD, "XD" },
	};
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(e & bits[i].bit))
			continue;
		const char *name = bits[i].name;
		/* Bit 7 is PAT in a 4K PTE; PS elsewhere. */
		if (bits[i].bit == X86_PS && level == 1)
			name = "PAT";
		if (bits[i].bit == X86_XD && pg->entry_size == 4)
			continue;
		int n = snprintf(buf + len, sz - len, "%s%s", len ? " " : "", name);
		if (n < 0 || (size_t)n >= sz - len)
			break;
		len += (size_t)n;
	}
	if (!(e & X86_P) && len == 0)
		snprintf(buf, sz, "not present");
}

static const struct vmc_paging_ops x86_64_ops = {
	.name = "x86-64", .decode = decode_x86_64, .describe = describe_x86,
};
static const struct vmc_paging_ops pae_ops = {
	.name = "pae", .decode = decode_pae, .describe = describe_x86,
};
static const struct vmc_paging_ops x86_32_ops = {
	.name = "x86-32", .decode = decode_x86_32, .describe = describe_x86,
};

static void set_levels(struct vmc_paging *pg, unsigned levels,
		       const unsigned *bits, const char *const *names)
{
	pg->levels = levels;
	unsigned shift = 12;
	for (unsigned l = 1; l <= levels; l++) {
		pg->bits[l] = bits[l - 1];
		pg->shift[l] = shift;
		pg->level_name[l] = names[l - 1];
		shift += bits[l - 1];
	}
	pg->va_bits = shift;
}

struct vmc_error *vmc_paging_x86(enum vmc_paging_mode mode, uint64_t cr3,
				 bool pse, uint64_t sme_mask,
				 struct vmc_paging *out)
{
	static const unsigned bits64[] = { 9, 9, 9, 9, 9 };
	static const char *const names64[] = { "PT", "PD", "PDPT", "PML4", "PML5" };
	static const unsigned bits_pae[] = { 9, 9, 2 };
	static const char *const names_pae[] = { "PT", "PD", "PDPT" };
	static const unsigned bits32[] = { 10, 10 };
	static const char *const names32[] = { "PT", "PD" };

	*out = (struct vmc_paging){ .mode = mode, .clear_mask = sme_mask };
	switch (mode) {
	case VMC_PAGING_X86_4L:
	case VMC_PAGING_X86_5L:
		out->ops = &x86_64_ops;
		out->entry_size = 8;
		set_levels(out, mode == VMC_PAGING_X86_5L ? 5 : 4, bits64, names64);
		out->sign_extend = true;
		/* CR3[11:0] are PCID or PWT/PCD, 63 is no-flush, 62:61 LAM. */
		out->root = cr3 & X86_ADDR_4K & ~sme_mask;
		return NULL;
	case VMC_PAGING_X86_PAE:
		out->ops = &pae_ops;
		out->entry_size = 8;
		set_levels(out, 3, bits_pae, names_pae);
		out->root = cr3 & 0xffffffe0ull;	/* CR3[31:5] */
		return NULL;
	case VMC_PAGING_X86_32:
		out->ops = &x86_32_ops;
		out->entry_size = 4;
		set_levels(out, 2, bits32, names32);
		out->pse = pse;
		out->root = cr3 & X86_32_ADDR_4K;
		return NULL;
	default:
		return vmc_error_new(VMC_ERR_UNSUPPORTED,
				     "no x86 page tables to walk in paging mode %s",
				     vmc_paging_mode_name(mode));
	}
}
