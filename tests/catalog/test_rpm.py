"""rpmdb.sqlite built here with sqlite3, its Packages blobs rpm headers made byte by byte; and
the hostile databases of item B17: not SQLite, truncated, corrupt, triggers and views, slow,
and the formats we do not read (Berkeley DB, NDB)."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Sequence
from pathlib import Path

import pytest

from auditapp.catalog.interface import OsRelease, Package, Skipped
from auditapp.catalog.rpm import RpmCataloger, parse_header
from tests.catalog.files import LAYER, run

DB = "var/lib/rpm/rpmdb.sqlite"
SYSIMAGE_DB = "usr/lib/sysimage/rpm/rpmdb.sqlite"
RHEL = OsRelease("rhel", "9.3", "Red Hat Enterprise Linux 9.3 (Plow)", id_like=("fedora",))
BIN, INT32, STRING, STRING_ARRAY, I18N = 7, 4, 6, 8, 9

Entry = tuple[int, int, bytes, int]  # tag, type, payload, count


def build_header(entries: Sequence[Entry]) -> bytes:
    """An rpm header as rpmdb.sqlite stores it: index count and data length (big-endian),
    16-byte index entries (tag, type, offset, count), the data store. Like rpm, it starts with
    an immutable-region tag whose 16-byte trailer ends the data store."""
    index: list[bytes] = []
    data = bytearray()
    for tag, type_, payload, count in entries:
        if type_ == INT32:
            data += b"\0" * (-len(data) % 4)
        index.append(struct.pack(">IIII", tag, type_, len(data), count))
        data += payload
    count = len(entries) + 1
    trailer = struct.pack(">IIiI", 63, BIN, -16 * count, 16)
    region = struct.pack(">IIII", 63, BIN, len(data), 16)
    data += trailer
    return struct.pack(">II", count, len(data)) + region + b"".join(index) + bytes(data)


def string(tag: int, value: str) -> Entry:
    return (tag, STRING, value.encode() + b"\0", 1)


def rpm_header(
    name: str,
    version: str,
    release: str,
    arch: str | None = "x86_64",
    epoch: int | None = None,
    license_: str | None = "MIT",
    srpm: str | None = "",
) -> bytes:
    entries = [
        string(1000, name),
        string(1001, version),
        string(1002, release),
        (1004, I18N, b"A summary\0", 1),
        (1009, INT32, struct.pack(">I", 123456), 1),
        (1117, STRING_ARRAY, b"libfoo.so.1\0README\0", 2),
    ]
    if epoch is not None:
        entries.append((1003, INT32, struct.pack(">I", epoch), 1))
    if arch is not None:
        entries.append(string(1022, arch))
    if license_ is not None:
        entries.append(string(1014, license_))
    if srpm is not None:
        entries.append(string(1044, srpm or f"{name}-{version}-{release}.src.rpm"))
    return build_header(entries)


def rpmdb(tmp_path: Path, blobs: Sequence[object], *extra_sql: str) -> bytes:
    """A database with rpm's own schema (rpm 4.16+ sqlite backend), in WAL mode as rpm uses it."""
    path = tmp_path / f"rpmdb-{len(list(tmp_path.iterdir()))}.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(
        "CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)"
    )
    conn.execute(
        "CREATE TABLE 'Name' (key 'TEXT' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL,"
        " FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))"
    )
    conn.execute("CREATE INDEX 'Name_key_idx' ON 'Name'(key ASC)")
    for blob in blobs:
        conn.execute("INSERT INTO Packages (blob) VALUES (?)", (blob,))
    for sql in extra_sql:
        conn.execute(sql)
    conn.commit()
    conn.close()
    return path.read_bytes()


GOOD = [
    rpm_header("bash", "5.1.8", "9.el9", license_="GPLv3+"),
    rpm_header(
        "openssl-libs",
        "3.0.7",
        "27.el9",
        epoch=1,
        license_="ASL 2.0",
        srpm="openssl-3.0.7-27.el9.src.rpm",
    ),
    rpm_header("tzdata", "2024a", "1.el9", arch="noarch", license_="Public Domain"),
    rpm_header("gpg-pubkey", "fd431d51", "4ae0493b", arch=None, license_="pubkey", srpm=None),
]


