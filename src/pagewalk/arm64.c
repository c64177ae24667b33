/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AArch64 VMSAv8-64 stage 1 translation, EL1&0 (Arm ARM D8.2-D8.4;
 * FORMATS.md §7.2): 4K, 16K and 64K granules, 16- to 52-bit VAs, table,
 * block and page descriptors, 52-bit output addresses with FEAT_LPA (64K)
 * and FEAT_LPA2 (4K and 16K).
 */
#include "pagewalk.h"

#include <stdio.h>
#include <string.h>

/* Descriptor bits (Arm ARM D8.3). */
#define DESC_VALID	(1ull << 0)
#define DESC_TABLE	(1ull << 1)	/* table or page, when valid */
#define DESC_AP1	(1ull << 6)	/* AP[1]: EL0 access */
#define DESC_AP2	(1ull << 7)	/* AP[2]: read-only */
#define DESC_AF		(1ull << 10)
#define DESC_NG		(1ull << 11)
#define DESC_CONT	(1ull << 52)
#define DESC_PXN	(1ull << 53)
#define DESC_UXN	(1ull << 54)
#define TBL_PXN		(1ull << 59)	/* PXNTable */
#define TBL_UXN		(1ull << 60)	/* UXNTable */
#define TBL_AP0		(1ull << 61)	/* APTable[0]: no EL0 access below */
#define TBL_AP1		(1ull << 62)	/* APTable[1]: no write below */

/* Output-address fields. */
#define OA_48		0x0000ffffffffffffull	/* bits 47:0 */
#define OA_50		0x0003ffffffffffffull	/* bits 49:0, LPA2 */
#define LPA_HI_SHIFT	12			/* 64K: desc[15:12] = PA[51:48] */
#define LPA2_HI_SHIFT	8			/* LPA2: desc[9:8] = PA[51:50] */

/* Engine level l is Arm level 4 - l: 1 = L3 (the last) ... 5 = L-1. */

/* The output address in e, aligned to 2^align (Arm ARM D8.3.1). */
static uint64_t output_address(const struct vmc_paging *pg, uint64_t e,
			       unsigned align)
{
	uint64_t low = ~((UINT64_C(1) << align) - 1);
	switch (pg->oa) {
	case VMC_OA_LPA:
		return ((e & OA_48) & low) | ((e >> LPA_HI_SHIFT) & 0xf) << 48;
	case VMC_OA_LPA2:
		return ((e & OA_50) & low) | ((e >> LPA2_HI_SHIFT) & 0x3) << 50;
	default:
		return (e & OA_48) & low;
	}
}

/* Whether a block descriptor is allowed at engine level l. The Arm ARM
 * (D8.3.1) allows blocks only at some levels per granule, but QEMU 7.2's
 * walker (get_phys_addr_lpae) takes 0b01 as a block at every level but the
 * last; it checks the levels only from 8.1 on. We follow the CPU that ran
 * the guest (RULES.md). */
static bool block_allowed(const struct vmc_paging *pg, unsigned l)
{
	(void)pg;
	return l > 1;
}

static uint32_t leaf_allow(uint64_t e)
{
	uint32_t allow = 0;
	if (!(e & DESC_AP2))
		allow |= VMC_RUN_W;
	if (e & DESC_AP1)
		allow |= VMC_RUN_U;
	if (!(e & DESC_PXN))
		allow |= VMC_RUN_PX;
	if (!(e & DESC_UXN))
		allow |= VMC_RUN_UX;
	return allow | VMC_RUN_X;
}

static uint32_t table_allow(uint64_t e)
{
	uint32_t allow = VMC_RUN_X;
	if (!(e & TBL_AP1))
		allow |= VMC_RUN_W;
	if (!(e & TBL_AP0))
		allow |= VMC_RUN_U;
	if (!(e & TBL_PXN))
		allow |= VMC_RUN_PX;
	if (!(e & TBL_UXN))
		allow |= VMC_RUN_UX;
	return allow;
}

static void decode_arm64(const struct vmc_paging *pg, unsigned level,
			 uint64_t e, struct vmc_entry *out)
{
	*out = (struct vmc_entry){ .kind = VMC_ENTRY_NONE };
	if (!(e & DESC_VALID))
		return;
	if (e & DESC_TABLE) {
		if (level == 1) {			/* a page */
			out->kind = VMC_ENTRY_LEAF;
			out->addr = output_address(pg, e, pg->shift[1]);
			out->allow = leaf_allow(e);
			out->leaf_flags = e & DESC_NG ? 0 : VMC_RUN_G;
		} else {
			out->kind = VMC_ENTRY_TABLE;
			out->addr = output_address(pg, e, pg->shift[1]);
			out->allow = table_allow(e);
		}
		return;
	}
	if (!block_allowed(pg, level)) {
		out->kind = VMC_ENTRY_RESERVED;
		out->why = "block type (0b01) at the last level";
		return;
	}
	out->kind = VMC_ENTRY_LEAF;
	out->addr = output_address(pg, e, pg->shift[level]);
	out->allow = leaf_allow(e);
	out->leaf_flags = e & DESC_NG ? 0 : VMC_RUN_G;
}

