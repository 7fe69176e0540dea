"""What a person needs to hear from a monitor run, on SQLite and PostgreSQL: a change already
reported counts as new again when it got worse since the last run (it became known exploited,
its severity rose, CISA now knows it is used in ransomware campaigns), runs stored before that
rule still load and are compared with, and the words for people name what each line is about.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from auditapp.services import vulndb
from auditapp.services.findings import list_findings, set_finding_status
from auditapp.services.monitor import NEW_RISK, monitor
from auditapp.services.monitor_diff import Earlier, MonitorChange, mark_new
from auditapp.services.monitor_history import list_runs, weekly_trend
from auditapp.services.signoff import sign_off
from auditapp.services.workspace import Workspace
from auditapp.store.models import Finding, MonitorRun
from tests.monitoring_audit import AUDITOR, BELOW_2, CRITICAL, HIGH, OFFICER, collected
from tests.test_cli import Cli
from tests.vulns.osv_records import record, write

URLLIB3 = "pkg:pypi/urllib3@1.26.4"
FRESH = f"vuln|{URLLIB3}|CVE-2026-5555"
TODAY = datetime.now(UTC).date()


@pytest.fixture
def signed(team_ws: Workspace, tmp_path: Path) -> Workspace:
    """The small monitoring audit with its first finding accepted until tomorrow, signed off."""
    collected(team_ws, tmp_path)
    accepted = list_findings(team_ws, OFFICER)[0]
    set_finding_status(
        team_ws, OFFICER, accepted.id, "accepted-risk", justification="until the rebuild",
        expires=TODAY + timedelta(days=1),
    )  # fmt: skip
    sign_off(team_ws, OFFICER, "complete and accurate")
    sign_off(team_ws, AUDITOR, "reviewed")
    return team_ws


def _osv(ws: Workspace, folder: Path, *, severity: list[dict[str, str]], modified: str) -> None:
    """A vulnerability on urllib3 that came after the sign-off (CVE-2026-5555)."""
    fresh = record(
        "GHSA-aaaa-bbbb-cccc", "PyPI", "urllib3", BELOW_2, aliases=("CVE-2026-5555",),
        severity=severity, modified=modified,
    )  # fmt: skip
    vulndb.import_paths(ws, [write(folder, fresh)])


def _kev(path: Path, ransomware: str = "Unknown") -> Path:
    entry = {
        "cveID": "CVE-2026-5555",
        "vendorProject": "Python",
        "product": "urllib3",
        "vulnerabilityName": "urllib3 header injection",
        "dateAdded": "2026-11-27",
        "dueDate": "2026-12-18",
        "knownRansomwareCampaignUse": ransomware,
        "notes": "",
    }
    document = {"catalogVersion": "2026.11.27", "count": 1, "vulnerabilities": [entry]}
    path.write_text(json.dumps(document))
    return path


def _news(changes: tuple[MonitorChange, ...]) -> list[tuple[str, str, bool, str]]:
    return [(c.key, c.kind, c.new_since_last_run, c.escalated) for c in changes]


def test_a_reported_vulnerability_that_becomes_known_exploited_is_news(
    signed: Workspace, tmp_path: Path
) -> None:
    _osv(signed, tmp_path / "osv", severity=HIGH, modified="2026-11-26T00:00:00Z")
    first = monitor(signed, OFFICER)
    assert _news(first.changes) == [(FRESH, "vulnerability", True, "")]

    listed = monitor(signed, OFFICER, kev=_kev(tmp_path / "kev.json"))
    assert _news(listed.changes) == [(FRESH, "known-exploited", True, "now known exploited")]
    assert (listed.status, listed.new_since_last_run) == (NEW_RISK, 1)

    quiet = monitor(signed, OFFICER)
    assert _news(quiet.changes) == [(FRESH, "known-exploited", False, "")]
    runs = list_runs(signed, AUDITOR)
    assert [r.new_since_last_run for r in runs] == [0, 1, 1]
    assert runs[1].changes == listed.changes  # stored as reported, the reason with it
    assert [w.new for w in weekly_trend(runs)] == [2]


def test_a_severity_that_rose_is_news_and_one_that_fell_is_not(
    signed: Workspace, tmp_path: Path
) -> None:
    _osv(signed, tmp_path / "osv-1", severity=HIGH, modified="2026-11-26T00:00:00Z")
    monitor(signed, OFFICER)
    _osv(signed, tmp_path / "osv-2", severity=CRITICAL, modified="2026-11-27T00:00:00Z")
    rose = monitor(signed, OFFICER)
    assert _news(rose.changes) == [
        (FRESH, "vulnerability", True, "severity rose from high to critical")
    ]
    assert rose.changes[0].severity == "critical"
    _osv(signed, tmp_path / "osv-3", severity=HIGH, modified="2026-11-28T00:00:00Z")
    fell = monitor(signed, OFFICER)
    assert _news(fell.changes) == [(FRESH, "vulnerability", False, "")]


def test_ransomware_use_is_said_and_is_news_when_cisa_learns_of_it(
    signed: Workspace, tmp_path: Path
) -> None:
    _osv(signed, tmp_path / "osv", severity=HIGH, modified="2026-11-26T00:00:00Z")
    listed = monitor(signed, OFFICER, kev=_kev(tmp_path / "kev.json"))
    assert "ransomware" not in listed.changes[0].title
    ransom = monitor(signed, OFFICER, kev=_kev(tmp_path / "kev-2.json", ransomware="Known"))
    assert _news(ransom.changes) == [
        (FRESH, "known-exploited", True, "now used in ransomware campaigns")
    ]
    assert ransom.changes[0].title.endswith(
        "(api): new vulnerability, known exploited (added to KEV 2026-11-27, CISA due date "
        "2026-12-18, used in ransomware campaigns); fixed in 2.0.0"
    )


def test_a_run_stored_before_the_reasons_loads_and_is_compared_with(
    signed: Workspace, tmp_path: Path
) -> None:
    _osv(signed, tmp_path / "osv", severity=HIGH, modified="2026-11-26T00:00:00Z")
    old = monitor(signed, OFFICER)
    # as an older auditapp stored it: the fields MonitorChange had then, nothing more
    older = [
        {k: v for k, v in change.items() if k != "escalated"}
        for change in json.loads(_stored_changes(signed, old.run_id))
    ]
    assert sorted(older[0]) == [
        "detail", "key", "kind", "known_exploited", "new_since_last_run", "severity",
        "subject", "title",
    ]  # fmt: skip
    _store_changes(signed, old.run_id, json.dumps(older))
    [loaded] = list_runs(signed, OFFICER)
    assert _news(loaded.changes) == [(FRESH, "vulnerability", True, "")]

    listed = monitor(signed, OFFICER, kev=_kev(tmp_path / "kev.json"))
    assert _news(listed.changes) == [(FRESH, "known-exploited", True, "now known exploited")]


@pytest.mark.parametrize(
    "stored",
    [
        "not json",
        '{"a": 1}',
        "[" * 100_000 + "]" * 100_000,
        '[1, "x", null, {"kind": "vulnerability"}]',
        json.dumps([{"key": FRESH, "severity": 7, "known_exploited": "yes", "detail": "x"}]),
        json.dumps([{"key": FRESH, "detail": {"kev": "Known"}}]),
    ],
)
def test_a_previous_run_changed_outside_auditapp_does_not_stop_the_next(
    signed: Workspace, tmp_path: Path, stored: str
) -> None:
    _osv(signed, tmp_path / "osv", severity=HIGH, modified="2026-11-26T00:00:00Z")
    old = monitor(signed, OFFICER)
    _store_changes(signed, old.run_id, stored)
    report = monitor(signed, OFFICER, kev=_kev(tmp_path / "kev.json"))
    [change] = report.changes
    assert (change.kind, change.new_since_last_run) == ("known-exploited", True)


def test_newness_rules() -> None:
    def change(severity: str = "high", *, kev: bool = False, ransom: str = "") -> MonitorChange:
        detail = {"kev": {"ransomware": ransom}} if kev else {}
        kind = "known-exploited" if kev else "vulnerability"
        return MonitorChange("k", kind, severity, "s", "t", known_exploited=kev, detail=detail)

    def earlier(severity: str | None = "high", kev: bool = False, ransom: bool = False) -> Earlier:
        return Earlier(severity=severity, known_exploited=kev, ransomware=ransom)

    cases = [
        (change(), None, True, ""),  # the first run: everything is new
        (change(), {}, True, ""),  # not seen by the last run
        (change(), {"k": earlier()}, False, ""),
        (change("medium"), {"k": earlier()}, False, ""),  # better is not news
        (change("critical"), {"k": earlier()}, True, "severity rose from high to critical"),
        (change("high"), {"k": earlier(None)}, False, ""),  # nothing to compare with
        (change(kev=True), {"k": earlier()}, True, "now known exploited"),
        (change(kev=True, ransom="Known"), {"k": earlier()}, True, "now known exploited"),
        (change(kev=True), {"k": earlier(kev=True)}, False, ""),
        (
            change(kev=True, ransom="Known"),
            {"k": earlier(kev=True)},
            True,
            "now used in ransomware campaigns",
        ),
        (change(kev=True, ransom="known"), {"k": earlier(kev=True, ransom=True)}, False, ""),
        (
            change("critical", kev=True),
            {"k": earlier("medium")},
            True,
            "now known exploited; severity rose from medium to critical",
        ),
    ]
    for now, before, new, why in cases:
        [marked] = mark_new([now], before)
        assert (marked.new_since_last_run, marked.escalated) == (new, why), (now, before)


def test_the_words_name_the_component_the_ransomware_and_why_it_is_news(
    signed: Workspace, db_url: str, tmp_path: Path
) -> None:
    cli = Cli(db_url, tmp_path)
    accepted = next(f for f in list_findings(signed, OFFICER) if f.status == "accepted-risk")
    assert accepted.component
    yesterday = TODAY - timedelta(days=1)
    with signed.db.write() as session:  # the weeks go by: the accepted risk lapses
        session.execute(update(Finding).where(Finding.id == accepted.id).values(expires=yesterday))
    _osv(signed, tmp_path / "osv", severity=HIGH, modified="2026-11-26T00:00:00Z")
    assert cli("monitor").returncode == 1

    done = cli("monitor", "--kev", str(_kev(tmp_path / "kev.json", ransomware="Known")))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert (
        "  HIGH      CVE-2026-5555 in PyPI urllib3 1.26.4 (api): new vulnerability, known "
        "exploited (added to KEV 2026-11-27, CISA due date 2026-12-18, used in ransomware "
        "campaigns); fixed in 2.0.0  (new since the last run: now known exploited)"
    ) in lines
    expired = next(line for line in lines if f"finding #{accepted.id}" in line)
    assert expired == (
        f"  {accepted.severity.upper():<8}  finding #{accepted.id} {accepted.rule_id} on "
        f"{accepted.component} ({accepted.title}): accepted until {yesterday}"
    )
    assert lines[-1] == "2 change(s) since sign-off, 1 new since the last run: new risk (exit 1)"
    document = json.loads(cli("monitor", "--json").stdout)
    assert [(c["new_since_last_run"], c["escalated"]) for c in document["run"]["changes"]] == [
        (False, ""),
        (False, ""),
    ]


def _stored_changes(ws: Workspace, run_id: int | None) -> str:
    with ws.db.read() as session:
        text = session.scalar(select(MonitorRun.changes).where(MonitorRun.id == run_id))
    assert text is not None
    return text


def _store_changes(ws: Workspace, run_id: int | None, text: str) -> None:
    with ws.db.write() as session:
        session.execute(update(MonitorRun).where(MonitorRun.id == run_id).values(changes=text))
