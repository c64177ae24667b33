/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * symbols: a vmlinux's symbol table through libelf and libdwfl, relocated
 * by the KASLR offset (KDUMP-AND-SYMBOLS.md D.2: the image is reported as
 * a module at its link-time bounds plus the offset, whose bias libdwfl
 * then applies; the Dwfl stays open for DWARF types later).
 */
#include "symbols.h"

#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct vmc_vmlinux {
	char *path;
	int fd;
	Elf *elf;
	char build_id[2 * 64 + 1];
	uint64_t lo, hi;		/* the image: [lo, hi) at link time */
	Dwfl *dwfl;
	char *debuginfo_path;		/* Dwfl_Callbacks wants a char ** */
	Dwfl_Callbacks cb;
};

static struct vmc_error *elf_fail(const char *what)
{
	return vmc_error_new(VMC_ERR_FORMAT, "%s: %s", what, elf_errmsg(-1));
}

/* The image's bounds: the first PT_LOAD's address (as libdwfl takes it:
 * aligned down to p_align) to the end of the last one above it. x86_64's
 * per-CPU PT_LOAD is linked at 0 and is not part of it. */
static struct vmc_error *image_bounds(struct vmc_vmlinux *vm)
{
	size_t phnum;
	if (elf_getphdrnum(vm->elf, &phnum))
		return elf_fail("program headers");
	bool first = true;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(vm->elf, (int)i, &ph))
			return elf_fail("program header");
		if (ph.p_type != PT_LOAD)
			continue;
		if (first) {
			uint64_t align = ph.p_align ? ph.p_align : 1;
			if (align & (align - 1))
				align = 1;
			vm->lo = ph.p_vaddr & ~(align - 1);
			vm->hi = vm->lo;
			first = false;
		}
		if (ph.p_vaddr >= vm->lo && ph.p_vaddr + ph.p_memsz > vm->hi &&
		    ph.p_vaddr + ph.p_memsz >= ph.p_vaddr)
			vm->hi = ph.p_vaddr + ph.p_memsz;
	}
	if (first)
		return vmc_error_new(VMC_ERR_FORMAT, "no PT_LOAD: not a kernel image");
	return NULL;
}

struct vmc_error *vmc_vmlinux_open(const char *path, struct vmc_vmlinux **out)
{
	struct vmc_vmlinux *vm = calloc(1, sizeof(*vm));
	if (!vm || !(vm->path = strdup(path))) {
		free(vm);
		return vmc_error_nomem();
	}
	vm->fd = -1;
	struct vmc_error *err = NULL;
	elf_version(EV_CURRENT);
	vm->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (vm->fd < 0) {
		err = vmc_error_errno(errno, "cannot open");
		goto fail;
	}
	vm->elf = elf_begin(vm->fd, ELF_C_READ_MMAP, NULL);
	if (!vm->elf || elf_kind(vm->elf) != ELF_K_ELF) {
		err = vmc_error_new(VMC_ERR_FORMAT, "not an ELF file (a vmlinux "
				    "with symbols is; a compressed vmlinuz is not)");
		goto fail;
	}
	GElf_Ehdr eh;
	if (!gelf_getehdr(vm->elf, &eh)) {
		err = elf_fail("ELF header");
		goto fail;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		err = vmc_error_new(VMC_ERR_FORMAT, "ELF type %u: not a kernel "
				    "image (ET_EXEC or ET_DYN)", eh.e_type);
		goto fail;
	}
	const void *id;
	ssize_t n = dwelf_elf_gnu_build_id(vm->elf, &id);
	for (ssize_t i = 0; i < n && i < 64; i++)
		snprintf(vm->build_id + 2 * i, 3, "%02x", ((const uint8_t *)id)[i]);
	if ((err = image_bounds(vm)))
		goto fail;
	*out = vm;
	return NULL;
fail:
	vmc_vmlinux_close(vm);
	return err;
}

void vmc_vmlinux_close(struct vmc_vmlinux *vm)
{
	if (!vm)
		return;
	if (vm->dwfl)
		dwfl_end(vm->dwfl);
	if (vm->elf)
		elf_end(vm->elf);
	if (vm->fd >= 0)
		close(vm->fd);
	free(vm->path);
	free(vm);
}

const char *vmc_vmlinux_build_id(const struct vmc_vmlinux *vm)
{
	return vm->build_id;
}

struct vmc_error *vmc_vmlinux_stext(struct vmc_vmlinux *vm, uint64_t *out)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(vm->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB ||
		    !sh.sh_entsize)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data)
			return elf_fail(".symtab");
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym))
				break;
			const char *name = elf_strptr(vm->elf, sh.sh_link, sym.st_name);
			if (name && strcmp(name, "_stext") == 0) {
				*out = sym.st_value;
				return NULL;
			}
		}
	}
	return vmc_error_new(VMC_ERR_NOT_FOUND, "no _stext in its symbol table");
}

