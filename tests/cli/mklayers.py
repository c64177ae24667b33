#!/usr/bin/python3
"""mklayers.py DIR -- damaged and hostile lz4 and gzip streams for t-inputs.sh.

DIR holds what the real tools made from the x86_64-basic fixture:
b4.lz4 (lz4 -B4), size.lz4 (lz4 -B4 --content-size) and b.gz (gzip -n).
This writes next to them one file per case, each an edit of those or built
by hand from the format's own rules (lz4 doc/lz4_Frame_format.md, RFC 1952),
and says in a comment what each one tests. Python 3 standard library only.
"""

import os
import struct
import sys
import zlib

M32 = 0xFFFFFFFF
P1, P2, P3, P4, P5 = 0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1


def rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M32


def xxh32(b, seed=0):
    """xxHash32 (xxhash doc/xxhash_spec.md), for lz4 descriptor checksums."""
    n, i = len(b), 0
    if n >= 16:
        v = [(seed + P1 + P2) & M32, (seed + P2) & M32, seed, (seed - P1) & M32]
        while i + 16 <= n:
            for k in range(4):
                lane = int.from_bytes(b[i + 4 * k:i + 4 * k + 4], "little")
                v[k] = rotl((v[k] + lane * P2) & M32, 13) * P1 & M32
            i += 16
        acc = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M32
    else:
        acc = (seed + P5) & M32
    acc = (acc + n) & M32
    while i + 4 <= n:
        acc = rotl((acc + int.from_bytes(b[i:i + 4], "little") * P3) & M32, 17) * P4 & M32
        i += 4
    while i < n:
        acc = rotl((acc + b[i] * P5) & M32, 11) * P1 & M32
        i += 1
    acc ^= acc >> 15
    acc = acc * P2 & M32
    acc ^= acc >> 13
    acc = acc * P3 & M32
    return acc ^ (acc >> 16)


LZ4_MAGIC = struct.pack("<I", 0x184D2204)


def frame_header(flg, bd, extra=b""):
    """Magic, FLG, BD, optional fields, and the descriptor checksum (§3)."""
    desc = bytes([flg, bd]) + extra
    return LZ4_MAGIC + desc + bytes([(xxh32(desc) >> 8) & 0xFF])


def blocks(data):
    """(header offset, size field) of each block of a one-frame lz4 file
    without block checksums and without optional descriptor fields."""
    off, out = 7, []
    while True:
        v = struct.unpack_from("<I", data, off)[0]
        if v & 0x7FFFFFFF == 0:
            return out
        out.append((off, v))
        off += 4 + (v & 0x7FFFFFFF)


def main():
    d = sys.argv[1]

    def read(name):
        with open(os.path.join(d, name), "rb") as f:
            return bytearray(f.read())

    def write(name, data):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

    b4, size, gz = read("b4.lz4"), read("size.lz4"), read("b.gz")
    assert b4[:4] == LZ4_MAGIC and b4[4] == 0x64, "b4.lz4: expected FLG 0x64"
    assert size[4] & 0x08, "size.lz4: no content size"
    assert gz[:4] == b"\x1f\x8b\x08\x00", "b.gz: expected gzip -n (FLG 0)"

    # The first block states 1 MiB in a frame of 64 KiB blocks.
    x = bytearray(b4)
    struct.pack_into("<I", x, 7, 0x00100000)
    write("lying-block.lz4", x)

    # The content size says 1 TiB; the checksum over it is right.
    x = bytearray(size)
    struct.pack_into("<Q", x, 6, 1 << 40)
    x[14] = (xxh32(bytes(x[4:14])) >> 8) & 0xFF
    write("lying-size.lz4", x)

    # The content checksum (the last four bytes) is wrong.
    x = bytearray(b4)
    x[-1] ^= 0x55
    write("bad-content-csum.lz4", x)

    # The descriptor checksum is wrong.
    x = bytearray(b4)
    x[6] ^= 0x55
    write("bad-hc.lz4", x)

    # A compressed block of one byte (a token: no literals, no match) that
    # decodes to nothing, then the EndMark.
    write("zero-block.lz4", frame_header(0x60, 0x40) +
          struct.pack("<I", 1) + b"\x00" + struct.pack("<I", 0))

    # The first block's data overwritten: its first token asks for far
    # more literals than the block holds.
    x = bytearray(b4)
    first = blocks(b4)[0]
    assert not first[1] & 0x80000000 and first[1] > 40
    x[11:41] = b"\xff" * 30
    write("corrupt-block.lz4", x)

    # A frame that needs a dictionary (FLG bit 0, Dict-ID field).
    write("dict.lz4", frame_header(0x61, 0x40, struct.pack("<I", 0x12345678)) +
          struct.pack("<I", 0))

    # A reserved descriptor bit (FLG bit 1).
    write("reserved.lz4", frame_header(0x62, 0x40) + struct.pack("<I", 0))

    # Cut in the middle of the data of a block two thirds in.
    cut = next((off, v) for off, v in blocks(b4)
               if off >= len(b4) * 2 // 3 and (v & 0x7FFFFFFF) > 2)
    write("cut.lz4", b4[:cut[0] + 4 + (cut[1] & 0x7FFFFFFF) // 2])

    # Bytes after the last frame that are not a frame.
    write("trailing.lz4", b4 + b"garbage, garbage")
    write("trailing.gz", gz + b"garbage, garbage")

    # gzip trailer (RFC 1952 2.3.1: CRC32, ISIZE) wrong.
    x = bytearray(gz)
    x[-8] ^= 0x55
    write("bad-crc.gz", x)
    x = bytearray(gz)
    struct.pack_into("<I", x, len(x) - 4, 0xFFFFFFF0)
    write("lying-isize.gz", x)

    # The first deflate block header: BFINAL 1, BTYPE 11 (reserved).
    x = bytearray(gz)
    x[10] = 0xFF
    write("corrupt-data.gz", x)

    # FLG reserved bit 5; CM 7.
    x = bytearray(gz)
    x[3] = 0x20
    write("reserved.gz", x)
    x = bytearray(gz)
    x[2] = 7
    write("method.gz", x)

    # FHCRC set, and a header CRC of 0.
    x = bytearray(gz)
    x[3] = 0x02
    write("hcrc.gz", x[:10] + b"\x00\x00" + x[10:])

    # Two members, the second's CRC wrong.
    x = bytearray(gz)
    x[-8] ^= 0x55
    write("member2-crc.gz", gz + x)

    # Cut two thirds in: inside the deflate data.
    write("cut.gz", gz[:len(gz) * 2 // 3])

    # An empty member only: nothing decoded.
    write("empty.gz", gzip_member(b""))

    # A bomb: 4 members of 64 MiB of zeros each, 256 KiB in all.
    member = gzip_member(bytes(64 << 20))
    write("bomb.gz", member * 4)


def gzip_member(data):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


if __name__ == "__main__":
    main()
