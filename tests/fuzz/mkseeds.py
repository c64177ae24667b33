#!/usr/bin/python3
"""mkseeds.py CORES DESCS OUT -- seed corpora for the fuzz harnesses.

CORES are the directories of cores mkcore.py built (the fixtures, and the
fuzz-only descriptions of tests/fuzz/seeds/), DESCS the directories of their
descriptions, each colon-separated; OUT receives one directory per harness
(tests/fuzz/README.md "Seeds"):

  core/        every core, compacted: the same headers, notes and physical
               addresses, but only the RAM blocks (4K, or the AArch64
               granule) that hold a non-zero byte, each run of them one
               PT_LOAD; cores of 128K or less are copied as they are
  core-light/  the same without the HEAVY ones, for the harnesses that walk
               from every root several times a run
  translate/   each compacted core with an 88-byte tail (the request and
               addresses of the description's `expect` lines)
  vmcoreinfo/  each distinct VMCOREINFO note's text
  notes/       each core's PT_NOTE bytes, behind the two control bytes
  x86-tables/  the RAM of x86 cores whose page tables lie in the first
               256K, behind the 16 control bytes
  printk/      the RAM from 0x100000 of cores with a printk ring there
               (mkcore's `printk ring|logbuf at=0x100000`), behind 4 bytes
  vmcoreinfo-ram/  the RAM from 1 MiB of cores with VMCOREINFO in RAM
               (mkcore's `vmcoreinfo-ram`), behind 2 control bytes
  input/       small cores gzipped (one member and two) and lz4-compressed
               (raw), and as payloads for the harness to compress itself
  symbols/     kallsyms tables (mkcore.py's kallsyms_tables()) of each
               layout, behind fuzz-symbols.c's 16 control bytes

Deterministic; Python 3 standard library only (and the lz4 program when
there is one); run with /usr/bin/python3.
"""

import glob
import mmap
import os
import re
import struct
import subprocess
import sys
import zlib

PT_LOAD, PT_NOTE = 1, 4
PN_XNUM = 0xFFFF
EM_386, EM_X86_64, EM_AARCH64 = 3, 62, 183
SMALL = 128 << 10
SHSTRTAB = b"\0.shstrtab\0"
X86_WINDOW = 256 << 10
# Real page tables of a 512M guest: 75,000 mappings, 0.2 s a run of the
# walk harness under the sanitizers; a seed of the others only.
HEAVY = {"sample-x86_64"}
# Cores (compacted) up to this size seed fuzz-input.c.
INPUT_SEED_MAX = 60 << 10	# under run.sh's max_len for input (64K)


