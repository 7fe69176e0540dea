"""Go binaries: the module build info (Go version, main module, dependencies) that the Go linker
embeds in every executable, read from ELF files with bounds-checked `struct` parsing."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

from packageurl import PackageURL

from auditapp.catalog.interface import (
    CatalogResult,
    ImageFiles,
    OsRelease,
    Package,
    PathInterest,
    RandomAccess,
    ReadPlan,
    Skipped,
)

MAX_BINARY_BYTES = 256 * 1024 * 1024
BUILDINFO_MAGIC = b"\xff Go buildinf:"
_BUILDINFO_NAME = b".go.buildinfo\0"
_HEADER_SIZE = 32
_ALIGN = 16
_SCAN_BYTES = 64 * 1024  # how far into the data segment Go's own reader looks for the header
_MAX_STRING = 16 * 1024 * 1024
_MAX_REGION = 32 * 1024 * 1024  # the most of one binary read to find its build info
_SHT_NOBITS, _PT_LOAD, _PF_X, _PF_W = 8, 1, 1, 2
_ELF_ERRORS = (struct.error, UnicodeError, IndexError, OverflowError)


@dataclass(frozen=True)
class _Section:
    name: str
    type: int
    offset: int
    size: int


@dataclass(frozen=True)
class _Segment:
    type: int
    flags: int
    offset: int
    vaddr: int
    filesz: int


class _Source:
    """Bounds-checked random access to the binary: only the parts needed are read."""

    def __init__(self, access: RandomAccess) -> None:
        self._access = access
        self.size = access.size

    def slice(self, offset: int, size: int, what: str) -> bytes:
        if offset < 0 or size < 0 or offset + size > self.size:
            raise ValueError(
                f"truncated or corrupt ELF: {what} (offset {offset}, {size} bytes) is outside "
                f"the file ({self.size} bytes)"
            )
        return self._access.read_at(offset, size) if size else b""


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self._data, self.size = data, len(data)

    def read_at(self, offset: int, length: int) -> bytes:
        return self._data[offset : offset + length]


@dataclass(frozen=True)
class _Elf:
    source: _Source
    sections: tuple[_Section, ...]
    segments: tuple[_Segment, ...]

    def read_vaddr(self, addr: int, size: int) -> bytes:
        """`size` bytes at virtual address `addr`, from the file image of a loaded segment."""
        for seg in self.segments:
            if seg.type == _PT_LOAD and seg.vaddr <= addr < seg.vaddr + seg.filesz:
                if addr + size > seg.vaddr + seg.filesz:
                    break
                start = seg.offset + addr - seg.vaddr
                return self.source.slice(start, size, f"data at address {addr:#x}")
        raise ValueError(f"Go build info points to unmapped address {addr:#x} (+{size} bytes)")


def _table(source: _Source, offset: int, count: int, entsize: int, want: int, what: str) -> bytes:
    """An ELF header table with the expected entry size, inside the file."""
    if count and entsize != want:
        raise ValueError(f"corrupt ELF: {what} entry size {entsize}, expected {want}")
    return source.slice(offset, count * entsize, f"{what} ({count} entries)")


def parse_elf(source: _Source) -> _Elf:
    """Headers of an ELF32/ELF64 file of either byte order; ValueError when corrupt."""
    if source.size < 16:
        raise ValueError("truncated ELF: no complete identification header")
    ident = source.slice(0, 16, "identification")
    if not ident.startswith(b"\x7fELF"):
        raise ValueError("truncated ELF: no complete identification header")
    klass, order = ident[4], ident[5]
    if klass not in (1, 2) or order not in (1, 2):
        raise ValueError(f"corrupt ELF: unknown class {klass} or byte order {order}")
    is64, endian = klass == 2, "<" if order == 1 else ">"
    fmt = endian + ("HHIQQQIHHHHHH" if is64 else "HHIIIIIHHHHHH")
    header = struct.unpack(fmt, source.slice(16, struct.calcsize(fmt), "ELF header"))
    phoff, shoff, _, _, phentsize, phnum, shentsize, shnum, shstrndx = header[4:]
    ph_fmt = endian + ("IIQQQQQQ" if is64 else "IIIIIIII")
    table = _table(source, phoff, phnum, phentsize, struct.calcsize(ph_fmt), "program header table")
    segments = []
    for i in range(phnum):
        fields = struct.unpack_from(ph_fmt, table, i * phentsize)
        if is64:
            ptype, flags, offset, vaddr, _, filesz = fields[:6]
        else:
            ptype, offset, vaddr, _, filesz, _, flags = fields[:7]
        segments.append(_Segment(ptype, flags, offset, vaddr, filesz))
    sections = _sections(source, endian, is64, shoff, shnum, shentsize, shstrndx)
    return _Elf(source, sections, tuple(segments))


def _sections(
    source: _Source,
    endian: str,
    is64: bool,
    shoff: int,
    shnum: int,
    shentsize: int,
    shstrndx: int,
) -> tuple[_Section, ...]:
    """The `.go.buildinfo` sections (the only ones asked about), once every section's name
    offset is checked: each must point at a NUL-terminated name in the name table."""
    if shoff == 0 or shnum == 0:
        return ()
    sh_fmt = endian + ("IIQQQQIIQQ" if is64 else "IIIIIIIIII")
    table = _table(source, shoff, shnum, shentsize, struct.calcsize(sh_fmt), "section header table")
    raw = list(struct.iter_unpack(sh_fmt, table))
    if shstrndx >= shnum:
        raise ValueError(f"corrupt ELF: section name table index {shstrndx} >= {shnum} sections")
    names = source.slice(raw[shstrndx][4], raw[shstrndx][5], "section name table")
    last_nul = names.rfind(b"\0")  # a name offset after it has no terminated name
    sections = []
    for name_offset, stype, _, _, offset, size, *_ in raw:
        if name_offset > last_nul:
            raise ValueError(f"corrupt ELF: section name offset {name_offset} is out of bounds")
        if names.startswith(_BUILDINFO_NAME, name_offset):
            sections.append(_Section(".go.buildinfo", stype, offset, size))
    return tuple(sections)


def _find_header(elf: _Elf) -> tuple[bytes, int] | None:
    """The region holding the build info and the header's offset in it, as Go looks for it:
    the `.go.buildinfo` section, else the first writable, non-executable loaded segment."""
    section = next((s for s in elf.sections if s.name == ".go.buildinfo"), None)
    if section is not None:
        if section.type == _SHT_NOBITS:
            raise ValueError("corrupt ELF: the .go.buildinfo section has no file content")
        if section.size > _MAX_REGION:
            raise ValueError(f"corrupt ELF: a .go.buildinfo section of {section.size} bytes")
        region = elf.source.slice(section.offset, section.size, ".go.buildinfo section")
    else:
        loaded = (s for s in elf.segments if s.type == _PT_LOAD)
        writable = (s for s in loaded if s.flags & (_PF_X | _PF_W) == _PF_W)
        segment = next(writable, None)
        if segment is None:
            return None
        size = min(segment.filesz, elf.source.size - segment.offset, _MAX_REGION)
        # Most ELF files here are not Go: look for the header in the part Go searches first.
        head = elf.source.slice(segment.offset, min(size, _SCAN_BYTES), "data segment")
        if _header_at(head) < 0:
            return None
        region = elf.source.slice(segment.offset, size, "data segment")
    at = _header_at(region)
    if at < 0:
        if section is not None:
            raise ValueError("corrupt Go binary: .go.buildinfo section has no build info header")
        return None
    if len(region) - at < _HEADER_SIZE:
        raise ValueError("truncated Go build info header")
    return region, at


def _header_at(region: bytes) -> int:
    """Where the build info header starts (16-byte aligned, in the first 64 KiB), or -1."""
    at = region.find(BUILDINFO_MAGIC, 0, _SCAN_BYTES)
    while at >= 0 and at % _ALIGN:
        at = region.find(BUILDINFO_MAGIC, at + 1, _SCAN_BYTES)
    return at


def _uvarint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    for i in range(at, min(at + 10, len(data))):
        value |= (data[i] & 0x7F) << shift
        if data[i] < 0x80:
            return value, i + 1
        shift += 7
    raise ValueError("corrupt Go build info: bad string length")


def _inline_string(region: bytes, at: int) -> tuple[bytes, int]:
    length, start = _uvarint(region, at)
    if length > len(region) - start:
        raise ValueError(f"corrupt Go build info: string of {length} bytes runs past the section")
    return region[start : start + length], start + length


def _pointer_string(elf: _Elf, region: bytes, at: int, ptr_size: int, big: bool) -> bytes:
    """Go < 1.18: the header holds the address of a Go string header (data pointer, length)."""
    fmt = (">" if big else "<") + ("Q" if ptr_size == 8 else "I")
    (addr,) = struct.unpack_from(fmt, region, at)
    data_addr, length = struct.unpack(fmt[0] + fmt[1] * 2, elf.read_vaddr(addr, 2 * ptr_size))
    if length > _MAX_STRING:
        raise ValueError(f"corrupt Go build info: string of {length} bytes")
    return elf.read_vaddr(data_addr, length)


def read_build_info(access: RandomAccess) -> tuple[str, str] | None:
    """(Go version, module info) of a Go ELF binary; None when it is not a Go binary."""
    elf = parse_elf(_Source(access))
    found = _find_header(elf)
    if found is None:
        return None
    region, at = found
    ptr_size, flags = region[at + 14], region[at + 15]
    if flags & 2:
        version, after = _inline_string(region, at + _HEADER_SIZE)
        modinfo, _ = _inline_string(region, after)
    elif ptr_size in (4, 8):
        version = _pointer_string(elf, region, at + 16, ptr_size, bool(flags & 1))
        modinfo = _pointer_string(elf, region, at + 16 + ptr_size, ptr_size, bool(flags & 1))
    else:
        raise ValueError(f"corrupt Go build info: pointer size {ptr_size}")
    if not version:
        return None
    # Module info is framed by 16-byte sentinels; a binary built outside module mode has none.
    framed = len(modinfo) >= 33 and modinfo[-17:-16] == b"\n"
    text = modinfo[16:-16].decode("utf-8", "replace") if framed else ""
    return version.decode("utf-8", "replace"), text


def parse_modinfo(modinfo: str) -> dict[str, Any]:
    """The lines of runtime/debug.BuildInfo's text form, tab-separated; bad lines are kept
    aside so the cataloger can count them."""
    info: dict[str, Any] = {"path": "", "main": None, "deps": [], "build": {}, "bad": []}
    last: dict[str, Any] | None = None
    for line in modinfo.splitlines():
        kind, _, rest = line.partition("\t")
        fields = rest.split("\t")
        module = {"path": fields[0], "version": _at(fields, 1), "sum": _at(fields, 2)}
        if kind == "path":
            info["path"] = rest
        elif kind in ("mod", "dep") and fields[0]:
            last = module
            if kind == "mod":
                info["main"] = module
            else:
                info["deps"].append(module)
        elif kind == "=>" and last is not None and fields[0]:
            last["replace"], last = module, None
        elif kind == "build" and "=" in rest:
            key, _, value = rest.partition("=")
            info["build"][key] = _unquote(value)
        elif line.strip():
            info["bad"].append(line[:200])
    return info


def _unquote(value: str) -> str:
    """Go quotes build setting values holding spaces or quotes (strconv.Quote)."""
    if value.startswith('"'):
        try:
            unquoted = json.loads(value)
        except ValueError:
            return value
        return unquoted if isinstance(unquoted, str) else value
    return value


def _at(fields: list[str], index: int) -> str:
    return fields[index] if index < len(fields) else ""


def extract_build_info(data: bytes) -> bytes:
    """A whole Go binary in memory to compact JSON build info, b"" if not Go."""
    return extract_build_info_at(_Bytes(data))


def extract_build_info_at(access: RandomAccess) -> bytes:
    """The `ReadPlan.reader`: a Go binary to compact JSON build info, b"" if not Go, reading
    only the ELF headers and the build info. Raises only ValueError, with the reason."""
    try:
        found = read_build_info(access)
    except ValueError:
        raise
    except _ELF_ERRORS as error:
        raise ValueError(f"corrupt ELF: {error.__class__.__name__}: {error}") from error
    except Exception as error:  # never let one file stop the walk of an image
        raise ValueError(f"unparsable ELF: {error.__class__.__name__}: {error}") from error
    if found is None:
        return b""
    info = parse_modinfo(found[1]) | {"go": found[0]}
    return json.dumps(info, separators=(",", ":"), sort_keys=True).encode()


class GoBinaryCataloger:
    """Modules compiled into Go executables, plus the Go standard library they were built with."""

    name = "go"
    interest = PathInterest(executables=True)

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        return _PLAN if mode & 0o111 else None

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        packages: list[Package] = []
        skipped: list[Skipped] = []
        notes: list[str] = []
        for file in files.planned():
            if self.plan(file.path, file.size, file.mode) is None:
                continue  # planned by another cataloger
            problem = files.unreadable(file.path)
            content = files.read(file.path) if problem is None else None
            if problem is not None or content is None:
                reason = problem or "content not available"
                skipped.append(Skipped(self.name, file.path, f"unreadable: {reason}"))
                continue
            if not content:
                continue  # an ELF file that is not a Go binary
            try:
                found = _binary_packages(json.loads(content), file.path, file.layer)
            except Exception as error:  # one bad file never stops the others
                reason = f"unparsed build info: {error.__class__.__name__}: {error}"
                skipped.append(Skipped(self.name, file.path, reason))
                continue
            packages += found.packages
            skipped += [Skipped(self.name, file.path, reason) for reason in found.skipped]
            notes += [f"{file.path}: {note}" for note in found.notes]
        return CatalogResult(tuple(packages), tuple(skipped), notes=tuple(notes))


_PLAN = ReadPlan(max_bytes=MAX_BINARY_BYTES, magic=b"\x7fELF", reader=extract_build_info_at)


@dataclass(frozen=True)
class _Found:
    packages: tuple[Package, ...]
    skipped: tuple[str, ...]
    notes: tuple[str, ...]


def _binary_packages(info: dict[str, Any], path: str, layer: str) -> _Found:
    packages = [_package("stdlib", stdlib_version(info["go"]), path, layer)]
    skipped = [f"malformed build info line: {line!r}" for line in info["bad"]]
    notes: list[str] = []
    modules = ([info["main"]] if info["main"] else []) + info["deps"]
    for module in modules:
        replace = module.get("replace")
        if replace and _is_local(replace["path"]):
            notes.append(f"{module['path']} is replaced by the local directory {replace['path']}")
        elif replace:
            notes.append(f"{module['path']} is replaced by {replace['path']}")
            module = replace
        if not module["version"]:
            skipped.append(f"Go module {module['path']} has no version")
            continue
        packages.append(_package(module["path"], module["version"], path, layer))
    return _Found(tuple(packages), tuple(skipped), tuple(notes))


def _is_local(module_path: str) -> bool:
    """Go marks a directory replacement by a relative or absolute file path."""
    local = module_path.startswith(("./", "../", "/", ".\\", "..\\"))
    return local or module_path in (".", "..") or module_path[1:3] == ":\\"


def stdlib_version(go_version: str) -> str:
    """The Go toolchain as a module version: go1.22.1 (or "go1.22.1 X:boringcrypto") is v1.22.1."""
    token = go_version.split()[0] if go_version.split() else go_version
    return "v" + token[2:] if token.startswith("go1") else go_version


def _package(module_path: str, version: str, path: str, layer: str) -> Package:
    namespace, _, name = module_path.rpartition("/")
    purl = PackageURL(type="golang", namespace=namespace or None, name=name, version=version)
    return Package("golang", module_path, version, purl.to_string(), path, layer)
