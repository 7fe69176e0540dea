"""A stand-in Go executable for the demo images: a minimal ELF file whose `.go.buildinfo`
section holds the build info the Go linker writes (Go 1.18+ layout), and nothing else.

The demo ships no real binaries; this gives the Go cataloger the same bytes it reads from a
real executable (Go version, main module, dependencies, build settings), so the worker's Go
modules are inventoried and matched like any other.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

MAGIC = b"\xff Go buildinf:"
# runtime/debug frames the module info with these 16-byte sentinels (cmd/go/internal/modload)
_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
_END = bytes.fromhex("f932433186182072008242104116d8f2")
_ELF_HEADER = struct.Struct("<16sHHIQQQIHHHHHH")
_SECTION = struct.Struct("<IIQQQQIIQQ")
_SHT_PROGBITS, _SHT_STRTAB, _SHF_WRITE_ALLOC = 1, 3, 3


def modinfo_text(
    main: tuple[str, str], deps: Sequence[tuple[str, str]], build: Sequence[str]
) -> str:
    """runtime/debug.BuildInfo's text form: path, mod, dep and build lines, tab-separated."""
    lines = [f"path\t{main[0]}", f"mod\t{main[0]}\t{main[1]}\t"]
    lines += [f"dep\t{path}\t{version}\t" for path, version in deps]
    lines += [f"build\t{setting}" for setting in build]
    return "\n".join(lines) + "\n"


def go_binary(go_version: str, modinfo: str) -> bytes:
    """A little-endian ELF64 file with a `.go.buildinfo` section and its name table."""
    framed = _START + modinfo.encode() + _END
    header = MAGIC + bytes([8, 2])  # pointer size 8; flags: inline strings, little endian
    buildinfo = header.ljust(32, b"\0") + _string(go_version.encode()) + _string(framed)
    names = b"\0.go.buildinfo\0.shstrtab\0"
    info_at = _ELF_HEADER.size
    names_at = info_at + len(buildinfo)
    sections_at = _align(names_at + len(names), 8)
    sections = [
        _SECTION.pack(0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        _SECTION.pack(1, _SHT_PROGBITS, _SHF_WRITE_ALLOC, 0, info_at, len(buildinfo), 0, 0, 16, 0),
        _SECTION.pack(15, _SHT_STRTAB, 0, 0, names_at, len(names), 0, 0, 1, 0),
    ]
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # ELF64, little endian, version 1
    elf_header = _ELF_HEADER.pack(
        ident, 2, 62, 1, 0, 0, sections_at, 0, _ELF_HEADER.size, 56, 0, _SECTION.size, 3, 2
    )  # executable, x86-64, no program headers, 3 sections, names in section 2
    body = elf_header + buildinfo + names
    return body.ljust(sections_at, b"\0") + b"".join(sections)


def _string(data: bytes) -> bytes:
    """A uvarint length, then the bytes (how Go 1.18+ stores build info strings inline)."""
    length, out = len(data), bytearray()
    while True:
        byte = length & 0x7F
        length >>= 7
        out.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(out) + data


def _align(value: int, to: int) -> int:
    return (value + to - 1) // to * to
