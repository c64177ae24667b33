#!/usr/bin/env python3
"""mkcore.py DESC OUT -- build an ELF core shaped like QEMU's
dump-guest-memory output.

DESC is a text description whose format is the contract in
tests/fixtures/FORMAT.md; the QEMU facts it mimics are in FORMATS.md sections
1.1-1.6.  The output is deterministic and sparse (all-zero pages of RAM are
holes).  Exit status: 0 success, 1 I/O error, 2 bad description or usage.
Standard library only.
"""

import bisect
import gzip
import os
import re
import struct
import sys

PAGE_SIZE = 4096
PN_XNUM = 0xFFFF            # e_phnum escape: real count in shdr[0].sh_info
PT_LOAD = 1
PT_NOTE = 4
SHT_STRTAB = 3
EV_CURRENT = 1
NT_PRSTATUS = 1
NT_PRFPREG = 2
SHSTRTAB = b"\0.shstrtab\0"  # QEMU >= 7.2: NUL, then ".shstrtab" (sh_name 1)
SHSTRTAB_NAME = 1
ABSENT = -1                 # p_offset of a load in no RAM block: all ones

MACHINES = {"x86_64": 62, "i386": 3, "aarch64": 183}
ETYPES = {"exec": 2, "core": 4}


class DescError(Exception):
    """A problem in the description; lineno is None for whole-file problems."""

    def __init__(self, lineno, message):
        super().__init__(message)
        self.lineno = lineno
        self.message = message


# --------------------------------------------------------------------------
# Lexical layer: tokens, numbers, key=value options

BLANKS = " \t\r\f\v"        # not str.isspace(): the text is decoded as latin-1
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "0": "\0"}
NUMBER_RE = re.compile(r"(-?)(0[xX][0-9a-fA-F]+|[0-9]+)([KMG]?)")
SUFFIXES = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def read_quoted(line, pos, lineno):
    """Read a C-escaped string starting after its opening quote.

    Returns (text, position after the closing quote)."""
    out = []
    while pos < len(line):
        c = line[pos]
        if c == '"':
            return "".join(out), pos + 1
        if c != "\\":
            out.append(c)
            pos += 1
            continue
        esc = line[pos + 1:pos + 2]
        if esc == "x":
            digits = line[pos + 2:pos + 4]
            if not re.fullmatch(r"[0-9a-fA-F]{2}", digits):
                raise DescError(lineno, r"\x needs two hex digits")
            out.append(chr(int(digits, 16)))
            pos += 4
        elif esc in ESCAPES:
            out.append(ESCAPES[esc])
            pos += 2
        else:
            raise DescError(lineno, "unknown escape \\%s in string" % esc)
    raise DescError(lineno, "unterminated string")


def tokenize(line, lineno):
    """Split a line on blanks; "quoted parts" keep blanks and '#'."""
    tokens, current, in_token = [], [], False
    pos = 0
    while pos < len(line):
        c = line[pos]
        if c == '"':
            text, pos = read_quoted(line, pos + 1, lineno)
            current.append(text)
            in_token = True
            continue
        if c == "#":
            break
        if c in BLANKS:
            if in_token:
                tokens.append("".join(current))
                current, in_token = [], False
        else:
            current.append(c)
            in_token = True
        pos += 1
    if in_token:
        tokens.append("".join(current))
    return tokens


def strip_comment(line):
    """The line without its '#' comment (a '#' inside quotes is kept)."""
    in_quote = False
    for pos, c in enumerate(line):
        if c == '"':
            in_quote = not in_quote
        elif c == "#" and not in_quote:
            return line[:pos]
    return line


def parse_number(text, lineno, what, signed=False):
    """Decimal or 0x hex with an optional K/M/G suffix; '-' only if signed."""
    m = NUMBER_RE.fullmatch(text)
    if not m or (m.group(1) and not signed):
        raise DescError(lineno, "bad %s %r" % (what, text))
    digits = m.group(2)
    value = int(digits, 16) if digits[:2].lower() == "0x" else int(digits, 10)
    value *= SUFFIXES[m.group(3)]
    return -value if m.group(1) else value


def parse_hex_bytes(text, lineno, what):
    if len(text) % 2 or not re.fullmatch(r"[0-9a-fA-F]*", text):
        raise DescError(lineno, "bad %s %r: expected pairs of hex digits"
                        % (what, text))
    return bytes.fromhex(text)


def parse_options(tokens, lineno, keys=None, flags=()):
    """key=value tokens (and bare flag words) into a dict of strings.

    keys=None accepts any key (checked later by the caller)."""
    opts = {}
    for tok in tokens:
        key, eq, value = tok.partition("=")
        if not eq:
            if tok not in flags:
                raise DescError(lineno, "expected key=value, got %r" % tok)
            value = True
        elif keys is not None and key not in keys:
            raise DescError(lineno, "unknown key %r (known: %s)"
                            % (key, " ".join(sorted(keys))))
        if key in opts:
            raise DescError(lineno, "%r given twice" % key)
        opts[key] = value
    return opts


def fit(value, bits, lineno, what):
    """value as an unsigned field of `bits`; negatives wrap (-1 = all ones)."""
    if -(1 << bits) <= value < 0:
        value += 1 << bits
    if not 0 <= value < (1 << bits):
        raise DescError(lineno, "%s %s does not fit in %d bits"
                        % (what, hex(value), bits))
    return value


def option_number(opts, key, lineno, default=None, signed=True):
    """The number given as key=, or default when the key is absent."""
    if key not in opts:
        return default
    return parse_number(opts[key], lineno, key + "=", signed)


def expect_args(args, lineno, name, count, more=False):
    """Exactly `count` arguments, or at least `count` when `more`."""
    if len(args) == count or (more and len(args) > count):
        return
    raise DescError(lineno, "%s takes %s%d argument(s), got %d"
                    % (name, "at least " if more else "", count, len(args)))


# --------------------------------------------------------------------------
# The parsed description: plain records, no layout decisions yet