class Core:
    """The parts of an ELF core (little-endian) the seeds need."""

    def __init__(self, blob):
        self.blob = blob
        if blob[:4] != b"\x7fELF" or len(blob) < 64 or blob[5] != 1:
            raise ValueError("not a little-endian ELF core")
        self.e64 = blob[4] == 2
        if self.e64:
            (self.machine, self.phoff, self.shoff, self.phnum, self.shnum) = (
                struct.unpack_from("<H", blob, 18)[0],
                *struct.unpack_from("<QQ", blob, 32),
                struct.unpack_from("<H", blob, 56)[0],
                struct.unpack_from("<H", blob, 60)[0])
            self.phent, self.shent, self.ehsize = 56, 64, 64
        else:
            (self.machine, self.phoff, self.shoff, self.phnum, self.shnum) = (
                struct.unpack_from("<H", blob, 18)[0],
                *struct.unpack_from("<II", blob, 28),
                struct.unpack_from("<H", blob, 44)[0],
                struct.unpack_from("<H", blob, 48)[0])
            self.phent, self.shent, self.ehsize = 32, 40, 52
        self.xnum = self.phnum == PN_XNUM
        if self.xnum:
            self.phnum = struct.unpack_from(
                "<I", blob, self.shoff + (44 if self.e64 else 28))[0]
        self.new_layout = bool(self.shoff) and self.shoff < self.phoff
        self.phdrs = [self.phdr(i) for i in range(self.phnum)]

    def phdr(self, i):
        off = self.phoff + i * self.phent
        if self.e64:
            t, fl, o, v, p, fs, ms, al = struct.unpack_from("<IIQQQQQQ",
                                                           self.blob, off)
        else:
            t, o, v, p, fs, ms, fl, al = struct.unpack_from("<IIIIIIII",
                                                           self.blob, off)
        return dict(type=t, flags=fl, offset=o, vaddr=v, paddr=p, filesz=fs,
                    memsz=ms, align=al)

    def note_bytes(self):
        """Each PT_NOTE's bytes and alignment, in order."""
        out = []
        for ph in self.phdrs:
            if ph["type"] == PT_NOTE and ph["filesz"]:
                out.append((self.blob[ph["offset"]:ph["offset"] + ph["filesz"]],
                            8 if ph["align"] == 8 else 4))
        return out

    def notes(self):
        """(name, type, desc) of every note."""
        out = []
        for data, align in self.note_bytes():
            pos = 0
            while pos + 12 <= len(data):
                namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
                name_off = pos + 12
                desc_off = name_off + (namesz + align - 1) // align * align
                if desc_off + descsz > len(data):
                    break
                name = data[name_off:name_off + namesz].rstrip(b"\0")
                out.append((name, ntype, data[desc_off:desc_off + descsz]))
                pos = desc_off + (descsz + align - 1) // align * align
        return out

    def vmcoreinfo(self):
        for name, _, desc in self.notes():
            if name == b"VMCOREINFO":
                return desc
        return None

    def granule(self):
        vi = self.vmcoreinfo() or b""
        m = re.search(rb"^PAGESIZE=(\d+)$", vi, re.M)
        size = int(m.group(1)) if m else 4096
        return size if size in (4096, 16384, 65536) else 4096


def nonzero_runs(core, ph, granule):
    """(paddr, length) of each run of non-zero granules of a PT_LOAD."""
    avail = max(0, min(ph["filesz"], len(core.blob) - ph["offset"]))
    runs, start = [], None
    lo = ph["paddr"] - ph["paddr"] % granule
    end = ph["paddr"] + avail
    for block in range(lo, end, granule):
        b_lo, b_hi = max(block, ph["paddr"]), min(block + granule, end)
        f_lo = ph["offset"] + b_lo - ph["paddr"]
        data = core.blob[f_lo:f_lo + b_hi - b_lo]
        if data.strip(b"\0"):
            if start is None:
                start = b_lo
            last = b_hi
        elif start is not None:
            runs.append((start, last - start))
            start = None
    if start is not None:
        runs.append((start, last - start))
    return runs


def compact(core):
    """The core with only its non-zero RAM blocks (see the module doc)."""
    granule = core.granule()
    absent = 0xFFFFFFFFFFFFFFFF if core.e64 else 0xFFFFFFFF
    segs, zero_kept = [], 0
    for ph in core.phdrs:
        if ph["type"] != PT_LOAD or ph["filesz"] == 0 or ph["offset"] == absent:
            segs.append((ph, None))
            continue
        runs = nonzero_runs(core, ph, granule)
        if not runs and zero_kept < 4:
            # An all-zero load (many-phdrs): keep a block, so the shape stays.
            runs = [(ph["paddr"], min(granule, ph["filesz"]))]
            zero_kept += 1
        for paddr, length in runs:
            delta = paddr - ph["paddr"]
            vaddr = ph["vaddr"] if ph["vaddr"] in (0, ph["paddr"]) else \
                ph["vaddr"] + delta
            if ph["vaddr"] == ph["paddr"]:
                vaddr = paddr
            f = ph["offset"] + delta
            seg = dict(ph, vaddr=vaddr, paddr=paddr, filesz=length,
                       memsz=length)
            segs.append((seg, core.blob[f:f + length]))
    return emit(core, segs)


