/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel log from VMCOREINFO alone. Two layouts:
 *  - the lockless printk_ringbuffer (Linux >= 5.10, commit 896fbe20b4e2):
 *    a descriptor ring (state and text-block positions per record), an
 *    info ring (seq, timestamp, level, caller per record) and a text data
 *    ring of blocks {unsigned long id; char text[]} addressed by logical
 *    positions (kernel/printk/printk_ringbuffer.[ch]);
 *  - log_buf, a byte ring of struct printk_log records followed by their
 *    text (Linux 3.5 - 5.9, kernel/printk/printk.c), a zero len marking
 *    the wrap.
 * Every structure offset and size comes from VMCOREINFO; every pointer,
 * count and position read from the guest is checked before it is used.
 */
#include "kernel.h"

#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Descriptor states, the top two bits of state_var (printk_ringbuffer.h:
 * DESC_SV_BITS, DESC_FLAGS_SHIFT, enum desc_state). */
enum { DESC_RESERVED, DESC_COMMITTED, DESC_FINALIZED, DESC_REUSABLE };
/* Data-less block positions (printk_ringbuffer.c: FAILED_LPOS, NO_LPOS,
 * BLK_DATALESS). */
#define LPOS_DATALESS(lpos)	((lpos) & 1)
#define MAX_STRUCT		4096	/* no structure here is near a page */
#define MAX_RING_BITS		31

struct reader {
	const struct vmc_dump *d;
	struct vmc_view view;
	unsigned lsize;			/* sizeof(long) in the guest */
	struct vmc_warnings *ws;
};

/* A VMCOREINFO number that must be there. */
static struct vmc_error *need(const struct vmc_vmcoreinfo *vi, const char *key,
			      uint64_t *out)
{
	if (vmc_vmcoreinfo_dec(vi, key, out) && *out < MAX_STRUCT)
		return NULL;
	return vmc_error_new(VMC_ERR_UNSUPPORTED, "VMCOREINFO %s %s", key,
			     vmc_vmcoreinfo_get(vi, key) ? "is out of range" :
			     "is missing");
}

static uint64_t opt(const struct vmc_vmcoreinfo *vi, const char *key,
		    uint64_t dflt)
{
	uint64_t v;
	return vmc_vmcoreinfo_dec(vi, key, &v) && v < MAX_STRUCT ? v : dflt;
}

static struct vmc_error *rd(struct reader *r, uint64_t vaddr, void *buf,
			    size_t len, const char *what)
{
	if (vaddr + len < vaddr)
		return vmc_error_new(VMC_ERR_FORMAT, "%s at 0x%" PRIx64 " wraps "
				     "the address space", what, vaddr);
	struct vmc_error *err = vmc_view_read(&r->view, vaddr, buf, len);
	if (!err)
		return NULL;
	/* An unmapped ring is a broken one here, not a negative answer. */
	if (err->code == VMC_ERR_NOT_FOUND)
		err->code = VMC_ERR_FORMAT;
	return vmc_error_prefix(err, "%s at 0x%" PRIx64, what, vaddr);
}

static uint64_t get_long(const struct reader *r, const uint8_t *p)
{
	return r->lsize == 8 ? vmc_get64(p, r->d->big_endian)
			     : vmc_get32(p, r->d->big_endian);
}

static struct vmc_error *rd_long(struct reader *r, uint64_t vaddr,
				 uint64_t *out, const char *what)
{
	uint8_t b[8];
	struct vmc_error *err = rd(r, vaddr, b, r->lsize, what);
	if (!err)
		*out = get_long(r, b);
	return err;
}

/* A struct's bytes must hold the field [off, off+size). */
static struct vmc_error *fits(const char *what, uint64_t off, uint64_t size,
			      uint64_t total)
{
	if (off + size <= total)
		return NULL;
	return vmc_error_new(VMC_ERR_UNSUPPORTED, "VMCOREINFO puts %s at %"
			     PRIu64 ", past the structure's %" PRIu64 " bytes",
			     what, off, total);
}

