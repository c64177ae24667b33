/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * input layers against the real tools: a test file (a fixture core and
 * generated data of every kind: random, zeros, text, sparse) is compressed
 * by the `lz4` and `gzip` programs in several ways, and every decoded byte,
 * then random ranges (also from two threads at once), must equal the plain
 * file's. Damage: linked blocks refused, a truncated tail readable up to
 * the cut with one warning, corrupt checksums refused.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/input/layers-priv.h"

static char tmpdir[64];
static uint8_t *plain;
static size_t plain_len;

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static const char *tmp_path(const char *name)
{
	static char buf[2][256];
	static int which;
	which ^= 1;
	snprintf(buf[which], sizeof(buf[which]), "%s/%s", tmpdir, name);
	return buf[which];
}

static bool write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok;
}

static uint8_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct stat st;
	uint8_t *p = NULL;
	if (fstat(fileno(f), &st) == 0 && (p = malloc((size_t)st.st_size + 1)))
		*n = fread(p, 1, (size_t)st.st_size, f);
	fclose(f);
	return p;
}

/* Run a shell command in tmpdir; a failure fails the test. */
static bool sh(const char *fmt, ...) VMC_PRINTF(1, 2);
static bool sh(const char *fmt, ...)
{
	char cmd[1024];
	int n = snprintf(cmd, sizeof(cmd), "cd '%s' && ", tmpdir);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0) {
		fprintf(stderr, "  command failed (%d): %s\n", rc, cmd);
		unit_failed_checks++;
		return false;
	}
	return true;
}

/* The plain test file: a fixture core, then 5 MiB of mixed data. */
static bool make_plain(void)
{
	if (plain)
		return true;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vmc-unit-input-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "  mkdtemp: %s\n", strerror(errno));
		unit_failed_checks++;
		return false;
	}
	size_t core_len = 0;
	uint8_t *core = read_file(unit_fixture("x86_64-basic"), &core_len);
	CHECK(core != NULL);
	size_t mixed = 5u << 20;
	plain_len = core_len + mixed;
	plain = calloc(1, plain_len);
	if (!plain || !core) {
		free(core);
		unit_failed_checks++;
		return false;
	}
	memcpy(plain, core, core_len);
	free(core);
	uint8_t *p = plain + core_len;
	rng_state = 42;
	for (size_t i = 0; i < mixed;) {
		size_t len = 1 + rng() % (300u << 10);
		if (len > mixed - i)
			len = mixed - i;
		switch (rng() % 4) {
		case 0:		/* random: raw lz4 blocks, stored deflate */
			for (size_t k = 0; k < len; k++)
				p[i + k] = (uint8_t)rng();
			break;
		case 1:		/* zeros */
			break;
		case 2:		/* text */
			for (size_t k = 0; k < len; k++)
				p[i + k] = (uint8_t)"the quick brown fox "[(k + i) % 20] ^
					   (rng() % 97 == 0);
			break;
		default:	/* sparse */
			for (size_t k = 0; k < len; k += 1 + rng() % 4096)
				p[i + k] = (uint8_t)rng();
		}
		i += len;
	}
	return write_file(tmp_path("plain"), plain, plain_len);
}

static unsigned long nwarn;
static void count_warning(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
	nwarn++;
}

/* Open name (in tmpdir) the way open/ does: file, then peel. */
static struct vmc_error *open_layered(const char *name, struct vmc_input **out)
{
	struct vmc_warnings ws = { .emit = count_warning };
	nwarn = 0;
	struct vmc_input *in;
	struct vmc_error *err = vmc_input_open_file(tmp_path(name), &in);
	if (err)
		return err;
	if ((err = vmc_input_peel(&in, &ws))) {
		vmc_input_close(in);
		return err;
	}
	*out = in;
	return NULL;
}

