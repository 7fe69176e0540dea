"""The CISA KEV catalogue fetched online, against a real HTTP server on 127.0.0.1 (an OSV API
that knows nothing new and a KEV feed): `monitor --online` flags a signed-off package's CVE as
known exploited; a 500, an oversized or a malformed answer keeps the stored catalogue and is a
reason the run could not check (exit 2); `kev update` does the fetch alone. No test touches
the internet: the service tests send through an adapter that refuses any other host, and the
command-line tests name only the local server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from auditapp.services.monitor import COULD_NOT_CHECK, NEW_RISK, monitor
from auditapp.services.monitor_kev import import_kev, kev_status, update_kev
from auditapp.services.workspace import Workspace
from auditapp.vulns.kev import FEED_MAX_BYTES, KevError, KevFeed
from auditapp.vulns.osv_api import OsvClient
from tests.conftest import OFFICER
from tests.monitoring_audit import signed
from tests.test_cli import Cli
from tests.vulns.test_osv_api import QUERYBATCH, FakeOsv, Reply, api, session  # noqa: F401

FEED = "/feeds/known_exploited_vulnerabilities.json"
SIGNED_CVE = "CVE-2020-1111"  # urllib3 1.26.4's vulnerability in the signed-off baseline
ONLINE_HINT = (
    "(check the network or the KEV URL (--kev-url, $AUDITAPP_KEV_URL), or download the file and "
    "`auditapp kev import FILE`; any catalogue already stored stays in use)"
)


def _entry(cve: str) -> dict[str, str]:
    return {
        "cveID": cve,
        "vendorProject": "Python",
        "product": "urllib3",
        "vulnerabilityName": "urllib3 header injection",
        "dateAdded": "2026-11-27",
        "dueDate": "2026-12-18",
        "knownRansomwareCampaignUse": "Unknown",
        "notes": "",
    }


def _catalogue(*cves: str, version: str = "2026.11.27") -> bytes:
    entries = [_entry(c) for c in cves]
    document = {"catalogVersion": version, "count": len(entries), "vulnerabilities": entries}
    return json.dumps(document).encode()


def _nothing_new(body: Any) -> Reply:
    """The OSV API's answer when no advisory matches any package asked about."""
    return Reply(body=json.dumps({"results": [{} for _ in body["queries"]]}).encode())


@pytest.fixture
def audit(team_ws: Workspace, tmp_path: Path, api: FakeOsv) -> Workspace:  # noqa: F811
    """The small signed-off audit, a stored catalogue (version 2026.11.20, one unrelated CVE)
    and an OSV API that knows nothing new."""
    signed(team_ws, tmp_path)
    stored = tmp_path / "stored-kev.json"
    stored.write_bytes(_catalogue("CVE-2021-44228", version="2026.11.20"))
    import_kev(team_ws, stored)
    api.serve(QUERYBATCH, _nothing_new)
    return team_ws


def _stored(ws: Workspace) -> tuple[int, str | None]:
    status = kev_status(ws)
    return status.entries, status.catalog_version


def _run(ws: Workspace, api: FakeOsv, http: requests.Session, **feed: Any) -> Any:  # noqa: F811
    waits: list[float] = []
    kev = KevFeed(http, api.base_url + FEED, sleep=waits.append, timeout=2.0, **feed)
    osv = OsvClient(http, api.base_url, timeout=2.0, sleep=waits.append)
    return monitor(ws, OFFICER, online=True, osv=osv, kev_feed=kev)


# ---- the service ---------------------------------------------------------------------------------


def test_an_online_run_flags_a_signed_off_cve_from_the_feed(
    audit: Workspace,
    api: FakeOsv,  # noqa: F811
    session: requests.Session,  # noqa: F811
) -> None:
    api.serve(FEED, Reply(body=_catalogue(SIGNED_CVE, "CVE-2021-44228")))
    report = _run(audit, api, session)
    assert report.problems == ()
    assert [(c.kind, c.severity, c.known_exploited, c.key) for c in report.changes] == [
        ("known-exploited", "unknown", True, f"vuln|pkg:pypi/urllib3@1.26.4|{SIGNED_CVE}")
    ]
    assert report.changes[0].title == (
        f"{SIGNED_CVE} in PyPI urllib3 1.26.4 (api): now known exploited (added to KEV "
        "2026-11-27, CISA due date 2026-12-18); fixed in 2.0.0"
    )
    assert report.status == NEW_RISK
    assert _stored(audit) == (2, "2026.11.27")
    assert report.data["kev"]["catalog_version"] == "2026.11.27"
    assert api.hits(FEED) == 1 and api.hits(QUERYBATCH) == 1