/*
 * printk_info keeps facility, then flags:5 and level:3 in one byte, right
 * after text_len and before caller_id (printk_ringbuffer.h, 5.10+);
 * VMCOREINFO gives no offset for them, so they are placed only when
 * caller_id sits where that layout puts it. GCC allocates bit-fields from
 * the low bits on little-endian targets and from the high bits on
 * big-endian ones.
 */
struct level_at {
	bool known;
	uint64_t facility, bits;
};

static void decode_level(const struct reader *r, const struct level_at *at,
			 const uint8_t *rec, struct vmc_printk_record *out)
{
	out->level = out->facility = out->flags = -1;
	if (!at->known)
		return;
	uint8_t b = rec[at->bits];
	out->facility = rec[at->facility];
	if (r->d->big_endian) {
		out->flags = b >> 3;
		out->level = b & 7;
	} else {
		out->flags = b & 0x1f;
		out->level = b >> 5;
	}
}

/* ---- the lockless ring ------------------------------------------------------- */

struct lockless {
	uint64_t desc_size, desc_state, desc_lpos, lpos_begin, lpos_next;
	uint64_t info_size, info_seq, info_ts, info_text_len, info_caller;
	bool have_caller;
	struct level_at lvl;
	uint64_t count_bits, size_bits, count, ring_size;
	uint64_t descs, infos, data;	/* kernel virtual addresses */
	uint64_t head_id, tail_id;
	uint64_t id_mask;
	int state_shift;
	uint8_t *text;			/* 64 KiB: text_len is a u16 */
};

static struct vmc_error *lockless_layout(struct reader *r, struct lockless *L)
{
	const struct vmc_vmcoreinfo *vi = r->d->vmcoreinfo;
	struct vmc_error *err;
	uint64_t rb_desc, rb_text, dr_bits, dr_descs, dr_infos, dr_head, dr_tail;
	uint64_t tr_bits, tr_data, counter = opt(vi, "OFFSET(atomic_long_t.counter)", 0);
	if ((err = need(vi, "OFFSET(printk_ringbuffer.desc_ring)", &rb_desc)) ||
	    (err = need(vi, "OFFSET(printk_ringbuffer.text_data_ring)", &rb_text)) ||
	    (err = need(vi, "OFFSET(prb_desc_ring.count_bits)", &dr_bits)) ||
	    (err = need(vi, "OFFSET(prb_desc_ring.descs)", &dr_descs)) ||
	    (err = need(vi, "OFFSET(prb_desc_ring.infos)", &dr_infos)) ||
	    (err = need(vi, "OFFSET(prb_desc_ring.head_id)", &dr_head)) ||
	    (err = need(vi, "OFFSET(prb_desc_ring.tail_id)", &dr_tail)) ||
	    (err = need(vi, "OFFSET(prb_data_ring.size_bits)", &tr_bits)) ||
	    (err = need(vi, "OFFSET(prb_data_ring.data)", &tr_data)) ||
	    (err = need(vi, "SIZE(prb_desc)", &L->desc_size)) ||
	    (err = need(vi, "OFFSET(prb_desc.state_var)", &L->desc_state)) ||
	    (err = need(vi, "OFFSET(prb_desc.text_blk_lpos)", &L->desc_lpos)) ||
	    (err = need(vi, "OFFSET(prb_data_blk_lpos.begin)", &L->lpos_begin)) ||
	    (err = need(vi, "OFFSET(prb_data_blk_lpos.next)", &L->lpos_next)) ||
	    (err = need(vi, "SIZE(printk_info)", &L->info_size)) ||
	    (err = need(vi, "OFFSET(printk_info.seq)", &L->info_seq)) ||
	    (err = need(vi, "OFFSET(printk_info.ts_nsec)", &L->info_ts)) ||
	    (err = need(vi, "OFFSET(printk_info.text_len)", &L->info_text_len)))
		return err;
	L->desc_state += counter;
	L->have_caller = vmc_vmcoreinfo_dec(vi, "OFFSET(printk_info.caller_id)",
					    &L->info_caller) &&
			 L->info_caller + 4 <= L->info_size;
	unsigned ls = r->lsize;
	if ((err = fits("prb_desc.state_var", L->desc_state, ls, L->desc_size)) ||
	    (err = fits("prb_desc.text_blk_lpos.begin", L->desc_lpos + L->lpos_begin,
			ls, L->desc_size)) ||
	    (err = fits("prb_desc.text_blk_lpos.next", L->desc_lpos + L->lpos_next,
			ls, L->desc_size)) ||
	    (err = fits("printk_info.seq", L->info_seq, 8, L->info_size)) ||
	    (err = fits("printk_info.ts_nsec", L->info_ts, 8, L->info_size)) ||
	    (err = fits("printk_info.text_len", L->info_text_len, 2, L->info_size)))
		return err;
	L->lvl.known = L->have_caller && L->info_caller == L->info_text_len + 4;
	L->lvl.facility = L->info_text_len + 2;
	L->lvl.bits = L->info_text_len + 3;

