/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unit.h"

#include "../../src/pagewalk/pagewalk.h"

static struct vmc_cpu_state x86_cpu(uint64_t cr0, uint64_t cr4, int cs_l)
{
	struct vmc_cpu_state c = {0};
	c.cr_have = 0x1f;
	c.cr[0] = cr0;
	c.cr[4] = cr4;
	if (cs_l >= 0) {
		c.seg_have = 1u << VMC_SEG_CS;
		c.seg[VMC_SEG_CS].flags = cs_l ? 0x209b00 : 0xc09b00;
	}
	return c;
}

static enum vmc_paging_mode mode_of(struct vmc_cpu_state c, bool elf64)
{
	struct vmc_paging_choice pc;
	vmc_x86_paging_mode(&c, elf64, &pc);
	return pc.mode;
}

static void test_x86_modes(void)
{
	const uint64_t PG = VMC_CR0_PG, PAE = VMC_CR4_PAE, LA57 = VMC_CR4_LA57;
	CHECK(mode_of(x86_cpu(0x11, 0, -1), true) == VMC_PAGING_NONE);
	CHECK(mode_of(x86_cpu(PG | 1, VMC_CR4_PSE, 0), false) == VMC_PAGING_X86_32);
	CHECK(mode_of(x86_cpu(PG | 1, PAE, 0), false) == VMC_PAGING_X86_PAE);
	CHECK(mode_of(x86_cpu(PG | 1, PAE, -1), false) == VMC_PAGING_X86_PAE);
	CHECK(mode_of(x86_cpu(PG | 1, PAE, 1), false) == VMC_PAGING_X86_4L);
	CHECK(mode_of(x86_cpu(PG | 1, PAE, 1), true) == VMC_PAGING_X86_4L);
	/* Compatibility mode (CS.L=0) in an x86_64 dump is still long mode. */
	CHECK(mode_of(x86_cpu(PG | 1, PAE, 0), true) == VMC_PAGING_X86_4L);
	CHECK(mode_of(x86_cpu(PG | 1, PAE | LA57, 1), true) == VMC_PAGING_X86_5L);

	struct vmc_cpu_state none = {0};
	struct vmc_paging_choice pc;
	vmc_x86_paging_mode(&none, true, &pc);
	CHECK(pc.mode == VMC_PAGING_UNKNOWN);
	CHECK(strstr(pc.reason, "no QEMU CPU-state note") != NULL);

	struct vmc_cpu_state c = x86_cpu(PG | 1, PAE | LA57, 1);
	vmc_x86_paging_mode(&c, true, &pc);
	CHECK_STR(pc.reason, "CR0.PG=1 CR4.PAE=1 CS.L=1 CR4.LA57=1");
}

static void arm64(const char *text, struct vmc_arm64_params *p,
		  struct vmc_paging_choice *pc)
{
	struct vmc_vmcoreinfo vi;
	CHECK(vmc_vmcoreinfo_parse(text, strlen(text), &vi) == NULL);
	vmc_arm64_paging(&vi, p, pc);
	vmc_vmcoreinfo_fini(&vi);
}

static void test_arm64_params(void)
{
	struct vmc_arm64_params p;
	struct vmc_paging_choice pc;
	arm64("PAGESIZE=4096\nNUMBER(VA_BITS)=48\nNUMBER(TCR_EL1_T1SZ)=0x19\n",
	      &p, &pc);
	CHECK(pc.mode == VMC_PAGING_AARCH64);
	CHECK_U64(p.page_shift, 12);
	CHECK_U64(p.va_bits, 39);	/* T1SZ in use wins over VA_BITS */
	/* With 64K pages VA_BITS describes swapper_pg_dir's layout. */
	arm64("PAGESIZE=65536\nNUMBER(VA_BITS)=52\nNUMBER(TCR_EL1_T1SZ)=0x10\n",
	      &p, &pc);
	CHECK_U64(p.page_shift, 16);
	CHECK_U64(p.va_bits, 52);
	arm64("PAGESIZE=16384\nNUMBER(VA_BITS)=47\n", &p, &pc);
	CHECK_U64(p.page_shift, 14);
	CHECK_U64(p.va_bits, 47);
	arm64("PAGESIZE=8192\nNUMBER(VA_BITS)=48\n", &p, &pc);
	CHECK(pc.mode == VMC_PAGING_UNKNOWN);
	vmc_arm64_paging(NULL, &p, &pc);
	CHECK(pc.mode == VMC_PAGING_UNKNOWN);
	CHECK(strstr(pc.reason, "absent") != NULL);
}

const struct unit_test pagewalk_tests[] = {
	{ "pagewalk/x86-modes", test_x86_modes },
	{ "pagewalk/arm64-params", test_arm64_params },
	{ NULL, NULL },
};
