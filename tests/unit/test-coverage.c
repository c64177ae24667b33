/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: regions (pagewalk/regions.c and the arch tables) and RAM
 * coverage (coverage/). */
#include "unit.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/coverage/coverage.h"
#include "../../src/open/open.h"

/* ---- helpers ------------------------------------------------------------------ */

static struct vmc_segment vseg(uint64_t vaddr, uint64_t paddr, uint64_t size)
{
	return (struct vmc_segment){ .type = PT_LOAD, .vaddr = vaddr, .paddr = paddr,
				     .memsz = size, .filesz = size,
				     .kind = VMC_SEG_VIRTUAL };
}

static void plan_with(struct vmc_plan *p, const struct vmc_segment *s, size_t n)
{
	*p = (struct vmc_plan){ .layout = VMC_LAYOUT_GDB };
	for (size_t i = 0; i < n; i++) {
		struct vmc_segment *slot = vmc_segment_vec_push(&p->segs);
		CHECK(slot != NULL);
		if (slot)
			*slot = s[i];
	}
}

#define LINEAR_BASE UINT64_C(0xffff888000000000)
#define IMAGE_BASE UINT64_C(0xffffffff80000000)
#define KSTART UINT64_C(0xffff800000000000)

/* A small x86_64-like table: user half, direct map at LINEAR_BASE (delta
 * LINEAR_BASE), vmalloc, image at IMAGE_BASE (delta IMAGE_BASE: physical 0
 * there). */
static const struct vmc_region test_regions[] = {
	{ 0, UINT64_C(0x00007fffffffffff), "user", 'u', VMC_REGION_USER, false, 0, "" },
	{ LINEAR_BASE, UINT64_C(0xffffc87fffffffff), "direct map", '=',
	  VMC_REGION_LINEAR, true, LINEAR_BASE, "" },
	{ UINT64_C(0xffffc90000000000), UINT64_C(0xffffe8ffffffffff), "vmalloc", 'v',
	  VMC_REGION_KERNEL, false, 0, "" },
	{ IMAGE_BASE, UINT64_C(0xffffffff9fffffff), "kernel image", 'K',
	  VMC_REGION_IMAGE, true, IMAGE_BASE, "" },
};
#define NREG (sizeof(test_regions) / sizeof(test_regions[0]))

/* Every range's kinds add up to its size, the pieces tile it in order, and
 * the totals add up. */
static void check_consistent(const struct vmc_coverage *c)
{
	uint64_t total = 0, kinds[VMC_COV_NKINDS] = {0};
	for (size_t i = 0; i < c->nranges; i++) {
		const struct vmc_cov_range *r = &c->ranges[i];
		uint64_t sum = 0, at = r->paddr;
		for (int k = 0; k < VMC_COV_NKINDS; k++) {
			sum += r->bytes[k];
			kinds[k] += r->bytes[k];
		}
		CHECK_U64(sum, r->size);
		for (size_t p = r->first; p < r->first + r->npieces; p++) {
			CHECK_U64(c->pieces[p].paddr, at);
			at += c->pieces[p].size;
		}
		CHECK_U64(at, r->paddr + r->size);
		total += r->size;
	}
	CHECK_U64(total, c->total_bytes);
	for (int k = 0; k < VMC_COV_NKINDS; k++)
		CHECK_U64(kinds[k], c->bytes[k]);
}

/* ---- regions ------------------------------------------------------------------- */

