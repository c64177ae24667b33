#!/usr/bin/python3
"""Derive a small sample core description from a real x86_64 QEMU dump.

Usage: mksample.py DUMP TRUTH.json OUTDIR NAME

DUMP is a `dump-guest-memory` ELF core taken with paging=false of an x86_64
Linux guest; TRUTH.json is the ground truth tests/realguest/guest.py recorded
for it. Writes, in OUTDIR:

  NAME.core.txt      a description for tests/mkcore.py (tests/fixtures/FORMAT.md)
  NAME.notes.gz      the dump's PT_NOTE content, byte-exact (`rawnotes`)
  NAME.physdata.gz   the kept physical pages (`physdata`)

The description copies the dump's header shape (class, machine, layout) and
every RAM block and PT_LOAD as they are in the dump, so the generated core has
the real RAM map. Of the RAM it keeps only:
  - every page-table page reachable from each CPU's CR3 (CR3 and CR4 from the
    "QEMU" notes; 4-level, or 5-level when CR4.LA57 is set), every level,
    never the leaf data pages; likewise from VMCOREINFO's swapper_pg_dir
    (SYMBOL(swapper_pg_dir) - 0xffffffff80000000 + NUMBER(phys_base));
  - the pages holding linux_banner, init_uts_ns (2 pages), jiffies_64 and
    init_task (4 pages), found through those page tables (every root must
    agree) and checked against VMCOREINFO's NUMBER(phys_base).
All other RAM reads as zero in the generated core.

The gzip files carry no timestamp, so the same dump gives the same bytes.
Python 3 standard library only; run with /usr/bin/python3.
"""

import datetime
import gzip
import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import tempfile

PAGE = 4096
ADDR_MASK = 0x000FFFFFFFFFF000      # table / 4K page address, bits 51:12
KERNEL_MAP = 0xFFFFFFFF80000000     # __START_KERNEL_map
QEMU_CR3 = 416                      # QEMUCPUState.cr[3]
QEMU_CR4 = 424                      # QEMUCPUState.cr[4]
CR4_LA57 = 1 << 12
PT_LOAD, PT_NOTE = 1, 4
EM_X86_64 = 62
PN_XNUM = 0xFFFF

# Kernel symbols whose pages are kept: (name, pages from the symbol's page).
# linux_banner gets the pages its string spans instead.
SYMBOL_PAGES = [("linux_banner", None), ("init_uts_ns", 2),
                ("jiffies_64", 1), ("init_task", 4)]

LEVEL_NAMES = {5: "PML5", 4: "PML4", 3: "PDPT", 2: "PD", 1: "PT"}


class SampleError(Exception):
    pass


# --------------------------------------------------------------------------
# The dump

