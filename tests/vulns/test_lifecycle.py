"""Lifecycle risk: the shipped data, status on fixed dates, runtimes found in an inventory, and
the online refresh against a real HTTP server on 127.0.0.1 (no test touches the internet)."""

from __future__ import annotations

import json
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests

from auditapp.catalog.interface import OsRelease, Package
from auditapp.errors import AuditappError
from auditapp.resources import resource_path
from auditapp.vulns.lifecycle import (
    Cycle,
    LifecycleError,
    detect_runtimes,
    load_lifecycle_data,
    os_status,
    runtime_cycle,
    runtime_status,
    shipped_data,
)
from auditapp.vulns.lifecycle_online import (
    CachedCycles,
    api_products,
    load_cache,
    parse_cycles,
    refresh_from_api,
    save_cache,
)
from tests.http_server import QuietHandler, serving

TODAY = date(2026, 11, 29)
DATA_FILES = [resource_path("lifecycle", "os.toml"), resource_path("lifecycle", "runtimes.toml")]


# ---- operating systems -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("os_id", "version_id", "product", "cycle", "state"),
    [
        ("debian", "9", "debian", "9", "end-of-life"),
        ("debian", "11", "debian", "11", "end-of-life"),  # Debian LTS ended 2026-08-31
        # Security team support for 12 ended 2026-06-10; Debian LTS carries it to 2028.
        ("debian", "12", "debian", "12", "extended-support"),
        ("debian", "13", "debian", "13", "supported"),
        ("ubuntu", "16.04", "ubuntu", "16.04", "end-of-life"),
        ("ubuntu", "18.04", "ubuntu", "18.04", "extended-support"),
        ("ubuntu", "20.04", "ubuntu", "20.04", "extended-support"),  # ESM after 2025-05-31
        ("ubuntu", "22.04", "ubuntu", "22.04", "security-only"),
        ("ubuntu", "24.04", "ubuntu", "24.04", "supported"),
        ("ubuntu", "23.10", "ubuntu", "23.10", "end-of-life"),
        ("alpine", "3.16.9", "alpine", "3.16", "end-of-life"),
        ("alpine", "3.19.1", "alpine", "3.19", "end-of-life"),
        ("alpine", "3.21.3", "alpine", "3.21", "end-of-life"),  # 2026-11-01
        ("alpine", "3.22.2", "alpine", "3.22", "supported"),
        ("rhel", "7.9", "rhel", "7", "extended-support"),
        ("rhel", "8.10", "rhel", "8", "security-only"),
        ("rhel", "9.3", "rhel", "9", "supported"),
        ("rocky", "8.9", "rocky", "8", "security-only"),
        ("rocky", "9.4", "rocky", "9", "supported"),
        ("almalinux", "9.4", "almalinux", "9", "supported"),
        ("amzn", "2", "amzn", "2", "end-of-life"),  # 2026-06-30
        ("amzn", "2023", "amzn", "2023", "supported"),
        ("amzn", "2018.03", "amzn", "2018.03", "end-of-life"),
        ("centos", "7", "centos", "7", "end-of-life"),
    ],
)
def test_os_status_on_a_fixed_day(
    os_id: str, version_id: str, product: str, cycle: str, state: str
) -> None:
    status = os_status(OsRelease(os_id, version_id), TODAY)
    assert (status.product, status.cycle, status.state) == (product, cycle, state)
    assert status.source and status.data_as_of == date(2026, 11, 29)


def test_statuses_carry_dates_days_left_and_what_the_phase_is() -> None:
    debian9 = os_status(OsRelease("debian", "9"), TODAY)
    assert debian9.eol == date(2020, 7, 18) and debian9.extended_until == date(2022, 7, 1)
    assert debian9.days_left is not None and debian9.days_left < -2000
    assert "Freexian ELTS" in debian9.note and "2027-06-30" in debian9.note

    focal = os_status(OsRelease("ubuntu", "20.04", pretty_name="Ubuntu 20.04.6 LTS"), TODAY)
    assert focal.eol == date(2025, 5, 31) and focal.extended_until == date(2030, 4, 2)
    assert "Expanded Security Maintenance" in focal.note and "until 2030-04-02" in focal.note

    rhel9 = os_status(OsRelease("rhel", "9.3", pretty_name="Red Hat Enterprise Linux 9.3"), TODAY)
    assert rhel9.days_left == (date(2032, 5, 31) - TODAY).days
    assert "full support until 2027-05-31" in rhel9.note


