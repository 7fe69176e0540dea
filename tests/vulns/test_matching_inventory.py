"""Matching an inventory where several packages share a name or a version: each package gets
its own results and its own count of what could not be evaluated."""

from __future__ import annotations

import dataclasses
import gc
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from auditapp.services import vulndb, vulns
from auditapp.services.workspace import Workspace
from auditapp.store.models import Audit, Image, Package
from auditapp.store.types import utcnow
from tests.conftest import OFFICER
from tests.vulns.osv_records import record, write

GONE = "2026-01-01T00:00:00Z"

_IMAGES = {  # tag -> (os version, packages as (purl type, name, version))
    "a:1": ("12", [("pypi", "Demo", "1.0"), ("deb", "openssl", "3.0.11-1~deb12u1")]),
    "b:1": (
        "11",
        [
            ("pypi", "demo", "1.0"),
            ("pypi", "demo", "not a version!"),
            ("deb", "openssl", "3.0.11-1~deb12u1"),
        ],
    ),
    "c:1": (
        "12",
        [("pypi", "DEMO", "2.0"), ("golang", "example.com/none", "v1.0.0"), ("deb", "zlib", "1")],
    ),
}


def _inventory(ws: Workspace) -> None:
    with ws.db.write() as session:
        audit_id = session.scalar(select(Audit.id))
        for n, (tag, (os_version, packages)) in enumerate(_IMAGES.items()):
            image = Image(
                audit_id=audit_id,
                digest=f"sha256:{n:064d}",
                repo_tags=f'["{tag}"]',
                os_id="debian",
                os_version=os_version,
                collected_at=utcnow(),
            )
            session.add(image)
            session.flush()
            session.execute(
                insert(Package),
                [
                    {
                        "image_id": image.id,
                        "ecosystem": t,
                        "name": name,
                        "version": v,
                        "purl": f"pkg:{t}/{name}@{v}",
                        "path": f"p/{i}",
                    }
                    for i, (t, name, v) in enumerate(packages)
                ],
            )


def test_shared_names_and_versions_each_get_their_results(
    team_ws: Workspace, tmp_path: Path
) -> None:
    vulndb.import_paths(
        team_ws,
        [
            write(
                tmp_path / "osv",
                record("T-DEMO", "PyPI", "demo", [{"introduced": "0"}, {"fixed": "2.0"}]),
                record("T-BAD", "PyPI", "demo", [{"introduced": "0"}, {"fixed": "bad!"}]),
                record("T-LIST", "PyPI", "demo", [], versions=("1.0",)),
                # Withdrawn: neither their matches nor their unreadable fixes count.
                record(
                    "T-GONE",
                    "PyPI",
                    "demo",
                    [{"introduced": "0"}, {"fixed": "bad!"}],
                    withdrawn=GONE,
                ),
                record("T-GONE-Z", "Debian:12", "zlib", [{"introduced": "0"}], withdrawn=GONE),
                record(
                    "T-DEB",
                    "Debian:12",
                    "openssl",
                    [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}],
                ),
            )
        ],
    )
    _inventory(team_ws)
    report = vulns.list_vulns(team_ws, OFFICER)
    for view in report.vulns:  # built without __init__: exactly what __init__ would build
        fields = {f.name: getattr(view, f.name) for f in dataclasses.fields(view)}
        assert view == vulns.VulnView(**fields) and vars(view) == fields
    found = sorted((v.image, v.package, v.version, v.id, v.fixed_versions) for v in report.vulns)
    assert found == [
        ("a:1", "Demo", "1.0", "T-DEMO", ("2.0",)),
        ("a:1", "Demo", "1.0", "T-LIST", ()),
        ("a:1", "openssl", "3.0.11-1~deb12u1", "T-DEB", ("3.0.11-1~deb12u2",)),
        ("b:1", "demo", "1.0", "T-DEMO", ("2.0",)),
        ("b:1", "demo", "1.0", "T-LIST", ()),
    ]
    # T-BAD (its fix is unreadable) for each of the three readable demo packages, and each of
    # the three demo advisories for the unreadable installed version: counted per package.
    assert report.unevaluable == 6


@pytest.mark.parametrize("running", [True, False])
def test_the_collector_is_left_as_it_was(team_ws: Workspace, running: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if running else gc.disable()
        with vulns.collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is running
        with pytest.raises(RuntimeError), vulns.collector_paused():
            raise RuntimeError
        assert gc.isenabled() is running
        vulns.list_vulns(team_ws, OFFICER)
        assert gc.isenabled() is running
    finally:
        gc.enable() if was else gc.disable()