def _bad_answers() -> list[Any]:
    big = _catalogue(*(f"CVE-2026-{n:05d}" for n in range(1, 200)))
    return [
        pytest.param(
            [Reply(500, b"busy")] * 3,
            {},
            f"http://HOST{FEED}: HTTP 500, 3 tries",
            id="500",
        ),
        pytest.param(
            [Reply(body=big)],
            {"max_bytes": 4096},
            f"http://HOST{FEED}: answer of {len(big)} bytes is over the 4096 byte cap",
            id="declared-oversized",
        ),
        pytest.param(
            [Reply(body=big, content_length=False)],
            {"max_bytes": 4096},
            f"http://HOST{FEED}: answer is over the 4096 byte cap",
            id="streamed-oversized",
        ),
        pytest.param(
            [Reply(body=b"<html>Please sign in to the guest Wi-Fi</html>")],
            {},
            f"http://HOST{FEED}: not JSON",
            id="html",
        ),
        pytest.param(
            [Reply(body=b'{"vulnerabilities": 5}')],
            {},
            f'http://HOST{FEED}: not a KEV catalogue (no "vulnerabilities" list)',
            id="not-a-catalogue",
        ),
        pytest.param(
            [Reply(body=json.dumps({"vulnerabilities": [{"cveID": "nope"}]}).encode())],
            {},
            f"http://HOST{FEED}: none of its 1 entries is a KEV entry (cveID 'nope' is not a "
            "CVE id)",
            id="no-usable-entry",
        ),
        pytest.param(
            [Reply(body=_catalogue())],
            {},
            f"http://HOST{FEED}: answered an empty catalogue",
            id="empty",
        ),
        pytest.param(
            [Reply(404, b"gone")],
            {},
            f"http://HOST{FEED} answered HTTP 404",
            id="404",
        ),
        pytest.param(
            [Reply(302, headers={"Location": "https://evil.example/kev.json"})],
            {},
            f"http://HOST{FEED} redirects to https://evil.example/kev.json: not followed",
            id="off-host-redirect",
        ),
    ]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store's part is above
@pytest.mark.parametrize(("replies", "feed", "problem"), _bad_answers())
def test_a_bad_answer_keeps_the_stored_catalogue_and_is_a_problem(
    audit: Workspace,
    api: FakeOsv,  # noqa: F811
    session: requests.Session,  # noqa: F811
    replies: list[Reply],
    feed: dict[str, Any],
    problem: str,
) -> None:
    api.serve(FEED, *replies)
    report = _run(audit, api, session, **feed)
    host = api.base_url.removeprefix("http://")
    assert report.problems == (
        "the KEV catalogue could not be updated online: "
        f"{problem.replace('HOST', host)} {ONLINE_HINT}",
    )
    assert report.status == COULD_NOT_CHECK
    assert _stored(audit) == (1, "2026.11.20")
    assert report.data["kev"]["catalog_version"] == "2026.11.20"
    assert api.hits(QUERYBATCH) == 1  # the OSV update went on beside it


def test_a_redirect_on_the_feeds_own_host_is_followed(
    audit: Workspace,
    api: FakeOsv,  # noqa: F811
    session: requests.Session,  # noqa: F811
) -> None:
    api.serve(FEED, Reply(301, headers={"Location": "/feeds/kev-2026-11-27.json"}))
    api.serve("/feeds/kev-2026-11-27.json", Reply(body=_catalogue(SIGNED_CVE)))
    summary = update_kev(audit, KevFeed(session, api.base_url + FEED, timeout=2.0))
    assert (summary.source, summary.entries) == (api.base_url + FEED, 1)
    assert _stored(audit) == (1, "2026.11.27")