class Dump:
    def __init__(self, path):
        self.path = path
        self.f = open(path, "rb")
        self.size = os.fstat(self.f.fileno()).st_size
        self.read_headers()

    def pread(self, offset, length):
        self.f.seek(offset)
        data = self.f.read(length)
        if len(data) != length:
            raise SampleError("%s: short read of %d bytes at 0x%x"
                              % (self.path, length, offset))
        return data

    def read_headers(self):
        ident = self.pread(0, 16)
        if ident[:4] != b"\x7fELF":
            raise SampleError("%s: not an ELF file" % self.path)
        if ident[4] != 2 or ident[5] != 1:
            raise SampleError("%s: not ELFCLASS64 little-endian" % self.path)
        (e_type, e_machine, e_version, e_entry, e_phoff, e_shoff, e_flags,
         e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum,
         _shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH",
                                         self.pread(16, 48))
        # Fields mkcore writes with fixed values; any other value in the
        # dump is copied with `set` (QEMU 7.2 writes e_ehsize = 8).
        self.quirks = []
        for field, value, standard in (
                ("e_ident[6]", ident[6], 1), ("e_ident[7]", ident[7], 0),
                ("e_ident[8]", ident[8], 0), ("e_version", e_version, 1),
                ("e_entry", e_entry, 0), ("e_flags", e_flags, 0),
                ("e_ehsize", e_ehsize, 64)):
            if value != standard:
                self.quirks.append((field, value, standard))
        if any(ident[9:16]):
            raise SampleError("%s: e_ident padding is not zero" % self.path)
        if e_type != 4 or e_machine != EM_X86_64:
            raise SampleError("%s: not an x86_64 core (e_type %d, e_machine "
                              "%d)" % (self.path, e_type, e_machine))
        if e_phnum == PN_XNUM or e_phentsize != 56:
            raise SampleError("%s: PN_XNUM or odd e_phentsize: not a "
                              "paging=false dump" % self.path)
        # QEMU >= 7.2: section headers at 64, program headers after them.
        if e_shoff == 64 and e_shnum >= 2 and e_phoff == 64 + e_shnum * 64:
            self.layout = "new"
        elif e_phoff == 64 and e_shnum == 0:
            self.layout = "old"
        else:
            raise SampleError("%s: unknown layout (e_phoff %d, e_shoff %d, "
                              "e_shnum %d)" % (self.path, e_phoff, e_shoff,
                                               e_shnum))
        self.phdrs = []
        raw = self.pread(e_phoff, e_phnum * 56)
        for i in range(e_phnum):
            self.phdrs.append(struct.unpack_from("<IIQQQQQQ", raw, i * 56))
        if not self.phdrs or self.phdrs[0][0] != PT_NOTE:
            raise SampleError("%s: phdr[0] is not the PT_NOTE" % self.path)
        _t, _fl, note_off, _v, _p, note_size, _m, _a = self.phdrs[0]
        self.notes = self.pread(note_off, note_size)
        self.note_off = note_off
        # One PT_LOAD per RAM block, identity vaddr, RAM written once in
        # block order right after the notes: what mkcore reproduces.
        self.loads = []
        expect_off = note_off + note_size
        for i, (p_type, p_flags, off, vaddr, paddr, filesz, memsz,
                align) in enumerate(self.phdrs[1:], 1):
            if p_type != PT_LOAD:
                raise SampleError("phdr[%d] is not a PT_LOAD" % i)
            if (vaddr != paddr or filesz != memsz or off != expect_off
                    or p_flags or align):
                raise SampleError(
                    "phdr[%d] (paddr 0x%x) is not a plain paging=false "
                    "PT_LOAD: vaddr 0x%x filesz 0x%x memsz 0x%x offset 0x%x "
                    "(expected 0x%x) flags %d align %d"
                    % (i, paddr, vaddr, filesz, memsz, off, expect_off,
                       p_flags, align))
            if off + filesz > self.size:
                raise SampleError("phdr[%d] runs past the end of the file"
                                  % i)
            self.loads.append((paddr, filesz, off))
            expect_off += filesz
        self.ram_end = expect_off       # .shstrtab (new layout) or EOF
        if not self.loads:
            raise SampleError("%s: no PT_LOAD" % self.path)

    def offset_of(self, paddr, length):
        for start, size, off in self.loads:
            if start <= paddr and paddr + length <= start + size:
                return off + paddr - start
        return None

    def read_phys(self, paddr, length):
        off = self.offset_of(paddr, length)
        if off is None:
            raise SampleError("physical 0x%x+0x%x is not in the dump"
                              % (paddr, length))
        return self.pread(off, length)

    def sha256(self):
        h = hashlib.sha256()
        self.f.seek(0)
        for chunk in iter(lambda: self.f.read(1 << 20), b""):
            h.update(chunk)
        return h.hexdigest()


def parse_notes(data):
    """Yield (name, type, desc) from PT_NOTE content."""
    pos = 0
    while pos + 12 <= len(data):
        namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
        pos += 12
        name = data[pos:pos + namesz].rstrip(b"\0").decode("latin-1")
        pos += (namesz + 3) & ~3
        desc = data[pos:pos + descsz]
        pos += (descsz + 3) & ~3
        if pos > len(data):
            raise SampleError("note %r runs past the PT_NOTE" % name)
        yield name, ntype, desc


