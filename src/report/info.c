/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: `vmcore-tool info`. */
#include "report.h"

#include <elf.h>
#include <inttypes.h>
#include <string.h>

#include "../pagewalk/pagewalk.h"
#include "../ptload/ptload.h"
#include "json.h"

/* VMCOREINFO keys worth a line in the summary, in display order. */
static const char *const vmcoreinfo_summary[] = {
	"OSRELEASE", "BUILD-ID", "PAGESIZE", "KERNELOFFSET",
	"NUMBER(phys_base)", "NUMBER(pgtable_l5_enabled)", "NUMBER(sme_mask)",
	"SYMBOL(swapper_pg_dir)", "SYMBOL(init_top_pgt)",
	"NUMBER(kimage_voffset)", "NUMBER(PHYS_OFFSET)", "NUMBER(VA_BITS)",
	"NUMBER(TCR_EL1_T1SZ)", "NUMBER(KERNELPACMASK)", "CRASHTIME",
};

static const char *const cr_names[] = { "cr0", "cr1", "cr2", "cr3", "cr4" };

static void paging_of(struct vmc_core *core, const struct vmc_cpu_state *c,
		      struct vmc_paging_choice *pc)
{
	if (core->arch == VMC_ARCH_AARCH64) {
		struct vmc_arm64_params p;
		vmc_arm64_paging(core->have_vmcoreinfo ? &core->vmcoreinfo : NULL,
				 &p, pc);
	} else {
		vmc_x86_paging_mode(c, core->e_machine == EM_X86_64, pc);
	}
}

struct seg_counts {
	size_t load, kind[4];
};

static struct seg_counts count_segments(const struct vmc_core *core)
{
	struct seg_counts sc = {0};
	for (size_t i = 0; i < core->segs.n; i++) {
		const struct vmc_segment *s = &core->segs.v[i];
		if (s->type != PT_LOAD)
			continue;
		sc.load++;
		sc.kind[s->kind]++;
	}
	return sc;
}