class NoteSpec:
    def __init__(self, kind, lineno, opts, text=None):
        self.kind, self.lineno, self.opts, self.text = kind, lineno, opts, text


class LoadSpec:
    def __init__(self, lineno, paddr, size, opts):
        self.lineno, self.paddr, self.size = lineno, paddr, size
        # None means "computed as QEMU does" for the first four.
        self.vaddr = option_number(opts, "vaddr", lineno)
        self.offset = option_number(opts, "offset", lineno)
        self.filesz = option_number(opts, "filesz", lineno)
        self.memsz = option_number(opts, "memsz", lineno)
        self.flags = option_number(opts, "flags", lineno, 0)
        self.count = option_number(opts, "count", lineno, 1, signed=False)
        self.vstep = option_number(opts, "vstep", lineno, 0)
        self.pstep = option_number(opts, "pstep", lineno, 0)
        if self.count < 1:
            raise DescError(lineno, "count= must be at least 1")
        if "vstep" in opts and self.vaddr is None:
            raise DescError(lineno, "vstep= needs vaddr= (without vaddr=, "
                                    "each load's vaddr is its paddr)")


class MemOp:
    """A write into physical memory, applied once the RAM blocks are known."""

    def __init__(self, kind, lineno, paddr, payload):
        self.kind, self.lineno, self.paddr, self.payload = (
            kind, lineno, paddr, payload)


class Description:
    def __init__(self, path):
        self.path = path
        self.header = {}        # directive name -> (value, lineno)
        self.notes = []         # NoteSpec, in order of appearance
        self.rawnotes = None    # (bytes, lineno)
        self.ram = []           # (start, size, lineno)
        self.loads = []         # LoadSpec, in order of appearance
        self.memops = []        # MemOp, in order of appearance
        self.damage = []        # (kind, lineno, set target or None, value)

    def setting(self, name, default):
        return self.header.get(name, (default, None))[0]


def read_data_file(desc_path, name, lineno):
    """A data file named relative to the description; gunzipped if gzip."""
    path = os.path.join(os.path.dirname(desc_path), name)
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise DescError(lineno, "cannot read %s: %s"
                        % (path, getattr(e, "strerror", None) or e))
    return data


# --------------------------------------------------------------------------
# Kernel kallsyms tables (scripts/kallsyms.c and kernel/kallsyms.c, Linux 6.1)

KALLSYMS_LAYOUTS = ("relative", "absolute-percpu", "absolute")


def kallsyms_tables(syms, spec):
    """The byte strings of a kallsyms table, keyed by the VMCOREINFO name of
    each part (num_syms, names, token_table, token_index, and offsets with
    relative_base, or addresses).

    syms: (type letter, address, name); spec: layout, word, tokens (strings
    for token numbers 0x80 up; every other number is its own character),
    long_names (6.1's two-byte token counts), base (the relative base;
    default the lowest address, per-CPU ones left out), count (the
    kallsyms_num_syms written, default the true one), little-endian."""
    word, layout = spec["word"], spec["layout"]
    tokens = ["?"] * 256
    for i in range(0x21, 0x7F):
        tokens[i] = chr(i)
    extra = spec.get("tokens", [])
    if len(extra) > 0x80:
        raise ValueError("at most 128 tokens= strings")
    for i, t in enumerate(extra):
        if not t or "\0" in t:
            raise ValueError("an empty token")
        tokens[0x80 + i] = t
    by_len = sorted(range(0x80, 0x80 + len(extra)), key=lambda i: -len(tokens[i]))
    names = bytearray()
    for typ, _, name in syms:
        text, pos, seq = typ + name, 0, []
        while pos < len(text):
            for i in by_len:
                if text.startswith(tokens[i], pos):
                    seq.append(i)
                    pos += len(tokens[i])
                    break
            else:
                c = ord(text[pos])
                if not 0x21 <= c < 0x7F:
                    raise ValueError("name %r: character %r" % (name, text[pos]))
                seq.append(c)
                pos += 1
        n = len(seq)
        if spec.get("long_names", True) and n >= 0x80:
            if n >= 1 << 15:
                raise ValueError("name %r: too long" % name)
            names += bytes([0x80 | (n & 0x7F), n >> 7])
        elif n < 0x100:
            names.append(n)
        else:
            raise ValueError("name %r: %d tokens need long names" % (name, n))
        names += bytes(seq)
    table, index = bytearray(), []
    for t in tokens:
        index.append(len(table))
        table += t.encode("latin-1") + b"\0"
    count = spec.get("count")
    out = {
        "num_syms": struct.pack("<I", len(syms) if count is None else count),
        "names": bytes(names),
        "token_table": bytes(table),
        "token_index": struct.pack("<256H", *index),
    }
    wcode = "<Q" if word == 8 else "<I"
    mask = (1 << (8 * word)) - 1
    if layout == "absolute":
        out["addresses"] = b"".join(struct.pack(wcode, a & mask)
                                    for _, a, _ in syms)
        return out
    base = spec.get("base")
    if base is None:
        kernel = [a for t, a, _ in syms
                  if layout != "absolute-percpu" or t not in "Aa" or a >= 1 << 31]
        base = min(kernel) if kernel else 0
    offs = []
    for typ, a, name in syms:
        if layout == "relative":
            off = a - base
            if not 0 <= off < 1 << 32:
                raise ValueError("%s: 0x%x is not within 4G above base 0x%x"
                                 % (name, a, base))
        elif a < 1 << 31 and typ in "Aa":
            off = a                     # a per-CPU symbol: absolute
        else:
            off = (base - 1 - a) & 0xFFFFFFFF
            if not (base - 1 - a) < 0 or a - base >= 1 << 31:
                raise ValueError("%s: 0x%x is not within 2G above base 0x%x"
                                 % (name, a, base))
        offs.append(off & 0xFFFFFFFF)
    out["offsets"] = struct.pack("<%dI" % len(offs), *offs)
    out["relative_base"] = struct.pack(wcode, base & mask)
    return out