/* Random ranges, then every byte in odd-sized pieces. */
static void compare_all(struct vmc_input *in, size_t len, const char *name)
{
	uint8_t *buf = malloc(1u << 20);
	if (!buf) {
		unit_failed_checks++;
		return;
	}
	int bad = 0;
	for (int i = 0; i < 300 && bad < 3; i++) {
		size_t off = rng() % len, n = 1 + rng() % 70000, got;
		if (n > len - off)
			n = len - off;
		struct vmc_error *err = vmc_input_pread(in, buf, n, off, &got);
		CHECK(err == NULL);
		vmc_error_free(err);
		if (got != n || memcmp(buf, plain + off, n) != 0) {
			fprintf(stderr, "  %s: random read at 0x%zx+0x%zx differs\n",
				name, off, n);
			unit_failed_checks++;
			bad++;
		}
	}
	for (size_t off = 0; off < len && bad < 3;) {
		size_t n = 777777 < len - off ? 777777 : len - off, got;
		struct vmc_error *err = vmc_input_pread(in, buf, n, off, &got);
		CHECK(err == NULL);
		vmc_error_free(err);
		if (got != n || memcmp(buf, plain + off, n) != 0) {
			fprintf(stderr, "  %s: bytes at 0x%zx differ\n", name, off);
			unit_failed_checks++;
			bad++;
		}
		off += n;
	}
	/* Past the end: short, then nothing. */
	size_t got = 1;
	struct vmc_error *err = vmc_input_pread(in, buf, 100, len - 10, &got);
	CHECK(err == NULL && got == 10);
	err = vmc_input_pread(in, buf, 100, len, &got);
	CHECK(err == NULL && got == 0);
	free(buf);
}

struct thread_arg {
	struct vmc_input *in;
	uint64_t seed;
	int bad;
};

static void *reader(void *p)
{
	struct thread_arg *a = p;
	uint8_t *buf = malloc(65536);
	uint64_t s = a->seed;
	for (int i = 0; buf && i < 400; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		size_t off = (size_t)(s >> 16) % plain_len, got;
		size_t n = 4096 < plain_len - off ? 4096 : plain_len - off;
		struct vmc_error *err = vmc_input_pread(a->in, buf, n, off, &got);
		if (err || got != n || memcmp(buf, plain + off, n) != 0)
			a->bad++;
		vmc_error_free(err);
	}
	free(buf);
	return NULL;
}

/* Two threads reading at random at once (kdump decodes on two). */
static void compare_threads(struct vmc_input *in)
{
	struct thread_arg a[2] = { { in, 1, 0 }, { in, 2, 0 } };
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, reader, &a[i]) == 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(a[0].bad == 0 && a[1].bad == 0);
}

/* Compress "plain" with cmd (%s: the output name), then check it. */
static void check_variant(const char *name, const char *layer, const char *cmd)
{
	char full[512];
	snprintf(full, sizeof(full), cmd, name);
	if (!make_plain() || !sh("%s", full))
		return;
	struct vmc_input *in;
	struct vmc_error *err = open_layered(name, &in);
	if (err) {
		fprintf(stderr, "  %s: %s\n", name, err->msg);
		vmc_error_free(err);
		unit_failed_checks++;
		return;
	}
	CHECK_STR(vmc_input_layers(in), layer);
	CHECK_U64(in->size, plain_len);
	CHECK_U64(nwarn, 0);
	CHECK(in->map == NULL && in->fd == -1 && in->lower != NULL);
	/* A cache of one block: every read that leaves it decodes again,
	 * from a gzip access point or an lz4 run, as reads of a large dump
	 * do (a test file fits the real budget whole). */
	CHECK(vmc_layer_cache_budget(in, 0));
	compare_all(in, plain_len, name);
	CHECK(vmc_layer_cache_budget(in, VMC_CACHE_BUDGET));
	compare_threads(in);
	struct vmc_layer_stats st;
	CHECK(vmc_layer_stats(in, &st));
	/* Bounded: one entry per 64 KiB (lz4 runs) or 1 MiB (gzip points). */
	CHECK(st.entries >= 1 && st.entries <= plain_len / (64u << 10) + 3);
	CHECK(st.cache.bytes <= VMC_CACHE_BUDGET + (4u << 20));
	CHECK(st.cache.hits > 0 && st.cache.misses > 100);
	vmc_input_close(in);
}