def test_the_last_day_of_a_phase_still_counts() -> None:
    alpine = OsRelease("alpine", "3.21.0")
    assert os_status(alpine, date(2026, 11, 1)).state == "supported"
    assert os_status(alpine, date(2026, 11, 1)).days_left == 0
    assert os_status(alpine, date(2026, 11, 2)).state == "end-of-life"
    assert os_status(alpine, date(2026, 11, 2)).days_left == -1


def test_distroless_reports_debian_and_follows_its_release() -> None:
    distroless = OsRelease("debian", "12", pretty_name="Distroless", version_codename="")
    status = os_status(distroless, TODAY)
    assert (status.product, status.cycle, status.state) == ("distroless", "12", "extended-support")
    assert status.note.startswith("follows Debian 12")
    assert "distroless" in status.source and "endoflife.date/debian" in status.source
    assert os_status(OsRelease("distroless", "11"), TODAY).product == "distroless"


def test_ubi_and_centos_stream_are_told_apart_by_their_names() -> None:
    ubi = OsRelease("rhel", "8.9", pretty_name="Red Hat Enterprise Linux 8.9 (Ootpa)")
    assert os_status(ubi, TODAY).product == "rhel"
    stream = OsRelease("centos", "9", pretty_name="CentOS Stream 9")
    assert os_status(stream, TODAY).product == "centos-stream"
    assert os_status(OsRelease("centos", "8", pretty_name="CentOS Linux 8"), TODAY).product == (
        "centos"
    )


@pytest.mark.parametrize(
    "os_release",
    [
        OsRelease("fedora", "40"),
        OsRelease("ol", "8.9", id_like=("fedora",)),  # a derivative is not its parent
        OsRelease("linux", ""),
        OsRelease("debian", "", pretty_name="Debian GNU/Linux trixie/sid"),
        OsRelease("alpine", "3.21.0_alpha20240807", pretty_name="Alpine Linux edge"),
        OsRelease("alpine", "3.40.1"),  # newer than the data
        OsRelease("ubuntu", "26.10"),
        OsRelease("amzn", "1"),  # Amazon's numbers are not one line: no guessing
    ],
)
def test_what_the_data_does_not_know_is_unknown_never_supported(os_release: OsRelease) -> None:
    status = os_status(os_release, TODAY)
    assert status.state == "unknown"
    assert status.eol is None and status.days_left is None and status.note


@pytest.mark.parametrize(
    ("os_id", "version_id"), [("debian", "7"), ("ubuntu", "12.04"), ("alpine", "3.9.6")]
)
def test_a_release_older_than_every_release_in_the_data_is_end_of_life(
    os_id: str, version_id: str
) -> None:
    status = os_status(OsRelease(os_id, version_id), TODAY)
    assert status.state == "end-of-life" and "older than" in status.note


def test_uncertain_dates_are_flagged_in_the_status() -> None:
    status = os_status(OsRelease("debian", "13"), TODAY)
    assert status.uncertain and "uncertain" in status.note
    assert not os_status(OsRelease("rhel", "9.3"), TODAY).uncertain


