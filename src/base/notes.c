/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Notes, whatever carries them (an ELF PT_NOTE, a kdump sub-header): keep
 * each note, and decode the ones we know: NT_PRSTATUS (x86_64, i386, aarch64
 * layouts), the "QEMU" CPU-state note and VMCOREINFO (FORMATS.md §1.3, §1.4).
 */
#include "base.h"

#include <elf.h>
#include <inttypes.h>
#include <string.h>

/* NT_PRSTATUS desc sizes and offsets (Linux struct elf_prstatus per arch). */
#define PRSTATUS_X86_64_SIZE	336	/* pr_pid @32, pr_reg @112: 27 × u64 */
#define PRSTATUS_I386_SIZE	144	/* pr_pid @24, pr_reg @72: 17 × u32 */
#define PRSTATUS_AARCH64_SIZE	392	/* pr_pid @32, pr_reg @112: 34 × u64 */

/* QEMUCPUState (target/i386/arch_dump.c); fields appended without bumping
 * the version, so each is present only when `size` and descsz cover it. */
#define QEMU_OFF_GPR		8	/* rax rbx rcx rdx rsi rdi rsp rbp r8..r15 */
#define QEMU_OFF_RIP		136
#define QEMU_OFF_RFLAGS		144
#define QEMU_OFF_SEGS		152	/* 10 × {u32 sel, limit, flags, pad; u64 base} */
#define QEMU_SEG_SIZE		24
#define QEMU_OFF_CR		392	/* cr0..cr4 */
#define QEMU_OFF_KGSBASE	432
#define QEMU_MIN_SIZE		8	/* version + size */

static struct vmc_cpu_state *cpu_slot(struct vmc_note_set *set, size_t idx)
{
	while (set->cpus.n <= idx) {
		struct vmc_cpu_state *c = vmc_cpu_vec_push(&set->cpus);
		if (!c)
			return NULL;
		c->index = (unsigned)(set->cpus.n - 1);
	}
	return &set->cpus.v[idx];
}

static void decode_prstatus_x86_64(struct vmc_cpu_state *c, const uint8_t *d)
{
	/* pr_reg order: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi
	 * rdi orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs;
	 * regs[] uses QEMU's order rax rbx rcx rdx rsi rdi rsp rbp r8..r15. */
	static const int to_qemu[] = {
		[0] = 15, [1] = 14, [2] = 13, [3] = 12, [4] = 7, [5] = 1,
		[6] = 11, [7] = 10, [8] = 9, [9] = 8, [10] = 0, [11] = 2,
		[12] = 3, [13] = 4, [14] = 5, [19] = 6,
	};
	const uint8_t *r = d + 112;
	c->pid = vmc_get32(d + 32, false);
	for (int i = 0; i < 20; i++)
		if (i < 15 || i == 19)
			c->regs[to_qemu[i]] = vmc_get64(r + 8 * i, false);
	c->pc = vmc_get64(r + 8 * 16, false);
	c->rflags = vmc_get64(r + 8 * 18, false);
	c->sp = vmc_get64(r + 8 * 19, false);
	c->layout = VMC_PRSTATUS_X86_64;
}

static void decode_prstatus_i386(struct vmc_cpu_state *c, const uint8_t *d)
{
	/* regs: ebx ecx edx esi edi ebp eax ds es fs gs orig_eax eip cs eflags
	 * esp ss, as u32 each. */
	static const int to_qemu[] = { 1, 2, 3, 4, 5, 7, 0 };
	const uint8_t *r = d + 72;
	c->pid = vmc_get32(d + 24, false);
	for (int i = 0; i < 7; i++)
		c->regs[to_qemu[i]] = vmc_get32(r + 4 * i, false);
	c->pc = vmc_get32(r + 4 * 12, false);
	c->rflags = vmc_get32(r + 4 * 14, false);
	c->sp = vmc_get32(r + 4 * 15, false);
	c->regs[6] = c->sp;
	c->layout = VMC_PRSTATUS_I386;
}

static void decode_prstatus_aarch64(struct vmc_cpu_state *c, const uint8_t *d)
{
	/* user_pt_regs: x0..x30, sp, pc, pstate. */
	const uint8_t *r = d + 112;
	c->pid = vmc_get32(d + 32, false);
	for (int i = 0; i < 31; i++)
		c->regs[i] = vmc_get64(r + 8 * i, false);
	c->sp = vmc_get64(r + 8 * 31, false);
	c->pc = vmc_get64(r + 8 * 32, false);
	c->regs[31] = vmc_get64(r + 8 * 33, false);
	c->layout = VMC_PRSTATUS_AARCH64;
}