def rpm(
    name: str,
    version: str,
    purl: str,
    licenses: tuple[str, ...],
    source: tuple[str, str],
    path: str = DB,
) -> Package:
    return Package("rpm", name, version, purl, path, LAYER, licenses, *source)


EXPECTED = [
    rpm(
        "bash",
        "5.1.8-9.el9",
        "pkg:rpm/rhel/bash@5.1.8-9.el9?arch=x86_64&distro=rhel-9.3",
        ("GPLv3+",),
        ("bash", "5.1.8-9.el9"),
    ),
    rpm(
        "openssl-libs",
        "1:3.0.7-27.el9",
        "pkg:rpm/rhel/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.3&epoch=1",
        ("ASL 2.0",),
        ("openssl", "3.0.7-27.el9"),
    ),
    rpm(
        "tzdata",
        "2024a-1.el9",
        "pkg:rpm/rhel/tzdata@2024a-1.el9?arch=noarch&distro=rhel-9.3",
        ("Public Domain",),
        ("tzdata", "2024a-1.el9"),
    ),
]


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary copies go to a folder of ours, so each test can check none is left."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == []


def test_rpmdb_sqlite(tmp_path: Path) -> None:
    result = run(RpmCataloger(), {DB: rpmdb(tmp_path, GOOD)}, RHEL)
    assert list(result.packages) == EXPECTED
    assert result.skipped == ()
    assert result.notes == (f"{DB}: 1 gpg-pubkey entries left out",)
    assert not result.incomplete


def test_sysimage_path_without_os_release(tmp_path: Path) -> None:
    result = run(RpmCataloger(), {SYSIMAGE_DB: rpmdb(tmp_path, GOOD[:1])})
    [bash] = result.packages
    assert (bash.purl, bash.path) == ("pkg:rpm/bash@5.1.8-9.el9?arch=x86_64", SYSIMAGE_DB)


def test_two_copies_of_one_database_are_not_counted_twice(tmp_path: Path) -> None:
    data = rpmdb(tmp_path, GOOD)
    result = run(RpmCataloger(), {DB: data, SYSIMAGE_DB: data}, RHEL)
    assert [p.purl for p in result.packages] == [p.purl for p in EXPECTED]


def test_hostile_headers_are_skipped_one_by_one(tmp_path: Path) -> None:
    good = GOOD[0]
    no_nul = struct.pack(">IIIIII", 1, 4, 1000, STRING, 0, 1) + b"bash"  # no trailer, no NUL
    blobs: list[object] = [
        good[:-1],  # truncated
        b"\x00\x01",  # shorter than the preamble
        struct.pack(">II", 0xFFFFFFFF, 16) + b"\0" * 16,  # absurd index count
        build_header([(1000, STRING, b"x\0", 1), (1001, STRING, b"1\0", 1)])[:8]
        + struct.pack(">IIII", 1000, STRING, 10_000, 1)
        + build_header([(1000, STRING, b"x\0", 1), (1001, STRING, b"1\0", 1)])[24:],
        no_nul,
        build_header([(1000, INT32, b"\0\0\0\1", 1)]),  # NAME as a number
        build_header([string(1000, "a"), string(1000, "b")]),  # NAME twice
        build_header([(1000, STRING, b"\xff\xfe\0", 1)]),
        build_header([string(1000, "nover"), string(1002, "1")]),
        rpm_header("dash", "1-2", "3"),
        rpm_header("weird", "1", "2", srpm="nonsense"),
        "a text value, not a blob",
        good,
    ]
    result = run(RpmCataloger(), {DB: rpmdb(tmp_path, blobs)}, RHEL)
    assert [p.name for p in result.packages] == ["bash"]
    assert [s.reason for s in result.skipped] == [
        f"Packages row 1: blob is {len(good) - 1} bytes, its header says {len(good)}",
        "Packages row 2: blob of 2 bytes is shorter than a header preamble",
        "Packages row 3: absurd header sizes (4294967295 entries, 16 data bytes)",
        "Packages row 4: tag NAME: offset 10000 / count 1 outside the data store",
        "Packages row 5: tag NAME: string at offset 0 runs past the data store",
        "Packages row 6: tag NAME: type 4 (count 1) is not a string",
        "Packages row 7: tag NAME appears twice",
        "Packages row 8: tag NAME: not UTF-8",
        "Packages row 9: tag VERSION None is missing or not valid",
        "Packages row 10: VERSION '1-2' or RELEASE '3' contains '-'",
        "Packages row 11: SOURCERPM 'nonsense' is not name-version-release.src.rpm",
        "Packages row 12: blob is str, not bytes",
    ]
    assert not result.incomplete  # bad rows are counted; the database itself was read


