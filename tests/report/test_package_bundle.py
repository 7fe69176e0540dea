"""The bundle zip: reproducible bytes, every evidence blob, and `verify` on intact, tampered and
hostile zips (`..` names, bombs, overlapping entries), reading nothing to disk.

The PDF inside is a real package (companions attached by `attach`) around a one-page reportlab
document that prints the fingerprint: the bundle does not depend on what the pages say, and the
real renderer's output is covered by test_package.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import struct
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from auditapp.report.model import Companion
from auditapp.report.package import (
    BUNDLE_MANIFEST_NAME,
    MANIFEST_NAME,
    Manifest,
    Outcome,
    PackageError,
    VerifyReport,
    attach,
    build_manifest,
    verify_bundle,
    verify_package,
    write_bundle,
)

AS_OF = datetime(2026, 3, 14, 16, 30, 7, tzinfo=UTC)
BLOBS = sorted((hashlib.sha256(b).hexdigest(), b) for b in (b'{"Id": "c0ffee"}', b"x" * 5000))
COMPANIONS = (
    Companion("findings.json", "application/json", b'[{"id": 1}]\n', "Every finding"),
    Companion("evidence/SYS-1.json", "application/json", b'{"Id": "c0ffee"}', "SYS-1: api"),
    Companion("sbom/Łódź.cdx.json", "application/vnd.cyclonedx+json", b"{}", "SBOM of Łódź"),
)


def package_pdf(manifest: Manifest) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 720, f"Package fingerprint {manifest.fingerprint}")
    page.showPage()
    page.save()
    return attach(buffer.getvalue(), manifest, COMPANIONS)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    manifest = build_manifest(COMPANIONS, as_of=AS_OF)
    path = tmp_path / "shop.zip"
    write_bundle(path, package_pdf(manifest), manifest, COMPANIONS, BLOBS)
    return path


def check_named(report: VerifyReport, subject: str, word: str = "") -> None:
    problems = [c for c in report.problems if c.subject == subject]
    assert problems, f"no problem named {subject!r} in {report.problems}"
    assert word in problems[0].detail, problems[0]


def rezip(
    source: Path,
    target: Path,
    change: Callable[[str, bytes], bytes | None] = lambda name, data: data,
    add: tuple[tuple[str, bytes], ...] = (),
) -> Path:
    """Copy a zip entry by entry; `change` returns new bytes, or None to leave one out."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data, compresslevel=9)
        for name, data in add:
            new.writestr(name, data, compresslevel=9)
    return target


# --- writing ------------------------------------------------------------------------------------


def test_the_bundle_holds_the_pdf_companions_blobs_and_a_manifest_in_fixed_form(
    bundle: Path,
) -> None:
    with zipfile.ZipFile(bundle) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        blob_names = [f"evidence/blobs/{sha}" for sha, _ in BLOBS]
        assert names[-1] == BUNDLE_MANIFEST_NAME  # last: it lists the others
        assert names[:-1] == sorted(
            ["shop.pdf", MANIFEST_NAME, *blob_names, *(c.name for c in COMPANIONS)]
        )
        for info in infos:
            assert info.date_time == (2026, 3, 14, 16, 30, 6)  # zip keeps even seconds
            assert info.external_attr >> 16 == 0o100644
            assert info.compress_type == zipfile.ZIP_DEFLATED
        listed = json.loads(archive.read(BUNDLE_MANIFEST_NAME))
        assert listed["fingerprint"] == build_manifest(COMPANIONS, as_of=AS_OF).fingerprint
        for entry in listed["files"]:
            assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
        for sha, data in BLOBS:
            assert archive.read(f"evidence/blobs/{sha}") == data


def test_two_bundles_of_the_same_state_are_byte_identical(bundle: Path, tmp_path: Path) -> None:
    manifest = build_manifest(COMPANIONS, as_of=AS_OF)
    again = tmp_path / "again" / "shop.zip"
    again.parent.mkdir()
    write_bundle(again, package_pdf(manifest), manifest, COMPANIONS, iter(BLOBS))
    assert again.read_bytes() == bundle.read_bytes()