def test_a_catalogue_file_named_for_the_run_wins_over_the_feed(
    audit: Workspace,
    api: FakeOsv,  # noqa: F811
    session: requests.Session,  # noqa: F811
    tmp_path: Path,
) -> None:
    api.serve(FEED, Reply(body=_catalogue("CVE-2026-0001")))
    chosen = tmp_path / "chosen.json"
    chosen.write_bytes(_catalogue(SIGNED_CVE, version="2026.11.28"))
    osv = OsvClient(session, api.base_url, timeout=2.0)
    report = monitor(
        audit, OFFICER, online=True, osv=osv, kev=chosen,
        kev_feed=KevFeed(session, api.base_url + FEED),
    )  # fmt: skip
    assert [c.kind for c in report.changes] == ["known-exploited"]
    assert _stored(audit) == (1, "2026.11.28")
    assert api.hits(FEED) == 0


def test_feed_urls_must_be_http(session: requests.Session) -> None:  # noqa: F811
    for url in ("ftp://example.org/kev.json", "file:///etc/passwd", "https://", "kev.json"):
        with pytest.raises(KevError, match="not an http\\(s\\) URL for the KEV catalogue"):
            KevFeed(session, url)
    assert KevFeed(session).max_bytes == FEED_MAX_BYTES


# ---- the command line ----------------------------------------------------------------------------


def test_monitor_online_through_the_command_line(
    audit: Workspace,
    api: FakeOsv,  # noqa: F811
    db_url: str,
    tmp_path: Path,
) -> None:
    cli = Cli(db_url, tmp_path)
    api.serve(FEED, Reply(body=_catalogue(SIGNED_CVE)))
    online = ("monitor", "--online", "--base-url", api.base_url)
    # the feed from $AUDITAPP_KEV_URL
    done = cli(*online, "--json", env={"AUDITAPP_KEV_URL": api.base_url + FEED})
    assert done.returncode == 1, done.stderr
    [change] = json.loads(done.stdout)["run"]["changes"]
    assert (change["kind"], change["known_exploited"], change["detail"]["kev"]["cve"]) == (
        "known-exploited",
        True,
        SIGNED_CVE,
    )
    assert _stored(audit) == (1, "2026.11.27")

    # --kev-url wins over the variable; a 500 keeps the stored catalogue: exit 2, said why
    api.serve("/broken.json", Reply(500, b"busy"))
    broken = api.base_url + "/broken.json"
    failed = cli(*online, "--kev-url", broken, env={"AUDITAPP_KEV_URL": api.base_url + FEED})
    assert failed.returncode == 2, failed.stderr
    assert (
        f"Known exploited (CISA KEV) (1)\n  UNKNOWN   {SIGNED_CVE} in PyPI urllib3 1.26.4"
        in failed.stdout
    )
    assert (
        f"Could not check:\n  - the KEV catalogue could not be updated online: {broken}: "
        f"HTTP 500, 3 tries {ONLINE_HINT}\n"
    ) in failed.stdout
    assert api.hits("/broken.json") == 3 and api.hits(FEED) == 1
    assert _stored(audit) == (1, "2026.11.27")

    lonely = cli("monitor", "--kev-url", api.base_url + FEED)
    assert lonely.returncode == 2 and "auditapp: --kev-url goes with --online" in lonely.stderr


def test_kev_update_through_the_command_line(
    audit: Workspace,
    api: FakeOsv,  # noqa: F811
    db_url: str,
    tmp_path: Path,
) -> None:
    cli = Cli(db_url, tmp_path)
    api.serve(FEED, Reply(body=_catalogue(SIGNED_CVE, "CVE-2026-0001", "junk")))
    done = cli("kev", "update", "--url", api.base_url + FEED)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"2 known exploited vulnerabilities fetched from {api.base_url + FEED} "
        "(catalogue version 2026.11.27)",
        "1 entries skipped:",
        f"  {api.base_url + FEED}: entry #3: cveID 'junk' is not a CVE id",
    ]
    assert "2 entries, catalogue version 2026.11.27" in cli("kev", "status").stdout

    api.serve("/html", Reply(body=b"<html>maintenance</html>"))
    refused = cli("kev", "update", "--json", env={"AUDITAPP_KEV_URL": api.base_url + "/html"})
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == f"auditapp: {api.base_url}/html: not JSON {ONLINE_HINT}\n"
    assert _stored(audit) == (2, "2026.11.27")

    bad_url = cli("kev", "update", "--url", "ftp://example.org/kev.json")
    assert bad_url.returncode == 2
    assert "not an http(s) URL for the KEV catalogue: 'ftp://example.org/kev.json'" in (
        bad_url.stderr
    )
