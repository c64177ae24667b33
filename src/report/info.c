/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: `vmcore-tool info`. */
#include "report.h"

#include <elf.h>
#include <inttypes.h>
#include <string.h>

#include "../pagewalk/pagewalk.h"
#include "../kernel/kernel.h"
#include "../ptload/ptload.h"
#include "json.h"
#include "strip.h"

/* VMCOREINFO keys worth a line in the summary, in display order. */
static const char *const vmcoreinfo_summary[] = {
	"OSRELEASE", "BUILD-ID", "PAGESIZE", "KERNELOFFSET",
	"NUMBER(phys_base)", "NUMBER(pgtable_l5_enabled)", "NUMBER(sme_mask)",
	"SYMBOL(swapper_pg_dir)", "SYMBOL(init_top_pgt)",
	"NUMBER(kimage_voffset)", "NUMBER(PHYS_OFFSET)", "NUMBER(VA_BITS)",
	"NUMBER(TCR_EL1_T1SZ)", "NUMBER(KERNELPACMASK)", "CRASHTIME",
};

static const char *const cr_names[] = { "cr0", "cr1", "cr2", "cr3", "cr4" };

struct seg_counts {
	size_t load, kind[4];
};

static struct seg_counts count_segments(const struct vmc_core *elf)
{
	struct seg_counts sc = {0};
	size_t n;
	const struct vmc_segment *segs = vmc_core_segments(elf, &n);
	for (size_t i = 0; i < n; i++) {
		const struct vmc_segment *s = &segs[i];
		if (s->type != PT_LOAD)
			continue;
		sc.load++;
		sc.kind[s->kind]++;
	}
	return sc;
}

/* A label for a note: its well-known type name, or NAME/type. */
static void note_label(const struct vmc_note *n, char *buf, size_t sz)
{
	if (strcmp(n->name, "CORE") == 0 && n->type == NT_PRSTATUS)
		snprintf(buf, sz, "NT_PRSTATUS");
	else if (strcmp(n->name, "CORE") == 0 && n->type == NT_PRFPREG)
		snprintf(buf, sz, "NT_PRFPREG");
	else if (strcmp(n->name, "LINUX") == 0 && n->type == NT_ARM_SVE)
		snprintf(buf, sz, "NT_ARM_SVE");
	else if (strncmp(n->name, "QEMU", 4) == 0 && n->type == 0)
		snprintf(buf, sz, "QEMU");
	else if (strcmp(n->name, "VMCOREINFO") == 0)
		snprintf(buf, sz, "VMCOREINFO");
	else
		snprintf(buf, sz, "%.32s/%" PRIu32, n->name, n->type);
}

/* The lines of each VMCORE-TOOL note: what an earlier vmcore-tool added
 * to VMCOREINFO, and how (kernel/complete.c). */
static void text_tool_notes(FILE *out, const struct vmc_dump *d)
{
	for (size_t i = 0; i < d->nnotes; i++) {
		const struct vmc_note *n = &d->notes[i];
		if (strcmp(n->name, VMC_KERNEL_NOTE_NAME) != 0)
			continue;
		fputs("vmcore-tool note (what an earlier vmcore-tool added):\n", out);
		const char *p = (const char *)n->desc, *end = p + n->descsz;
		while (p < end && *p) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *eol = nl ? nl : end;
			const char *nul = memchr(p, '\0', (size_t)(eol - p));
			if (nul)
				eol = nul;
			fprintf(out, "  %.*s\n", (int)(eol - p), p);
			if (nul || !nl)
				break;
			p = nl + 1;
		}
	}
}

/* "2 NT_PRSTATUS, 2 QEMU, 1 VMCOREINFO", in order of first appearance. */
static void text_note_summary(FILE *out, const struct vmc_dump *d)
{
	enum { MAX_KINDS = 16 };
	char label[MAX_KINDS][48];
	size_t count[MAX_KINDS], kinds = 0, other = 0;
	for (size_t i = 0; i < d->nnotes; i++) {
		char l[48];
		note_label(&d->notes[i], l, sizeof(l));
		size_t k = 0;
		while (k < kinds && strcmp(label[k], l) != 0)
			k++;
		if (k == kinds) {
			if (kinds == MAX_KINDS) {
				other++;
				continue;
			}
			memcpy(label[kinds], l, sizeof(l));
			count[kinds++] = 0;
		}
		count[k]++;
	}
	for (size_t k = 0; k < kinds; k++)
		fprintf(out, "%s%zu %s", k ? ", " : " (", count[k], label[k]);
	if (other)
		fprintf(out, ", %zu other", other);
	fputs(kinds ? ")\n" : "\n", out);
}

