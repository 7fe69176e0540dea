"""The lifecycle report of a collected audit (end of life per image, most urgent first) and the
abandonment refresh against a real HTTP server on 127.0.0.1 serving the registry answers in
tests/vulns/registry/ (no test touches the internet)."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from auditapp.progress import Cancelled, NoProgress
from auditapp.services.abandonment_refresh import (
    EVIDENCE_KIND,
    RefreshSummary,
    refresh_abandonment,
)
from auditapp.services.collect import collect
from auditapp.services.components import ComponentEdit, add_component
from auditapp.services.errors import PermissionDeniedError
from auditapp.services.gather import CollectRequest
from auditapp.services.journal import recent_entries, verify_journal
from auditapp.services.lifecycle import NO_SIGNALS, LifecycleReport, lifecycle_report
from auditapp.services.workspace import Workspace
from auditapp.store.blobs import put_blob, read_blob
from auditapp.store.models import Evidence
from auditapp.vulns.abandonment import AbandonmentChecker
from auditapp.vulns.abandonment_result import AbandonmentError, PackageRef
from tests.catalog.layers import Entry, f
from tests.conftest import AUDITOR, OFFICER
from tests.evidence.oci import oci_files, write_folder
from tests.http_server import QuietHandler, serving

TODAY = date(2026, 11, 29)
FETCHED = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
REGISTRY = Path(__file__).parent / "registry"
ROUTES = {
    "/left-pad": "npm/left-pad.json",
    "/@acme%2Fwidgets": "npm/acme-widgets.json",
    "/pypi/yankedproj/json": "pypi/yankedproj.json",
    "/pypi/oldproj/json": "pypi/oldproj.json",
    "/pypi/healthyproj/json": "pypi/healthyproj.json",
    "/pypi/archivedproj/json": "pypi/archivedproj.json",
    "/simple/archivedproj/": "pypi/archivedproj.simple.json",
    "/simple/healthyproj/": "pypi/healthyproj.simple.json",
}


# ---- a real local registry ---------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_length: bool = True
    delay: float = 0.0


@dataclass
class Registry:
    """Serves the recorded files; `override` replaces a path's answers (the last one repeats)."""

    base_url: str = ""
    overrides: dict[str, list[Reply]] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    accepts: dict[str, str] = field(default_factory=dict)

    def override(self, path: str, *replies: Reply) -> None:
        self.overrides[path] = list(replies)

    def reply(self, path: str) -> Reply:
        replies = self.overrides.get(path)
        if replies:
            return replies.pop(0) if len(replies) > 1 else replies[0]
        if path in ROUTES:
            return Reply(body=(REGISTRY / ROUTES[path]).read_bytes())
        return Reply(404, b'{"error": "Not found"}')


@pytest.fixture
def registry() -> Iterator[Registry]:
    fake = Registry()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            fake.hits[self.path] += 1
            fake.accepts[self.path] = self.headers.get("Accept", "")
            reply = fake.reply(self.path)
            time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.content_length:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    with serving(Handler) as base_url:
        fake.base_url = base_url
        yield fake


# ---- audits built by a real collect ------------------------------------------------------------


def _dpkg(*packages: tuple[str, str]) -> Entry:
    stanzas = "\n".join(
        f"Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n"
        f"Description: {name}\n"
        for name, version in packages
    )
    return f("var/lib/dpkg/status", stanzas)


def _npm(name: str, version: str, root: str = "usr/src/app") -> Entry:
    body = json.dumps({"name": name, "version": version, "license": "MIT"})
    return f(f"{root}/node_modules/{name}/package.json", body)


def _dist_info(name: str, version: str) -> Entry:
    return f(
        f"usr/lib/python3/dist-packages/{name}-{version}.dist-info/METADATA",
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    )


