"""The monitoring delta report: a small audit signed off through the services, monitored before
and after newer OSV data (one entry known exploited) and a service made privileged with a new
port; the PDF of each run parsed back with pypdf and rendered with pdftoppm; the command."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from auditapp.report.delta_model import DeltaChange
from auditapp.report.package_manifest import PackageError
from auditapp.report.pdf.delta import render_delta_pdf
from auditapp.services import audits, members
from auditapp.services.errors import NotFoundError
from auditapp.services.monitor import COULD_NOT_CHECK, NEW_RISK, MonitorReport, monitor
from auditapp.services.monitor_report import export_delta, gather_delta, trend_weeks
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace
from tests.monitoring_audit import AUDITOR, OFFICER, changed, collected, signed
from tests.test_cli import Cli


@dataclass(frozen=True)
class Monitored:
    ws: Workspace
    url: str
    folder: Path
    quiet: MonitorReport  # right after the sign-off: nothing new
    found: MonitorReport  # after the changes: new risk


def _team(url: str) -> Workspace:
    ws = Workspace.open(url)
    audits.create_audit(ws, "Shop 2026", entity="Example Payments Ltd")
    members.add_member(ws, Caller(), "Olga Officer", Role.OFFICER)
    members.add_member(ws, OFFICER, "Dev Developer", Role.DEVELOPER)
    members.add_member(ws, OFFICER, "Aud Auditor", Role.AUDITOR)
    return ws


@pytest.fixture(scope="module")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> Monitored:
    folder = tmp_path_factory.mktemp("monitored")
    url = f"sqlite:///{folder / 'audit.sqlite3'}"
    ws = _team(url)
    signed(ws, folder)
    quiet = monitor(ws, OFFICER)
    found = monitor(ws, OFFICER, kev=changed(ws, folder))
    return Monitored(ws, url, folder, quiet, found)


def _text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    from io import BytesIO

    reader = PdfReader(BytesIO(pdf))
    return reader, [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def test_the_report_lists_every_change_grouped_with_its_marks(
    monitored: Monitored, tmp_path: Path
) -> None:
    assert monitored.found.status == NEW_RISK
    result = export_delta(monitored.ws, AUDITOR, tmp_path / "delta.pdf")
    assert (result.run, result.status, result.changes) == (monitored.found.run_id, "NEW RISK", 5)
    reader, pages = _text((tmp_path / "delta.pdf").read_bytes())
    assert result.pages == len(pages) and result.bytes == (tmp_path / "delta.pdf").stat().st_size
    text = " ".join(pages)
    assert (
        "NEW RISK 5 changes since the sign-off baseline, 5 new since the previous run, 1 known "
        "to be exploited." in text
    )
    for heading in (
        "1.1 Known exploited (CISA KEV) (1)",
        "1.2 New vulnerabilities on signed-off packages (1)",
        "1.3 Runtime drift (2)",
        "1.4 New exposure no declared flow justifies (1)",
        "2 Trend since sign-off",
    ):
        assert heading in text
    for change in (
        "critical urllib3 1.26.4 CVE-2026-7777 in PyPI urllib3 1.26.4 (api): new vulnerability, "
        "known exploited (added to KEV 2026-11-20, CISA due date 2026-12-11); fixed in 2.0.0 "
        "KEV new",
        "high urllib3 1.26.4 GHSA-aaaa-bbbb-cccc in PyPI urllib3 1.26.4 (api); fixed in 2.0.0 new",
        "critical api service api: now runs privileged new",
        "high api service api: new published port 0.0.0.0:9090->90/tcp new",
    ):
        assert change in text
    assert "Known exploited (CISA KEV) 1 – – – – 1 1" in text  # the glance table
    assert "All changes 2 3 – – – 5 5" in text
    assert "CISA KEV catalogue 2026.11.20: 1 entries" in text
    assert "Olga Officer (officer)" in text and "Aud Auditor (auditor)" in text
    outline = [entry.title for entry in reader.outline if not isinstance(entry, list)]
    assert outline == ["Summary", "1 What changed since sign-off", "2 Trend since sign-off"]
    for number, page in enumerate(pages, start=1):
        assert page.startswith("Monitoring since sign-off: not a PCI DSS Report on Compliance")
        assert f"page {number} of {len(pages)}" in page
        assert f"Shop 2026 · monitor run {result.run}" in page


def test_an_earlier_run_is_reported_as_it_was(monitored: Monitored, tmp_path: Path) -> None:
    quiet = export_delta(
        monitored.ws, OFFICER, tmp_path / "quiet.pdf", run_id=monitored.quiet.run_id
    )
    assert (quiet.status, quiet.changes, quiet.pages) == ("NOTHING NEW", 0, 1)
    _, [page] = _text((tmp_path / "quiet.pdf").read_bytes())
    assert "NOTHING NEW Nothing changed since the sign-off baseline." in page
    assert "The run found no change from the signed-off baseline." in page
    assert f"#{monitored.found.run_id}" not in page  # later runs are not in its history
    with pytest.raises(NotFoundError, match="no monitor run #999 since the sign-off"):
        gather_delta(monitored.ws, OFFICER, run_id=999)


def test_two_renders_are_byte_identical_and_dated_by_the_run(
    monitored: Monitored, tmp_path: Path
) -> None:
    first = export_delta(monitored.ws, OFFICER, tmp_path / "a.pdf")
    second = export_delta(monitored.ws, AUDITOR, tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert first == replace(second, pdf=first.pdf)
    reader, _ = _text((tmp_path / "a.pdf").read_bytes())
    at = (
        monitored.found.at.astimezone(UTC)
        if monitored.found.at.tzinfo
        else (monitored.found.at.replace(tzinfo=UTC))
    )
    assert reader.metadata is not None
    assert str(reader.metadata["/CreationDate"]) == at.strftime("D:%Y%m%d%H%M%S+00'00'")
    assert not list(tmp_path.glob(".*.part"))  # written atomically: no temporary left


def test_every_page_renders_and_none_is_blank(monitored: Monitored, tmp_path: Path) -> None:
    export_delta(monitored.ws, OFFICER, tmp_path / "delta.pdf")
    subprocess.run(
        ["pdftoppm", "-r", "40", "-gray", "-png", str(tmp_path / "delta.pdf"), str(tmp_path / "p")],
        check=True,
    )
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == 2
    for png in pngs:
        with Image.open(png) as image:
            width, height = image.size
            body = image.crop((0, int(height * 0.12), width, int(height * 0.9)))
            inked = sum(body.histogram()[:200])
        assert inked > 300, f"{png.name} is blank"


def test_a_run_that_could_not_check_says_why(monitored: Monitored, tmp_path: Path) -> None:
    bad = tmp_path / "kev.json"
    bad.write_text('{"vulnerabilities": "all of them"}')
    report = monitor(monitored.ws, OFFICER, kev=bad)
    assert report.status == COULD_NOT_CHECK
    try:
        data = gather_delta(monitored.ws, OFFICER)
        _, pages = _text(render_delta_pdf(data))
    finally:  # the other tests report the latest run: leave the new-risk one latest
        with monitored.ws.db.write() as session:
            from auditapp.store.models import MonitorRun

            session.delete(session.get(MonitorRun, report.run_id))
    text = " ".join(pages)
    assert data.status_label == "INCOMPLETE"
    assert "The run could not check everything (1 reason); what it could compare shows 5 " in text
    assert "2 What the run could not check" in text and "3 Trend since sign-off" in text
    assert "the KEV catalogue was not imported" in text


def test_no_baseline_and_no_run_are_clear_errors(tmp_path: Path) -> None:
    ws = _team(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    collected(ws, tmp_path)
    with pytest.raises(NotFoundError, match="no baseline yet") as raised:
        export_delta(ws, OFFICER, tmp_path / "delta.pdf")
    assert "an officer and an auditor have signed off" in str(raised.value)
    from auditapp.services.signoff import sign_off

    sign_off(ws, OFFICER, "done")
    sign_off(ws, AUDITOR, "done")
    with pytest.raises(NotFoundError, match="no monitor run since the sign-off yet"):
        export_delta(ws, OFFICER, tmp_path / "delta.pdf")
    assert not (tmp_path / "delta.pdf").exists()
    monitor(ws, OFFICER)
    with pytest.raises(PackageError, match="cannot write"):
        export_delta(ws, OFFICER, tmp_path / "missing" / "delta.pdf")
    ws.close()


def test_many_changes_run_over_pages_in_any_script(monitored: Monitored) -> None:
    data = gather_delta(monitored.ws, OFFICER)
    many = tuple(
        DeltaChange(
            "runtime-drift",
            "Runtime drift",
            "high",
            f"服务-{n}",
            f"容器 {n}: new port",
            False,
            n % 2 == 0,
        )
        for n in range(90)
    )
    pdf = render_delta_pdf(replace(data, changes=many))
    _, pages = _text(pdf)
    assert len(pages) >= 3
    assert all(f"of {len(pages)}" in page for page in pages)
    assert "容器 89: new port" in " ".join(pages)
    assert all("Severity About What changed Marks" in page for page in pages[1:-1])


def test_the_trend_counts_weeks_without_runs(monitored: Monitored) -> None:
    data = gather_delta(monitored.ws, OFFICER)
    assert len(data.trend) == 12 and data.trend[-1].new == 5 and data.trend[-1].runs == 2
    assert all(w.runs == 0 for w in data.trend[:-1])
    assert trend_weeks([], date(2026, 11, 26), 2)[-1].week == date(2026, 11, 23)


def test_the_command_line(monitored: Monitored, tmp_path: Path) -> None:
    cli = Cli(monitored.url, tmp_path)
    done = cli("export", "--monitoring-pdf", str(tmp_path / "delta.pdf"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        f"wrote {tmp_path / 'delta.pdf'}: monitor run #{monitored.found.run_id}, NEW RISK, "
        "5 change(s) since sign-off, 2 pages"
    )
    earlier = cli(
        "export", "--json", "--monitoring-pdf", str(tmp_path / "q.pdf"),
        "--run", str(monitored.quiet.run_id),
    )  # fmt: skip
    assert earlier.returncode == 0, earlier.stderr
    assert '"status": "NOTHING NEW"' in earlier.stdout
    for wrong, said in (
        (("--pdf", "a.pdf", "--monitoring-pdf", "b.pdf"), "not allowed with"),
        (("--monitoring-pdf", "b.pdf", "--bundle", "b.zip"), "--bundle and --draft go with --pdf"),
        (("--pdf", "a.pdf", "--run", "1"), "--run goes with --monitoring-pdf"),
        (("--monitoring-pdf", "b.pdf", "--run", "999"), "no monitor run #999"),
    ):
        refused = cli("export", *wrong)
        assert refused.returncode == 2 and said in refused.stderr, refused.stderr
    assert not (tmp_path / "b.pdf").exists()


def test_the_command_line_without_a_baseline(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    _team(url).close()
    refused = Cli(url, tmp_path)("export", "--monitoring-pdf", str(tmp_path / "delta.pdf"))
    assert refused.returncode == 2
    assert refused.stderr.startswith("auditapp: no baseline yet: nothing to compare with (it is ")
    assert not (tmp_path / "delta.pdf").exists()