def emit(core, segs):
    """An ELF file in core's class and header layout holding segs, each a
    (phdr, data or None); PT_NOTE data comes from the core."""
    e64, n = core.e64, len(segs)
    xnum = core.xnum or n >= PN_XNUM
    pos = core.ehsize
    shoff = 0
    if core.new_layout:
        shoff, shnum = pos, 2
        pos += 2 * core.shent
    phoff = pos
    pos += n * core.phent
    if not core.new_layout and xnum:
        shoff, shnum = pos, 1
        pos += core.shent
    elif not core.new_layout:
        shnum = 0
    body, placed = bytearray(), []
    for ph, data in segs:
        if ph["type"] == PT_NOTE and ph["filesz"]:
            data = core.blob[ph["offset"]:ph["offset"] + ph["filesz"]]
        if data is None:
            placed.append(dict(ph))
            continue
        placed.append(dict(ph, offset=pos + len(body)))
        body += data
    strtab_off = pos + len(body)
    out = bytearray()
    ident = b"\x7fELF" + bytes([2 if e64 else 1, 1, 1]) + bytes(9)
    fields = dict(e_type=4, e_machine=core.machine, e_version=1,
                  e_phnum=PN_XNUM if xnum else n,
                  e_shentsize=core.shent if shnum else 0, e_shnum=shnum,
                  e_shstrndx=1 if core.new_layout else 0)
    if e64:
        out += ident + struct.pack("<HHIQQQIHHHHHH", fields["e_type"],
                                   fields["e_machine"], 1, 0, phoff, shoff, 0,
                                   64, 56, fields["e_phnum"],
                                   fields["e_shentsize"], shnum,
                                   fields["e_shstrndx"])
    else:
        out += ident + struct.pack("<HHIIIIIHHHHHH", fields["e_type"],
                                   fields["e_machine"], 1, 0, phoff, shoff, 0,
                                   52, 32, fields["e_phnum"],
                                   fields["e_shentsize"], shnum,
                                   fields["e_shstrndx"])

    def shdr(name=0, stype=0, offset=0, size=0, info=0):
        if e64:
            return struct.pack("<IIQQQQIIQQ", name, stype, 0, 0, offset, size,
                               0, info, 0, 0)
        return struct.pack("<IIIIIIIIII", name, stype, 0, 0, offset, size, 0,
                           info, 0, 0)

    if core.new_layout:
        out += shdr(info=n if xnum else 0)
        out += shdr(1, 3, strtab_off, len(SHSTRTAB))
    for ph in placed:
        if e64:
            out += struct.pack("<IIQQQQQQ", ph["type"], ph["flags"],
                               ph["offset"], ph["vaddr"], ph["paddr"],
                               ph["filesz"], ph["memsz"], ph["align"])
        else:
            out += struct.pack("<IIIIIIII", ph["type"], ph["offset"],
                               ph["vaddr"], ph["paddr"], ph["filesz"],
                               ph["memsz"], ph["flags"], ph["align"])
    if not core.new_layout and xnum:
        out += shdr(info=n)
    out += body
    if core.new_layout:
        out += SHSTRTAB
    return bytes(out)


# --------------------------------------------------------------------------
# The tail that fuzz-translate.c reads: request and addresses.

GRANULES = {"4k": 1, "16k": 2, "64k": 3}


def parse_num(text):
    return int(text, 0)


def expectations(desc_path):
    """{option string: [vaddr, ...]} from the description's expect lines."""
    groups = {}
    try:
        lines = open(desc_path, encoding="latin-1").read().splitlines()
    except OSError:
        return groups
    for line in lines:
        line = line.split("#", 1)[0].split()
        if len(line) < 3 or line[0] != "expect" or \
                line[1] not in ("vtop", "unmapped"):
            continue
        opts = [w for w in line[2:] if w.startswith("--")]
        rest = line[line.index(opts[0]):] if opts else []
        try:
            groups.setdefault(" ".join(rest), []).append(parse_num(line[2]))
        except ValueError:
            continue
    return groups