/* libdwfl asks for the image's ELF once: a descriptor and an Elf of its
 * own (it closes both). */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname,
		    Dwarf_Addr base, char **file_name, Elf **elfp)
{
	(void)mod;
	(void)modname;
	(void)base;
	const struct vmc_vmlinux *vm = *userdata;
	int fd = open(vm->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	*elfp = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	*file_name = strdup(vm->path);
	if (!*elfp || !*file_name) {
		if (*elfp)
			elf_end(*elfp);
		free(*file_name);
		*elfp = NULL;
		*file_name = NULL;
		close(fd);
		return -1;
	}
	return fd;
}

/* nm's letter for a symbol (binutils nm.c, which kallsyms' letters come
 * from: scripts/kallsyms.c reads nm's output). */
static char type_letter(Elf *elf, const GElf_Sym *sym, GElf_Word shndx)
{
	int bind = GELF_ST_BIND(sym->st_info), type = GELF_ST_TYPE(sym->st_info);
	char c;
	if (bind == STB_WEAK)
		return type == STT_OBJECT ? 'V' : 'W';
	if (shndx == SHN_ABS) {
		c = 'a';
	} else if (shndx == SHN_COMMON) {
		c = 'c';
	} else {
		GElf_Shdr sh;
		Elf_Scn *scn = elf ? elf_getscn(elf, shndx) : NULL;
		if (!scn || !gelf_getshdr(scn, &sh))
			c = type == STT_FUNC ? 't' : 'd';
		else if (sh.sh_flags & SHF_EXECINSTR)
			c = 't';
		else if (sh.sh_type == SHT_NOBITS)
			c = 'b';
		else if (!(sh.sh_flags & SHF_WRITE))
			c = 'r';
		else
			c = 'd';
	}
	return bind == STB_GLOBAL ? (char)(c - 'a' + 'A') : c;
}

struct vmc_error *vmc_vmlinux_symbols(struct vmc_vmlinux *vm, uint64_t offset,
				      struct vmc_symtab *t)
{
	if (!vm->dwfl) {
		vm->cb = (Dwfl_Callbacks){
			.find_elf = find_elf,
			.find_debuginfo = dwfl_standard_find_debuginfo,
			.section_address = dwfl_offline_section_address,
			.debuginfo_path = &vm->debuginfo_path,
		};
		vm->dwfl = dwfl_begin(&vm->cb);
		if (!vm->dwfl)
			return vmc_error_new(VMC_ERR_NOMEM, "libdwfl: %s",
					     dwfl_errmsg(-1));
	}
	dwfl_report_begin(vm->dwfl);
	Dwfl_Module *mod = dwfl_report_module(vm->dwfl, "kernel",
					      vm->lo + offset, vm->hi + offset);
	if (!mod) {
		dwfl_report_end(vm->dwfl, NULL, NULL);
		return vmc_error_new(VMC_ERR_FORMAT, "libdwfl: %s", dwfl_errmsg(-1));
	}
	void **ud;
	dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
	*ud = vm;
	dwfl_report_end(vm->dwfl, NULL, NULL);
	Dwarf_Addr bias;
	if (!dwfl_module_getelf(mod, &bias))
		return vmc_error_new(VMC_ERR_FORMAT, "libdwfl: %s", dwfl_errmsg(-1));
	if (bias != offset)
		return vmc_error_new(VMC_ERR_FORMAT, "libdwfl relocated the image "
				     "by 0x%" PRIx64 ", not by the KASLR offset 0x%"
				     PRIx64, (uint64_t)bias, offset);
	int n = dwfl_module_getsymtab(mod);
	if (n < 0)
		return vmc_error_new(VMC_ERR_FORMAT, "symbol table: %s",
				     dwfl_errmsg(-1));
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		Elf *elf;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr,
							   &shndx, &elf, NULL);
		int type = GELF_ST_TYPE(sym.st_info);
		if (!name || !*name || name[0] == '$' || shndx == SHN_UNDEF ||
		    type == STT_SECTION || type == STT_FILE)
			continue;
		/* Outside the image (x86_64 per-CPU symbols, absolute ones),
		 * the link-time value is the address. */
		uint64_t a = sym.st_value >= vm->lo && sym.st_value < vm->hi &&
			     shndx != SHN_ABS ? addr : sym.st_value;
		struct vmc_error *err = vmc_symtab_add(t, name, strlen(name), a,
						       sym.st_size,
						       type_letter(elf, &sym, shndx));
		if (err)
			return err;
	}
	return NULL;
}