/* The root vtop, maps, read and remap walk without options. */
static struct vmc_error *default_root(const struct vmc_dump *d,
				      struct vmc_root_choice *rc)
{
	struct vmc_root_request req = { .cpu = -1 };
	return vmc_choose_root(d, &req, rc);
}

/* ---- kdump: what only its headers, bitmaps and descriptors say ---------- */

static const struct {
	uint32_t bit;
	const char *name;
} kdump_status_bits[] = {	/* diskdump_mod.h DUMP_DH_* */
	{ 0x1, "zlib" }, { 0x2, "lzo" }, { 0x4, "snappy" },
	{ 0x8, "INCOMPLETE" }, { 0x10, "excluded-vmemmap" }, { 0x20, "zstd" },
};

#define NSTATUS (sizeof(kdump_status_bits) / sizeof(kdump_status_bits[0]))

static void text_kdump(FILE *out, const struct vmc_dump *d,
		       const struct vmc_kdump_info *k)
{
	char h[32];
	fprintf(out, "format:      kdump%s%s%s, %s (%s)\n",
		d->layers && d->layers[0] ? " (in " : "",
		d->layers && d->layers[0] ? d->layers : "",
		d->layers && d->layers[0] ? ")" : "",
		vmc_arch_name(d->arch), k->arch_src);
	fprintf(out, "kdump:       header version %" PRIu32 ", %u-bit writer's "
		"layout, block size %" PRIu32 "; guest pages %s (%s); "
		"utsname.machine \"%s\"\n", k->header_version, k->writer_bits,
		k->block_size, vmc_human_size(k->guest_page_size, h, sizeof(h)),
		k->page_size_src, k->machine);
	fprintf(out, "status:      0x%" PRIx32, k->status);
	const char *sep = " (";
	for (size_t i = 0; i < NSTATUS; i++)
		if (k->status & kdump_status_bits[i].bit) {
			fprintf(out, "%s%s", sep, kdump_status_bits[i].name);
			sep = ", ";
		}
	fputs(sep[0] == ',' ? ")" : "", out);
	if (k->dump_level >= 0)
		fprintf(out, "; dump level %" PRId32, k->dump_level);
	fputc('\n', out);
	fprintf(out, "pages:       %" PRIu64 " dumped, %" PRIu64 " excluded, "
		"%" PRIu64 " missing", k->dumped_pages, k->excluded_pages,
		k->missing_pages);
	if (k->missing_pages)
		fprintf(out, " (from pfn 0x%" PRIx64 " on: %s)", k->stop_pfn,
			k->incomplete ? "the dump is incomplete"
				      : "the file is truncated");
	fprintf(out, "; of %" PRIu64 " %s: %" PRIu64 " zero (shared)",
		k->counted_pages, k->counted_pages < k->dumped_pages - k->missing_pages
		? "counted" : "in the file", k->zero_pages);
	for (int c = 0; c < VMC_KDUMP_NCODECS; c++)
		if (k->codec_pages[c])
			fprintf(out, ", %" PRIu64 " %s", k->codec_pages[c],
				vmc_kdump_codec_name(c));
	fputc('\n', out);
	if (k->have_vmcoreinfo_phys_base)
		fprintf(out, "phys_base:   0x%" PRIx64 " (VMCOREINFO %s); the "
			"sub-header says 0x%" PRIx64 "; using %s\n",
			k->vmcoreinfo_phys_base, k->vmcoreinfo_phys_base_key,
			k->sub_phys_base, k->phys_base_why);
	else
		fprintf(out, "phys_base:   0x%" PRIx64 " (the sub-header); using "
			"%s\n", k->sub_phys_base, k->phys_base_why);
}