# ---- runtimes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "version", "cycle", "state"),
    [
        ("python", "2.7.18", "2.7", "end-of-life"),
        ("python", "3.6.15", "3.6", "end-of-life"),
        ("python", "3.9.2", "3.9", "end-of-life"),
        ("python", "3.10.12", "3.10", "end-of-life"),  # 2026-10-31
        ("python", "3.11.2", "3.11", "security-only"),
        ("python", "3.12", "3.12", "security-only"),
        ("python", "3.14.0", "3.14", "supported"),
        ("python", "3.5.3", "3.5", "end-of-life"),  # older than 3.6, which has ended
        ("node", "16.20.2", "16", "end-of-life"),
        ("node", "20.11.0", "20", "end-of-life"),  # 2026-04-30
        ("node", "22.12.0", "22", "security-only"),
        ("node", "v24.1.0", "24", "security-only"),
        ("node", "23.0.0", "23", "end-of-life"),
        ("go", "v1.22.1", "1.22", "end-of-life"),
        ("go", "go1.18", "1.18", "end-of-life"),
        ("go", "1.17.13", "1.17", "end-of-life"),
        ("java", "8u392", "8", "supported"),  # one day left
        ("java", "1.8.0.392", "8", "supported"),
        ("java", "11.0.21", "11", "supported"),
        ("java", "17.0.9", "17", "supported"),
        ("java", "21.0.1", "21", "supported"),
        ("java", "22.0.2", "22", "end-of-life"),
        ("java", "7u80", "7", "end-of-life"),
        ("python", "3.15.0", "3.15", "unknown"),
        ("ruby", "3.2.2", "3.2.2", "unknown"),
    ],
)
def test_runtime_status_on_a_fixed_day(kind: str, version: str, cycle: str, state: str) -> None:
    status = runtime_status(kind, version, TODAY)
    assert (status.cycle, status.state) == (cycle, state)


def test_java_8_has_one_day_left_on_the_day() -> None:
    status = runtime_status("java", "8u392", TODAY)
    assert status.days_left == 1 and status.uncertain


@pytest.mark.parametrize(
    ("kind", "version", "cycle"),
    [
        ("python", "3.11.2", "3.11"),
        ("go", "v1.22.1", "1.22"),
        ("go", "go1.21.0", "1.21"),
        ("node", "18.19.0", "18"),
        ("java", "1.8.0.392", "8"),
        ("java", "8u392", "8"),
        ("java", "17.0.9", "17"),
        ("java", "abc", None),
    ],
)
def test_runtime_cycle(kind: str, version: str, cycle: str | None) -> None:
    assert runtime_cycle(kind, version) == cycle


def _package(ecosystem: str, name: str, version: str, path: str = "var/lib/dpkg/status") -> Package:
    return Package(ecosystem, name, version, f"pkg:{ecosystem}/{name}@{version}", path)


