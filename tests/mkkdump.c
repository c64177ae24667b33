/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mkkdump: turn an ELF core (a fixture built by mkcore.py, or a real QEMU
 * paging=false dump) into a kdump-compressed file as makedumpfile and
 * QEMU write it (KDUMP-AND-SYMBOLS.md §C, FORMATS.md §3), with every
 * variant the reader must handle and every malformation it must refuse.
 * Pages are compressed with the real libraries (zlib, liblzo2, snappy,
 * zstd). A test tool: it trusts its input and reads it whole.
 *
 *   mkkdump [OPTION...] IN.core OUT
 *
 *   --codec=C          zlib (default), lzo, snappy, zstd, raw, or mixed
 *                      (each page the next codec in turn)
 *   --layout=64|32     the writer's header layout (default 64)
 *   --version=N        header_version 1 to 6 (default 6); the fields of
 *                      later versions are filled with junk the reader
 *                      must ignore
 *   --block-size=N     the file's page (default: VMCOREINFO PAGESIZE or
 *                      4096); 65536 for a 4K guest as QEMU does on aarch64
 *   --exclude=S-E      exclude physical [S, E) (bitmap 1 only); repeatable
 *   --exclude-zero     exclude all-zero pages (makedumpfile -d 1)
 *   --no-zero-page     store zero pages like others, no shared zero page
 *   --incomplete=N     keep the first N dumped pages' data; the rest have
 *                      zero descriptors and no data; status INCOMPLETE
 *   --machine=S        utsname.machine (default from e_machine; aarch64
 *                      "Unknown", as QEMU writes)
 *   --phys-base=N      the sub-header's phys_base (default 0)
 *   --flat             write makedumpfile's flattened format
 *   --flat-chunk=N     bytes a flattened record (default 4096)
 *   --flat-shuffle     records not in offset order
 *   --flat-gaps        no records for all-zero chunks (holes)
 *   --damage=KIND      signature, version=N, block-size=N, bitmap-past-eof,
 *                      sub-hdr-size, notes-past-eof, split, max-mapnr,
 *                      dumped-hole, desc-offset, desc-size, page-size,
 *                      corrupt, codec-flags, truncate=N, flat-negative,
 *                      flat-overlap, flat-truncated, flat-no-end
 *                      (page damages hit the first dumped non-zero page)
 *   --damage-pfn=N     ... or page N instead (repeatable; a zero page is
 *                      then stored compressed, not shared)
 *
 * Prints nothing on success; exit 1 on an error.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("mkkdump: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xcalloc(size_t n, size_t s)
{
	void *p = calloc(n ? n : 1, s ? s : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }
static void putbe64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i)); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

/* ---- the input ELF core ---------------------------------------------------------- */

struct load { uint64_t paddr, size, foff; };

struct core {
	const uint8_t *map;
	size_t size;
	uint16_t machine;
	struct load *loads;
	size_t nloads;
	const uint8_t *notes;
	size_t notes_len;
};

static void read_core(const char *path, struct core *c)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die("%s: %s", path, strerror(errno));
	c->size = (size_t)st.st_size;
	c->map = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (c->map == MAP_FAILED)
		die("%s: mmap: %s", path, strerror(errno));
	close(fd);
	const uint8_t *h = c->map;
	if (c->size < 64 || memcmp(h, ELFMAG, SELFMAG) || h[EI_DATA] != ELFDATA2LSB)
		die("%s: not a little-endian ELF file", path);
	bool e64 = h[EI_CLASS] == ELFCLASS64;
	c->machine = get16(h + 18);
	uint64_t phoff = e64 ? get64(h + 32) : get32(h + 28);
	uint64_t shoff = e64 ? get64(h + 40) : get32(h + 32);
	uint32_t phnum = get16(h + (e64 ? 56 : 44));
	if (phnum == PN_XNUM)
		phnum = get32(c->map + shoff + (e64 ? 44 : 28));
	size_t phent = e64 ? 56 : 32;
	c->loads = xcalloc(phnum, sizeof(*c->loads));
	for (uint32_t i = 0; i < phnum; i++) {
		const uint8_t *p = c->map + phoff + (uint64_t)i * phent;
		uint32_t type = get32(p);
		uint64_t off = e64 ? get64(p + 8) : get32(p + 4);
		uint64_t paddr = e64 ? get64(p + 24) : get32(p + 12);
		uint64_t filesz = e64 ? get64(p + 32) : get32(p + 16);
		if (type == PT_NOTE && !c->notes) {
			c->notes = c->map + off;
			c->notes_len = filesz;
		}
		if (type != PT_LOAD || filesz == 0 || off + filesz > c->size)
			continue;
		c->loads[c->nloads++] = (struct load){ paddr, filesz, off };
	}
}

