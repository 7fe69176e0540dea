"""A week of monitoring after sign-off, as a compliance officer lives it (issue 8's "done when").

The demo audit, signed off by its officer and auditor when it is built, then one realistic
change a day made through the real services and the command line: newer OSV records on two
signed-off packages; an online run that fetches a KEV catalogue listing one of them and one
signed-off vulnerability; an accepted risk that lapses; the cache published on the host for
debugging; a registry deprecating a package. After each day `auditapp monitor --json` (the real
entry point, `main(argv)`) must report exactly what changed since sign-off, with severity,
known-exploited flag and what is new since the run before, and nothing else. The runs pile up in
`monitor --history`, the words for people list them grouped most severe first, and the delta
PDF, parsed back, names every one. Online sources are a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from auditapp.progress import NoProgress
from auditapp.services.demo import build_demo, demo_folder
from auditapp.services.monitor_baseline import load_baseline
from auditapp.services.workspace import Caller, Workspace
from auditapp.store.models import Finding
from tests.http_server import QuietHandler, serving
from tests.test_cli import Cli
from tests.vulns.osv_records import record, write

Seen = tuple[str, str, bool, str, bool]  # kind, severity, known exploited, key, new since last run

URLLIB3, REQUESTS = "pkg:pypi/urllib3@1.26.4", "pkg:pypi/requests@2.25.1"
CRITICAL = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
HIGH = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}]
KEV_FEED = "/feeds/known_exploited_vulnerabilities.json"
DEPRECATION = "Versions below 9.0.0 accept unsafe keys; upgrade to 9.0.0 or later"


@dataclass
class Internet:
    """What the week's online sources answer: an OSV API that knows nothing newer than the
    imported records, CISA's feed, and an npm registry that deprecated jsonwebtoken 8.5.1 (and
    holds nothing else). `asked` counts requests per path."""

    base_url: str = ""
    asked: Counter[str] = field(default_factory=Counter)

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        self.asked[path] += 1
        if method == "POST" and path == "/v1/querybatch":
            return 200, {"results": [{} for _ in body["queries"]]}
        if path == KEV_FEED:
            return 200, {
                "title": "CISA Catalog of Known Exploited Vulnerabilities",
                "catalogVersion": "2026.11.25",
                "count": 2,
                "vulnerabilities": [
                    _kev("CVE-2026-41001", "urllib3 credential forwarding on redirect"),
                    _kev("CVE-2023-43804", "urllib3 cookie leak on cross-origin redirect"),
                ],
            }
        if path == "/npm/jsonwebtoken":
            return 200, {"name": "jsonwebtoken", "versions": {"8.5.1": {"deprecated": DEPRECATION}}}
        return 404, {"error": "Not found"}


def _kev(cve: str, name: str) -> dict[str, str]:
    return {
        "cveID": cve,
        "vendorProject": "Python",
        "product": "urllib3",
        "vulnerabilityName": name,
        "dateAdded": "2026-11-25",
        "shortDescription": "...",
        "requiredAction": "Apply mitigations per vendor instructions.",
        "dueDate": "2026-12-16",
        "knownRansomwareCampaignUse": "Unknown",
        "notes": "",
    }


@pytest.fixture
def internet() -> Iterator[Internet]:
    fake = Internet()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            self._reply(*fake.answer("GET", self.path, None))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._reply(*fake.answer("POST", self.path, json.loads(self.rfile.read(length))))

        def _reply(self, status: int, document: Any) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Handler) as base_url:
        fake.base_url = base_url
        yield fake


@pytest.fixture
def demo(ws: Workspace) -> Workspace:
    build_demo(ws, progress=NoProgress())
    return ws


def _monitor(cli: Cli, *options: str) -> tuple[int, list[Seen], dict[str, Any]]:
    done = cli("monitor", "--json", *options)
    assert done.stderr == ""
    run = json.loads(done.stdout)["run"]
    seen = [
        (c["kind"], c["severity"], c["known_exploited"], c["key"], c["new_since_last_run"])
        for c in run["changes"]
    ]
    return done.returncode, seen, run


def _ok(cli: Cli, *args: str) -> str:
    done = cli(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_week_of_changes_is_reported_exactly(
    demo: Workspace, db_url: str, tmp_path: Path, internet: Internet
) -> None:
    cli = Cli(db_url, tmp_path)
    officer = Caller(member="Łucja Żółć")
    baseline = load_baseline(demo, officer)
    assert baseline is not None  # the demo's officer and auditor signed it off when it was built

    # Sunday, the day of the sign-off: nothing has changed.
    status, seen, run = _monitor(cli)
    assert (status, seen, run["problems"], run["baseline_id"]) == (0, [], [], baseline.id)

    # Monday: the team imports the week's OSV records; two hit signed-off packages, one does not.
    osv = write(
        tmp_path / "osv-monday",
        record(
            "PYSEC-2026-101", "PyPI", "urllib3", [{"introduced": "0"}, {"fixed": "1.26.21"}],
            aliases=("CVE-2026-41001",), severity=CRITICAL, modified="2026-11-24T08:00:00Z",
        ),
        record(
            "PYSEC-2026-102", "PyPI", "requests", [{"introduced": "0"}, {"fixed": "2.32.4"}],
            aliases=("CVE-2026-41002",), severity=HIGH, modified="2026-11-24T09:00:00Z",
        ),
        record(
            "PYSEC-2026-103", "PyPI", "django", [{"introduced": "0"}, {"fixed": "5.2.9"}],
            aliases=("CVE-2026-41003",), severity=CRITICAL, modified="2026-11-24T10:00:00Z",
        ),
    )  # fmt: skip
    assert _ok(cli, "vulndb", "import", str(osv)).startswith("3 records: 3 added")
    new_urllib3 = ("critical", False, f"vuln|{URLLIB3}|CVE-2026-41001")
    new_requests = ("vulnerability", "high", False, f"vuln|{REQUESTS}|CVE-2026-41002")
    monday = [("vulnerability", *new_urllib3, True), (*new_requests, True)]
    status, seen, run = _monitor(cli)
    assert (status, seen, run["problems"]) == (1, monday, [])

    # Tuesday: an online run; CISA lists the new urllib3 CVE and one that was signed off.
    online = ("--online", "--base-url", internet.base_url)
    status, seen, run = _monitor(cli, *online, "--kev-url", internet.base_url + KEV_FEED)
    exploited_new = ("known-exploited", new_urllib3[0], True, new_urllib3[2])
    exploited_old = ("known-exploited", "high", True, f"vuln|{URLLIB3}|CVE-2023-43804")
    # reported on Monday, but known exploitation is news a person must hear: new again
    tuesday = [(*exploited_new, True), (*exploited_old, True), (*new_requests, False)]
    assert (status, seen, run["problems"], run["online"]) == (1, tuesday, [], True)
    assert [c["escalated"] for c in run["changes"]] == ["now known exploited", "", ""]
    assert run["data"]["kev"]["catalog_version"] == "2026.11.25"
    assert (internet.asked[KEV_FEED], internet.asked["/v1/querybatch"]) == (1, 1)
    assert "2 entries, catalogue version 2026.11.25" in _ok(cli, "kev", "status")

    # Wednesday: the accepted risk on the edge's NET_ADMIN lapses. The clock cannot be moved
    # from outside the process, and the findings service rightly refuses an expiry in the past:
    # the stored expiry is moved to yesterday instead, as if the weeks had gone by.
    [accepted] = json.loads(_ok(cli, "findings", "--status", "accepted-risk", "--json"))
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    with demo.db.write() as session:
        session.execute(
            update(Finding).where(Finding.id == accepted["id"]).values(expires=yesterday)
        )
    lapsed = ("risk-expired", accepted["severity"], False, f"expired|{accepted['id']}|{yesterday}")
    wednesday = [*((*s[:4], False) for s in tuesday), (*lapsed, True)]
    status, seen, run = _monitor(cli)
    assert (status, seen, run["problems"]) == (1, wednesday, [])
    assert accepted["severity"] == "high"

    # Thursday: someone publishes the cache on the host to debug a cache miss; the officer
    # collects the compose file as it now stands.
    shipped = (demo_folder() / "compose.yaml").read_text()
    cache_only = '    expose: ["6379"]\n'
    assert shipped.count(cache_only) == 1
    compose = tmp_path / "compose.yaml"
    compose.write_text(shipped.replace(cache_only, cache_only + '    ports: ["6379:6379"]\n'))
    _ok(cli, "collect", "--compose", str(compose))
    drift = ("runtime-drift", "high", False, "drift|service cache|port|0.0.0.0:6379->6379/tcp")
    exposed = ("exposure", "high", False, "exposure|cache|cache|all-interfaces|6379|tcp||6379|")
    thursday = [*((*s[:4], False) for s in wednesday), (*drift, True), (*exposed, True)]
    status, seen, run = _monitor(cli)
    assert (status, seen, run["problems"]) == (1, thursday, [])

    # Friday: the abandonment signals are refreshed; npm has deprecated jsonwebtoken 8.5.1.
    _ok(cli, "lifecycle", "--refresh", "--npm-url", internet.base_url + "/npm",
        "--pypi-url", internet.base_url)  # fmt: skip
    deprecated = ("lifecycle", "medium", False, "lifecycle|deprecated|npm|jsonwebtoken|8.5.1")
    friday = [*((*s[:4], False) for s in thursday), (*deprecated, True)]
    status, seen, run = _monitor(cli)
    assert (status, seen, run["problems"]) == (1, friday, [])

    # Saturday: nothing happens; what changed since sign-off is still there, none of it new.
    saturday = [(*s[:4], False) for s in friday]
    status, seen, run = _monitor(cli)
    assert (status, seen, run["problems"]) == (1, saturday, [])
    titles = [
        "CVE-2026-41001 in PyPI urllib3 1.26.4 (payments): new vulnerability, known exploited "
        "(added to KEV 2026-11-25, CISA due date 2026-12-16); fixed in 1.26.21",
        "CVE-2023-43804 in PyPI urllib3 1.26.4 (payments): now known exploited (added to KEV "
        "2026-11-25, CISA due date 2026-12-16); fixed in 1.26.17",
        "CVE-2026-41002 in PyPI requests 2.25.1 (payments); fixed in 2.32.4",
        f"finding #{accepted['id']} runtime.capabilities on edge (Capability added: NET_ADMIN): "
        f"accepted until {yesterday}",
        "service cache: new published port 0.0.0.0:6379->6379/tcp",
        "service cache: 6379/tcp published on every interface (host port 6379): no declared "
        "flow justifies it",
        f"npm jsonwebtoken 8.5.1 (storefront): deprecated ({DEPRECATION})",
    ]
    assert [c["title"] for c in run["changes"]] == titles
    assert [c["subject"] for c in run["changes"]] == [
        "urllib3 1.26.4", "urllib3 1.26.4", "requests 2.25.1", "edge", "cache", "cache",
        "storefront",
    ]  # fmt: skip

    # Every run is in the history, newest first, with what it found and what was new.
    history = json.loads(_ok(cli, "monitor", "--history", "--json"))
    counts = [
        (r["status"], len(r["changes"]), sum(c["new_since_last_run"] for c in r["changes"]))
        for r in history
    ]
    assert counts == [
        (1, 7, 0), (1, 7, 1), (1, 6, 2), (1, 4, 1), (1, 3, 2), (1, 2, 2), (0, 0, 0),
    ]  # fmt: skip
    assert [r["online"] for r in history] == [False, False, False, False, True, False, False]

    # Sunday: the officer reads the week in words: grouped by kind, most severe first.
    words = cli("monitor")
    assert words.returncode == 1, words.stderr
    lines = words.stdout.splitlines()
    assert lines[0].startswith(
        f"Audit 'Kestrel Outfitters demo', run #{history[0]['id'] + 1}: since the sign-off "
    )
    assert lines[1 : lines.index("note: " + run["notes"][0])] == [
        "",
        "Known exploited (CISA KEV) (2)",
        f"  CRITICAL  {titles[0]}",
        f"  HIGH      {titles[1]}",
        "",
        "New vulnerabilities on signed-off packages (1)",
        f"  HIGH      {titles[2]}",
        "",
        "Accepted risks that have expired (1)",
        f"  HIGH      {titles[3]}",
        "",
        "Runtime drift (1)",
        f"  HIGH      {titles[4]}",
        "",
        "New exposure no declared flow justifies (1)",
        f"  HIGH      {titles[5]}",
        "",
        "Newly end-of-life or abandoned (1)",
        f"  MEDIUM    {titles[6]}",
        "",
    ]
    assert lines[-1] == "7 change(s) since sign-off, 0 new since the last run: new risk (exit 1)"

    # The delta report of the newest run names every change.
    pdf = tmp_path / "since-sign-off.pdf"
    assert "NEW RISK, 7 change(s) since sign-off" in _ok(
        cli, "export", "--monitoring-pdf", str(pdf)
    )
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    for named in (
        "7 changes since the sign-off baseline, 0 new since the previous run, 2 known to be "
        "exploited",
        "CISA KEV catalogue 2026.11.25: 2 entries",
        "CVE-2026-41001 in PyPI urllib3 1.26.4",
        "CVE-2023-43804 in PyPI urllib3 1.26.4 (payments): now known exploited",
        "CVE-2026-41002 in PyPI requests 2.25.1",
        f"finding #{accepted['id']} runtime.capabilities on edge",
        "new published port 0.0.0.0:6379->6379/tcp",
        "6379/tcp published on every interface",
        "npm jsonwebtoken 8.5.1 (storefront): deprecated",
    ):
        assert named in text, named
    assert "CVE-2026-41003" not in text  # django is in no signed-off image
    assert _ok(cli, "journal", "verify").startswith("journal intact")