def cpu_states(notes):
    cpus = []
    for name, ntype, desc in parse_notes(notes):
        if name == "QEMU" and ntype == 0:
            if len(desc) < QEMU_CR4 + 8:
                raise SampleError("QEMU note too short (%d bytes)" % len(desc))
            cr3, cr4 = struct.unpack_from("<QQ", desc, QEMU_CR3)
            cpus.append((cr3, cr4))
    if not cpus:
        raise SampleError("no QEMU CPU-state notes: CR3 unknown")
    return cpus


def vmcoreinfo(notes):
    for name, _ntype, desc in parse_notes(notes):
        if name == "VMCOREINFO":
            info = {}
            for line in desc.decode("latin-1").split("\n"):
                key, sep, value = line.partition("=")
                if sep:
                    info[key] = value.strip("\0 ")
            return info
    return {}


# --------------------------------------------------------------------------
# Page tables

def walk_tables(dump, roots, levels):
    """Every table page reachable from the roots, each visited once.

    Returns ({paddr: level}, number of present non-leaf entries whose table
    lies outside the dump)."""
    tables, outside = {}, 0
    todo = []
    for root in roots:
        if root not in tables:
            tables[root] = levels
            todo.append(root)
    while todo:
        table = todo.pop()
        level = tables[table]
        if level == 1:
            continue                    # PT entries all point at data pages
        entries = struct.unpack("<512Q", dump.read_phys(table, PAGE))
        for entry in entries:
            if not entry & 1:
                continue
            if level in (3, 2) and entry & 0x80:
                continue                # 1G / 2M leaf
            child = entry & ADDR_MASK
            if child in tables:
                continue
            if dump.offset_of(child, PAGE) is None:
                outside += 1
                continue
            tables[child] = level - 1
            todo.append(child)
    return tables, outside


def translate(dump, root, levels, vaddr):
    """(paddr, leaf size) of vaddr through the tables at root, or None."""
    table = root
    for level in range(levels, 0, -1):
        shift = 12 + 9 * (level - 1)
        index = (vaddr >> shift) & 0x1FF
        entry = struct.unpack("<Q", dump.read_phys(table + 8 * index, 8))[0]
        if not entry & 1:
            return None
        if level == 1 or (level in (3, 2) and entry & 0x80):
            size = 1 << shift
            base = entry & ADDR_MASK & ~(size - 1)
            return base + (vaddr & (size - 1)), size
        table = entry & ADDR_MASK
    return None


# --------------------------------------------------------------------------
# Output