	/* The ring itself: prb is a pointer to it (printk.c: prb =
	 * &printk_rb_static, later the dynamic one). */
	uint64_t prb_sym, prb;
	vmc_vmcoreinfo_symbol(vi, "prb", &prb_sym);
	if ((err = rd_long(r, prb_sym, &prb, "prb")))
		return err;
	uint64_t need_sz = rb_desc + dr_tail + counter + ls;
	uint64_t t = rb_text + tr_data + ls;
	if (t > need_sz)
		need_sz = t;
	uint64_t declared = opt(vi, "SIZE(printk_ringbuffer)", 0);
	if (declared > need_sz)
		need_sz = declared;
	uint8_t rb[MAX_STRUCT * 2];
	uint64_t offs[] = { rb_desc + dr_bits, rb_desc + dr_descs,
			    rb_desc + dr_infos, rb_desc + dr_head + counter,
			    rb_desc + dr_tail + counter, rb_text + tr_bits,
			    rb_text + tr_data };
	for (size_t i = 0; i < sizeof(offs) / sizeof(*offs); i++)
		if (offs[i] + 8 > need_sz)
			need_sz = offs[i] + 8;
	if (need_sz > sizeof(rb))
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "VMCOREINFO's "
				     "printk_ringbuffer offsets reach past %zu "
				     "bytes", sizeof(rb));
	if ((err = rd(r, prb, rb, need_sz, "the printk_ringbuffer (*prb)")))
		return err;
	bool be = r->d->big_endian;
	L->count_bits = vmc_get32(rb + rb_desc + dr_bits, be);
	L->descs = get_long(r, rb + rb_desc + dr_descs);
	L->infos = get_long(r, rb + rb_desc + dr_infos);
	L->head_id = get_long(r, rb + rb_desc + dr_head + counter);
	L->tail_id = get_long(r, rb + rb_desc + dr_tail + counter);
	L->size_bits = vmc_get32(rb + rb_text + tr_bits, be);
	L->data = get_long(r, rb + rb_text + tr_data);
	/* What a ring claims is checked against what the dump can hold: a
	 * lying count must not drive the loop. */
	uint64_t have = r->d->data_bytes;
	if (L->count_bits > MAX_RING_BITS || L->size_bits > MAX_RING_BITS ||
	    L->size_bits < 4)
		return vmc_error_new(VMC_ERR_FORMAT, "the printk ring at 0x%" PRIx64
				     " claims 2^%" PRIu64 " descriptors and 2^%"
				     PRIu64 " text bytes", prb, L->count_bits,
				     L->size_bits);
	L->count = UINT64_C(1) << L->count_bits;
	L->ring_size = UINT64_C(1) << L->size_bits;
	if (L->count * L->desc_size > have || L->count * L->info_size > have ||
	    L->ring_size > have)
		return vmc_error_new(VMC_ERR_FORMAT, "the printk ring at 0x%" PRIx64
				     " claims %" PRIu64 " descriptors and %" PRIu64
				     " text bytes, more than the dump's RAM",
				     prb, L->count, L->ring_size);
	int bits = (int)ls * 8;
	L->state_shift = bits - 2;
	L->id_mask = (ls == 8 ? UINT64_MAX : UINT32_MAX) >> 2;
	return NULL;
}

