"""The strict tar reader against archives written by tarfile, and against corrupt ones."""

from __future__ import annotations

import io
import tarfile
import time

import pytest

from auditapp.formats.tar import EntryType, TarError, TarLimits, TarReader


def _archive(fmt: int = tarfile.PAX_FORMAT, **members: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o4755 if name.endswith("suid") else 0o644
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


class OneWay(io.RawIOBase):
    """A stream that cannot seek, like a decompressor."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self._inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _walk(data: bytes, seekable: bool = True, read: str = "") -> list[tuple[str, int, bytes]]:
    stream = io.BytesIO(data) if seekable else io.BufferedReader(OneWay(data))
    reader = TarReader(stream, seekable=seekable)
    found = []
    for entry in reader:
        content = reader.read(entry.size) if entry.name == read else b""
        found.append((entry.name, entry.size, content))
    return found


@pytest.mark.parametrize("seekable", [True, False])
@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_reads_what_tarfile_writes(fmt: int, seekable: bool) -> None:
    long_name = "usr/lib/" + "deep/" * 30 + "METADATA" if fmt != tarfile.USTAR_FORMAT else "a/b"
    data = _archive(
        fmt, **{"etc/os-release": b"ID=debian\n", long_name: b"x" * 700, "bin/suid": b"\x7fELF"}
    )
    assert _walk(data, seekable, read=long_name) == [
        ("etc/os-release", 10, b""),
        (long_name, 700, b"x" * 700),
        ("bin/suid", 4, b""),
    ]


def test_unicode_and_undecodable_names() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(tarfile.TarInfo("東京/Łódź.txt"))
    names = [e.name for e in TarReader(io.BytesIO(out.getvalue()), seekable=True)]
    assert names == ["東京/Łódź.txt"]
    raw = bytearray(_archive(tarfile.USTAR_FORMAT, abc=b""))
    raw[0:3] = b"\xff\xfe\x00"
    _fix_checksum(raw, 0)
    assert [e.name for e in TarReader(io.BytesIO(bytes(raw)), seekable=True)] == ["\udcff\udcfe"]


def test_entry_types_and_modes() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, kind, link in [
            ("d", tarfile.DIRTYPE, ""),
            ("s", tarfile.SYMTYPE, "../x"),
            ("h", tarfile.LNKTYPE, "d/f"),
            ("p", tarfile.FIFOTYPE, ""),
            ("c", tarfile.CHRTYPE, ""),
        ]:
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mode = kind, link, 0o2755
            tar.addfile(info)
    entries = list(TarReader(io.BytesIO(out.getvalue()), seekable=True))
    assert [(e.name, e.type, e.linkname) for e in entries] == [
        ("d/", EntryType.DIR, ""),
        ("s", EntryType.SYMLINK, "../x"),
        ("h", EntryType.HARDLINK, "d/f"),
        ("p", EntryType.FIFO, ""),
        ("c", EntryType.CHAR, ""),
    ]
    assert all(e.mode == 0o2755 for e in entries)


def _fix_checksum(raw: bytearray, at: int) -> None:
    header = raw[at : at + 512]
    header[148:156] = b" " * 8
    raw[at + 148 : at + 156] = b"%06o\0 " % sum(header)


def test_bad_checksum() -> None:
    raw = bytearray(_archive(a=b"1"))
    raw[10] ^= 0xFF
    with pytest.raises(TarError, match="bad header checksum at offset"):
        list(TarReader(io.BytesIO(bytes(raw)), seekable=True))


def test_not_a_tar() -> None:
    with pytest.raises(TarError, match="checksum"):
        list(TarReader(io.BytesIO(b"PK\x03\x04" + b"\0" * 1020), seekable=True))


@pytest.mark.parametrize("seekable", [True, False])
def test_truncated_data(seekable: bool) -> None:
    data = _archive(tarfile.USTAR_FORMAT, a=b"x" * 5000)[:2048]
    stream = io.BytesIO(data) if seekable else io.BufferedReader(OneWay(data))
    reader = TarReader(stream, seekable=seekable)
    with pytest.raises(TarError, match="truncated"):
        for entry in reader:
            reader.read(entry.size)


def test_truncated_header() -> None:
    with pytest.raises(TarError, match="partial header"):
        list(TarReader(io.BytesIO(_archive(a=b"1")[:1100] + b"\x01" * 100), seekable=True))


def _with_pax(records: bytes) -> bytes:
    info = tarfile.TarInfo("././@PaxHeader")
    info.type = tarfile.XHDTYPE
    info.size = len(records)
    out = io.BytesIO()
    out.write(info.tobuf(tarfile.USTAR_FORMAT))
    out.write(records + b"\0" * (-len(records) % 512))
    out.write(_archive(tarfile.USTAR_FORMAT, a=b"1"))
    return out.getvalue()


@pytest.mark.parametrize(
    "records",
    [
        b"0 path=x\n",
        b"5 path=x\n",
        b"999 path=x\n",
        b"12 pathx\n\n\n\n",
        b"abc path=x\n",
        b"13 size=-5\n",
        b"14 size=abc\n",
    ],
)
def test_hostile_pax_records(records: bytes) -> None:
    with pytest.raises(TarError, match="PAX"):
        list(TarReader(io.BytesIO(_with_pax(records)), seekable=True))


def test_pax_overrides_path() -> None:
    entries = list(TarReader(io.BytesIO(_with_pax(b"17 path=new/name\n")), seekable=True))
    assert [e.name for e in entries] == ["new/name"]


def test_negative_size() -> None:
    raw = bytearray(_archive(tarfile.USTAR_FORMAT, a=b"1"))
    raw[124:136] = b"\xff" * 12
    _fix_checksum(raw, 0)
    with pytest.raises(TarError, match="negative size"):
        list(TarReader(io.BytesIO(bytes(raw)), seekable=True))


def test_entry_cap_and_deadline() -> None:
    data = _archive(**{f"f{n}": b"" for n in range(50)})
    with pytest.raises(TarError, match="more than 10 entries"):
        list(TarReader(io.BytesIO(data), seekable=True, limits=TarLimits(max_entries=10)))
    past = TarLimits(deadline=time.monotonic() - 1)
    with pytest.raises(TarError, match="time limit"):
        list(TarReader(io.BytesIO(data), seekable=True, limits=past))


def test_many_empty_entries() -> None:
    data = _archive(tarfile.USTAR_FORMAT, **{f"e{n}": b"" for n in range(20000)})
    assert sum(1 for _ in TarReader(io.BytesIO(data), seekable=True)) == 20000


def test_a_minus_sign_in_an_octal_size_is_refused() -> None:
    # int() accepts a sign; a size of -512 would walk back onto the same header forever
    raw = bytearray(_archive(tarfile.USTAR_FORMAT, a=b"1"))
    raw[124:136] = b"-0001000\0\0\0\0"
    _fix_checksum(raw, 0)
    with pytest.raises(TarError, match="negative size field"):
        list(TarReader(io.BytesIO(bytes(raw)), seekable=True))


@pytest.mark.parametrize(
    ("field", "size"),
    [
        (b"00000000012\0", 10),  # the usual shape
        (b"         12 ", 10),  # space padded on both sides
        (b"\x00\x00\x00000000012", 10),  # leading NULs: the careful path
        (b"\0" * 12, 0),  # empty means zero
    ],
)
def test_octal_fields_in_every_shape_writers_use(field: bytes, size: int) -> None:
    assert len(field) == 12
    raw = bytearray(_archive(tarfile.USTAR_FORMAT, a=b"x" * size))
    raw[124:136] = field
    _fix_checksum(raw, 0)
    assert [(e.name, e.size) for e in TarReader(io.BytesIO(bytes(raw)), seekable=True)] == [
        ("a", size)
    ]


@pytest.mark.parametrize("seed", range(5))
def test_the_checksum_matches_a_plain_byte_sum_for_any_header(seed: int) -> None:
    """The reader sums header bytes with adler32 halves; any byte values must give the sum a
    plain sum() gives, so a header tarfile accepts is accepted and a flipped byte refused."""
    import random

    rng = random.Random(seed)
    raw = bytearray(_archive(tarfile.USTAR_FORMAT, a=b""))
    raw[345:500] = bytes(rng.choice((0, 0xFF, rng.randrange(256))) for _ in range(155))
    raw[0:1] = b"b"  # a name tarfile can still read as a path
    _fix_checksum(raw, 0)
    (entry,) = TarReader(io.BytesIO(bytes(raw)), seekable=True)
    assert entry.name.endswith("b")
    raw[400] ^= 0x01
    with pytest.raises(TarError, match="bad header checksum"):
        list(TarReader(io.BytesIO(bytes(raw)), seekable=True))