# --------------------------------------------------------------------------
# Parser: one handler per directive, found through a dispatch table

HEADER_CHOICES = {
    "class": {"32": 32, "64": 64},
    "data": {"lsb": "<", "msb": ">"},
    "machine": MACHINES,
    "type": ETYPES,
    "layout": {"new": "new", "old": "old"},
    "prstatus-layout": {"x86_64": "x86_64", "i386": "i386",
                        "aarch64": "aarch64"},
}
NUMERIC_HEADERS = {"machine": 16, "type": 16}   # may also be a number of bits
SET_TARGET_RE = re.compile(r"e_ident\[(\d+)\]|e_\w+|(shdr|phdr)(\d+)\.(\w+)")


class Parser:
    def __init__(self, path, text):
        self.desc = Description(path)
        self.lines = iter(enumerate(text.split("\n"), 1))
        self.handlers = {
            "note": self.note,
            "ram": self.ram,
            "load": self.load,
            "u64": self.words,
            "u32": self.words,
            "pte64": self.pte,
            "pte32": self.pte,
            "str": self.string,
            "bytes": self.bytes_,
            "fill": self.fill,
            "physdata": self.physdata,
            "kallsyms": self.kallsyms,
            "rawnotes": self.rawnotes,
            "set": self.set_,
            "truncate": self.truncate,
            "expect": self.expect,
        }
        for name in HEADER_CHOICES:
            self.handlers[name] = self.header
        self.note_handlers = {
            "prstatus": self.note_prstatus,
            "prfpreg": self.note_prfpreg,
            "qemu": self.note_qemu,
            "raw": self.note_raw,
            "vmcoreinfo": self.note_vmcoreinfo,
        }

    def parse(self):
        for lineno, line in self.lines:
            tokens = tokenize(line.rstrip("\r"), lineno)
            if not tokens:
                continue
            name, args = tokens[0], tokens[1:]
            handler = self.handlers.get(name)
            if handler is None:
                raise DescError(lineno, "unknown directive %r" % name)
            handler(name, args, lineno)
        self.check_whole()
        return self.desc

    def check_whole(self):
        if self.desc.rawnotes and self.desc.notes:
            raise DescError(self.desc.rawnotes[1],
                            "rawnotes replaces the notes, but there are "
                            "note directives (line %d)"
                            % self.desc.notes[0].lineno)

    def address(self, text, lineno):
        return parse_number(text, lineno, "address")

    # -- ELF header --------------------------------------------------------

    def header(self, name, args, lineno):
        expect_args(args, lineno, name, 1)
        if name in self.desc.header:
            raise DescError(lineno, "%s already given on line %d"
                            % (name, self.desc.header[name][1]))
        choices = HEADER_CHOICES[name]
        if args[0] in choices:
            value = choices[args[0]]
        elif name in NUMERIC_HEADERS and NUMBER_RE.fullmatch(args[0]):
            value = fit(parse_number(args[0], lineno, name),
                        NUMERIC_HEADERS[name], lineno, name)
        else:
            numeric = " or a number" if name in NUMERIC_HEADERS else ""
            raise DescError(lineno, "%s must be one of %s%s, not %r"
                            % (name, "|".join(choices), numeric, args[0]))
        self.desc.header[name] = (value, lineno)

    # -- notes -------------------------------------------------------------

    def note(self, name, args, lineno):
        expect_args(args, lineno, name, 1, more=True)
        handler = self.note_handlers.get(args[0])
        if handler is None:
            raise DescError(lineno, "unknown note kind %r (known: %s)"
                            % (args[0], " ".join(self.note_handlers)))
        self.desc.notes.append(handler(args[1:], lineno))

    def note_prstatus(self, args, lineno):
        # Register names depend on the layout, which may be declared later.
        return NoteSpec("prstatus", lineno, parse_options(args, lineno))

    def note_prfpreg(self, args, lineno):
        return NoteSpec("prfpreg", lineno,
                        parse_options(args, lineno, keys={"size"}))

    def note_qemu(self, args, lineno):
        return NoteSpec("qemu", lineno,
                        parse_options(args, lineno, keys=QEMU_KEYS))

    def note_raw(self, args, lineno):
        keys = {"name", "type", "desc", "namesz", "descsz"}
        return NoteSpec("raw", lineno,
                        parse_options(args, lineno, keys, flags={"noterm"}))

    def note_vmcoreinfo(self, args, lineno):
        if args:
            raise DescError(lineno, "note vmcoreinfo takes no options")
        text = []
        for _, line in self.lines:
            line = strip_comment(line).strip(BLANKS)
            if line == "end":
                return NoteSpec("vmcoreinfo", lineno, {}, "".join(text))
            if line:
                text.append(line + "\n")
        raise DescError(lineno, "note vmcoreinfo without its 'end' line")

    def rawnotes(self, name, args, lineno):
        expect_args(args, lineno, name, 1)
        if self.desc.rawnotes:
            raise DescError(lineno, "rawnotes already given on line %d"
                            % self.desc.rawnotes[1])
        data = read_data_file(self.desc.path, args[0], lineno)
        self.desc.rawnotes = (data, lineno)

    # -- RAM and program headers -------------------------------------------

    def ram(self, name, args, lineno):
        expect_args(args, lineno, name, 2)
        start = self.address(args[0], lineno)
        size = parse_number(args[1], lineno, "size")
        if size == 0:
            raise DescError(lineno, "a RAM block cannot be empty")
        self.desc.ram.append((start, size, lineno))

    def load(self, name, args, lineno):
        expect_args(args, lineno, name, 2, more=True)
        keys = {"vaddr", "offset", "filesz", "memsz", "flags",
                "count", "vstep", "pstep"}
        opts = parse_options(args[2:], lineno, keys)
        self.desc.loads.append(LoadSpec(
            lineno, self.address(args[0], lineno),
            parse_number(args[1], lineno, "size"), opts))

    # -- physical memory contents ------------------------------------------

    def add_memop(self, kind, lineno, paddr, payload):
        self.desc.memops.append(MemOp(kind, lineno, paddr, payload))

    def words(self, name, args, lineno):
        expect_args(args, lineno, name, 2, more=True)
        bits = int(name[1:])
        values = [fit(parse_number(a, lineno, "value", signed=True),
                      bits, lineno, "value") for a in args[1:]]
        self.add_memop("words", lineno, self.address(args[0], lineno),
                       (bits, values))

    def pte(self, name, args, lineno):
        expect_args(args, lineno, name, 3)
        bits = int(name[3:])
        table = self.address(args[0], lineno)
        index = parse_number(args[1], lineno, "index")
        value = fit(parse_number(args[2], lineno, "entry", signed=True),
                    bits, lineno, "entry")
        self.add_memop("words", lineno, table + index * bits // 8,
                       (bits, [value]))

    def string(self, name, args, lineno):
        expect_args(args, lineno, name, 2)
        self.add_memop("bytes", lineno, self.address(args[0], lineno),
                       args[1].encode("latin-1"))

    def bytes_(self, name, args, lineno):
        expect_args(args, lineno, name, 2, more=True)
        data = b"".join(parse_hex_bytes(a, lineno, "byte") for a in args[1:])
        self.add_memop("bytes", lineno, self.address(args[0], lineno), data)

    def fill(self, name, args, lineno):
        expect_args(args, lineno, name, 3)
        length = parse_number(args[1], lineno, "length")
        value = parse_number(args[2], lineno, "byte value")
        if value > 0xFF:
            raise DescError(lineno, "fill value 0x%x is not a byte" % value)
        self.add_memop("fill", lineno, self.address(args[0], lineno),
                       (length, value))

    def physdata(self, name, args, lineno):
        expect_args(args, lineno, name, 1)
        data = read_data_file(self.desc.path, args[0], lineno)
        for paddr, chunk in physdata_records(data, lineno):
            self.add_memop("bytes", lineno, paddr, chunk)

    def kallsyms(self, name, args, lineno):
        """A kernel kallsyms table written at the VMCOREINFO addresses of
        its parts (FORMAT.md "Kernel symbols"); lines up to `end` are
        `TYPE ADDRESS NAME`."""
        expect_args(args, lineno, name, 1, more=True)
        layout = args[0]
        if layout not in KALLSYMS_LAYOUTS:
            raise DescError(lineno, "kallsyms layout must be one of %s, not %r"
                            % (" ".join(KALLSYMS_LAYOUTS), layout))
        keys = {"va-to-pa", "num_syms", "names", "token_table", "token_index",
                "offsets", "relative_base", "addresses", "word", "base",
                "count", "tokens"}
        opts = parse_options(args[1:], lineno, keys, flags={"short-names"})
        need = ["va-to-pa", "num_syms", "names", "token_table", "token_index"]
        need += ["addresses"] if layout == "absolute" else ["offsets",
                                                             "relative_base"]
        for key in need:
            if key not in opts:
                raise DescError(lineno, "kallsyms %s needs %s=" % (layout, key))
        spec = {key: parse_number(opts[key], lineno, key + "=")
                for key in need}
        spec["layout"] = layout
        spec["word"] = option_number(opts, "word", lineno, 8, signed=False)
        if spec["word"] not in (4, 8):
            raise DescError(lineno, "word= must be 4 or 8")
        spec["base"] = option_number(opts, "base", lineno, None, signed=False)
        spec["count"] = option_number(opts, "count", lineno, None, signed=False)
        spec["tokens"] = opts["tokens"].split(",") if "tokens" in opts else []
        spec["long_names"] = "short-names" not in opts
        syms = []
        for sub, line in self.lines:
            line = strip_comment(line).strip(BLANKS)
            if line == "end":
                break
            if not line:
                continue
            fields = line.split()
            if len(fields) != 3 or len(fields[0]) != 1:
                raise DescError(sub, "kallsyms symbol: expected TYPE ADDRESS "
                                     "NAME, got %r" % line)
            syms.append((fields[0], parse_number(fields[1], sub, "address"),
                         fields[2]))
        else:
            raise DescError(lineno, "kallsyms without its 'end' line")
        if not syms:
            raise DescError(lineno, "kallsyms with no symbols")
        try:
            tables = kallsyms_tables(syms, spec)
        except ValueError as e:
            raise DescError(lineno, "kallsyms: %s" % e)
        delta = spec["va-to-pa"]
        for part, data in tables.items():
            paddr = spec[part] - delta
            if paddr < 0:
                raise DescError(lineno, "kallsyms: %s= 0x%x is below va-to-pa="
                                        "0x%x" % (part, spec[part], delta))
            self.add_memop("kallsyms", lineno, paddr, data)

    # -- damage, expectations ----------------------------------------------

    def expect(self, name, args, lineno):
        """Expectations are for the tests that use the core; not checked."""

    def set_(self, name, args, lineno):
        expect_args(args, lineno, name, 2)
        if not SET_TARGET_RE.fullmatch(args[0]):
            raise DescError(lineno, "set: bad target %r (e_FIELD, e_ident[N],"
                                    " shdrN.sh_FIELD or phdrN.p_FIELD)"
                            % args[0])
        value = parse_number(args[1], lineno, "value", signed=True)
        self.desc.damage.append(("set", lineno, args[0], value))

    def truncate(self, name, args, lineno):
        expect_args(args, lineno, name, 1)
        size = parse_number(args[0], lineno, "size")
        self.desc.damage.append(("truncate", lineno, None, size))


