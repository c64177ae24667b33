#!/bin/bash
# Self-test for tests/mkcore.py: generate small descriptions into a temporary
# directory and check the cores with readelf -hlnW (binutils), od, du and
# Python struct. Prints one line per check and "N passed, N failed" last;
# exits non-zero when a check fails.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
MKCORE=$here/mkcore.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() {
	failed=$((failed + 1))
	echo "FAIL $1"
	if [ -n "${2:-}" ]; then printf '%s\n' "$2" | head -20 | sed 's/^/     /'; fi
}

# gen NAME: description on stdin -> $tmp/NAME.txt -> $tmp/NAME.core, plus
# $tmp/NAME.re (readelf -hlnW output). Counts as a check.
gen() {
	cat >"$tmp/$1.txt"
	local err
	if err=$("$PY" "$MKCORE" "$tmp/$1.txt" "$tmp/$1.core" 2>&1); then
		# -h hides the "There are N program headers" line of -l: add it.
		{ readelf -hlnW "$tmp/$1.core"; readelf -lW "$tmp/$1.core" | head -4; } \
			>"$tmp/$1.re" 2>&1 || true
		pass "$1: mkcore succeeds"
	else
		: >"$tmp/$1.re"
		fail "$1: mkcore succeeds" "$err"
	fi
}

# has NAME TEXT...: readelf output of NAME contains each TEXT (blanks squeezed).
has() {
	local name=$1 text
	shift
	for text in "$@"; do
		if tr -s ' \t' ' ' <"$tmp/$name.re" | grep -qF -- "$text"; then
			pass "$name: readelf shows '$text'"
		else
			fail "$name: readelf shows '$text'" "$(head -30 "$tmp/$name.re")"
		fi
	done
}

# py NAME EXPR...: each Python EXPR is true for $tmp/NAME.core (see chk.py).
py() {
	local name=$1 expr out
	shift
	for expr in "$@"; do
		if out=$("$PY" "$tmp/chk.py" "$tmp/$name.core" "$expr" 2>&1); then
			pass "$name: $expr"
		else
			fail "$name: $expr" "$out"
		fi
	done
}

# rejects NAME PATTERN: mkcore exits 2 on stdin's description, and its message
# matches PATTERN (grep -E), which should include the line number.
rejects() {
	local name=$1 pattern=$2 err rc=0
	cat >"$tmp/$name.txt"
	err=$("$PY" "$MKCORE" "$tmp/$name.txt" "$tmp/$name.core" 2>&1) || rc=$?
	if [ "$rc" -eq 2 ] && printf '%s\n' "$err" | grep -qE -- "$pattern" &&
		[ ! -e "$tmp/$name.core" ]; then
		pass "$name: rejected with '$pattern'"
	else
		fail "$name: rejected with '$pattern'" "exit $rc: $err"
	fi
}

# A small ELF reader for the checks; `expr` sees these names.
cat >"$tmp/chk.py" <<'EOF'
import mmap, os, struct, sys

path, expr = sys.argv[1], sys.argv[2]
f = open(path, "rb")
size = os.fstat(f.fileno()).st_size
raw = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
C = 64 if raw[4] == 2 else 32
E = "<" if raw[5] == 1 else ">"
W = "Q" if C == 64 else "I"

def at(off, fmt):
    return struct.unpack_from(E + fmt, raw, off)[0]

def record(off, fields):
    out = {}
    for name, fmt in fields:
        out[name] = at(off, fmt)
        off += struct.calcsize("<" + fmt)
    return out

EHDR = [("e_ident", "16s"), ("e_type", "H"), ("e_machine", "H"),
        ("e_version", "I"), ("e_entry", W), ("e_phoff", W), ("e_shoff", W),
        ("e_flags", "I"), ("e_ehsize", "H"), ("e_phentsize", "H"),
        ("e_phnum", "H"), ("e_shentsize", "H"), ("e_shnum", "H"),
        ("e_shstrndx", "H")]
