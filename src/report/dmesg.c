/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `dmesg`: the kernel log as crash's `log` prints it (crash printk.c,
 * kernel.c dump_log_entry): "[%5llu.%06lu] " and the text, each newline in
 * a record followed by as many spaces as the prefix is wide, bytes that
 * are neither printable nor white space as '.', one line per record; a
 * record with no text block is an empty line. --raw puts dmesg -r's
 * syslog prefix "<N>" (facility * 8 + level) first; --json gives the
 * fields.
 */
#include "report.h"

#include <inttypes.h>
#include <string.h>

#include "../kernel/kernel.h"
#include "json.h"

struct dmesg_out {
	FILE *f;
	bool raw;
	struct vmc_json j;
	bool json;
};

/* isprint() || isspace() in the C locale, as crash tests it. */
static bool shown(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || (c >= '\t' && c <= '\r');
}

static void caller_str(const struct vmc_printk_record *r, char *buf, size_t sz)
{
	/* Bit 31: a CPU number (printk in interrupt context), else a task's
	 * pid (kernel/printk/printk.c printk_caller_id()). */
	snprintf(buf, sz, "%c%" PRIu32, r->caller_id & 0x80000000u ? 'C' : 'T',
		 r->caller_id & 0x7fffffffu);
}

static void text_record(struct dmesg_out *o, const struct vmc_printk_record *r)
{
	FILE *f = o->f;
	if (r->dataless) {
		fputc('\n', f);
		return;
	}
	char prefix[64];
	int n = 0;
	if (o->raw && r->level >= 0)
		n = snprintf(prefix, sizeof(prefix), "<%d>",
			     (r->facility > 0 ? r->facility : 0) * 8 + r->level);
	n += snprintf(prefix + n, sizeof(prefix) - (size_t)n, "[%5" PRIu64 ".%06"
		      PRIu64 "] ", r->ts_nsec / 1000000000u,
		      r->ts_nsec % 1000000000u / 1000u);
	fputs(prefix, f);
	for (size_t i = 0; i < r->text_len; i++) {
		unsigned char c = (unsigned char)r->text[i];
		if (c == '\n')
			fprintf(f, "\n%*s", n, "");
		else
			fputc(shown(c) ? c : '.', f);
	}
	fputc('\n', f);
}

static void json_record(struct dmesg_out *o, const struct vmc_printk_record *r)
{
	struct vmc_json *j = &o->j;
	vmc_json_object(j, NULL);
	if (r->have_seq)
		vmc_json_uint(j, "seq", r->seq);
	else
		vmc_json_null(j, "seq");
	vmc_json_uint(j, "ts_nsec", r->ts_nsec);
	if (r->level >= 0) {
		vmc_json_uint(j, "level", (uint64_t)r->level);
		vmc_json_uint(j, "facility", (uint64_t)r->facility);
	} else {
		vmc_json_null(j, "level");
		vmc_json_null(j, "facility");
	}
	char cid[16];
	if (r->have_caller) {
		caller_str(r, cid, sizeof(cid));
		vmc_json_str(j, "caller_id", cid);
	} else {
		vmc_json_null(j, "caller_id");
	}
	vmc_json_str(j, "state", r->state);
	if (r->flags >= 0) {
		/* LOG_NEWLINE 2, LOG_CONT 8 (printk.h enum printk_info_flags). */
		vmc_json_bool(j, "cont", r->flags & 8);
	}
	vmc_json_strn(j, "text", r->text, r->text_len);
	if (r->truncated)
		vmc_json_bool(j, "truncated", true);
	vmc_json_end(j);
}

static void on_record(void *arg, const struct vmc_printk_record *r)
{
	struct dmesg_out *o = arg;
	if (o->json)
		json_record(o, r);
	else
		text_record(o, r);
}

static const char *format_name(enum vmc_printk_format f)
{
	return f == VMC_PRINTK_LOCKLESS ? "printk_ringbuffer" : "log_buf";
}

struct vmc_error *vmc_report_dmesg(FILE *out, const struct vmc_dump *d,
				   bool raw, struct vmc_warnings *ws,
				   const struct vmc_report_opts *opts)
{
	struct dmesg_out o = { .f = out, .raw = raw, .json = opts->json };
	struct vmc_printk_stats st;
	if (o.json) {
		vmc_json_init(&o.j, out);
		vmc_json_object(&o.j, NULL);
		vmc_json_str(&o.j, "file", d->path);
		vmc_json_array(&o.j, "records");
	}
	struct vmc_error *err = vmc_kernel_dmesg(d, on_record, &o, ws, &st);
	if (o.json) {
		/* Valid JSON even when the ring could not be read at all. */
		vmc_json_end(&o.j);
		if (!err) {
			vmc_json_str(&o.j, "format", format_name(st.format));
			vmc_json_uint(&o.j, "records_read", st.records);
			vmc_json_uint(&o.j, "skipped", st.skipped);
			vmc_json_uint(&o.j, "corrupt", st.corrupt);
			vmc_json_addr(&o.j, "ring_bytes", st.ring_bytes);
		}
		vmc_json_end(&o.j);
		vmc_json_finish(&o.j);
	}
	if (!err && opts->verbose)
		fprintf(stderr, "vmcore-tool: %s: %s: %" PRIu64 " records, %" PRIu64
			" skipped (reserved or reusable), %" PRIu64 " corrupt; "
			"text ring 0x%" PRIx64 " bytes, %" PRIu32 " descriptors\n",
			d->path, format_name(st.format), st.records, st.skipped,
			st.corrupt, st.ring_bytes, st.desc_count);
	return err;
}