static void test_classify(void)
{
	enum vmc_region_kind k;
	/* Direct map at its own delta. */
	CHECK_U64(vmc_region_classify(test_regions, NREG, KSTART, LINEAR_BASE + 0x1000,
				      0x1000, 0x2000, &k), 0x2000);
	CHECK(k == VMC_REGION_LINEAR);
	/* The direct map's VA at another PA: some other kernel mapping. */
	vmc_region_classify(test_regions, NREG, KSTART, LINEAR_BASE + 0x1000, 0x5000,
			    0x1000, &k);
	CHECK(k == VMC_REGION_KERNEL);
	/* The image at its delta. */
	vmc_region_classify(test_regions, NREG, KSTART, IMAGE_BASE + 0x5000, 0x5000,
			    0x1000, &k);
	CHECK(k == VMC_REGION_IMAGE);
	/* A mapping across the end of the direct map: cut at the region's end,
	 * the rest in no region (kernel half: KERNEL). */
	uint64_t last = UINT64_C(0xffffc87fffffffff);
	uint64_t n = vmc_region_classify(test_regions, NREG, KSTART, last - 0xfff,
					 last - 0xfff - LINEAR_BASE, 0x3000, &k);
	CHECK_U64(n, 0x1000);
	CHECK(k == VMC_REGION_LINEAR);
	n = vmc_region_classify(test_regions, NREG, KSTART, last + 1, 0, 0x2000, &k);
	CHECK_U64(n, 0x2000);
	CHECK(k == VMC_REGION_KERNEL);
	/* No region below kernel_start is user; the piece stops at the next
	 * region. */
	n = vmc_region_classify(test_regions, 0, KSTART, 0x1000, 0, 0x1000, &k);
	CHECK(k == VMC_REGION_USER);
	n = vmc_region_classify(test_regions + 1, NREG - 1, KSTART,
				LINEAR_BASE - 0x1000, 0, 0x3000, &k);
	CHECK_U64(n, 0x1000);
	CHECK(k == VMC_REGION_KERNEL);
	/* The top of the address space: a mapping that ends at 2^64. */
	n = vmc_region_classify(test_regions, NREG, KSTART, UINT64_C(0xfffffffffffff000),
				0, 0x1000, &k);
	CHECK_U64(n, 0x1000);
	CHECK(k == VMC_REGION_KERNEL);
	CHECK(vmc_region_find(test_regions, NREG, UINT64_C(0xffffffffa0000000)) == NULL);
	CHECK(vmc_region_find(test_regions, NREG, IMAGE_BASE) == &test_regions[3]);
}

/* An architecture table that overlaps is clipped, inverted regions go. */
static struct vmc_error *messy_regions(const struct vmc_view *v,
				       const struct vmc_run *maps, size_t n,
				       struct vmc_region_vec *out)
{
	(void)v;
	(void)maps;
	(void)n;
	vmc_region_push(out, 0x5000, 0x8fff, "b", 'b', VMC_REGION_KERNEL, "b");
	vmc_region_push(out, 0x1000, 0x5fff, "a", 'a', VMC_REGION_KERNEL, "a");
	vmc_region_push(out, 0x9000, 0x8000, "inverted", 'i', VMC_REGION_KERNEL, "i");
	vmc_region_push(out, 0x6000, 0x7fff, "inside", 'n', VMC_REGION_KERNEL, "n");
	vmc_region_push(out, 0xf000, UINT64_MAX, "top", 't', VMC_REGION_KERNEL, "t");
	vmc_region_push(out, 0xffff, UINT64_MAX, "after top", 'x', VMC_REGION_KERNEL, "x");
	return NULL;
}

static void test_regions_normalized(void)
{
	struct vmc_arch_ops ops = { .regions = messy_regions };
	struct vmc_view v = { .arch = &ops };
	struct vmc_region_vec rg = {0};
	CHECK(vmc_view_regions(&v, NULL, 0, &rg) == NULL);
	CHECK_U64(rg.n, 3);
	if (rg.n == 3) {
		CHECK_STR(rg.v[0].name, "a");
		CHECK_STR(rg.v[1].name, "b");
		CHECK_U64(rg.v[1].lo, 0x6000);
		CHECK_U64(rg.v[1].hi, 0x8fff);
		CHECK_STR(rg.v[2].name, "top");
	}
	vmc_region_vec_free(&rg);
}

static struct vmc_dump arch_dump(enum vmc_arch arch, struct vmc_vmcoreinfo *vi)
{
	return (struct vmc_dump){ .path = "test", .format = "test", .arch = arch,
				  .vmcoreinfo = vi };
}

/* AArch64 6.1 with KASLR (the real guest's VMCOREINFO values): the linear
 * map's delta from PHYS_OFFSET, the image carved out of vmalloc where the
 * mappings at kimage_voffset lie, fixmap and PCI I/O below vmemmap. */