def tail(options, vaddrs):
    t = bytearray(88)
    words = options.split()
    i = 0
    while i < len(words):
        opt = words[i]
        arg = words[i + 1] if i + 1 < len(words) else "0"
        if opt == "--cpu":
            t[0] = t[0] or 1
            t[2] = parse_num(arg) & 0xFF
            t[1] |= 64
        elif opt == "--cr3":
            t[0] = 2
            t[8:16] = struct.pack("<Q", parse_num(arg))
        elif opt == "--swapper":
            t[0] = 3
            i -= 1
        elif opt == "--ttbr1":
            t[0], t[1] = 4, t[1] | 1
            t[8:16] = struct.pack("<Q", parse_num(arg))
        elif opt == "--ttbr0":
            t[0], t[1] = 4, t[1] | 2
            t[16:24] = struct.pack("<Q", parse_num(arg))
        elif opt == "--granule":
            t[0], t[1] = 4, t[1] | GRANULES.get(arg.lower(), 0) << 2
        elif opt == "--va-bits":
            t[0], t[3] = 4, parse_num(arg) & 0xFF
        i += 2
    t[4:8] = bytes([16, 200, 3, 255])       # read lengths: 1 to 8K
    for k in range(8):
        t[24 + 8 * k:32 + 8 * k] = struct.pack("<Q", vaddrs[k % len(vaddrs)])
    return bytes(t)


# --------------------------------------------------------------------------
# notes/ and x86-tables/ control bytes

ARCH_BITS = {EM_X86_64: 0, EM_386: 1, EM_AARCH64: 2}


def notes_seed(core):
    parts = core.note_bytes()
    if not parts:
        return None
    data, align = parts[0]
    ctl = ARCH_BITS.get(core.machine, 3) | (4 if align == 8 else 0)
    return bytes([ctl, 0]) + data


def qemu_cpus(core):
    """(cr0, cr3, cr4, cs_flags) of each QEMU note, in order."""
    cpus = []
    for name, ntype, desc in core.notes():
        if name.startswith(b"QEMU") and ntype == 0 and len(desc) >= 432:
            cr0, cr3, cr4 = (struct.unpack_from("<Q", desc, 392 + 8 * i)[0]
                             for i in (0, 3, 4))
            cs_flags = struct.unpack_from("<I", desc, 160)[0]
            cpus.append((cr0, cr3, cr4, cs_flags))
    return cpus