PHDR = ([("p_type", "I"), ("p_flags", "I")] + [(n, "Q") for n in
        ("p_offset", "p_vaddr", "p_paddr", "p_filesz", "p_memsz", "p_align")]
        if C == 64 else [(n, "I") for n in ("p_type", "p_offset", "p_vaddr",
        "p_paddr", "p_filesz", "p_memsz", "p_flags", "p_align")])
SHDR = [("sh_name", "I"), ("sh_type", "I"), ("sh_flags", W), ("sh_addr", W),
        ("sh_offset", W), ("sh_size", W), ("sh_link", "I"), ("sh_info", "I"),
        ("sh_addralign", W), ("sh_entsize", W)]

eh = record(0, EHDR)

def sh(i):
    return record(eh["e_shoff"] + i * eh["e_shentsize"], SHDR)

def phnum():
    return sh(0)["sh_info"] if eh["e_phnum"] == 0xFFFF else eh["e_phnum"]

def ph(i):
    return record(eh["e_phoff"] + i * eh["e_phentsize"], PHDR)

def notes():
    """[(name, type, desc, offset of desc)] of the PT_NOTE (phdr 0)."""
    note, out = ph(0), []
    off, end = note["p_offset"], note["p_offset"] + note["p_filesz"]
    pad = lambda n: (n + 3) & ~3
    while off + 12 <= end:
        namesz, descsz, ntype = (at(off + 4 * i, "I") for i in range(3))
        name = bytes(raw[off + 12:off + 12 + namesz]).rstrip(b"\0").decode()
        doff = off + 12 + pad(namesz)
        out.append((name, ntype, bytes(raw[doff:doff + descsz]), doff))
        off = doff + pad(descsz)
    return out

def desc(i):
    return notes()[i][2]

def nfield(i, off, fmt):
    return struct.unpack_from(E + fmt, desc(i), off)[0]

def mem(paddr, n):
    """n bytes at paddr through the first PT_LOAD holding them in the file."""
    for i in range(1, phnum()):
        p = ph(i)
        if p["p_paddr"] <= paddr and paddr + n <= p["p_paddr"] + p["p_filesz"]:
            off = p["p_offset"] + paddr - p["p_paddr"]
            return bytes(raw[off:off + n])
    raise SystemExit("0x%x not in any PT_LOAD" % paddr)

def u64(paddr):
    return struct.unpack(E + "Q", mem(paddr, 8))[0]

try:
    ok = eval(expr)
except Exception as e:
    sys.exit("error: %r" % e)
if not ok:
    sys.exit("false")
EOF

# ---------------------------------------------------------------------------
echo "# new layout, ELF64 x86_64, every kind of note"
gen new64 <<'EOF'
machine x86_64
note prstatus rip=0xffffffff81000000 rsp=0xffffc90000003e00 cs=0x10 orig_rax=-1
note prstatus pid=9 gs=0x2b
note qemu cr0=0x80050033 cr3=0x1000 cr4=0x20 cs.flags=0x209b00 idt.base=0xfffffe0000000000 kernel_gs_base=0x77 r15=0xf15 rflags=0x246
note qemu size=432                      # pre-kernel_gs_base QEMU: 432 bytes
note qemu descsz=16                     # truncated desc, stated size 440
note raw name=LINUX type=0x405 desc=00112233
note vmcoreinfo
OSRELEASE=6.1.0-test   # comments are stripped
PAGESIZE=4096
end
ram 0x0 1M
ram 0x200000 1M
load 0x0 1M
load 0x200000 2M                        # filesz clamped to the block: 1M
str 0x6000 "Linux version\t6.1\x21\n"
str 0x6100 "q\"b\\s\0z # not a comment"   # a comment
u64 0x1000 0x2003 0x3003
u32 0x1010 0xdeadbeef
bytes 0x7000 de ad be ef
fill 0x8000 4K 0xcc
pte64 0x9000 511 0xa003                 # PML4[511] -> 0xa000
pte32 0xb000 768 0xc003                 # PD[768] -> 0xc000
u64 0xfff8 0x1122334455667788 0x99aabbccddeeff00   # crosses a page boundary
EOF
has new64 "Class: ELF64" "little endian" "Type: CORE (Core file)" \
	"Machine: Advanced Micro Devices X86-64" \
	"Start of program headers: 192 (bytes into file)" \
	"Start of section headers: 64 (bytes into file)" \
	"Number of program headers: 3" "Number of section headers: 2" \
	"Section header string table index: 1" \
	"CORE 0x00000150 NT_PRSTATUS" "QEMU 0x000001b8 Unknown note type: (0x00000000)" \
	"QEMU 0x000001b0" "QEMU 0x00000010" "VMCOREINFO 0x00000023" \
	"LINUX 0x00000004 NT_ARM_SVE"