def test_parse_header_bounds() -> None:
    epoch_misaligned = bytearray(build_header([(1003, INT32, b"\0\0\0\1", 1)]))
    struct.pack_into(">I", epoch_misaligned, 8 + 16 + 8, 1)  # offset 1: not aligned
    with pytest.raises(ValueError, match="not an aligned 32-bit integer"):
        parse_header(bytes(epoch_misaligned))
    huge_count = build_header([(1000, STRING, b"x\0", 0xFFFFFFF0)])
    with pytest.raises(ValueError, match="outside the data store"):
        parse_header(huge_count)
    with pytest.raises(ValueError, match="absurd header sizes"):
        parse_header(struct.pack(">II", 1, 0x7FFFFFFF))
    assert parse_header(rpm_header("a", "1", "2", epoch=7)) == {
        1000: "a",
        1001: "1",
        1002: "2",
        1003: 7,
        1022: "x86_64",
        1014: "MIT",
        1044: "a-1-2.src.rpm",
    }


def test_latin1_license_is_kept() -> None:
    blob = build_header(
        [
            string(1000, "a"),
            string(1001, "1"),
            string(1002, "2"),
            (1014, STRING, "Licence é".encode("latin-1") + b"\0", 1),
        ]
    )
    assert parse_header(blob)[1014] == "Licence é"


def unreadable(result_reason: str, path: str = DB) -> Skipped:
    return Skipped("rpm", path, f"rpmdb unreadable: {result_reason}")


def test_not_sqlite() -> None:
    result = run(RpmCataloger(), {DB: b"\x00\x06\x15\x61" + b"\0" * 4000}, RHEL)
    assert result.packages == ()
    assert result.skipped == (unreadable("not an SQLite database (no 'SQLite format 3' header)"),)
    assert result.incomplete


def test_truncated(tmp_path: Path) -> None:
    data = rpmdb(tmp_path, GOOD * 50)
    cut = data[: len(data) // 2]
    result = run(RpmCataloger(), {DB: cut}, RHEL)
    assert result.skipped == (
        unreadable(f"truncated: the header says {len(data)} bytes, found {len(cut)}"),
    )
    assert result.packages == () and result.incomplete
    tiny = run(RpmCataloger(), {DB: data[:50]}, RHEL)
    assert tiny.skipped == (unreadable("truncated: 50 bytes, shorter than the SQLite header"),)


def test_corrupt_pages(tmp_path: Path) -> None:
    data = bytearray(rpmdb(tmp_path, GOOD * 50))
    data[4096:] = b"\xa5" * (len(data) - 4096)  # every page after the schema page
    result = run(RpmCataloger(), {DB: bytes(data)}, RHEL)
    [skipped] = result.skipped
    assert skipped.reason.startswith("rpmdb unreadable: SQLite error: ")
    assert result.incomplete


def test_triggers_and_views_are_refused(tmp_path: Path) -> None:
    data = rpmdb(
        tmp_path,
        GOOD,
        "CREATE TRIGGER t AFTER INSERT ON Packages BEGIN DELETE FROM Name; END",
        "CREATE VIEW v AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
        " SELECT x FROM c",
    )
    result = run(RpmCataloger(), {DB: data}, RHEL)
    assert result.skipped == (
        unreadable("has triggers or views, which a real rpmdb never has: not read"),
    )
    assert result.packages == () and result.incomplete


def test_computed_columns_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "generated.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, seed INTEGER,"
        " blob BLOB GENERATED ALWAYS AS (zeroblob(seed)) VIRTUAL)"
    )
    conn.executemany("INSERT INTO Packages (seed) VALUES (?)", [(900_000_000,)] * 100)
    conn.commit()
    conn.close()
    result = run(RpmCataloger(), {DB: path.read_bytes()}, RHEL)
    assert result.skipped == (
        unreadable("Packages has computed columns, which a real rpmdb never has"),
    )
    assert result.incomplete