def physdata_records(data, lineno):
    """Yield (paddr, bytes) from {u64 paddr, u64 len, bytes} LE records."""
    pos, view = 0, memoryview(data)
    while pos < len(data):
        if pos + 16 > len(data):
            raise DescError(lineno, "physdata: truncated record header at "
                                    "byte %d" % pos)
        paddr, length = struct.unpack_from("<QQ", data, pos)
        pos += 16
        if pos + length > len(data):
            raise DescError(lineno, "physdata: record at 0x%x wants %d bytes,"
                                    " %d left" % (paddr, length,
                                                  len(data) - pos))
        yield paddr, view[pos:pos + length]
        pos += length


# --------------------------------------------------------------------------
# Note contents

class PrstatusLayout:
    """Where Linux's elf_prstatus keeps pr_pid and pr_reg, per architecture."""

    def __init__(self, size, pid_offset, reg_offset, reg_code, regs,
                 fpvalid_offset, fpvalid):
        self.size, self.pid_offset = size, pid_offset
        self.reg_offset, self.reg_code, self.regs = reg_offset, reg_code, regs
        self.reg_size = struct.calcsize("<" + reg_code)
        self.fpvalid_offset, self.fpvalid = fpvalid_offset, fpvalid


PRSTATUS_LAYOUTS = {
    # x86_64 user_regs_struct; QEMU leaves pr_fpvalid 0
    # (target/i386/arch_dump.c)
    "x86_64": PrstatusLayout(
        336, 32, 112, "Q",
        "r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax "
        "rip cs eflags rsp ss fs_base gs_base ds es fs gs".split(), 328, 0),
    # i386 user_regs_struct, each segment as a 32-bit slot
    "i386": PrstatusLayout(
        144, 24, 72, "I",
        "ebx ecx edx esi edi ebp eax ds es fs gs orig_eax eip cs eflags esp "
        "ss".split(), 140, 0),
    # user_pt_regs; QEMU sets pr_fpvalid = 1 (target/arm/arch_dump.c)
    "aarch64": PrstatusLayout(
        392, 32, 112, "Q",
        ["x%d" % i for i in range(31)] + ["sp", "pc", "pstate"], 384, 1),
}
LAYOUT_BY_MACHINE = {62: "x86_64", 3: "i386", 183: "aarch64"}