def gz(data):
    """Deterministic gzip: no name, mtime 0."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0,
                       compresslevel=9) as f:
        f.write(data)
    return buf.getvalue()


def physdata(dump, pages):
    """{u64 paddr, u64 len, bytes} records, one per run of adjacent pages."""
    out = bytearray()
    runs = []
    for paddr in sorted(pages):
        if runs and runs[-1][0] + runs[-1][1] == paddr and \
                dump.offset_of(runs[-1][0], runs[-1][1] + PAGE) is not None:
            runs[-1][1] += PAGE
        else:
            runs.append([paddr, PAGE])
    for paddr, length in runs:
        out += struct.pack("<QQ", paddr, length)
        out += dump.read_phys(paddr, length)
    return bytes(out), len(runs)


def home_short(path):
    home = os.path.expanduser("~")
    path = os.path.abspath(path)
    if home != "/" and path.startswith(home + "/"):
        return "~" + path[len(home):]
    return path


def num(value):
    """Sizes as G/M when exact, K below 1M, else hex."""
    for suffix, unit in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if value and value % unit == 0 and (unit > 1024 or value < 1 << 20):
            return "%d%s" % (value // unit, suffix)
    return "0x%x" % value


def self_check(dump, desc_path, pages, banner):
    """Generate the core with mkcore.py (next to this script) and compare it
    with the dump. Returns a list of problems, or None without mkcore."""
    mkcore = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "mkcore.py")
    if not os.path.exists(mkcore):
        return None
    problems = []
    with tempfile.TemporaryDirectory(prefix="mksample-") as tmp:
        out = os.path.join(tmp, "sample.core")
        run = subprocess.run([sys.executable, mkcore, desc_path, out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if run.returncode:
            return ["mkcore failed: %s" % run.stderr.decode().strip()]
        gen = Dump(out)
        if gen.size != dump.size:
            problems.append("size %d, dump %d" % (gen.size, dump.size))
        # Headers, phdrs, notes: everything before RAM; and after RAM.
        if gen.pread(0, dump.loads[0][2]) != dump.pread(0, dump.loads[0][2]):
            problems.append("headers or notes differ")
        tail = dump.size - dump.ram_end
        if gen.size == dump.size and \
                gen.pread(dump.ram_end, tail) != dump.pread(dump.ram_end, tail):
            problems.append("data after RAM (.shstrtab) differs")
        bad = [p for p in sorted(pages)
               if gen.read_phys(p, PAGE) != dump.read_phys(p, PAGE)]
        if bad:
            problems.append("%d kept pages differ, first 0x%x"
                            % (len(bad), bad[0]))
        paddr, text = banner
        if gen.read_phys(paddr, len(text)) != text:
            problems.append("linux_banner differs at 0x%x" % paddr)
        gen.f.close()
    return problems


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    dump_path, truth_path, outdir, name = argv[1:]
    with open(truth_path) as f:
        truth = json.load(f)
    dump = Dump(dump_path)

    dump_info = truth.get("dumps", {}).get(os.path.basename(dump_path), {})
    if dump_info.get("paging", False):
        raise SampleError("truth.json says %s was taken with paging=true"
                          % os.path.basename(dump_path))
    if "bytes" in dump_info and dump_info["bytes"] != dump.size:
        raise SampleError("truth.json says %s has %d bytes, it has %d: not "
                          "the dump this truth describes"
                          % (dump_path, dump_info["bytes"], dump.size))

    # -- page tables from every CPU's CR3
    cpus = cpu_states(dump.notes)
    la57 = {bool(cr4 & CR4_LA57) for _cr3, cr4 in cpus}
    if len(la57) != 1:
        raise SampleError("CPUs disagree on CR4.LA57")
    levels = 5 if la57.pop() else 4
    roots = []
    for cr3, _cr4 in cpus:
        if (cr3 & ADDR_MASK) not in roots:
            roots.append(cr3 & ADDR_MASK)
    cpu_roots = list(roots)

    # VMCOREINFO's swapper_pg_dir is a root too (vmcore-tool's --swapper,
    # drgn): keep its tables as well, so that route reads real tables.
    info = vmcoreinfo(dump.notes)
    phys_base = None
    if "NUMBER(phys_base)" in info:
        text = info["NUMBER(phys_base)"]
        phys_base = int(text, 16) if text.lower().startswith(("0x", "-0x")) \
            else int(text)              # Linux prints it with %ld
    swapper = None
    if phys_base is not None and "SYMBOL(swapper_pg_dir)" in info:
        swapper = (int(info["SYMBOL(swapper_pg_dir)"], 16) - KERNEL_MAP
                   + phys_base) & (2**64 - 1)
        if dump.offset_of(swapper, PAGE) is None:
            raise SampleError("swapper_pg_dir at 0x%x is not in the dump"
                              % swapper)
        if swapper not in roots:
            roots.append(swapper)
    tables, outside = walk_tables(dump, roots, levels)

    # -- the symbols' pages, through every root's tables and phys_base
    symbols = {k: int(v, 16) for k, v in truth["symbols"].items()}

    def to_phys(what, vaddr):
        found = {translate(dump, root, levels, vaddr) for root in roots}
        if len(found) != 1 or None in found:
            raise SampleError("%s (0x%x) translates differently or not at "
                              "all through the roots' tables: %s"
                              % (what, vaddr, sorted(found, key=str)))
        paddr, size = found.pop()
        if phys_base is not None:
            via_base = (vaddr - KERNEL_MAP + phys_base) & (2**64 - 1)
            if via_base != paddr:
                raise SampleError("%s (0x%x): page tables give 0x%x, "
                                  "phys_base gives 0x%x"
                                  % (what, vaddr, paddr, via_base))
        return paddr, size

    data_pages = {}                     # paddr -> symbol
    sym_report = []
    banner_expected = (truth["version"] + "\n").encode()
    for sym, npages in SYMBOL_PAGES:
        vaddr = symbols[sym]
        paddr, leaf = to_phys(sym, vaddr)
        if sym == "linux_banner":
            banner = (paddr, banner_expected)
        if npages is None:              # linux_banner: the string's pages
            text = b""
            while b"\0" not in text and len(text) < 4096:
                va = vaddr + len(text)
                pa, _ = to_phys(sym, va)
                text += dump.read_phys(pa, PAGE - (va & (PAGE - 1)))
            text = text.split(b"\0")[0]
            if text != banner_expected:
                raise SampleError("linux_banner reads %r, truth.json's "
                                  "version is %r" % (text, banner_expected))
            end = vaddr + len(text) + 1
        else:
            end = (vaddr & ~(PAGE - 1)) + npages * PAGE
        page_vas = range(vaddr & ~(PAGE - 1), end, PAGE)
        for va in page_vas:
            pa = to_phys(sym, va)[0] & ~(PAGE - 1)
            data_pages.setdefault(pa, sym)
        sym_report.append((sym, vaddr, paddr, leaf, len(page_vas)))

    # -- write the three files
    pages = set(tables) | set(data_pages)
    pdata, nruns = physdata(dump, pages)
    notes_gz, pdata_gz = gz(dump.notes), gz(pdata)
    os.makedirs(outdir, exist_ok=True)
    notes_name, pdata_name = name + ".notes.gz", name + ".physdata.gz"
    with open(os.path.join(outdir, notes_name), "wb") as f:
        f.write(notes_gz)
    with open(os.path.join(outdir, pdata_name), "wb") as f:
        f.write(pdata_gz)

    per_level = {}
    for level in tables.values():
        per_level[level] = per_level.get(level, 0) + 1
    qemu = truth.get("qemu", {})
    kernel = truth.get("kernel", {})
    dump_mtime = datetime.datetime.fromtimestamp(
        os.stat(dump_path).st_mtime, datetime.timezone.utc)
    today = datetime.datetime.now(datetime.timezone.utc)
    command = "/usr/bin/python3 tests/mksample.py %s %s %s %s" % (
        home_short(dump_path), home_short(truth_path),
        outdir if not os.path.isabs(outdir) else home_short(outdir), name)
    cpu_text = ", ".join("CPU %d CR3 0x%x CR4 0x%x" % (i, cr3, cr4)
                         for i, (cr3, cr4) in enumerate(cpus))
    if swapper is None:
        swapper_text = "VMCOREINFO names no swapper_pg_dir/phys_base"
    elif swapper in cpu_roots:
        swapper_text = "swapper_pg_dir 0x%x is a CPU's CR3" % swapper
    else:
        swapper_text = "plus swapper_pg_dir 0x%x from VMCOREINFO" % swapper
    level_text = ", ".join("%d %s" % (per_level.get(lv, 0), LEVEL_NAMES[lv])
                           for lv in range(levels, 0, -1))

    lines = [
        "# %s: a sample derived from a real QEMU dump (tests/mksample.py)."
        % name,
        "#",
        "# Source: dump-guest-memory format=elf paging=false of the %s guest"
        % truth.get("guest", "?"),
        "#   %s" % truth["version"],
        "#   kernel package %s %s; QEMU %s (%s), -M %s -cpu %s -smp %s -m %s;"
        % (kernel.get("package", "?"), kernel.get("version", "?"),
           qemu.get("version", "?"), qemu.get("package", "?"),
           qemu.get("machine", "?"), qemu.get("cpu", "?"),
           qemu.get("smp", "?"), qemu.get("memory_mb", "?")),
        "#   dump %s, %d bytes, sha256 %s,"
        % (os.path.basename(dump_path), dump.size, dump.sha256()),
        "#   taken %s (tests/realguest/guest.py %s); sample made %s."
        % (dump_mtime.strftime("%Y-%m-%d %H:%M UTC"),
           truth.get("guest", "GUEST"), today.strftime("%Y-%m-%d")),
        "#",
        "# Made by:",
        "#   %s" % command,
        "#",
        "# Kept exactly as in the dump: ELF class, machine and layout, every RAM",
        "# block and PT_LOAD (paddr, size; vaddr = paddr), and the PT_NOTE content",
        "# byte for byte (%s: PRSTATUS and QEMU CPU state per CPU, VMCOREINFO)."
        % notes_name,
        "# Kept of the RAM (%s, %d records):" % (pdata_name, nruns),
        "#   - every page-table page reachable from the CPUs' CR3 (%d-level;"
        % levels,
        "#     %s;" % cpu_text,
        "#     %s): %s," % (swapper_text, level_text),
        "#     each walked once; leaf data pages are not kept;",
        "#   - the pages of " + ", ".join(
            "%s (%d)" % (s, n) for s, _v, _p, _l, n in sym_report) + ",",
        "#     found through every root's tables and checked against",
        "#     NUMBER(phys_base) (expect lines below).",
        "# All other RAM reads as zero.",
        "",
        "class 64",
        "data lsb",
        "machine x86_64",
        "type core",
        "layout %s" % dump.layout,
        "",
    ]
    if dump.quirks:
        lines.append("# Header fields as the dump has them (mkcore's own value "
                     "in brackets):")
        for field, value, standard in dump.quirks:
            lines.append("set %s %d   # [%d]" % (field, value, standard))
        lines.append("")
    lines += [
        "rawnotes %s" % notes_name,
        "",
    ]
    for paddr, size, _off in dump.loads:
        lines.append("ram 0x%x %s" % (paddr, num(size)))
    for paddr, size, _off in dump.loads:
        lines.append("load 0x%x %s" % (paddr, num(size)))
    lines += ["", "physdata %s" % pdata_name, ""]
    lines.append("# Kernel symbols (truth.json) and where the page tables put "
                 "them.")
    for sym, vaddr, paddr, leaf, _n in sym_report:
        lines.append("expect vtop 0x%x 0x%x %s   # %s"
                     % (vaddr, paddr, num(leaf), sym))
    desc_path = os.path.join(outdir, name + ".core.txt")
    with open(desc_path, "w") as f:
        f.write("\n".join(lines) + "\n")

    # -- summary
    print("%s: %s layout, %d PT_LOADs, %d CPUs, %d-level paging"
          % (dump_path, dump.layout, len(dump.loads), len(cpus), levels))
    print("roots: %s; %s" % (cpu_text, swapper_text))
    print("table pages: %s (%d in all)" % (level_text, len(tables)))
    if outside:
        print("present non-leaf entries pointing outside the dump: %d "
              "(skipped)" % outside)
    for sym, vaddr, paddr, leaf, n in sym_report:
        print("  %-13s 0x%016x -> 0x%09x (%s leaf), %d page(s)"
              % (sym, vaddr, paddr, num(leaf), n))
    shared = len(set(data_pages) & set(tables))
    print("data pages kept: %d%s" % (len(set(data_pages)),
          " (%d of them also table pages)" % shared if shared else ""))
    print("kept pages: %d (%d KiB raw) in %d physdata records"
          % (len(pages), len(pages) * 4, nruns))
    for fname, data in ((desc_path, None),
                        (os.path.join(outdir, notes_name), notes_gz),
                        (os.path.join(outdir, pdata_name), pdata_gz)):
        print("  %-40s %8d bytes" % (fname, os.path.getsize(fname)))
    total = sum(os.path.getsize(os.path.join(outdir, n)) for n in
                (name + ".core.txt", notes_name, pdata_name))
    print("total: %d bytes (physdata %d raw, notes %d raw)"
          % (total, len(pdata), len(dump.notes)))
    for field, value, standard in dump.quirks:
        print("copied header quirk: %s = %d (mkcore's default %d)"
              % (field, value, standard))
    problems = self_check(dump, desc_path, pages, banner)
    if problems is None:
        print("self-check skipped: no mkcore.py next to this script")
    elif problems:
        for problem in problems:
            sys.stderr.write("mksample: self-check: %s\n" % problem)
        return 1
    else:
        print("self-check: mkcore's core has the dump's size, headers, notes "
              "and .shstrtab byte for byte, and the %d kept pages" % len(pages))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (SampleError, OSError, KeyError, ValueError) as e:
        sys.stderr.write("mksample: %s\n" % e)
        sys.exit(1)
