/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * (g) Structure-aware: the harness writes a valid x86 core around the
 * input, so that the fuzzer's bytes are the guest's RAM (its page tables)
 * and never have to rediscover ELF headers and notes. The core is what
 * QEMU writes: an ELF header, a PT_NOTE with one or two QEMU CPU-state
 * notes (CR0.PG, CR4.PAE, CS.L, CR3 pointing into RAM; layout in
 * tests/mkcore.py, QEMUCPUState in target/i386/arch_dump.c), optionally
 * VMCOREINFO, and one PT_LOAD holding the RAM.
 *
 * The first 16 input bytes choose the shape (tests/fuzz/README.md
 * "Inputs"); the rest is RAM from physical 0 (or 1M):
 *   c[0]  bits 0-1 paging: 0 4-level, 1 5-level, 2 PAE, 3 32-bit;
 *         4 CR4.PSE; 8 a second CPU; 16 ELFCLASS32 (PAE, 32-bit);
 *         32 VMCOREINFO; 64 RAM at 1M; 128 CS.L=0 (compatibility mode)
 *   c[1..2] CPU 0's CR3 page (mod RAM pages)  c[3] CR3 bits 11:0
 *   c[4..5] CPU 1's CR3 page  c[7] 0x80|n: NUMBER(sme_mask) = 1 << n
 *   c[8..9] swapper_pg_dir page  c[10] NUMBER(pgtable_l5_enabled)
 *
 * Then: walk the default root and translate every leaf found (common.c),
 * and build and check the gdb and crash plans.
 */
#include "common.h"

#include <elf.h>

#define CTL		16
#define PAGE		4096u
#define VI_MAX		256
#define START_KERNEL_MAP UINT64_C(0xffffffff80000000)

/* The VMCOREINFO text c asks for, into text[VI_MAX]: its length. */
static size_t vmcoreinfo_text(char *text, const uint8_t *c)
{
	uint64_t swapper = START_KERNEL_MAP + (uint64_t)(c[8] | c[9] << 8) * PAGE;
	int n = snprintf(text, VI_MAX,
			 "OSRELEASE=6.1.0-fuzz\nPAGESIZE=4096\n"
			 "SYMBOL(swapper_pg_dir)=%" PRIx64 "\n"
			 "NUMBER(phys_base)=%d\nNUMBER(pgtable_l5_enabled)=%d\n"
			 "NUMBER(sme_mask)=%" PRIu64 "\n", swapper,
			 c[0] & 64 ? 0x100000 : 0, c[10] & 1,
			 c[7] & 0x80 ? UINT64_C(1) << (c[7] & 63) : 0);
	return (size_t)n;
}

/* The core around ram[0, len) that c describes. */
static void build(const uint8_t *c, const uint8_t *ram, size_t len,
		  struct fuzz_core *out)
{
	unsigned mode = c[0] & 3;
	bool i386 = mode >= 2, e32 = i386 && (c[0] & 16);
	uint64_t base = c[0] & 64 ? 0x100000 : 0;
	uint64_t pages = len / PAGE + (len % PAGE != 0);
	uint64_t cr0 = 0x80050033;			/* PG PE ... */
	uint64_t cr4 = (mode == 3 ? 0 : 0x20) |		/* PAE */
		       (mode == 1 ? 0x1000 : 0) |	/* LA57 */
		       (c[0] & 4 ? 0x10 : 0);		/* PSE */
	uint32_t cs = i386 || (c[0] & 128) ? 0xcf9b00 : 0x209b00;  /* L bit 21 */
	uint64_t cr3a = base + (uint64_t)((c[1] | c[2] << 8) % pages) * PAGE + c[3];
	uint64_t cr3b = base + (uint64_t)((c[4] | c[5] << 8) % pages) * PAGE + c[3];

	uint8_t cpu[2][FUZZ_QEMU_DESCSZ];
	char text[VI_MAX];
	struct fuzz_note notes[3];
	size_t nnotes = 0;
	for (int i = 0; i < (c[0] & 8 ? 2 : 1); i++) {
		fuzz_qemu_cpu_state(cpu[i], cr0, i ? cr3b : cr3a, cr4, cs);
		vmc_put32(cpu[i] + 152, 0x10, false);		/* cs.selector */
		vmc_put32(cpu[i] + 156, 0xffffffff, false);	/* cs.limit */
		notes[nnotes++] = (struct fuzz_note){ "QEMU", 0, cpu[i],
						      sizeof(cpu[i]) };
	}
	if (c[0] & 32)
		notes[nnotes++] = (struct fuzz_note){ "VMCOREINFO", 0, text,
						      vmcoreinfo_text(text, c) };
	struct fuzz_core_spec spec = {
		.machine = i386 ? EM_386 : EM_X86_64, .elf32 = e32,
		.notes = notes, .nnotes = nnotes, .ram_base = base,
		.data = ram, .data_len = len,
	};
	fuzz_core_build(&spec, out);
}

static void plan(const struct vmc_dump *d, enum vmc_layout layout)
{
	struct vmc_plan_opts o = { .layout = layout, .root = { .cpu = -1 },
				   .allow_empty = true };
	struct vmc_plan p;
	if (fuzz_plan_build(d, &o, &p))
		vmc_plan_fini(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= CTL)
		return 0;
	struct fuzz_core core;
	build(data, data + CTL, size - CTL, &core);
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_source *c = fuzz_core_open_built(&core, NULL, &ws);
	const struct vmc_dump *d = vmc_source_dump(c);
	FUZZ_CHECK(d->ncpus == (data[0] & 8 ? 2u : 1u) && d->nram == 1);
	struct vmc_root_request req = { .cpu = -1 };
	struct vmc_view v;
	struct vmc_error *err = vmc_view_open(d, &req, &v);
	/* CPU 0 has paging on and a CR3 in RAM: there is a root. */
	FUZZ_CHECK(err == NULL);
	fuzz_check_walk_translate(&v, 0, UINT64_MAX, vmc_get64(data + 8, false));
	plan(d, VMC_LAYOUT_GDB);
	plan(d, VMC_LAYOUT_CRASH);
	vmc_source_close(c);
	return 0;
}