LEGACY = [
    f("etc/os-release", 'ID=debian\nVERSION_ID="9"\nPRETTY_NAME="Debian GNU/Linux 9 (stretch)"\n'),
    _dpkg(("python3.5", "3.5.3-1+deb9u1"), ("nodejs", "4.8.2~dfsg-1"), ("libc6", "2.24-11")),
    f("usr/src/app/package.json", json.dumps({"name": "shop-legacy", "version": "1.0.0"})),
    _npm("left-pad", "1.3.0"),
    _npm("@acme/widgets", "2.0.0"),
]
CURRENT = [
    f("etc/os-release", 'ID=debian\nVERSION_ID="13"\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n'),
    _dpkg(("python3.13", "3.13.5-2"), ("nodejs", "20.19.2+dfsg-1")),
    _dist_info("yankedproj", "2.0.0"),
    _dist_info("oldproj", "1.0"),
    _dist_info("HealthyProj", "3.1.0"),
    _dist_info("archivedproj", "0.9"),
    _dist_info("internal-billing", "0.1"),  # not on PyPI: a private package
]


def _collect(ws: Workspace, tmp_path: Path, name: str, entries: list[Entry], tag: str) -> None:
    layout = write_folder(oci_files([entries], "gzip", tag=tag), tmp_path / name)
    collect(ws, OFFICER, CollectRequest(archives=(layout,)))


@pytest.fixture
def shop(team_ws: Workspace, tmp_path: Path) -> Workspace:
    """An audit with an end-of-life Debian 9 image and a current Debian 13 image."""
    _collect(team_ws, tmp_path, "legacy", LEGACY, "shop/legacy:1.0")
    _collect(team_ws, tmp_path, "current", CURRENT, "shop/api:2.0")
    add_component(team_ws, OFFICER, "checkout", ComponentEdit(image_ref="shop/legacy:1.0"))
    return team_ws


def _refresh(ws: Workspace, registry: Registry, **options: Any) -> RefreshSummary:
    settings: dict[str, Any] = {"backoff": 0.0, "timeout": 2.0, "clock": lambda: FETCHED}
    with requests.Session() as session:
        return refresh_abandonment(
            ws,
            OFFICER,
            session,
            npm_base=registry.base_url,
            pypi_base=registry.base_url,
            **{**settings, **options},
        )


def _evidence_count(ws: Workspace) -> int:
    with ws.db.read() as session:
        return session.scalar(select(func.count()).select_from(Evidence)) or 0


# ---- end of life -------------------------------------------------------------------------------


def test_end_of_life_first_with_the_components_that_use_each_image(shop: Workspace) -> None:
    report = lifecycle_report(shop, OFFICER, today=TODAY)
    rows = [(i.subject, i.name, i.image, i.status.state) for i in report.items]
    # End of life first, the longest past first: releases older than all the data (no date),
    # then Debian 9 (ended 2020), then Node.js 20 (ended 2026-04-30).
    assert rows == [
        ("runtime", "node 4.8.2", "shop/legacy:1.0", "end-of-life"),
        ("runtime", "python 3.5.3", "shop/legacy:1.0", "end-of-life"),
        ("os", "Debian GNU/Linux 9 (stretch)", "shop/legacy:1.0", "end-of-life"),
        ("runtime", "node 20.19.2", "shop/api:2.0", "end-of-life"),
        ("runtime", "python 3.13.5", "shop/api:2.0", "security-only"),
        ("os", "Debian GNU/Linux 13 (trixie)", "shop/api:2.0", "supported"),
    ]
    debian9 = report.items[2]
    assert debian9.components == ("checkout", "shop/legacy:1.0")
    assert debian9.status.eol == date(2020, 7, 18) and "Freexian ELTS" in debian9.status.note
    assert "older than Node.js 12" in report.items[0].status.note
    assert report.items[3].status.days_left == (date(2026, 4, 30) - TODAY).days
    assert report.items[-1].components == ("shop/api:2.0",)
    assert report.data_as_of == date(2026, 11, 29)
    # No refresh yet: the report says so and how to get the signals.
    assert report.signals == () and report.abandonment is None
    assert report.notice == NO_SIGNALS
    assert "auditapp lifecycle --refresh" in report.notice and "network" in report.notice