/* RAM the dump leaves out: excluded or lost pages. */
static void text_absent(FILE *out, const struct vmc_dump *d,
			const struct vmc_report_opts *opts)
{
	char h[32];
	if (!d->nabsent)
		return;
	fprintf(out, "absent:      %zu range%s, 0x%" PRIx64 " bytes (%s): "
		"excluded from the dump or lost; reads there fail%s\n",
		d->nabsent, d->nabsent == 1 ? "" : "s", d->absent_bytes,
		vmc_human_size(d->absent_bytes, h, sizeof(h)),
		opts->verbose ? "" : " (-v lists them)");
	for (size_t i = 0; opts->verbose && i < d->nabsent; i++)
		fprintf(out, "  0x%016" PRIx64 "-0x%016" PRIx64 "  %8s\n",
			d->absent[i].paddr, d->absent[i].paddr + d->absent[i].size,
			vmc_human_size(d->absent[i].size, h, sizeof(h)));
}

/* ---- symbols ------------------------------------------------------------ */

/* Kernel addresses by name: " <name+0xoff>" into buf, or "" (no symbols,
 * no symbol there, or an address below the kernel half). */
struct namer {
	struct vmc_symbols *syms;
	bool have_kstart;
	uint64_t kstart;
};

static void namer_init(struct namer *n, const struct vmc_dump *d,
		       struct vmc_symbols *syms)
{
	*n = (struct namer){ .syms = syms };
	struct vmc_view v;
	struct vmc_root_request req = { .cpu = -1 };
	struct vmc_error *err = syms ? vmc_view_open(d, &req, &v) : NULL;
	if (syms && !err) {
		n->have_kstart = true;
		n->kstart = v.kernel_start;
	}
	vmc_error_free(err);
}

static const char *name_of(const struct namer *n, uint64_t vaddr, char *buf,
			   size_t sz)
{
	buf[0] = '\0';
	if (!n->syms || !n->have_kstart || vaddr < n->kstart)
		return NULL;
	return vmc_symbols_format(n->syms, vaddr, buf, sz) ? buf : NULL;
}

/* "pc 0x... <name+0x1f>" */
/* A kernel symbol for vaddr, or where the CPU was in user space, say so
 * (kernel names say nothing about user addresses). */
static void text_addr(FILE *out, const struct namer *n, const char *what,
		      uint64_t vaddr, enum vmc_cpu_mode mode)
{
	char name[160];
	fprintf(out, "  %s 0x%016" PRIx64, what, vaddr);
	if (name_of(n, vaddr, name, sizeof(name)))
		fprintf(out, " <%s>", name);
	else if (mode == VMC_CPU_MODE_USER)
		fputs(" (user space)", out);
}

static const char *const kaslr_how[] = {
	[VMC_KASLR_UNKNOWN] = "unknown",
	[VMC_KASLR_KERNELOFFSET] = "kerneloffset",
	[VMC_KASLR_STEXT] = "stext",
	[VMC_KASLR_PAGETABLES] = "pagetables",
	[VMC_KASLR_SETUP_HEADER] = "setup_header",
};

static void text_symbols(FILE *out, struct vmc_symbols *syms, bool verbose)
{
	const struct vmc_kaslr *k = vmc_symbols_kaslr(syms);
	if (k->how == VMC_KASLR_UNKNOWN)
		fprintf(out, "kaslr:       %s\n", k->why);
	else
		fprintf(out, "kaslr:       0x%" PRIx64 " (%s)\n", k->offset, k->why);
	struct vmc_vmlinux_info vm;
	vmc_symbols_vmlinux(syms, &vm);
	if (vm.path)
		fprintf(out, "vmlinux:     %s (%s; %s)\n", vm.path, vm.how,
			vm.verified ? "build-id matches" :
			"build-id not checked");
	else if (verbose)
		fprintf(out, "vmlinux:     none: %s\n", vm.why);
	else
		fprintf(out, "vmlinux:     none found (--vmlinux PATH gives one; "
			"-v says where it looked)\n");
	struct vmc_kallsyms_info ki;
	const struct vmc_symtab *t;
	struct vmc_error *err = vmc_symbols_table(syms, VMC_SYMS_KALLSYMS, &t);
	if (!err && vmc_symbols_kallsyms_info(syms, &ki))
		fprintf(out, "kallsyms:    %" PRIu32 " symbols in the dump (%s "
			"offsets)\n", ki.num_syms,
			vmc_kallsyms_layout_name(ki.layout));
	else if (err)
		fprintf(out, "kallsyms:    none: %s\n", err->msg);
	vmc_error_free(err);
}