# QEMUCPUState (include/system/dump.h, target/i386/arch_dump.c)
QEMU_STATE_SIZE = 440
QEMU_GPRS = ("rax rbx rcx rdx rsi rdi rsp rbp r8 r9 r10 r11 r12 r13 r14 r15 "
             "rip rflags").split()
QEMU_SEGMENTS = "cs ds es fs gs ss ldt tr gdt idt".split()
QEMU_SEGMENT_FIELDS = {"selector": (0, "I"), "limit": (4, "I"),
                       "flags": (8, "I"), "base": (16, "Q")}
QEMU_SEGMENT_SIZE = 24


def qemu_field_table():
    """key -> (offset, struct code) for every settable QEMUCPUState field."""
    table = {"version": (0, "I"), "size": (4, "I")}
    for i, reg in enumerate(QEMU_GPRS):
        table[reg] = (8 + 8 * i, "Q")
    for i, seg in enumerate(QEMU_SEGMENTS):
        for field, (offset, code) in QEMU_SEGMENT_FIELDS.items():
            table["%s.%s" % (seg, field)] = (
                152 + QEMU_SEGMENT_SIZE * i + offset, code)
    for i in range(5):
        table["cr%d" % i] = (392 + 8 * i, "Q")
    table["kernel_gs_base"] = (432, "Q")
    return table


QEMU_FIELDS = qemu_field_table()
QEMU_KEYS = set(QEMU_FIELDS) | {"descsz"}


def pad4(data):
    return data + b"\0" * (-len(data) % 4)


def encode_note(endian, name, ntype, desc, namesz=None, descsz=None):
    """One note: 12-byte header, then name and desc each padded to 4 bytes."""
    header = struct.pack(endian + "III",
                         len(name) if namesz is None else namesz,
                         len(desc) if descsz is None else descsz, ntype)
    return header + pad4(name) + pad4(desc)


def put(buf, offset, code, endian, value, lineno, what):
    bits = 8 * struct.calcsize("<" + code)
    struct.pack_into(endian + code, buf, offset,
                     fit(value, bits, lineno, what))


