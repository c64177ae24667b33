/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * (i) The kdump reader and the flattened layer: the input is a whole file,
 * opened from memory as the CLI opens a path (so flattened inputs go
 * through the layer). Beyond "no crash, no leak, no hang":
 *   - the model keeps its promises (base.h): RAM sorted, disjoint, all of
 *     it with data and no file offset; absent ranges sorted, disjoint and
 *     outside RAM; the sums right;
 *   - a read of RAM returns the bytes or a VMC_ERR_FAULT inside the range
 *     asked for; a read of an absent range always fails (never zeros);
 *     map, where it answers, agrees with read;
 *   - write_ram of the first 4 MiB of RAM (two threads from 4 chunks of
 *     1 MiB on) writes what read returns, and fails exactly when it does;
 *   - info (which reads every descriptor) and its report run;
 *   - the physical plan (`convert`) keeps the plan's contract.
 */
#include "common.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../../src/kdump/kdump.h"
#include "../../src/report/report.h"


/* The most RAM the harness reads or writes in one run. */
#define MAX_CHECK_BYTES	(4u << 20)

static void check_model(const struct vmc_dump *d)
{
	uint64_t ram = 0, absent = 0;
	for (size_t i = 0; i < d->nram; i++) {
		const struct vmc_ram_range *r = &d->ram[i];
		FUZZ_CHECK(r->size > 0 && r->avail == r->size);
		FUZZ_CHECK(r->foff == VMC_NO_FOFF);
		FUZZ_CHECK(r->paddr + (r->size - 1) >= r->paddr);
		if (i)
			FUZZ_CHECK(r->paddr > d->ram[i - 1].paddr +
					      (d->ram[i - 1].size - 1));
		FUZZ_CHECK(vmc_dump_ram_find(d, r->paddr) == r);
		ram += r->size;
	}
	for (size_t i = 0; i < d->nabsent; i++) {
		const struct vmc_ram_range *r = &d->absent[i];
		FUZZ_CHECK(r->size > 0 && r->avail == 0);
		if (i)
			FUZZ_CHECK(r->paddr > d->absent[i - 1].paddr +
					      (d->absent[i - 1].size - 1));
		FUZZ_CHECK(vmc_dump_ram_find(d, r->paddr) == NULL);
		FUZZ_CHECK(vmc_dump_ram_find(d, r->paddr + r->size - 1) == NULL);
		absent += r->size;
	}
	FUZZ_CHECK(d->ram_bytes == ram && d->data_bytes == ram);
	FUZZ_CHECK(d->absent_bytes == absent);
	FUZZ_CHECK(d->nnote_data <= 1);
	FUZZ_CHECK(!d->flat.ok);
}

/* Read [paddr, paddr+n): the bytes, or a fault inside the range. */
static bool read_ok(const struct vmc_dump *d, uint64_t paddr, uint8_t *buf,
		    size_t n)
{
	struct vmc_error *err = vmc_physmem_read(&d->pm, paddr, buf, n);
	if (!err)
		return true;
	FUZZ_CHECK(err->code == VMC_ERR_FAULT);
	FUZZ_CHECK(err->addr >= paddr && err->addr - paddr < n);
	fuzz_error_free(err);
	return false;
}

static void check_reads(const struct vmc_dump *d)
{
	uint8_t buf[256];
	uint64_t budget = 64;
	for (size_t i = 0; i < d->nram && budget; i++, budget--) {
		const struct vmc_ram_range *r = &d->ram[i];
		uint64_t n = r->size < sizeof(buf) ? r->size : sizeof(buf);
		uint64_t at[2] = { r->paddr, r->paddr + r->size - n };
		for (int k = 0; k < 2; k++) {
			bool ok = read_ok(d, at[k], buf, (size_t)n);
			const uint8_t *p = d->pm.map ? d->pm.map(d->pm.ctx, at[k], n)
						     : NULL;
			if (p)
				FUZZ_CHECK(ok && memcmp(p, buf, n) == 0);
		}
	}
	for (size_t i = 0; i < d->nabsent && i < 16; i++) {
		struct vmc_error *err = vmc_physmem_read(&d->pm, d->absent[i].paddr,
							 buf, 1);
		FUZZ_CHECK(err && err->code == VMC_ERR_FAULT &&
			   err->addr == d->absent[i].paddr);
		fuzz_error_free(err);
	}
}

