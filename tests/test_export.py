"""Export and verify as use cases and on the command line, on SQLite and PostgreSQL: the real
gather, the real renderer, files written atomically, and verify's exit codes 0, 1 and 2."""

from __future__ import annotations

import contextlib
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from auditapp.cli import main
from auditapp.report.package import MANIFEST_NAME, Outcome, PackageError
from auditapp.services import comments, evidence
from auditapp.services.export import export, verify
from auditapp.services.journal import verify_journal
from auditapp.services.workspace import Workspace
from auditapp.store.models import Blob
from tests.conftest import AUDITOR, OFFICER, evidence_item_key

POLICY = b"Container hardening standard v2.1: non-root, read-only root, no new privileges.\n"


@pytest.fixture
def audit(team_ws: Workspace, tmp_path: Path) -> Workspace:
    """The team's audit with an attached document and a comment on an item."""
    policy = tmp_path / "hardening-standard.txt"
    policy.write_bytes(POLICY)
    evidence.attach_file(team_ws, OFFICER, policy, item_key=evidence_item_key())
    comments.add_comment(team_ws, AUDITOR, evidence_item_key(), "Seen the standard; looks right.")
    return team_ws


def run_cli(db_url: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.get("AUDITAPP_MEMBER")
    os.environ["AUDITAPP_MEMBER"] = ""
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--db", db_url, *args])
    finally:
        if saved is None:
            os.environ.pop("AUDITAPP_MEMBER", None)
        else:
            os.environ["AUDITAPP_MEMBER"] = saved
    return code, out.getvalue(), err.getvalue()


def test_an_auditor_exports_and_the_same_state_gives_the_same_bytes(
    audit: Workspace, tmp_path: Path
) -> None:
    head = verify_journal(audit, AUDITOR).head
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    first = export(audit, AUDITOR, pdf=one / "shop.pdf", bundle=one / "shop.zip")
    second = export(audit, AUDITOR, pdf=two / "shop.pdf", bundle=two / "shop.zip")
    assert (one / "shop.pdf").read_bytes() == (two / "shop.pdf").read_bytes()
    assert (one / "shop.zip").read_bytes() == (two / "shop.zip").read_bytes()
    assert first.fingerprint == second.fingerprint
    assert verify_journal(audit, AUDITOR).head == head  # an export is a read: not journaled

    assert first.pages == len(PdfReader(one / "shop.pdf").pages) > 3
    assert first.bytes == (one / "shop.pdf").stat().st_size
    assert first.status == "DRAFT" and first.blobs == 1
    for path in (one / "shop.pdf", one / "shop.zip"):
        report = verify(path)
        assert report.outcome is Outcome.INTACT, report.problems
        assert report.fingerprint == first.fingerprint
    attached = PdfReader(one / "shop.pdf").attachments
    assert MANIFEST_NAME in attached and "findings.json" in attached
    with zipfile.ZipFile(one / "shop.zip") as bundle:
        blobs = [n for n in bundle.namelist() if n.startswith("evidence/blobs/")]
        assert [bundle.read(n) for n in blobs] == [POLICY]  # the attached document, whole


def test_export_and_verify_on_the_command_line(
    audit: Workspace, db_url: str, tmp_path: Path
) -> None:
    pdf, bundle = tmp_path / "shop.pdf", tmp_path / "shop.zip"
    code, out, err = run_cli(
        db_url, "export", "--pdf", str(pdf), "--bundle", str(bundle), "--as", "Aud Auditor"
    )
    assert code == 0, err
    fingerprint = verify(pdf).fingerprint
    assert f"fingerprint: {fingerprint}" in out
    assert f"wrote {pdf}: DRAFT, " in out and "pages" in out and "files attached" in out
    assert f"wrote {bundle}:" in out and "1 evidence blobs" in out

    code, out, _ = run_cli(db_url, "verify", str(pdf))
    assert code == 0 and "INTACT" in out and "checked: auditapp-manifest.json" in out
    code, out, _ = run_cli(db_url, "verify", str(bundle), "--json")
    assert code == 0 and json.loads(out)["outcome"] == "intact"

    tampered = tmp_path / "tampered.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered.write_bytes(bytes(data))
    code, out, _ = run_cli(db_url, "verify", str(tampered))
    assert code == 1 and "TAMPERED" in out and "BAD" in out

    notes = tmp_path / "notes.txt"
    notes.write_text("not a package\n")
    code, out, _ = run_cli(db_url, "verify", str(notes))
    assert code == 2 and "not an auditapp package" in out


def test_a_failed_export_leaves_the_good_files_and_no_partial_one(
    audit: Workspace, tmp_path: Path
) -> None:
    pdf, bundle = tmp_path / "shop.pdf", tmp_path / "shop.zip"
    export(audit, OFFICER, pdf=pdf, bundle=bundle)
    good = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.suffix in (".pdf", ".zip")}
    comments.add_comment(audit, OFFICER, evidence_item_key(), "A later change to the audit.")
    with audit.db.write() as session:  # the stored document changed behind auditapp's back
        session.execute(update(Blob).values(data=POLICY.replace(b"non-root", b"root")))
    with pytest.raises(PackageError, match="no longer matches its SHA-256"):
        export(audit, OFFICER, pdf=pdf, bundle=bundle)
    now = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.suffix in (".pdf", ".zip")}
    assert now == good
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