static void test_regions_arm64(void)
{
	static const char text[] =
		"PAGESIZE=4096\nSYMBOL(_stext)=ffffc9e7e5810000\n"
		"NUMBER(VA_BITS)=48\n"
		"NUMBER(MODULES_VADDR)=0xffff800000000000\n"
		"NUMBER(MODULES_END)=0xffff800008000000\n"
		"NUMBER(VMALLOC_START)=0xffff800008000000\n"
		"NUMBER(VMALLOC_END)=0xfffffbfff0000000\n"
		"NUMBER(VMEMMAP_START)=0xfffffc0000000000\n"
		"NUMBER(VMEMMAP_END)=0xfffffe0000000000\n"
		"NUMBER(kimage_voffset)=0xffffc9e7a5600000\n"
		"NUMBER(PHYS_OFFSET)=0xffffeba380000000\n";
	struct vmc_vmcoreinfo vi;
	CHECK(vmc_vmcoreinfo_parse(text, sizeof(text) - 1, &vi) == NULL);
	struct vmc_dump d = arch_dump(VMC_ARCH_AARCH64, &vi);
	struct vmc_view v = { .dump = &d, .arch = vmc_arch_ops(VMC_ARCH_AARCH64),
			      .kernel_start = UINT64_C(0xffff000000000000) };
	CHECK(vmc_paging_arm64(12, 48, 0x41858000, true, false, &v.rc.pg[0]) == NULL);
	v.rc.npg = 1;
	const uint64_t voff = UINT64_C(0xffffc9e7a5600000);
	const struct vmc_run maps[] = {
		{ .vaddr = 0x40210000 + voff, .paddr = 0x40210000, .size = 0x1f0000 },
		{ .vaddr = 0x41800000 + voff, .paddr = 0x41800000, .size = 0x60000 },
		/* At kimage_voffset but far from _stext: not the image. */
		{ .vaddr = 0x1000000000 + voff, .paddr = 0x1000000000, .size = 0x1000 },
		{ .vaddr = UINT64_C(0xffff145cc0000000), .paddr = 0x40000000,
		  .size = 0x1000 },
	};
	struct vmc_region_vec rg = {0};
	CHECK(vmc_view_regions(&v, maps, 4, &rg) == NULL);
	const struct vmc_region *r = vmc_region_find(rg.v, rg.n, 0x40300000 + voff);
	CHECK(r && r->kind == VMC_REGION_IMAGE && r->have_delta && r->delta == voff);
	CHECK(r && r->lo == 0x40210000 + voff && r->hi == 0x4185ffff + voff);
	r = vmc_region_find(rg.v, rg.n, 0x40200000 + voff);
	CHECK(r && r->kind == VMC_REGION_KERNEL && strcmp(r->name, "vmalloc") == 0);
	r = vmc_region_find(rg.v, rg.n, 0x41860000 + voff);
	CHECK(r && strcmp(r->name, "vmalloc") == 0);
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xffff145cc0000000));
	CHECK(r && r->kind == VMC_REGION_LINEAR);
	/* PA = VA - PAGE_OFFSET + PHYS_OFFSET: delta 0xffff145c80000000. */
	CHECK(r && r->have_delta && r->delta == UINT64_C(0xffff145c80000000));
	CHECK(r && r->lo == UINT64_C(0xffff000000000000) &&
	      r->hi == UINT64_C(0xffff7fffffffffff));
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xfffffbfff0000000));
	CHECK(r && strcmp(r->name, "fixmap") == 0 &&
	      r->hi == UINT64_C(0xfffffbfffdffffff));
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xfffffbfffe800000));
	CHECK(r && strcmp(r->name, "PCI I/O") == 0 &&
	      r->hi == UINT64_C(0xfffffbffff7fffff));
	CHECK(vmc_region_find(rg.v, rg.n, UINT64_C(0xfffffbfffe000000)) == NULL);
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xfffffc0000000000));
	CHECK(r && strcmp(r->name, "vmemmap") == 0);
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xffff800000001000));
	CHECK(r && strcmp(r->name, "modules") == 0);
	r = vmc_region_find(rg.v, rg.n, 0x1000);
	CHECK(r && r->kind == VMC_REGION_USER && r->hi == UINT64_C(0xffffffffffff));
	vmc_region_vec_free(&rg);
	vmc_vmcoreinfo_fini(&vi);
}

/* i386: lowmem ends where the mappings at PAGE_OFFSET end (high_memory),
 * vmalloc begins 8M above. */
