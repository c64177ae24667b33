/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void vmc_json_init(struct vmc_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

static void put_escaped(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			/* Control bytes and non-ASCII from a guest are escaped
			 * byte by byte: the output stays valid JSON even when the
			 * guest's text is not valid UTF-8. */
			if (c < 0x20 || c >= 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

/* Separator, indentation and "key": before a value. */
static void begin_value(struct vmc_json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->need_comma[j->depth])
			fputc(',', j->f);
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
		j->need_comma[j->depth] = true;
	}
	if (key) {
		put_escaped(j->f, key, strlen(key));
		fputs(": ", j->f);
	}
}

static void open_container(struct vmc_json *j, const char *key, char c)
{
	begin_value(j, key);
	fputc(c, j->f);
	/* Nesting is fixed by our own code, never by input: a depth past the
	 * limit is a programming error. */
	if (j->depth + 1 >= VMC_JSON_MAX_DEPTH)
		abort();
	j->depth++;
	j->need_comma[j->depth] = false;
	j->closer[j->depth] = c == '{' ? '}' : ']';
}

void vmc_json_object(struct vmc_json *j, const char *key)
{
	open_container(j, key, '{');
}

void vmc_json_array(struct vmc_json *j, const char *key)
{
	open_container(j, key, '[');
}

void vmc_json_end(struct vmc_json *j)
{
	bool had = j->need_comma[j->depth];
	char closer = j->closer[j->depth];
	j->depth--;
	if (had) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(closer, j->f);
}

void vmc_json_str(struct vmc_json *j, const char *key, const char *s)
{
	vmc_json_strn(j, key, s, strlen(s));
}

void vmc_json_strn(struct vmc_json *j, const char *key, const char *s, size_t n)
{
	begin_value(j, key);
	put_escaped(j->f, s, n);
}

void vmc_json_uint(struct vmc_json *j, const char *key, uint64_t v)
{
	begin_value(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void vmc_json_addr(struct vmc_json *j, const char *key, uint64_t v)
{
	begin_value(j, key);
	fprintf(j->f, "\"0x%016" PRIx64 "\"", v);
}

void vmc_json_bool(struct vmc_json *j, const char *key, bool v)
{
	begin_value(j, key);
	fputs(v ? "true" : "false", j->f);
}

void vmc_json_null(struct vmc_json *j, const char *key)
{
	begin_value(j, key);
	fputs("null", j->f);
}

void vmc_json_finish(struct vmc_json *j)
{
	fputc('\n', j->f);
}