static enum vmc_arch prstatus_arch(uint32_t descsz)
{
	switch (descsz) {
	case PRSTATUS_X86_64_SIZE: return VMC_ARCH_X86_64;
	case PRSTATUS_I386_SIZE: return VMC_ARCH_I386;
	case PRSTATUS_AARCH64_SIZE: return VMC_ARCH_AARCH64;
	default: return VMC_ARCH_UNKNOWN;
	}
}

static void decode_prstatus(enum vmc_arch arch, struct vmc_cpu_state *c,
			    const struct vmc_note *n, struct vmc_warnings *ws)
{
	enum vmc_arch a = prstatus_arch(n->descsz);
	if (a == VMC_ARCH_UNKNOWN) {
		vmc_warn(ws, "NT_PRSTATUS at offset 0x%" PRIx64 " has %" PRIu32
			 " bytes, a layout we do not know; CPU %u has no registers",
			 n->offset, n->descsz, c->index);
		return;
	}
	/* QEMU writes the i386 layout inside ELFCLASS64 EM_386 files; an
	 * x86_64 core with i386 notes (or the like) is odd but decodable. */
	bool x86 = arch == VMC_ARCH_X86_64 || arch == VMC_ARCH_I386;
	if ((a == VMC_ARCH_AARCH64) != (arch == VMC_ARCH_AARCH64) ||
	    (a != VMC_ARCH_AARCH64 && !x86))
		vmc_warn(ws, "NT_PRSTATUS at offset 0x%" PRIx64 " has the %s layout "
			 "in a %s core", n->offset, vmc_arch_name(a),
			 vmc_arch_name(arch));
	if (a == VMC_ARCH_X86_64)
		decode_prstatus_x86_64(c, n->desc);
	else if (a == VMC_ARCH_I386)
		decode_prstatus_i386(c, n->desc);
	else
		decode_prstatus_aarch64(c, n->desc);
	c->have |= VMC_CPU_HAVE_PRSTATUS;
}

static void decode_qemu(struct vmc_cpu_state *c, const struct vmc_note *n,
			struct vmc_warnings *ws)
{
	const uint8_t *d = n->desc;
	c->have |= VMC_CPU_HAVE_QEMU;
	if (n->descsz < QEMU_MIN_SIZE) {
		vmc_warn(ws, "QEMU note at offset 0x%" PRIx64 " has only %" PRIu32
			 " bytes; CPU %u has no control registers",
			 n->offset, n->descsz, c->index);
		return;
	}
	c->qemu_version = vmc_get32(d, false);
	c->qemu_size = vmc_get32(d + 4, false);
	uint64_t len = c->qemu_size;
	if (c->qemu_size > n->descsz) {
		vmc_warn(ws, "QEMU note at offset 0x%" PRIx64 " states size %" PRIu32
			 " but holds %" PRIu32 " bytes; using the fields it holds",
			 n->offset, c->qemu_size, n->descsz);
		len = n->descsz;
	}
	if (c->qemu_version != 1)
		vmc_warn(ws, "QEMU note at offset 0x%" PRIx64 " has version %" PRIu32
			 " (expected 1); decoding it as version 1",
			 n->offset, c->qemu_version);

	if (len >= QEMU_OFF_RFLAGS + 8) {
		for (int i = 0; i < 16; i++)
			c->regs[i] = vmc_get64(d + QEMU_OFF_GPR + 8 * i, false);
		uint64_t rip = vmc_get64(d + QEMU_OFF_RIP, false);
		c->rflags = vmc_get64(d + QEMU_OFF_RFLAGS, false);
		if (!(c->have & VMC_CPU_HAVE_PRSTATUS)) {
			c->pc = rip;
			c->sp = c->regs[6];
		}
		c->have |= VMC_CPU_HAVE_QEMU_GPR;
	}
	for (int i = 0; i < VMC_NR_SEGS; i++) {
		uint64_t off = QEMU_OFF_SEGS + (uint64_t)QEMU_SEG_SIZE * i;
		if (off + QEMU_SEG_SIZE > len)
			break;
		c->seg[i].selector = vmc_get32(d + off, false);
		c->seg[i].limit = vmc_get32(d + off + 4, false);
		c->seg[i].flags = vmc_get32(d + off + 8, false);
		c->seg[i].base = vmc_get64(d + off + 16, false);
		c->seg_have |= 1u << i;
	}
	for (int i = 0; i < 5; i++) {
		uint64_t off = QEMU_OFF_CR + 8 * (uint64_t)i;
		if (off + 8 > len)
			break;
		c->cr[i] = vmc_get64(d + off, false);
		c->cr_have |= 1u << i;
	}
	if (QEMU_OFF_KGSBASE + 8 <= len) {
		c->kernel_gs_base = vmc_get64(d + QEMU_OFF_KGSBASE, false);
		c->have |= VMC_CPU_HAVE_KGSBASE;
	}
}