/*
 * Where a block's text lies, as the kernel's get_data() decides: a regular
 * block lies within one wrap of the ring; a wrapping one is stored from
 * index 0, its begin one wrap behind its next. Returns false for an
 * illegal block (after naming it in why).
 */
static bool block_span(const struct reader *r, const struct lockless *L,
		       uint64_t begin, uint64_t next, uint64_t *index,
		       uint64_t *size, char *why, size_t whysz)
{
	uint64_t mask = r->lsize == 8 ? UINT64_MAX : UINT32_MAX;
	uint64_t wb = (begin & mask) >> L->size_bits, wn = (next & mask) >> L->size_bits;
	uint64_t wb1 = ((begin + L->ring_size) & mask) >> L->size_bits;
	if (wb == wn && begin < next) {
		*index = begin & (L->ring_size - 1);
		*size = next - begin;
	} else if (wb1 == wn) {
		*index = 0;
		*size = next & (L->ring_size - 1);
	} else {
		snprintf(why, whysz, "illegal text block [0x%" PRIx64 ", 0x%"
			 PRIx64 ")", begin, next);
		return false;
	}
	if (begin % r->lsize || next % r->lsize || *size < r->lsize ||
	    *index + *size > L->ring_size) {
		snprintf(why, whysz, "text block [0x%" PRIx64 ", 0x%" PRIx64 ") "
			 "is misaligned or too small", begin, next);
		return false;
	}
	return true;
}

static const char *const state_names[] = { "reserved", "committed",
					   "finalized", "reusable" };