static void test_lz4_block_sizes(void)
{
	check_variant("B4.lz4", "lz4", "lz4 -q -f -B4 plain %s");
	check_variant("B5.lz4", "lz4", "lz4 -q -f -B5 plain %s");
	check_variant("B6.lz4", "lz4", "lz4 -q -f -B6 plain %s");
	check_variant("B7.lz4", "lz4", "lz4 -q -f -B7 plain %s");
	check_variant("default.lz4", "lz4", "lz4 -q -f plain %s");
}

/* Blocks that are not full (-B100000 cuts 100000-byte blocks in frames
 * whose maximum is 256 KiB), tiny ones that the index joins into runs,
 * block checksums, a stated content size, no content checksum, -9. */
static void test_lz4_options(void)
{
	check_variant("B100000.lz4", "lz4", "lz4 -q -f -B100000 plain %s");
	check_variant("B1000.lz4", "lz4", "lz4 -q -f -B1000 plain %s");
	check_variant("BX.lz4", "lz4", "lz4 -q -f -B4 -BX --content-size plain %s");
	check_variant("nocrc.lz4", "lz4", "lz4 -q -f --no-frame-crc plain %s");
	check_variant("hc.lz4", "lz4", "lz4 -q -f -9 -B5 plain %s");
	check_variant("stdin.lz4", "lz4", "cat plain | lz4 -q -f - %s");
}

/* Three frames with different block sizes, a skippable frame between
 * (lz4_Frame_format.md §5: magic 0x184D2A5X, size, data). */
static void test_lz4_frames(void)
{
	if (!make_plain())
		return;
	size_t a = plain_len / 3, b = plain_len / 2;
	sh("head -c %zu plain > p1 && tail -c +%zu plain | head -c %zu > p2 && "
	   "tail -c +%zu plain > p3", a, a + 1, b - a, b + 1);
	check_variant("multi.lz4", "lz4",
		      "lz4 -q -f -B4 p1 f1.lz4 && lz4 -q -f -B7 -BX p2 f2.lz4 && "
		      "lz4 -q -f -B5 --content-size p3 f3.lz4 && "
		      "printf '\\122\\052\\115\\030\\005\\000\\000\\000hello' > skip && "
		      "cat skip f1.lz4 skip f2.lz4 f3.lz4 skip > %s");
}

static void test_gzip(void)
{
	check_variant("plain.gz", "gzip", "gzip -c plain > %s");
	check_variant("fast.gz", "gzip", "gzip -1 -c plain > %s");
	check_variant("best.gz", "gzip", "gzip -9 -n -c plain > %s");
	check_variant("stdin.gz", "gzip", "cat plain | gzip -c > %s");
	/* Members: three parts and an empty one (cat a.gz b.gz: RFC 1952 §2.2). */
	if (!make_plain())
		return;
	size_t a = plain_len / 3, b = plain_len / 2;
	sh("head -c %zu plain > p1 && tail -c +%zu plain | head -c %zu > p2 && "
	   "tail -c +%zu plain > p3", a, a + 1, b - a, b + 1);
	check_variant("multi.gz", "gzip",
		      "gzip -c p1 > m1.gz && gzip -1 -c p2 > m2.gz && "
		      ": | gzip -c > m0.gz && gzip -9 -c p3 > m3.gz && "
		      "cat m1.gz m0.gz m2.gz m3.gz > %s");
}

/* Linked blocks: refused, naming the command that rewrites the file,
 * which must work. */
static void test_lz4_linked(void)
{
	if (!make_plain() || !sh("lz4 -q -f -BD -B4 plain linked.lz4"))
		return;
	struct vmc_input *in;
	struct vmc_error *err = open_layered("linked.lz4", &in);
	CHECK(err && err->code == VMC_ERR_UNSUPPORTED);
	if (!err)
		return vmc_input_close(in);
	const char *cmd = strstr(err->msg, "lz4 -dc ");
	CHECK(strstr(err->msg, "linked blocks (lz4 -BD)") && cmd);
	/* The message names the file by its full path: run it as it is. */
	bool ran = cmd && sh("%s 2>/dev/null", cmd);
	vmc_error_free(err);
	if (ran)
		check_variant("linked.B4.lz4", "lz4", "true %s");
}

