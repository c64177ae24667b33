/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel-log decoders (kernel/printk.c) over fuzzed RAM. Structure-
 * aware: the harness writes an x86_64 core whose page tables map RAM at
 * 0xffff888000000000 (PML4 0x1000, PML4[273] -> PDPT 0x2000 -> a 1G page
 * at 0) and whose VMCOREINFO describes a printk ring whose `prb` pointer
 * (or whose log_buf variables) are at physical 0x100000, as mkcore's
 * `printk ring|logbuf at=0x100000` lays them out (tests/fixtures/FORMAT.md).
 * The fuzzer's bytes, after 4 control bytes, are the RAM from 0x100000:
 * the ring's pointers, descriptors, infos and text.
 *   c[0]  bit 0: log_buf (Linux 3.5 - 5.9) instead of the lockless ring
 *         bit 1: sizeof(long) 4 (the ring's 32-bit layout)
 *   c[1]  1 + the index of a VMCOREINFO line whose number is replaced by
 *         c[2] * 8 + c[3] % 8 (0: none): lying sizes and offsets
 * Checks: the decoder returns, every record it passes is within its stated
 * bounds (text readable to text_len, level and facility in range, no more
 * records than the ring has descriptors), and the text and JSON reports
 * of the same ring format without a sanitizer finding.
 */
#include "common.h"

#include <elf.h>
#include <string.h>

#include "../../src/kernel/kernel.h"
#include "../../src/report/report.h"

#define CTL		4
#define RING_PADDR	0x100000u
#define RING_VA		UINT64_C(0xffff888000100000)
#define MAX_RAM		(RING_PADDR + (2u << 20))

static FILE *devnull;

static void put64(uint8_t *p, uint64_t v) { vmc_put64(p, v, false); }

/* The VMCOREINFO lines mkcore writes for a ring (tests/mkcore.py
 * PrintkBuilder), for sizeof(long) ls. */
static int ring_lines(char *buf, size_t sz, unsigned ls, bool logbuf)
{
	if (logbuf)
		return snprintf(buf, sz,
			"SYMBOL(log_buf)=%" PRIx64 "\nSYMBOL(log_buf_len)=%" PRIx64
			"\nSYMBOL(log_first_idx)=%" PRIx64 "\nSYMBOL(log_next_idx)=%"
			PRIx64 "\nSIZE(printk_log)=16\nOFFSET(printk_log.ts_nsec)=0\n"
			"OFFSET(printk_log.len)=8\nOFFSET(printk_log.text_len)=10\n"
			"OFFSET(printk_log.dict_len)=12\n", RING_VA, RING_VA + 8,
			RING_VA + 12, RING_VA + 16);
	unsigned tr = 6 * ls;
	return snprintf(buf, sz,
		"SYMBOL(prb)=%" PRIx64 "\nSIZE(printk_ringbuffer)=%u\n"
		"OFFSET(printk_ringbuffer.desc_ring)=0\n"
		"OFFSET(printk_ringbuffer.text_data_ring)=%u\n"
		"OFFSET(printk_ringbuffer.fail)=%u\nSIZE(prb_desc_ring)=%u\n"
		"OFFSET(prb_desc_ring.count_bits)=0\nOFFSET(prb_desc_ring.descs)=%u\n"
		"OFFSET(prb_desc_ring.infos)=%u\nOFFSET(prb_desc_ring.head_id)=%u\n"
		"OFFSET(prb_desc_ring.tail_id)=%u\nSIZE(prb_desc)=%u\n"
		"OFFSET(prb_desc.state_var)=0\nOFFSET(prb_desc.text_blk_lpos)=%u\n"
		"SIZE(prb_data_blk_lpos)=%u\nOFFSET(prb_data_blk_lpos.begin)=0\n"
		"OFFSET(prb_data_blk_lpos.next)=%u\nSIZE(printk_info)=88\n"
		"OFFSET(printk_info.seq)=0\nOFFSET(printk_info.ts_nsec)=8\n"
		"OFFSET(printk_info.text_len)=16\nOFFSET(printk_info.caller_id)=20\n"
		"OFFSET(printk_info.dev_info)=24\nSIZE(prb_data_ring)=%u\n"
		"OFFSET(prb_data_ring.size_bits)=0\nOFFSET(prb_data_ring.data)=%u\n"
		"OFFSET(prb_data_ring.head_lpos)=%u\n"
		"OFFSET(prb_data_ring.tail_lpos)=%u\nSIZE(atomic_long_t)=%u\n"
		"OFFSET(atomic_long_t.counter)=0\n", RING_VA, tr + 5 * ls, tr,
		tr + 4 * ls, 6 * ls, ls, 2 * ls, 3 * ls, 4 * ls, 3 * ls, ls, 2 * ls,
		ls, 4 * ls, ls, 2 * ls, 3 * ls, ls);
}

/* Replace the number of line `which` (0-based) by value. */
static size_t perturb(char *text, size_t len, unsigned which, unsigned value,
		      size_t cap)
{
	char *p = text;
	for (unsigned i = 0; i < which; i++) {
		char *nl = memchr(p, '\n', len - (size_t)(p - text));
		if (!nl)
			return len;
		p = nl + 1;
	}
	char *eq = memchr(p, '=', len - (size_t)(p - text));
	char *nl = eq ? memchr(eq, '\n', len - (size_t)(eq - text)) : NULL;
	if (!eq || !nl)
		return len;
	char num[16];
	int n = snprintf(num, sizeof(num), "%u", value);
	size_t tail = len - (size_t)(nl - text);
	size_t newlen = (size_t)(eq + 1 - text) + (size_t)n + tail;
	if (newlen > cap)
		return len;
	memmove(eq + 1 + n, nl, tail);
	memcpy(eq + 1, num, (size_t)n);
	return newlen;
}

/* The core around ram[0, len), which goes at RING_PADDR. */
static void build(const uint8_t *c, const uint8_t *ram, size_t len,
		  struct fuzz_core *out)
{
	bool logbuf = c[0] & 1;
	unsigned ls = c[0] & 2 ? 4 : 8;
	char text[4096];
	int n = snprintf(text, sizeof(text), "OSRELEASE=6.1.0-fuzz\n"
			 "PAGESIZE=4096\n");
	n += ring_lines(text + n, sizeof(text) - (size_t)n, ls, logbuf);
	size_t tlen = (size_t)n;
	if (c[1])
		tlen = perturb(text, tlen, c[1] - 1u, c[2] * 8u + c[3] % 8u,
			       sizeof(text));
	/* CR0.PG, CR4.PAE, CS.L, CR3 0x1000. */
	uint8_t cpu[FUZZ_QEMU_DESCSZ];
	fuzz_qemu_cpu_state(cpu, 0x80050033, 0x1000, 0x20, 0x209b00);
	const struct fuzz_note notes[] = {
		{ "QEMU", 0, cpu, sizeof(cpu) },
		{ "VMCOREINFO", 0, text, tlen },
	};
	struct fuzz_core_spec spec = {
		.machine = EM_X86_64, .notes = notes, .nnotes = 2,
		.data_at = RING_PADDR, .data = ram, .data_len = len,
	};
	fuzz_core_build(&spec, out);
	/* Page tables: the direct map. */
	put64(out->ram + 0x1000 + 273 * 8, 0x2003);
	put64(out->ram + 0x2000, 0x83);
}

struct seen {
	uint64_t n;
	unsigned sum;
};

static void check_record(void *arg, const struct vmc_printk_record *rec)
{
	struct seen *s = arg;
	s->n++;
	FUZZ_CHECK(rec->text != NULL && rec->state != NULL);
	FUZZ_CHECK(rec->text_len <= 0xffff);
	FUZZ_CHECK(rec->level >= -1 && rec->level <= 7);
	FUZZ_CHECK(rec->facility >= -1 && rec->facility <= 255);
	FUZZ_CHECK(strcmp(rec->state, "committed") == 0 ||
		   strcmp(rec->state, "finalized") == 0 ||
		   strcmp(rec->state, "valid") == 0);
	/* Every byte it claims is there (ASan checks the reads). */
	for (size_t i = 0; i < rec->text_len; i++)
		s->sum += (unsigned char)rec->text[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= CTL || size - CTL > MAX_RAM - RING_PADDR)
		return 0;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	struct fuzz_core core;
	build(data, data + CTL, size - CTL, &core);
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_open_opts oo = { .no_scan = true };
	struct vmc_source *src = fuzz_core_open_built(&core, &oo, &ws);
	const struct vmc_dump *d = vmc_source_dump(src);
	FUZZ_CHECK(d->vmcoreinfo != NULL);
	struct seen s = {0};
	struct vmc_printk_stats st;
	struct vmc_error *err = vmc_kernel_dmesg(d, check_record, &s, &ws, &st);
	if (err) {
		fuzz_error_free(err);
	} else {
		FUZZ_CHECK(st.records == s.n);
		if (st.format == VMC_PRINTK_LOCKLESS)
			FUZZ_CHECK(st.records + st.skipped + st.corrupt <=
				   st.desc_count);
	}
	/* The reports format the same ring (text, raw, JSON). */
	for (int mode = 0; mode < 3; mode++) {
		struct vmc_report_opts ro = { .json = mode == 2 };
		err = vmc_report_dmesg(devnull, d, mode == 1, &ws, &ro);
		if (err)
			fuzz_error_free(err);
	}
	vmc_source_close(src);
	return 0;
}