class NoteBuilder:
    """Turns NoteSpecs into the bytes of the PT_NOTE segment."""

    def __init__(self, desc, endian):
        self.desc, self.endian = desc, endian
        self.prstatus_seen = 0
        self.builders = {
            "prstatus": self.prstatus,
            "prfpreg": self.prfpreg,
            "qemu": self.qemu,
            "raw": self.raw,
            "vmcoreinfo": self.vmcoreinfo,
        }

    def build(self):
        if self.desc.rawnotes:
            return self.desc.rawnotes[0]
        return b"".join(self.builders[spec.kind](spec)
                        for spec in self.desc.notes)

    def number(self, spec, key, default, signed=True):
        return option_number(spec.opts, key, spec.lineno, default, signed)

    def prstatus_layout(self, lineno):
        name = self.desc.setting("prstatus-layout", None)
        if name is None:
            machine = self.desc.setting("machine", MACHINES["x86_64"])
            name = LAYOUT_BY_MACHINE.get(machine)
        if name is None:
            raise DescError(lineno, "no prstatus layout for machine %d; "
                                    "add 'prstatus-layout x86_64|i386|"
                                    "aarch64'" % machine)
        return PRSTATUS_LAYOUTS[name]

    def prstatus(self, spec):
        layout = self.prstatus_layout(spec.lineno)
        self.prstatus_seen += 1
        unknown = set(spec.opts) - set(layout.regs) - {"pid"}
        if unknown:
            raise DescError(spec.lineno, "unknown prstatus key(s) %s for this "
                                         "layout (registers: %s)"
                            % (" ".join(sorted(unknown)),
                               " ".join(layout.regs)))
        desc = bytearray(layout.size)
        e, ln = self.endian, spec.lineno
        # QEMU numbers CPUs from 1 (pr_pid = cpu_index + 1).
        put(desc, layout.pid_offset, "I", e,
            self.number(spec, "pid", self.prstatus_seen), ln, "pid")
        put(desc, layout.fpvalid_offset, "I", e, layout.fpvalid, ln,
            "pr_fpvalid")
        for i, reg in enumerate(layout.regs):
            put(desc, layout.reg_offset + i * layout.reg_size,
                layout.reg_code, e, self.number(spec, reg, 0), ln, reg)
        return encode_note(e, b"CORE\0", NT_PRSTATUS, bytes(desc))

    def prfpreg(self, spec):
        size = self.number(spec, "size", 528, signed=False)
        return encode_note(self.endian, b"CORE\0", NT_PRFPREG, bytes(size))

    def qemu(self, spec):
        size = self.number(spec, "size", QEMU_STATE_SIZE, signed=False)
        descsz = self.number(spec, "descsz", size, signed=False)
        desc = bytearray(max(QEMU_STATE_SIZE, descsz))
        values = {"version": 1, "size": size}
        for key in spec.opts:
            if key not in ("descsz", "size"):
                values[key] = self.number(spec, key, 0)
        for key, value in values.items():
            offset, code = QEMU_FIELDS[key]
            put(desc, offset, code, self.endian, value, spec.lineno, key)
        return encode_note(self.endian, b"QEMU\0", 0, bytes(desc[:descsz]))

    def raw(self, spec):
        name = spec.opts.get("name", "").encode("latin-1")
        if "noterm" not in spec.opts:
            name += b"\0"
        desc = parse_hex_bytes(spec.opts.get("desc", ""), spec.lineno,
                               "desc=")
        ln = spec.lineno
        return encode_note(
            self.endian, name,
            fit(self.number(spec, "type", 0), 32, ln, "type"), desc,
            namesz=self.optional_u32(spec, "namesz"),
            descsz=self.optional_u32(spec, "descsz"))

    def optional_u32(self, spec, key):
        value = self.number(spec, key, None)
        return None if value is None else fit(value, 32, spec.lineno, key)

    def vmcoreinfo(self, spec):
        return encode_note(self.endian, b"VMCOREINFO\0", 0,
                           spec.text.encode("latin-1"))


# --------------------------------------------------------------------------
# Physical memory: RAM blocks and sparse page contents

class RamBlock:
    def __init__(self, start, size, lineno, file_rel):
        self.start, self.size, self.lineno = start, size, lineno
        self.end = start + size
        self.file_rel = file_rel    # offset from the start of RAM data


def place_ram_blocks(ram):
    """Sort the blocks by address (QEMU writes them in ascending order) and
    give each its offset inside the RAM data. Overlaps are an error."""
    blocks, file_rel = [], 0
    for start, size, lineno in sorted(ram):
        if blocks and start < blocks[-1].end:
            raise DescError(lineno, "RAM block 0x%x overlaps the one on "
                                    "line %d" % (start, blocks[-1].lineno))
        blocks.append(RamBlock(start, size, lineno, file_rel))
        file_rel += size
    return blocks