/* One descriptor id: 1 when it gave a record, 0 skipped, -1 corrupt. */
static int lockless_record(struct reader *r, struct lockless *L, uint64_t id,
			   vmc_printk_fn fn, void *arg)
{
	uint64_t idx = id % L->count;
	uint8_t desc[MAX_STRUCT], info[MAX_STRUCT];
	struct vmc_error *err = rd(r, L->descs + idx * L->desc_size, desc,
				   L->desc_size, "a printk descriptor");
	if (!err)
		err = rd(r, L->infos + idx * L->info_size, info, L->info_size,
			 "a printk_info");
	if (err) {
		vmc_warn(r->ws, "printk record %" PRIu64 ": %s", id, err->msg);
		vmc_error_free(err);
		return -1;
	}
	uint64_t sv = get_long(r, desc + L->desc_state);
	unsigned state = (unsigned)(sv >> L->state_shift) & 3;
	if ((sv & L->id_mask) != id) {
		vmc_warn(r->ws, "printk record %" PRIu64 ": its descriptor (slot %"
			 PRIu64 ") holds record %" PRIu64 " (state_var 0x%" PRIx64
			 "): left out", id, idx, sv & L->id_mask, sv);
		return -1;
	}
	if (state != DESC_COMMITTED && state != DESC_FINALIZED)
		return 0;		/* being written, or recycled: as crash */
	struct vmc_printk_record rec = {
		.have_seq = true,
		.seq = vmc_get64(info + L->info_seq, r->d->big_endian),
		.ts_nsec = vmc_get64(info + L->info_ts, r->d->big_endian),
		.state = state_names[state],
		.have_caller = L->have_caller,
		.text = "",
	};
	if (L->have_caller)
		rec.caller_id = vmc_get32(info + L->info_caller, r->d->big_endian);
	decode_level(r, &L->lvl, info, &rec);
	uint64_t begin = get_long(r, desc + L->desc_lpos + L->lpos_begin);
	uint64_t next = get_long(r, desc + L->desc_lpos + L->lpos_next);
	if (LPOS_DATALESS(begin) || LPOS_DATALESS(next) ||
	    (begin & (L->ring_size - 1)) == (next & (L->ring_size - 1))) {
		rec.dataless = true;
		fn(arg, &rec);
		return 1;
	}
	uint64_t index, size;
	char why[160];
	if (!block_span(r, L, begin, next, &index, &size, why, sizeof(why))) {
		vmc_warn(r->ws, "printk record %" PRIu64 " (seq %" PRIu64 "): %s; "
			 "left out", id, rec.seq, why);
		return -1;
	}
	uint64_t blk_id;
	if ((err = rd_long(r, L->data + index, &blk_id, "a printk text block"))) {
		vmc_warn(r->ws, "printk record %" PRIu64 ": %s", id, err->msg);
		vmc_error_free(err);
		return -1;
	}
	if ((blk_id & L->id_mask) != id) {
		vmc_warn(r->ws, "printk record %" PRIu64 " (seq %" PRIu64 "): its "
			 "text block at ring offset 0x%" PRIx64 " belongs to record %"
			 PRIu64 ": left out", id, rec.seq, index, blk_id & L->id_mask);
		return -1;
	}
	size -= r->lsize;
	size_t len = vmc_get16(info + L->info_text_len, r->d->big_endian);
	if (len > size) {
		/* The kernel's copy_data() cuts it the same way. */
		len = (size_t)size;
		rec.truncated = true;
	}
	if (len && (err = rd(r, L->data + index + r->lsize, L->text, len,
			     "printk text"))) {
		vmc_warn(r->ws, "printk record %" PRIu64 ": %s", id, err->msg);
		vmc_error_free(err);
		return -1;
	}
	rec.text = (const char *)L->text;
	rec.text_len = len;
	fn(arg, &rec);
	return 1;
}

static struct vmc_error *dmesg_lockless(struct reader *r, vmc_printk_fn fn,
					void *arg, struct vmc_printk_stats *st)
{
	struct lockless L = {0};
	struct vmc_error *err = lockless_layout(r, &L);
	if (err)
		return err;
	st->format = VMC_PRINTK_LOCKLESS;
	st->ring_bytes = L.ring_size;
	st->desc_count = (uint32_t)L.count;
	L.text = malloc(1u << 16);
	if (!L.text)
		return vmc_error_nomem();
	uint64_t head = L.head_id & L.id_mask, tail = L.tail_id & L.id_mask;
	uint64_t span = (head - tail) & L.id_mask;
	if (span >= L.count) {
		vmc_warn(r->ws, "the printk ring's tail id %" PRIu64 " and head id %"
			 PRIu64 " are %" PRIu64 " records apart, more than its %"
			 PRIu64 " descriptors: reading the last %" PRIu64, tail,
			 head, span + 1, L.count, L.count);
		span = L.count - 1;
		tail = (head - span) & L.id_mask;
	}
	/* tail to head inclusive, as crash, makedumpfile and the kernel's
	 * readers walk it: at most count records. */
	for (uint64_t i = 0, id = tail; i <= span; i++, id = (id + 1) & L.id_mask) {
		int got = lockless_record(r, &L, id, fn, arg);
		if (got > 0)
			st->records++;
		else if (got == 0)
			st->skipped++;
		else
			st->corrupt++;
	}
	free(L.text);
	return NULL;
}

/* ---- log_buf ----------------------------------------------------------------- */