def test_detect_runtimes_from_an_inventory() -> None:
    packages = [
        _package("deb", "python3.11-minimal", "3.11.2-6+deb12u1"),
        _package("deb", "python3.11", "3.11.2-6+deb12u1"),
        _package("deb", "python3", "3.11.2-1+b1"),
        _package("deb", "python3-requests", "2.28.1+dfsg-1"),  # a library, not the runtime
        _package("deb", "libpython3.11-stdlib", "3.11.2-6+deb12u1"),
        _package("deb", "nodejs", "18.19.0+dfsg-6~deb12u1"),
        _package("deb", "nodejs-doc", "18.19.0+dfsg-6~deb12u1"),
        _package("deb", "openjdk-17-jre-headless", "17.0.9+9-1~deb12u1"),
        _package("golang", "stdlib", "v1.22.1", "app/server"),
        _package("golang", "stdlib", "v1.22.1", "app/worker"),
        _package("golang", "stdlib", "v1.21.0", "usr/bin/tool"),
        _package("golang", "golang.org/x/net", "v0.21.0", "app/server"),
        _package("rpm", "java-1.8.0-openjdk-headless", "1:1.8.0.392.b08-4.el8"),
        _package("apk", "python3", "3.11.8-r0", "lib/apk/db/installed"),
        _package("pypi", "pip", "24.0", "usr/local/lib/python3.12/site-packages/pip/METADATA"),
        _package("pypi", "six", "1.16.0", "usr/lib/python3/dist-packages/six.egg-info"),
        _package("npm", "node", "20.0.0", "app/node_modules/node/package.json"),
    ]
    assert detect_runtimes(packages) == [
        ("python", "3.11.2"),
        ("node", "18.19.0"),
        ("java", "17.0.9"),
        ("go", "1.22.1"),
        ("go", "1.21.0"),
        ("java", "1.8.0.392"),
        ("python", "3.12"),
    ]
    statuses = {(k, v): runtime_status(k, v, TODAY).state for k, v in detect_runtimes(packages)}
    assert statuses[("go", "1.22.1")] == "end-of-life"
    assert statuses[("java", "1.8.0.392")] == "supported"


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        (_package("deb", "python2.7", "2.7.18-8+deb11u1"), ("python", "2.7.18")),
        (_package("rpm", "python", "2.7.5-94.el7_9"), ("python", "2.7.5")),
        (_package("rpm", "python39", "3.9.18-1.module+el8.9.0"), ("python", "3.9.18")),
        (_package("deb", "golang-1.19-go", "1.19.8-2"), ("go", "1.19.8")),
        (_package("deb", "golang-go", "2:1.19~1"), ("go", "1.19")),
        (_package("apk", "go", "1.22.1-r0"), ("go", "1.22.1")),
        (_package("rpm", "nodejs", "1:18.19.0-1.module+el8.9.0"), ("node", "18.19.0")),
        (_package("rpm", "nodejs20", "20.10.0-1.amzn2023"), ("node", "20.10.0")),
        (_package("apk", "nodejs-current", "21.7.1-r0"), ("node", "21.7.1")),
        (_package("apk", "openjdk17-jre-headless", "17.0.10_p7-r0"), ("java", "17.0.10")),
        (_package("deb", "openjdk-8-jre-headless", "8u392-ga-1~deb10u1"), ("java", "8u392")),
        (_package("rpm", "java-17-openjdk-headless", "1:17.0.9.0.9-2.el9"), ("java", "17.0.9.0.9")),
        (
            _package("rpm", "java-21-amazon-corretto-headless", "1:21.0.1.12-1"),
            ("java", "21.0.1.12"),
        ),
        (_package("deb", "temurin-21-jdk", "21.0.2.0.0+13"), ("java", "21.0.2.0.0")),
    ],
)
def test_detect_runtimes_package_names(package: Package, expected: tuple[str, str]) -> None:
    assert detect_runtimes([package]) == [expected]


# ---- the shipped data --------------------------------------------------------------------------


def test_data_files_name_their_sources_and_date() -> None:
    for path in DATA_FILES:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("#") and "Sources" in text and "https://endoflife.date/" in text
        assert isinstance(tomllib.loads(text)["data_as_of"], date)


def test_every_cycle_in_the_data_files_has_dates_in_order_and_is_listed_once() -> None:
    # Read the TOML directly, not through the loader, so this checks the files themselves.
    for path in DATA_FILES:
        products = tomllib.loads(path.read_text(encoding="utf-8"))["products"]
        for name, product in products.items():
            cycles = product.get("cycles", [])
            names = [c["cycle"] for c in cycles]
            assert len(names) == len(set(names)), (path.name, name)
            assert cycles or product.get("follows"), name
            for c in cycles:
                where = (path.name, name, c["cycle"])
                assert isinstance(c["release"], date) and isinstance(c["eol"], date), where
                assert c["release"] <= c.get("support", c["eol"]) <= c["eol"], where
                assert c["eol"] <= c.get("extended", c["eol"]), where
                assert c.get("extended", c["eol"]) <= c.get("commercial", date.max), where
                assert date(1990, 1, 1) <= c["release"] and c["eol"] <= date(2100, 1, 1), where