class PhysMemory:
    """Guest-physical contents, one entry per non-zero-so-far page.

    A page is a bytearray, or a shared bytes object after a whole-page fill."""

    def __init__(self, blocks):
        self.pages = {}
        self.spans = []             # contiguous RAM, adjacent blocks merged
        for b in blocks:
            if self.spans and self.spans[-1][1] == b.start:
                self.spans[-1][1] = b.end
            else:
                self.spans.append([b.start, b.end])
        self.span_starts = [s for s, _ in self.spans]
        self.full_pages = {}        # byte value -> shared whole page
        self.sorted_pfns = None     # computed once all writes are done

    def check_in_ram(self, paddr, length, lineno):
        end = paddr + max(length, 1)
        i = bisect.bisect_right(self.span_starts, paddr) - 1
        if i < 0 or end > self.spans[i][1]:
            raise DescError(lineno, "write to 0x%x..0x%x is outside every RAM"
                                    " block" % (paddr, end - 1))

    def mutable_page(self, pfn):
        page = self.pages.get(pfn)
        if not isinstance(page, bytearray):
            page = bytearray(PAGE_SIZE) if page is None else bytearray(page)
            self.pages[pfn] = page
        return page

    def write(self, paddr, data):
        pos = 0
        while pos < len(data):
            pfn, off = divmod(paddr + pos, PAGE_SIZE)
            n = min(PAGE_SIZE - off, len(data) - pos)
            self.mutable_page(pfn)[off:off + n] = data[pos:pos + n]
            pos += n

    def fill(self, paddr, length, value):
        end = paddr + length
        while paddr < end:
            pfn, off = divmod(paddr, PAGE_SIZE)
            n = min(PAGE_SIZE - off, end - paddr)
            if n < PAGE_SIZE:
                self.mutable_page(pfn)[off:off + n] = bytes([value]) * n
            elif value == 0:
                self.pages.pop(pfn, None)
            else:
                if value not in self.full_pages:
                    self.full_pages[value] = bytes([value]) * PAGE_SIZE
                self.pages[pfn] = self.full_pages[value]
            paddr += n

    def chunks(self, block):
        """(paddr, bytes) of each non-zero page of a block, in order."""
        if self.sorted_pfns is None:
            self.sorted_pfns = sorted(self.pages)
        pfns = self.sorted_pfns
        first = bisect.bisect_left(pfns, block.start // PAGE_SIZE)
        for pfn in pfns[first:]:
            base = pfn * PAGE_SIZE
            if base >= block.end:
                break
            lo, hi = max(base, block.start), min(base + PAGE_SIZE, block.end)
            chunk = self.pages[pfn][lo - base:hi - base]
            if chunk.strip(b"\0"):
                yield lo, chunk


def apply_memops(memops, memory, endian):
    for op in memops:
        if op.kind == "fill":
            length, value = op.payload
            memory.check_in_ram(op.paddr, length, op.lineno)
            memory.fill(op.paddr, length, value)
            continue
        if op.kind == "kallsyms" and endian == ">":
            raise DescError(op.lineno, "kallsyms tables are little-endian only")
        if op.kind == "words":
            bits, values = op.payload
            code = {32: "I", 64: "Q"}[bits]
            data = struct.pack("%s%d%s" % (endian, len(values), code), *values)
        else:
            data = op.payload
        memory.check_in_ram(op.paddr, len(data), op.lineno)
        memory.write(op.paddr, data)


# --------------------------------------------------------------------------
# ELF structures

class Record:
    """A fixed-layout ELF structure: ordered (name, struct code) fields."""

    def __init__(self, fields, endian):
        self.names = [name for name, _ in fields]
        self.struct = struct.Struct(endian + "".join(c for _, c in fields))
        self.size = self.struct.size
        self.fields, offset = {}, 0
        for name, code in fields:
            self.fields[name] = (offset, code)
            offset += struct.calcsize("<" + code)

    def pack(self, lineno=None, **values):
        out = []
        for name in self.names:
            value = values.get(name, 0)
            code = self.fields[name][1]
            if not code.endswith("s"):
                bits = 8 * struct.calcsize("<" + code)
                value = fit(value, bits, lineno, name)
            out.append(value)
        return self.struct.pack(*out)


def elf_records(bits, endian):
    word = "Q" if bits == 64 else "I"
    ehdr = [("e_ident", "16s"), ("e_type", "H"), ("e_machine", "H"),
            ("e_version", "I"), ("e_entry", word), ("e_phoff", word),
            ("e_shoff", word), ("e_flags", "I"), ("e_ehsize", "H"),
            ("e_phentsize", "H"), ("e_phnum", "H"), ("e_shentsize", "H"),
            ("e_shnum", "H"), ("e_shstrndx", "H")]
    if bits == 64:
        phdr = [("p_type", "I"), ("p_flags", "I"), ("p_offset", "Q"),
                ("p_vaddr", "Q"), ("p_paddr", "Q"), ("p_filesz", "Q"),
                ("p_memsz", "Q"), ("p_align", "Q")]
    else:
        phdr = [("p_type", "I"), ("p_offset", "I"), ("p_vaddr", "I"),
                ("p_paddr", "I"), ("p_filesz", "I"), ("p_memsz", "I"),
                ("p_flags", "I"), ("p_align", "I")]
    shdr = [("sh_name", "I"), ("sh_type", "I"), ("sh_flags", word),
            ("sh_addr", word), ("sh_offset", word), ("sh_size", word),
            ("sh_link", "I"), ("sh_info", "I"), ("sh_addralign", word),
            ("sh_entsize", word)]
    return Record(ehdr, endian), Record(phdr, endian), Record(shdr, endian)


class Layout:
    """File offsets of every part, as QEMU computes them (FORMATS.md 1.2)."""

    def __init__(self, style, ehdr, phdr, shdr, nphdr, note_size, ram_size):
        self.style, self.nphdr = style, nphdr
        self.xnum = nphdr >= PN_XNUM
        if style == "new":
            self.shoff, self.shnum = ehdr.size, 2
            self.phoff = self.shoff + self.shnum * shdr.size
            self.note_off = self.phoff + nphdr * phdr.size
        else:
            self.phoff = ehdr.size
            after_phdrs = self.phoff + nphdr * phdr.size
            self.shnum = 1 if self.xnum else 0
            self.shoff = after_phdrs if self.xnum else 0
            self.note_off = after_phdrs + self.shnum * shdr.size
        self.note_size = note_size
        self.mem_off = self.note_off + note_size
        self.section_off = self.mem_off + ram_size
        self.file_size = self.section_off + (
            len(SHSTRTAB) if style == "new" else 0)


# --------------------------------------------------------------------------
# Building the core

class CoreBuilder:
    def __init__(self, desc):
        self.desc = desc
        self.bits = desc.setting("class", 64)
        self.endian = desc.setting("data", "<")
        self.ehdr, self.phdr, self.shdr = elf_records(self.bits, self.endian)

    def build(self):
        """Everything that can fail on the description happens here, before
        the output file is opened."""
        notes = NoteBuilder(self.desc, self.endian).build()
        self.blocks = place_ram_blocks(self.desc.ram)
        self.memory = PhysMemory(self.blocks)
        apply_memops(self.desc.memops, self.memory, self.endian)
        ram_size = sum(b.size for b in self.blocks)
        nphdr = 1 + sum(spec.count for spec in self.desc.loads)
        self.layout = Layout(self.desc.setting("layout", "new"), self.ehdr,
                             self.phdr, self.shdr, nphdr, len(notes),
                             ram_size)
        self.check_fits_class()
        self.headers = (self.elf_header() + self.section_headers("new")
                        + self.program_headers()
                        + self.section_headers("old") + notes)
        self.patches = self.damage_patches()

    def check_fits_class(self):
        limit = 1 << self.bits
        if self.layout.file_size >= limit:
            raise DescError(None, "a %d-byte file does not fit ELFCLASS%d"
                            % (self.layout.file_size, self.bits))

    def elf_header(self):
        lay = self.layout
        ident = (b"\x7fELF" + bytes([1 if self.bits == 32 else 2,
                                     1 if self.endian == "<" else 2,
                                     EV_CURRENT, 0])).ljust(16, b"\0")
        return self.ehdr.pack(
            e_ident=ident,
            e_type=self.desc.setting("type", ETYPES["core"]),
            e_machine=self.desc.setting("machine", MACHINES["x86_64"]),
            e_version=EV_CURRENT,
            e_phoff=lay.phoff,
            e_shoff=lay.shoff,
            e_ehsize=self.ehdr.size,
            e_phentsize=self.phdr.size,
            e_phnum=min(lay.nphdr, PN_XNUM),
            e_shentsize=self.shdr.size if lay.shnum else 0,
            e_shnum=lay.shnum,
            e_shstrndx=lay.shnum - 1 if lay.style == "new" else 0)

    def section_headers(self, position):
        """The shdrs that sit at `position` ("new": before the phdrs,
        "old": after them); empty when this layout puts none there."""
        lay = self.layout
        if lay.style != position or lay.shnum == 0:
            return b""
        zero = self.shdr.pack(sh_info=lay.nphdr if lay.xnum else 0)
        if lay.style == "old":
            return zero
        return zero + self.shdr.pack(
            sh_name=SHSTRTAB_NAME, sh_type=SHT_STRTAB,
            sh_offset=lay.section_off, sh_size=len(SHSTRTAB))

    def program_headers(self):
        lay = self.layout
        parts = [self.phdr.pack(p_type=PT_NOTE, p_offset=lay.note_off,
                                p_filesz=lay.note_size,
                                p_memsz=lay.note_size)]
        starts = [b.start for b in self.blocks]
        for spec in self.desc.loads:
            for i in range(spec.count):
                parts.append(self.load_header(spec, i, starts))
        return b"".join(parts)

    def locate(self, paddr, size, starts):
        """(p_offset, p_filesz) of a load, from the block holding paddr."""
        i = bisect.bisect_right(starts, paddr) - 1
        if i < 0 or paddr >= self.blocks[i].end:
            return ABSENT, 0
        block = self.blocks[i]
        offset = self.layout.mem_off + block.file_rel + paddr - block.start
        return offset, min(size, block.end - paddr)

    def load_header(self, spec, i, starts):
        paddr = spec.paddr + i * spec.pstep
        vaddr = paddr if spec.vaddr is None else spec.vaddr + i * spec.vstep
        offset, filesz = self.locate(paddr, spec.size, starts)
        pick = lambda forced, computed: computed if forced is None else forced
        return self.phdr.pack(
            spec.lineno, p_type=PT_LOAD, p_flags=spec.flags,
            p_offset=pick(spec.offset, offset), p_vaddr=vaddr,
            p_paddr=paddr, p_filesz=pick(spec.filesz, filesz),
            p_memsz=pick(spec.memsz, spec.size))

    # -- damage ------------------------------------------------------------

    def damage_patches(self):
        """(file offset, bytes) for each `set`, and the `truncate` sizes, in
        order of appearance."""
        patches = []
        for kind, lineno, target, value in self.desc.damage:
            if kind == "truncate":
                patches.append((None, value))
            else:
                patches.append(self.set_patch(lineno, target, value))
        return patches

    def set_patch(self, lineno, target, value):
        m = SET_TARGET_RE.fullmatch(target)
        if m.group(1) is not None:                     # e_ident[N]
            index = int(m.group(1))
            if index >= 16:
                raise DescError(lineno, "e_ident has 16 bytes")
            return index, bytes([fit(value, 8, lineno, target)])
        if m.group(2) is None:                         # e_FIELD
            return self.field_patch(self.ehdr, 0, target, value, lineno)
        table, index, field = m.group(2), int(m.group(3)), m.group(4)
        lay = self.layout
        if table == "shdr":
            if index >= lay.shnum:
                raise DescError(lineno, "%s: this file has %d section "
                                        "header(s)" % (target, lay.shnum))
            base, record = lay.shoff + index * self.shdr.size, self.shdr
        else:
            if index >= lay.nphdr:
                raise DescError(lineno, "%s: this file has %d program "
                                        "headers" % (target, lay.nphdr))
            base, record = lay.phoff + index * self.phdr.size, self.phdr
        return self.field_patch(record, base, field, value, lineno)

    def field_patch(self, record, base, field, value, lineno):
        settable = [n for n in record.names if n != "e_ident"]
        if field not in settable:
            raise DescError(lineno, "set: no field %r (known: %s)"
                            % (field, " ".join(settable)))
        offset, code = record.fields[field]
        bits = 8 * struct.calcsize("<" + code)
        return base + offset, struct.pack(self.endian + code,
                                          fit(value, bits, lineno, field))

    # -- output ------------------------------------------------------------

    def write(self, f):
        lay = self.layout
        f.write(self.headers)
        for block in self.blocks:
            for paddr, chunk in self.memory.chunks(block):
                f.seek(lay.mem_off + block.file_rel + paddr - block.start)
                f.write(chunk)
        if lay.style == "new":
            f.seek(lay.section_off)
            f.write(SHSTRTAB)
        f.truncate(lay.file_size)
        for offset, patch in self.patches:
            if offset is None:
                f.truncate(patch)
            else:
                f.seek(offset)
                f.write(patch)


def write_atomically(path, builder):
    """Write to a temporary file beside `path`, then rename it into place,
    so a failure never leaves a partial core."""
    tmp = "%s.tmp%d" % (path, os.getpid())
    try:
        with open(tmp, "wb") as f:
            builder.write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def build_core(prog, desc_name, text, out_path):
    """Parse description `text` (named `desc_name` in messages), write the
    core to `out_path`; print what went wrong and return the exit status
    (0, 2 for a bad description, 1 for I/O)."""
    try:
        builder = CoreBuilder(Parser(desc_name, text).parse())
        builder.build()
        write_atomically(out_path, builder)
    except DescError as e:
        where = desc_name if e.lineno is None else "%s:%d" % (desc_name,
                                                             e.lineno)
        sys.stderr.write("%s: %s: %s\n" % (prog, where, e.message))
        return 2
    except OSError as e:
        sys.stderr.write("%s: %s: %s\n" % (prog, e.filename or out_path,
                                           e.strerror))
        return 1
    return 0


def main(argv):
    prog = os.path.basename(argv[0])
    if len(argv) != 3:
        sys.stderr.write("usage: %s DESC OUT\n" % prog)
        return 2
    desc_path, out_path = argv[1], argv[2]
    try:
        with open(desc_path, "rb") as f:
            text = f.read().decode("latin-1")   # byte-exact strings
    except OSError as e:
        sys.stderr.write("%s: %s: %s\n" % (prog, desc_path, e.strerror))
        return 1
    return build_core(prog, desc_path, text, out_path)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