static void json_symbols(struct vmc_json *j, struct vmc_symbols *syms)
{
	const struct vmc_kaslr *k = vmc_symbols_kaslr(syms);
	vmc_json_object(j, "kaslr");
	if (k->how == VMC_KASLR_UNKNOWN)
		vmc_json_null(j, "offset");
	else
		vmc_json_addr(j, "offset", k->offset);
	vmc_json_str(j, "how", kaslr_how[k->how]);
	vmc_json_str(j, "why", k->why);
	vmc_json_end(j);
	struct vmc_vmlinux_info vm;
	vmc_symbols_vmlinux(syms, &vm);
	vmc_json_object(j, "vmlinux");
	if (vm.path) {
		vmc_json_str(j, "path", vm.path);
		vmc_json_str(j, "how", vm.how);
		vmc_json_str(j, "build_id", vm.build_id);
		vmc_json_bool(j, "verified", vm.verified);
	} else {
		vmc_json_null(j, "path");
		vmc_json_str(j, "why", vm.why);
	}
	vmc_json_end(j);
	struct vmc_kallsyms_info ki;
	const struct vmc_symtab *t;
	struct vmc_error *err = vmc_symbols_table(syms, VMC_SYMS_KALLSYMS, &t);
	vmc_json_object(j, "kallsyms");
	if (!err && vmc_symbols_kallsyms_info(syms, &ki)) {
		vmc_json_uint(j, "symbols", ki.num_syms);
		vmc_json_str(j, "layout", vmc_kallsyms_layout_name(ki.layout));
	} else {
		vmc_json_null(j, "symbols");
		vmc_json_str(j, "why", err ? err->msg : "");
	}
	vmc_json_end(j);
	vmc_error_free(err);
}

/* ---- text --------------------------------------------------------------- */

static void text_cpu(FILE *out, const struct vmc_dump *d,
		     const struct vmc_cpu_state *c, const struct namer *nm)
{
	enum vmc_cpu_mode mode = vmc_cpu_mode(c);
	fprintf(out, "  CPU %u", c->index);
	if (c->have & (VMC_CPU_HAVE_PRSTATUS | VMC_CPU_HAVE_QEMU_GPR)) {
		fprintf(out, "  pid %" PRIu32, c->pid);
		text_addr(out, nm, "pc", c->pc, mode);
		fprintf(out, "  sp 0x%016" PRIx64, c->sp);
	} else
		fputs("  (no general registers saved)", out);
	fputc('\n', out);
	if (c->cr_have) {
		fputs("        ", out);
		for (int i = 0; i < 5; i++)
			if (i != 1 && (c->cr_have & (1u << i)))
				fprintf(out, " %s 0x%016" PRIx64, cr_names[i], c->cr[i]);
		fputc('\n', out);
	}
	if (c->layout == VMC_PRSTATUS_AARCH64) {
		fprintf(out, "         pstate 0x%08" PRIx64 " (EL%u)",
			c->regs[31], (unsigned)(c->regs[31] >> 2) & 3);
		text_addr(out, nm, "lr", c->regs[30], mode);
		fputc('\n', out);
	}
	struct vmc_paging_choice pc;
	vmc_cpu_paging(d, c, &pc);
	fprintf(out, "         paging %s (%s)\n", vmc_paging_mode_name(pc.mode),
		pc.reason);
}