py new64 \
	'[n[0] for n in notes()] == ["CORE", "CORE", "QEMU", "QEMU", "QEMU", "LINUX", "VMCOREINFO"]' \
	'[len(n[2]) for n in notes()][:5] == [336, 336, 440, 432, 16]' \
	'nfield(0, 32, "I") == 1 and nfield(1, 32, "I") == 9' \
	'nfield(0, 112 + 16 * 8, "Q") == 0xffffffff81000000' \
	'nfield(0, 112 + 19 * 8, "Q") == 0xffffc90000003e00' \
	'nfield(0, 112 + 17 * 8, "Q") == 0x10' \
	'nfield(0, 112 + 15 * 8, "Q") == 2**64 - 1' \
	'nfield(1, 112 + 26 * 8, "Q") == 0x2b and nfield(0, 328, "I") == 0' \
	'nfield(2, 0, "I") == 1 and nfield(2, 4, "I") == 440' \
	'nfield(2, 392, "Q") == 0x80050033 and nfield(2, 416, "Q") == 0x1000 and nfield(2, 424, "Q") == 0x20' \
	'nfield(2, 152 + 8, "I") == 0x209b00 and nfield(2, 152 + 9 * 24 + 16, "Q") == 0xfffffe0000000000' \
	'nfield(2, 432, "Q") == 0x77 and nfield(2, 128, "Q") == 0xf15 and nfield(2, 144, "Q") == 0x246' \
	'nfield(3, 4, "I") == 432 and nfield(4, 4, "I") == 440' \
	'desc(5) == bytes.fromhex("00112233") and notes()[5][1] == 0x405' \
	'desc(6) == b"OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"' \
	'ph(0)["p_type"] == 4 and ph(0)["p_offset"] == 192 + 3 * 56 and ph(0)["p_filesz"] == ph(0)["p_memsz"]' \
	'all(ph(i)["p_flags"] == 0 and ph(i)["p_align"] == 0 for i in range(3))' \
	'ph(1)["p_offset"] == ph(0)["p_offset"] + ph(0)["p_filesz"]' \
	'ph(1)["p_vaddr"] == ph(1)["p_paddr"] == 0 and ph(2)["p_vaddr"] == 0x200000' \
	'ph(2)["p_offset"] == ph(1)["p_offset"] + 0x100000' \
	'ph(2)["p_filesz"] == 0x100000 and ph(2)["p_memsz"] == 0x200000' \
	'all(v == 0 for v in sh(0).values())' \
	'sh(1)["sh_type"] == 3 and sh(1)["sh_name"] == 1 and sh(1)["sh_size"] == 11' \
	'sh(1)["sh_offset"] == ph(1)["p_offset"] + 0x200000 and size == sh(1)["sh_offset"] + 11' \
	'raw[sh(1)["sh_offset"]:] == b"\0.shstrtab\0"' \
	'mem(0x6000, 20) == b"Linux version\t6.1!\n\0"' \
	'mem(0x6100, 24) == b"q\"b\\s\0z # not a comment\0"' \
	'u64(0x1000) == 0x2003 and u64(0x1008) == 0x3003 and mem(0x1010, 4) == bytes.fromhex("efbeadde")' \
	'mem(0x7000, 5) == bytes.fromhex("deadbeef00")' \
	'mem(0x7fff, 4098) == b"\0" + b"\xcc" * 4096 + b"\0"' \
	'u64(0x9000 + 511 * 8) == 0xa003 and struct.unpack("<I", mem(0xb000 + 768 * 4, 4))[0] == 0xc003' \
	'u64(0xfff8) == 0x1122334455667788 and u64(0x10000) == 0x99aabbccddeeff00'
