/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unit.h"

#include <errno.h>

#include "../../src/base/base.h"

static void test_endian(void)
{
	uint8_t b[8];
	vmc_put64(b, 0x0102030405060708ull, false);
	CHECK(b[0] == 0x08 && b[7] == 0x01);
	CHECK_U64(vmc_get64(b, false), 0x0102030405060708ull);
	CHECK_U64(vmc_get32(b, false), 0x05060708);
	CHECK_U64(vmc_get16(b, false), 0x0708);
	vmc_put64(b, 0x0102030405060708ull, true);
	CHECK(b[0] == 0x01 && b[7] == 0x08);
	CHECK_U64(vmc_get64(b, true), 0x0102030405060708ull);
	CHECK_U64(vmc_get32(b + 4, true), 0x05060708);
}

static void test_range_ok(void)
{
	CHECK(vmc_range_ok(0, 10, 10));
	CHECK(!vmc_range_ok(1, 10, 10));
	CHECK(vmc_range_ok(10, 0, 10));
	CHECK(!vmc_range_ok(11, 0, 10));
	/* off + len overflows: must be refused, not wrapped. */
	CHECK(!vmc_range_ok(UINT64_MAX - 1, 4, 100));
	CHECK(!vmc_range_ok(8, UINT64_MAX, 100));
}

VMC_VEC(u64_vec, uint64_t)

static void test_vec(void)
{
	struct u64_vec v = {0};
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t *slot = u64_vec_push(&v);
		CHECK(slot != NULL);
		if (slot)
			*slot = i * 3;
	}
	CHECK_U64(v.n, 1000);
	CHECK_U64(v.v[999], 2997);
	CHECK(v.cap >= 1000);
	/* A request that cannot be sized must fail, not wrap. */
	CHECK(u64_vec_reserve(&v, SIZE_MAX / 2) != 0);
	u64_vec_free(&v);
	CHECK(v.v == NULL && v.n == 0);
}