static void text_info(FILE *out, const struct vmc_dump *d,
		      const struct vmc_core *elf, struct vmc_symbols *syms,
		      const struct vmc_kdump_info *kinfo,
		      const struct vmc_report_opts *opts)
{
	char h[32];
	struct namer nm;
	namer_init(&nm, d, syms);
	fprintf(out, "file:        %s\n", d->path);
	if (elf) {
		struct vmc_elf_info ei;
		vmc_core_elf_info(elf, &ei);
		fprintf(out, "format:      ELF%d %s-endian %s, ET_CORE, %s (e_machine %u)\n",
			ei.elf_class == ELFCLASS64 ? 64 : 32,
			d->big_endian ? "big" : "little",
			ei.elf_class == ELFCLASS64 ? "(ELFCLASS64)" : "(ELFCLASS32)",
			vmc_arch_name(d->arch), d->e_machine);
		fprintf(out, "headers:     %" PRIu32 " program headers at 0x%" PRIx64
			"%s; %s\n", ei.phnum, ei.e_phoff,
			ei.pn_xnum ? " (PN_XNUM)" : "", ei.layout);
	} else if (kinfo) {
		text_kdump(out, d, kinfo);
	} else {
		fprintf(out, "format:      %s, %s\n", d->format,
			vmc_arch_name(d->arch));
	}

	/* What the file was decoded from, outermost first ("gzip+flattened"). */
	if (d->layers && d->layers[0])
		fprintf(out, "layers:      %s\n", d->layers);

	fprintf(out, "cpus:        %zu\n", d->ncpus);
	for (size_t i = 0; i < d->ncpus; i++)
		text_cpu(out, d, &d->cpus[i], &nm);

	struct vmc_root_choice rc;
	struct vmc_error *rerr = default_root(d, &rc);
	fprintf(out, "walk root:   %s\n", rerr ? rerr->msg : rc.why);
	vmc_error_free(rerr);
	const struct vmc_arch_ops *arch = vmc_arch_ops(d->arch);
	if (arch && arch->show_swapper && d->vmcoreinfo) {
		struct vmc_root_request sw = { .cpu = -1, .swapper = true };
		rerr = vmc_choose_root(d, &sw, &rc);
		if (!rerr)
			fprintf(out, "  --swapper: %s\n", rc.why);
		vmc_error_free(rerr);
	}

	fprintf(out, "ram:         %zu range%s, 0x%" PRIx64 " bytes (%s)\n",
		d->nram, d->nram == 1 ? "" : "s", d->ram_bytes,
		vmc_human_size(d->ram_bytes, h, sizeof(h)));
	for (size_t i = 0; i < d->nram; i++) {
		const struct vmc_ram_range *r = &d->ram[i];
		fprintf(out, "  0x%016" PRIx64 "-0x%016" PRIx64 "  %8s", r->paddr,
			r->paddr + r->size, vmc_human_size(r->size, h, sizeof(h)));
		if (r->foff != VMC_NO_FOFF)
			fprintf(out, "  file 0x%" PRIx64, r->foff);
		if (r->flags & VMC_RAM_INFERRED)
			fputs("  (inferred: no PT_LOAD)", out);
		if (r->avail < r->size)
			fprintf(out, "  (0x%" PRIx64 " bytes missing past EOF)",
				r->size - r->avail);
		fputc('\n', out);
	}
	text_absent(out, d, opts);
	if (elf) {
		size_t nu;
		const struct vmc_unplaced *u = vmc_core_unplaced(elf, &nu);
		for (size_t i = 0; i < nu; i++)
			fprintf(out, "  undescribed file data: 0x%" PRIx64 " bytes at "
				"offset 0x%" PRIx64 " (no PT_LOAD places it)\n",
				u[i].size, u[i].foff);
		struct seg_counts sc = count_segments(elf);
		fprintf(out, "pt_load:     %zu (%zu virtual, %zu identity, %zu filler, "
			"%zu absent)%s\n", sc.load, sc.kind[VMC_SEG_VIRTUAL],
			sc.kind[VMC_SEG_IDENTITY], sc.kind[VMC_SEG_FILLER],
			sc.kind[VMC_SEG_ABSENT],
			sc.kind[VMC_SEG_VIRTUAL] ? "" : "; no virtual addresses");
	}

	fprintf(out, "notes:       %zu", d->nnotes);
	text_note_summary(out, d);
	if (opts->verbose)
		for (size_t i = 0; i < d->nnotes; i++) {
			const struct vmc_note *n = &d->notes[i];
			char l[48];
			note_label(n, l, sizeof(l));
			fprintf(out, "  %-14s %6" PRIu32 " bytes at offset 0x%"
				PRIx64 "\n", l, n->descsz, n->offset);
		}

	if (syms)
		text_symbols(out, syms, opts->verbose);

	const struct vmc_vmcoreinfo *vi = d->vmcoreinfo;
	text_tool_notes(out, d);
	if (!vi) {
		if (d->vmcoreinfo_source)
			fprintf(out, "vmcoreinfo:  %s\n", d->vmcoreinfo_source);
		else
			fputs("vmcoreinfo:  absent\n", out);
		return;
	}
	fprintf(out, "vmcoreinfo:  %zu entries", vi->nkv);
	if (d->vmcoreinfo_source && strcmp(d->vmcoreinfo_source, "note") != 0)
		fprintf(out, ", %s", d->vmcoreinfo_source);
	fputc('\n', out);
	if (opts->verbose) {
		for (size_t i = 0; i < vi->nkv; i++)
			fprintf(out, "  %s=%s\n", vi->kv[i].key, vi->kv[i].value);
		return;
	}
	for (size_t i = 0; i < sizeof(vmcoreinfo_summary) / sizeof(*vmcoreinfo_summary); i++) {
		const char *v = vmc_vmcoreinfo_get(vi, vmcoreinfo_summary[i]);
		if (v)
			fprintf(out, "  %-28s %s\n", vmcoreinfo_summary[i], v);
	}
}

