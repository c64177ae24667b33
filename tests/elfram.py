#!/usr/bin/python3
"""elfram.py REF OUT [--subset [--absent RANGES] | --no-coverage] -- compare two ELF cores' RAM.

An independent check of vmcore-tool's outputs (convert, remap): reads the
PT_LOADs of both cores with the standard library only (ELF32/ELF64,
little-endian, PN_XNUM), maps each physical address to its file bytes by
p_paddr, and compares.

  - every byte of OUT's RAM (PT_LOADs with p_filesz > 0, by p_paddr) must
    equal REF's byte at the same physical address;
  - unless --subset, OUT must hold all of REF's RAM;
  - with --subset, REF's RAM that OUT lacks must be all zero bytes or lie in
    the ranges given by --absent (a file of "START END" hex lines, END
    exclusive: the pages a kdump dump excluded);
  - with --no-coverage, what OUT lacks is not looked at (a dump whose writer
    saw less RAM than REF has, as makedumpfile sees System RAM only).

Prints one line: "equal: N bytes in M ranges (K absent)"; exit 0 when equal,
1 when not (naming the first differing physical address), 2 on bad input.
Data is compared 1 MiB at a time through mmap; holes read as zeros.
"""

import mmap
import struct
import sys

PT_LOAD = 1
PN_XNUM = 0xFFFF


def loads(path):
    """[(paddr, size, foff)] of PT_LOADs with file data, and the mmap."""
    f = open(path, "rb")
    mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if mm[:4] != b"\x7fELF" or mm[5] != 1:
        raise ValueError("%s: not a little-endian ELF file" % path)
    e64 = mm[4] == 2
    if e64:
        phoff, shoff = struct.unpack_from("<QQ", mm, 32)
        phent, phnum = struct.unpack_from("<HH", mm, 54)
        if phnum == PN_XNUM:
            phnum = struct.unpack_from("<I", mm, shoff + 44)[0]
    else:
        phoff, shoff = struct.unpack_from("<II", mm, 28)
        phent, phnum = struct.unpack_from("<HH", mm, 42)
        if phnum == PN_XNUM:
            phnum = struct.unpack_from("<I", mm, shoff + 28)[0]
    out = []
    for i in range(phnum):
        o = phoff + i * phent
        if e64:
            typ, _, off, _, paddr, filesz = struct.unpack_from("<IIQQQQ", mm, o)
        else:
            typ, off, _, paddr, filesz = struct.unpack_from("<IIIII", mm, o)
        if typ != PT_LOAD or filesz == 0 or off in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
            continue
        if off + filesz > len(mm):
            raise ValueError("%s: PT_LOAD[%d] runs past end of file" % (path, i))
        out.append((paddr, filesz, off))
    out.sort()
    return out, mm


def merged(ranges):
    """Disjoint physical ranges [(start, end)] covered by ranges."""
    res = []
    for p, n, _ in ranges:
        if res and p <= res[-1][1]:
            res[-1][1] = max(res[-1][1], p + n)
        else:
            res.append([p, p + n])
    return res


def locate(ranges, paddr):
    """(foff, bytes available) of paddr in ranges, or None. Linear from a
    bisect point: ranges are sorted by paddr."""
    import bisect
    i = bisect.bisect_right(ranges, (paddr, float("inf"), 0)) - 1
    # The last range starting at or below paddr may not contain it while an
    # earlier, longer one (an alias) does: look back a little.
    for j in range(i, max(-1, i - 8), -1):
        p, n, off = ranges[j]
        if p <= paddr < p + n:
            return off + (paddr - p), p + n - paddr
    return None


def main(argv):
    args = argv[1:]
    subset = "--subset" in args
    coverage = "--no-coverage" not in args
    absent = []
    if "--absent" in args:
        k = args.index("--absent")
        with open(args[k + 1]) as f:
            absent = [tuple(int(x, 16) for x in line.split()) for line in f if line.strip()]
        del args[k:k + 2]
    args = [a for a in args if a not in ("--subset", "--no-coverage")]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    try:
        ref, rmm = loads(args[0])
        out, omm = loads(args[1])
    except (OSError, ValueError, struct.error) as e:
        print("elfram: %s" % e, file=sys.stderr)
        return 2
    CH = 1 << 20
    total = 0
    # OUT's bytes against REF's.
    for p, n, off in out:
        done = 0
        while done < n:
            hit = locate(ref, p + done)
            if not hit:
                print("differ: physical 0x%x is in %s but not in %s"
                      % (p + done, args[1], args[0]))
                return 1
            roff, avail = hit
            k = min(CH, n - done, avail)
            if omm[off + done:off + done + k] != rmm[roff:roff + k]:
                a = omm[off + done:off + done + k]
                b = rmm[roff:roff + k]
                first = next(i for i in range(k) if a[i] != b[i])
                print("differ: physical 0x%x (%s offset 0x%x, %s offset 0x%x)"
                      % (p + done + first, args[1], off + done + first,
                         args[0], roff + first))
                return 1
            done += k
            total += k
    # REF's RAM that OUT lacks.
    have = merged(out)
    missing_absent = 0
    import bisect
    starts = [a for a, _ in have]
    for s, e in merged(ref) if coverage else []:
        pos = s
        while pos < e:
            i = bisect.bisect_right(starts, pos) - 1
            if i >= 0 and pos < have[i][1]:
                pos = have[i][1]
                continue
            nxt = starts[i + 1] if i + 1 < len(starts) else e
            gap_end = min(e, nxt)
            if not subset:
                print("differ: physical 0x%x-0x%x of %s is missing from %s"
                      % (pos, gap_end, args[0], args[1]))
                return 1
            q = pos
            while q < gap_end:
                if any(a <= q < b for a, b in absent):
                    b = min(b for a, b in absent if a <= q < b)
                    step = min(b, gap_end) - q
                    missing_absent += step
                    q += step
                    continue
                roff, avail = locate(ref, q)
                k = min(CH, gap_end - q, avail)
                if rmm[roff:roff + k].count(0) != k:
                    print("differ: physical 0x%x of %s is missing from %s and"
                          " is not zero nor listed as absent" % (q, args[0], args[1]))
                    return 1
                q += k
            pos = gap_end
    print("equal: %d bytes in %d ranges (%d absent)" % (total, len(have), missing_absent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
