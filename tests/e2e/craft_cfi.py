#!/usr/bin/env python3
"""Write an ELF object whose .eh_frame is crafted to cost a CFI row builder dearly.

    craft_cfi.py KIND FILE

KIND is one of:
  rows        one FDE of 4,194,305 rows: one more than leaktop's bound (LT_CFI_MAX_ROWS)
  many-rows   one FDE of 300,000 rows: libdw ran its program once per row (minutes)
  remember    1,000,000 DW_CFA_remember_state under a CIE naming register 127 (1 GB in libdw)
  hidden-cie  an FDE whose CIE pointer names a CIE hidden in another CIE's expression block,
              which names register 100,000,000 (a 1.5 GB realloc in libdw)

The object has one PT_LOAD covering the whole file, so a process can map it executable and
leaktop builds its unwind table like any library's.
"""
import struct
import sys

ROWS_BOUND = 1 << 22
DEF_CFA, DEF_CFA_OFFSET, DEF_CFA_EXPR = 0x0C, 0x0E, 0x0F
UNDEFINED, REMEMBER_STATE, ADVANCE_1 = 0x07, 0x0A, 0x41


def uleb(v):
    out = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        out.append(c | (0x80 if v else 0))
        if not v:
            return bytes(out)


def cie(extra=b""):
    # CIE id 0, version 1, no augmentation, code factor 1, data factor -8, return address
    # column 16; CFA = rsp + 8, return address at CFA - 8.
    body = struct.pack("<I", 0) + bytes([1, 0, 1, 0x78, 16, DEF_CFA, 7, 8, 0x90, 1]) + extra
    return struct.pack("<I", len(body)) + body


def fde(at, cie_at, begin, size, program):
    body = struct.pack("<IQQ", at + 4 - cie_at, begin, size) + program
    return struct.pack("<I", len(body)) + body


def eh_frame(kind):
    if kind == "hidden-cie":
        hidden = cie(bytes([UNDEFINED]) + uleb(100_000_000))
        extra = bytes([DEF_CFA_EXPR]) + uleb(len(hidden)) + hidden + bytes([DEF_CFA, 7, 8])
        first = cie(extra)
        hidden_at = 4 + 4 + 10 + 1 + len(uleb(len(hidden)))
        assert first[hidden_at:hidden_at + len(hidden)] == hidden
        return first + fde(len(first), hidden_at, 0x1000, 0x100, bytes([ADVANCE_1]))
    if kind == "remember":
        first = cie(bytes([UNDEFINED, 127]))
        prog = bytes([REMEMBER_STATE]) * 1_000_000 + bytes([ADVANCE_1])
        return first + fde(len(first), 0, 0x1000, 0x10, prog)
    rows = {"rows": ROWS_BOUND + 1, "many-rows": 300_000}[kind]
    first = cie()
    pair = bytes([ADVANCE_1, DEF_CFA_OFFSET, 16, ADVANCE_1, DEF_CFA_OFFSET, 24])
    prog = pair * ((rows + 1) // 2)
    return first + fde(len(first), 0, 0x1000, 2 * rows + 0x1000, prog)


def elf(eh):
    names = b"\0.eh_frame\0.shstrtab\0"
    ehdr_size, phdr_size, shdr_size = 64, 56, 64
    eh_off = ehdr_size + phdr_size
    str_off = eh_off + len(eh) + 4  # the section ends with a zero terminator
    sh_off = (str_off + len(names) + 7) & ~7
    size = sh_off + 3 * shdr_size
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    out = ident + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, ehdr_size, sh_off, 0, ehdr_size,
                              phdr_size, 1, shdr_size, 3, 2)
    out += struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, size, size, 0x1000)  # PT_LOAD, R+X
    out += eh + bytes(4) + names
    out += bytes(sh_off - len(out))
    out += bytes(shdr_size)
    out += struct.pack("<IIQQQQIIQQ", 1, 1, 2, eh_off, eh_off, len(eh) + 4, 0, 0, 8, 0)
    out += struct.pack("<IIQQQQIIQQ", 11, 3, 0, 0, str_off, len(names), 0, 0, 1, 0)
    assert len(out) == size
    return out


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    with open(path, "wb") as f:
        f.write(elf(eh_frame(kind)))