static struct vmc_error *dmesg_log_buf(struct reader *r, vmc_printk_fn fn,
				       void *arg, struct vmc_printk_stats *st)
{
	const struct vmc_vmcoreinfo *vi = r->d->vmcoreinfo;
	/* "struct log" until Linux 3.11 renamed it printk_log (62e32ac3505a). */
	const char *sname = vmc_vmcoreinfo_get(vi, "SIZE(printk_log)") ?
			    "printk_log" : "log";
	char k[64];
	uint64_t size, o_ts, o_len, o_text_len;
	struct vmc_error *err;
#define FIELD(out, fmt) (snprintf(k, sizeof(k), fmt, sname), need(vi, k, out))
	if ((err = FIELD(&size, "SIZE(%s)")) ||
	    (err = FIELD(&o_ts, "OFFSET(%s.ts_nsec)")) ||
	    (err = FIELD(&o_len, "OFFSET(%s.len)")) ||
	    (err = FIELD(&o_text_len, "OFFSET(%s.text_len)")))
		return err;
	uint64_t o_dict = 0;
	bool have_dict = (snprintf(k, sizeof(k), "OFFSET(%s.dict_len)", sname),
			  vmc_vmcoreinfo_dec(vi, k, &o_dict));
#undef FIELD
	if ((err = fits("ts_nsec", o_ts, 8, size)) ||
	    (err = fits("len", o_len, 2, size)) ||
	    (err = fits("text_len", o_text_len, 2, size)))
		return err;
	/* printk_log: ts_nsec, len, text_len, dict_len (u16 each), then
	 * facility and flags:5 level:3; placed only where dict_len is where
	 * that layout puts it (or not exported) and the struct holds them. */
	struct level_at lvl = { .facility = o_text_len + 4, .bits = o_text_len + 5 };
	lvl.known = (!have_dict || o_dict == o_text_len + 2) &&
		    o_text_len + 6 <= size;
	uint64_t s_buf, s_len, s_first, s_next;
	if (!vmc_vmcoreinfo_symbol(vi, "log_buf_len", &s_len) ||
	    !vmc_vmcoreinfo_symbol(vi, "log_first_idx", &s_first) ||
	    !vmc_vmcoreinfo_symbol(vi, "log_next_idx", &s_next))
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "VMCOREINFO has "
				     "SYMBOL(log_buf) but not log_buf_len, "
				     "log_first_idx and log_next_idx");
	vmc_vmcoreinfo_symbol(vi, "log_buf", &s_buf);
	uint64_t buf;
	uint8_t b4[4];
	uint32_t len, first, next;
	if ((err = rd_long(r, s_buf, &buf, "log_buf")) ||
	    (err = rd(r, s_len, b4, 4, "log_buf_len")))
		return err;
	len = vmc_get32(b4, r->d->big_endian);
	if ((err = rd(r, s_first, b4, 4, "log_first_idx")))
		return err;
	first = vmc_get32(b4, r->d->big_endian);
	if ((err = rd(r, s_next, b4, 4, "log_next_idx")))
		return err;
	next = vmc_get32(b4, r->d->big_endian);
	st->format = VMC_PRINTK_LOG_BUF;
	st->ring_bytes = len;
	if (len < size || len > r->d->data_bytes || first >= len || next >= len)
		return vmc_error_new(VMC_ERR_FORMAT, "log_buf at 0x%" PRIx64
				     " claims %" PRIu32 " bytes with first record "
				     "at %" PRIu32 " and next at %" PRIu32, buf, len,
				     first, next);
	uint8_t hdr[MAX_STRUCT];
	uint8_t *text = malloc(1u << 16);
	if (!text)
		return vmc_error_nomem();
	/* Each step moves forward by at least a header, and the ring wraps
	 * once: a loop in a corrupt ring ends here. */
	uint64_t limit = 2 * (len / size) + 2, steps = 0;
	bool wrapped = false;
	uint32_t idx = first;
	while (idx != next) {
		if (++steps > limit) {
			vmc_warn(r->ws, "log_buf: more records than %" PRIu32
				 " bytes can hold: the ring loops; stopped", len);
			st->corrupt++;
			break;
		}
		/* No room for a header, or a zero len: the writer wrapped. */
		bool wrap = (uint64_t)idx + size > len;
		if (!wrap) {
			if ((err = rd(r, buf + idx, hdr, size, "a printk_log record"))) {
				vmc_warn(r->ws, "log_buf: %s; stopped", err->msg);
				vmc_error_free(err);
				st->corrupt++;
				break;
			}
			wrap = vmc_get16(hdr + o_len, r->d->big_endian) == 0;
		}
		if (wrap) {
			if (wrapped || first <= next) {
				vmc_warn(r->ws, "log_buf: %s at offset %" PRIu32
					 " before log_next_idx %" PRIu32 " was reached; "
					 "stopped", wrapped ? "a second wrap" :
					 "a wrap (the ring has not wrapped)", idx, next);
				st->corrupt++;
				break;
			}
			wrapped = true;
			idx = 0;
			continue;
		}
		uint16_t rlen = vmc_get16(hdr + o_len, r->d->big_endian);
		uint16_t tlen = vmc_get16(hdr + o_text_len, r->d->big_endian);
		if (rlen < size || (uint64_t)idx + rlen > len) {
			vmc_warn(r->ws, "log_buf: record at offset %" PRIu32 " has "
				 "len %u: outside the ring; stopped", idx, rlen);
			st->corrupt++;
			break;
		}
		struct vmc_printk_record rec = {
			.ts_nsec = vmc_get64(hdr + o_ts, r->d->big_endian),
			.state = "valid",
			.text = (const char *)text,
		};
		decode_level(r, &lvl, hdr, &rec);
		size_t tl = tlen;
		if (tl > rlen - size) {
			tl = rlen - size;
			rec.truncated = true;
		}
		if (tl && (err = rd(r, buf + idx + size, text, tl,
				    "printk_log text"))) {
			vmc_warn(r->ws, "log_buf: %s", err->msg);
			vmc_error_free(err);
			st->corrupt++;
		} else {
			rec.text_len = tl;
			fn(arg, &rec);
			st->records++;
		}
		idx += rlen;
	}
	free(text);
	return NULL;
}