static void test_regions_i386(void)
{
	struct vmc_dump d = arch_dump(VMC_ARCH_I386, NULL);
	struct vmc_view v = { .dump = &d, .arch = vmc_arch_ops(VMC_ARCH_I386),
			      .kernel_start = 0xc0000000 };
	CHECK(vmc_paging_x86(VMC_PAGING_X86_PAE, 0x1000, true, 0, &v.rc.pg[0]) == NULL);
	v.rc.npg = 1;
	const struct vmc_run maps[] = {
		{ .vaddr = 0xc0000000, .paddr = 0, .size = 0x1000000 },
		{ .vaddr = 0xc1000000, .paddr = 0x1000000, .size = 0x1efe0000 },
		{ .vaddr = 0xe07e0000, .paddr = 0x1ffe1000, .size = 0x1000 },
	};
	struct vmc_region_vec rg = {0};
	CHECK(vmc_view_regions(&v, maps, 3, &rg) == NULL);
	const struct vmc_region *r = vmc_region_find(rg.v, rg.n, 0xc0000000);
	CHECK(r && r->kind == VMC_REGION_LINEAR && r->hi == 0xdffdffff &&
	      r->delta == 0xc0000000);
	CHECK(vmc_region_find(rg.v, rg.n, 0xdffe0000) == NULL);
	r = vmc_region_find(rg.v, rg.n, 0xe07e0000);
	CHECK(r && r->kind == VMC_REGION_KERNEL && r->lo == 0xe07e0000 &&
	      r->hi == 0xffffffff);
	r = vmc_region_find(rg.v, rg.n, 0xbfffffff);
	CHECK(r && r->kind == VMC_REGION_USER);
	vmc_region_vec_free(&rg);
}

/* x86_64 under KASLR: the bases read back from mem_section and
 * vmap_area_list in the fixture's memory (tests/fixtures/coverage-x86_64). */
static void test_regions_x86_64_kaslr(void)
{
	struct vmc_source *src = unit_open(unit_fixture("coverage-x86_64"), NULL,
					   NULL);
	if (!src)
		return;
	const struct vmc_dump *d = vmc_source_dump(src);
	struct vmc_view v;
	struct vmc_root_request req = { .cpu = -1 };
	CHECK(vmc_view_open(d, &req, &v) == NULL);
	struct vmc_region_vec rg = {0};
	CHECK(vmc_view_regions(&v, NULL, 0, &rg) == NULL);
	const struct vmc_region *r = vmc_region_find(rg.v, rg.n,
						     UINT64_C(0xffff8c1e40000000));
	CHECK(r && strcmp(r->name, "direct map") == 0 &&
	      r->lo == UINT64_C(0xffff8c1e40000000) && r->delta == r->lo);
	/* 64T (MAX_PHYSMEM_BITS 46), before vmalloc. */
	CHECK(r && r->hi == UINT64_C(0xffffcc1e3fffffff));
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xffffcc5c80000000));
	CHECK(r && strcmp(r->name, "vmalloc") == 0 &&
	      r->lo == UINT64_C(0xffffcc5c80000000));
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xfffffb0280000000));
	CHECK(r && strcmp(r->name, "vmemmap") == 0 &&
	      r->lo == UINT64_C(0xfffffb0280000000) &&
	      r->hi == UINT64_C(0xfffffc027fffffff));
	/* Image: __START_KERNEL_map - phys_base (-12M), KERNEL_IMAGE_SIZE 1G. */
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xffffffff81000000));
	CHECK(r && r->kind == VMC_REGION_IMAGE &&
	      r->delta == UINT64_C(0xffffffff80c00000) &&
	      r->hi == UINT64_C(0xffffffffbfffffff));
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xffffffffc0000000));
	CHECK(r && strcmp(r->name, "modules") == 0);
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xffffffffff5fd000));
	CHECK(r && strcmp(r->name, "fixmap") == 0);
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xffffff0000001000));
	CHECK(r && strcmp(r->name, "espfix") == 0);
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xfffffe0000001000));
	CHECK(r && strcmp(r->name, "cpu_entry_area") == 0);
	vmc_region_vec_free(&rg);

	/* Without VMCOREINFO's help the direct map comes from the mappings
	 * (the delta that maps most) and vmalloc and vmemmap stay unnamed. */
	struct vmc_dump bare = *d;
	bare.vmcoreinfo = NULL;
	v.dump = &bare;
	const struct vmc_run maps[] = {
		{ .vaddr = UINT64_C(0xffff8c1e40000000), .paddr = 0, .size = 0x600000 },
		{ .vaddr = UINT64_C(0xffffcc5c80000000), .paddr = 0xa00000, .size = 0x10000 },
	};
	CHECK(vmc_view_regions(&v, maps, 2, &rg) == NULL);
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xffff8c1e40000000));
	CHECK(r && r->kind == VMC_REGION_LINEAR &&
	      r->delta == UINT64_C(0xffff8c1e40000000));
	/* Only as far as RAM goes, rounded to 1G: vmalloc's base is unknown. */
	CHECK(r && r->hi == UINT64_C(0xffff8c1e40000000) + 0x3fffffff);
	CHECK(vmc_region_find(rg.v, rg.n, UINT64_C(0xffffcc5c80000000)) == NULL);
	r = vmc_region_find(rg.v, rg.n, UINT64_C(0xffffffff81000000));
	CHECK(r && r->kind == VMC_REGION_IMAGE && !r->have_delta);
	vmc_region_vec_free(&rg);
	vmc_source_close(src);
}