def test_an_image_without_os_release_is_unknown_not_supported(
    team_ws: Workspace, tmp_path: Path
) -> None:
    _collect(team_ws, tmp_path, "scratch", [f("app/server", "binary")], "shop/scratch:1")
    (item,) = lifecycle_report(team_ws, OFFICER, today=TODAY).items
    assert (item.subject, item.status.state, item.components) == (
        "os",
        "unknown",
        ("shop/scratch:1",),
    )
    assert "os-release" in item.status.note


# ---- abandonment: refresh, evidence, report ----------------------------------------------------


def test_refresh_stores_one_evidence_item_and_the_report_shows_the_signals(
    shop: Workspace, registry: Registry
) -> None:
    before = _evidence_count(shop)
    summary = _refresh(shop, registry)

    assert _evidence_count(shop) == before + 1
    assert summary.packages == 8 and summary.not_found == 1 and summary.skipped == 1
    assert summary.signals == {"archived": 1, "deprecated": 1, "stale": 1, "yanked": 1}
    assert summary.sources == (registry.base_url, registry.base_url)
    # Scoped names are URL-encoded; npm is asked for its abbreviated document; the app's own
    # package.json is never sent to the public registry.
    assert registry.hits["/@acme%2Fwidgets"] == 1
    assert "application/vnd.npm.install-v1+json" in registry.accepts["/left-pad"]
    assert "/shop-legacy" not in registry.hits

    with shop.db.read() as session:
        evidence = session.get(Evidence, summary.evidence_id)
        assert evidence is not None and evidence.kind == EVIDENCE_KIND
        assert evidence.sha256 == summary.sha256 and registry.base_url in evidence.source
        assert evidence.media_type == "application/json"
    (entry,) = [e for e in recent_entries(shop, OFFICER) if e.action == "evidence.collect"][:1]
    recorded = json.loads(entry.summary)
    assert recorded["id"] == summary.evidence_id and recorded["sha256"] == summary.sha256
    assert set(recorded) == {"id", "sha256", "size", "source"}
    assert verify_journal(shop, OFFICER).intact

    report = lifecycle_report(shop, OFFICER, today=TODAY)
    assert report.notice.startswith("signals fetched 1 day ago (2026-11-28 09:30 UTC")
    assert not report.signals_stale and report.unchecked == 0
    assert report.abandonment is not None and report.abandonment.age_days == 1
    assert report.abandonment.evidence_id == summary.evidence_id
    views = {(v.signal.kind, v.signal.name): v for v in report.signals}
    assert [v.signal.kind for v in report.signals] == ["yanked", "deprecated", "archived", "stale"]

    left_pad = views[("deprecated", "left-pad")]
    assert left_pad.signal.detail == "use String.prototype.padStart()"
    assert left_pad.signal.version == "1.3.0" and left_pad.age_days == 1
    assert left_pad.components == ("checkout", "shop/legacy:1.0")
    assert left_pad.images == ("shop/legacy:1.0",)
    assert left_pad.signal.source_url == f"{registry.base_url}/left-pad"

    yanked = views[("yanked", "yankedproj")].signal
    assert yanked.detail == "every file of 2.0.0 is yanked: corrupts files on Windows"
    stale = views[("stale", "oldproj")].signal
    assert stale.detail.startswith("no release since 2023-10-01 (1154 days; the limit is 730)")
    assert "https://github.com/example/oldproj" in stale.detail  # named, never visited
    archived = views[("archived", "archivedproj")].signal
    assert archived.detail == "PyPI marks the project archived: the authors moved on; use newproj"
    assert archived.source_url == f"{registry.base_url}/simple/archivedproj/"
    assert views[("archived", "archivedproj")].components == ("shop/api:2.0",)
    # The healthy ones have no signal; the deprecated older @acme/widgets 1.0.0 is not installed.
    assert not {"HealthyProj", "@acme/widgets", "internal-billing"} & {n for _, n in views}


