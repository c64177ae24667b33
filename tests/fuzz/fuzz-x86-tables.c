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
#include <string.h>

#define CTL		16
#define PAGE		4096u
#define QEMU_DESCSZ	440	/* QEMUCPUState, version 1 */
#define QEMU_NOTESZ	(12 + 8 + QEMU_DESCSZ)
#define VI_MAX		256
#define START_KERNEL_MAP UINT64_C(0xffffffff80000000)

static uint8_t *core;
static size_t core_cap;

static void put32(uint8_t *p, uint32_t v) { vmc_put32(p, v, false); }
static void put64(uint8_t *p, uint64_t v) { vmc_put64(p, v, false); }

/* One QEMU note: {namesz, descsz, type} "QEMU\0" padded, QEMUCPUState. */
static size_t qemu_note(uint8_t *p, uint64_t cr0, uint64_t cr3, uint64_t cr4,
			uint32_t cs_flags)
{
	memset(p, 0, QEMU_NOTESZ);
	put32(p, 5);
	put32(p + 4, QEMU_DESCSZ);
	put32(p + 8, 0);
	memcpy(p + 12, "QEMU", 5);
	uint8_t *d = p + 20;
	put32(d, 1);			/* version */
	put32(d + 4, QEMU_DESCSZ);	/* size */
	put32(d + 152, 0x10);		/* cs.selector */
	put32(d + 156, 0xffffffff);	/* cs.limit */
	put32(d + 160, cs_flags);	/* cs.flags: descriptor bits 8-23 */
	put64(d + 392, cr0);
	put64(d + 392 + 3 * 8, cr3);
	put64(d + 392 + 4 * 8, cr4);
	return QEMU_NOTESZ;
}

static size_t vmcoreinfo_note(uint8_t *p, const uint8_t *c)
{
	char text[VI_MAX];
	uint64_t swapper = START_KERNEL_MAP + (uint64_t)(c[8] | c[9] << 8) * PAGE;
	int n = snprintf(text, sizeof(text),
			 "OSRELEASE=6.1.0-fuzz\nPAGESIZE=4096\n"
			 "SYMBOL(swapper_pg_dir)=%" PRIx64 "\n"
			 "NUMBER(phys_base)=%d\nNUMBER(pgtable_l5_enabled)=%d\n"
			 "NUMBER(sme_mask)=%" PRIu64 "\n", swapper,
			 c[0] & 64 ? 0x100000 : 0, c[10] & 1,
			 c[7] & 0x80 ? UINT64_C(1) << (c[7] & 63) : 0);
	size_t len = (size_t)n;
	put32(p, 11);
	put32(p + 4, (uint32_t)len);
	put32(p + 8, 0);
	memcpy(p + 12, "VMCOREINFO\0\0", 12);
	memcpy(p + 24, text, len);
	size_t padded = (len + 3) & ~(size_t)3;
	memset(p + 24 + len, 0, padded - len);
	return 24 + padded;
}

/* The core around ram[0, len): its size; *core holds it. */
static size_t build(const uint8_t *c, const uint8_t *ram, size_t len)
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

	size_t ehsz = e32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr);
	size_t phsz = e32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
	size_t notes_off = ehsz + 2 * phsz;
	size_t ram_off = (notes_off + 2 * QEMU_NOTESZ + 24 + VI_MAX + PAGE - 1) &
			 ~(size_t)(PAGE - 1);
	size_t total = ram_off + len;
	if (total > core_cap) {
		free(core);
		core_cap = total;
		if (!(core = malloc(core_cap)))
			abort();
	}
	memset(core, 0, ram_off);
	uint8_t *n = core + notes_off;
	n += qemu_note(n, cr0, cr3a, cr4, cs);
	if (c[0] & 8)
		n += qemu_note(n, cr0, cr3b, cr4, cs);
	if (c[0] & 32)
		n += vmcoreinfo_note(n, c);
	size_t notes_sz = (size_t)(n - (core + notes_off));
	memcpy(core + ram_off, ram, len);

	uint8_t *h = core;
	memcpy(h, ELFMAG, SELFMAG);
	h[EI_CLASS] = e32 ? ELFCLASS32 : ELFCLASS64;
	h[EI_DATA] = ELFDATA2LSB;
	h[EI_VERSION] = EV_CURRENT;
	vmc_put16(h + 16, ET_CORE, false);
	vmc_put16(h + 18, i386 ? EM_386 : EM_X86_64, false);
	put32(h + 20, EV_CURRENT);
	uint8_t *ph = h + ehsz;
	if (e32) {
		put32(h + 28, (uint32_t)ehsz);			/* e_phoff */
		vmc_put16(h + 40, (uint16_t)ehsz, false);
		vmc_put16(h + 42, (uint16_t)phsz, false);
		vmc_put16(h + 44, 2, false);
		put32(ph, PT_NOTE);
		put32(ph + 4, (uint32_t)notes_off);
		put32(ph + 16, (uint32_t)notes_sz);
		put32(ph + 20, (uint32_t)notes_sz);
		ph += phsz;
		put32(ph, PT_LOAD);
		put32(ph + 4, (uint32_t)ram_off);
		put32(ph + 8, (uint32_t)base);
		put32(ph + 12, (uint32_t)base);
		put32(ph + 16, (uint32_t)len);
		put32(ph + 20, (uint32_t)len);
	} else {
		put64(h + 32, ehsz);
		vmc_put16(h + 52, (uint16_t)ehsz, false);
		vmc_put16(h + 54, (uint16_t)phsz, false);
		vmc_put16(h + 56, 2, false);
		put32(ph, PT_NOTE);
		put64(ph + 8, notes_off);
		put64(ph + 32, notes_sz);
		put64(ph + 40, notes_sz);
		ph += phsz;
		put32(ph, PT_LOAD);
		put64(ph + 8, ram_off);
		put64(ph + 16, base);
		put64(ph + 24, base);
		put64(ph + 32, len);
		put64(ph + 40, len);
	}
	return total;
}

static void plan(const struct vmc_dump *d, enum vmc_layout layout)
{
	struct vmc_plan_opts o = { .layout = layout, .root = { .cpu = -1 },
				   .allow_empty = true };
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_plan p;
	struct vmc_error *err = vmc_plan_build(d, &o, &ws, &p);
	if (err) {
		FUZZ_CHECK(err->code != VMC_ERR_NOT_FOUND);
		fuzz_error_free(err);
		return;
	}
	fuzz_check_plan(d, &o, &p);
	vmc_plan_fini(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= CTL)
		return 0;
	size_t n = build(data, data + CTL, size - CTL);
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_source *c = fuzz_core_open(core, n, &ws);
	/* The harness built a valid core: the reader must take it. */
	FUZZ_CHECK(c != NULL);
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