def test_the_data_covers_the_releases_images_use() -> None:
    data = shipped_data()
    wanted = {
        "debian": ["8", "9", "10", "11", "12", "13"],
        "ubuntu": ["14.04", "16.04", "18.04", "20.04", "22.04", "24.04", "24.10", "25.04", "25.10"],
        "alpine": [f"3.{minor}" for minor in range(10, 23)],
        "rhel": ["7", "8", "9", "10"],
        "rocky": ["8", "9", "10"],
        "almalinux": ["8", "9", "10"],
        "amzn": ["2", "2023"],
        "python": [f"3.{minor}" for minor in range(6, 15)],
        "node": [str(major) for major in range(12, 25)],
        "go": [f"1.{minor}" for minor in range(18, 26)],
        "java": ["8", "11", "17", "21", "25"],
    }
    for product, cycles in wanted.items():
        known = {c.cycle for c in data.products[product].cycles}
        assert set(cycles) <= known, (product, sorted(set(cycles) - known))
    assert all(c.lts for c in data.products["node"].cycles if int(c.cycle) % 2 == 0)
    assert {c.cycle for c in data.products["java"].cycles if c.lts} == {"8", "11", "17", "21", "25"}


@pytest.mark.parametrize(
    ("cycle", "problem"),
    [
        ('cycle = "1"\nrelease = 2020-01-01\neol = 2019-01-01', "before release"),
        ('cycle = "1"\neol = 2020-01-01\nextended = 2019-01-01', "before eol"),
        ('cycle = "1"\neol = 2200-01-01', "must be a date"),
        ('cycle = "1"\neol = "soon"', "must be a date"),
        ('cycle = "1"\nrelease = 2020-01-01', "eol is missing"),
        ('cycle = "1"\neol = 2020-01-01\neoll = 2021-01-01', "unknown keys"),
        (
            'cycle = "1"\neol = 2020-01-01\n[[products.x.cycles]]\ncycle = "1"\neol = 2021-01-01',
            "twice",
        ),
    ],
)
def test_bad_data_files_are_refused_with_the_file_named(
    tmp_path: Path, cycle: str, problem: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        f'data_as_of = 2026-11-29\n[products.x]\nname = "X"\nsource = "s"\n'
        f"[[products.x.cycles]]\n{cycle}\n"
    )
    with pytest.raises(LifecycleError, match=problem) as caught:
        load_lifecycle_data([path])
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, AuditappError)


# ---- online refresh against a real local server ------------------------------------------------

# Recorded-looking answers of the endoflife.date API (GET /api/{product}.json).
DEBIAN_JSON = json.dumps([
    {"cycle": "13", "codename": "Trixie", "releaseDate": "2025-08-09", "eol": "2028-08-09",
     "extendedSupport": "2030-06-30", "latest": "13.2", "latestReleaseDate": "2025-11-15",
     "lts": False, "link": "https://www.debian.org/News/2025/20251115"},
    {"cycle": "12", "codename": "Bookworm", "releaseDate": "2023-06-10", "eol": "2026-06-10",
     "extendedSupport": "2028-06-30", "latest": "12.12", "latestReleaseDate": "2025-09-06",
     "lts": False, "link": "https://www.debian.org/News/2025/20250906"},
    {"cycle": "9", "codename": "Stretch", "releaseDate": "2017-06-17", "eol": "2020-07-18",
     "extendedSupport": "2022-07-01", "latest": "9.13", "latestReleaseDate": "2020-07-18",
     "lts": False, "link": None},
]).encode()  # fmt: skip
GO_JSON = json.dumps([
    {"cycle": "1.27", "releaseDate": "2026-08-11", "eol": False, "latest": "1.27.3",
     "latestReleaseDate": "2026-11-05", "lts": False, "support": True},
    {"cycle": "1.17", "releaseDate": "2021-08-16", "eol": True, "latest": "1.17.13",
     "latestReleaseDate": "2022-08-01", "lts": False, "support": False},
]).encode()  # fmt: skip
NODE_JSON = json.dumps([
    {"cycle": "24", "releaseDate": "2025-05-06", "lts": "2025-10-28", "support": "2026-10-20",
     "eol": "2028-04-30", "extendedSupport": False, "latest": "24.11.1"},
    {"cycle": 25, "releaseDate": "2025-10-15", "lts": False, "support": "2026-04-01",
     "eol": "2026-06-01", "extendedSupport": False, "latest": "25.2.1"},
]).encode()  # fmt: skip


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_length: bool = True


