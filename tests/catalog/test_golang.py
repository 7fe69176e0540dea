"""The Go cataloger against real binaries compiled here (amd64, 386, arm64, big-endian ppc64)
from a tiny module with local replacements, and against hostile ELF files built by hand."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditapp.catalog.golang import (
    MAX_BINARY_BYTES,
    GoBinaryCataloger,
    extract_build_info,
    parse_modinfo,
    stdlib_version,
)
from auditapp.catalog.interface import CatalogResult, FileInfo
from tests.catalog.files import LAYER, run
from tests.conftest import unavailable

EXE = 0o755
PSEUDO = "v0.0.0-20230102150405-abcdefabcdef"
# println, not fmt: cross-compiling only the runtime keeps the four builds fast.
MAIN_GO = """package main

import (
	"example.com/dep"
	"example.com/lib/util"
)

func main() { println(dep.Hello(), util.Hello()) }
"""
GO_MOD = f"""module example.com/app

go 1.18

require (
\texample.com/dep {PSEUDO}
\texample.com/lib/util v1.2.3
)

replace example.com/dep => ../dep

replace example.com/lib/util => ../util
"""
# cmd/go/internal/modload's infoStart and infoEnd: the frame around the module info.
INFO_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
INFO_END = bytes.fromhex("f932433186182072008242104116d8f2")


# --- real binaries -------------------------------------------------------------------------


def _write_module(root: Path) -> Path:
    for name, module in (("dep", "example.com/dep"), ("util", "example.com/lib/util")):
        (root / name).mkdir()
        (root / name / "go.mod").write_text(f"module {module}\n\ngo 1.18\n")
        package = module.rsplit("/", 1)[-1]
        (root / name / "x.go").write_text(
            f'package {package}\n\nfunc Hello() string {{ return "{name}" }}\n'
        )
    (root / "app").mkdir()
    (root / "app" / "go.mod").write_text(GO_MOD)
    (root / "app" / "main.go").write_text(MAIN_GO)
    return root / "app"


@dataclass(frozen=True)
class GoBuild:
    go_version: str  # as `go env GOVERSION` prints it: go1.19.8
    binaries: dict[str, bytes]  # GOARCH -> the app built for it


@pytest.fixture(scope="module")
def go_build(tmp_path_factory: pytest.TempPathFactory) -> GoBuild:
    """The test app built offline for four architectures: local replacements, private caches,
    no module proxy."""
    go = shutil.which("go")
    if go is None:
        unavailable("no `go` on PATH (apt-get install golang-go) to compile test binaries")
    root = tmp_path_factory.mktemp("gomod")
    app = _write_module(root)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(root),
        "GOCACHE": str(root / "cache"),
        "GOPATH": str(root / "gopath"),
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "GONOSUMDB": "*",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "GO111MODULE": "on",
        "CGO_ENABLED": "0",
    }
    binaries = {}
    for arch in ("amd64", "386", "arm64", "ppc64"):
        out = root / f"app-{arch}"
        command = [go, "build", "-buildvcs=false", "-o", str(out), "."]
        env_arch = env | {"GOARCH": arch}
        subprocess.run(command, cwd=app, env=env_arch, check=True, capture_output=True, timeout=300)
        binaries[arch] = out.read_bytes()
    version = subprocess.run(
        [go, "env", "GOVERSION"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    return GoBuild(version, binaries)


def _purls(result: CatalogResult) -> set[str]:
    return {package.purl for package in result.packages}


def _expected(go_version: str) -> set[str]:
    return {
        f"pkg:golang/stdlib@{stdlib_version(go_version)}",
        "pkg:golang/example.com/app@%28devel%29",
        f"pkg:golang/example.com/dep@{PSEUDO}",
        "pkg:golang/example.com/lib/util@v1.2.3",
    }


@pytest.mark.parametrize(
    ("arch", "elf_class", "byte_order"),
    [("amd64", 2, 1), ("386", 1, 1), ("arm64", 2, 1), ("ppc64", 2, 2)],
)
def test_real_binaries(go_build: GoBuild, arch: str, elf_class: int, byte_order: int) -> None:
    binary = go_build.binaries[arch]
    assert (binary[4], binary[5]) == (elf_class, byte_order)  # ELF32/64, little/big endian
    result = run(
        GoBinaryCataloger(), {"usr/local/bin/app": binary}, modes={"usr/local/bin/app": EXE}
    )
    go_version = go_build.go_version
    assert _purls(result) == _expected(go_version)
    assert result.skipped == ()
    by_name = {package.name: package for package in result.packages}
    assert by_name["stdlib"].version == "v" + go_version.removeprefix("go")
    assert by_name["example.com/app"].version == "(devel)"
    assert by_name["example.com/dep"].version == PSEUDO  # the local replacement keeps it
    assert all(p.ecosystem == "golang" and p.path == "usr/local/bin/app" for p in result.packages)
    assert all(p.layer == LAYER for p in result.packages)
    assert any("replaced by the local directory ../dep" in note for note in result.notes)


def test_binary_without_section_table(go_build: GoBuild) -> None:
    """`strip`-like removal of the section headers: found by scanning the data segment."""
    binary = bytearray(go_build.binaries["amd64"])
    struct.pack_into("<Q", binary, 0x28, 0)  # e_shoff
    struct.pack_into("<HH", binary, 0x3C, 0, 0)  # e_shnum, e_shstrndx
    result = run(GoBinaryCataloger(), {"app": bytes(binary)}, modes={"app": EXE})
    assert _purls(result) == _expected(go_build.go_version)


def test_transform_is_compact_json(go_build: GoBuild) -> None:
    info = json.loads(extract_build_info(go_build.binaries["arm64"]))
    assert info["path"] == "example.com/app"
    assert info["build"]["GOARCH"] == "arm64"
    compact = extract_build_info(go_build.binaries["386"])
    assert b'": ' not in compact and b'", "' not in compact


def test_truncated_real_binary_is_skipped_and_others_kept(go_build: GoBuild) -> None:
    binary = go_build.binaries["amd64"]
    files = {"bin/half": binary[: len(binary) // 2], "bin/good": binary}
    result = run(GoBinaryCataloger(), files, modes=dict.fromkeys(files, EXE))
    assert {p.path for p in result.packages} == {"bin/good"}
    [skip] = result.skipped
    assert skip.path == "bin/half"
    assert ".go.buildinfo section" in skip.reason and "outside the file" in skip.reason


def test_section_table_past_end_of_file(go_build: GoBuild) -> None:
    binary = bytearray(go_build.binaries["amd64"])
    struct.pack_into("<Q", binary, 0x28, len(binary) - 64)  # e_shoff: only one entry fits
    result = run(GoBinaryCataloger(), {"bin/app": bytes(binary)}, modes={"bin/app": EXE})
    [skip] = result.skipped
    assert "section header table" in skip.reason and "outside the file" in skip.reason


# --- which files are read --------------------------------------------------------------------


def test_plan_only_executables_with_elf_magic() -> None:
    cataloger = GoBinaryCataloger()
    assert cataloger.plan("usr/share/doc/x", 100, 0o644) is None
    plan = cataloger.plan("usr/bin/x", 100, 0o700)
    assert plan is not None
    assert (plan.magic, plan.max_bytes) == (b"\x7fELF", MAX_BINARY_BYTES)
    assert MAX_BINARY_BYTES == 256 * 1024 * 1024
    assert cataloger.plan("usr/bin/x", 100, 0o001) is not None


def test_host_non_go_elf_and_scripts_give_nothing() -> None:
    true = Path(shutil.which("true") or "/bin/true").resolve()
    files = {"bin/true": true.read_bytes(), "bin/script": b"#!/bin/sh\necho hi\n"}
    result = run(GoBinaryCataloger(), files, modes=dict.fromkeys(files, EXE))
    assert result.packages == () and result.skipped == ()


def test_unreadable_and_unparsable_content_are_skipped_not_raised() -> None:
    class Files:
        def planned(self) -> Iterator[FileInfo]:
            yield from (FileInfo(p, 1, EXE, LAYER) for p in ("a", "b", "c"))

        def read(self, path: str) -> bytes | None:
            return {"a": None, "b": b"{not json", "c": b'{"go": 1}'}[path]

        def info(self, path: str) -> FileInfo | None:
            return None

        def unreadable(self, path: str) -> str | None:
            return "over the size cap" if path == "a" else None

    result = GoBinaryCataloger().catalog(Files(), None)
    assert result.packages == ()
    assert [s.path for s in result.skipped] == ["a", "b", "c"]
    assert "over the size cap" in result.skipped[0].reason
    assert "unparsed build info" in result.skipped[1].reason


# --- hand-built ELF files ------------------------------------------------------------------

BASE = 0x400000
BLOB_AT = 0x200


def inline_blob(version: bytes, modinfo: bytes) -> bytes:
    def string(value: bytes) -> bytes:
        length, out = len(value), bytearray()
        while length >= 0x80:
            out.append(length & 0x7F | 0x80)
            length >>= 7
        return bytes([*out, length]) + value

    return b"\xff Go buildinf:" + bytes([8, 2]) + bytes(16) + string(version) + string(modinfo)


def pointer_blob(version: bytes, modinfo: bytes, is64: bool, big: bool) -> bytes:
    """Go < 1.18: the header points at Go string headers, which point at the bytes."""
    order, word = (">" if big else "<"), ("Q" if is64 else "I")
    size = 8 if is64 else 4
    at = BASE + BLOB_AT
    headers, data = 32, 32 + 4 * size
    blob = b"\xff Go buildinf:" + bytes([size, int(big)])
    blob += struct.pack(order + word * 2, at + headers, at + headers + 2 * size).ljust(16, b"\0")
    strings = (at + data, len(version), at + data + len(version), len(modinfo))
    blob += struct.pack(order + word * 4, *strings)
    return blob + version + modinfo


def make_elf(blob: bytes, *, is64: bool = True, big: bool = False, sections: bool = True,
             section_offset: int | None = None, section_size: int | None = None,
             shstrndx: int = 2, shentsize: int | None = None) -> bytes:  # fmt: skip
    """An ELF with one loaded read-write segment holding `blob` at BLOB_AT and, optionally, a
    section table naming it `.go.buildinfo`."""
    e = ">" if big else "<"
    names = b"\0.go.buildinfo\0.shstrtab\0"
    body = bytearray(BLOB_AT) + blob + names
    names_at = BLOB_AT + len(blob)
    shoff = (len(body) + 15) // 16 * 16
    body = body.ljust(shoff, b"\0")
    sh = e + ("IIQQQQIIQQ" if is64 else "IIIIIIIIII")
    table = struct.pack(sh, *[0] * 10)
    offset = BLOB_AT if section_offset is None else section_offset
    length = len(blob) if section_size is None else section_size
    table += struct.pack(sh, 1, 1, 3, BASE + BLOB_AT, offset, length, 0, 0, 16, 0)
    table += struct.pack(sh, 15, 3, 0, 0, names_at, len(names), 0, 0, 1, 0)
    body += table
    ehsize, phentsize = (64, 56) if is64 else (52, 32)
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 2 if big else 1, 1]) + bytes(9)
    table_fields = (shoff, shentsize or struct.calcsize(sh), 3, shstrndx) if sections else (0,) * 4
    fields = (2, 62, 1, BASE, ehsize, table_fields[0], 0, ehsize, phentsize, 1, *table_fields[1:])
    header = ident + struct.pack(e + ("HHIQQQIHHHHHH" if is64 else "HHIIIIIHHHHHH"), *fields)
    size = len(body)
    if is64:
        program = struct.pack(e + "IIQQQQQQ", 1, 6, 0, BASE, BASE, size, size, 0x1000)
    else:
        program = struct.pack(e + "IIIIIIII", 1, 0, BASE, BASE, size, size, 6, 0x1000)
    body[: len(header) + len(program)] = header + program
    return bytes(body)


MODINFO = (
    b"path\texample.com/tool\n"
    b"mod\texample.com/tool\tv1.4.0\th1:abc=\n"
    b"dep\tgithub.com/old/thing\tv1.0.0\th1:def=\n"
    b"=>\tgithub.com/fork/thing\tv1.0.1\th1:ghi=\n"
    b"dep\tgolang.org/x/text\tv0.3.7\th1:jkl=\n"
    b'build\t-ldflags="-s -w"\n'
)


def catalog_one(content: bytes) -> CatalogResult:
    return run(GoBinaryCataloger(), {"bin/tool": content}, modes={"bin/tool": EXE})


def test_inline_build_info_with_module_replacement() -> None:
    elf = make_elf(inline_blob(b"go1.22.1", INFO_START + MODINFO + INFO_END))
    result = catalog_one(elf)
    assert _purls(result) == {
        "pkg:golang/stdlib@v1.22.1",
        "pkg:golang/example.com/tool@v1.4.0",
        "pkg:golang/github.com/fork/thing@v1.0.1",  # what was compiled in is the fork
        "pkg:golang/golang.org/x/text@v0.3.7",
    }
    assert json.loads(extract_build_info(elf))["build"]["-ldflags"] == "-s -w"
    assert any("replaced by github.com/fork/thing" in note for note in result.notes)


@pytest.mark.parametrize(("is64", "big"), [(True, False), (False, True), (False, False)])
def test_pointer_build_info_before_go_1_18(is64: bool, big: bool) -> None:
    blob = pointer_blob(b"go1.16.15", INFO_START + MODINFO + INFO_END, is64, big)
    result = catalog_one(make_elf(blob, is64=is64, big=big))
    assert "pkg:golang/stdlib@v1.16.15" in _purls(result)
    assert "pkg:golang/golang.org/x/text@v0.3.7" in _purls(result)
    assert result.skipped == ()


def test_no_module_info_gives_stdlib_only() -> None:
    result = catalog_one(make_elf(inline_blob(b"go1.20", b"")))
    assert _purls(result) == {"pkg:golang/stdlib@v1.20"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x7fELF\x02\x01", "truncated ELF"),
        (b"\x7fELF\x02\x01\x01" + bytes(20), "ELF header"),
        (b"\x7fELF\x07\x01" + bytes(60), "unknown class"),
        (make_elf(inline_blob(b"go1.22", b""), section_offset=10**9), ".go.buildinfo section"),
        (make_elf(inline_blob(b"go1.22", b""), section_size=2**40), ".go.buildinfo section"),
        (make_elf(inline_blob(b"go1.22", b""), shstrndx=9), "section name table index"),
        (make_elf(inline_blob(b"go1.22", b""), shentsize=12), "entry size"),
        (make_elf(inline_blob(b"go1.22", b"")[:34] + b"\xff\xff\x7f"), "runs past the section"),
        (make_elf(inline_blob(b"go1.22", b"")[:32] + b"\xff" * 12), "bad string length"),
        (make_elf(inline_blob(b"go1.22", b"")[:20]), "truncated Go build info header"),
        (make_elf(b"\xff Go buildinf:\x08\x00" + struct.pack("<QQ", 0xDEAD0000, 0)), "unmapped"),
        (make_elf(b"\xff Go buildinf:\x03\x00" + bytes(16)), "pointer size"),
        (make_elf(b"no build info here" + bytes(30)), "no build info header"),
    ],
)  # fmt: skip
def test_hostile_elf_is_skipped_with_reason(content: bytes, reason: str) -> None:
    result = catalog_one(content)
    assert result.packages == ()
    [skip] = result.skipped
    assert skip.path == "bin/tool" and skip.cataloger == "go"
    assert reason in skip.reason, skip.reason


def test_huge_section_count_inside_the_file_is_bounded() -> None:
    elf = bytearray(make_elf(inline_blob(b"go1.22", b"")))
    struct.pack_into("<H", elf, 0x3C, 0xFFFF)  # e_shnum: table would run past the end
    [skip] = catalog_one(bytes(elf)).skipped
    assert "65535 entries" in skip.reason


def test_elf_without_sections_or_build_info_is_not_go() -> None:
    assert catalog_one(make_elf(b"just data" * 10, sections=False)).skipped == ()
    assert catalog_one(make_elf(b"just data" * 10, sections=False)).packages == ()


def test_modinfo_bad_lines_and_missing_versions_are_counted() -> None:
    modinfo = "path\tx\nmod\texample.com/x\t\t\ngarbage line\ndep\texample.com/y\tv1.0.0\n"
    info = parse_modinfo(modinfo)
    assert info["bad"] == ["garbage line"]
    elf = make_elf(inline_blob(b"go1.21.0", INFO_START + modinfo.encode() + INFO_END))
    result = catalog_one(elf)
    assert _purls(result) == {"pkg:golang/stdlib@v1.21.0", "pkg:golang/example.com/y@v1.0.0"}
    reasons = sorted(s.reason for s in result.skipped)
    assert reasons == [
        "Go module example.com/x has no version",
        "malformed build info line: 'garbage line'",
    ]


@pytest.mark.parametrize(
    ("go", "version"),
    [("go1.22.1", "v1.22.1"), ("go1.21rc2", "v1.21rc2"), ("go1.22.1 X:boringcrypto", "v1.22.1"),
     ("devel go1.23-abc", "devel go1.23-abc")],
)  # fmt: skip
def test_stdlib_version(go: str, version: str) -> None:
    assert stdlib_version(go) == version


@pytest.mark.parametrize(("padding", "found"), [(0x10000 - BLOB_AT - 16, True), (0x10000, False)])
def test_without_sections_only_the_first_64_kib_of_the_data_are_searched(
    padding: int, found: bool
) -> None:
    """As Go's own reader: the header must start in the data segment's first 64 KiB (only
    those are read first); strings after it may run further."""
    info = INFO_START + MODINFO + INFO_END + b"#" * 0x20000  # a long build setting
    blob = bytes(padding) + inline_blob(b"go1.22.1", info)
    result = catalog_one(make_elf(blob, sections=False))
    assert ("pkg:golang/stdlib@v1.22.1" in _purls(result)) is found