static uint32_t finish_arm64(uint32_t f)
{
	bool exec = f & (f & VMC_RUN_U ? VMC_RUN_UX : VMC_RUN_PX);
	f &= ~(VMC_RUN_PX | VMC_RUN_UX | VMC_RUN_X);
	return exec ? f | VMC_RUN_X : f;
}

static void describe_arm64(const struct vmc_paging *pg, unsigned level,
			   uint64_t e, char *buf, size_t sz)
{
	(void)pg;
	if (!(e & DESC_VALID)) {
		snprintf(buf, sz, "invalid");
		return;
	}
	bool tbl = (e & DESC_TABLE) && level != 1;
	const char *type = tbl ? "TABLE" : (e & DESC_TABLE) ? "PAGE" : "BLOCK";
	int n = snprintf(buf, sz, "%s", type);
	if (tbl) {
		static const struct { uint64_t bit; const char *name; } bits[] = {
			{ TBL_PXN, "PXNT" }, { TBL_UXN, "UXNT" },
			{ TBL_AP0, "APT0" }, { TBL_AP1, "APT1" },
		};
		for (size_t i = 0; i < sizeof(bits) / sizeof(*bits); i++)
			if (e & bits[i].bit && n >= 0 && (size_t)n < sz)
				n += snprintf(buf + n, sz - (size_t)n, " %s",
					      bits[i].name);
		return;
	}
	static const char *const ap[] = { "RW/--", "RW/RW", "RO/--", "RO/RO" };
	if (n >= 0 && (size_t)n < sz)
		n += snprintf(buf + n, sz - (size_t)n, " AP=%s%s%s%s%s%s",
			      ap[(e >> 6) & 3], e & DESC_AF ? " AF" : "",
			      e & DESC_NG ? " nG" : "", e & DESC_CONT ? " CONT" : "",
			      e & DESC_PXN ? " PXN" : "", e & DESC_UXN ? " UXN" : "");
}

static const struct vmc_paging_ops arm64_ops = {
	.name = "aarch64", .decode = decode_arm64, .describe = describe_arm64,
	.finish = finish_arm64,
};

struct vmc_error *vmc_paging_arm64(unsigned page_shift, unsigned va_bits,
				   uint64_t root, bool upper, bool pa52,
				   struct vmc_paging *out)
{
	static const char *const names[] = { "L3", "L2", "L1", "L0", "L-1" };
	if (page_shift != 12 && page_shift != 14 && page_shift != 16)
		return vmc_error_new(VMC_ERR_USAGE, "granule 2^%u: AArch64 has 4K, "
				     "16K and 64K granules", page_shift);
	if (va_bits < 16 || va_bits > 52)
		return vmc_error_new(VMC_ERR_USAGE, "%u-bit virtual addresses: "
				     "AArch64 has 16 to 52", va_bits);
	unsigned per = page_shift - 3;
	unsigned levels = (va_bits - page_shift + per - 1) / per;
	if (levels < 1 || levels > VMC_MAX_LEVELS)
		return vmc_error_new(VMC_ERR_USAGE, "%u-bit VA with a %uK granule "
				     "needs %u levels", va_bits,
				     1u << (page_shift - 10), levels);
	*out = (struct vmc_paging){
		.mode = VMC_PAGING_AARCH64, .ops = &arm64_ops, .levels = levels,
		.entry_size = 8, .va_bits = va_bits, .upper = upper,
		.tbi = !upper,	/* Linux enables TBI0 only */
	};
	if (page_shift == 16)
		out->oa = pa52 ? VMC_OA_LPA : VMC_OA_PLAIN;
	else
		out->oa = va_bits == 52 ? VMC_OA_LPA2 : VMC_OA_PLAIN;
	unsigned shift = page_shift;
	for (unsigned l = 1; l <= levels; l++) {
		out->bits[l] = l < levels ? per
					  : va_bits - page_shift - (levels - 1) * per;
		out->shift[l] = shift;
		out->level_name[l] = names[l - 1];
		shift += out->bits[l];
	}
	/* The start-level table is aligned to its own size (D8.2.7). */
	uint64_t top = (UINT64_C(1) << out->bits[levels]) * 8;
	out->root = root & ~(top < 64 ? 63 : top - 1);
	return NULL;
}