@pytest.mark.parametrize(
    ("blobs", "message"),
    [
        ([(BLOBS[0][0], b"changed since it was collected")], "no longer matches its SHA-256"),
        ([("../../etc/passwd", b"x")], "is not named by a SHA-256"),
        ([BLOBS[1], BLOBS[0]], "out of order or twice"),
    ],
    ids=["changed", "bad-name", "unordered"],
)
def test_a_bad_blob_stops_the_bundle_and_leaves_the_old_one(
    bundle: Path, blobs: list[tuple[str, bytes]], message: str
) -> None:
    good = bundle.read_bytes()
    manifest = build_manifest(COMPANIONS, as_of=AS_OF)
    with pytest.raises(PackageError, match=message):
        write_bundle(bundle, package_pdf(manifest), manifest, COMPANIONS, blobs)
    assert bundle.read_bytes() == good
    assert [p.name for p in bundle.parent.iterdir()] == [bundle.name]  # no temporary left


# --- verifying ----------------------------------------------------------------------------------


def test_an_intact_bundle_verifies_and_says_what_it_checked(bundle: Path) -> None:
    report = verify_package(bundle)
    assert (report.outcome, report.kind, report.exit_code) == (Outcome.INTACT, "bundle", 0)
    assert report.problems == ()
    assert "shop.pdf: cover page" in {c.subject for c in report.checks}
    assert f"{len(COMPANIONS) + len(BLOBS) + 2} files against their SHA-256" in report.checked


def test_an_edited_blob_is_named(bundle: Path, tmp_path: Path) -> None:
    name = f"evidence/blobs/{BLOBS[1][0]}"
    report = verify_package(
        rezip(bundle, tmp_path / "t.zip", lambda n, d: d + b"!" if n == name else d)
    )
    assert report.outcome is Outcome.TAMPERED and report.exit_code == 1
    check_named(report, name, "longer than")


def test_an_edited_companion_is_named(bundle: Path, tmp_path: Path) -> None:
    report = verify_package(
        rezip(bundle, tmp_path / "t.zip", lambda n, d: b"[]\n" if n == "findings.json" else d)
    )
    check_named(report, "findings.json", "edited")


def test_a_missing_file_is_named(bundle: Path, tmp_path: Path) -> None:
    gone = "sbom/Łódź.cdx.json"
    report = verify_package(
        rezip(bundle, tmp_path / "t.zip", lambda n, d: None if n == gone else d)
    )
    assert report.outcome is Outcome.TAMPERED
    check_named(report, gone, "missing")


def test_an_extra_file_is_named(bundle: Path, tmp_path: Path) -> None:
    report = verify_package(rezip(bundle, tmp_path / "t.zip", add=(("notes.txt", b"hi"),)))
    check_named(report, "notes.txt", "extra")