/* Bytes [pa, pa+n) of RAM into buf; zeros where no PT_LOAD has data. */
static bool ram_bytes(const struct core *c, uint64_t pa, uint8_t *buf, size_t n)
{
	bool any = false;
	memset(buf, 0, n);
	for (size_t i = 0; i < c->nloads; i++) {
		const struct load *l = &c->loads[i];
		uint64_t lo = pa > l->paddr ? pa : l->paddr;
		uint64_t hi = pa + n < l->paddr + l->size ? pa + n : l->paddr + l->size;
		if (lo >= hi)
			continue;
		memcpy(buf + (lo - pa), c->map + l->foff + (lo - l->paddr), hi - lo);
		any = true;
	}
	return any;
}

/* The VMCOREINFO note's desc in the notes, and PAGESIZE from it. */
static const uint8_t *find_vmcoreinfo(const struct core *c, size_t *len)
{
	size_t off = 0;
	while (c->notes && off + 12 <= c->notes_len) {
		uint32_t namesz = get32(c->notes + off), descsz = get32(c->notes + off + 4);
		size_t name = off + 12, desc = name + ((namesz + 3) & ~3u);
		if (desc + descsz > c->notes_len)
			break;
		if (namesz == 11 && memcmp(c->notes + name, "VMCOREINFO", 11) == 0) {
			*len = descsz;
			return c->notes + desc;
		}
		off = desc + ((descsz + 3) & ~3u);
	}
	*len = 0;
	return NULL;
}

/* ---- options ------------------------------------------------------------------------ */

enum codec { C_RAW, C_ZLIB, C_LZO, C_SNAPPY, C_ZSTD, C_MIXED };

struct range { uint64_t lo, hi; };

static struct {
	enum codec codec;
	int layout, version;
	uint64_t block_size;
	struct range *excl;
	size_t nexcl;
	bool exclude_zero, no_zero_page;
	int64_t incomplete;
	const char *machine;
	uint64_t phys_base;
	bool flat, flat_shuffle, flat_gaps;
	uint64_t flat_chunk;
	const char *damage;
	uint64_t damage_arg;
	uint64_t *dpfn;
	size_t ndpfn;
} o = { .codec = C_ZLIB, .layout = 64, .version = 6, .incomplete = -1,
	.flat_chunk = 4096 };

static uint64_t num(const char *s)
{
	char *end;
	errno = 0;
	uint64_t v = strtoull(s, &end, 0);
	if (errno || *end || end == s)
		die("'%s' is not a number", s);
	return v;
}

static bool damage(const char *kind)
{
	return o.damage && strcmp(o.damage, kind) == 0;
}