/* ---- JSON --------------------------------------------------------------- */

static void json_cpu(struct vmc_json *j, const struct vmc_dump *d,
		     const struct vmc_cpu_state *c, const struct namer *nm)
{
	char name[160];
	vmc_json_object(j, NULL);
	vmc_json_uint(j, "cpu", c->index);
	bool regs = c->have & (VMC_CPU_HAVE_PRSTATUS | VMC_CPU_HAVE_QEMU_GPR);
	if (regs) {
		vmc_json_uint(j, "pid", c->pid);
		vmc_json_addr(j, "pc", c->pc);
		if (name_of(nm, c->pc, name, sizeof(name)))
			vmc_json_str(j, "pc_symbol", name);
		else
			vmc_json_null(j, "pc_symbol");
		vmc_json_addr(j, "sp", c->sp);
	}
	const char *mode = vmc_cpu_mode_name(vmc_cpu_mode(c));
	if (mode)
		vmc_json_str(j, "mode", mode);
	else
		vmc_json_null(j, "mode");
	vmc_json_bool(j, "qemu_note", c->have & VMC_CPU_HAVE_QEMU);
	for (int i = 0; i < 5; i++)
		if (i != 1 && (c->cr_have & (1u << i)))
			vmc_json_addr(j, cr_names[i], c->cr[i]);
	if (c->seg_have & (1u << VMC_SEG_CS))
		vmc_json_addr(j, "cs_flags", c->seg[VMC_SEG_CS].flags);
	if (c->have & VMC_CPU_HAVE_KGSBASE)
		vmc_json_addr(j, "kernel_gs_base", c->kernel_gs_base);
	if (c->layout == VMC_PRSTATUS_AARCH64) {
		vmc_json_addr(j, "pstate", c->regs[31]);
		vmc_json_addr(j, "lr", c->regs[30]);
		if (name_of(nm, c->regs[30], name, sizeof(name)))
			vmc_json_str(j, "lr_symbol", name);
		else
			vmc_json_null(j, "lr_symbol");
	}
	struct vmc_paging_choice pc;
	vmc_cpu_paging(d, c, &pc);
	vmc_json_str(j, "paging", vmc_paging_mode_name(pc.mode));
	vmc_json_str(j, "paging_reason", pc.reason);
	vmc_json_end(j);
}

/* "layers": ["gzip", "flattened"], outermost first; [] for a plain file. */
static void json_layers(struct vmc_json *j, const char *layers)
{
	vmc_json_array(j, "layers");
	for (const char *p = layers; p && *p;) {
		size_t n = strcspn(p, "+");
		vmc_json_strn(j, NULL, p, n);
		p += n + (p[n] == '+');
	}
	vmc_json_end(j);
}