static void test_parse_u64(void)
{
	uint64_t v = 0;
	CHECK(vmc_parse_u64("0x10", &v) == 0 && v == 16);
	CHECK(vmc_parse_u64("4K", &v) == 0 && v == 4096);
	CHECK(vmc_parse_u64("2M", &v) == 0 && v == 0x200000);
	CHECK(vmc_parse_u64("1g", &v) == 0 && v == 0x40000000);
	CHECK(vmc_parse_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	CHECK(vmc_parse_u64("18446744073709551616", &v) != 0);
	CHECK(vmc_parse_u64("0xffffffffffffffffK", &v) != 0);
	CHECK(vmc_parse_u64("-1", &v) != 0);
	/* strtoull would take these as 2^64-1 and 1. */
	CHECK(vmc_parse_u64(" -1", &v) != 0);
	CHECK(vmc_parse_u64(" 1", &v) != 0);
	CHECK(vmc_parse_u64("+1", &v) != 0);
	CHECK(vmc_parse_u64("", &v) != 0);
	CHECK(vmc_parse_u64("12x", &v) != 0);
}

static void test_human_size(void)
{
	char b[32];
	CHECK_STR(vmc_human_size(0, b, sizeof(b)), "0");
	CHECK_STR(vmc_human_size(1000, b, sizeof(b)), "1000");
	CHECK_STR(vmc_human_size(4096, b, sizeof(b)), "4K");
	CHECK_STR(vmc_human_size(0x200000, b, sizeof(b)), "2M");
	CHECK_STR(vmc_human_size(0x40000000, b, sizeof(b)), "1G");
	CHECK_STR(vmc_human_size(1536, b, sizeof(b)), "1.5K");
	CHECK_STR(vmc_human_size(0x240000, b, sizeof(b)), "2.2M");
}

static void test_errors(void)
{
	struct vmc_error *e = vmc_error_new(VMC_ERR_FORMAT, "bad %s", "thing");
	CHECK(e->code == VMC_ERR_FORMAT);
	vmc_error_prefix(e, "CPU %d", 1);
	CHECK_STR(e->msg, "CPU 1: bad thing");
	vmc_error_free(e);

	e = vmc_error_errno(ENOENT, "cannot open");
	CHECK(e->code == VMC_ERR_IO && e->errnum == ENOENT);
	CHECK_STR(e->msg, "cannot open: No such file or directory");
	vmc_error_free(e);

	e = vmc_error_fault(0x1234, "at %#x", 0x1234);
	CHECK(e->code == VMC_ERR_FAULT && e->addr == 0x1234);
	vmc_error_free(e);

	/* The OOM error is static: prefixing and freeing must not touch it. */
	e = vmc_error_nomem();
	vmc_error_prefix(e, "context");
	CHECK_STR(e->msg, "out of memory");
	vmc_error_free(e);
	CHECK(vmc_error_nomem()->code == VMC_ERR_NOMEM);
}

static int emitted;
static void count_emit(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
	emitted++;
}

static void test_warnings(void)
{
	struct vmc_warnings ws = { .emit = count_emit, .limit = 3 };
	emitted = 0;
	for (int i = 0; i < 10; i++)
		vmc_warn(&ws, "warning %d", i);
	CHECK(emitted == 3);
	CHECK_U64(ws.count, 3);
	CHECK_U64(ws.suppressed, 7);
	vmc_warn(NULL, "dropped");	/* a NULL sink is allowed */
}

static void test_vmcoreinfo(void)
{
	static const char text[] =
		"OSRELEASE=6.1.0-13-amd64\n"
		"PAGESIZE=4096\n"
		"SYMBOL(swapper_pg_dir)=ffffffff8a00a000\n"
		"NUMBER(phys_base)=-1040187392\n"
		"NUMBER(kimage_voffset)=0xffff800007e00000\n"
		"NUMBER(VA_BITS)=48\n"
		"no equals sign here\n"
		"KERNELOFFSET=8000000\n"
		"PAGESIZE=16384\n"
		"NUMBER(spaced)= -1\n"
		"NUMBER(plus)=+5\n"
		"SYMBOL(spaced)= ffff\n"
		"\0\0\0padding";
	struct vmc_vmcoreinfo vi;
	CHECK(vmc_vmcoreinfo_parse(text, sizeof(text) - 1, &vi) == NULL);
	CHECK_U64(vi.raw_len, sizeof(text) - 1);
	CHECK(memcmp(vi.raw, text, sizeof(text) - 1) == 0);
	CHECK_STR(vmc_vmcoreinfo_get(&vi, "OSRELEASE"), "6.1.0-13-amd64");
	CHECK(vmc_vmcoreinfo_get(&vi, "padding") == NULL);
	CHECK(vmc_vmcoreinfo_get(&vi, "no equals sign here") == NULL);
	uint64_t v;
	CHECK(vmc_vmcoreinfo_symbol(&vi, "swapper_pg_dir", &v) &&
	      v == 0xffffffff8a00a000ull);
	CHECK(vmc_vmcoreinfo_number(&vi, "phys_base", &v) &&
	      v == (uint64_t)-1040187392ll);
	CHECK(vmc_vmcoreinfo_number(&vi, "kimage_voffset", &v) &&
	      v == 0xffff800007e00000ull);
	CHECK(vmc_vmcoreinfo_number(&vi, "VA_BITS", &v) && v == 48);
	CHECK(vmc_vmcoreinfo_hex(&vi, "KERNELOFFSET", &v) && v == 0x8000000);
	/* A repeated key: the last one wins, as in crash and drgn. */
	CHECK(vmc_vmcoreinfo_dec(&vi, "PAGESIZE", &v) && v == 16384);
	CHECK(!vmc_vmcoreinfo_number(&vi, "missing", &v));
	CHECK(!vmc_vmcoreinfo_hex(&vi, "OSRELEASE", &v));
	/* Signs and white space strtoull would accept are refused. */
	CHECK(!vmc_vmcoreinfo_number(&vi, "spaced", &v));
	CHECK(!vmc_vmcoreinfo_number(&vi, "plus", &v));
	CHECK(!vmc_vmcoreinfo_symbol(&vi, "spaced", &v));
	vmc_vmcoreinfo_fini(&vi);
}

const struct unit_test base_tests[] = {
	{ "base/endian", test_endian },
	{ "base/range_ok", test_range_ok },
	{ "base/vec", test_vec },
	{ "base/parse_u64", test_parse_u64 },
	{ "base/human_size", test_human_size },
	{ "base/errors", test_errors },
	{ "base/warnings", test_warnings },
	{ "base/vmcoreinfo", test_vmcoreinfo },
	{ NULL, NULL },
};