# od cross-check of the first bytes: magic, class 2, data 1, version 1.
if [ "$(od -An -tx1 -N7 "$tmp/new64.core" | tr -d ' \n')" = 7f454c46020101 ]; then
	pass "new64: od shows the ELF64 LSB magic"
else
	fail "new64: od shows the ELF64 LSB magic" "$(od -An -tx1 -N16 "$tmp/new64.core")"
fi

echo "# raw notes built to be malformed"
gen rawnote <<'EOF'
note raw name=A type=1 desc=aabb
note raw name= type=2
note raw name=BAD type=3 desc=01020304 namesz=3 descsz=99 noterm
EOF
# namesz descsz type name desc, for each note: "A", "" and "BAD" unterminated.
py rawnote 'raw[ph(0)["p_offset"]:][:ph(0)["p_filesz"]].hex() == "02000000020000000100000041000000aabb0000" "01000000000000000200000000000000" "0300000063000000030000004241440001020304"'

echo "# old layout (QEMU <= 7.1): phdrs at 64, no sections"
gen old64 <<'EOF'
layout old
note prstatus rip=0x1234
ram 0x0 64K
load 0x0 64K
u64 0x100 0x42
EOF
has old64 "Start of program headers: 64 (bytes into file)" \
	"Start of section headers: 0 (bytes into file)" \
	"Number of section headers: 0" "Number of program headers: 2"
py old64 'eh["e_shentsize"] == 0 and eh["e_shstrndx"] == 0' \
	'ph(0)["p_offset"] == 64 + 2 * 56 and ph(1)["p_offset"] == 176 + 12 + 8 + 336' \
	'size == ph(1)["p_offset"] + 0x10000 and u64(0x100) == 0x42'

echo "# ELFCLASS32, i386 PRSTATUS"
gen elf32 <<'EOF'
class 32
machine i386
note prstatus eip=0xc1000000 esp=0xc1800000 cs=0x60 eflags=0x246 ss=0x68
note qemu cr0=0x80000011 cr3=0x1d00000 cr4=0x10
ram 0x0 1M
load 0x0 1M
load 0xc0000000 4K                      # absent in ELF32: p_offset 0xffffffff
u32 0x2000 0x11223344
EOF
has elf32 "Class: ELF32" "Machine: Intel 80386" \
	"Start of program headers: 132 (bytes into file)" \
	"Start of section headers: 52 (bytes into file)" \
	"Size of program headers: 32 (bytes)" "Size of section headers: 40 (bytes)" \
	"CORE 0x00000090 NT_PRSTATUS" "QEMU 0x000001b8"
py elf32 'len(desc(0)) == 144 and nfield(0, 24, "I") == 1' \
	'nfield(0, 72 + 12 * 4, "I") == 0xc1000000 and nfield(0, 72 + 13 * 4, "I") == 0x60 and nfield(0, 72 + 16 * 4, "I") == 0x68' \
	'nfield(1, 416, "Q") == 0x1d00000' \
	'ph(2)["p_offset"] == 0xffffffff and ph(2)["p_filesz"] == 0 and ph(2)["p_memsz"] == 4096' \
	'mem(0x2000, 4) == bytes.fromhex("44332211")'