def test_the_evidence_holds_every_package_and_what_the_registry_said(
    shop: Workspace, registry: Registry
) -> None:
    summary = _refresh(shop, registry)
    with shop.db.read() as session:
        data = read_blob(session, summary.sha256)
    assert data is not None and hashlib.sha256(data).hexdigest() == summary.sha256
    document = json.loads(data)
    assert document["sources"] == {"npm": registry.base_url, "pypi": registry.base_url}
    assert document["fetched_at"] == FETCHED.isoformat() and document["max_age_days"] == 730
    packages = {(p["ecosystem"], p["name"]): p for p in document["packages"]}
    assert packages[("pypi", "internal-billing")]["outcome"] == "not-found"
    assert packages[("npm", "shop-legacy")]["outcome"] == "skipped"
    assert "own manifest" in packages[("npm", "shop-legacy")]["note"]
    healthy = packages[("pypi", "HealthyProj")]
    assert healthy["outcome"] == "checked" and healthy["newest_release"] == "2026-11-02"
    assert healthy["repository"] == "https://github.com/example/healthyproj"
    assert healthy["source_url"] == f"{registry.base_url}/pypi/healthyproj/json"
    assert packages[("npm", "left-pad")]["repository"] == "https://github.com/stevemao/left-pad.git"
    assert len(document["signals"]) == 4


def test_offline_the_newest_refresh_is_used_and_its_age_shown(
    shop: Workspace, registry: Registry
) -> None:
    _refresh(shop, registry)
    registry.override("/left-pad", Reply(body=b'{"versions": {"1.3.0": {}}}'))
    later = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    newest = _refresh(shop, registry, clock=lambda: later)
    report = lifecycle_report(shop, OFFICER, today=date(2027, 1, 10))
    assert report.abandonment is not None and report.abandonment.evidence_id == newest.evidence_id
    assert "deprecated" not in [v.signal.kind for v in report.signals]
    assert report.notice.startswith("signals fetched 42 days ago")
    assert "older than 30 days" in report.notice and report.signals_stale
    assert lifecycle_report(shop, OFFICER, today=date(2026, 11, 29)).notice.startswith(
        "signals fetched today"
    )


def test_packages_collected_after_the_refresh_are_counted_as_not_covered(
    shop: Workspace, registry: Registry, tmp_path: Path
) -> None:
    _refresh(shop, registry)
    newer = [*LEGACY[:2], _npm("left-pad", "1.3.0"), _npm("express", "4.21.2")]
    _collect(shop, tmp_path, "newer", newer, "shop/legacy:1.1")
    report = lifecycle_report(shop, OFFICER, today=TODAY)
    assert report.unchecked == 1 and report.signals_stale
    assert "1 npm/PyPI package(s) collected since are not covered" in report.notice
    left_pad = next(v for v in report.signals if v.signal.name == "left-pad")
    assert left_pad.images == ("shop/legacy:1.0", "shop/legacy:1.1")


@pytest.mark.parametrize(
    ("path", "replies", "message"),
    [
        ("/left-pad", [Reply(500, b"oops")], r"/left-pad: HTTP 500, 3 tries"),
        (
            "/pypi/oldproj/json",
            [Reply(body=b'{"info": {}, "releases": {')],
            "not answer valid JSON",
        ),
        (
            "/left-pad",
            [Reply(body=b"{" + b" " * 300_000 + b"}")],
            "answer of 300002 bytes is over the 100000 byte cap",
        ),
        (
            "/left-pad",
            [Reply(body=b'{"versions": {}' + b" " * 300_000 + b"}", content_length=False)],
            "over the 100000 byte cap",
        ),
        (
            "/pypi/yankedproj/json",
            [Reply(body=b'{"info": {}, "releases": {"2.0.0": [{"yanked": "yes"}]}}')],
            r"releases\['2.0.0'\]\[0\]: yanked must be true or false",
        ),
        ("/@acme%2Fwidgets", [Reply(body=b'["not", "a", "package"]')], "must be an object"),
        ("/simple/archivedproj/", [Reply(body=b'{"project-status": "archived"}')], "object"),
    ],
    ids=[
        "500-three-times",
        "malformed",
        "oversized",
        "oversized-unannounced",
        "yanked",
        "list",
        "status",
    ],
)
def test_a_bad_registry_answer_stores_nothing(
    shop: Workspace, registry: Registry, path: str, replies: list[Reply], message: str
) -> None:
    before, head = _evidence_count(shop), verify_journal(shop, OFFICER).head
    registry.override(path, *replies)
    with pytest.raises(AbandonmentError, match=message) as caught:
        _refresh(shop, registry, max_bytes=100_000)
    assert f"{registry.base_url}{path}" in str(caught.value)  # names the URL
    assert "nothing was stored" in str(caught.value)
    assert _evidence_count(shop) == before
    after = verify_journal(shop, OFFICER)
    assert after.intact and after.head == head  # not even a journal entry
    if replies[0].status == 500:
        assert registry.hits[path] == 3
    assert lifecycle_report(shop, OFFICER, today=TODAY).notice == NO_SIGNALS