def test_oversized_blob_stops_the_read(tmp_path: Path) -> None:
    blob = rpm_header("big", "1", "1")
    big = struct.pack(">II", 1, 17 * 1024 * 1024) + b"\0" * (16 + 17 * 1024 * 1024)
    result = run(RpmCataloger(), {DB: rpmdb(tmp_path, [blob, big])}, RHEL)
    assert result.skipped == (unreadable("SQLite error: string or blob too big"),)
    assert result.incomplete


def test_no_packages_table(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE Pkgs (blob BLOB)")
    conn.commit()
    conn.close()
    result = run(RpmCataloger(), {DB: path.read_bytes()}, RHEL)
    assert result.skipped == (unreadable("has no Packages table"),)
    assert result.incomplete


def test_time_limit(tmp_path: Path) -> None:
    result = run(RpmCataloger(timeout=0), {DB: rpmdb(tmp_path, GOOD * 200)}, RHEL)
    assert result.skipped == (unreadable("reading took longer than 0 s; stopped"),)
    assert result.incomplete


def test_uncheckpointed_wal_marks_incomplete(tmp_path: Path) -> None:
    files = {DB: rpmdb(tmp_path, GOOD), DB + "-wal": b"\x37\x7f\x06\x82" + b"\0" * 4000}
    result = run(RpmCataloger(), files, RHEL)
    assert list(result.packages) == EXPECTED
    assert result.skipped == (
        Skipped("rpm", DB, "rpmdb incomplete: its -wal holds 4004 bytes not read"),
    )
    assert result.incomplete


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("var/lib/rpm/Packages", "Berkeley DB"),
        ("usr/lib/sysimage/rpm/Packages", "Berkeley DB"),
        ("var/lib/rpm/Packages.db", "NDB"),
        ("usr/lib/sysimage/rpm/Packages.db", "NDB"),
    ],
)
def test_unsupported_formats_are_never_zero_packages(path: str, kind: str) -> None:
    bdb = b"\0" * 12 + b"\x61\x15\x06\x00" + b"\0" * 4080
    result = run(RpmCataloger(), {path: bdb}, RHEL)
    assert result.packages == ()
    assert result.skipped == (Skipped("rpm", path, f"unsupported rpmdb format: {kind}"),)
    assert result.incomplete


def test_leftover_berkeley_db_beside_sqlite_is_a_note(tmp_path: Path) -> None:
    files = {DB: rpmdb(tmp_path, GOOD), "var/lib/rpm/Packages": b"\0" * 4096}
    result = run(RpmCataloger(), files, RHEL)
    assert list(result.packages) == EXPECTED
    assert result.skipped == () and not result.incomplete
    assert result.notes == (
        f"{DB}: 1 gpg-pubkey entries left out",
        "var/lib/rpm/Packages: Berkeley DB rpmdb ignored, the sqlite rpmdb was read",
    )


def test_over_the_cap() -> None:
    result = run(RpmCataloger(), {DB: b"SQLite format 3\x00" + b"\0" * (64 * 1024 * 1024)})
    assert result.skipped == (unreadable("over the size cap"),)
    assert result.incomplete


def test_many_bad_rows_are_capped(tmp_path: Path) -> None:
    result = run(RpmCataloger(), {DB: rpmdb(tmp_path, [b"junk"] * 500 + GOOD[:1])}, RHEL)
    assert [p.name for p in result.packages] == ["bash"]
    assert len(result.skipped) == 101
    assert result.skipped[-1].reason == "400 more bad Packages rows not listed"


def test_plan() -> None:
    cataloger = RpmCataloger()
    assert cataloger.plan(DB, 1, 0o644) is not None
    assert cataloger.plan(SYSIMAGE_DB, 1, 0o644) is not None
    assert cataloger.plan("var/lib/rpm/Packages", 1, 0o644) is None  # never read, only seen
    assert cataloger.plan("var/lib/rpm/rpmdb.sqlite-shm", 1, 0o644) is None