echo "# i386 PRSTATUS inside ELFCLASS64 (QEMU's EM_386 with RAM above 4G)"
gen i386in64 <<'EOF'
class 64
machine i386
prstatus-layout i386
note prstatus eip=0x1000
ram 0x0 4K
ram 0x100000000 4K
load 0x0 4K
load 0x100000000 4K
EOF
has i386in64 "Class: ELF64" "Machine: Intel 80386" "CORE 0x00000090 NT_PRSTATUS"
py i386in64 'ph(2)["p_offset"] == ph(1)["p_offset"] + 4096'

echo "# MSB, aarch64"
gen msb <<'EOF'
data msb
machine aarch64
note prstatus pc=0xffff800008010000 sp=0xffff80000a003e00 pstate=0x3c5 x30=0x30
note prfpreg
note qemu cr3=0x1000                    # not QEMU-like on ARM; checks byte order
note vmcoreinfo
PAGESIZE=4096
end
ram 0x40000000 1M
load 0x40000000 1M
u64 0x40001000 0x0102030405060708
EOF
has msb "big endian" "Machine: AArch64" "CORE 0x00000188 NT_PRSTATUS" \
	"CORE 0x00000210 NT_FPREGSET"
py msb 'E == ">" and eh["e_machine"] == 183 and eh["e_phoff"] == 192' \
	'len(desc(0)) == 392 and nfield(0, 32, "I") == 1 and nfield(0, 384, "I") == 1' \
	'nfield(0, 112 + 32 * 8, "Q") == 0xffff800008010000 and nfield(0, 112 + 31 * 8, "Q") == 0xffff80000a003e00' \
	'nfield(0, 112 + 33 * 8, "Q") == 0x3c5 and nfield(0, 112 + 30 * 8, "Q") == 0x30' \
	'desc(1) == bytes(528) and nfield(2, 416, "Q") == 0x1000' \
	'mem(0x40001000, 8) == bytes(range(1, 9)) and sh(1)["sh_size"] == 11'

echo "# PN_XNUM: 70000 PT_LOADs, new and old layout"
gen xnum <<'EOF'
note prstatus
ram 0x0 1M
load 0x0 4K count=70000 vstep=4K vaddr=0xffffc90000000000
u64 0x0 0xfeedface
EOF
has xnum "Number of program headers: 65535 (70001)" \
	"There are 70001 program headers"
loads=$(readelf -lW "$tmp/xnum.core" | grep -c '^ *LOAD ' || true)
if [ "$loads" = 70000 ]; then
	pass "xnum: readelf -l lists 70000 LOAD lines"
else
	fail "xnum: readelf -l lists 70000 LOAD lines" "got $loads"
fi
py xnum 'eh["e_phnum"] == 0xffff and sh(0)["sh_info"] == 70001 and eh["e_shoff"] == 64' \
	'ph(0)["p_offset"] == 192 + 70001 * 56' \
	'ph(70000)["p_vaddr"] == 0xffffc90000000000 + 69999 * 4096 and ph(70000)["p_paddr"] == 0' \
	'len({ph(i)["p_offset"] for i in (1, 2, 35000, 70000)}) == 1' \
	'raw[ph(70000)["p_offset"]:ph(70000)["p_offset"] + 4] == bytes.fromhex("cefaedfe")'
gen xnumold <<'EOF'
layout old
ram 0x0 1M
load 0x0 4K count=65534 pstep=4K          # 65535 phdrs: PN_XNUM already
EOF
has xnumold "Number of program headers: 65535 (65535)" \
	"There are 65535 program headers"
py xnumold 'eh["e_phoff"] == 64 and eh["e_shoff"] == 64 + 65535 * 56 and eh["e_shnum"] == 1' \
	'eh["e_shstrndx"] == 0 and sh(0)["sh_info"] == 65535' \
	'ph(0)["p_offset"] == eh["e_shoff"] + 64' \
	'ph(3)["p_paddr"] == ph(3)["p_vaddr"] == 0x2000'