/* write_ram into a scratch file against read, over the first
 * MAX_CHECK_BYTES of RAM. */
static void check_write(const struct vmc_dump *d)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/out", fuzz_scratch_dir());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	FUZZ_CHECK(fd >= 0);
	unlink(path);
	uint8_t *want = malloc(65536), *got = malloc(65536);
	FUZZ_CHECK(want && got);
	uint64_t budget = MAX_CHECK_BYTES;
	for (size_t i = 0; i < d->nram && budget; i++) {
		const struct vmc_ram_range *r = &d->ram[i];
		uint64_t len = r->size < budget ? r->size : budget;
		budget -= len;
		FUZZ_CHECK(ftruncate(fd, 0) == 0 && ftruncate(fd, (off_t)len) == 0);
		struct vmc_error *err = d->write_ram(d->ctx, r->paddr, len, fd, 0);
		bool wrote = !err;
		if (err) {
			FUZZ_CHECK(err->code == VMC_ERR_FORMAT ||
				   err->code == VMC_ERR_FAULT ||
				   err->code == VMC_ERR_IO);
			fuzz_error_free(err);
		}
		bool all_read = true;
		for (uint64_t off = 0; off < len; off += 65536) {
			size_t n = len - off < 65536 ? (size_t)(len - off) : 65536;
			if (!read_ok(d, r->paddr + off, want, n)) {
				all_read = false;
				continue;
			}
			if (!wrote)
				continue;
			FUZZ_CHECK(pread(fd, got, n, (off_t)off) == (ssize_t)n);
			FUZZ_CHECK(memcmp(want, got, n) == 0);
		}
		/* A page read cannot decode cannot be written either, and
		 * nothing else stops a write into memory-backed files. */
		FUZZ_CHECK(wrote == all_read);
	}
	free(want);
	free(got);
	close(fd);
}

static void check_plan(const struct vmc_dump *d)
{
	struct vmc_plan_opts o = { .layout = VMC_LAYOUT_PHYSICAL };
	struct vmc_plan plan;
	if (fuzz_plan_build(d, &o, &plan))
		vmc_plan_fini(&plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmc_warnings ws;
	fuzz_warnings_init(&ws);
	struct vmc_source *src = fuzz_core_open(data, size, &ws);
	if (!src)
		return 0;
	struct vmc_kdump *kd = vmc_source_kdump(src);
	if (!kd) {			/* ELF: fuzz-elfcore's */
		vmc_source_close(src);
		return 0;
	}
	const struct vmc_dump *d = vmc_source_dump(src);
	check_model(d);
	check_reads(d);
	struct vmc_kdump_info ki;
	struct vmc_error *err = vmc_kdump_info(kd, &ki);
	if (!err) {
		FUZZ_CHECK(ki.counted_pages <= ki.dumped_pages - ki.missing_pages);
		FUZZ_CHECK(ki.missing_pages <= ki.dumped_pages);
		uint64_t sum = ki.zero_pages;
		for (int c = 0; c < VMC_KDUMP_NCODECS; c++)
			sum += ki.codec_pages[c];
		FUZZ_CHECK(sum <= ki.counted_pages);
	}
	fuzz_error_free(err);
	for (int json = 0; json < 2; json++) {
		struct vmc_report_opts ro = { .json = json, .verbose = 1 };
		fuzz_error_free(vmc_report_info(fuzz_devnull(), d, NULL, kd, NULL, &ro));
	}
	check_write(d);
	check_plan(d);
	vmc_source_close(src);
	return 0;
}