def test_a_tampered_pdf_inside_is_named(bundle: Path, tmp_path: Path) -> None:
    def flip(name: str, data: bytes) -> bytes:
        if name != "shop.pdf":
            return data
        changed = bytearray(data)
        changed[len(data) // 4] ^= 0x01
        return bytes(changed)

    report = verify_package(rezip(bundle, tmp_path / "t.zip", flip))
    check_named(report, "shop.pdf", "edited")
    check_named(report, "shop.pdf: rendered revision", "changed")


@pytest.mark.parametrize("name", ["../evil.sh", "/etc/cron.d/evil", "a/../../evil", "C:\\evil"])
def test_names_that_leave_the_folder_are_named_and_never_written(
    bundle: Path, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = rezip(bundle, tmp_path / "t.zip", add=((name, b"#!/bin/sh\n"),))
    work = tmp_path / "work" / "deeper"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)  # where a careless extraction would write, and above it
    before = sorted(tmp_path.rglob("*"))
    report = verify_package(hostile)
    assert report.outcome is Outcome.TAMPERED
    check_named(report, name, "unsafe name")
    assert sorted(tmp_path.rglob("*")) == before


def test_a_zip_of_hostile_names_without_a_manifest_is_not_a_package(tmp_path: Path) -> None:
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../evil", b"x")
    report = verify_package(path)
    assert report.outcome is Outcome.NOT_A_PACKAGE and report.exit_code == 2
    assert "no bundle-manifest.json" in report.reason
    check_named(report, "../../evil", "unsafe name")


def test_a_bomb_listed_as_a_companion_is_refused_unread(bundle: Path, tmp_path: Path) -> None:
    """An attacker who also fixes the bundle manifest: 60 MB of zeros in ~60 KB."""
    bomb = bytes(60 * 1024 * 1024)

    def swap(name: str, data: bytes) -> bytes:
        if name == "findings.json":
            return bomb
        if name == BUNDLE_MANIFEST_NAME:
            document = json.loads(data)
            for entry in document["files"]:
                if entry["name"] == "findings.json":
                    entry.update(sha256=hashlib.sha256(bomb).hexdigest(), size=len(bomb))
            return json.dumps(document).encode()
        return data

    report = verify_package(rezip(bundle, tmp_path / "bomb.zip", swap))
    assert report.outcome is Outcome.TAMPERED
    check_named(report, "findings.json", "zip bomb")


def test_a_header_that_understates_an_entry_is_read_only_to_the_listed_size(
    bundle: Path, tmp_path: Path
) -> None:
    """The bundle manifest, not the zip header, bounds every read: a companion grown to
    8 MB costs one byte more than its listed size."""
    big = random.Random(6).randbytes(8 * 1024 * 1024)  # incompressible: no bomb
    zipped = rezip(bundle, tmp_path / "big.zip", lambda n, d: big if n == "findings.json" else d)
    report = verify_bundle(zipped)
    check_named(report, "findings.json", "longer than the 12 bytes listed")


def test_entries_that_overlap_are_named(bundle: Path, tmp_path: Path) -> None:
    """A second central-directory record pointing at the first entry's data (the trick of
    overlapping-entry zip bombs)."""
    data = bundle.read_bytes()
    end = data.rindex(b"PK\x05\x06")
    _, _, on_disk, total, size, offset, _ = struct.unpack("<HHHHIIH", data[end + 4 : end + 22])
    directory = data[offset : offset + size]
    name_length, extra_length, comment_length = struct.unpack("<HHH", directory[28:34])
    first = directory[: 46 + name_length + extra_length + comment_length]
    copy_name = b"copy-of-the-first"
    twin = first[:28] + struct.pack("<H", len(copy_name)) + first[30:46] + copy_name
    twin += first[46 + name_length :]
    tail = struct.pack("<HHHHIIH", 0, 0, on_disk + 1, total + 1, size + len(twin), offset, 0)
    forged = data[: offset + size] + twin + b"PK\x05\x06" + tail
    path = tmp_path / "overlap.zip"
    path.write_bytes(forged)
    report = verify_package(path)
    assert report.outcome is Outcome.TAMPERED
    check_named(report, "copy-of-the-first", "overlaps")


def test_too_many_entries_are_refused_before_reading(bundle: Path, tmp_path: Path) -> None:
    from auditapp.report.package import ZipLimits

    report = verify_bundle(bundle, ZipLimits(max_entries=3))
    assert report.outcome is Outcome.TAMPERED
    check_named(report, "entries", "over the cap")


def test_a_plain_zip_is_not_a_package(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("holiday.jpg", b"\xff\xd8")
    report = verify_package(path)
    assert report.outcome is Outcome.NOT_A_PACKAGE
    assert "no bundle-manifest.json" in report.reason