gen nonxnum <<'EOF'
ram 0x0 1M
load 0x0 4K count=65533
EOF
py nonxnum 'eh["e_phnum"] == 65534 and sh(0)["sh_info"] == 0'

echo "# aliases, absent and clamped loads"
gen loads <<'EOF'
ram 0x0 1M
ram 0x100000 1M                         # adjacent block: a separate RAM range
load 0x0 1M
load 0x100000 1M
load 0x1000 4K vaddr=0xffff888000001000  # alias of phys 0x1000
load 0x80000000 4K                      # in no RAM block
load 0xff000 8K                         # runs past its block end
load 0x3000 4K offset=0x10 filesz=0x20 memsz=0x30 flags=7
str 0x1000 "alias data"
fill 0xff000 8K 0x5a                    # a write may span adjacent blocks
EOF
py loads 'ph(3)["p_offset"] == ph(1)["p_offset"] + 0x1000 and ph(3)["p_vaddr"] == 0xffff888000001000' \
	'raw[ph(3)["p_offset"]:ph(3)["p_offset"] + 10] == b"alias data"' \
	'ph(4)["p_offset"] == 2**64 - 1 and ph(4)["p_filesz"] == 0 and ph(4)["p_memsz"] == 4096' \
	'ph(5)["p_filesz"] == 0x1000 and ph(5)["p_memsz"] == 0x2000' \
	'mem(0xff000, 4096) == b"\x5a" * 4096 and mem(0x100000, 4096) == b"\x5a" * 4096' \
	'(ph(6)["p_offset"], ph(6)["p_filesz"], ph(6)["p_memsz"], ph(6)["p_flags"]) == (0x10, 0x20, 0x30, 7)'
has loads "LOAD 0xffffffffffffffff 0x0000000080000000 0x0000000080000000 0x000000 0x001000"

echo "# sparse: a 512M block costs no disk"
gen sparse <<'EOF'
ram 0x0 512M
load 0x0 512M
u64 0x10000000 0x1234
str 0x1ffffff0 "end of RAM"
EOF
apparent=$(stat -c %s "$tmp/sparse.core" 2>/dev/null || echo 0)
used_k=$(du -k "$tmp/sparse.core" 2>/dev/null | cut -f1 || true)
if [ "$apparent" -gt $((512 * 1024 * 1024)) ] && [ "$used_k" -lt 1024 ]; then
	pass "sparse: ${apparent} bytes, ${used_k}K on disk"
else
	fail "sparse: ${apparent} bytes, ${used_k}K on disk"
fi
py sparse 'u64(0x10000000) == 0x1234 and mem(0x1ffffff0, 10) == b"end of RAM"'

echo "# physdata and rawnotes"
"$PY" - "$tmp" <<'EOF' || fail "physdata: sample files written"
import gzip, struct, sys
d = sys.argv[1]
recs = struct.pack("<QQ", 0x3000, 4) + b"WXYZ" + struct.pack("<QQ", 0x5ffe, 4) + b"abcd"
open(d + "/sample.bin.gz", "wb").write(gzip.compress(recs, mtime=0))
note = struct.pack("<III", 5, 4, 1) + b"CORE\0\0\0\0" + b"1234"
open(d + "/sample.notes", "wb").write(note)
EOF
gen physdata <<'EOF'
ram 0x0 1M
load 0x0 1M
physdata sample.bin.gz
rawnotes sample.notes
EOF
py physdata 'mem(0x3000, 4) == b"WXYZ" and mem(0x5ffe, 4) == b"abcd"' \
	'notes() == [("CORE", 1, b"1234", notes()[0][3])] and ph(0)["p_filesz"] == 24'

echo "# set and truncate"
gen damage <<'EOF'
ram 0x0 64K
load 0x0 64K
set e_phoff 0x40
set e_ident[7] 3                        # EI_OSABI
set shdr0.sh_info 70000
set phdr0.p_align 8
set e_phnum 0xffff
truncate 0x1000
EOF
py damage 'size == 0x1000 and eh["e_phoff"] == 0x40 and eh["e_ident"][7] == 3' \
	'eh["e_phnum"] == 0xffff and at(64 + 44, "I") == 70000' \
	'at(192 + 48, "Q") == 8'

