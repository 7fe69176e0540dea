"""The online OSV source against a real HTTP server on 127.0.0.1 replaying recorded answers.

No test touches the internet: every request goes through an adapter that refuses any host but
127.0.0.1 and remembers what was asked. After every failure nothing new is stored and the
imported (offline) data still match.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import func, select

from auditapp.errors import AuditappError
from auditapp.progress import Cancelled, NoProgress
from auditapp.services import vulndb, vulns
from auditapp.services.collect import collect
from auditapp.services.gather import CollectRequest
from auditapp.services.vulndb_online import audited_queries, query_for, update_online
from auditapp.services.workspace import Workspace
from auditapp.store.models import Advisory, VulnSource
from auditapp.vulns.matching import Target
from auditapp.vulns.osv_api import OsvApiError, OsvClient, Query, VulnRef
from tests.catalog.layers import f
from tests.conftest import OFFICER
from tests.evidence.oci import oci_files, write_folder
from tests.http_server import QuietHandler, serving

RECORDED = Path(__file__).parent / "osv_api"
URLLIB3 = Query("PyPI", "urllib3", "1.26.4")
IDS = ("PYSEC-2021-108", "PYSEC-2023-192", "PYSEC-2023-212")  # all affect urllib3 1.26.4
QUERYBATCH = "/v1/querybatch"
DPKG_STATUS = """Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u4

Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl (3.0.11-1~deb12u2)
Version: 3.0.11-1~deb12u2+b1
"""


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


def vuln_path(identifier: str) -> str:
    return f"/v1/vulns/{identifier}"


# ---- a real local OSV API ----------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_length: bool = True


Answer = Reply | Callable[[Any], Reply]  # a fixed reply, or one made from the request's JSON


@dataclass
class FakeOsv:
    """Answers per path, in order (the last one repeats), and every request it was sent."""

    base_url: str = ""
    routes: dict[str, list[Answer]] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)  # method, path, JSON

    def serve(self, path: str, *answers: Answer) -> None:
        self.routes[path] = list(answers)

    def serve_urllib3(self) -> None:
        self.serve(QUERYBATCH, Reply(body=recorded("querybatch_urllib3.json")))
        for identifier in IDS:
            self.serve(vuln_path(identifier), Reply(body=recorded(f"vulns/{identifier}.json")))

    def hits(self, path: str) -> int:
        return sum(1 for _, asked, _ in self.requests if asked == path)

    def bodies(self, path: str) -> list[Any]:
        return [body for _, asked, body in self.requests if asked == path]


@pytest.fixture
def api() -> Iterator[FakeOsv]:
    fake = FakeOsv()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            self._answer(None)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._answer(json.loads(self.rfile.read(length)) if length else None)

        def _answer(self, body: Any) -> None:
            fake.requests.append((self.command, self.path, body))
            answers = fake.routes.get(self.path) or [Reply(404, b'{"code": 5}')]
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
            reply = answer if isinstance(answer, Reply) else answer(body)
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
                pass  # the client stopped waiting, as the timeout tests want

    with serving(Handler) as base_url:
        fake.base_url = base_url
        yield fake


class LocalOnly(HTTPAdapter):
    """Sends to 127.0.0.1 and nowhere else; remembers every URL it was given."""

    def __init__(self, seen: list[str]) -> None:
        super().__init__(max_retries=0)
        self.seen = seen

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        self.seen.append(str(request.url))
        host = urlsplit(str(request.url)).hostname
        if host != "127.0.0.1":
            raise AssertionError(f"a test tried to reach {request.url}")
        return super().send(request, stream, timeout, verify, cert, proxies)


@pytest.fixture
def session() -> Iterator[requests.Session]:
    seen: list[str] = []
    with requests.Session() as local:
        local.trust_env = False  # no proxy from the environment
        local.mount("http://", LocalOnly(seen))
        local.mount("https://", LocalOnly(seen))
        yield local
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in seen), seen


def client(
    api: FakeOsv,
    session: requests.Session,
    sleeps: list[float] | None = None,
    **options: Any,
) -> OsvClient:
    waits = [] if sleeps is None else sleeps
    return OsvClient(
        session, api.base_url, timeout=options.pop("timeout", 2.0), sleep=waits.append, **options
    )


# ---- an audit whose inventory holds urllib3 1.26.4 ---------------------------------------------


def audit_with_urllib3(ws: Workspace, tmp_path: Path, version: str = "1.26.4") -> None:
    """A real collect of an OCI layout: Debian 12 packages and one Python distribution."""
    entries = [
        f("etc/os-release", "ID=debian\nVERSION_ID=12\n"),
        f("var/lib/dpkg/status", DPKG_STATUS),
        f(
            f"usr/lib/python3/dist-packages/urllib3-{version}.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: urllib3\nVersion: {version}\n",
        ),
    ]
    layout = write_folder(oci_files([entries], "gzip", tag="shop/api:1.0"), tmp_path / "layout")
    collect(ws, OFFICER, CollectRequest(archives=(layout,)))


def counts(ws: Workspace) -> tuple[int, int]:
    with ws.db.read() as session:
        advisories = session.scalar(select(func.count()).select_from(Advisory))
        sources = session.scalar(select(func.count()).select_from(VulnSource))
    return advisories or 0, sources or 0


def urllib3_ids(ws: Workspace) -> set[str]:
    return {
        i
        for v in vulns.list_vulns(ws, OFFICER).vulns
        if v.package == "urllib3"
        for i in (v.id, *v.aliases)
    }


def answer_nothing_for_debian(api: FakeOsv) -> None:
    """The recorded answer for urllib3, and no advisories for the two Debian packages."""
    urllib3 = json.loads(recorded("querybatch_urllib3.json"))["results"][0]

    def answer(body: Any) -> Reply:
        results = [urllib3 if q["package"]["name"] == "urllib3" else {} for q in body["queries"]]
        return Reply(body=json.dumps({"results": results}).encode())

    api.serve(QUERYBATCH, answer)


# ---- the whole flow ----------------------------------------------------------------------------


def test_update_fetches_stores_and_matches(
    team_ws: Workspace, tmp_path: Path, api: FakeOsv, session: requests.Session
) -> None:
    audit_with_urllib3(team_ws, tmp_path)
    api.serve_urllib3()
    answer_nothing_for_debian(api)
    before = time.time()

    done = update_online(team_ws, client(api, session))

    assert (done.records, done.added, done.updated, done.unchanged, done.invalid) == (3, 3, 0, 0, 0)
    assert done.sources == (api.base_url,)
    (asked,) = api.bodies(QUERYBATCH)
    assert asked == {
        "queries": [
            {"package": {"ecosystem": "Debian:12", "name": "glibc"}, "version": "2.36-9+deb12u4"},
            {
                "package": {"ecosystem": "Debian:12", "name": "openssl"},
                "version": "3.0.11-1~deb12u2",
            },
            {"package": {"ecosystem": "PyPI", "name": "urllib3"}, "version": "1.26.4"},
        ]
    }
    assert all(api.hits(vuln_path(i)) == 1 for i in IDS)
    report = vulns.list_vulns(team_ws, OFFICER)
    hit = next(v for v in report.vulns if "PYSEC-2021-108" in (v.id, *v.aliases))
    assert hit.id == "CVE-2021-33503" and "GHSA-q2q7-5pp4-w6pg" in hit.aliases
    assert hit.package == "urllib3" and hit.version == "1.26.4"
    assert hit.fixed_versions == ("1.26.5",) and hit.components == ("shop/api:1.0",)
    assert {"CVE-2023-43804", "CVE-2023-45803"} <= urllib3_ids(team_ws)
    with team_ws.db.read() as db:
        (source,) = db.scalars(select(VulnSource)).all()
        stored = db.scalars(select(Advisory)).all()
    assert (source.kind, source.location, source.records, source.added) == (
        "osv-api",
        api.base_url,
        3,
        3,
    )
    assert json.loads(source.ecosystems) == ["PyPI"]
    assert {a.id for a in stored} == set(IDS)
    assert all(a.source_id == source.id for a in stored)
    assert all(before - 1 <= a.fetched_at.timestamp() <= time.time() + 1 for a in stored)


def test_a_second_update_skips_what_the_store_already_holds(
    team_ws: Workspace, tmp_path: Path, api: FakeOsv, session: requests.Session
) -> None:
    audit_with_urllib3(team_ws, tmp_path)
    vulndb.import_paths(team_ws, [RECORDED / "vulns" / "PYSEC-2021-108.json"])  # offline first
    api.serve_urllib3()
    answer_nothing_for_debian(api)

    first = update_online(team_ws, client(api, session))
    assert (first.added, first.unchanged) == (2, 1)
    assert api.hits(vuln_path("PYSEC-2021-108")) == 0  # same `modified`: not fetched
    second = update_online(team_ws, client(api, session))
    assert (second.records, second.added, second.unchanged) == (3, 0, 3)
    assert all(api.hits(vuln_path(i)) <= 1 for i in IDS)
    assert counts(team_ws) == (3, 3)  # the offline source and one per online update


def test_ecosystems_narrow_what_is_asked(
    team_ws: Workspace, tmp_path: Path, api: FakeOsv, session: requests.Session
) -> None:
    audit_with_urllib3(team_ws, tmp_path)
    api.serve_urllib3()
    done = update_online(team_ws, client(api, session), ecosystems=["pypi"])
    assert done.added == 3
    assert api.bodies(QUERYBATCH) == [
        {"queries": [{"package": {"ecosystem": "PyPI", "name": "urllib3"}, "version": "1.26.4"}]}
    ]
    nothing = update_online(team_ws, client(api, session), ecosystems=["Go"])
    assert nothing.records == 0 and api.hits(QUERYBATCH) == 1  # no Go package: nothing asked


def test_an_empty_database_asks_nothing(
    ws: Workspace, api: FakeOsv, session: requests.Session
) -> None:
    done = update_online(ws, client(api, session))
    assert (done.records, done.added) == (0, 0)
    assert api.requests == [] and counts(ws) == (0, 0)


@pytest.mark.parametrize(
    ("target", "query"),
    [
        (Target("PyPI", "urllib3", "1.26.4"), Query("PyPI", "urllib3", "1.26.4")),
        (Target("Debian", "openssl", "3.0.11-1", "12"), Query("Debian:12", "openssl", "3.0.11-1")),
        (Target("Alpine", "musl", "1.2.4-r2", "v3.19"), Query("Alpine:v3.19", "musl", "1.2.4-r2")),
        (Target("Go", "golang.org/x/net", "v0.17.0"), Query("Go", "golang.org/x/net", "0.17.0")),
        (
            Target("Ubuntu", "curl", "8.5.0-2ubuntu10", "24.04"),
            Query("Ubuntu", "curl", "8.5.0-2ubuntu10"),
        ),
        (Target("PyPI", "demo", "not a version!"), None),
        (Target("PyPI", "demo", ""), None),
    ],
)
def test_how_each_package_is_named_to_osv(target: Target, query: Query | None) -> None:
    assert query_for(target) == query


def test_packages_osv_cannot_be_asked_about_are_reported(
    team_ws: Workspace, tmp_path: Path
) -> None:
    entries = [
        f("etc/os-release", "ID=debian\nVERSION_ID=12\n"),
        f(
            "usr/lib/python3/dist-packages/odd-0.0.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: odd\nVersion: 1.0-weird!\n",
        ),
    ]
    layout = write_folder(oci_files([entries], "gzip", tag="odd:1"), tmp_path / "layout")
    collect(team_ws, OFFICER, CollectRequest(archives=(layout,)))
    queries, problems = audited_queries(team_ws)
    assert queries == []
    assert problems and "odd" in problems[0] and "not asked" in problems[0]


# ---- the client ----------------------------------------------------------------------------------


def test_pages_are_followed_for_the_queries_that_have_more(
    api: FakeOsv, session: requests.Session
) -> None:
    first = json.loads(recorded("querybatch_urllib3_page1.json"))
    token = first["results"][0]["next_page_token"]
    api.serve(
        QUERYBATCH,
        Reply(body=json.dumps({"results": [first["results"][0], {}]}).encode()),
        Reply(body=recorded("querybatch_urllib3_page2.json")),
    )
    other = Query("PyPI", "idna", "3.7")

    found = client(api, session).query_batch([URLLIB3, other])

    assert [[r.id for r in refs] for refs in found] == [list(IDS), []]
    assert found[0][0] == VulnRef("PYSEC-2021-108", "2021-07-02T18:56:20.858344Z")
    assert api.bodies(QUERYBATCH)[1] == {
        "queries": [
            {
                "package": {"ecosystem": "PyPI", "name": "urllib3"},
                "version": "1.26.4",
                "page_token": token,
            }
        ]
    }


def test_pages_without_end_are_refused(api: FakeOsv, session: requests.Session) -> None:
    api.serve(QUERYBATCH, Reply(body=recorded("querybatch_urllib3_page1.json")))
    with pytest.raises(OsvApiError, match="still more pages after 100 follow-up requests"):
        client(api, session).query_batch([URLLIB3])
    assert api.hits(QUERYBATCH) == 101


def test_more_than_a_thousand_queries_go_in_several_requests(
    api: FakeOsv, session: requests.Session
) -> None:
    def answer(body: Any) -> Reply:
        results = [
            {"vulns": [{"id": f"TEST-{q['package']['name']}", "modified": ""}]}
            for q in body["queries"]
        ]
        return Reply(body=json.dumps({"results": results}).encode())

    api.serve(QUERYBATCH, answer)
    queries = [Query("PyPI", f"p{n}", "1.0") for n in range(1500)]

    found = client(api, session).query_batch(queries)

    assert [len(b["queries"]) for b in api.bodies(QUERYBATCH)] == [1000, 500]
    assert [refs[0].id for refs in found] == [f"TEST-p{n}" for n in range(1500)]


def test_429_waits_as_told_within_a_cap(api: FakeOsv, session: requests.Session) -> None:
    api.serve(
        QUERYBATCH,
        Reply(429, b"slow down", {"Retry-After": "0"}),
        Reply(body=recorded("querybatch_urllib3.json")),
    )
    sleeps: list[float] = []
    assert len(client(api, session, sleeps).query_batch([URLLIB3])[0]) == 3
    assert api.hits(QUERYBATCH) == 2 and sleeps == [0.0]

    api.serve(
        QUERYBATCH,
        Reply(429, b"", {"Retry-After": "3600"}),
        Reply(body=recorded("querybatch_urllib3.json")),
    )
    sleeps.clear()
    client(api, session, sleeps, max_delay=30.0).query_batch([URLLIB3])
    assert sleeps == [30.0]


def test_server_errors_back_off_then_give_up(api: FakeOsv, session: requests.Session) -> None:
    api.serve(QUERYBATCH, Reply(500, b"oops"))
    sleeps: list[float] = []
    with pytest.raises(OsvApiError, match=r"HTTP 500, 3 tries") as caught:
        client(api, session, sleeps).query_batch([URLLIB3])
    assert f"{api.base_url}/v1/querybatch" in str(caught.value)
    assert caught.value.hint and "auditapp vulndb import" in caught.value.hint
    assert isinstance(caught.value, AuditappError)
    assert api.hits(QUERYBATCH) == 3 and sleeps == [1.0, 2.0]


def test_other_4xx_and_redirects_fail_at_once(api: FakeOsv, session: requests.Session) -> None:
    api.serve(QUERYBATCH, Reply(400, b'{"code": 3, "message": "Invalid query."}'))
    with pytest.raises(OsvApiError, match="answered HTTP 400"):
        client(api, session).query_batch([URLLIB3])
    api.serve(vuln_path("PYSEC-2021-108"), Reply(302, headers={"Location": "http://example.org/"}))
    with pytest.raises(OsvApiError, match=r"redirected \(HTTP 302\) to 'http://example.org/'"):
        client(api, session).get_vuln("PYSEC-2021-108")
    assert api.hits(QUERYBATCH) == 1 and api.hits(vuln_path("PYSEC-2021-108")) == 1


def test_a_refused_connection_is_retried_then_explained(session: requests.Session) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    sleeps: list[float] = []
    osv = OsvClient(session, f"http://127.0.0.1:{port}", timeout=2, sleep=sleeps.append)
    with pytest.raises(OsvApiError, match=r"connection failed \(ConnectionError\), 3 tries"):
        osv.query_batch([URLLIB3])
    assert len(sleeps) == 2


def test_a_record_is_fetched_by_its_quoted_id(api: FakeOsv, session: requests.Session) -> None:
    api.serve("/v1/vulns/TEST%3A1", Reply(body=b'{"id": "TEST:1", "modified": ""}'))
    assert json.loads(client(api, session).get_vuln("TEST:1"))["id"] == "TEST:1"
    api.serve(vuln_path("PYSEC-2021-108"), Reply(body=recorded("vulns/PYSEC-2023-192.json")))
    with pytest.raises(OsvApiError, match="answered record 'PYSEC-2023-192' instead of"):
        client(api, session).get_vuln("PYSEC-2021-108")


@pytest.mark.parametrize("identifier", ["../x", "..", "PYSEC-1/../../admin", "a b", "", "x" * 200])
def test_hostile_ids_are_refused_before_any_request(
    api: FakeOsv, session: requests.Session, identifier: str
) -> None:
    with pytest.raises(OsvApiError, match="not an OSV id"):
        client(api, session).get_vuln(identifier)
    assert api.requests == []


def test_bad_base_urls_are_refused(session: requests.Session) -> None:
    for url in ["file:///etc", "ftp://127.0.0.1", "http://", "127.0.0.1:8080"]:
        with pytest.raises(OsvApiError, match="not an http"):
            OsvClient(session, url)


# ---- failures: a clear error, nothing stored, the offline data intact ---------------------------


def _querybatch(*replies: Reply) -> Callable[[FakeOsv], None]:
    def setup(api: FakeOsv) -> None:
        api.serve_urllib3()
        api.serve(QUERYBATCH, *replies)

    return setup


def _vuln(identifier: str, *replies: Reply) -> Callable[[FakeOsv], None]:
    def setup(api: FakeOsv) -> None:
        api.serve_urllib3()
        answer_nothing_for_debian(api)
        api.serve(vuln_path(identifier), *replies)

    return setup


GOOD_BATCH = recorded("querybatch_urllib3.json")
HOSTILE_BATCH = json.dumps(
    {"results": [{"vulns": [{"id": "../x", "modified": "2024-01-01T00:00:00Z"}]}, {}, {}]}
).encode()
FAILURES = {
    "timeout": (_querybatch(Reply(body=GOOD_BATCH, delay=1.5)), r"no answer within 0.3 s, 3 tries"),
    "500 three times": (_querybatch(Reply(500, b"oops")), r"querybatch: HTTP 500, 3 tries"),
    "malformed JSON": (
        _querybatch(Reply(body=GOOD_BATCH[:50])),
        "querybatch did not answer valid JSON",
    ),
    "not JSON at all": (_querybatch(Reply(body=b"<html>busy</html>")), "did not answer valid JSON"),
    "NaN": (_querybatch(Reply(body=b'{"results": NaN}')), "NaN is not a number JSON allows"),
    "wrong shape": (
        _querybatch(Reply(body=b'{"vulns": []}')),
        "expected an object with a results list",
    ),
    "a list": (_querybatch(Reply(body=b"[]")), "results list, got list"),
    "too few results": (_querybatch(Reply(body=b'{"results": [{}]}')), "1 results for 3 queries"),
    "vulns not a list": (
        _querybatch(Reply(body=b'{"results": [{"vulns": {}}, {}, {}]}')),
        "result #1: vulns must be a list, got dict",
    ),
    "id not text": (
        _querybatch(Reply(body=b'{"results": [{"vulns": [{"id": 7}]}, {}, {}]}')),
        "refused advisory id '7'",
    ),
    "hostile id": (_querybatch(Reply(body=HOSTILE_BATCH)), r"refused advisory id '\.\./x'"),
    "oversized, declared": (
        _querybatch(Reply(body=b'{"results": [' + b" " * 300_000 + b"]}")),
        "answer of 300015 bytes is over the 200000 byte cap",
    ),
    "oversized, undeclared": (
        _querybatch(Reply(body=b'{"results": [' + b" " * 300_000 + b"]}", content_length=False)),
        "answer is over the 200000 byte cap",
    ),
    "a record fails after others arrived": (
        _vuln("PYSEC-2023-212", Reply(503, b"unavailable")),
        r"/v1/vulns/PYSEC-2023-212: HTTP 503, 3 tries",
    ),
    "a malformed record": (
        _vuln("PYSEC-2023-212", Reply(body=b'{"id": "PYSEC-2023-212", ')),
        "PYSEC-2023-212 did not answer valid JSON",
    ),
    "a record that is not an object": (
        _vuln("PYSEC-2023-212", Reply(body=b'["PYSEC-2023-212"]')),
        "expected a record object, got list",
    ),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_a_failed_update_stores_nothing_and_offline_data_stay(
    team_ws: Workspace, tmp_path: Path, api: FakeOsv, session: requests.Session, case: str
) -> None:
    audit_with_urllib3(team_ws, tmp_path)
    vulndb.import_paths(team_ws, [RECORDED / "vulns" / "PYSEC-2021-108.json"])
    before, found_before = counts(team_ws), urllib3_ids(team_ws)
    assert "CVE-2021-33503" in found_before
    setup, problem = FAILURES[case]
    setup(api)

    osv = client(api, session, timeout=0.3, max_bytes=200_000)
    with pytest.raises(OsvApiError, match=problem) as caught:
        update_online(team_ws, osv)

    assert api.base_url in str(caught.value) and caught.value.hint
    assert counts(team_ws) == before
    assert urllib3_ids(team_ws) == found_before
    with team_ws.db.read() as db:
        assert db.scalars(select(VulnSource.kind)).all() == ["osv-file"]
    if case == "hostile id":
        assert not any("/v1/vulns/" in path for _, path, _ in api.requests)


def test_an_invalid_record_is_counted_like_an_offline_import(
    team_ws: Workspace, tmp_path: Path, api: FakeOsv, session: requests.Session
) -> None:
    audit_with_urllib3(team_ws, tmp_path)
    api.serve_urllib3()
    answer_nothing_for_debian(api)
    api.serve(vuln_path("PYSEC-2023-212"), Reply(body=b'{"id": "PYSEC-2023-212", "affected": 3}'))
    done = update_online(team_ws, client(api, session))
    assert (done.records, done.added, done.invalid) == (3, 2, 1)
    assert "affected is not a list" in done.problems[0]


def test_cancelling_stores_nothing(
    team_ws: Workspace, tmp_path: Path, api: FakeOsv, session: requests.Session
) -> None:
    audit_with_urllib3(team_ws, tmp_path)
    api.serve_urllib3()
    answer_nothing_for_debian(api)

    class CancelWhileFetching(NoProgress):
        stage = ""

        def start(self, label: str, total: int | None = None) -> None:
            self.stage = label

        def cancelled(self) -> bool:
            return self.stage == "fetching advisories"

    with pytest.raises(Cancelled):
        update_online(team_ws, client(api, session), progress=CancelWhileFetching())
    assert counts(team_ws) == (0, 0)