static struct vmc_error *interpret(struct vmc_note_set *set, enum vmc_arch arch,
				   const struct vmc_note *n, struct vmc_warnings *ws)
{
	struct vmc_cpu_state *c;
	if (strcmp(n->name, "CORE") == 0 && n->type == NT_PRSTATUS) {
		if (!(c = cpu_slot(set, set->nprstatus++)))
			return vmc_error_nomem();
		decode_prstatus(arch, c, n, ws);
	} else if (strncmp(n->name, "QEMU", 4) == 0 && n->type == 0) {
		/* crash matches any name starting with "QEMU"; so do we. */
		if (!(c = cpu_slot(set, set->nqemu++)))
			return vmc_error_nomem();
		decode_qemu(c, n, ws);
	} else if (strcmp(n->name, "VMCOREINFO") == 0) {
		if (set->have_vmcoreinfo) {
			/* A later note that starts with the earlier one's text
			 * completes it (vmcore-tool's outputs, kernel/): only
			 * a different text deserves a warning. */
			const struct vmc_vmcoreinfo *old = &set->vmcoreinfo;
			size_t k = strnlen(old->raw, old->raw_len);
			if (k > n->descsz || memcmp(old->raw, n->desc, k) != 0)
				vmc_warn(ws, "second VMCOREINFO note at offset 0x%"
					 PRIx64 "; using it instead of the first",
					 n->offset);
			vmc_vmcoreinfo_fini(&set->vmcoreinfo);
		}
		struct vmc_error *err = vmc_vmcoreinfo_parse(
			(const char *)n->desc, n->descsz, &set->vmcoreinfo);
		if (err)
			return err;
		set->have_vmcoreinfo = true;
	}
	return NULL;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

struct vmc_error *vmc_notes_parse(struct vmc_note_set *set, enum vmc_arch arch,
				  const uint8_t *buf, uint64_t len,
				  unsigned align, bool big_endian,
				  uint64_t file_off, const char *where,
				  struct vmc_warnings *ws)
{
	uint64_t pos = 0;
	while (pos < len) {
		if (len - pos < 12) {
			vmc_warn(ws, "%s: %" PRIu64 " stray bytes at offset 0x%" PRIx64
				 " are too few for a note header", where, len - pos,
				 file_off + pos);
			break;
		}
		const uint8_t *h = buf + pos;
		uint32_t namesz = vmc_get32(h, big_endian);
		uint32_t descsz = vmc_get32(h + 4, big_endian);
		uint32_t type = vmc_get32(h + 8, big_endian);
		uint64_t name_off = pos + 12;
		uint64_t desc_off = name_off + align_up(namesz, align);
		uint64_t next = desc_off + align_up(descsz, align);
		/* All values are < 2^34 past pos, so no overflow is possible. */
		if (desc_off + descsz > len) {
			vmc_warn(ws, "note at offset 0x%" PRIx64 " runs past the end of "
				 "its segment (namesz %" PRIu32 ", descsz %" PRIu32
				 ", %s ends at 0x%" PRIx64 "); ignoring it and the notes "
				 "after it", file_off + pos, namesz, descsz, where,
				 file_off + len);
			break;
		}
		struct vmc_note *n = vmc_note_vec_push(&set->notes);
		if (!n)
			return vmc_error_nomem();
		n->namesz = namesz;
		n->descsz = descsz;
		n->type = type;
		n->offset = file_off + pos;
		n->desc = buf + desc_off;
		const char *name = (const char *)buf + name_off;
		if (namesz && name[namesz - 1] != '\0')
			vmc_warn(ws, "note at offset 0x%" PRIx64 ": name of %" PRIu32
				 " bytes is not NUL-terminated", n->offset, namesz);
		n->name = strndup(name, namesz);
		if (!n->name)
			return vmc_error_nomem();
		struct vmc_error *err = interpret(set, arch, n, ws);
		if (err)
			return err;
		pos = next;
	}
	return NULL;
}

void vmc_notes_finish(struct vmc_note_set *set, struct vmc_warnings *ws)
{
	if (set->nqemu && set->nprstatus && set->nqemu != set->nprstatus)
		vmc_warn(ws, "%zu NT_PRSTATUS notes but %zu QEMU notes; CPUs are "
			 "paired in note order", set->nprstatus, set->nqemu);
}

void vmc_notes_fini(struct vmc_note_set *set)
{
	for (size_t i = 0; i < set->notes.n; i++)
		free(set->notes.v[i].name);
	vmc_note_vec_free(&set->notes);
	vmc_cpu_vec_free(&set->cpus);
	vmc_vmcoreinfo_fini(&set->vmcoreinfo);
	set->have_vmcoreinfo = false;
}