/* ---- coverage ------------------------------------------------------------------- */

static void test_coverage_kinds(void)
{
	static const struct vmc_ram_range ram[] = {
		{ .paddr = 0, .size = 0x10000, .avail = 0x10000 },
		/* 8K of data, then 8K past the end of the file. */
		{ .paddr = 0x20000, .size = 0x4000, .avail = 0x2000 },
		{ .paddr = 0x30000, .size = 0x1000, .avail = 0x1000 },
		{ .paddr = 0x40000, .size = 0x1000, .avail = 0x1000 },
		/* Touches the one before: RAM ranges stay apart. */
		{ .paddr = 0x41000, .size = 0x1000, .avail = 0x1000 },
	};
	/* Excluded pages (a kdump's): two touch RAM ranges and join them; one
	 * stands alone. */
	static const struct vmc_ram_range absent[] = {
		{ .paddr = 0x24000, .size = 0xc000 },	/* 0x24000-0x30000 */
		{ .paddr = 0x31000, .size = 0x1000 },	/* 0x31000-0x32000 */
		{ .paddr = 0x50000, .size = 0x2000 },
	};
	struct vmc_dump d = { .path = "t", .arch = VMC_ARCH_X86_64, .ram = ram,
			      .nram = 5, .absent = absent, .nabsent = 3,
			      .ram_bytes = 0x17000, .absent_bytes = 0xf000 };
	const struct vmc_segment segs[] = {
		vseg(LINEAR_BASE, 0, 0x8000),			/* linear [0, 32K) */
		vseg(IMAGE_BASE, 0x100000, 0x1000),		/* not RAM: nothing */
		vseg(IMAGE_BASE + 0x1000, 0x4000, 0x2000),	/* wrong delta: kernel */
		vseg(IMAGE_BASE + 0x20000, 0x20000, 0x1000),	/* image */
		vseg(0x400000, 0x2000, 0x1000),			/* user alias of linear */
		vseg(0x401000, 0x9000, 0x1000),			/* user only */
		vseg(UINT64_C(0xffffc90000000000), 0x9000, 0x1000), /* + vmalloc */
		vseg(UINT64_C(0xffffc90000001000), 0x30000, 0x1000),/* vmalloc only */
	};
	struct vmc_plan plan;
	plan_with(&plan, segs, sizeof(segs) / sizeof(segs[0]));
	struct vmc_coverage c;
	CHECK(vmc_coverage_build(&d, &plan, test_regions, NREG, KSTART, &c) == NULL);
	check_consistent(&c);
	/* Blocks: [0,64K); [0x20000,0x32000) joined through excluded pages;
	 * [0x40000, 0x41000); [0x41000, 0x42000); [0x50000, 0x52000)
	 * excluded alone. */
	CHECK_U64(c.nranges, 5);
	CHECK_U64(c.ranges[1].paddr, 0x20000);
	CHECK_U64(c.ranges[1].size, 0x12000);
	CHECK_U64(c.ranges[3].paddr, 0x41000);
	CHECK_U64(c.ranges[3].size, 0x1000);
	CHECK_U64(c.ranges[4].paddr, 0x50000);
	CHECK_U64(c.total_bytes, 0x17000 + 0xf000);
	const struct vmc_cov_range *r = &c.ranges[0];
	/* [0,8K) linear, [8K,12K) linear+user, [12K,16K) linear,
	 * [16K,24K) linear+kernel (the wrong-delta image alias), [24K,32K)
	 * linear, [36K,40K) user+vmalloc, the rest not mapped. */
	CHECK_U64(r->bytes[VMC_COV_LINEAR], 0x2000 + 0x1000 + 0x2000);
	CHECK_U64(r->bytes[VMC_COV_SEVERAL], 0x1000 + 0x2000 + 0x1000);
	CHECK_U64(r->bytes[VMC_COV_UNMAPPED], 0x10000 - 0x8000 - 0x1000);
	CHECK_U64(r->linear_bytes, 0x8000);
	CHECK_U64(c.reach_bytes[VMC_REACH_LINEAR | VMC_REACH_USER], 0x1000);
	CHECK_U64(c.reach_bytes[VMC_REACH_LINEAR | VMC_REACH_KERNEL], 0x2000);
	CHECK_U64(c.reach_bytes[VMC_REACH_KERNEL | VMC_REACH_USER], 0x1000);
	r = &c.ranges[1];
	CHECK_U64(r->bytes[VMC_COV_IMAGE], 0x1000);
	CHECK_U64(r->bytes[VMC_COV_UNMAPPED], 0x1000);
	CHECK_U64(r->bytes[VMC_COV_ABSENT], 0x2000 + 0xc000 + 0x1000);
	CHECK_U64(r->bytes[VMC_COV_KERNEL], 0x1000);	/* 0x30000 vmalloc only */
	CHECK_U64(c.ranges[2].bytes[VMC_COV_UNMAPPED], 0x1000);
	CHECK_U64(c.ranges[4].bytes[VMC_COV_ABSENT], 0x2000);
	CHECK_U64(c.bytes[VMC_COV_ABSENT], 0xf000 + 0x2000);
	CHECK_U64(c.data_bytes, 0x17000 - 0x2000);
	CHECK_U64(c.bytes[VMC_COV_UNMAPPED], 0x7000 + 0x1000 + 0x1000 + 0x1000);
	CHECK_U64(c.linear_bytes, 0x8000);

	/* Samples: 16 columns of 4K over the first range. */
	uint8_t s[16];
	vmc_coverage_samples(&c, 0, 16, s);
	static const uint8_t want[16] = {
		VMC_COV_LINEAR, VMC_COV_LINEAR, VMC_COV_SEVERAL, VMC_COV_LINEAR,
		VMC_COV_SEVERAL, VMC_COV_SEVERAL, VMC_COV_LINEAR, VMC_COV_LINEAR,
		VMC_COV_UNMAPPED, VMC_COV_SEVERAL, VMC_COV_UNMAPPED, VMC_COV_UNMAPPED,
		VMC_COV_UNMAPPED, VMC_COV_UNMAPPED, VMC_COV_UNMAPPED, VMC_COV_UNMAPPED,
	};
	CHECK(memcmp(s, want, sizeof(want)) == 0);
	/* One column: the majority (28K not mapped, 20K linear, 16K several).
	 * Many more columns than bytes: the kind at each column's start. */
	vmc_coverage_samples(&c, 0, 1, s);
	CHECK(s[0] == VMC_COV_UNMAPPED);
	uint8_t wide[4096];
	vmc_coverage_samples(&c, 4, 4096, wide);
	CHECK(wide[0] == VMC_COV_ABSENT && wide[4095] == VMC_COV_ABSENT);
	vmc_coverage_samples(&c, 0, 4096, wide);
	CHECK(wide[0] == VMC_COV_LINEAR && wide[4095] == VMC_COV_UNMAPPED);
	vmc_coverage_fini(&c);
	vmc_plan_fini(&plan);
}