static void parse_args(int argc, char **argv, const char **in, const char **out)
{
	static const struct option opts[] = {
		{ "codec", 1, 0, 'c' }, { "layout", 1, 0, 'l' },
		{ "version", 1, 0, 'V' }, { "block-size", 1, 0, 'b' },
		{ "exclude", 1, 0, 'x' }, { "exclude-zero", 0, 0, 'z' },
		{ "no-zero-page", 0, 0, 'Z' }, { "incomplete", 1, 0, 'i' },
		{ "machine", 1, 0, 'm' }, { "phys-base", 1, 0, 'p' },
		{ "flat", 0, 0, 'F' }, { "flat-chunk", 1, 0, 'C' },
		{ "flat-shuffle", 0, 0, 'S' }, { "flat-gaps", 0, 0, 'G' },
		{ "damage", 1, 0, 'd' }, { "damage-pfn", 1, 0, 'P' }, { 0 },
	};
	int k;
	while ((k = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (k) {
		case 'c': {
			static const char *names[] = { "raw", "zlib", "lzo", "snappy", "zstd", "mixed" };
			size_t i = 0;
			while (i < 6 && strcmp(optarg, names[i]))
				i++;
			if (i == 6)
				die("--codec: raw, zlib, lzo, snappy, zstd or mixed");
			o.codec = (enum codec)i;
			break;
		}
		case 'l': o.layout = (int)num(optarg); break;
		case 'V': o.version = (int)num(optarg); break;
		case 'b': o.block_size = num(optarg); break;
		case 'x': {
			char *dash = strchr(optarg, '-');
			if (!dash)
				die("--exclude takes START-END");
			*dash = '\0';
			o.excl = realloc(o.excl, (o.nexcl + 1) * sizeof(*o.excl));
			o.excl[o.nexcl++] = (struct range){ num(optarg), num(dash + 1) };
			break;
		}
		case 'z': o.exclude_zero = true; break;
		case 'Z': o.no_zero_page = true; break;
		case 'i': o.incomplete = (int64_t)num(optarg); break;
		case 'm': o.machine = optarg; break;
		case 'p': o.phys_base = num(optarg); break;
		case 'F': o.flat = true; break;
		case 'C': o.flat_chunk = num(optarg); break;
		case 'S': o.flat_shuffle = true; break;
		case 'G': o.flat_gaps = true; break;
		case 'd': {
			char *eq = strchr(optarg, '=');
			if (eq) {
				*eq = '\0';
				o.damage_arg = num(eq + 1);
			}
			o.damage = optarg;
			break;
		}
		case 'P':
			o.dpfn = realloc(o.dpfn, (o.ndpfn + 1) * sizeof(*o.dpfn));
			o.dpfn[o.ndpfn++] = num(optarg);
			break;
		default: exit(64);
		}
	}
	if (argc - optind != 2)
		die("usage: mkkdump [OPTION...] IN.core OUT (see the comment at the "
		    "top of tests/mkkdump.c)");
	if (o.layout != 64 && o.layout != 32)
		die("--layout is 64 or 32");
	if (o.version < 1 || o.version > 6)
		die("--version is 1 to 6");
	*in = argv[optind];
	*out = argv[optind + 1];
}

/* ---- compression ------------------------------------------------------------------------ */

struct codecs {
	uint8_t *wrk;			/* LZO work memory */
	ZSTD_CCtx *zstd;
	uint8_t *dst;
	size_t cap;
};

/* Compress src (n bytes) with codec c into cx->dst; its size, or 0 when
 * that is no smaller than n (then the page is stored raw, as makedumpfile
 * does, §C.4). */
static size_t compress_with(struct codecs *cx, enum codec c, const uint8_t *src,
			    size_t n)
{
	size_t out = cx->cap;
	switch (c) {
	case C_ZLIB: {
		uLongf l = (uLongf)cx->cap;
		if (compress2(cx->dst, &l, src, (uLong)n, Z_BEST_SPEED) != Z_OK)
			die("zlib compress2 failed");
		out = l;
		break;
	}
	case C_LZO: {
		lzo_uint l = cx->cap;
		if (lzo1x_1_compress(src, n, cx->dst, &l, cx->wrk) != LZO_E_OK)
			die("lzo1x_1_compress failed");
		out = l;
		break;
	}
	case C_SNAPPY:
		if (snappy_compress((const char *)src, n, (char *)cx->dst, &out) != SNAPPY_OK)
			die("snappy_compress failed");
		break;
	case C_ZSTD:
		out = ZSTD_compressCCtx(cx->zstd, cx->dst, cx->cap, src, n, 1);
		if (ZSTD_isError(out))
			die("zstd: %s", ZSTD_getErrorName(out));
		break;
	default:
		return 0;
	}
	return out < n ? out : 0;
}

static const uint32_t codec_flag[] = { 0, 0x1, 0x2, 0x4, 0x20 };

/* ---- writing ------------------------------------------------------------------------------ */

static void pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w <= 0)
			die("write: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
}

static bool damage_pfn(uint64_t pfn)
{
	for (size_t i = 0; i < o.ndpfn; i++)
		if (o.dpfn[i] == pfn)
			return true;
	return false;
}

static bool excluded(uint64_t pa, uint64_t bs)
{
	for (size_t i = 0; i < o.nexcl; i++)
		if (pa < o.excl[i].hi && pa + bs > o.excl[i].lo)
			return true;
	return false;
}

static const char *default_machine(uint16_t m)
{
	switch (m) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i686";
	case EM_AARCH64: return "Unknown";	/* what QEMU 7.2 writes */
	default: return "Unknown";
	}
}