static void json_kdump(struct vmc_json *j, const struct vmc_kdump_info *k)
{
	vmc_json_object(j, "kdump");
	vmc_json_uint(j, "header_version", k->header_version);
	vmc_json_uint(j, "writer_bits", k->writer_bits);
	vmc_json_uint(j, "block_size", k->block_size);
	vmc_json_uint(j, "guest_page_size", k->guest_page_size);
	vmc_json_str(j, "guest_page_size_source", k->page_size_src);
	vmc_json_str(j, "machine", k->machine);
	vmc_json_str(j, "arch_source", k->arch_src);
	vmc_json_addr(j, "status", k->status);
	vmc_json_array(j, "status_flags");
	for (size_t i = 0; i < NSTATUS; i++)
		if (k->status & kdump_status_bits[i].bit)
			vmc_json_str(j, NULL, kdump_status_bits[i].name);
	vmc_json_end(j);
	if (k->dump_level >= 0)
		vmc_json_uint(j, "dump_level", (uint64_t)k->dump_level);
	else
		vmc_json_null(j, "dump_level");
	vmc_json_uint(j, "max_mapnr", k->max_mapnr);
	vmc_json_uint(j, "dumped_pages", k->dumped_pages);
	vmc_json_uint(j, "excluded_pages", k->excluded_pages);
	vmc_json_uint(j, "missing_pages", k->missing_pages);
	if (k->missing_pages)
		vmc_json_addr(j, "stop_pfn", k->stop_pfn);
	vmc_json_bool(j, "incomplete", k->incomplete);
	vmc_json_uint(j, "counted_pages", k->counted_pages);
	vmc_json_uint(j, "zero_pages", k->zero_pages);
	vmc_json_object(j, "codec_pages");
	for (int c = 0; c < VMC_KDUMP_NCODECS; c++)
		vmc_json_uint(j, vmc_kdump_codec_name(c), k->codec_pages[c]);
	vmc_json_end(j);
	vmc_json_object(j, "phys_base");
	vmc_json_addr(j, "sub_header", k->sub_phys_base);
	if (k->have_vmcoreinfo_phys_base)
		vmc_json_addr(j, "vmcoreinfo", k->vmcoreinfo_phys_base);
	else
		vmc_json_null(j, "vmcoreinfo");
	vmc_json_str(j, "vmcoreinfo_key", k->vmcoreinfo_phys_base_key);
	vmc_json_str(j, "used", k->have_vmcoreinfo_phys_base ? "vmcoreinfo"
							      : "sub_header");
	vmc_json_str(j, "why", k->phys_base_why);
	vmc_json_end(j);
	vmc_json_end(j);
}