def x86_tables_seed(core):
    """16 control bytes and the core's first 256K of RAM, when CPU 0's CR3
    and its tables lie there."""
    if core.machine not in (EM_X86_64, EM_386):
        return None
    cpus = qemu_cpus(core)
    if not cpus:
        return None
    cr0, cr3, cr4, cs_flags = cpus[0]
    if not cr0 & (1 << 31) or cr3 >= X86_WINDOW:
        return None
    ram = bytearray(X86_WINDOW)
    for ph in core.phdrs:
        if ph["type"] != PT_LOAD or ph["paddr"] >= X86_WINDOW or \
                ph["vaddr"] not in (0, ph["paddr"]):
            continue
        n = min(ph["filesz"], X86_WINDOW - ph["paddr"],
                max(0, len(core.blob) - ph["offset"]))
        ram[ph["paddr"]:ph["paddr"] + n] = \
            core.blob[ph["offset"]:ph["offset"] + n]
    used = len(ram.rstrip(b"\0"))
    if used == 0:
        return None
    ram = bytes(ram[:(used + 4095) // 4096 * 4096])
    if not cr4 & (1 << 5):
        mode = 3
    elif core.machine == EM_386:
        mode = 2
    else:
        mode = 1 if cr4 & (1 << 12) else 0
    c = bytearray(16)
    c[0] = mode | (4 if cr4 & (1 << 4) else 0) | (8 if len(cpus) > 1 else 0)
    if not cs_flags & (1 << 21) and mode < 2:
        c[0] |= 128
    page = cr3 // 4096
    c[1], c[2], c[3] = page & 0xFF, page >> 8, cr3 & 0xFF
    if len(cpus) > 1:
        page1 = (cpus[1][1] % X86_WINDOW) // 4096
        c[4], c[5] = page1 & 0xFF, page1 >> 8
    return bytes(c) + ram


# printk/ and vmcoreinfo-ram/ : RAM windows behind control bytes, where
# the harnesses put their fuzzed RAM (fuzz-printk.c: the ring mkcore lays
# out at 0x100000; fuzz-vmcoreinfo-ram.c: RAM from 1 MiB on).
PRINTK_AT, PRINTK_MAX = 0x100000, 64 << 10
VI_RAM_MAX = 600000 - 2


def phys_window(core, start, limit):
    """RAM [start, start + limit) of core (zeros where no PT_LOAD has
    data), without its trailing zeros."""
    buf = bytearray(limit)
    for ph in core.phdrs:
        if ph["type"] != PT_LOAD or not ph["filesz"]:
            continue
        lo = max(ph["paddr"], start)
        hi = min(ph["paddr"] + ph["filesz"], start + limit)
        if lo >= hi:
            continue
        off = ph["offset"] + lo - ph["paddr"]
        buf[lo - start:hi - start] = core.blob[off:off + hi - lo]
    return bytes(buf).rstrip(b"\0")


def kernel_seeds(core, desc_text):
    """(harness, seed) pairs for the kernel/ harnesses."""
    out = []
    m = re.search(r"^printk (ring|logbuf) at=0x100000 .*?(long=4)?$",
                  desc_text, re.M)
    if m:
        c0 = (1 if m.group(1) == "logbuf" else 0) | (2 if m.group(2) else 0)
        out.append(("printk", bytes([c0, 0, 0, 0]) +
                    phys_window(core, PRINTK_AT, PRINTK_MAX)))
    if re.search(r"^vmcoreinfo-ram ", desc_text, re.M):
        a64 = core.machine == EM_AARCH64
        base = 0x40000000 if a64 else 0
        out.append(("vmcoreinfo-ram", bytes([1 if a64 else 0, 0]) +
                    phys_window(core, base + 0x100000, VI_RAM_MAX)))
    return out
def input_seeds(blob):
    """Seeds of fuzz-input.c: the core gzipped (mode 0, raw; two members),
    lz4-compressed by the lz4 program when there is one, and the core as
    a payload for the harness to compress itself (mode 1: control bytes
    for lz4 64K blocks with checksums, and gzip in two members with small
    deflate blocks and a 4K access-point span)."""
    half = len(blob) // 2
    seeds = [b"\0" + gzip_bytes(blob),
             b"\0" + gzip_bytes(blob[:half]) + gzip_bytes(blob[half:]),
             b"\1" + bytes([0, 0x1C, 0, 0, 0, 0]) + blob,
             b"\1" + bytes([1, 0x16, 0x00, 0, 3, 1]) + blob]
    try:
        lz4 = subprocess.run(["lz4", "-q", "-B4", "-BX", "-c"], input=blob,
                             stdout=subprocess.PIPE, check=True).stdout
        seeds.append(b"\0" + lz4)
    except (OSError, subprocess.CalledProcessError):
        pass
    return seeds


def gzip_bytes(data):
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def read_core(path):
    """(seed bytes, parsed seed or None): a small core as it is (parsed
    when it parses), a larger one compacted; (None, None) if unusable."""
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size <= SMALL:
            blob = f.read()
            try:
                return blob, Core(blob)
            except (ValueError, struct.error, IndexError):
                return blob, None       # damaged on purpose: a seed as it is
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            try:
                blob = compact(Core(m))
            except (ValueError, struct.error, IndexError):
                return None, None
    return blob, Core(blob)


def symbols_seeds():
    """(name, bytes) seeds for fuzz-symbols.c: its 16 control bytes, then
    an image with the tables at fixed offsets."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "mkcore", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "..", "mkcore.py"))
    mkcore = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mkcore)
    long_name = "a_long_name_" * 12
    cases = [
        ("relative-64", 0, 8, 0xffffffff81000000),
        ("percpu-64", 1, 8, 0xffffffff81000000),
        ("absolute-64", 2, 8, 0xffffffff81000000),
        ("relative-32", 0, 4, 0xc1000000),
        ("absolute-32", 2, 4, 0xc1000000),
    ]
    at = {"num_syms": 0x0, "relative_base": 0x8, "token_index": 0x100,
          "token_table": 0x300, "offsets": 0x800, "addresses": 0x800,
          "names": 0x1000}
    for name, layout, word, base in cases:
        syms = [("T", base + 0x10000, "_stext"), ("T", base + 0x10100, "startup"),
                ("t", base + 0x10200, long_name), ("D", base + 0x20000, "linux_banner")]
        if layout == 1:
            syms.insert(0, ("A", 0x0, "fixed_percpu_data"))
        for long_names in (True, False):
            tables = mkcore.kallsyms_tables(syms, {
                "layout": mkcore.KALLSYMS_LAYOUTS[layout], "word": word,
                "tokens": ["_stext", "long_"], "long_names": long_names})
            image = bytearray(0x1000 + len(tables["names"]))
            for part, data in tables.items():
                image[at[part]:at[part] + len(data)] = data
            ctl = bytes([layout | (4 if word == 4 else 0) | (8 if long_names else 0) | 16])
            for part in ("names", "num_syms", "token_table", "token_index",
                         "offsets", "relative_base"):
                ctl += struct.pack("<H", at[part])
            ctl += struct.pack("<I", 0x10000)[:3]
            yield "%s%s" % (name, "" if long_names else "-short"), ctl + bytes(image)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: mkseeds.py CORES DESCS OUT\n")
        return 2
    cores, descs, out = argv[1].split(":"), argv[2].split(":"), argv[3]
    seen_vi = set()
    count = 0
    paths = sorted(p for d in cores for p in glob.glob(os.path.join(d, "*.core")))
    for path in paths:
        name = os.path.basename(path)[:-len(".core")]
        blob, core = read_core(path)
        if blob is None:
            continue
        write(os.path.join(out, "core", name), blob)
        if name not in HEAVY:
            write(os.path.join(out, "core-light", name), blob)
        count += 1
        if core is None:
            continue
        groups = {}
        for d in descs:
            groups = expectations(os.path.join(d, name + ".core.txt"))
            if groups:
                break
        for k, (opts, vaddrs) in enumerate(sorted(groups.items())):
            write(os.path.join(out, "translate", "%s.%d" % (name, k)),
                  blob + tail(opts, vaddrs))
        if not groups:
            write(os.path.join(out, "translate", name),
                  blob + tail("", [0xffffffff81000000]))
        vi = core.vmcoreinfo()
        if vi and vi not in seen_vi:
            seen_vi.add(vi)
            write(os.path.join(out, "vmcoreinfo", name), vi)
        seed = notes_seed(core)
        if seed:
            write(os.path.join(out, "notes", name), seed)
        seed = x86_tables_seed(core)
        if seed:
            write(os.path.join(out, "x86-tables", name), seed)
        for d in descs:
            desc_path = os.path.join(d, name + ".core.txt")
            if os.path.exists(desc_path):
                with open(desc_path, encoding="latin-1") as f:
                    for harness, seed in kernel_seeds(core, f.read()):
                        write(os.path.join(out, harness, name), seed)
                break
        if len(blob) <= INPUT_SEED_MAX:
            for k, seed in enumerate(input_seeds(blob)):
                write(os.path.join(out, "input", "%s.%d" % (name, k)), seed)
    for name, seed in symbols_seeds():
        write(os.path.join(out, "symbols", name), seed)
    print("mkseeds: %d cores -> %s" % (count, out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