@dataclass
class FakeApi:
    """Replies per path, in order (the last one repeats), and how often each path was asked."""

    base_url: str = ""
    routes: dict[str, list[Reply]] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)

    def serve(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)


@pytest.fixture
def api() -> Iterator[FakeApi]:
    fake = FakeApi()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            fake.hits[self.path] += 1
            replies = fake.routes.get(self.path) or [Reply(404, b"no such product")]
            reply = replies.pop(0) if len(replies) > 1 else replies[0]
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
                pass  # the client gave up waiting, as the timeout test wants

    with serving(Handler) as base_url:
        fake.base_url = base_url
        yield fake


def _refresh(
    api: FakeApi,
    products: list[str],
    sleeps: list[float] | None = None,
    timeout: float = 2.0,
    max_bytes: int = 2 * 1024 * 1024,
) -> dict[str, list[Cycle]]:
    waits = [] if sleeps is None else sleeps
    with requests.Session() as session:
        return refresh_from_api(
            session,
            api.base_url,
            products,
            timeout,
            max_bytes=max_bytes,
            backoff=0.01,
            max_delay=0.05,
            sleep=waits.append,
        )


def test_refresh_reads_and_validates_every_product(api: FakeApi) -> None:
    api.serve("/api/debian.json", Reply(body=DEBIAN_JSON))
    api.serve("/api/go.json", Reply(body=GO_JSON))
    api.serve("/api/nodejs.json", Reply(body=NODE_JSON))
    cycles = _refresh(api, ["debian", "go", "nodejs"])

    debian = {c.cycle: c for c in cycles["debian"]}
    assert debian["12"] == Cycle(
        cycle="12",
        eol=date(2026, 6, 10),
        release=date(2023, 6, 10),
        extended=date(2028, 6, 30),
        codename="Bookworm",
    )
    go = {c.cycle: c for c in cycles["go"]}
    assert go["1.27"].eol is False and go["1.27"].support is False  # still supported, no date
    assert go["1.17"].eol is True and go["1.17"].support is True  # over, date not given
    node = {c.cycle: c for c in cycles["nodejs"]}
    assert node["24"].lts and node["24"].extended is None and not node["25"].lts


def test_refreshed_data_drive_the_status_and_say_where_they_came_from(
    api: FakeApi, tmp_path: Path
) -> None:
    api.serve("/api/debian.json", Reply(body=DEBIAN_JSON))
    api.serve("/api/go.json", Reply(body=GO_JSON))
    fetched_at = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    cache = tmp_path / "cache" / "lifecycle.json"
    save_cache(_refresh(api, ["debian", "go"]), cache, fetched_at=fetched_at, source=api.base_url)

    cached = load_cache(cache)  # later, offline
    assert cached.fetched_at == fetched_at
    assert cached.age(datetime(2026, 11, 29, 9, 30, tzinfo=UTC)) == timedelta(days=1)
    data = cached.apply(shipped_data())

    debian9 = os_status(OsRelease("debian", "9"), TODAY, data)
    assert debian9.state == "end-of-life" and debian9.data_as_of == date(2026, 11, 28)
    assert api.base_url in debian9.source and "fetched 2026-11-28 09:30 UTC" in debian9.source
    assert "Freexian ELTS" in debian9.note  # the paid date the API lacks is kept
    assert os_status(OsRelease("debian", "12", pretty_name="Distroless"), TODAY, data).source
    assert runtime_status("go", "v1.27.1", TODAY, data).state == "supported"
    assert runtime_status("go", "v1.17.1", TODAY, data).state == "end-of-life"
    # Products the refresh did not cover keep the shipped data and its date.
    alpine = os_status(OsRelease("alpine", "3.22.0"), TODAY, data)
    assert alpine.data_as_of == date(2026, 11, 29) and "endoflife.date" in alpine.source


