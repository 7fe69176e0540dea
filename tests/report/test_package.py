"""The package around the PDF, pure: manifest and fingerprint, the companions attached inside the
real rendered PDF (read back with pypdf and poppler), byte-identical exports, atomic writes, and
`verify` on intact, tampered and foreign files. Bundle tampering is in test_package_bundle.py."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from auditapp.report.model import Companion, ReportData
from auditapp.report.package import (
    MANIFEST_NAME,
    Outcome,
    PackageError,
    VerifyReport,
    attach,
    build_manifest,
    export_package,
    verify_package,
)
from auditapp.report.pdf import render_pdf
from tests.report.sample_data import sample_report

AS_OF = datetime(2026, 3, 14, 16, 30, tzinfo=UTC)


def consistent(data: ReportData) -> ReportData:
    """The sample's evidence rows carry made-up hashes; export re-hashes evidence snapshots, so
    give each row the hash of the snapshot attached for it."""
    snapshots = {c.name: c.data for c in data.companions}
    return replace(
        data,
        evidence=tuple(
            replace(e, sha256=hashlib.sha256(snapshots[e.file_name]).hexdigest())
            if e.file_name in snapshots
            else e
            for e in data.evidence
        ),
    )


def extra_companions() -> tuple[Companion, ...]:
    return (
        Companion("findings.json", "application/json", b'[{"id": 1}]\n', "Every finding"),
        Companion("sbom/東京-api.cdx.json", "application/vnd.cyclonedx+json", b"{}", "SBOM"),
    )


@pytest.fixture(scope="module")
def data() -> ReportData:
    base = consistent(sample_report())
    return replace(base, companions=base.companions + extra_companions())


_RENDERED: dict[tuple[int, str], bytes] = {}


def render_once(data: ReportData, fingerprint: str) -> bytes:
    """The real renderer, remembered per data and fingerprint: rendering takes seconds, and
    the tests that re-render on purpose call render_pdf itself."""
    key = (id(data), fingerprint)
    if key not in _RENDERED:
        _RENDERED[key] = render_pdf(data, fingerprint)
    return _RENDERED[key]


@pytest.fixture(scope="module")
def package(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pdf = tmp_path_factory.mktemp("package") / "package.pdf"
    export_package(data, pdf=pdf, renderer=render_once)
    return pdf


def plain_pdf(text: str = "Hello") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def check_named(report: VerifyReport, subject: str, word: str = "") -> None:
    problems = [c for c in report.problems if c.subject == subject]
    assert problems, f"no problem named {subject!r} in {report.problems}"
    assert word in problems[0].detail


# --- manifest and fingerprint ---------------------------------------------------------------


def test_manifest_lists_every_companion_sorted_and_fingerprints_its_canonical_json() -> None:
    files = extra_companions()
    manifest = build_manifest(reversed(files), as_of=AS_OF)
    assert [f.name for f in manifest.files] == ["findings.json", "sbom/東京-api.cdx.json"]
    first = manifest.files[0]
    assert (first.sha256, first.size) == (hashlib.sha256(files[0].data).hexdigest(), 12)
    body = {
        "format": "auditapp-package",
        "version": 1,
        "as_of": AS_OF.isoformat(),
        "files": [
            {
                "name": f.name,
                "sha256": f.sha256,
                "size": f.size,
                "media_type": f.media_type,
                "description": f.description,
            }
            for f in manifest.files
        ],
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert manifest.fingerprint == hashlib.sha256(canonical.encode()).hexdigest()


def test_fingerprint_changes_with_any_byte_and_with_the_time_but_not_the_order() -> None:
    files = extra_companions()
    base = build_manifest(files, as_of=AS_OF).fingerprint
    assert build_manifest(files[::-1], as_of=AS_OF).fingerprint == base
    edited = (replace(files[0], data=files[0].data + b" "), files[1])
    assert build_manifest(edited, as_of=AS_OF).fingerprint != base
    assert build_manifest(files, as_of=AS_OF.replace(second=1)).fingerprint != base


@pytest.mark.parametrize(
    "name",
    ["../etc/passwd", "/etc/passwd", "a/../../b", "C:evil", "a\\b", "", "a//b", "bell\x07",
     MANIFEST_NAME, "bundle-manifest.json", "evidence/blobs/ab"],
)  # fmt: skip
def test_unsafe_or_reserved_companion_names_are_refused_by_name(name: str) -> None:
    with pytest.raises(PackageError, match="companion file"):
        build_manifest([Companion(name, "text/plain", b"x", "")])


def test_two_companions_with_one_name_are_refused() -> None:
    twice = [Companion("a.json", "application/json", b"1", ""), Companion("a.json", "", b"2", "")]
    with pytest.raises(PackageError, match=r"'a\.json' is used by two"):
        build_manifest(twice)


# --- attaching --------------------------------------------------------------------------------


def test_attach_embeds_every_companion_with_size_checksum_and_the_data_s_time(
    data: ReportData, package: Path
) -> None:
    reader = PdfReader(package)
    found = {(e.alternative_name or e.name): e for e in reader.attachment_list}
    assert set(found) == {c.name for c in data.companions} | {MANIFEST_NAME}
    for companion in data.companions:
        entry = found[companion.name]
        assert entry.content == companion.data
        assert entry.size == len(companion.data)
        params = entry.pdf_object["/EF"]["/F"].get_object()["/Params"]
        assert params["/CheckSum"].original_bytes == hashlib.md5(companion.data).digest()
        assert entry.modification_date == AS_OF
        assert entry.description == companion.description
    record = json.loads(found[MANIFEST_NAME].content)
    manifest = build_manifest(data.companions, as_of=data.audit.as_of)
    assert record["fingerprint"] == manifest.fingerprint
    assert [f["name"] for f in record["files"]] == [f.name for f in manifest.files]


def test_the_rendered_revision_stays_byte_for_byte_and_keeps_its_info(
    data: ReportData, package: Path
) -> None:
    manifest = build_manifest(data.companions, as_of=data.audit.as_of)
    rendered = render_once(data, manifest.fingerprint)
    written = package.read_bytes()
    assert written.startswith(rendered) and len(written) > len(rendered)
    record = json.loads(PdfReader(package).attachments[MANIFEST_NAME][0])
    assert record["rendered"] == {
        "sha256": hashlib.sha256(rendered).hexdigest(),
        "size": len(rendered),
    }
    # no clock and no pyHanko in the document information: as rendered
    assert PdfReader(package).metadata == PdfReader(io.BytesIO(rendered)).metadata


def test_poppler_lists_the_attachments_and_still_renders_the_cover(
    data: ReportData, package: Path, tmp_path: Path
) -> None:
    listing = subprocess.run(
        ["pdfdetach", "-list", str(package)], capture_output=True, text=True, check=True
    ).stdout
    for companion in data.companions:
        assert companion.name in listing
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "30", "-f", "1", "-l", "1", str(package), str(tmp_path / "p")],
        check=True,
    )
    pgm = next(tmp_path.glob("p*.pgm")).read_bytes()
    pixels = pgm.split(b"\n", 3)[3]  # P5, size, max value, then one byte per pixel
    assert sum(1 for value in pixels if value < 128) > 500  # ink, not a blank page


def test_attach_and_export_are_byte_identical_run_after_run(
    data: ReportData, package: Path, tmp_path: Path
) -> None:
    manifest = build_manifest(data.companions, as_of=data.audit.as_of)
    rendered = plain_pdf(manifest.fingerprint)
    assert attach(rendered, manifest, data.companions) == attach(
        rendered, manifest, data.companions
    )
    again = tmp_path / "again.pdf"
    export_package(data, pdf=again, renderer=render_pdf)
    assert again.read_bytes() == package.read_bytes()


def test_attach_refuses_companions_that_are_not_the_manifest_s(data: ReportData) -> None:
    manifest = build_manifest(data.companions, as_of=data.audit.as_of)
    with pytest.raises(PackageError, match="do not match the manifest"):
        attach(plain_pdf(), manifest, data.companions[1:])


# --- verify: intact, tampered, foreign ----------------------------------------------------------


def test_an_exported_package_verifies_intact_and_says_what_it_checked(
    data: ReportData, package: Path
) -> None:
    report = verify_package(package)
    assert report.outcome is Outcome.INTACT and report.exit_code == 0, report.problems
    manifest = build_manifest(data.companions, as_of=data.audit.as_of)
    assert report.fingerprint == manifest.fingerprint
    subjects = {c.subject for c in report.checks}
    assert {"rendered revision", "attachments update", "fingerprint", "cover page"} <= subjects
    assert {c.name for c in data.companions} <= subjects
    assert f"{len(data.companions)} embedded files" in report.checked


def flipped(source: Path, at: int, target: Path) -> Path:
    data = bytearray(source.read_bytes())
    data[at] ^= 0x01
    target.write_bytes(bytes(data))
    return target


def test_a_flipped_byte_in_the_rendered_body_is_named(package: Path, tmp_path: Path) -> None:
    record = json.loads(PdfReader(package).attachments[MANIFEST_NAME][0])
    report = verify_package(flipped(package, record["rendered"]["size"] // 2, tmp_path / "t.pdf"))
    assert report.outcome is Outcome.TAMPERED and report.exit_code == 1
    check_named(report, "rendered revision", "changed")


@pytest.mark.parametrize("share", [0.0, 0.003, 0.25, 0.5, 0.75, 0.97, 0.999])
def test_a_flipped_byte_anywhere_is_tampering(package: Path, tmp_path: Path, share: float) -> None:
    at = int((package.stat().st_size - 1) * share)
    report = verify_package(flipped(package, at, tmp_path / "t.pdf"))
    assert report.outcome is Outcome.TAMPERED, (at, report.reason)


def test_an_attachment_replaced_by_an_appended_update_is_named(
    package: Path, tmp_path: Path
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(package.read_bytes()))
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    for index in range(0, len(names), 2):
        if names[index] == "findings.json":
            spec_ref = names.raw_get(index + 1)
            forged = embed.EmbeddedFileObject.from_file_data(writer, b"[]")
            spec_ref.get_object()["/EF"] = generic.DictionaryObject(
                {generic.pdf_name("/F"): forged.ef_stream_ref}
            )
            writer.mark_update(spec_ref)
    out = io.BytesIO()
    writer.write(out)
    target = tmp_path / "edited.pdf"
    target.write_bytes(out.getvalue())
    report = verify_package(target)
    assert report.outcome is Outcome.TAMPERED
    check_named(report, "findings.json", "edited")
    check_named(report, "attachments update", "appended")


def rewritten(package: Path, target: Path, change: str) -> Path:
    """The package re-saved by another PDF tool (pypdf), with one attachment changed."""
    writer = PdfWriter(clone_from=package)
    for entry in writer.attachment_list:
        if (entry.alternative_name or entry.name) == "findings.json":
            if change == "edit":
                entry.content = b"[]"
            else:
                entry.delete()
    if change == "extra":
        writer.add_attachment("notes.txt", b"a note slipped in")
    writer.write(target)
    return target


@pytest.mark.parametrize(
    ("change", "subject", "word"),
    [
        ("edit", "findings.json", "edited"),
        ("delete", "findings.json", "missing"),
        ("extra", "notes.txt", "extra"),
    ],
)
def test_an_attachment_edited_removed_or_added_by_another_tool_is_named(
    package: Path, tmp_path: Path, change: str, subject: str, word: str
) -> None:
    report = verify_package(rewritten(package, tmp_path / "t.pdf", change))
    assert report.outcome is Outcome.TAMPERED and report.exit_code == 1
    check_named(report, subject, word)


def test_a_consistent_forgery_of_the_files_still_fails_on_the_cover_page(
    data: ReportData, package: Path, tmp_path: Path
) -> None:
    """Swap a companion and rebuild a whole new, self-consistent manifest over the same
    rendered pages: only the printed fingerprint can tell, and it does."""
    manifest = build_manifest(data.companions, as_of=data.audit.as_of)
    rendered = render_once(data, manifest.fingerprint)
    forged_files = tuple(
        replace(c, data=b"[]") if c.name == "findings.json" else c for c in data.companions
    )
    forged = build_manifest(forged_files, as_of=data.audit.as_of)
    target = tmp_path / "forged.pdf"
    target.write_bytes(attach(rendered, forged, forged_files))
    report = verify_package(target)
    assert report.outcome is Outcome.TAMPERED
    check_named(report, "cover page", forged.fingerprint)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (plain_pdf(), "no auditapp-manifest.json"),
        (b"just some notes\n" * 20, "neither a PDF nor a zip"),
        (b"", "neither a PDF nor a zip"),
        (b"%PDF-1.4\nnot really a PDF\n", "cannot be read"),
    ],
    ids=["plain-pdf", "text", "empty", "fake-pdf"],
)
def test_files_that_are_not_packages_say_so(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "file"
    path.write_bytes(content)
    report = verify_package(path)
    assert report.outcome is Outcome.NOT_A_PACKAGE and report.exit_code == 2
    assert reason in report.reason


# --- atomic export ------------------------------------------------------------------------------


def test_changed_evidence_stops_the_export_before_anything_is_written(
    data: ReportData, tmp_path: Path
) -> None:
    snapshot = data.evidence[0]
    changed = replace(
        data,
        companions=tuple(
            replace(c, data=c.data + b"\n") if c.name == snapshot.file_name else c
            for c in data.companions
        ),
    )
    target = tmp_path / "package.pdf"
    with pytest.raises(PackageError, match=f"evidence {snapshot.ref} .* no longer matches"):
        export_package(changed, pdf=target, renderer=render_once)
    assert list(tmp_path.iterdir()) == []


def test_a_failing_bundle_leaves_the_good_pdf_and_bundle_untouched(
    data: ReportData, tmp_path: Path
) -> None:
    pdf, bundle = tmp_path / "package.pdf", tmp_path / "package.zip"
    blob = b"docker inspect output"
    export_package(
        data,
        pdf=pdf,
        bundle=bundle,
        renderer=render_once,
        blobs=[(hashlib.sha256(blob).hexdigest(), blob)],
    )
    good = {p.name: p.read_bytes() for p in (pdf, bundle)}
    later = replace(data, audit=replace(data.audit, as_of=AS_OF.replace(minute=31)))
    # a blob changed since it was collected: found mid-way, while the bundle is written
    tampered = [(hashlib.sha256(blob).hexdigest(), blob + b"!")]
    with pytest.raises(PackageError, match="no longer matches its SHA-256"):
        export_package(later, pdf=pdf, bundle=bundle, renderer=render_pdf, blobs=tampered)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == good  # no temporary left