static void json_info(FILE *out, const struct vmc_dump *d,
		      const struct vmc_core *elf, struct vmc_symbols *syms,
		      const struct vmc_kdump_info *kinfo,
		      const struct vmc_report_opts *opts)
{
	struct vmc_json j;
	struct namer nm;
	namer_init(&nm, d, syms);
	vmc_json_init(&j, out);
	vmc_json_object(&j, NULL);
	vmc_json_str(&j, "file", d->path);
	vmc_json_str(&j, "format", d->format);
	json_layers(&j, d->layers);
	if (kinfo)
		json_kdump(&j, kinfo);
	struct vmc_elf_info ei = {0};
	if (elf) {
		vmc_core_elf_info(elf, &ei);
		vmc_json_uint(&j, "class", ei.elf_class == ELFCLASS64 ? 64 : 32);
	}
	vmc_json_str(&j, "byte_order", d->big_endian ? "big" : "little");
	vmc_json_str(&j, "machine", vmc_arch_name(d->arch));
	vmc_json_uint(&j, "e_machine", d->e_machine);
	if (elf) {
		vmc_json_addr(&j, "e_phoff", ei.e_phoff);
		vmc_json_uint(&j, "phnum", ei.phnum);
		vmc_json_bool(&j, "pn_xnum", ei.pn_xnum);
	}

	vmc_json_array(&j, "cpus");
	for (size_t i = 0; i < d->ncpus; i++)
		json_cpu(&j, d, &d->cpus[i], &nm);
	vmc_json_end(&j);

	struct vmc_root_choice rc;
	struct vmc_error *rerr = default_root(d, &rc);
	vmc_json_object(&j, "walk_root");
	if (rerr) {
		vmc_json_null(&j, "root_paddr");
		vmc_json_str(&j, "why", rerr->msg);
	} else {
		vmc_json_addr(&j, "root_paddr", rc.pg[0].root);
		vmc_json_str(&j, "paging", vmc_paging_mode_name(rc.pg[0].mode));
		vmc_json_str(&j, "why", rc.why);
	}
	vmc_json_end(&j);
	vmc_error_free(rerr);

	vmc_json_array(&j, "ram");
	for (size_t i = 0; i < d->nram; i++) {
		const struct vmc_ram_range *r = &d->ram[i];
		vmc_json_object(&j, NULL);
		vmc_json_addr(&j, "start", r->paddr);
		vmc_json_addr(&j, "end", r->paddr + r->size);
		vmc_json_addr(&j, "size", r->size);
		if (r->foff != VMC_NO_FOFF)
			vmc_json_addr(&j, "file_offset", r->foff);
		else
			vmc_json_null(&j, "file_offset");
		vmc_json_addr(&j, "available", r->avail);
		vmc_json_bool(&j, "inferred", r->flags & VMC_RAM_INFERRED);
		vmc_json_end(&j);
	}
	vmc_json_end(&j);
	vmc_json_addr(&j, "ram_bytes", d->ram_bytes);
	if (kinfo) {
		vmc_json_array(&j, "absent");
		for (size_t i = 0; i < d->nabsent; i++) {
			vmc_json_object(&j, NULL);
			vmc_json_addr(&j, "start", d->absent[i].paddr);
			vmc_json_addr(&j, "end", d->absent[i].paddr + d->absent[i].size);
			vmc_json_end(&j);
		}
		vmc_json_end(&j);
		vmc_json_addr(&j, "absent_bytes", d->absent_bytes);
	}
	if (elf) {
		size_t nu;
		const struct vmc_unplaced *u = vmc_core_unplaced(elf, &nu);
		vmc_json_array(&j, "undescribed");
		for (size_t i = 0; i < nu; i++) {
			vmc_json_object(&j, NULL);
			vmc_json_addr(&j, "file_offset", u[i].foff);
			vmc_json_addr(&j, "size", u[i].size);
			vmc_json_end(&j);
		}
		vmc_json_end(&j);

		struct seg_counts sc = count_segments(elf);
		vmc_json_object(&j, "pt_load");
		vmc_json_uint(&j, "count", sc.load);
		for (int k = 0; k < 4; k++)
			vmc_json_uint(&j, vmc_seg_kind_name(k), sc.kind[k]);
		vmc_json_end(&j);
	}

	vmc_json_array(&j, "notes");
	for (size_t i = 0; i < d->nnotes; i++) {
		const struct vmc_note *n = &d->notes[i];
		vmc_json_object(&j, NULL);
		char l[48];
		note_label(n, l, sizeof(l));
		vmc_json_str(&j, "name", n->name);
		vmc_json_str(&j, "label", l);
		vmc_json_uint(&j, "type", n->type);
		vmc_json_uint(&j, "size", n->descsz);
		vmc_json_addr(&j, "offset", n->offset);
		vmc_json_end(&j);
	}
	vmc_json_end(&j);

	/* The last VMCORE-TOOL note, which speaks of the last VMCOREINFO. */
	const struct vmc_note *tool = NULL;
	for (size_t i = 0; i < d->nnotes; i++)
		if (strcmp(d->notes[i].name, VMC_KERNEL_NOTE_NAME) == 0)
			tool = &d->notes[i];
	struct vmc_vmcoreinfo kv;
	if (tool && !vmc_vmcoreinfo_parse((const char *)tool->desc,
					  tool->descsz, &kv)) {
		vmc_json_object(&j, "vmcore_tool_note");
		for (size_t k = 0; k < kv.nkv; k++)
			vmc_json_str(&j, kv.kv[k].key, kv.kv[k].value);
		vmc_json_end(&j);
		vmc_vmcoreinfo_fini(&kv);
	}
	if (d->vmcoreinfo_source)
		vmc_json_str(&j, "vmcoreinfo_source", d->vmcoreinfo_source);
	else
		vmc_json_null(&j, "vmcoreinfo_source");
	if (syms)
		json_symbols(&j, syms);

	if (d->vmcoreinfo) {
		vmc_json_object(&j, "vmcoreinfo");
		for (size_t i = 0; i < d->vmcoreinfo->nkv; i++)
			vmc_json_str(&j, d->vmcoreinfo->kv[i].key,
				     d->vmcoreinfo->kv[i].value);
		vmc_json_end(&j);
	} else {
		vmc_json_null(&j, "vmcoreinfo");
	}
	if (opts->coverage)
		vmc_strip_coverage_json(&j, d, opts->coverage, &opts->strip);
	vmc_json_end(&j);
	vmc_json_finish(&j);
}

struct vmc_error *vmc_report_info(FILE *out, const struct vmc_dump *d,
				  const struct vmc_core *elf,
				  struct vmc_kdump *kd,
				  struct vmc_symbols *syms,
				  const struct vmc_report_opts *opts)
{
	struct vmc_kdump_info kinfo;
	if (kd) {
		struct vmc_error *err = vmc_kdump_info(kd, &kinfo);
		if (err)
			return err;
	}
	if (opts->json) {
		json_info(out, d, elf, syms, kd ? &kinfo : NULL, opts);
	} else {
		text_info(out, d, elf, syms, kd ? &kinfo : NULL, opts);
		if (opts->coverage)
			vmc_strip_coverage_text(out, d, opts->coverage,
						&opts->strip, opts->verbose);
	}
	return NULL;
}
