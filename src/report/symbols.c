/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: `symbols` — a symbol table as /proc/kallsyms prints it, or names
 * and addresses resolved one by one. */
#include "report.h"

#include <inttypes.h>
#include <string.h>

#include "json.h"

static const char *source_label(enum vmc_sym_source src)
{
	return src == VMC_SYMS_KALLSYMS ? "kallsyms" : "vmlinux";
}

static struct vmc_error *list_table(FILE *out, struct vmc_symbols *syms,
				    enum vmc_sym_source src,
				    const struct vmc_report_opts *opts)
{
	const struct vmc_symtab *t;
	struct vmc_error *err = vmc_symbols_table(syms, src, &t);
	if (err)
		return err;
	size_t n = vmc_symtab_count(t);
	struct vmc_json j;
	if (opts->json) {
		vmc_json_init(&j, out);
		vmc_json_object(&j, NULL);
		vmc_json_str(&j, "source", source_label(src));
		vmc_json_uint(&j, "count", n);
		vmc_json_array(&j, "symbols");
	}
	for (size_t i = 0; i < n; i++) {
		const struct vmc_sym *s = vmc_symtab_at(t, i);
		if (opts->json) {
			char type[2] = { s->type, '\0' };
			vmc_json_object(&j, NULL);
			vmc_json_addr(&j, "address", s->addr);
			vmc_json_str(&j, "type", type);
			vmc_json_str(&j, "name", s->name);
			if (s->size)
				vmc_json_addr(&j, "size", s->size);
			vmc_json_end(&j);
		} else {
			fprintf(out, "%016" PRIx64 " %c %s\n", s->addr, s->type,
				s->name);
		}
	}
	if (opts->json) {
		vmc_json_end(&j);
		vmc_json_end(&j);
		vmc_json_finish(&j);
	}
	return NULL;
}

struct vmc_error *vmc_report_symbols(FILE *out, FILE *msgs,
				     struct vmc_symbols *syms,
				     enum vmc_sym_source src,
				     char *const *exprs, size_t n,
				     size_t *missing,
				     const struct vmc_report_opts *opts)
{
	*missing = 0;
	if (!n)
		return list_table(out, syms, src, opts);
	struct vmc_json j;
	if (opts->json) {
		vmc_json_init(&j, out);
		vmc_json_object(&j, NULL);
		vmc_json_array(&j, "results");
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t vaddr = 0, off = 0;
		bool below = false;		/* NAME-OFF */
		const struct vmc_sym *s = NULL;
		struct vmc_error *err = vmc_symbols_eval(syms, exprs[i], &vaddr, &s);
		bool number = !err && !s;
		if (number) {
			s = vmc_symbols_at(syms, vaddr, &off);
			if (!s)
				err = vmc_error_new(VMC_ERR_NOT_FOUND, "no symbol "
						    "holds 0x%016" PRIx64, vaddr);
		} else if (s) {
			below = vaddr < s->addr;
			off = below ? s->addr - vaddr : vaddr - s->addr;
		}
		if (err)
			(*missing)++;
		char name[600] = "";
		if (s)
			snprintf(name, sizeof(name), off ? "%s%c0x%" PRIx64 : "%s",
				 s->name, below ? '-' : '+', off);
		if (opts->json) {
			vmc_json_object(&j, NULL);
			vmc_json_str(&j, "expr", exprs[i]);
			if (err) {
				vmc_json_null(&j, "address");
				vmc_json_str(&j, "error", err->msg);
			} else {
				char type[2] = { s->type, '\0' };
				vmc_json_addr(&j, "address", vaddr);
				vmc_json_str(&j, "symbol", s->name);
				vmc_json_addr(&j, "symbol_address", s->addr);
				vmc_json_addr(&j, "offset", below ? 0 - off : off);
				vmc_json_str(&j, "type", type);
				vmc_json_str(&j, "name", name);
			}
			vmc_json_end(&j);
		} else if (err) {
			fflush(out);
			fprintf(msgs, "vmcore-tool: %s\n", err->msg);
		} else {
			fprintf(out, "%s  0x%016" PRIx64 "  %c  %s\n", exprs[i],
				vaddr, s->type, name);
		}
		vmc_error_free(err);
	}
	if (opts->json) {
		vmc_json_end(&j);
		vmc_json_end(&j);
		vmc_json_finish(&j);
	}
	return NULL;
}