class CancelAfter(NoProgress):
    def __init__(self, steps: int) -> None:
        self.steps = steps

    def advance(self, steps: int = 1) -> None:
        self.steps -= steps

    def cancelled(self) -> bool:
        return self.steps <= 0


def test_a_cancelled_refresh_stores_nothing(shop: Workspace, registry: Registry) -> None:
    before = _evidence_count(shop)
    with pytest.raises(Cancelled):
        _refresh(shop, registry, progress=CancelAfter(2))
    assert sum(registry.hits.values()) == 2  # stopped at once
    assert _evidence_count(shop) == before and verify_journal(shop, OFFICER).intact


def test_an_auditor_may_not_refresh_and_no_registry_is_asked(
    shop: Workspace, registry: Registry
) -> None:
    with requests.Session() as session, pytest.raises(PermissionDeniedError):
        refresh_abandonment(
            shop, AUDITOR, session, npm_base=registry.base_url, pypi_base=registry.base_url
        )
    assert not registry.hits
    assert verify_journal(shop, OFFICER).intact


def test_unreadable_stored_signals_are_reported_not_raised(shop: Workspace) -> None:
    data = b'{"format": 1, "signals": "none"}'
    sha256 = hashlib.sha256(data).hexdigest()
    with shop.db.write() as session:
        put_blob(session, sha256, data)
        audit_id = session.scalar(select(Evidence.audit_id).limit(1))
        session.add(
            Evidence(
                audit_id=audit_id,
                sha256=sha256,
                kind=EVIDENCE_KIND,
                title="written beside auditapp",
                media_type="application/json",
                size=len(data),
                source="nowhere",
                collected_at=FETCHED,
                collected_by="someone",
            )
        )
    report: LifecycleReport = lifecycle_report(shop, OFFICER, today=TODAY)
    assert report.abandonment is None and report.signals == ()
    assert report.notice.startswith("the stored abandonment data cannot be used (evidence #")
    assert "run `auditapp lifecycle --refresh`" in report.notice
    assert report.items  # end of life is still reported


# ---- the checker on its own --------------------------------------------------------------------


def _checker(registry: Registry, sleeps: list[float], **options: Any) -> AbandonmentChecker:
    return AbandonmentChecker(
        requests.Session(),
        npm_base=registry.base_url,
        pypi_base=registry.base_url + "/",
        backoff=0.01,
        max_delay=0.05,
        sleep=sleeps.append,
        clock=lambda: FETCHED,
        **options,
    )


def test_a_server_error_is_retried_with_backoff(registry: Registry) -> None:
    answer = Reply(body=(REGISTRY / "npm/left-pad.json").read_bytes())
    registry.override(
        "/left-pad", Reply(503, b"busy"), Reply(429, b"", {"Retry-After": "0"}), answer
    )
    sleeps: list[float] = []
    check = _checker(registry, sleeps).check_npm("left-pad", "1.3.0")
    assert [s.kind for s in check.signals] == ["deprecated"]
    assert registry.hits["/left-pad"] == 3 and sleeps == [0.01, 0.0]