def test_api_products_name_each_refreshable_product_once() -> None:
    names = api_products(shipped_data())
    assert {"debian", "ubuntu", "alpine-linux", "rhel", "python", "nodejs", "go"} <= set(names)
    assert len(names) == len(set(names))


def test_429_is_retried_after_the_servers_wait(api: FakeApi) -> None:
    api.serve(
        "/api/debian.json", Reply(429, b"slow down", {"Retry-After": "0"}), Reply(body=DEBIAN_JSON)
    )
    sleeps: list[float] = []
    cycles = _refresh(api, ["debian"], sleeps)
    assert len(cycles["debian"]) == 3
    assert api.hits["/api/debian.json"] == 2 and sleeps == [0.0]


def test_three_server_errors_give_up_with_a_clear_error(api: FakeApi) -> None:
    api.serve("/api/debian.json", Reply(500, b"oops"))
    sleeps: list[float] = []
    with pytest.raises(LifecycleError, match=r"HTTP 500, 3 tries") as caught:
        _refresh(api, ["debian"], sleeps)
    assert f"{api.base_url}/api/debian.json" in str(caught.value)
    assert api.hits["/api/debian.json"] == 3 and sleeps == [0.01, 0.02]


def test_a_server_that_does_not_answer_in_time(api: FakeApi) -> None:
    api.serve("/api/debian.json", Reply(body=DEBIAN_JSON, delay=1.0))
    with pytest.raises(LifecycleError, match=r"no answer within 0.2 s, 3 tries"):
        _refresh(api, ["debian"], timeout=0.2)
    assert api.hits["/api/debian.json"] == 3


def test_an_unknown_product_is_not_retried(api: FakeApi) -> None:
    with pytest.raises(LifecycleError, match="HTTP 404") as caught:
        _refresh(api, ["nosuchproduct"])
    assert caught.value.hint and "product name" in caught.value.hint
    assert api.hits["/api/nosuchproduct.json"] == 1


def test_malformed_json(api: FakeApi) -> None:
    api.serve("/api/debian.json", Reply(body=DEBIAN_JSON[:40]))
    with pytest.raises(LifecycleError, match=r"/api/debian.json did not answer valid JSON"):
        _refresh(api, ["debian"])


def test_a_wrong_shape(api: FakeApi) -> None:
    api.serve("/api/debian.json", Reply(body=b'{"cycles": []}'))
    with pytest.raises(LifecycleError, match=r"/api/debian.json: expected a list.*got dict"):
        _refresh(api, ["debian"])


def test_an_oversized_body_is_refused_by_its_declared_length(api: FakeApi) -> None:
    api.serve("/api/debian.json", Reply(body=b"[" + b" " * (3 * 1024 * 1024) + b"]"))
    with pytest.raises(LifecycleError, match="over the 2097152 cap"):
        _refresh(api, ["debian"])
    assert api.hits["/api/debian.json"] == 1


def test_an_oversized_body_without_a_length_is_cut_off_while_reading(api: FakeApi) -> None:
    body = b"[" + b" " * 200_000 + b"]"
    api.serve("/api/debian.json", Reply(body=body, content_length=False))
    with pytest.raises(LifecycleError, match="over the 100000 byte cap"):
        _refresh(api, ["debian"], max_bytes=100_000)


