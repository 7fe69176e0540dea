"""Path interests: the cheap test the image walk puts before `plan` must never hide a file a
cataloger would plan."""

from __future__ import annotations

import itertools
import random

import pytest

from auditapp.catalog.imagefs import ImageScanner
from auditapp.catalog.interface import CatalogResult, ImageFiles, OsRelease, PathInterest, ReadPlan
from auditapp.catalog.registry import default_catalogers, os_detector
from tests.catalog.layers import f, layer

# Path pieces that some cataloger cares about, and ordinary ones.
_PIECES = [
    "etc", "usr", "lib", "local", "var", "app", "root", "home", "node_modules", "@scope",
    "site-packages", "foo-1.0.dist-info", "bar.egg-info", "sboms", "dpkg", "status.d", "rpm",
    "sysimage", "apk", "db", "META-INF", ".aws", ".docker", "_vendor", "pip", "x", "X.Y",
]  # fmt: skip
_NAMES = [
    "os-release", "status", "installed", "rpmdb.sqlite", "METADATA", "PKG-INFO", "bom.cdx.json",
    "a.cdx.json", "package.json", "package-lock.json", ".package-lock.json", "app.jar",
    "APP.WAR", "x.Ear", "credentials", "config.json", ".netrc", ".pgpass", ".npmrc",
    ".git-credentials", "id_rsa", "id_ed25519", "server.pem", "tls.KEY", "cert.p12", "x.jks",
    "libc.so.6", "python3", "README", "base", "libssl3", "libssl3.md5sums", "Packages",
]  # fmt: skip


def _paths(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    fixed = [
        "etc/os-release",
        "usr/lib/os-release",
        "var/lib/dpkg/status",
        "var/lib/dpkg/status.d/base",
        "lib/apk/db/installed",
        "var/lib/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/rpmdb.sqlite",
        "usr/lib/python3/dist-packages/foo-1.0.dist-info/METADATA",
        "usr/lib/python3/dist-packages/bar.egg-info",
        "app/.venv/lib/python3.11/site-packages/pip/_vendor/bom.cdx.json",
        "app/node_modules/@scope/name/package.json",
        "root/.aws/credentials",
        "root/.docker/config.json",
    ]
    drawn = [
        "/".join([*rng.sample(_PIECES, rng.randrange(0, 5)), rng.choice(_NAMES)])
        for _ in range(count)
    ]
    return fixed + drawn


@pytest.mark.parametrize("seed", range(3))
def test_every_planned_path_passes_its_catalogers_interest(seed: int) -> None:
    catalogers = [os_detector(), *default_catalogers()]
    planned = 0
    for path, mode in itertools.product(_paths(3000, seed), (0o644, 0o755, 0o4755)):
        for cataloger in catalogers:
            interest = getattr(cataloger, "interest", None)
            assert isinstance(interest, PathInterest), cataloger.name
            if cataloger.plan(path, 100, mode) is not None:
                planned += 1
                assert interest.admits(path, mode), (cataloger.name, path, oct(mode))
    assert planned > 1000  # the corpus does exercise the catalogers


def test_the_union_admits_what_any_part_admits() -> None:
    union = PathInterest.union(
        [
            PathInterest(suffixes=("/METADATA",)),
            PathInterest(prefixes=("var/lib/dpkg/status.d/",)),
            PathInterest(executables=True),
        ]
    )
    assert union.admits("x.dist-info/metadata", 0o644)  # lower case: a superset is fine
    assert union.admits("var/lib/dpkg/status.d/base", 0o644)
    assert union.admits("usr/bin/anything", 0o755)
    assert not union.admits("usr/share/doc/README", 0o644)


class _Asks:
    """A cataloger without an interest: it must still be asked about every file."""

    name = "asks"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        self.asked.append(path)
        return ReadPlan(1024) if path.endswith(".odd") else None

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        return CatalogResult()


def test_a_cataloger_without_an_interest_is_asked_about_every_file() -> None:
    asks = _Asks()
    image = ImageScanner([os_detector(), asks]).scan(
        [layer([f("etc/os-release", "ID=debian\n"), f("srv/data.odd", "x"), f("srv/b.txt")])]
    )
    assert sorted(asks.asked) == ["srv/b.txt", "srv/data.odd"]  # os-release planned first
    assert image.read("srv/data.odd") == b"x"
    assert image.read("etc/os-release") == b"ID=debian\n"


def test_files_outside_every_interest_are_not_planned() -> None:
    image = ImageScanner([os_detector(), *default_catalogers()]).scan(
        [layer([f("usr/share/doc/README", "text"), f("etc/os-release", "ID=debian\n")])]
    )
    assert [info.path for info in image.planned()] == ["etc/os-release"]