def test_a_registry_that_does_not_answer_in_time(registry: Registry) -> None:
    registry.override("/left-pad", Reply(body=b"{}", delay=1.0))
    with pytest.raises(AbandonmentError, match=r"/left-pad: no answer within 0.2 s, 3 tries"):
        _checker(registry, [], timeout=0.2).check_npm("left-pad", "1.3.0")
    assert registry.hits["/left-pad"] == 3


def test_a_client_error_is_not_retried(registry: Registry) -> None:
    registry.override("/left-pad", Reply(403, b"forbidden"))
    with pytest.raises(AbandonmentError, match="HTTP 403"):
        _checker(registry, []).check_npm("left-pad", "1.3.0")
    assert registry.hits["/left-pad"] == 1


def test_a_redirect_to_another_host_is_not_followed(registry: Registry) -> None:
    registry.override("/left-pad", Reply(302, b"", {"Location": "http://192.0.2.1/left-pad"}))
    with pytest.raises(AbandonmentError, match=r"redirects to http://192.0.2.1/left-pad"):
        _checker(registry, []).check_npm("left-pad", "1.3.0")


def test_a_redirect_on_the_same_host_is_followed(registry: Registry) -> None:
    registry.override("/pypi/oldproj/json", Reply(301, b"", {"Location": "/pypi/moved/json"}))
    registry.override("/pypi/moved/json", Reply(body=(REGISTRY / "pypi/oldproj.json").read_bytes()))
    check = _checker(registry, []).check_pypi("oldproj", "1.0")
    assert [s.kind for s in check.signals] == ["stale"]
    assert check.newest_release == date(2023, 10, 1)
    assert registry.hits["/pypi/oldproj/json"] == registry.hits["/pypi/moved/json"] == 1


def test_the_age_limit_is_configurable_and_names_are_normalised(registry: Registry) -> None:
    checker = _checker(registry, [], max_age_days=2000)
    result = checker.check(
        [
            PackageRef("pypi", "OldProj", "1.0"),
            PackageRef("pypi", "healthy_proj", "3.1.0"),  # asked as healthy-proj: not on PyPI
            PackageRef("pypi", "../etc/passwd", "1"),
            PackageRef("npm", "@Bad Scope/x", "1"),
            PackageRef("golang", "golang.org/x/net", "v0.1.0"),
        ]
    )
    outcomes = {c.name: (c.outcome, c.note) for c in result.checks}
    assert result.signals == ()  # 2023-10-01 is within 2000 days
    assert outcomes["OldProj"][0] == "checked"
    assert outcomes["healthy_proj"][0] == "not-found"
    assert outcomes["../etc/passwd"] == ("skipped", "not a PyPI project name")
    assert outcomes["@Bad Scope/x"] == ("skipped", "not an npm package name")
    assert outcomes["golang.org/x/net"][0] == "skipped"
    assert registry.hits["/pypi/oldproj/json"] == 1 and registry.hits["/pypi/healthy-proj/json"]


def test_registry_text_is_made_safe_to_show(registry: Registry) -> None:
    message = "use\x1b[31m padStart\r\n" + "x" * 2000
    body = json.dumps({"versions": {"1.3.0": {"deprecated": message}}}).encode()
    registry.override("/left-pad", Reply(body=body))
    (signal,) = _checker(registry, []).check_npm("left-pad", "1.3.0").signals
    assert "\x1b" not in signal.detail and "\n" not in signal.detail
    assert signal.detail.startswith("use [31m padStart") and len(signal.detail) == 500


def test_a_version_the_registry_does_not_hold_is_not_found(registry: Registry) -> None:
    check = _checker(registry, []).check_npm("left-pad", "9.9.9")
    assert (check.outcome, check.note) == ("not-found", "version 9.9.9 is not published")
    pypi = _checker(registry, []).check_pypi("HealthyProj", "3.1")  # PEP 440: 3.1 == 3.1.0
    assert pypi.outcome == "checked" and pypi.signals == ()


def test_base_urls_must_be_http(registry: Registry) -> None:
    with pytest.raises(AbandonmentError, match="not an http"):
        AbandonmentChecker(requests.Session(), npm_base="file:///etc", pypi_base="https://pypi.org")