def test_one_bad_product_fails_the_whole_refresh_and_the_cache_stays(
    api: FakeApi, tmp_path: Path
) -> None:
    api.serve("/api/debian.json", Reply(body=DEBIAN_JSON))
    api.serve("/api/go.json", Reply(body=b'[{"cycle": "1.22", "eol": "2025-02-31"}]'))
    cache = tmp_path / "lifecycle.json"
    save_cache(_refresh(api, ["debian"]), cache, fetched_at=datetime(2026, 11, 1, tzinfo=UTC))
    before = cache.read_bytes()
    with pytest.raises(LifecycleError, match=r"go.json: release cycle #1: eol .* not a calendar"):
        save_cache(_refresh(api, ["debian", "go"]), cache)
    assert cache.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["lifecycle.json"]  # no temporary left


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ([], "0 release cycles"),
        (["12"], "expected an object, got str"),
        ([{"cycle": 12.5, "eol": "2026-06-10"}], "cycle must be text, got float"),
        ([{"cycle": True, "eol": "2026-06-10"}], "cycle must be text, got bool"),
        ([{"cycle": "../../etc/passwd", "eol": True}], "is not a release name"),
        ([{"cycle": "12"}], "eol is missing"),
        ([{"cycle": "12", "eol": None}], "eol is missing"),
        ([{"cycle": "12", "eol": []}], "eol must be a date.*not list"),
        ([{"cycle": "12", "eol": 20260610}], "eol must be a date.*not int"),
        ([{"cycle": "12", "eol": "2026-6-10"}], "eol must be a date.*not str"),
        ([{"cycle": "12", "eol": "9999-12-31"}], "eol must be a date.*not 9999-12-31"),
        ([{"cycle": "12", "eol": "0001-01-01"}], "eol must be a date.*not 0001-01-01"),
        ([{"cycle": "12", "eol": "2026-06-10", "releaseDate": "2027-01-01"}], "before release"),
        ([{"cycle": "12", "eol": "2026-06-10", "extendedSupport": "2020-01-01"}], "before eol"),
        ([{"cycle": "12", "eol": True, "codename": {"x": 1}}], "codename"),
        ([{"cycle": "12", "eol": True, "lts": "yes"}], "lts must be a date"),
        ([{"cycle": "12", "eol": True}, {"cycle": 12, "eol": False}], "listed twice"),
        ({"cycle": "12", "eol": True}, "expected a list of release cycles, got dict"),
        (None, "got null"),
        ([{"cycle": "12", "eol": True}] * 1001, "1001 release cycles"),
    ],
)
def test_hostile_answers_are_refused_naming_the_url(payload: object, problem: str) -> None:
    url = "http://127.0.0.1:9/api/debian.json"
    with pytest.raises(LifecycleError, match=problem) as caught:
        parse_cycles(payload, url)
    assert url in str(caught.value)


def test_bad_names_and_urls_are_refused_before_any_request() -> None:
    with requests.Session() as session:
        with pytest.raises(LifecycleError, match="product name"):
            refresh_from_api(session, "http://127.0.0.1:9", ["../admin"], 1.0)
        with pytest.raises(LifecycleError, match="base URL"):
            refresh_from_api(session, "file:///etc", ["debian"], 1.0)


def test_a_damaged_cache_is_a_clear_error(tmp_path: Path) -> None:
    cache = tmp_path / "lifecycle.json"
    naive = '{"format": 1, "fetched_at": "2026-11-01T00:00:00", "products": {}}'
    bad_day = (
        '{"format": 1, "fetched_at": "2026-11-01T00:00:00+00:00", "products":'
        ' {"debian": [{"cycle": "12", "eol": "2026-02-30"}]}}'
    )
    for content in ["{", "[]", naive, bad_day]:
        cache.write_text(content)
        with pytest.raises(LifecycleError, match=r"lifecycle cache .* is damaged"):
            load_cache(cache)
    with pytest.raises(LifecycleError, match="cannot read lifecycle cache"):
        load_cache(tmp_path / "missing.json")


def test_a_cache_round_trips_every_kind_of_end(tmp_path: Path) -> None:
    cycles = {
        "go": [
            Cycle("1.27", eol=False, release=date(2026, 8, 11), support=False),
            Cycle("1.17", eol=True, support=True, extended=None),
            Cycle(
                "12",
                eol=date(2026, 6, 10),
                extended=date(2028, 6, 30),
                commercial=date(2033, 6, 30),
                codename="bookworm",
                lts=True,
                uncertain=True,
            ),
        ]
    }
    path = tmp_path / "c.json"
    save_cache(cycles, path, fetched_at=datetime(2026, 11, 29, tzinfo=UTC), source="s")
    assert load_cache(path) == CachedCycles(cycles, datetime(2026, 11, 29, tzinfo=UTC), "s")