static const char *layout_name(const struct vmc_core *core)
{
	if (core->e_phoff == (core->elf_class == ELFCLASS64 ? 64 : 52))
		return "program headers right after the ELF header";
	if (core->e_shoff && core->e_shoff < core->e_phoff)
		return "section headers before program headers (QEMU >= 7.2)";
	return "program headers at a custom offset";
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

/* "2 NT_PRSTATUS, 2 QEMU, 1 VMCOREINFO", in order of first appearance. */
static void text_note_summary(FILE *out, const struct vmc_core *core)
{
	enum { MAX_KINDS = 16 };
	char label[MAX_KINDS][48];
	size_t count[MAX_KINDS], kinds = 0, other = 0;
	for (size_t i = 0; i < core->notes.n; i++) {
		char l[48];
		note_label(&core->notes.v[i], l, sizeof(l));
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
static struct vmc_error *default_root(struct vmc_core *core,
				      struct vmc_root_choice *rc)
{
	struct vmc_machine m;
	vmc_machine_of(core, &m);
	struct vmc_root_request req = { .cpu = -1 };
	return vmc_choose_root(&m, &req, rc);
}

/* ---- text --------------------------------------------------------------- */

static void text_cpu(FILE *out, struct vmc_core *core,
		     const struct vmc_cpu_state *c)
{
	fprintf(out, "  CPU %u", c->index);
	if (c->have & (VMC_CPU_HAVE_PRSTATUS | VMC_CPU_HAVE_QEMU_GPR))
		fprintf(out, "  pid %" PRIu32 "  pc 0x%016" PRIx64 "  sp 0x%016"
			PRIx64, c->pid, c->pc, c->sp);
	else
		fputs("  (no general registers saved)", out);
	fputc('\n', out);
	if (c->cr_have) {
		fputs("        ", out);
		for (int i = 0; i < 5; i++)
			if (i != 1 && (c->cr_have & (1u << i)))
				fprintf(out, " %s 0x%016" PRIx64, cr_names[i], c->cr[i]);
		fputc('\n', out);
	}
	if (core->arch == VMC_ARCH_AARCH64 &&
	    (c->have & VMC_CPU_HAVE_PRSTATUS))
		fprintf(out, "         pstate 0x%08" PRIx64 " (EL%u)\n",
			c->regs[31], (unsigned)(c->regs[31] >> 2) & 3);
	struct vmc_paging_choice pc;
	paging_of(core, c, &pc);
	fprintf(out, "         paging %s (%s)\n", vmc_paging_mode_name(pc.mode),
		pc.reason);
}

static void text_info(FILE *out, struct vmc_core *core,
		      const struct vmc_report_opts *opts)
{
	char h[32];
	fprintf(out, "file:        %s\n", core->path);
	fprintf(out, "format:      ELF%d %s-endian %s, ET_CORE, %s (e_machine %u)\n",
		core->elf_class == ELFCLASS64 ? 64 : 32,
		core->big_endian ? "big" : "little",
		core->elf_class == ELFCLASS64 ? "(ELFCLASS64)" : "(ELFCLASS32)",
		vmc_arch_name(core->arch), core->e_machine);
	fprintf(out, "headers:     %" PRIu32 " program headers at 0x%" PRIx64
		"%s; %s\n", core->phnum, core->e_phoff,
		core->pn_xnum ? " (PN_XNUM)" : "", layout_name(core));

	fprintf(out, "cpus:        %zu\n", core->cpus.n);
	for (size_t i = 0; i < core->cpus.n; i++)
		text_cpu(out, core, &core->cpus.v[i]);

	struct vmc_root_choice rc;
	struct vmc_error *rerr = default_root(core, &rc);
	fprintf(out, "walk root:   %s\n", rerr ? rerr->msg : rc.why);
	vmc_error_free(rerr);
	if (core->arch == VMC_ARCH_X86_64 && core->have_vmcoreinfo) {
		struct vmc_root_request sw = { .cpu = -1, .swapper = true };
		struct vmc_machine m;
		vmc_machine_of(core, &m);
		rerr = vmc_choose_root(&m, &sw, &rc);
		if (!rerr)
			fprintf(out, "  --swapper: %s\n", rc.why);
		vmc_error_free(rerr);
	}

	uint64_t total = vmc_core_ram_bytes(core);
	fprintf(out, "ram:         %zu range%s, 0x%" PRIx64 " bytes (%s)\n",
		core->ram.n, core->ram.n == 1 ? "" : "s", total,
		vmc_human_size(total, h, sizeof(h)));
	for (size_t i = 0; i < core->ram.n; i++) {
		const struct vmc_ram_range *r = &core->ram.v[i];
		fprintf(out, "  0x%016" PRIx64 "-0x%016" PRIx64 "  %8s  file 0x%"
			PRIx64 "%s", r->paddr, r->paddr + r->size,
			vmc_human_size(r->size, h, sizeof(h)), r->foff,
			r->flags & VMC_RAM_INFERRED ? "  (inferred: no PT_LOAD)" : "");
		if (r->avail < r->size)
			fprintf(out, "  (0x%" PRIx64 " bytes missing past EOF)",
				r->size - r->avail);
		fputc('\n', out);
	}
	for (size_t i = 0; i < core->unplaced.n; i++)
		fprintf(out, "  undescribed file data: 0x%" PRIx64 " bytes at "
			"offset 0x%" PRIx64 " (no PT_LOAD places it)\n",
			core->unplaced.v[i].size, core->unplaced.v[i].foff);

	struct seg_counts sc = count_segments(core);
	fprintf(out, "pt_load:     %zu (%zu virtual, %zu identity, %zu filler, "
		"%zu absent)%s\n", sc.load, sc.kind[VMC_SEG_VIRTUAL],
		sc.kind[VMC_SEG_IDENTITY], sc.kind[VMC_SEG_FILLER],
		sc.kind[VMC_SEG_ABSENT],
		sc.kind[VMC_SEG_VIRTUAL] ? "" : "; no virtual addresses");

	fprintf(out, "notes:       %zu", core->notes.n);
	text_note_summary(out, core);
	if (opts->verbose)
		for (size_t i = 0; i < core->notes.n; i++) {
			const struct vmc_note *n = &core->notes.v[i];
			char l[48];
			note_label(n, l, sizeof(l));
			fprintf(out, "  %-14s %6" PRIu32 " bytes at offset 0x%"
				PRIx64 "\n", l, n->descsz, n->offset);
		}

	if (!core->have_vmcoreinfo) {
		fputs("vmcoreinfo:  absent\n", out);
		return;
	}
	fprintf(out, "vmcoreinfo:  %zu entries\n", core->vmcoreinfo.nkv);
	if (opts->verbose) {
		for (size_t i = 0; i < core->vmcoreinfo.nkv; i++)
			fprintf(out, "  %s=%s\n", core->vmcoreinfo.kv[i].key,
				core->vmcoreinfo.kv[i].value);
		return;
	}
	for (size_t i = 0; i < sizeof(vmcoreinfo_summary) / sizeof(*vmcoreinfo_summary); i++) {
		const char *v = vmc_vmcoreinfo_get(&core->vmcoreinfo,
						   vmcoreinfo_summary[i]);
		if (v)
			fprintf(out, "  %-28s %s\n", vmcoreinfo_summary[i], v);
	}
}

/* ---- JSON --------------------------------------------------------------- */

static void json_cpu(struct vmc_json *j, struct vmc_core *core,
		     const struct vmc_cpu_state *c)
{
	vmc_json_object(j, NULL);
	vmc_json_uint(j, "cpu", c->index);
	bool regs = c->have & (VMC_CPU_HAVE_PRSTATUS | VMC_CPU_HAVE_QEMU_GPR);
	if (regs) {
		vmc_json_uint(j, "pid", c->pid);
		vmc_json_addr(j, "pc", c->pc);
		vmc_json_addr(j, "sp", c->sp);
	}
	vmc_json_bool(j, "qemu_note", c->have & VMC_CPU_HAVE_QEMU);
	for (int i = 0; i < 5; i++)
		if (i != 1 && (c->cr_have & (1u << i)))
			vmc_json_addr(j, cr_names[i], c->cr[i]);
	if (c->seg_have & (1u << VMC_SEG_CS))
		vmc_json_addr(j, "cs_flags", c->seg[VMC_SEG_CS].flags);
	if (c->have & VMC_CPU_HAVE_KGSBASE)
		vmc_json_addr(j, "kernel_gs_base", c->kernel_gs_base);
	if (core->arch == VMC_ARCH_AARCH64 && (c->have & VMC_CPU_HAVE_PRSTATUS))
		vmc_json_addr(j, "pstate", c->regs[31]);
	struct vmc_paging_choice pc;
	paging_of(core, c, &pc);
	vmc_json_str(j, "paging", vmc_paging_mode_name(pc.mode));
	vmc_json_str(j, "paging_reason", pc.reason);
	vmc_json_end(j);
}

static void json_info(FILE *out, struct vmc_core *core)
{
	struct vmc_json j;
	vmc_json_init(&j, out);
	vmc_json_object(&j, NULL);
	vmc_json_str(&j, "file", core->path);
	vmc_json_str(&j, "format", "elf");
	vmc_json_uint(&j, "class", core->elf_class == ELFCLASS64 ? 64 : 32);
	vmc_json_str(&j, "byte_order", core->big_endian ? "big" : "little");
	vmc_json_str(&j, "machine", vmc_arch_name(core->arch));
	vmc_json_uint(&j, "e_machine", core->e_machine);
	vmc_json_addr(&j, "e_phoff", core->e_phoff);
	vmc_json_uint(&j, "phnum", core->phnum);
	vmc_json_bool(&j, "pn_xnum", core->pn_xnum);

	vmc_json_array(&j, "cpus");
	for (size_t i = 0; i < core->cpus.n; i++)
		json_cpu(&j, core, &core->cpus.v[i]);
	vmc_json_end(&j);

	struct vmc_root_choice rc;
	struct vmc_error *rerr = default_root(core, &rc);
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
	for (size_t i = 0; i < core->ram.n; i++) {
		const struct vmc_ram_range *r = &core->ram.v[i];
		vmc_json_object(&j, NULL);
		vmc_json_addr(&j, "start", r->paddr);
		vmc_json_addr(&j, "end", r->paddr + r->size);
		vmc_json_addr(&j, "size", r->size);
		vmc_json_addr(&j, "file_offset", r->foff);
		vmc_json_addr(&j, "available", r->avail);
		vmc_json_bool(&j, "inferred", r->flags & VMC_RAM_INFERRED);
		vmc_json_end(&j);
	}
	vmc_json_end(&j);
	vmc_json_addr(&j, "ram_bytes", vmc_core_ram_bytes(core));
	vmc_json_array(&j, "undescribed");
	for (size_t i = 0; i < core->unplaced.n; i++) {
		vmc_json_object(&j, NULL);
		vmc_json_addr(&j, "file_offset", core->unplaced.v[i].foff);
		vmc_json_addr(&j, "size", core->unplaced.v[i].size);
		vmc_json_end(&j);
	}
	vmc_json_end(&j);

	struct seg_counts sc = count_segments(core);
	vmc_json_object(&j, "pt_load");
	vmc_json_uint(&j, "count", sc.load);
	for (int k = 0; k < 4; k++)
		vmc_json_uint(&j, vmc_seg_kind_name(k), sc.kind[k]);
	vmc_json_end(&j);

	vmc_json_array(&j, "notes");
	for (size_t i = 0; i < core->notes.n; i++) {
		const struct vmc_note *n = &core->notes.v[i];
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

	if (core->have_vmcoreinfo) {
		vmc_json_object(&j, "vmcoreinfo");
		for (size_t i = 0; i < core->vmcoreinfo.nkv; i++)
			vmc_json_str(&j, core->vmcoreinfo.kv[i].key,
				     core->vmcoreinfo.kv[i].value);
		vmc_json_end(&j);
	} else {
		vmc_json_null(&j, "vmcoreinfo");
	}
	vmc_json_end(&j);
	vmc_json_finish(&j);
}

struct vmc_error *vmc_report_info(FILE *out, struct vmc_core *core,
				  const struct vmc_report_opts *opts)
{
	if (opts->json)
		json_info(out, core);
	else
		text_info(out, core, opts);
	return NULL;
}