/* A tail cut off: the decoded stream ends where the data does, with one
 * warning, and holds the plain file's bytes up to there. */
static void check_truncated(const char *name, const char *whole)
{
	size_t n;
	uint8_t *z = read_file(tmp_path(whole), &n);
	if (!z) {
		unit_failed_checks++;
		return;
	}
	CHECK(write_file(tmp_path(name), z, n * 2 / 3));
	free(z);
	struct vmc_input *in;
	struct vmc_error *err = open_layered(name, &in);
	CHECK(err == NULL);
	if (err) {
		fprintf(stderr, "  %s: %s\n", name, err->msg);
		return vmc_error_free(err);
	}
	CHECK_U64(nwarn, 1);
	CHECK(in->size > 0 && in->size < plain_len);
	CHECK(vmc_layer_cache_budget(in, 0));
	compare_all(in, (size_t)in->size, name);
	vmc_input_close(in);
}

static void test_truncated(void)
{
	if (!make_plain() || !sh("lz4 -q -f -B4 plain t.lz4 && gzip -c plain > t.gz"))
		return;
	check_truncated("cut.lz4", "t.lz4");
	check_truncated("cut.gz", "t.gz");
}

/* Flip one byte of name at from_end bytes before its end: open fails
 * with a message holding want. */
static void check_corrupt(const char *whole, size_t from_end, const char *want)
{
	size_t n;
	uint8_t *z = read_file(tmp_path(whole), &n);
	if (!z || n < from_end) {
		free(z);
		unit_failed_checks++;
		return;
	}
	z[n - from_end] ^= 0x55;
	CHECK(write_file(tmp_path("corrupt"), z, n));
	free(z);
	struct vmc_input *in;
	struct vmc_error *err = open_layered("corrupt", &in);
	CHECK(err && err->code == VMC_ERR_FORMAT && strstr(err->msg, want));
	if (err && !strstr(err->msg, want))
		fprintf(stderr, "  %s: %s\n", whole, err->msg);
	if (!err)
		vmc_input_close(in);
	vmc_error_free(err);
}

static void test_corrupt(void)
{
	if (!make_plain() ||
	    !sh("lz4 -q -f -B4 plain c.lz4 && lz4 -q -f -B4 -BX plain cx.lz4 && "
		"gzip -c plain > c.gz"))
		return;
	check_corrupt("c.lz4", 2, "content checksum");
	check_corrupt("cx.lz4", 10, "checksum");	/* the last block's */
	check_corrupt("c.gz", 7, "CRC-32");
	check_corrupt("c.gz", 2, "ISIZE");
}

/* Nested compression is refused before it is decoded. */
static void test_nested(void)
{
	if (!make_plain() || !sh("gzip -c plain | lz4 -q -f - nested.lz4"))
		return;
	struct vmc_input *in;
	struct vmc_error *err = open_layered("nested.lz4", &in);
	CHECK(err && err->code == VMC_ERR_UNSUPPORTED &&
	      strstr(err->msg, "gzip data inside lz4"));
	if (!err)
		vmc_input_close(in);
	vmc_error_free(err);
}

static void test_cleanup(void)
{
	if (tmpdir[0])
		sh("rm -f * && cd / && rmdir '%s'", tmpdir);
	free(plain);
	plain = NULL;
}

const struct unit_test input_tests[] = {
	{ "input/lz4-block-sizes", test_lz4_block_sizes },
	{ "input/lz4-options", test_lz4_options },
	{ "input/lz4-frames", test_lz4_frames },
	{ "input/lz4-linked", test_lz4_linked },
	{ "input/gzip", test_gzip },
	{ "input/truncated", test_truncated },
	{ "input/corrupt", test_corrupt },
	{ "input/nested", test_nested },
	{ "input/cleanup", test_cleanup },
	{ NULL, NULL },
};
