"""Monitoring after sign-off, on SQLite and PostgreSQL: the baseline frozen at the final
sign-off, then newer vulnerability data, a KEV listing, an expired accepted risk and a compose
file changed to run privileged with a new published port — reported exactly, exit 1; nothing
changed, exit 0; no baseline or a corrupt one, exit 2 with the reason."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from auditapp.services import journal, vulndb
from auditapp.services.analysis import analyse
from auditapp.services.collect import collect
from auditapp.services.errors import PermissionDeniedError
from auditapp.services.findings import list_findings, set_finding_status
from auditapp.services.flows import FlowInput, add_flow
from auditapp.services.gather import CollectRequest
from auditapp.services.monitor import COULD_NOT_CHECK, NEW_RISK, NOTHING_NEW, monitor
from auditapp.services.monitor_baseline import load_baseline
from auditapp.services.monitor_history import list_runs, weekly_trend
from auditapp.services.signoff import sign_off
from auditapp.services.workspace import Workspace
from auditapp.store.models import Baseline, JournalEntry
from tests.catalog.layers import f
from tests.conftest import AUDITOR, DEVELOPER, OFFICER
from tests.evidence.oci import oci_files, write_folder
from tests.test_cli import Cli
from tests.vulns.osv_records import record, write

TODAY = datetime.now(UTC).date()
EXPIRES = TODAY + timedelta(days=3)
LATER = EXPIRES + timedelta(days=1)  # the day the monitor runs: the accepted risk has lapsed
HIGH = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}]
CRITICAL = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
BELOW_2 = [{"introduced": "0"}, {"fixed": "2.0.0"}]


def _compose(path: Path, *, privileged: bool = False, extra_port: bool = False) -> Path:
    ports = ['      - "8080:80"']
    if extra_port:
        ports.append('      - "9090:90"')
    lines = [
        "services:",
        "  api:",
        "    image: shop/api:1.0",
        "    user: '10001'",
        "    read_only: true",
        "    ports:",
        *ports,
        "    deploy:",
        "      resources:",
        "        limits: {memory: 256M, pids: 100, cpus: '0.5'}",
    ]
    if privileged:
        lines.append("    privileged: true")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def signed(team_ws: Workspace, tmp_path: Path) -> Workspace:
    """An audit of one image (urllib3 1.26.4 on Debian 13) and a compose service publishing
    8080 with a declared flow; one known vulnerability, one accepted risk until EXPIRES; signed
    off by the officer and the auditor."""
    ws = team_ws
    entries = [
        f("etc/os-release", 'ID=debian\nVERSION_ID="13"\nPRETTY_NAME="Debian GNU/Linux 13"\n'),
        f(
            "usr/lib/python3/dist-packages/urllib3-1.26.4.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: urllib3\nVersion: 1.26.4\n",
        ),
    ]
    layout = write_folder(oci_files([entries], "gzip", tag="shop/api:1.0"), tmp_path / "layout")
    compose = _compose(tmp_path / "compose.yaml")
    collect(ws, OFFICER, CollectRequest(archives=(layout,), compose=(compose,)))
    known = record("PYSEC-2020-1", "PyPI", "urllib3", BELOW_2, aliases=("CVE-2020-1111",))
    vulndb.import_paths(ws, [write(tmp_path / "osv-old", known)])
    add_flow(ws, OFFICER, FlowInput("internet", "api", 8080, "tcp", (), True, False, "shop"))
    analyse(ws, OFFICER)
    accepted = list_findings(ws, OFFICER)[0]
    set_finding_status(
        ws, OFFICER, accepted.id, "accepted-risk", justification="until the rebuild",
        expires=EXPIRES,
    )  # fmt: skip
    sign_off(ws, OFFICER, "complete and accurate")
    assert load_baseline(ws, OFFICER) is None  # one of the two required sign-offs
    sign_off(ws, AUDITOR, "reviewed")
    return ws


def _kev(path: Path, *cves: str) -> Path:
    entries = [
        {
            "cveID": cve,
            "vendorProject": "Python",
            "product": "urllib3",
            "vulnerabilityName": "urllib3 request smuggling",
            "dateAdded": "2026-11-20",
            "dueDate": "2026-12-11",
            "knownRansomwareCampaignUse": "Unknown",
            "notes": "",
        }
        for cve in cves
    ]
    document = {"catalogVersion": "2026.11.20", "count": len(entries), "vulnerabilities": entries}
    path.write_text(json.dumps(document))
    return path


def test_the_final_sign_off_freezes_what_was_signed(signed: Workspace) -> None:
    baseline = load_baseline(signed, AUDITOR)
    assert baseline is not None
    snapshot = baseline.snapshot
    [image] = snapshot.images.values()
    assert (image.name, [(p.name, p.version) for p in image.packages]) == (
        "shop/api:1.0",
        [("urllib3", "1.26.4")],
    )
    [(purl, vulns)] = snapshot.vulns.items()
    assert purl == "pkg:pypi/urllib3@1.26.4"
    assert [(v.id, v.aliases) for v in vulns] == [("CVE-2020-1111", ("PYSEC-2020-1",))]
    [workload] = snapshot.workloads
    assert (workload.label, workload.privileged, workload.ports) == (
        "service api",
        False,
        ("0.0.0.0:8080->80/tcp",),
    )
    assert snapshot.declared_flows == ("zone:internet -> api 8080/tcp",)
    assert snapshot.unjustified == ()
    assert [(f.status, f.expires) for f in snapshot.findings if f.status != "open"] == [
        ("accepted-risk", EXPIRES.isoformat())
    ]
    assert [d.ecosystem for d in snapshot.vulnerability_data] == ["PyPI"]
    # a later sign-off does not move the baseline
    sign_off(signed, OFFICER, "signed again")
    again = load_baseline(signed, OFFICER)
    assert again is not None and (again.id, again.sha256) == (baseline.id, baseline.sha256)
    actions = [e.action for e in journal.recent_entries(signed, OFFICER, limit=4)]
    assert actions == ["signoff", "baseline.freeze", "signoff", "signoff"]
    assert journal.verify_journal(signed, OFFICER).intact


def test_nothing_changed_exits_0_and_is_stored(signed: Workspace) -> None:
    report = monitor(signed, OFFICER)
    assert (report.status, report.changes, report.problems) == (NOTHING_NEW, (), ())
    assert any("VEX statements carry no expiry" in n for n in report.notes)
    [run] = list_runs(signed, AUDITOR)
    assert (run.id, run.status, run.by, run.baseline_id) == (
        report.run_id,
        NOTHING_NEW,
        "Olga Officer",
        report.baseline_id,
    )
    assert run.data["vulnerability_data"][0]["ecosystem"] == "PyPI"
    assert journal.recent_entries(signed, OFFICER, limit=1)[0].action == "monitor.run"
    assert journal.verify_journal(signed, OFFICER).intact


def test_new_data_an_expired_risk_and_drift_are_reported_exactly(
    signed: Workspace, tmp_path: Path
) -> None:
    exploited = record(
        "PYSEC-2026-7", "PyPI", "urllib3", BELOW_2, aliases=("CVE-2026-7777",),
        severity=CRITICAL, modified="2026-11-25T00:00:00Z",
    )  # fmt: skip
    fresh = record(
        "GHSA-aaaa-bbbb-cccc", "PyPI", "urllib3", BELOW_2, severity=HIGH,
        modified="2026-11-26T00:00:00Z",
    )  # fmt: skip
    elsewhere = record("PYSEC-2026-8", "PyPI", "requests", BELOW_2, severity=CRITICAL)
    vulndb.import_paths(signed, [write(tmp_path / "osv-new", exploited, fresh, elsewhere)])
    compose = _compose(tmp_path / "compose.yaml", privileged=True, extra_port=True)
    collect(signed, OFFICER, CollectRequest(compose=(compose,)))

    report = monitor(signed, OFFICER, kev=_kev(tmp_path / "kev.json", "CVE-2026-7777"), today=LATER)

    found = [(c.kind, c.severity, c.key.split("|", 1)[-1]) for c in report.changes]
    accepted = next(f for f in list_findings(signed, OFFICER) if f.status == "accepted-risk")
    assert found == [
        ("known-exploited", "critical", "pkg:pypi/urllib3@1.26.4|CVE-2026-7777"),
        ("vulnerability", "high", "pkg:pypi/urllib3@1.26.4|GHSA-aaaa-bbbb-cccc"),
        ("risk-expired", accepted.severity, f"{accepted.id}|{EXPIRES}"),
        ("runtime-drift", "critical", "service api|privileged"),
        ("runtime-drift", "high", "service api|port|0.0.0.0:9090->90/tcp"),
        ("exposure", "high", "api|api|all-interfaces|90|tcp||9090|"),
    ]
    assert report.status == NEW_RISK and report.problems == ()
    kev = report.changes[0]
    assert kev.known_exploited and "added to KEV 2026-11-20" in kev.title
    assert kev.detail["kev"]["due_date"] == "2026-12-11"
    assert all(c.new_since_last_run for c in report.changes)

    # the same state again: the same changes, none new since the last run
    again = monitor(signed, OFFICER, today=LATER)
    assert [c.key for c in again.changes] == [c.key for c in report.changes]
    assert again.status == NEW_RISK and again.new_since_last_run == 0
    runs = list_runs(signed, OFFICER)
    assert [r.id for r in runs] == [again.run_id, report.run_id]
    assert runs[1].changes == report.changes  # stored as reported
    [week] = weekly_trend(runs)
    assert (week.new, week.runs) == (6, 2)
    assert journal.verify_journal(signed, OFFICER).intact


def test_without_a_baseline_it_cannot_check(team_ws: Workspace) -> None:
    report = monitor(team_ws, OFFICER)
    assert report.status == COULD_NOT_CHECK
    assert report.problems[0].startswith("no baseline yet: it is frozen when both an officer")
    assert [r.status for r in list_runs(team_ws, OFFICER)] == [COULD_NOT_CHECK]


def test_a_baseline_changed_outside_auditapp_cannot_be_used(signed: Workspace) -> None:
    with signed.db.write() as session:
        session.execute(update(Baseline).values(snapshot='{"format": 1}'))
    report = monitor(signed, OFFICER)
    assert report.status == COULD_NOT_CHECK
    assert report.problems == (
        "the baseline cannot be used: the baseline of audit 'Shop 2026' no longer matches its "
        "SHA-256 (it was changed outside auditapp; `auditapp journal verify` checks the rest)",
    )


def test_developers_may_not_monitor_a_signed_off_audit(signed: Workspace) -> None:
    with pytest.raises(PermissionDeniedError, match="signed off"):
        monitor(signed, DEVELOPER)
    assert list_runs(signed, OFFICER) == []


def test_the_command_line(signed: Workspace, db_url: str, tmp_path: Path) -> None:
    cli = Cli(db_url, tmp_path)
    quiet = cli("monitor")
    assert quiet.returncode == 0, quiet.stderr
    assert "nothing new (exit 0)" in quiet.stdout
    _compose(tmp_path / "compose.yaml", privileged=True)
    collect(signed, OFFICER, CollectRequest(compose=(tmp_path / "compose.yaml",)))
    found = cli("monitor")
    assert found.returncode == 1, found.stderr
    assert "Runtime drift (1)\n  CRITICAL  service api: now runs privileged" in found.stdout
    machine = cli("monitor", "--json")
    assert machine.returncode == 1
    document = json.loads(machine.stdout)
    assert [c["kind"] for c in document["run"]["changes"]] == ["runtime-drift"]
    assert document["webhook"] is None
    history = cli("monitor", "--history", "--json")
    assert [r["status"] for r in json.loads(history.stdout)] == [1, 1, 0]
    table = cli("monitor", "--history")
    assert table.stdout.splitlines()[0].split()[:4] == ["RUN", "AT", "BY", "RESULT"]
    denied = cli("--as", "Dev Developer", "monitor")
    assert denied.returncode == 2 and "signed off" in denied.stderr


def test_the_command_line_says_why_it_could_not_check(team_ws: Workspace, db_url: str,
                                                     tmp_path: Path) -> None:  # fmt: skip
    done = Cli(db_url, tmp_path)("monitor")
    assert done.returncode == 2
    assert "Could not check:\n  - no baseline yet" in done.stdout


def test_journal_replay_accepts_the_new_entries(signed: Workspace) -> None:
    monitor(signed, OFFICER)
    with signed.db.read() as session:
        actions = set(session.scalars(select(JournalEntry.action)))
    assert {"baseline.freeze", "monitor.run"} <= actions
    assert journal.verify_journal(signed, AUDITOR).intact


def test_today_defaults_to_the_utc_date(signed: Workspace) -> None:
    assert monitor(signed, OFFICER, today=date.today()).status == NOTHING_NEW


def test_an_unreachable_engine_cannot_be_checked(
    signed: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    report = monitor(signed, OFFICER, collect=True)
    assert report.status == COULD_NOT_CHECK
    [problem] = report.problems
    assert problem.startswith(
        f"could not collect from the Docker Engine: cannot reach the Docker Engine at "
        f"unix://{tmp_path}/no-engine.sock"
    )
    assert report.changes == ()  # what is stored is compared still: nothing changed there


def test_a_kev_file_that_cannot_be_used_is_a_reason_it_could_not_check(
    signed: Workspace, tmp_path: Path
) -> None:
    bad = tmp_path / "kev.json"
    bad.write_text('{"vulnerabilities": "all of them"}')
    report = monitor(signed, OFFICER, kev=bad)
    assert report.status == COULD_NOT_CHECK
    assert report.problems == (
        f'the KEV catalogue was not imported: {bad}: not a KEV catalogue (no "vulnerabilities" '
        "list) (download it again from cisa.gov (known_exploited_vulnerabilities.json); nothing "
        "was stored)",
    )