/* Write the plain kdump file to fd; returns its size. */
static uint64_t write_kdump(const struct core *c, int fd)
{
	size_t vlen;
	const uint8_t *vmci = find_vmcoreinfo(c, &vlen);
	uint64_t bs = o.block_size;
	if (!bs && vmci) {
		const char *p = memmem(vmci, vlen, "PAGESIZE=", 9);
		if (p)
			bs = strtoull(p + 9, NULL, 10);
	}
	if (!bs)
		bs = 4096;
	uint64_t max_end = 0;
	for (size_t i = 0; i < c->nloads; i++)
		if (c->loads[i].paddr + c->loads[i].size > max_end)
			max_end = c->loads[i].paddr + c->loads[i].size;
	uint64_t max_mapnr = (max_end + bs - 1) / bs;
	uint64_t bm_len = ((max_mapnr + 7) / 8 + bs - 1) / bs * bs;
	uint8_t *bm1 = xcalloc(bm_len, 1), *bm2 = xcalloc(bm_len, 1);
	uint8_t *page = xcalloc(bs, 1);

	/* Bitmap 1: every block some PT_LOAD touches (partial blocks padded
	 * with zeros, as QEMU's get_next_page does). */
	for (size_t i = 0; i < c->nloads; i++)
		for (uint64_t pfn = c->loads[i].paddr / bs;
		     pfn < (c->loads[i].paddr + c->loads[i].size + bs - 1) / bs; pfn++)
			bm1[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
	uint64_t ndumped = 0;
	for (uint64_t pfn = 0; pfn < max_mapnr; pfn++) {
		if (!(bm1[pfn / 8] >> (pfn % 8) & 1) || excluded(pfn * bs, bs))
			continue;
		if (o.exclude_zero) {
			ram_bytes(c, pfn * bs, page, bs);
			if (page[0] == 0 && !memcmp(page, page + 1, bs - 1))
				continue;
		}
		bm2[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
		ndumped++;
	}

	/* Header and sub-header sizes (§C.2, §C.3). */
	bool l64 = o.layout == 64;
	size_t sub_size = l64 ? 104 : 80;
	size_t extra = o.version >= 4 ? c->notes_len : o.version == 3 ? vlen : 0;
	uint64_t sub_blocks = (sub_size + extra + bs - 1) / bs;
	uint64_t bitmap_blocks = 2 * bm_len / bs;
	uint64_t desc_off = (1 + sub_blocks + bitmap_blocks) * bs;
	uint64_t data_off = desc_off + ndumped * 24;

	uint8_t *hdr = xcalloc(bs, 1);
	memcpy(hdr, "KDUMP   ", 8);
	if (damage("signature"))
		memcpy(hdr, "KDUMPxyz", 8);
	put32(hdr + 8, damage("version") ? (uint32_t)o.damage_arg : (uint32_t)o.version);
	const char *mach = o.machine ? o.machine : default_machine(c->machine);
	memcpy(hdr + 12, "Linux", 5);
	strncpy((char *)hdr + 12 + 4 * 65, mach, 64);
	uint32_t status = o.codec == C_MIXED ? 0x1 : codec_flag[o.codec];
	if (o.incomplete >= 0)
		status |= 0x8;
	size_t st = l64 ? 424 : 412;
	put32(hdr + st, status);
	put32(hdr + st + 4, damage("block-size") ? (uint32_t)o.damage_arg : (uint32_t)bs);
	put32(hdr + st + 8, damage("sub-hdr-size") ? 0x7fffffffu : (uint32_t)sub_blocks);
	put32(hdr + st + 12, damage("bitmap-past-eof") ? (uint32_t)bitmap_blocks + 0x200000
						    : (uint32_t)bitmap_blocks);
	put32(hdr + st + 16, (uint32_t)max_mapnr);
	put32(hdr + (l64 ? 460 : 448), 2);		/* nr_cpus */
	pwrite_all(fd, hdr, bs, 0);

	uint8_t *sub = xcalloc(sub_blocks, bs);
	uint64_t notes_off = bs + sub_size, vmci_off = 0, vmci_len = 0;
	if (o.version >= 4 && c->notes_len) {
		memcpy(sub + sub_size, c->notes, c->notes_len);
		if (vmci) {
			vmci_off = notes_off + (uint64_t)(vmci - c->notes);
			vmci_len = vlen;
		}
	} else if (o.version == 3 && vmci) {
		memcpy(sub + sub_size, vmci, vlen);
		vmci_off = notes_off;
		vmci_len = vlen;
	}
	/* Fields newer than the version get junk: the reader must not look. */
	const uint64_t junk = 0xfffffff0deadbeefull;
	if (l64) {
		put64(sub, o.phys_base);
		put32(sub + 8, o.exclude_zero ? 31 : 1);		/* dump_level */
		put32(sub + 12, damage("split") ? 1 : 0);
		put64(sub + 32, o.version >= 3 ? vmci_off : junk);
		put64(sub + 40, o.version >= 3 ? vmci_len : junk);
		put64(sub + 48, o.version >= 4 ? (damage("notes-past-eof") ? junk >> 8 : notes_off) : junk);
		put64(sub + 56, o.version >= 4 ? c->notes_len : junk);
		put64(sub + 80, 0);
		put64(sub + 88, o.version >= 6 ? max_mapnr : junk);
		put64(sub + 96, o.version >= 6 ? (damage("max-mapnr") ? max_mapnr * 64 : max_mapnr) : junk);
	} else {
		put32(sub, (uint32_t)o.phys_base);
		put32(sub + 4, o.exclude_zero ? 31 : 1);
		put32(sub + 8, damage("split") ? 1 : 0);
		put64(sub + 20, o.version >= 3 ? vmci_off : junk);
		put32(sub + 28, o.version >= 3 ? (uint32_t)vmci_len : (uint32_t)junk);
		put64(sub + 32, o.version >= 4 ? (damage("notes-past-eof") ? junk >> 8 : notes_off) : junk);
		put32(sub + 40, o.version >= 4 ? (uint32_t)c->notes_len : (uint32_t)junk);
		put64(sub + 64, o.version >= 6 ? max_mapnr : junk);
		put64(sub + 72, o.version >= 6 ? (damage("max-mapnr") ? max_mapnr * 64 : max_mapnr) : junk);
	}
	pwrite_all(fd, sub, sub_blocks * bs, bs);
	if (damage("dumped-hole")) {
		/* A dumped page bitmap 1 calls a hole: the first hole pfn. */
		for (uint64_t pfn = 0; pfn < max_mapnr; pfn++)
			if (!(bm1[pfn / 8] >> (pfn % 8) & 1)) {
				bm2[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
				ndumped++;
				data_off += 24;
				break;
			}
	}
	pwrite_all(fd, bm1, bm_len, (1 + sub_blocks) * bs);
	pwrite_all(fd, bm2, bm_len, (1 + sub_blocks) * bs + bm_len);

	/* Descriptors and data: the shared zero page first (§C.4). */
	struct codecs cx = {
		.wrk = xcalloc(LZO1X_1_MEM_COMPRESS, 1), .zstd = ZSTD_createCCtx(),
		.cap = 2 * bs + 4096,
	};
	cx.dst = xcalloc(cx.cap, 1);
	if (lzo_init() != LZO_E_OK || !cx.zstd)
		die("codec set-up failed");
	uint8_t *descs = xcalloc(ndumped, 24);
	uint64_t pos = data_off, zero_off = data_off;
	if (!o.no_zero_page) {
		memset(page, 0, bs);
		pwrite_all(fd, page, bs, pos);
		pos += bs;
	}
	uint64_t k = 0;
	bool damaged = false;
	for (uint64_t pfn = 0; pfn < max_mapnr && k < ndumped; pfn++) {
		if (!(bm2[pfn / 8] >> (pfn % 8) & 1))
			continue;
		uint8_t *d = descs + k * 24;
		if (o.incomplete >= 0 && (int64_t)k >= o.incomplete) {
			k++;		/* lost: its descriptor stays zero */
			continue;
		}
		k++;
		ram_bytes(c, pfn * bs, page, bs);
		bool zero = page[0] == 0 && !memcmp(page, page + 1, bs - 1);
		bool chosen = o.damage && o.ndpfn && damage_pfn(pfn);
		if (zero && !o.no_zero_page && !chosen) {
			put64(d, zero_off);
			put32(d + 8, (uint32_t)bs);
			continue;
		}
		static const enum codec rot[] = { C_ZLIB, C_LZO, C_SNAPPY, C_ZSTD, C_RAW };
		enum codec cc = o.codec == C_MIXED ? rot[pfn % 5] : o.codec;
		bool target = o.ndpfn ? chosen : !damaged && !zero && o.damage;
		size_t n = bs;
		if (target && damage("page-size")) {
			cc = cc == C_RAW ? C_ZLIB : cc;
			n = bs / 2;	/* half a page: decompresses short */
		}
		size_t clen = compress_with(&cx, cc, page, n);
		if (target && damage("page-size") && !clen)
			die("--damage=page-size: the page does not compress");
		uint32_t flags = clen ? codec_flag[cc] : 0;
		const uint8_t *src = clen ? cx.dst : page;
		size_t len = clen ? clen : bs;
		if (target && damage("corrupt")) {
			if (!clen) {		/* make it a "compressed" page */
				flags = 0x1;
				len = bs / 2;
			}
			memcpy(cx.dst, src, len);
			for (size_t i = len / 4; i < len; i += 7)
				cx.dst[i] ^= 0x5a;
			src = cx.dst;
		}
		pwrite_all(fd, src, len, pos);
		put64(d, pos);
		put32(d + 8, (uint32_t)len);
		put32(d + 12, flags);
		if (target) {
			if (damage("desc-offset"))
				put64(d, junk >> 4);
			else if (damage("desc-size"))
				put32(d + 8, 0x7ff0000);
			else if (damage("codec-flags"))
				put32(d + 12, 0x40);
		}
		damaged |= target && !o.ndpfn;
		pos += len;
	}
	pwrite_all(fd, descs, ndumped * 24, desc_off);
	/* (An incomplete dump ends after the last page its writer wrote.) */
	uint64_t size = pos;
	if (damage("truncate"))
		size = o.damage_arg;
	if (ftruncate(fd, (off_t)size) < 0)
		die("truncate: %s", strerror(errno));
	ZSTD_freeCCtx(cx.zstd);
	free(cx.wrk);
	free(cx.dst);
	free(descs);
	free(sub);
	free(hdr);
	free(bm1);
	free(bm2);
	free(page);
	return size;
}

/* ---- the flattened format (§C.5) ---------------------------------------------------------- */

static void put_rec(FILE *f, int64_t off, int64_t size, const uint8_t *data)
{
	uint8_t h[16];
	putbe64(h, (uint64_t)off);
	putbe64(h + 8, (uint64_t)size);
	if (fwrite(h, 1, 16, f) != 16 || (size > 0 && fwrite(data, 1, (size_t)size, f) != (size_t)size))
		die("write: %s", strerror(errno));
}

static void flatten(int plain, uint64_t size, const char *out)
{
	FILE *f = fopen(out, "wb");
	if (!f)
		die("%s: %s", out, strerror(errno));
	uint8_t hdr[4096] = "makedumpfile";
	putbe64(hdr + 16, 1);		/* TYPE_FLAT_HEADER */
	putbe64(hdr + 24, 1);		/* VERSION_FLAT_HEADER */
	fwrite(hdr, 1, sizeof(hdr), f);
	uint64_t ch = o.flat_chunk ? o.flat_chunk : 4096;
	uint64_t n = (size + ch - 1) / ch;
	uint8_t *buf = xcalloc(ch, 1);
	/* Shuffled: the odd chunks first, then the even ones. */
	for (int pass = 0; pass < (o.flat_shuffle ? 2 : 1); pass++) {
		for (uint64_t i = 0; i < n; i++) {
			if (o.flat_shuffle && (i % 2) != (uint64_t)(pass == 0))
				continue;
			uint64_t off = i * ch, len = size - off < ch ? size - off : ch;
			if (pread(plain, buf, len, (off_t)off) != (ssize_t)len)
				die("pread: %s", strerror(errno));
			if (o.flat_gaps && buf[0] == 0 && !memcmp(buf, buf + 1, len - 1))
				continue;
			int64_t where = (int64_t)off;
			if (i == 1 && damage("flat-negative"))
				where = -4096;
			put_rec(f, where, (int64_t)len, buf);
			if (i == 1 && damage("flat-overlap"))
				put_rec(f, (int64_t)off + 8, 16, buf);
			if (i == n - 1 && damage("flat-truncated")) {
				fflush(f);
				if (ftruncate(fileno(f), ftello(f) - (off_t)len / 2) < 0)
					die("truncate");
				fseeko(f, 0, SEEK_END);
				fclose(f);
				free(buf);
				return;
			}
		}
	}
	if (!damage("flat-no-end"))
		put_rec(f, -1, -1, NULL);
	if (fclose(f))
		die("%s: %s", out, strerror(errno));
	free(buf);
}

int main(int argc, char **argv)
{
	const char *in, *out;
	parse_args(argc, argv, &in, &out);
	struct core c = {0};
	read_core(in, &c);
	if (!o.flat) {
		int fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			die("%s: %s", out, strerror(errno));
		write_kdump(&c, fd);
		if (close(fd))
			die("%s: %s", out, strerror(errno));
		return 0;
	}
	char tmp[] = "/tmp/mkkdump.XXXXXX";
	int fd = mkstemp(tmp);
	if (fd < 0)
		die("mkstemp: %s", strerror(errno));
	unlink(tmp);
	uint64_t size = write_kdump(&c, fd);
	flatten(fd, size, out);
	close(fd);
	return 0;
}
