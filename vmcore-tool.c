/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmcore-tool: command line. Parses arguments (argp, one shared option group
 * reused by every subcommand), dispatches to the library, maps errors to exit
 * statuses. No analysis happens here.
 *
 * Exit status: 0 success; 1 a negative answer; 2 error; 64 usage.
 */
#include <argp.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "src/base/base.h"
#include "src/elfcore/elfcore.h"
#include "src/gdb/gdb.h"
#include "src/kernel/kernel.h"
#include "src/open/open.h"
#include "src/report/report.h"
#include "src/symbols/symbols.h"

#ifndef VMC_VERSION
#define VMC_VERSION "0.1.0"
#endif

enum { EXIT_NEGATIVE = 1, EXIT_ERROR = 2, EXIT_USAGE = 64 };

const char *argp_program_version = "vmcore-tool " VMC_VERSION;
const char *argp_program_bug_address = NULL;

/* ---- options shared by every command ---------------------------------- */

struct common_opts {
	bool json;
	bool quiet;
	int verbose;
	bool scan_vmcoreinfo;
};

/* Set by the top level, inherited by the subcommand. */
static struct common_opts global_opts;

enum { OPT_JSON = 0x100, OPT_SORT, OPT_SCAN_VMCOREINFO };

static const struct argp_option common_options[] = {
	{ "json", OPT_JSON, NULL, 0, "Print JSON for scripts (addresses as \"0x…\" strings)", 0 },
	{ "quiet", 'q', NULL, 0, "Do not print warnings", 0 },
	{ "verbose", 'v', NULL, 0, "More detail; show every warning", 0 },
	{ "scan-vmcoreinfo", OPT_SCAN_VMCOREINFO, NULL, 0, "Search guest RAM for the kernel's VMCOREINFO even when the dump has the note, and use the copy found (without the note, the search is automatic)", 0 },
	{ 0 }
};

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	struct common_opts *o = state->input;
	switch (key) {
	case OPT_JSON: o->json = true; break;
	case 'q': o->quiet = true; break;
	case 'v': o->verbose++; break;
	case OPT_SCAN_VMCOREINFO: o->scan_vmcoreinfo = true; break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp common_argp = { common_options, common_parse, NULL,
					 NULL, NULL, NULL, NULL };

static const struct argp_child common_children[] = {
	{ &common_argp, 0, "Common options:", 1 },
	{ 0 }
};

/* ---- page-table root options (vtop, maps, read; later remap) ------------ */

enum { OPT_CPU = 0x200, OPT_CR3, OPT_SWAPPER, OPT_TTBR0, OPT_TTBR1, OPT_GRANULE,
       OPT_VA_BITS, OPT_PHYS, OPT_FORMAT, OPT_KERNEL,
       OPT_USER, OPT_LAYOUT, OPT_KERNEL_ONLY, OPT_NO_FILLER, OPT_EXCLUDE,
       OPT_DRY_RUN, OPT_IN_PLACE, OPT_FORCE, OPT_FORCE_EMPTY, OPT_KEEP_ALIASES };
/* Coverage strips (info, maps, remap). */
enum { OPT_COVERAGE = 0x300, OPT_WIDTH };

static const struct argp_option root_options[] = {
	{ "cpu", OPT_CPU, "N", 0, "Walk CPU N's page tables (its CR3; default CPU 0)", 0 },
	{ "cr3", OPT_CR3, "PADDR", 0, "Walk the page tables rooted at physical PADDR", 0 },
	{ "swapper", OPT_SWAPPER, NULL, 0, "Walk the kernel's swapper_pg_dir from VMCOREINFO", 0 },
	{ "ttbr1", OPT_TTBR1, "TTBR", 0, "AArch64: the kernel's (TTBR1) table base (default: VMCOREINFO swapper_pg_dir - kimage_voffset)", 0 },
	{ "ttbr0", OPT_TTBR0, "TTBR", 0, "AArch64: the user (TTBR0) table base; QEMU does not save it", 0 },
	{ "granule", OPT_GRANULE, "SIZE", 0, "AArch64: 4k, 16k or 64k (default: VMCOREINFO PAGESIZE)", 0 },
	{ "va-bits", OPT_VA_BITS, "N", 0, "AArch64: virtual-address bits (default: VMCOREINFO TCR_EL1_T1SZ or VA_BITS)", 0 },
	{ 0 }
};

static error_t root_parse(int key, char *arg, struct argp_state *state)
{
	struct vmc_root_request *r = state->input;
	uint64_t v;
	switch (key) {
	case ARGP_KEY_INIT:
		r->cpu = -1;
		break;
	case OPT_CPU:
		if (vmc_parse_u64(arg, &v) || v > 65535)
			argp_error(state, "--cpu takes a CPU number, not '%s'", arg);
		r->cpu = (int)v;
		break;
	case OPT_CR3:
		if (vmc_parse_u64(arg, &v))
			argp_error(state, "--cr3 takes a physical address, not '%s'", arg);
		r->have_cr3 = true;
		r->cr3 = v;
		break;
	case OPT_SWAPPER:
		r->swapper = true;
		break;
	case OPT_TTBR0:
	case OPT_TTBR1:
		if (vmc_parse_u64(arg, &v))
			argp_error(state, "--ttbr%d takes a register value or physical "
				   "address, not '%s'", key == OPT_TTBR1, arg);
		if (key == OPT_TTBR1) {
			r->have_ttbr1 = true;
			r->ttbr1 = v;
		} else {
			r->have_ttbr0 = true;
			r->ttbr0 = v;
		}
		break;
	case OPT_GRANULE:
		if (strcasecmp(arg, "4k") == 0)
			r->granule_shift = 12;
		else if (strcasecmp(arg, "16k") == 0)
			r->granule_shift = 14;
		else if (strcasecmp(arg, "64k") == 0)
			r->granule_shift = 16;
		else
			argp_error(state, "--granule takes 4k, 16k or 64k, not '%s'", arg);
		break;
	case OPT_VA_BITS:
		if (vmc_parse_u64(arg, &v) || v < 16 || v > 52)
			argp_error(state, "--va-bits takes 16 to 52, not '%s'", arg);
		r->va_bits = (unsigned)v;
		break;
	case ARGP_KEY_END:
		if (r->swapper && (r->have_cr3 || r->cpu >= 0))
			argp_error(state, "--swapper goes with neither --cpu nor --cr3");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp root_argp = { root_options, root_parse, NULL, NULL,
				       NULL, NULL, NULL };

static const struct argp_child root_children[] = {
	{ &root_argp, 0, "Page-table root:", 2 },
	{ &common_argp, 0, "Common options:", 3 },
	{ 0 }
};

/* ---- symbol options (info, vtop, read, remap, gdb, symbols) -------------- */

struct sym_opts {
	const char *vmlinux;
	bool force;
};

enum { OPT_VMLINUX = 'x', OPT_FORCE_VMLINUX = 0x300 };

static const struct argp_option sym_options[] = {
	{ "vmlinux", OPT_VMLINUX, "PATH", 0, "The kernel's vmlinux, for symbols and types (default: found by the dump's VMCOREINFO BUILD-ID and OSRELEASE under /usr/lib/debug, /boot and /lib/modules)", 0 },
	{ "force-vmlinux", OPT_FORCE_VMLINUX, NULL, 0, "Use --vmlinux even though its build-id differs from the dump's", 0 },
	{ 0 }
};

static error_t sym_parse(int key, char *arg, struct argp_state *state)
{
	struct sym_opts *o = state->input;
	switch (key) {
	case OPT_VMLINUX:
		o->vmlinux = arg;
		break;
	case OPT_FORCE_VMLINUX:
		o->force = true;
		break;
	case ARGP_KEY_END:
		if (o->force && !o->vmlinux)
			argp_error(state, "--force-vmlinux goes with --vmlinux");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp sym_argp = { sym_options, sym_parse, NULL, NULL,
				      NULL, NULL, NULL };

/* vtop, read and remap: the root, the symbols, the common options. */
static const struct argp_child root_sym_children[] = {
	{ &root_argp, 0, "Page-table root:", 2 },
	{ &sym_argp, 0, "Symbols:", 3 },
	{ &common_argp, 0, "Common options:", 4 },
	{ 0 }
};

/* info, symbols, gdb: the symbols and the common options. */
static const struct argp_child sym_children[] = {
	{ &sym_argp, 0, "Symbols:", 2 },
	{ &common_argp, 0, "Common options:", 3 },
	{ 0 }
};

/* ---- messages ------------------------------------------------------------ */

static const char *prog = "vmcore-tool";

struct warn_ctx {
	const char *file;
};

static void emit_warning(void *arg, const char *msg)
{
	const struct warn_ctx *w = arg;
	fflush(stdout);		/* data first, so that 2>&1 keeps the order */
	fprintf(stderr, "%s: %s: warning: %s\n", prog, w->file, msg);
}

static int report_error(const char *file, struct vmc_error *err)
{
	if (file)
		fprintf(stderr, "%s: %s: %s\n", prog, file, err->msg);
	else
		fprintf(stderr, "%s: %s\n", prog, err->msg);
	int status = err->code == VMC_ERR_NOT_FOUND ? EXIT_NEGATIVE :
		     err->code == VMC_ERR_USAGE ? EXIT_USAGE : EXIT_ERROR;
	vmc_error_free(err);
	return status;
}

static void warnings_init(struct vmc_warnings *ws, struct warn_ctx *w,
			  const struct common_opts *o)
{
	*ws = (struct vmc_warnings){
		.emit = o->quiet ? NULL : emit_warning,
		.arg = w,
		/* A hostile core can yield thousands; -v shows them all. */
		.limit = o->verbose ? 0 : 20,
	};
}

static void warnings_done(const struct vmc_warnings *ws,
			  const struct warn_ctx *w, const struct common_opts *o)
{
	fflush(stdout);
	if (!o->quiet && ws->suppressed)
		fprintf(stderr, "%s: %s: %lu more warnings not shown (use -v)\n",
			prog, w->file, ws->suppressed);
}

/*
 * One command's run over one dump: the dump opened, and a warnings sink that
 * names the file, for the whole command. Every command that reads a dump
 * starts with session_open() and ends with session_end().
 */
struct session {
	const char *file;
	struct common_opts opts;
	struct warn_ctx w;
	struct vmc_warnings ws;
	struct vmc_source *src;
	struct vmc_dump *dump;
	struct vmc_report_opts ro;
	struct vmc_symbols *syms;	/* session_symbols() */
};

/* Long work on open (a RAM search for VMCOREINFO): a percentage on a
 * terminal, shown only once the work has lasted a while. */
static bool open_progress_shown;

static void open_progress(void *arg, const char *what, uint64_t done,
			  uint64_t total)
{
	static int last = -1;
	static struct timespec t0;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!t0.tv_sec && !t0.tv_nsec)
		t0 = now;
	double s = (double)(now.tv_sec - t0.tv_sec) +
		   (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
	int pct = total ? (int)(done * 100 / total) : 100;
	if (s < 0.5 || pct == last)
		return;
	last = pct;
	fprintf(stderr, "\r%s: %s: %s: %3d%%", prog, (const char *)arg, what,
		pct > 100 ? 100 : pct);
	open_progress_shown = true;
}

static void open_progress_end(void)
{
	if (open_progress_shown)
		fputc('\n', stderr);
	open_progress_shown = false;
}

/* Open path; on failure print why and return the exit status, else 0. */
static int session_open(struct session *s, const char *path,
			const struct common_opts *o)
{
	*s = (struct session){ .file = path, .opts = *o,
			       .ro = { o->json, o->verbose } };
	s->w.file = path;
	warnings_init(&s->ws, &s->w, &s->opts);
	struct vmc_open_opts oo = { .scan_vmcoreinfo = o->scan_vmcoreinfo };
	if (isatty(STDERR_FILENO) && !o->quiet) {
		oo.progress = open_progress;
		oo.progress_arg = (void *)path;
	}
	struct vmc_error *err = vmc_source_open(path, &oo, &s->ws, &s->src);
	open_progress_end();
	warnings_done(&s->ws, &s->w, &s->opts);
	if (err)
		return report_error(path, err);
	/* The command's own warnings get a sink of their own: a hostile
	 * file's many open warnings must not hide them. */
	warnings_init(&s->ws, &s->w, &s->opts);
	s->dump = vmc_source_dump(s->src);
	return 0;
}

/* Close the dump, say how many warnings were not shown, report err (which
 * names the file) if any. Returns err's exit status, else status. */
static int session_end(struct session *s, struct vmc_error *err, int status)
{
	vmc_symbols_close(s->syms);
	s->syms = NULL;
	warnings_done(&s->ws, &s->w, &s->opts);
	if (err)
		status = report_error(s->file, err);
	vmc_source_close(s->src);
	s->src = NULL;
	return status;
}

/*
 * The dump's symbols, opened once per session (cheap: nothing is decoded
 * until a name is asked for). The search for a vmlinux starts at
 * $VMCORE_TOOL_DEBUG_ROOT when set (tests; the man page documents it).
 */
static struct vmc_error *session_symbols(struct session *s,
					 const struct sym_opts *so,
					 const struct vmc_root_request *root)
{
	if (s->syms)
		return NULL;
	struct vmc_symbols_opts o = {
		.vmlinux = so ? so->vmlinux : NULL,
		.force_vmlinux = so && so->force,
		.debug_root = getenv("VMCORE_TOOL_DEBUG_ROOT"),
		.root = root,
	};
	return vmc_symbols_open(s->dump, &o, &s->ws, &s->syms);
}

/* The addresses of exprs (numbers, NAME, NAME+OFF, NAME-OFF) into out;
 * symbols are opened only when a name is among them. */
static struct vmc_error *resolve_exprs(struct session *s,
				       const struct sym_opts *so,
				       const struct vmc_root_request *root,
				       char *const *exprs, size_t n,
				       uint64_t *out)
{
	for (size_t i = 0; i < n; i++) {
		if (vmc_parse_u64(exprs[i], &out[i]) == 0)
			continue;
		struct vmc_error *err = session_symbols(s, so, root);
		if (!err)
			err = vmc_symbols_eval(s->syms, exprs[i], &out[i], NULL);
		if (err)
			return err;
	}
	return NULL;
}

/* ---- positional arguments ------------------------------------------------ */

/* The one CORE argument of a command. */
static void take_core(struct argp_state *state, const char **core, char *arg)
{
	if (*core)
		argp_error(state, "too many arguments");
	*core = arg;
}

static void need_core(struct argp_state *state, const char *core)
{
	if (!core)
		argp_error(state, "no CORE given");
}

/* ---- coverage strips ------------------------------------------------------ */

#define MAX_STRIP_WIDTH 4096

static unsigned parse_width(struct argp_state *state, const char *arg)
{
	uint64_t v;
	if (vmc_parse_u64(arg, &v) || v < 1 || v > MAX_STRIP_WIDTH)
		argp_error(state, "--width takes 1 to %d columns, not '%s'",
			   MAX_STRIP_WIDTH, arg);
	return (unsigned)v;
}

static void need_coverage(struct argp_state *state, bool coverage,
			  unsigned width)
{
	if (width && !coverage)
		argp_error(state, "--width goes with --coverage");
}

/* How strips look: the terminal's width, and colour only on a terminal,
 * not with NO_COLOR set (no-color.org) nor on TERM=dumb. */
static struct vmc_strip_opts strip_opts(unsigned width)
{
	struct vmc_strip_opts so = { .width = width };
	if (!isatty(STDOUT_FILENO))
		return so;
	struct winsize wsz;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &wsz) == 0)
		so.term_cols = wsz.ws_col;
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	so.color = !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
	return so;
}

#define COVERAGE_HELP "Show what the page tables make of each byte of RAM: " \
	"one line per RAM range of samples (= linear map, K kernel image, V " \
	"other kernel, U user only, + several, . not mapped, x not in the " \
	"dump), then the bytes of each kind"
#define WIDTH_HELP "Columns per strip (default: fit the terminal; 64 when " \
	"not a terminal)"

/* ---- info ------------------------------------------------------------------ */

struct info_args {
	struct common_opts common;
	struct sym_opts sym;
	const char *core;
	bool coverage;
	unsigned width;
};

static const struct argp_option info_options[] = {
	{ "coverage", OPT_COVERAGE, NULL, 0, COVERAGE_HELP, 0 },
	{ "width", OPT_WIDTH, "N", 0, WIDTH_HELP, 0 },
	{ 0 }
};

static error_t info_parse(int key, char *arg, struct argp_state *state)
{
	struct info_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->sym;
		state->child_inputs[1] = &a->common;
		break;
	case OPT_COVERAGE:
		a->coverage = true;
		break;
	case OPT_WIDTH:
		a->width = parse_width(state, arg);
		break;
	case ARGP_KEY_ARG:
		take_core(state, &a->core, arg);
		break;
	case ARGP_KEY_END:
		need_core(state, a->core);
		need_coverage(state, a->coverage, a->width);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp info_argp = {
	info_options, info_parse, "CORE",
	"Describe a guest memory dump: format, CPUs with their registers and the "
	"paging mode each is in (and why), each CPU's PC (and LR on AArch64) "
	"by kernel symbol, the RAM map (guest-physical ranges and where their "
	"bytes are in the file), PT_LOAD counts by kind, notes, the KASLR "
	"offset and how it was found, the vmlinux, and a VMCOREINFO summary "
	"(-v: every note and every VMCOREINFO line). --coverage adds what "
	"remap's page-table walk makes of each byte of RAM, as strips, bytes "
	"per kind, and the totals against remap's filler (with --json: "
	"\"coverage\" and \"coverage_summary\").",
	sym_children, NULL, NULL
};

static int cmd_info(int argc, char **argv)
{
	struct info_args a = { .common = global_opts };
	argp_parse(&info_argp, argc, argv, 0, NULL, &a);
	struct session s;
	int status = session_open(&s, a.core, &a.common);
	if (status)
		return status;
	struct vmc_error *err = session_symbols(&s, &a.sym, NULL);
	if (err)
		return session_end(&s, err, 0);
	struct vmc_coverage cov;
	if (a.coverage) {
		err = vmc_coverage_of_dump(s.dump, &s.ws, &cov);
		if (err)
			return session_end(&s, vmc_error_prefix(err, "--coverage"), 0);
		s.ro.coverage = &cov;
		s.ro.strip = strip_opts(a.width);
	}
	err = vmc_report_info(stdout, s.dump, vmc_source_elf(s.src),
			      vmc_source_kdump(s.src), s.syms, &s.ro);
	if (a.coverage)
		vmc_coverage_fini(&cov);
	return session_end(&s, err, 0);
}

/* ---- ptload ----------------------------------------------------------------- */

struct ptload_args {
	struct common_opts common;
	const char *core;
	enum vmc_seg_sort sort;
};

static const struct argp_option ptload_options[] = {
	{ "list", 'l', NULL, 0, "List the PT_LOADs (the default action)", 0 },
	{ "sort", OPT_SORT, "KEY", 0, "Order rows by index (default), paddr or vaddr", 0 },
	{ 0 }
};

static error_t ptload_parse(int key, char *arg, struct argp_state *state)
{
	struct ptload_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->common;
		break;
	case 'l':
		break;
	case OPT_SORT:
		if (strcmp(arg, "index") == 0)
			a->sort = VMC_SORT_INDEX;
		else if (strcmp(arg, "paddr") == 0)
			a->sort = VMC_SORT_PADDR;
		else if (strcmp(arg, "vaddr") == 0)
			a->sort = VMC_SORT_VADDR;
		else
			argp_error(state, "--sort takes index, paddr or vaddr, not '%s'", arg);
		break;
	case ARGP_KEY_ARG:
		take_core(state, &a->core, arg);
		break;
	case ARGP_KEY_END:
		need_core(state, a->core);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp ptload_argp = {
	ptload_options, ptload_parse, "--list CORE",
	"List the program headers that carry memory, one row each: index, kind, "
	"physical range, virtual range (end exclusive), size in hex and for "
	"people, file offset and flags; then counts per kind, the RAM covered and "
	"the bytes aliases share. Kinds: virtual (p_vaddr is a page-table "
	"address), identity (p_vaddr = p_paddr: no virtual information), filler "
	"(p_vaddr 0: RAM no page table maps), absent (no data in the file).",
	common_children, NULL, NULL
};

static int cmd_ptload(int argc, char **argv)
{
	struct ptload_args a = { .common = global_opts };
	argp_parse(&ptload_argp, argc, argv, 0, NULL, &a);
	struct session s;
	int status = session_open(&s, a.core, &a.common);
	if (status)
		return status;
	struct vmc_core *elf = vmc_source_elf(s.src);
	if (!elf)
		return session_end(&s, vmc_error_new(VMC_ERR_UNSUPPORTED,
			"a %s dump has no program headers to list; "
			"'vmcore-tool info' shows its RAM map", s.dump->format), 0);
	size_t nsegs;
	const struct vmc_segment *segs = vmc_core_segments(elf, &nsegs);
	return session_end(&s, vmc_report_ptloads(stdout, s.dump, segs, nsegs,
						  a.sort, &s.ro), 0);
}

/* ---- vtop ------------------------------------------------------------------- */

struct walk_args {			/* vtop, maps, read */
	struct vmc_root_request root;
	struct common_opts common;
	struct sym_opts sym;
	const char *core;
	char **exprs;			/* addresses as given: numbers or names */
	size_t naddrs, addrs_cap;
	enum vmc_half half;
	bool phys;
	enum vmc_read_format format;
	bool have_len;
	uint64_t len;
	bool coverage;			/* maps --coverage */
	unsigned width;
};

static void walk_args_init(struct argp_state *state, struct walk_args *a)
{
	state->child_inputs[0] = &a->root;
	state->child_inputs[1] = &a->common;
}

/* vtop and read: with the symbol options (root_sym_children). */
static void walk_sym_args_init(struct argp_state *state, struct walk_args *a)
{
	state->child_inputs[0] = &a->root;
	state->child_inputs[1] = &a->sym;
	state->child_inputs[2] = &a->common;
}

static uint64_t parse_addr(struct argp_state *state, const char *arg,
			   const char *what)
{
	uint64_t v;
	if (vmc_parse_u64(arg, &v))
		argp_error(state, "%s '%s' is not a number (0x-prefixed hex or "
			   "decimal)", what, arg);
	return v;
}

/* An address argument: a number or a symbol expression, kept as given. */
static void add_expr(struct argp_state *state, struct walk_args *a, char *arg,
		     const char *what)
{
	if (!vmc_symbols_is_expr(arg))
		argp_error(state, "%s '%s' is neither a number (0x-prefixed hex "
			   "or decimal) nor a symbol (NAME, NAME+OFF, NAME-OFF)",
			   what, arg);
	if (vmc_vec_grow((void **)&a->exprs, &a->addrs_cap, a->naddrs + 1,
			 sizeof(*a->exprs)))
		argp_failure(state, EXIT_ERROR, ENOMEM, "too many addresses");
	a->exprs[a->naddrs++] = arg;
}

static error_t vtop_parse(int key, char *arg, struct argp_state *state)
{
	struct walk_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		walk_sym_args_init(state, a);
		break;
	case ARGP_KEY_ARG:
		if (!a->core) {
			a->core = arg;
			break;
		}
		add_expr(state, a, arg, "VADDR");
		break;
	case ARGP_KEY_END:
		if (!a->core)
			argp_error(state, "no CORE given");
		if (!a->naddrs)
			argp_error(state, "no VADDR given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp vtop_argp = {
	NULL, vtop_parse, "CORE VADDR...",
	"Translate virtual addresses to physical ones through the guest's page "
	"tables, printing every level as crash's vtop does: the table's physical "
	"address, the index, the raw entry and its bits, and where it leads; then "
	"the page, its size and flags (r, w or -, x or -, u(ser) or s(upervisor), "
	"g(lobal) or -). A VADDR is a number or a kernel symbol: NAME, NAME+OFF "
	"or NAME-OFF (from kallsyms in the dump, or the vmlinux). Exit status 1 "
	"when an address is not mapped or a name is unknown.",
	root_sym_children, NULL, NULL
};

static int cmd_vtop(int argc, char **argv)
{
	struct walk_args a = { .common = global_opts };
	argp_parse(&vtop_argp, argc, argv, 0, NULL, &a);
	struct session s;
	int status = session_open(&s, a.core, &a.common);
	if (!status) {
		size_t unmapped = 0;
		uint64_t *vaddrs = calloc(a.naddrs, sizeof(*vaddrs));
		const char **labels = calloc(a.naddrs, sizeof(*labels));
		struct vmc_error *err = !vaddrs || !labels ? vmc_error_nomem() :
			resolve_exprs(&s, &a.sym, &a.root, a.exprs, a.naddrs, vaddrs);
		for (size_t i = 0; !err && i < a.naddrs; i++)
			labels[i] = vmc_symbols_is_number(a.exprs[i]) ? NULL : a.exprs[i];
		if (!err)
			err = vmc_report_vtop(stdout, s.dump, &a.root, vaddrs, a.naddrs,
					      labels, &unmapped, &s.ro);
		status = session_end(&s, err, unmapped ? EXIT_NEGATIVE : 0);
		free(vaddrs);
		free(labels);
	}
	free(a.exprs);
	return status;
}

/* ---- maps ------------------------------------------------------------------- */

static const struct argp_option maps_options[] = {
	{ "kernel", OPT_KERNEL, NULL, 0, "Only the kernel half (the upper, sign-extended half)", 0 },
	{ "user", OPT_USER, NULL, 0, "Only the user half", 0 },
	{ "coverage", OPT_COVERAGE, NULL, 0, "Instead of the table: strips of the address space's halves and of each region (direct map, vmalloc, kernel image, ...) showing where anything is mapped, with the regions' bounds and where they come from", 0 },
	{ "width", OPT_WIDTH, "N", 0, WIDTH_HELP, 0 },
	{ 0 }
};

static error_t maps_parse(int key, char *arg, struct argp_state *state)
{
	struct walk_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		walk_args_init(state, a);
		break;
	case OPT_KERNEL:
	case OPT_USER:
		if (a->half != VMC_HALF_ALL)
			argp_error(state, "--kernel and --user exclude each other");
		a->half = key == OPT_KERNEL ? VMC_HALF_KERNEL : VMC_HALF_USER;
		break;
	case OPT_COVERAGE:
		a->coverage = true;
		break;
	case OPT_WIDTH:
		a->width = parse_width(state, arg);
		break;
	case ARGP_KEY_ARG:
		take_core(state, &a->core, arg);
		break;
	case ARGP_KEY_END:
		need_core(state, a->core);
		need_coverage(state, a->coverage, a->width);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp maps_argp = {
	maps_options, maps_parse, "CORE",
	"List what one page-table root maps: ranges contiguous in both virtual "
	"and physical address with equal flags and leaf size, merged; with the "
	"virtual range (end exclusive), physical start, size, flags (r, w or -, "
	"x or -, u(ser) or s(upervisor), g(lobal) or -), leaf page size, and "
	"whether the physical range is RAM in this dump (ram, partly, no), and "
	"the region of the address space it lies in (direct map, vmalloc, "
	"kernel image, modules, ...). Then counts.",
	root_children, NULL, NULL
};

static int cmd_maps(int argc, char **argv)
{
	struct walk_args a = { .common = global_opts };
	argp_parse(&maps_argp, argc, argv, 0, NULL, &a);
	struct session s;
	int status = session_open(&s, a.core, &a.common);
	if (status)
		return status;
	if (a.coverage) {
		s.ro.strip = strip_opts(a.width);
		return session_end(&s, vmc_report_maps_coverage(stdout, s.dump,
								 &a.root, a.half,
								 &s.ws, &s.ro), 0);
	}
	return session_end(&s, vmc_report_maps(stdout, s.dump, &a.root, a.half,
					       &s.ws, &s.ro), 0);
}

/* ---- read ------------------------------------------------------------------- */

static const struct argp_option read_options[] = {
	{ "phys", OPT_PHYS, NULL, 0, "ADDR is a guest-physical address", 0 },
	{ "format", OPT_FORMAT, "FMT", 0, "hex (a hexdump, the default), raw (the bytes), u64 or u32 (values in the guest's byte order, hex and decimal)", 0 },
	{ 0 }
};

static error_t read_parse(int key, char *arg, struct argp_state *state)
{
	struct walk_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		walk_sym_args_init(state, a);
		break;
	case OPT_PHYS:
		a->phys = true;
		break;
	case OPT_FORMAT:
		if (strcmp(arg, "hex") == 0)
			a->format = VMC_READ_HEX;
		else if (strcmp(arg, "raw") == 0)
			a->format = VMC_READ_RAW;
		else if (strcmp(arg, "u64") == 0)
			a->format = VMC_READ_U64;
		else if (strcmp(arg, "u32") == 0)
			a->format = VMC_READ_U32;
		else
			argp_error(state, "--format takes hex, raw, u64 or u32, not '%s'", arg);
		break;
	case ARGP_KEY_ARG:
		if (!a->core) {
			a->core = arg;
		} else if (!a->naddrs) {
			add_expr(state, a, arg, "ADDR");
		} else if (!a->have_len) {
			a->len = parse_addr(state, arg, "LEN");
			a->have_len = true;
		} else {
			argp_error(state, "too many arguments");
		}
		break;
	case ARGP_KEY_END:
		if (!a->core)
			argp_error(state, "no CORE given");
		if (!a->naddrs)
			argp_error(state, "no ADDR given");
		if (a->phys && (a->root.cpu >= 0 || a->root.have_cr3 ||
				a->root.swapper || a->root.have_ttbr0 ||
				a->root.have_ttbr1))
			argp_error(state, "--phys reads no page tables: it goes "
				   "with none of --cpu, --cr3, --swapper, --ttbr0, --ttbr1");
		if (a->phys && !vmc_symbols_is_number(a->exprs[0]))
			argp_error(state, "--phys takes a physical address; '%s' "
				   "is a symbol, a virtual address", a->exprs[0]);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp read_argp = {
	read_options, read_parse, "CORE ADDR [LEN]",
	"Read LEN bytes (default 256; K, M, G suffixes allowed) of guest memory "
	"at virtual ADDR, through the page tables of the chosen root, or at "
	"physical ADDR with --phys. ADDR is a number or a kernel symbol: NAME, "
	"NAME+OFF or NAME-OFF (from kallsyms in the dump, or the vmlinux). "
	"Prints a hexdump, the bytes themselves with --format=raw, or one value "
	"a line (address, hex, decimal) with --format=u64 or u32; --json gives "
	"an object with the values or the bytes in hex. The read stops at the "
	"first byte it cannot read, after printing what precedes it: exit "
	"status 1 when the page tables do not map its virtual address, 2 when "
	"the dump has no data at its physical address (mapped, or given with "
	"--phys).",
	root_sym_children, NULL, NULL
};

static int cmd_read(int argc, char **argv)
{
	struct walk_args a = { .common = global_opts, .len = 256 };
	argp_parse(&read_argp, argc, argv, 0, NULL, &a);
	struct session s;
	int status = session_open(&s, a.core, &a.common);
	if (!status) {
		uint64_t addr;
		struct vmc_error *err = resolve_exprs(&s, &a.sym, &a.root, a.exprs,
						      1, &addr);
		if (!err)
			err = vmc_report_read(stdout, s.dump, &a.root, addr, a.len,
					      a.phys, a.format,
					      vmc_symbols_is_number(a.exprs[0]) ?
					      NULL : a.exprs[0], &s.ro);
		status = session_end(&s, err, 0);
	}
	free(a.exprs);
	return status;
}

/* ---- remap ------------------------------------------------------------------ */

struct remap_args {
	struct vmc_root_request root;
	struct common_opts common;
	struct sym_opts sym;
	const char *core, *out;
	struct vmc_plan_opts plan;
	bool dry_run, force;
	bool coverage;
	unsigned width;
};

static const struct argp_option remap_options[] = {
	{ "output", 'o', "OUT", 0, "Write the new core to OUT", 0 },
	{ "layout", OPT_LAYOUT, "KIND", 0, "gdb (PT_LOADs by virtual address, the default) or crash (one per RAM range)", 0 },
	{ "kernel-only", OPT_KERNEL_ONLY, NULL, 0, "Leave out user-space mappings", 0 },
	{ "no-filler", OPT_NO_FILLER, NULL, 0, "gdb layout: no PT_LOADs for RAM that no page table maps", 0 },
	{ "keep-aliases", OPT_KEEP_ALIASES, NULL, 0, "gdb layout: keep every alias of a physical range mapped 256 times or more (by default only the lowest is kept)", 0 },
	{ "exclude", OPT_EXCLUDE, "VSTART-VEND", 0, "Leave out virtual addresses VSTART to VEND (inclusive; repeatable)", 0 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "Print the PT_LOADs that would be written; write nothing", 0 },
	{ "in-place", OPT_IN_PLACE, NULL, 0, "Rewrite CORE's headers only (gdb layout; data stays; safe if interrupted)", 0 },
	{ "force", OPT_FORCE, NULL, 0, "Replace OUT if it exists", 0 },
	{ "force-empty", OPT_FORCE_EMPTY, NULL, 0, "Write the core even when the page tables map under 1% of RAM (otherwise an error)", 0 },
	{ "coverage", OPT_COVERAGE, NULL, 0, COVERAGE_HELP " (with --dry-run: instead of the PT_LOAD table)", 0 },
	{ "width", OPT_WIDTH, "N", 0, WIDTH_HELP, 0 },
	{ 0 }
};

static error_t remap_parse(int key, char *arg, struct argp_state *state)
{
	struct remap_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->root;
		state->child_inputs[1] = &a->sym;
		state->child_inputs[2] = &a->common;
		break;
	case 'o':
		a->out = arg;
		break;
	case OPT_LAYOUT:
		if (strcmp(arg, "gdb") == 0)
			a->plan.layout = VMC_LAYOUT_GDB;
		else if (strcmp(arg, "crash") == 0)
			a->plan.layout = VMC_LAYOUT_CRASH;
		else
			argp_error(state, "--layout takes gdb or crash, not '%s'", arg);
		break;
	case OPT_KERNEL_ONLY:
		a->plan.kernel_only = true;
		break;
	case OPT_NO_FILLER:
		a->plan.no_filler = true;
		break;
	case OPT_KEEP_ALIASES:
		a->plan.keep_aliases = true;
		break;
	case OPT_EXCLUDE: {
		char *dash = strchr(arg, '-');
		uint64_t lo, hi;
		if (dash)
			*dash = '\0';
		if (!dash || vmc_parse_u64(arg, &lo) || vmc_parse_u64(dash + 1, &hi) ||
		    hi < lo)
			argp_error(state, "--exclude takes VSTART-VEND with "
				   "VSTART <= VEND, e.g. 0xffffff0000000000-0xffffff7fffffffff");
		struct vmc_vrange *r = vmc_vrange_vec_push(&a->plan.exclude);
		if (!r)
			argp_failure(state, EXIT_ERROR, ENOMEM, "--exclude");
		r->lo = lo;
		r->hi = hi;
		break;
	}
	case OPT_DRY_RUN:
		a->dry_run = true;
		break;
	case OPT_IN_PLACE:
		a->plan.in_place = true;
		break;
	case OPT_FORCE:
		a->force = true;
		break;
	case OPT_FORCE_EMPTY:
		a->plan.allow_empty = true;
		break;
	case OPT_COVERAGE:
		a->coverage = true;
		break;
	case OPT_WIDTH:
		a->width = parse_width(state, arg);
		break;
	case ARGP_KEY_ARG:
		take_core(state, &a->core, arg);
		break;
	case ARGP_KEY_END:
		need_core(state, a->core);
		need_coverage(state, a->coverage, a->width);
		if (!a->out && !a->dry_run && !a->plan.in_place)
			argp_error(state, "say where to write: -o OUT (or --in-place, "
				   "or --dry-run)");
		if (a->out && a->plan.in_place)
			argp_error(state, "-o and --in-place exclude each other");
		if (a->plan.in_place && a->plan.layout == VMC_LAYOUT_CRASH)
			argp_error(state, "--in-place writes the gdb layout only "
				   "(crash needs program headers at offset 64)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp remap_argp = {
	remap_options, remap_parse, "CORE -o OUT",
	"Rewrite CORE so that gdb (default) or crash reads kernel virtual "
	"addresses. The gdb layout has PT_LOADs keyed by virtual address (the "
	"kernel half of every CPU's page tables and the user half of one CPU), "
	"sorted and never overlapping, then RAM that no page table maps as "
	"PT_LOADs with p_vaddr 0. The crash layout is /proc/vmcore's: the "
	"kernel image first, then one PT_LOAD per RAM range at its linear-map "
	"address. Both keep the notes byte-exact, write each byte of RAM once, "
	"and put program headers at offset 64. CORE is never modified (except "
	"with --in-place). With the summary, remap prints the gdb command that "
	"reads the output: architecture, the vmlinux (--vmlinux, or found) at "
	"the KASLR offset, the core.",
	root_sym_children, NULL, NULL
};

static bool progress_shown;

static void show_progress(void *arg, uint64_t done, uint64_t total)
{
	static int last = -1;
	int pct = total ? (int)(done * 100 / total) : 100;
	if (pct == last)
		return;
	last = pct;
	char h1[32], h2[32];
	fprintf(stderr, "\r%s: writing %s: %3d%% (%s of %s)", prog,
		(const char *)arg, pct, vmc_human_size(done, h1, sizeof(h1)),
		vmc_human_size(total, h2, sizeof(h2)));
	progress_shown = true;
}

/* The line that says what remap wrote, and what it left out. */
static void remap_summary(const struct remap_args *a, const struct vmc_plan *plan,
			  const struct vmc_write_opts *wo)
{
	char h[32];
	fprintf(stderr, "%s: wrote %s: %zu PT_LOADs (%" PRIu64 " virtual, %"
		PRIu64 " filler), %s layout; %s of RAM not mapped by page "
		"tables; root: %s\n", prog, a->plan.in_place ? a->core : a->out,
		plan->segs.n - plan->nnotes, plan->stats.virtual_segs,
		plan->stats.filler_segs,
		plan->layout == VMC_LAYOUT_GDB ? "gdb" : "crash",
		vmc_human_size(plan->stats.filler_bytes, h, sizeof(h)),
		plan->root_why);
	if (a->common.verbose && !a->plan.in_place) {
		if (wo->shared_bytes == UINT64_MAX)
			fprintf(stderr, "%s: %s: the file system does not "
				"say which blocks are shared\n", prog, a->out);
		else
			fprintf(stderr, "%s: %s: 0x%" PRIx64 " bytes (%s) "
				"share blocks with the input (reflink)\n",
				prog, a->out, wo->shared_bytes,
				vmc_human_size(wo->shared_bytes, h, sizeof(h)));
	}
	if (plan->stats.above_4g_bytes)
		fprintf(stderr, "%s: %s of segments above 4 GiB left out: an ELF32 "
			"core cannot describe them\n", prog,
			vmc_human_size(plan->stats.above_4g_bytes, h, sizeof(h)));
	if (plan->stats.alias_runs)
		fprintf(stderr, "%s: %" PRIu64 " aliases of %" PRIu64
			" physical range%s mapped %d times or more left out "
			"(the lowest of each is kept; --keep-aliases keeps "
			"all)\n", prog, plan->stats.alias_runs,
			plan->stats.alias_groups,
			plan->stats.alias_groups == 1 ? "" : "s",
			VMC_ALIAS_FANOUT);
}

/* RAM the dump left out (kdump's excluded pages) is absent from any
 * output: say how much, and where (the first few ranges). */
static void absent_summary(const struct session *s)
{
	const struct vmc_dump *d = s->dump;
	if (!d->nabsent || s->opts.quiet)
		return;
	enum { SHOW = 6 };
	char h[32];
	fprintf(stderr, "%s: %s: 0x%" PRIx64 " bytes (%s) of RAM in %zu range%s "
		"are not in the output: the dump excluded them (or lost them)",
		prog, s->file, d->absent_bytes,
		vmc_human_size(d->absent_bytes, h, sizeof(h)), d->nabsent,
		d->nabsent == 1 ? "" : "s");
	for (size_t i = 0; i < d->nabsent && i < SHOW; i++)
		fprintf(stderr, "%s0x%" PRIx64 "-0x%" PRIx64, i ? ", " : ": ",
			d->absent[i].paddr, d->absent[i].paddr + d->absent[i].size);
	if (d->nabsent > SHOW)
		fprintf(stderr, ", and %zu more ('vmcore-tool info -v' lists "
			"them)", d->nabsent - SHOW);
	fputc('\n', stderr);
}

/*
 * The notes an output adds (kernel/): the VMCOREINFO found in RAM when the
 * input had no note, and what QEMU's dumps leave out of it (derived from
 * the dump alone). A KASLR offset from a vmlinux (symbols/: runtime _stext
 * less the vmlinux's), when there is one, replaces a derived KERNELOFFSET:
 * lines known elsewhere join `added` with vmc_kernel_addition_set().
 */
static struct vmc_error *output_notes(struct session *s,
				      const struct sym_opts *so,
				      struct vmc_kernel_addition_vec *added,
				      uint8_t **extra, size_t *len)
{
	const struct vmc_dump *d = s->dump;
	struct vmc_error *err = vmc_kernel_complete(d, added, &s->ws);
	if (!err && so && d->vmcoreinfo &&
	    !vmc_vmcoreinfo_get(d->vmcoreinfo, "KERNELOFFSET")) {
		struct vmc_symbols_opts o = {
			.vmlinux = so->vmlinux, .force_vmlinux = so->force,
			.debug_root = getenv("VMCORE_TOOL_DEBUG_ROOT"),
		};
		struct vmc_kaslr k;
		err = vmc_kaslr_offset(d, &o, &k);
		if (!err && k.how == VMC_KASLR_STEXT) {
			char value[24];
			const char *old = NULL;
			for (size_t i = 0; i < added->n; i++)
				if (strcmp(added->v[i].key, "KERNELOFFSET") == 0)
					old = added->v[i].value;
			char was[24] = "";
			if (old)
				snprintf(was, sizeof(was), "%s", old);
			snprintf(value, sizeof(value), "%" PRIx64, k.offset);
			bool replaced;
			err = vmc_kernel_addition_set(added, d, "KERNELOFFSET",
						      value, k.why, &replaced);
			if (!err && replaced)
				vmc_warn(&s->ws, "the vmlinux gives KERNELOFFSET=%s, "
					 "the dump alone %s: the vmlinux's is "
					 "written", value, was);
		}
	}
	if (!err)
		err = vmc_kernel_extra_notes(d, added->v, added->n, extra, len);
	return err;
}

/* What the output's VMCOREINFO has that the input's note did not. */
static void added_summary(const struct vmc_dump *d,
			  const struct vmc_kernel_addition_vec *added)
{
	if (d->vmcoreinfo_source && strcmp(d->vmcoreinfo_source, "note") != 0)
		fprintf(stderr, "%s: the output's VMCOREINFO note holds the "
			"kernel's text (%s)\n", prog, d->vmcoreinfo_source);
	for (size_t i = 0; i < added->n; i++)
		fprintf(stderr, "%s: added to VMCOREINFO: %s=%s (%s)\n", prog,
			added->v[i].key, added->v[i].value, added->v[i].how);
}

/* The gdb command that reads remap's output, with placeholders (VMLINUX,
 * OFFSET) for what is not known, and what they stand for (*why, or NULL). */
static struct vmc_error *remap_gdb_line(struct session *s,
					const struct remap_args *a,
					char **line, char **why)
{
	const char *gdb = vmc_gdb_find(getenv("PATH"));
	struct vmc_gdb_setup g;
	char **av = NULL;
	*line = *why = NULL;
	struct vmc_error *err = vmc_gdb_setup(s->syms, s->dump,
					      a->plan.in_place ? a->core : a->out,
					      true, &g);
	if (!err)
		err = vmc_gdb_argv(gdb ? gdb : "gdb-multiarch", &g, NULL, 0, &av);
	if (!err)
		err = vmc_gdb_shell_line(av, line);
	if (!err)
		err = vmc_gdb_hint(s->syms, s->dump, a->common.verbose, why);
	if (err) {
		free(*line);
		*line = NULL;
	}
	free(av);
	vmc_gdb_setup_fini(&g);
	return err;
}

static int cmd_remap(int argc, char **argv)
{
	struct remap_args a = { .common = global_opts };
	argp_parse(&remap_argp, argc, argv, 0, NULL, &a);
	a.plan.root = a.root;
	struct session s;
	int status = session_open(&s, a.core, &a.common);
	if (status) {
		vmc_vrange_vec_free(&a.plan.exclude);
		return status;
	}
	struct vmc_kernel_addition_vec added = {0};
	uint8_t *extra = NULL;
	struct vmc_error *err = output_notes(&s, &a.sym, &added, &extra,
					     &a.plan.extra_notes_len);
	a.plan.extra_notes = extra;
	struct vmc_plan plan;
	if (!err)
		err = vmc_plan_build(s.dump, &a.plan, &s.ws, &plan);
	if (err) {
		vmc_vrange_vec_free(&a.plan.exclude);
		vmc_kernel_addition_vec_free(&added);
		free(extra);
		return session_end(&s, err, 0);
	}
	struct vmc_write_opts wo = { .force = a.force, .shared_bytes = UINT64_MAX };
	/* The strip describes the plan: shown before anything is written. */
	if (a.coverage) {
		struct vmc_coverage cov;
		err = vmc_coverage_of_plan(s.dump, &a.plan, &plan, &cov);
		if (!err) {
			s.ro.strip = strip_opts(a.width);
			err = vmc_report_coverage(stdout, s.dump, &cov, &s.ro);
			vmc_coverage_fini(&cov);
		}
		if (err) {
			vmc_plan_fini(&plan);
			vmc_vrange_vec_free(&a.plan.exclude);
			vmc_kernel_addition_vec_free(&added);
			free(extra);
			return session_end(&s, err, 0);
		}
		fflush(stdout);
	}
	/* The gdb command for the output, worked out while the input is
	 * open (the KASLR offset may need its kallsyms). */
	char *gdb_cmd = NULL, *gdb_why = NULL;
	if (!a.dry_run && !a.common.quiet && a.plan.layout == VMC_LAYOUT_GDB &&
	    !(err = session_symbols(&s, &a.sym, &a.root)))
		err = remap_gdb_line(&s, &a, &gdb_cmd, &gdb_why);
	if (err) {
		vmc_plan_fini(&plan);
		vmc_vrange_vec_free(&a.plan.exclude);
		vmc_kernel_addition_vec_free(&added);
		free(extra);
		return session_end(&s, err, 0);
	}
	if (a.dry_run && a.coverage) {
		/* the strip was the answer */
	} else if (a.dry_run) {
		err = vmc_report_ptloads(stdout, s.dump, plan.segs.v, plan.segs.n,
					 VMC_SORT_INDEX, &s.ro);
	} else if (a.plan.in_place) {
		/* Unmap before rewriting the headers. */
		status = session_end(&s, NULL, 0);
		err = vmc_plan_write_in_place(a.core, &plan);
	} else {
		if (isatty(STDERR_FILENO) && !a.common.quiet) {
			wo.progress = show_progress;
			wo.progress_arg = (void *)a.out;
		}
		err = vmc_plan_write(s.dump, &plan, a.out, &wo);
		if (progress_shown)
			fputc('\n', stderr);
		/* Write errors name OUT themselves. */
		if (err) {
			status = report_error(NULL, err);
			err = NULL;
		}
	}
	if (!err && !status && !a.dry_run && !a.common.quiet) {
		remap_summary(&a, &plan, &wo);
		if (plan.extra_len)
			added_summary(s.dump, &added);
		if (gdb_cmd) {
			fprintf(stderr, "%s: for gdb: %s\n", prog, gdb_cmd);
			if (gdb_why)
				fprintf(stderr, "%s: %s\n", prog, gdb_why);
		}
	}
	free(gdb_cmd);
	free(gdb_why);
	if (!err && !status && !a.dry_run && s.src)
		absent_summary(&s);
	vmc_plan_fini(&plan);
	vmc_vrange_vec_free(&a.plan.exclude);
	vmc_kernel_addition_vec_free(&added);
	free(extra);
	if (s.src)
		return session_end(&s, err, status);
	return err ? report_error(a.core, err) : status;
}

/* ---- gdb --------------------------------------------------------------------- */

struct gdb_args {
	struct common_opts common;
	struct sym_opts sym;
	const char *core;
	char **gdb_args;
	size_t ngdb, cap;
	bool no_cache;
};

enum { OPT_NO_CACHE = 0x500 };

static const struct argp_option gdb_options[] = {
	{ "no-cache", OPT_NO_CACHE, NULL, 0, "Remap into a temporary file that is gone when gdb exits, not into the cache", 0 },
	{ 0 }
};

static error_t gdb_parse(int key, char *arg, struct argp_state *state)
{
	struct gdb_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->sym;
		state->child_inputs[1] = &a->common;
		break;
	case OPT_NO_CACHE:
		a->no_cache = true;
		break;
	case ARGP_KEY_ARG:
		if (!a->core) {
			a->core = arg;
			break;
		}
		if (vmc_vec_grow((void **)&a->gdb_args, &a->cap, a->ngdb + 1,
				 sizeof(*a->gdb_args)))
			argp_failure(state, EXIT_ERROR, ENOMEM, "too many arguments");
		a->gdb_args[a->ngdb++] = arg;
		break;
	case ARGP_KEY_END:
		need_core(state, a->core);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp gdb_argp = {
	gdb_options, gdb_parse, "CORE [-- GDB-ARGS...]",
	"Open CORE in gdb with kernel symbols: remap it into the gdb layout "
	"first (unless it has virtual PT_LOADs already), into a cache "
	"(${XDG_CACHE_HOME:-~/.cache}/vmcore-tool/gdb-cores/, one file per "
	"input, kept while the input's device, inode, size and mtime stay the "
	"same; its size is reported), then run gdb-multiarch (or gdb) with "
	"'set architecture' (i386, aarch64), 'symbol-file -o KASLR-OFFSET "
	"VMLINUX' and 'core-file', and GDB-ARGS after them, e.g. "
	"-- -batch -ex 'p init_uts_ns.name.release'. The vmlinux is --vmlinux "
	"or found by the dump's build-id and release; without one gdb opens the "
	"core alone, and vmcore-tool says why.",
	sym_children, NULL, NULL
};

/* Remap progress on a terminal, unless -q. */
static struct vmc_gdb_progress gdb_progress(const struct session *s,
					    const char *path)
{
	struct vmc_gdb_progress p = {0};
	if (isatty(STDERR_FILENO) && !s->opts.quiet)
		p = (struct vmc_gdb_progress){ show_progress, (void *)path };
	return p;
}

/* The end of a remap: the progress line's newline. */
static void gdb_progress_end(void)
{
	if (progress_shown)
		fputc('\n', stderr);
}

/* --no-cache: a temporary remap, unlinked at once and passed as
 * /proc/self/fd/N, which gdb inherits. */
static struct vmc_error *gdb_core_temp(struct session *s,
				       const struct gdb_args *a, char **core)
{
	char *tmp;
	struct vmc_error *err = vmc_gdb_temp_create(getenv("TMPDIR"), &tmp);
	if (err)
		return err;
	if (!a->common.quiet)
		fprintf(stderr, "%s: remapping %s for gdb (not cached)\n",
			prog, a->core);
	struct vmc_gdb_progress p = gdb_progress(s, tmp);
	int fd;
	err = vmc_gdb_remap_unlinked(s->dump, tmp, &p, &s->ws, &fd);
	gdb_progress_end();
	free(tmp);
	if (!err && asprintf(core, "/proc/self/fd/%d", fd) < 0)
		err = vmc_error_nomem();
	return err;
}

/* The cached remap of CORE: reused while CORE is unchanged, else made;
 * then the cache's size. */
static struct vmc_error *gdb_core_cached(struct session *s,
					 const struct gdb_args *a, char **core)
{
	char *dir;
	struct vmc_error *err = vmc_gdb_cache_dir(getenv("XDG_CACHE_HOME"),
						  getenv("HOME"), &dir);
	if (err)
		return err;
	struct vmc_gdb_cache_entry e;
	err = vmc_gdb_cache_lookup(dir, a->core, &e);
	if (!err && !e.reuse) {
		if (!a->common.quiet)
			fprintf(stderr, "%s: remapping %s for gdb into the cache\n",
				prog, a->core);
		struct vmc_gdb_progress p = gdb_progress(s, e.path);
		err = vmc_gdb_remap(s->dump, e.path, &p, &s->ws);
		gdb_progress_end();
	}
	if (!err) {
		struct vmc_gdb_cache_usage u;
		vmc_gdb_cache_tidy(dir, &e.key, &u);
		if (!a->common.quiet) {
			char h1[32], h2[32];
			fprintf(stderr, "%s: %s %s; the cache %s holds %zu core%s, "
				"%s on disk (%s apparent; rm -r it to free)\n", prog,
				e.reuse ? "reusing" : "cached", e.path, dir, u.files,
				u.files == 1 ? "" : "s",
				vmc_human_size(u.disk, h1, sizeof(h1)),
				vmc_human_size(u.apparent, h2, sizeof(h2)));
		}
		*core = e.path;
		e.path = NULL;
	}
	vmc_gdb_cache_entry_fini(&e);
	free(dir);
	return err;
}

/* The core gdb opens (*core, the caller frees it): CORE itself, the cached
 * remap, or (--no-cache) a temporary one. */
static struct vmc_error *gdb_core(struct session *s, const struct gdb_args *a,
				  char **core)
{
	*core = NULL;
	if (vmc_gdb_is_layout(s->src)) {
		if (!a->common.quiet)
			fprintf(stderr, "%s: %s has virtual PT_LOADs: gdb reads it "
				"as it is\n", prog, a->core);
		*core = strdup(a->core);
		return *core ? NULL : vmc_error_nomem();
	}
	return a->no_cache ? gdb_core_temp(s, a, core) :
			     gdb_core_cached(s, a, core);
}

static int cmd_gdb(int argc, char **argv)
{
	struct gdb_args a = { .common = global_opts };
	argp_parse(&gdb_argp, argc, argv, 0, NULL, &a);
	const char *gdb = vmc_gdb_find(getenv("PATH"));
	if (!gdb) {
		fprintf(stderr, "%s: neither gdb-multiarch nor gdb is on PATH "
			"(Debian: apt-get install gdb-multiarch)\n", prog);
		free(a.gdb_args);
		return EXIT_ERROR;
	}
	struct session s;
	int status = session_open(&s, a.core, &a.common);
	if (status) {
		free(a.gdb_args);
		return status;
	}
	char *core = NULL;
	struct vmc_gdb_setup g = {0};
	struct vmc_error *err = session_symbols(&s, &a.sym, NULL);
	if (!err)
		err = gdb_core(&s, &a, &core);
	if (!err)
		err = vmc_gdb_setup(s.syms, s.dump, core, false, &g);
	free(core);
	status = session_end(&s, err, 0);
	char **av = NULL;
	if (!status && (err = vmc_gdb_argv(gdb, &g, a.gdb_args, a.ngdb, &av)))
		status = report_error(NULL, err);
	if (status) {
		vmc_gdb_setup_fini(&g);
		free(a.gdb_args);
		return status;
	}
	if (g.why_none)
		fprintf(stderr, "%s: no kernel symbols for gdb: %s\n", prog,
			g.why_none);
	if (!a.common.quiet) {
		char *line;
		/* Out of memory only: gdb runs all the same. */
		struct vmc_error *lerr = vmc_gdb_shell_line(av, &line);
		if (!lerr)
			fprintf(stderr, "%s: running %s\n", prog, line);
		vmc_error_free(lerr);
		free(line);
	}
	fflush(stdout);
	execvp(gdb, av);
	int e = errno;
	free(av);
	vmc_gdb_setup_fini(&g);
	free(a.gdb_args);
	return report_error(NULL, vmc_error_errno(e, "cannot run %s", gdb));
}

/* ---- symbols ----------------------------------------------------------------- */

struct symbols_args {
	struct common_opts common;
	struct sym_opts sym;
	const char *core;
	char **exprs;
	size_t nexprs, cap;
	bool from_vmlinux;
};

enum { OPT_FROM = 0x400 };

static const struct argp_option symbols_options[] = {
	{ "from", OPT_FROM, "SOURCE", 0, "List kallsyms (the dump's own table, the default) or vmlinux", 0 },
	{ 0 }
};

static error_t symbols_parse(int key, char *arg, struct argp_state *state)
{
	struct symbols_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->sym;
		state->child_inputs[1] = &a->common;
		break;
	case OPT_FROM:
		if (strcmp(arg, "kallsyms") == 0)
			a->from_vmlinux = false;
		else if (strcmp(arg, "vmlinux") == 0)
			a->from_vmlinux = true;
		else
			argp_error(state, "--from takes kallsyms or vmlinux, not '%s'", arg);
		break;
	case ARGP_KEY_ARG:
		if (!a->core) {
			a->core = arg;
			break;
		}
		if (!vmc_symbols_is_expr(arg))
			argp_error(state, "'%s' is neither a number nor a symbol "
				   "(NAME, NAME+OFF, NAME-OFF)", arg);
		if (vmc_vec_grow((void **)&a->exprs, &a->cap, a->nexprs + 1,
				 sizeof(*a->exprs)))
			argp_failure(state, EXIT_ERROR, ENOMEM, "too many arguments");
		a->exprs[a->nexprs++] = arg;
		break;
	case ARGP_KEY_END:
		need_core(state, a->core);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp symbols_argp = {
	symbols_options, symbols_parse, "CORE [NAME|ADDR...]",
	"Without NAME or ADDR, list the kernel's symbols as /proc/kallsyms does "
	"(address, nm's type letter, name; sorted by address): the kallsyms "
	"tables decoded from the dump through its page tables (Linux 6.0 and "
	"later put their addresses in VMCOREINFO), or with --from=vmlinux the "
	"vmlinux's symbols relocated by the KASLR offset. With arguments, "
	"resolve each: a NAME, NAME+OFF or NAME-OFF to its address, an address "
	"to the symbol that holds it; one line each (argument, address, type, "
	"symbol+offset). Exit status 1 when one is not found.",
	sym_children, NULL, NULL
};

static int cmd_symbols(int argc, char **argv)
{
	struct symbols_args a = { .common = global_opts };
	argp_parse(&symbols_argp, argc, argv, 0, NULL, &a);
	struct session s;
	int status = session_open(&s, a.core, &a.common);
	if (status) {
		free(a.exprs);
		return status;
	}
	size_t missing = 0;
	struct vmc_error *err = session_symbols(&s, &a.sym, NULL);
	if (!err)
		err = vmc_report_symbols(stdout, stderr, s.syms, a.from_vmlinux ?
					 VMC_SYMS_VMLINUX : VMC_SYMS_KALLSYMS,
					 a.exprs, a.nexprs, &missing, &s.ro);
	free(a.exprs);
	return session_end(&s, err, missing ? EXIT_NEGATIVE : 0);
}

/* ---- convert ----------------------------------------------------------------- */

struct convert_args {
	struct common_opts common;
	const char *core, *out;
	bool dry_run, force;
};

static const struct argp_option convert_options[] = {
	{ "output", 'o', "OUT", 0, "Write the ELF core to OUT", 0 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "Print the PT_LOADs that would be written; write nothing", 0 },
	{ "force", OPT_FORCE, NULL, 0, "Replace OUT if it exists", 0 },
	{ 0 }
};

static error_t convert_parse(int key, char *arg, struct argp_state *state)
{
	struct convert_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->common;
		break;
	case 'o':
		a->out = arg;
		break;
	case OPT_DRY_RUN:
		a->dry_run = true;
		break;
	case OPT_FORCE:
		a->force = true;
		break;
	case ARGP_KEY_ARG:
		take_core(state, &a->core, arg);
		break;
	case ARGP_KEY_END:
		need_core(state, a->core);
		if (!a->out && !a->dry_run)
			argp_error(state, "say where to write: -o OUT (or --dry-run)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp convert_argp = {
	convert_options, convert_parse, "DUMP -o OUT",
	"Write DUMP (a kdump-compressed file, flattened or not, or an ELF core) "
	"as a plain ELF core of physical memory, as QEMU's dump-guest-memory "
	"writes with paging=false: the notes byte-exact, then one PT_LOAD per "
	"RAM range with p_vaddr = p_paddr. No page tables are walked. Pages "
	"the dump excluded are absent from OUT and listed on stderr; zero pages "
	"stay holes (OUT is sparse). i386 guests get ELFCLASS32 when all RAM "
	"lies below 4 GiB, as QEMU writes; everything else ELFCLASS64.",
	common_children, NULL, NULL
};

static int cmd_convert(int argc, char **argv)
{
	struct convert_args a = { .common = global_opts };
	argp_parse(&convert_argp, argc, argv, 0, NULL, &a);
	struct session s;
	int status = session_open(&s, a.core, &a.common);
	if (status)
		return status;
	struct vmc_plan_opts po = { .layout = VMC_LAYOUT_PHYSICAL };
	/* The output carries a complete VMCOREINFO, as remap's do. */
	struct vmc_kernel_addition_vec added = {0};
	uint8_t *extra = NULL;
	struct vmc_error *err = output_notes(&s, NULL, &added, &extra,
					     &po.extra_notes_len);
	po.extra_notes = extra;
	struct vmc_plan plan;
	if (!err)
		err = vmc_plan_build(s.dump, &po, &s.ws, &plan);
	if (err) {
		vmc_kernel_addition_vec_free(&added);
		free(extra);
		return session_end(&s, err, 0);
	}
	struct vmc_write_opts wo = { .force = a.force, .shared_bytes = UINT64_MAX };
	if (a.dry_run) {
		err = vmc_report_ptloads(stdout, s.dump, plan.segs.v, plan.segs.n,
					 VMC_SORT_INDEX, &s.ro);
	} else {
		if (isatty(STDERR_FILENO) && !a.common.quiet) {
			wo.progress = show_progress;
			wo.progress_arg = (void *)a.out;
		}
		err = vmc_plan_write(s.dump, &plan, a.out, &wo);
		if (progress_shown)
			fputc('\n', stderr);
		if (err) {
			status = report_error(NULL, err);	/* names OUT */
			err = NULL;
		} else if (!a.common.quiet) {
			char h[32];
			fprintf(stderr, "%s: wrote %s: %zu PT_LOADs (physical "
				"layout, p_vaddr = p_paddr), ELF%d, %s of RAM from "
				"a%s %s dump\n", prog, a.out,
				plan.segs.n - plan.nnotes,
				plan.elf_class == ELFCLASS64 ? 64 : 32,
				vmc_human_size(s.dump->data_bytes, h, sizeof(h)),
				s.dump->format[0] == 'e' ? "n" : "",
				s.dump->format);
			if (plan.extra_len)
				added_summary(s.dump, &added);
		}
		if (!status)
			absent_summary(&s);
	}
	vmc_plan_fini(&plan);
	vmc_kernel_addition_vec_free(&added);
	free(extra);
	return session_end(&s, err, status);
}

/* ---- dmesg ------------------------------------------------------------------- */

struct dmesg_args {
	struct common_opts common;
	const char *core;
	bool raw;
};

enum { OPT_RAW = 0x600 };

static const struct argp_option dmesg_options[] = {
	{ "raw", OPT_RAW, NULL, 0, "Start each line with its syslog prefix <N> (facility * 8 + level), as dmesg -r does", 0 },
	{ 0 }
};

static error_t dmesg_parse(int key, char *arg, struct argp_state *state)
{
	struct dmesg_args *a = state->input;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->common;
		break;
	case OPT_RAW:
		a->raw = true;
		break;
	case ARGP_KEY_ARG:
		take_core(state, &a->core, arg);
		break;
	case ARGP_KEY_END:
		need_core(state, a->core);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp dmesg_argp = {
	dmesg_options, dmesg_parse, "CORE",
	"Print the kernel log from the printk ring buffer, found through "
	"VMCOREINFO alone (no vmlinux): the lockless printk_ringbuffer of Linux "
	"5.10 and later, or the log_buf of printk_log records before it. Lines "
	"look like crash's `log`: \"[    4.722384] message\", the further lines "
	"of a multi-line record indented under the text, bytes that are neither "
	"printable nor white space as '.'. --json gives seq, ts_nsec, level, "
	"facility, caller_id, state and text per record. A corrupt record is "
	"left out with a warning; the valid ones still print.",
	common_children, NULL, NULL
};

static int cmd_dmesg(int argc, char **argv)
{
	struct dmesg_args a = { .common = global_opts };
	argp_parse(&dmesg_argp, argc, argv, 0, NULL, &a);
	struct session s;
	int status = session_open(&s, a.core, &a.common);
	if (status)
		return status;
	return session_end(&s, vmc_report_dmesg(stdout, s.dump, a.raw, &s.ws,
						&s.ro), 0);
}

/* ---- dispatch ------------------------------------------------------------------ */

struct command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
	const struct argp *argp;
};

static const struct command commands[] = {
	{ "info", "describe a dump: CPUs, paging mode, RAM map, notes, VMCOREINFO",
	  cmd_info, &info_argp },
	{ "ptload", "list the PT_LOADs (--list) with their kind", cmd_ptload,
	  &ptload_argp },
	{ "vtop", "translate virtual addresses, printing every page-table level",
	  cmd_vtop, &vtop_argp },
	{ "maps", "list what the page tables map, merged, with flags",
	  cmd_maps, &maps_argp },
	{ "read", "read guest memory by virtual or physical address",
	  cmd_read, &read_argp },
	{ "remap", "write a core that gdb or crash reads by virtual address",
	  cmd_remap, &remap_argp },
	{ "convert", "write any dump as a plain physical ELF core (no walk)",
	  cmd_convert, &convert_argp },
	{ "dmesg", "print the kernel log from the printk ring (VMCOREINFO only)",
	  cmd_dmesg, &dmesg_argp },
	{ "gdb", "remap (cached) and run gdb, the vmlinux at the KASLR offset",
	  cmd_gdb, &gdb_argp },
	{ "symbols", "list kernel symbols; resolve names and addresses",
	  cmd_symbols, &symbols_argp },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

struct top_args {
	int cmd_index;		/* argv index of COMMAND, 0 if none */
};

static error_t top_parse(int key, char *arg, struct argp_state *state)
{
	struct top_args *a = state->input;
	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &global_opts;
		break;
	case ARGP_KEY_ARG:
		/* The first non-option is COMMAND; the rest is the command's. */
		a->cmd_index = state->next - 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!a->cmd_index)
			argp_error(state, "no COMMAND given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static char *top_help_filter(int key, const char *text, void *input)
{
	(void)input;
	if (key != ARGP_KEY_HELP_POST_DOC)
		return (char *)text;
	/* The command list comes from the table, so it cannot go stale. */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return (char *)text;
	fputs("Commands:\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'%s help COMMAND' or '%s COMMAND --help' describes one. "
		"Exit status: 0 success, 1 negative answer, 2 error, 64 usage.",
		prog, prog);
	fclose(f);
	return buf;
}

static const struct argp top_argp = {
	NULL, top_parse, "COMMAND [OPTION...] CORE [ARG...]",
	"Analyze QEMU dump-guest-memory cores offline: rebuild virtual-to-physical "
	"mappings from the guest's page tables and rewrite cores for gdb and "
	"crash.\v",
	common_children, top_help_filter, NULL
};

/* Run cmd with argv[0] = "vmcore-tool CMD" so argp's usage lines read well. */
static int run_command(const struct command *cmd, int argc, char **argv)
{
	char name[64];
	snprintf(name, sizeof(name), "%s %s", prog, cmd->name);
	argv[0] = name;
	return cmd->run(argc, argv);
}

static int cmd_help(int argc, char **argv)
{
	/* `help CMD` is `CMD --help`, word for word. */
	char help[] = "--help";
	if (argc < 2) {
		char *args[] = { (char *)prog, help, NULL };
		argp_parse(&top_argp, 2, args, 0, NULL, &(struct top_args){ 0 });
		return 0;
	}
	const struct command *cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "%s: no command '%s'; '%s --help' lists them\n",
			prog, argv[1], prog);
		return EXIT_USAGE;
	}
	char *args[] = { argv[1], help, NULL };
	return run_command(cmd, 2, args);
}

static int finish_stdout(int status)
{
	/* A full disk or closed pipe must not look like success (as git does). */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: write error on standard output: %s\n", prog,
			strerror(errno));
		return EXIT_ERROR;
	}
	return status;
}

int main(int argc, char **argv)
{
	argp_err_exit_status = EXIT_USAGE;
	struct top_args a = { 0 };
	argp_parse(&top_argp, argc, argv, ARGP_IN_ORDER, NULL, &a);

	int sub_argc = argc - a.cmd_index;
	char **sub_argv = argv + a.cmd_index;
	const char *name = sub_argv[0];
	if (strcmp(name, "help") == 0)
		return finish_stdout(cmd_help(sub_argc, sub_argv));
	const struct command *cmd = find_command(name);
	if (!cmd) {
		fprintf(stderr, "%s: no command '%s'; '%s --help' lists them\n",
			prog, name, prog);
		return EXIT_USAGE;
	}
	return finish_stdout(run_command(cmd, sub_argc, sub_argv));
}