/* A segment that reaches the top of physical memory, and a RAM range that
 * ends at 2^64 - 1: no overflow, every byte counted. */
static void test_coverage_top(void)
{
	static const struct vmc_ram_range ram[] = {
		{ .paddr = UINT64_C(0xfffffffffff00000), .size = 0xfffff,
		  .avail = 0xfffff },
	};
	struct vmc_dump d = { .path = "t", .arch = VMC_ARCH_X86_64, .ram = ram,
			      .nram = 1, .ram_bytes = 0xfffff };
	const struct vmc_segment segs[] = {
		vseg(LINEAR_BASE, UINT64_C(0xfffffffffff80000), 0x80000),
	};
	struct vmc_plan plan;
	plan_with(&plan, segs, 1);
	struct vmc_coverage c;
	CHECK(vmc_coverage_build(&d, &plan, test_regions, NREG, KSTART, &c) == NULL);
	check_consistent(&c);
	/* The linear map's delta does not match: other kernel. */
	CHECK_U64(c.bytes[VMC_COV_KERNEL], 0x7ffff);
	CHECK_U64(c.bytes[VMC_COV_UNMAPPED], 0x80000);
	vmc_coverage_fini(&c);
	vmc_plan_fini(&plan);
}

/* Many ranges and many segments: one sweep, linear in both (a quadratic
 * build would take minutes here). */