echo "# fixtures"
# Descriptions name data files relative to themselves: bring them along.
cp "$here"/fixtures/*.gz "$tmp"/
for fx in "$here"/fixtures/*.core.txt; do
	name=fixture-$(basename "$fx" .core.txt)
	gen "$name" <"$fx"
done
has fixture-x86_64-basic "CORE 0x00000150 NT_PRSTATUS" "QEMU 0x000001b8" \
	"Number of program headers: 3"
py fixture-x86_64-basic \
	'[n[0] for n in notes()] == ["CORE", "CORE", "QEMU", "QEMU", "VMCOREINFO"]' \
	'nfield(2, 416, "Q") != nfield(3, 416, "Q") and nfield(2, 424, "Q") == 0x3406f0' \
	'nfield(2, 152 + 8, "I") >> 21 & 1 == 1 and nfield(2, 424, "Q") >> 12 & 1 == 0' \
	'b"SYMBOL(swapper_pg_dir)=ffffffff80101000\n" in desc(4) and b"NUMBER(pgtable_l5_enabled)=0\n" in desc(4)' \
	'mem(0x180000, 14) == b"Linux version " and mem(0xfffffff0, 5) == bytes.fromhex("ea5be000f0")'
has fixture-aarch64-basic "Machine: AArch64" "CORE 0x00000188 NT_PRSTATUS" \
	"CORE 0x00000210 NT_FPREGSET"
py fixture-aarch64-basic \
	'[n[1] for n in notes()] == [1, 2, 1, 2, 0] and notes()[4][0] == "VMCOREINFO"' \
	'b"NUMBER(kimage_voffset)=0xffff800007e00000\n" in desc(4)' \
	'mem(0x40290000, 14) == b"Linux version "'

echo "# determinism"
if "$PY" "$MKCORE" "$tmp/new64.txt" "$tmp/again.core" &&
	cmp -s "$tmp/new64.core" "$tmp/again.core"; then
	pass "new64: two runs give identical files"
else
	fail "new64: two runs give identical files"
fi

echo "# errors: exit 2, naming the line"
rejects bad-directive 'bad-directive.txt:3: unknown directive' <<'EOF'
ram 0x0 4K
# comment
frobnicate 1
EOF
rejects outside-ram 'outside-ram.txt:2: write to 0x2000\.\.0x2007 is outside every RAM block' <<'EOF'
ram 0x0 4K
u64 0x2000 1
EOF
rejects straddle 'straddle.txt:3: .*outside every RAM block' <<'EOF'
ram 0x0 4K
ram 0x2000 4K
fill 0xff0 32 1
EOF
rejects bad-number 'bad-number.txt:1: bad size' <<'EOF'
ram 0x0 12Q
EOF
rejects no-end 'no-end.txt:1: .*end' <<'EOF'
note vmcoreinfo
OSRELEASE=1
EOF
rejects bad-reg 'bad-reg.txt:2: unknown prstatus key' <<'EOF'
machine aarch64
note prstatus rip=1
EOF
rejects bad-qemu-key 'bad-qemu-key.txt:1: unknown key' <<'EOF'
note qemu cr9=1
EOF
rejects overlap 'overlap.txt:2: RAM block 0x1000 overlaps' <<'EOF'
ram 0x0 8K
ram 0x1000 4K
EOF
rejects too-big 'too-big.txt:3: .*does not fit in 32 bits' <<'EOF'
class 32
ram 0x0 4K
load 0x100000000 4K
EOF
rejects no-shdr 'no-shdr.txt:2: shdr0.sh_info: this file has 0 section' <<'EOF'
layout old
set shdr0.sh_info 1
EOF
rejects dup-class 'dup-class.txt:2: class already given on line 1' <<'EOF'
class 64
class 32
EOF
rejects quote 'quote.txt:2: unterminated string' <<'EOF'
ram 0x0 4K
str 0x0 "abc
EOF

# ---------------------------------------------------------------------------
echo "# the kernel's VMCOREINFO in RAM, and printk rings"
gen viram <<'EOF'
ram 0x0 64K
load 0x0 64K
vmcoreinfo-ram 0x1000
OSRELEASE=6.1.0-test
end
vmcoreinfo-ram 0x2000 bare
OSRELEASE=6.1.0-test
end
EOF
py viram "mem(0x1000, 24) == struct.pack('<III', 11, 21, 0) + b'VMCOREINFO\\0\\0'" \
	"mem(0x1018, 22) == b'OSRELEASE=6.1.0-test\\n\\0'" \
	"mem(0x2000, 22) == b'OSRELEASE=6.1.0-test\\n\\0'"
gen ring <<'EOF'
ram 0x0 1M
load 0x0 1M
note vmcoreinfo
OSRELEASE=6.1.0-test
SIZE(prb_desc)=99                # the text's own lines override the ring's
end
printk ring at=0x10000 va=0xffff888000010000 count_bits=1 data_bits=6 data_start=32
printk rec id=3 ts=7 text="abc"
printk rec id=4 ts=8 level=3 caller=0x80000002 text="wraps"
EOF
py ring "desc(0).startswith(b'OSRELEASE=6.1.0-test\\nSYMBOL(prb)=ffff888000010000\\n')" \
	"desc(0).endswith(b'SIZE(prb_desc)=99\\n')" \
	"u64(0x10000) == 0xffff888000010040" \
	"u64(0x10040) == 1 and u64(0x10048) == 0xffff888000011000 and u64(0x10058) == 4 and u64(0x10060) == 3" \
	"u64(0x11000 + 24) == (2 << 62 | 3) and u64(0x11000 + 32) == 32 and u64(0x11000 + 40) == 48" \
	"u64(0x11000) == (2 << 62 | 4) and u64(0x11008) == 48 and u64(0x11010) == 64 + 16" \
	"mem(0x13000 + 32, 11) == struct.pack('<Q', 3) + b'abc'" \
	"mem(0x13000, 13) == struct.pack('<Q', 4) + b'wraps' and u64(0x13000 + 48) == 4" \
	"mem(0x12000, 24) == struct.pack('<QQHBBI', 4, 8, 5, 0, 3 << 5 | 2, 0x80000002)"
gen logbuf <<'EOF'
ram 0x0 1M
load 0x0 1M
note vmcoreinfo
OSRELEASE=5.4.0-test
end
printk logbuf at=0x10000 va=0xffff888000010000 len=64 start=32
printk log ts=5 text="0123456789"
printk log ts=6 level=2 text="x"
EOF
py logbuf "b'SYMBOL(log_first_idx)=ffff88800001000c' in desc(0)" \
	"mem(0x10008, 12) == struct.pack('<III', 64, 32, 24)" \
	"mem(0x11000 + 32, 26) == struct.pack('<QHHHBB', 5, 32, 10, 0, 0, 6 << 5 | 2) + b'0123456789'" \
	"mem(0x11000, 17) == struct.pack('<QHHHBB', 6, 24, 1, 0, 0, 2 << 5 | 2) + b'x'"
rejects rec-alone 'rec-alone.txt:2: printk rec/log without a printk ring' <<'EOF'
ram 0x0 1M
printk rec id=1 text="x"
EOF
rejects ring-no-text 'ring-no-text.txt:2: printk ring needs a VMCOREINFO text' <<'EOF'
ram 0x0 1M
printk ring at=0x10000 va=0xffff888000010000
EOF
rejects ring-kind 'ring-kind.txt:3: printk log does not go with printk ring' <<'EOF'
ram 0x0 1M
printk ring at=0x10000 va=0xffff888000010000
printk log text="x"
EOF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