struct vmc_error *vmc_kernel_dmesg(const struct vmc_dump *d, vmc_printk_fn fn,
				   void *arg, struct vmc_warnings *ws,
				   struct vmc_printk_stats *st)
{
	*st = (struct vmc_printk_stats){0};
	const struct vmc_vmcoreinfo *vi = d->vmcoreinfo;
	if (!vi)
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "no VMCOREINFO (not in "
				     "the notes, not found in RAM): the kernel log "
				     "cannot be found without it");
	uint64_t sym;
	bool lockless = vmc_vmcoreinfo_symbol(vi, "prb", &sym);
	if (!lockless && !vmc_vmcoreinfo_symbol(vi, "log_buf", &sym))
		return vmc_error_new(VMC_ERR_UNSUPPORTED, "VMCOREINFO describes no "
				     "kernel log: neither SYMBOL(prb) (Linux >= "
				     "5.10) nor SYMBOL(log_buf)");
	struct reader r = { .d = d, .ws = ws };
	struct vmc_root_request req = { .cpu = -1 };
	struct vmc_error *err = vmc_view_open(d, &req, &r.view);
	if (err)
		return vmc_error_prefix(err, "reading kernel memory");
	/* sizeof(long): the kernel says (SIZE(atomic_long_t)), else the
	 * architecture's word. */
	uint64_t ls = opt(vi, "SIZE(atomic_long_t)", 0);
	if (ls != 4 && ls != 8)
		ls = r.view.arch->out_class == ELFCLASS64 ? 8 : 4;
	r.lsize = (unsigned)ls;
	return lockless ? dmesg_lockless(&r, fn, arg, st)
			: dmesg_log_buf(&r, fn, arg, st);
}