static void test_coverage_many(void)
{
	enum { N = 100000 };
	struct vmc_ram_range *ram = calloc(N, sizeof(*ram));
	struct vmc_segment *segs = calloc(N, sizeof(*segs));
	CHECK(ram && segs);
	if (!ram || !segs) {
		free(ram);
		free(segs);
		return;
	}
	for (size_t i = 0; i < N; i++) {
		ram[i] = (struct vmc_ram_range){ .paddr = i * 0x2000, .size = 0x1000,
						 .avail = 0x1000 };
		/* Segments in reverse order: the sweep sorts. */
		size_t k = N - 1 - i;
		segs[i] = vseg(LINEAR_BASE + k * 0x2000, k * 0x2000,
			       k % 3 ? 0x1000 : 0x800);
	}
	struct vmc_dump d = { .path = "t", .arch = VMC_ARCH_X86_64, .ram = ram,
			      .nram = N, .ram_bytes = (uint64_t)N * 0x1000 };
	struct vmc_plan plan;
	plan_with(&plan, segs, N);
	struct vmc_coverage c;
	CHECK(vmc_coverage_build(&d, &plan, test_regions, NREG, KSTART, &c) == NULL);
	check_consistent(&c);
	CHECK_U64(c.nranges, N);
	uint64_t thirds = (N + 2) / 3;
	CHECK_U64(c.bytes[VMC_COV_UNMAPPED], thirds * 0x800);
	CHECK_U64(c.bytes[VMC_COV_LINEAR], (uint64_t)N * 0x1000 - thirds * 0x800);
	vmc_coverage_fini(&c);
	vmc_plan_fini(&plan);
	free(ram);
	free(segs);
}

/* The fixture: the whole pipeline, counts as its description says. */
static void test_coverage_fixture(void)
{
	struct vmc_source *src = unit_open(unit_fixture("coverage-x86_64"), NULL,
					   NULL);
	if (!src)
		return;
	struct vmc_coverage c;
	CHECK(vmc_coverage_of_dump(vmc_source_dump(src), NULL, &c) == NULL);
	check_consistent(&c);
	const uint64_t K = 1024, M = K * K;
	CHECK_U64(c.bytes[VMC_COV_LINEAR], 8 * M - 8 * K);
	CHECK_U64(c.bytes[VMC_COV_IMAGE], 2 * M);
	CHECK_U64(c.bytes[VMC_COV_KERNEL], 64 * K);
	CHECK_U64(c.bytes[VMC_COV_USER], 8 * K);
	CHECK_U64(c.bytes[VMC_COV_SEVERAL], 2 * M + 8 * K);
	CHECK_U64(c.bytes[VMC_COV_UNMAPPED], 9 * M - 72 * K);
	CHECK_U64(c.bytes[VMC_COV_ABSENT], 1 * M);
	CHECK_U64(c.bytes[VMC_COV_UNMAPPED], c.filler_bytes);
	CHECK_U64(c.total_bytes, 22 * M);
	vmc_coverage_fini(&c);
	vmc_source_close(src);
}

const struct unit_test coverage_tests[] = {
	{ "regions/classify", test_classify },
	{ "regions/normalized", test_regions_normalized },
	{ "regions/arm64", test_regions_arm64 },
	{ "regions/i386", test_regions_i386 },
	{ "regions/x86_64-kaslr", test_regions_x86_64_kaslr },
	{ "coverage/kinds-absent-samples", test_coverage_kinds },
	{ "coverage/top-of-memory", test_coverage_top },
	{ "coverage/many", test_coverage_many },
	{ "coverage/fixture", test_coverage_fixture },
	{ NULL, NULL },
};
