/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The search for VMCOREINFO in guest RAM and its validation
 * (kernel/vmcoreinfo-ram.c), then what outputs add (kernel/complete.c),
 * over fuzzed RAM. Structure-aware: the harness writes a core without a
 * VMCOREINFO note, as QEMU does for a guest without -device vmcoreinfo,
 * and the fuzzer's bytes, after 2 control bytes, are its RAM from 1 MiB on:
 *   c[0]  bit 0: AArch64 (RAM at 0x40000000, no CPU root: only a
 *         candidate's own swapper_pg_dir can validate it), else x86_64
 *         with CR3 0x1000 and vi-ram's tables (tests/fixtures/vi-ram.core.txt:
 *         0xffffffff80000000 + paddr, and the direct map)
 *         bit 1: the core also has a VMCOREINFO note, and the search is
 *         asked for (--scan-vmcoreinfo)
 *   c[1]  unused (room for the fuzzer)
 * The seeds are the RAM of the vi-ram* fixtures from 1 MiB on.
 * Checks: open returns; a copy found is what the dump model says, passes
 * validation again, is the text up to its NUL, and is described as found
 * in RAM; the notes an output would add parse back cleanly, the last
 * VMCOREINFO being the found text plus the additions.
 */
#include "common.h"

#include <elf.h>
#include <string.h>

#include "../../src/kernel/kernel.h"

#define CTL		2
#define FUZZ_AT		0x100000u
#define MAX_FUZZ	(4u << 20)
#define PRSTATUS_A64	392

static void put64(uint8_t *p, uint64_t v) { vmc_put64(p, v, false); }

static const char note_text[] = "OSRELEASE=6.1.0-note\nPAGESIZE=4096\n";

/* The core around ram[0, len), which goes at FUZZ_AT. */
static void build(const uint8_t *c, const uint8_t *ram, size_t len,
		  struct fuzz_core *out)
{
	bool a64 = c[0] & 1, with_note = c[0] & 2;
	/* AArch64: NT_PRSTATUS, whose registers do not matter; x86_64: CR0.PG,
	 * CR4.PAE, CS.L, CR3 0x1000. */
	uint8_t cpu[FUZZ_QEMU_DESCSZ] = {0};
	if (!a64)
		fuzz_qemu_cpu_state(cpu, 0x80050033, 0x1000, 0x20, 0x209b00);
	const struct fuzz_note notes[] = {
		a64 ? (struct fuzz_note){ "CORE", NT_PRSTATUS, cpu, PRSTATUS_A64 }
		    : (struct fuzz_note){ "QEMU", 0, cpu, sizeof(cpu) },
		{ "VMCOREINFO", 0, note_text, sizeof(note_text) - 1 },
	};
	struct fuzz_core_spec spec = {
		.machine = a64 ? EM_AARCH64 : EM_X86_64,
		.notes = notes, .nnotes = with_note ? 2 : 1,
		.ram_base = a64 ? 0x40000000 : 0,
		.data_at = FUZZ_AT, .data = ram, .data_len = len,
	};
	fuzz_core_build(&spec, out);
	if (!a64) {
		uint8_t *r = out->ram;			/* vi-ram's tables */
		put64(r + 0x1000 + 511 * 8, 0x2003);
		put64(r + 0x2000 + 510 * 8, 0x3003);
		put64(r + 0x3000, 0x83);
		put64(r + 0x3000 + 8, 0x200083);
		put64(r + 0x1000 + 273 * 8, 0x4003);
		put64(r + 0x4000, 0x83);
	}
}

/* The notes of buf, parsed as a reader would. */
static void check_extra_notes(const struct vmc_dump *d,
			      const struct vmc_kernel_addition_vec *add)
{
	uint8_t *buf;
	size_t len;
	struct vmc_error *err = vmc_kernel_extra_notes(d, add->v, add->n, &buf,
							&len);
	if (err) {
		fuzz_error_free(err);
		return;
	}
	if (!len)
		return;
	FUZZ_CHECK(len % 4 == 0);
	struct vmc_note_set set = {0};
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	FUZZ_CHECK(vmc_notes_parse(&set, d->arch, buf, len, 4, d->big_endian, 0,
				   "extra", &ws) == NULL);
	/* Our own notes never give a warning. */
	FUZZ_CHECK(ws.count == 0 && ws.suppressed == 0);
	FUZZ_CHECK(set.notes.n == 2 && set.have_vmcoreinfo);
	/* The kernel's text first, then each addition. */
	const struct vmc_vmcoreinfo *out = &set.vmcoreinfo;
	size_t k = strnlen(d->vmcoreinfo->raw, d->vmcoreinfo->raw_len);
	FUZZ_CHECK(out->raw_len >= k &&
		   memcmp(out->raw, d->vmcoreinfo->raw, k) == 0);
	for (size_t i = 0; i < add->n; i++)
		FUZZ_CHECK(strcmp(vmc_vmcoreinfo_get(out, add->v[i].key),
				  add->v[i].value) == 0);
	vmc_notes_fini(&set);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= CTL || size - CTL > MAX_FUZZ)
		return 0;
	struct fuzz_core core;
	build(data, data + CTL, size - CTL, &core);
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_open_opts oo = { .scan_vmcoreinfo = data[0] & 2 };
	struct vmc_source *src = fuzz_core_open_built(&core, &oo, &ws);
	const struct vmc_dump *d = vmc_source_dump(src);
	const char *srcd = d->vmcoreinfo_source;
	if (d->vmcoreinfo && strncmp(srcd, "from RAM", 8) == 0) {
		const struct vmc_vmcoreinfo *vi = d->vmcoreinfo;
		/* The text up to its NUL, starting with OSRELEASE=. */
		FUZZ_CHECK(strlen(vi->raw) == vi->raw_len);
		FUZZ_CHECK(strncmp(vi->raw, "OSRELEASE=", 10) == 0);
		char how[600];
		struct vmc_error *err = vmc_kernel_validate_vmcoreinfo(d, vi, how,
								      sizeof(how));
		FUZZ_CHECK(err == NULL);
		struct vmc_kernel_addition_vec add = {0};
		err = vmc_kernel_complete(d, &add, &ws);
		if (err)
			fuzz_error_free(err);
		check_extra_notes(d, &add);
		vmc_kernel_addition_vec_free(&add);
	} else if (d->vmcoreinfo) {
		FUZZ_CHECK(data[0] & 2);		/* the note, kept */
		FUZZ_CHECK(strcmp(srcd, "note") == 0);
	} else {
		FUZZ_CHECK(!(data[0] & 2));
		FUZZ_CHECK(srcd && strncmp(srcd, "absent: ", 8) == 0);
	}
	vmc_source_close(src);
	return 0;
}
