/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * (f) Traced translation: vmc_view_translate() and vmc_view_read() (vtop
 * and read) on a core, through a root request and at addresses taken
 * from the input's last 88 bytes (tests/fuzz/README.md "Inputs"):
 *   t[0]      request: 0 default, 1 --cpu, 2 --cr3, 3 --swapper,
 *             4 AArch64 --ttbr1/--ttbr0/--granule/--va-bits
 *   t[1]      flags: 1 --ttbr1, 2 --ttbr0, 4|8 granule (none, 4k, 16k,
 *             64k), 16 JSON, 32 raw read, 64 --cpu with --cr3
 *   t[2]      --cpu N      t[3]  --va-bits N (0: none)
 *   t[4..7]   read lengths (t[6] & 3 also the report's read format: hex,
 *             raw, u64, u32)  t[8..15] --cr3 or --ttbr1  t[16..23] --ttbr0
 *   t[24..87] eight virtual addresses
 *
 * Checks: each trace agrees with itself (common.c); a read succeeds
 * exactly when the reference (translate page by page, then read
 * physical) does, with the same bytes, and a hole is reported at its
 * first byte; and every leaf the walk of the same root finds in the 1G
 * around the first address translates to the same physical address and
 * page size.
 */
#include "common.h"

#include <string.h>

#include "../../src/report/report.h"

#define TAIL		88
#define NADDR		8
#define MAX_READ	8192


static struct vmc_root_request request(const uint8_t *t)
{
	static const unsigned granules[4] = { 0, 12, 14, 16 };
	struct vmc_root_request r = { .cpu = -1 };
	switch (t[0]) {
	case 1:
		r.cpu = t[2];
		break;
	case 2:
		r.have_cr3 = true;
		r.cr3 = fuzz_le64(t + 8, 8);
		r.cpu = t[1] & 64 ? t[2] : -1;
		break;
	case 3:
		r.swapper = true;
		break;
	case 4:
		r.have_ttbr1 = t[1] & 1;
		r.ttbr1 = fuzz_le64(t + 8, 8);
		r.have_ttbr0 = t[1] & 2;
		r.ttbr0 = fuzz_le64(t + 16, 8);
		r.granule_shift = granules[t[1] >> 2 & 3];
		r.va_bits = t[3];
		break;
	default:
		break;
	}
	return r;
}

/* vmc_view_read against translate + physmem, page by page. */
static void check_read(const struct vmc_view *v, uint64_t vaddr, size_t len)
{
	static uint8_t got[MAX_READ], want[MAX_READ];
	struct vmc_error *err = vmc_view_read(v, vaddr, got, len);
	struct vmc_error *ref = NULL;
	uint64_t hole = 0;
	bool unmapped = false;
	size_t done = 0;
	/* One form for the whole read: the one of its first byte. */
	const struct vmc_paging *pg = vmc_form_for(&v->rc, vaddr);
	while (done < len) {
		struct vmc_translation t = { .mapped = false };
		if (pg)
			vmc_translate(pg, &v->dump->pm, vaddr + done, &t);
		if (!t.mapped) {
			unmapped = true;
			hole = vaddr + done;
			break;
		}
		uint64_t chunk = t.page_size - ((vaddr + done) & (t.page_size - 1));
		if (chunk > len - done)
			chunk = len - done;
		ref = vmc_physmem_read(&v->dump->pm, t.paddr, want + done, chunk);
		if (ref)
			break;
		done += chunk;
	}
	if (!err) {
		FUZZ_CHECK(!unmapped && !ref);
		FUZZ_CHECK(memcmp(got, want, len) == 0);
	} else if (err->code == VMC_ERR_NOT_FOUND) {
		FUZZ_CHECK(unmapped && err->addr == hole);
	} else {
		FUZZ_CHECK(err->code == VMC_ERR_FAULT || err->code == VMC_ERR_NOMEM);
		FUZZ_CHECK(ref != NULL || err->code == VMC_ERR_NOMEM);
	}
	fuzz_error_free(err);
	fuzz_error_free(ref);
}

static void check_addresses(const struct vmc_view *v, const uint8_t *t)
{
	for (int i = 0; i < NADDR; i++) {
		uint64_t vaddr = fuzz_le64(t + 24 + 8 * i, 8);
		struct vmc_translation tr;
		const struct vmc_paging *pg = NULL;
		vmc_view_translate(v, vaddr, &tr, &pg);
		FUZZ_CHECK(pg != NULL && tr.vaddr == vaddr);
		fuzz_check_translation(pg, &tr);
		/* Lengths up to 8K, so that reads cross pages. */
		size_t len = 1 + (size_t)(t[4 + i % 4] * 33 + i) % MAX_READ;
		check_read(v, vaddr, len);
	}
}

static void reports(const struct vmc_dump *d, const struct vmc_root_request *req,
		    const uint8_t *t)
{
	uint64_t vaddrs[2] = { fuzz_le64(t + 24, 8), fuzz_le64(t + 32, 8) };
	size_t unmapped;
	struct vmc_report_opts ro = { .json = t[1] & 16 };
	static const char *const labels[2] = { "a_name", NULL };
	fuzz_error_free(vmc_report_vtop(fuzz_devnull(), d, req, vaddrs, 2, labels,
					&unmapped, &ro));
	/* Every read format, text or JSON; u64/u32 want whole values. */
	static const enum vmc_read_format fmts[] = { VMC_READ_HEX, VMC_READ_RAW,
						     VMC_READ_U64, VMC_READ_U32 };
	fuzz_error_free(vmc_report_read(fuzz_devnull(), d, req, vaddrs[0], t[4] + 1u,
					false, t[1] & 32 ? VMC_READ_RAW : fmts[t[6] & 3], "a_name",
					&ro));
	fuzz_error_free(vmc_report_read(fuzz_devnull(), d, req, vaddrs[1], t[5] + 1u,
					true, VMC_READ_HEX, NULL, &ro));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < TAIL)
		return 0;
	const uint8_t *tail = data + size - TAIL;
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_source *core = fuzz_core_open(data, size, &ws);
	if (!core)
		return 0;
	const struct vmc_dump *d = vmc_source_dump(core);
	struct vmc_root_request req = request(tail);
	struct vmc_view v;
	struct vmc_error *err = vmc_view_open(d, &req, &v);
	if (err) {
		FUZZ_CHECK(err->code != VMC_ERR_NOT_FOUND);
		fuzz_error_free(err);
	} else {
		check_addresses(&v, tail);
		/* The leaves of the 1G around the first address: the walk of
		 * a whole real guest (75,000 leaves) is fuzz-walk's job. */
		uint64_t va = fuzz_le64(tail + 24, 8) & ~((UINT64_C(1) << 30) - 1);
		fuzz_check_walk_translate(&v, va, va + ((UINT64_C(1) << 30) - 1),
					  fuzz_le64(tail + 32, 8));
		reports(d, &req, tail);
	}
	vmc_source_close(core);
	return 0;
}
