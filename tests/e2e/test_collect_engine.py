"""`collect --engine` and `collect --image` against the real Docker Engine: exact inventories of
images built FROM scratch, containers with varied host configuration, networks and volumes,
components, digests, secret findings, and a database that holds none of the planted secrets."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from auditapp.analysis.collected import SECRET_FILE_RULE, SECRET_RULE
from auditapp.cli import main
from auditapp.progress import NoProgress
from auditapp.services.collect import CollectSummary, collect
from auditapp.services.components import list_components
from auditapp.services.gather import CollectRequest, gather
from auditapp.services.inventory import PackageView, list_images, list_packages
from auditapp.services.workspace import Workspace
from auditapp.store.models import Blob, Evidence, Finding, Image, InventorySkip, Package
from tests.conftest import OFFICER
from tests.e2e.conftest import (
    PREFIX,
    EngineFixture,
    Recorder,
    assert_database_sound,
    where_found,
    workspace_on,
)
from tests.e2e.fixture_image import (
    ALPINE_PACKAGES,
    APK_SOURCES,
    DEB_SOURCES,
    GO_BINARY_PATH,
    PLANTED,
    PLANTED_COMMAND,
    SETUID_PATH,
    build_image,
    debian_packages,
)

pytestmark = pytest.mark.docker


@dataclass
class Collected:
    ws: Workspace
    summary: CollectSummary
    progress: Recorder


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def collected(
    request: pytest.FixtureRequest, engine: EngineFixture, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Collected]:
    """One `collect --engine` per database backend, shared by the tests that read it back."""
    with workspace_on(request.param, tmp_path_factory.mktemp("engine-db"), request) as ws:
        progress = Recorder()
        summary = collect(ws, OFFICER, CollectRequest(engine=True), progress)
        yield Collected(ws, summary, progress)


def triples(packages: list[PackageView]) -> set[tuple[str, str, str]]:
    return {(p.ecosystem, p.name, p.version) for p in packages}


def by_image(ws: Workspace) -> dict[str, list[PackageView]]:
    found: dict[str, list[PackageView]] = {}
    for package in list_packages(ws, OFFICER):
        found.setdefault(package.image, []).append(package)
    return found


def snapshots(ws: Workspace, kind: str) -> dict[str, Any]:
    """title -> the stored JSON snapshot of every evidence item of `kind`."""
    with ws.db.read() as session:
        rows = session.execute(
            select(Evidence.title, Blob.data)
            .join(Blob, Blob.sha256 == Evidence.sha256)
            .where(Evidence.kind == kind)
        ).all()
    return {title: json.loads(bytes(data)) for title, data in rows}


# --- the inventory ------------------------------------------------------------------------------


def test_each_image_has_exactly_the_expected_packages(
    collected: Collected, engine: EngineFixture
) -> None:
    packages = by_image(collected.ws)
    assert triples(packages[engine.debian.tag]) == debian_packages(engine.go_version)
    assert triples(packages[engine.alpine.tag]) == ALPINE_PACKAGES


def test_packages_per_component(collected: Collected, engine: EngineFixture) -> None:
    api = list_packages(collected.ws, OFFICER, component=engine.api)
    assert triples(api) == debian_packages(engine.go_version)
    assert all(p.components == (engine.api,) for p in api)
    admin = list_packages(collected.ws, OFFICER, component=engine.admin, ecosystem="apk")
    assert triples(admin) == ALPINE_PACKAGES


def test_source_packages_are_kept(collected: Collected, engine: EngineFixture) -> None:
    packages = by_image(collected.ws)
    debs = {
        (p.name, p.version, p.source_name, p.source_version)
        for p in packages[engine.debian.tag]
        if p.ecosystem == "deb"
    }
    assert debs == DEB_SOURCES
    apks = {(p.name, p.version, p.source_name) for p in packages[engine.alpine.tag]}
    assert apks == APK_SOURCES


def test_paths_purls_licences_and_layers(
    collected: Collected, engine: EngineFixture, docker_client: Any
) -> None:
    packages = {(p.ecosystem, p.name): p for p in by_image(collected.ws)[engine.debian.tag]}
    libc = packages["deb", "libc6"]
    assert libc.purl == "pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12"
    assert libc.path == "var/lib/dpkg/status"  # not status-old
    assert packages["pypi", "requests"].path == (
        "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA"
    )
    assert packages["pypi", "Flask"].purl == "pkg:pypi/flask@3.0.0"
    assert packages["pypi", "Flask"].licenses == ("BSD-3-Clause",)
    assert packages["npm", "@types/node"].purl == "pkg:npm/%40types/node@20.11.0"
    assert packages["npm", "debug"].path == (
        "srv/app/node_modules/express/node_modules/debug/package.json"
    )
    jackson = packages["maven", "com.fasterxml.jackson.core:jackson-core"]
    assert jackson.path == (
        "opt/payments/payments-core-2.3.1.jar!BOOT-INF/lib/jackson-core-2.15.2.jar"
    )
    assert packages["golang", "example.com/greet"].path == GO_BINARY_PATH
    # the COPY layer holds every package file; its diff_id is what the engine reports
    copy_layer = docker_client.images.get(engine.debian.tag).attrs["RootFS"]["Layers"][0]
    with collected.ws.db.read() as session:
        layers = session.scalars(
            select(Package.layer).join(Image).where(Image.digest == engine.debian.id)
        ).all()
    assert set(layers) == {copy_layer}


def test_images_are_complete_with_their_digests(
    collected: Collected, engine: EngineFixture
) -> None:
    images = {view.tags[0]: view for view in list_images(collected.ws, OFFICER) if view.tags}
    debian, alpine = images[engine.debian.tag], images[engine.alpine.tag]
    assert (debian.digest, alpine.digest) == (engine.debian.id, engine.alpine.id)
    assert (debian.os, alpine.os) == ("debian 12", "alpine 3.19.1")
    assert debian.complete and alpine.complete
    assert debian.problems == alpine.problems == ()
    assert debian.packages == len(debian_packages(engine.go_version))
    assert (debian.components, alpine.components) == ((engine.api,), (engine.admin,))
    assert debian.source.startswith(f"engine image {engine.debian.tag} sha256:")
    assert not any(
        engine.debian.tag in line or engine.alpine.tag in line
        for line in collected.summary.incomplete
    )


def test_a_clean_image_has_no_skipped_records(collected: Collected, engine: EngineFixture) -> None:
    """Each cataloger reads only the files it planned, not those planned by another one."""
    images = {view.tags[0]: view for view in list_images(collected.ws, OFFICER) if view.tags}
    with collected.ws.db.read() as session:
        skips = session.execute(select(InventorySkip.cataloger, InventorySkip.path)).all()
    assert (images[engine.debian.tag].skipped, images[engine.alpine.tag].skipped) == (0, 0), skips


def test_the_summary(collected: Collected, engine: EngineFixture) -> None:
    summary = collected.summary
    assert summary.images >= 2 and summary.containers >= 2
    assert summary.networks >= 3 and summary.volumes >= 1  # host, none, ours (+ others')
    expected = debian_packages(engine.go_version) | ALPINE_PACKAGES
    for ecosystem in {e for e, _, _ in expected}:
        assert summary.packages[ecosystem] >= sum(1 for e, _, _ in expected if e == ecosystem)
    assert set(engine.containers) <= set(summary.components)
    assert summary.secrets >= 5
    stages = collected.progress.stages
    assert stages[-1] == "storing"
    assert {"images", "containers", "networks", "volumes"} <= set(stages)
    assert f"inventory of {engine.debian.tag}" in stages


# --- containers, networks, volumes and components -------------------------------------------------


def test_containers_become_components_with_image_digests(
    collected: Collected, engine: EngineFixture
) -> None:
    components = {c.name: c for c in list_components(collected.ws, OFFICER)}
    api, admin = components[engine.api], components[engine.admin]
    assert (api.image_ref, api.image_digest) == (engine.debian.tag, engine.debian.id)
    assert (admin.image_ref, admin.image_digest) == (engine.alpine.tag, engine.alpine.id)
    # the images are used by those containers, so they get no components of their own
    assert engine.debian.tag not in components and engine.alpine.tag not in components


def test_container_settings_are_in_the_evidence(
    collected: Collected, engine: EngineFixture
) -> None:
    containers = snapshots(collected.ws, "engine-container")
    api = containers[f"container {engine.api}"]["HostConfig"]
    assert api["CapAdd"] == ["NET_ADMIN"] and api["CapDrop"] == ["ALL"]
    assert api["ReadonlyRootfs"] is True and api["Privileged"] is False
    assert api["Binds"] == [f"{engine.bind_source}:/srv/config:ro"]
    assert api["PortBindings"] == {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}
    assert api["NetworkMode"] == engine.network
    config = containers[f"container {engine.api}"]["Config"]
    assert config["User"] == "10001"
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["API_TOKEN"] == "<redacted>"
    assert "LOG_LEVEL" in env  # names are kept
    admin = containers[f"container {engine.admin}"]
    assert admin["HostConfig"]["Privileged"] is True
    assert admin["HostConfig"]["NetworkMode"] == "none"
    assert [(m["Type"], m["Name"], m["Destination"]) for m in admin["Mounts"]] == [
        ("volume", engine.volume, "/data")
    ]
    assert "--db-password" in admin["Args"] and PLANTED_COMMAND not in admin["Args"]


def test_networks_volumes_and_the_daemon_are_in_the_evidence(
    collected: Collected, engine: EngineFixture
) -> None:
    network = snapshots(collected.ws, "engine-network")[f"network {engine.network}"]
    assert (network["Driver"], network["Internal"]) == ("bridge", True)
    volume = snapshots(collected.ws, "engine-volume")[f"volume {engine.volume}"]
    assert volume["Labels"] == {"purpose": "e2e"}
    (daemon,) = snapshots(collected.ws, "engine-daemon").values()
    assert daemon["version"]["ApiVersion"] and daemon["info"]["Driver"]
    with collected.ws.db.read() as session:
        sources = set(
            session.scalars(select(Evidence.source).where(Evidence.kind == "engine-volume"))
        )
    assert len(sources) == 1
    assert sources.pop() == f"engine {daemon['info']['ID']} at {_docker_host()}"


def _docker_host() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


# --- secrets ------------------------------------------------------------------------------------


def test_secret_findings_name_the_place(collected: Collected, engine: EngineFixture) -> None:
    with collected.ws.db.read() as session:
        findings = session.execute(
            select(Finding.rule_id, Finding.component, Finding.location, Finding.severity)
        ).all()
    ours = {
        (r, c, loc)
        for r, c, loc, _ in findings
        if c in (engine.api, engine.admin, engine.debian.tag)
    }
    tag = engine.debian.tag
    assert (SECRET_RULE, tag, f"image {tag} Config Env: DB_PASSWORD") in ours
    assert (SECRET_RULE, tag, f"image {tag} Config Labels: com.example.api-token") in ours
    assert (SECRET_RULE, engine.api, f"container {engine.api} Env: API_TOKEN") in ours
    assert any(r == SECRET_RULE and c == engine.admin and "Args" in loc for r, c, loc in ours)
    [key] = [loc for r, c, loc in ours if r == SECRET_FILE_RULE]
    assert key.startswith("root/.ssh/id_rsa (layer sha256:")
    assert all(severity == "high" for *_, severity in findings)


def test_no_planted_secret_is_anywhere_in_the_database(collected: Collected) -> None:
    assert where_found(collected.ws, PLANTED) == []


def test_setuid_files_are_kept_as_evidence(collected: Collected, engine: EngineFixture) -> None:
    """CIS 4.8 needs them later; they are read only while the layers are walked."""
    facts = snapshots(collected.ws, "image-setid-files")
    snapshot = facts[f"setuid/setgid files in {engine.debian.tag}"]
    assert [(f["path"], f["mode"]) for f in snapshot["files"]] == [(SETUID_PATH, "0o4755")]


def test_the_journal_and_the_database_are_sound(collected: Collected) -> None:
    assert_database_sound(collected.ws)


# --- collect --image: streamed from the engine --------------------------------------------------


@pytest.mark.usefixtures("outside")  # the exports are streamed to temporary files, then removed
def test_collect_image_streams_the_same_inventory(
    engine: EngineFixture, collected: Collected, sqlite_ws: Workspace
) -> None:
    ws = sqlite_ws
    summary = collect(ws, OFFICER, CollectRequest(images=(engine.debian.tag, engine.alpine.tag)))
    assert (summary.images, summary.containers, summary.incomplete) == (2, 0, ())
    assert _full(by_image(ws)) == {
        tag: rows
        for tag, rows in _full(by_image(collected.ws)).items()
        if tag in (engine.debian.tag, engine.alpine.tag)
    }
    images = {view.tags[0]: view for view in list_images(ws, OFFICER)}
    assert images[engine.debian.tag].source.startswith(f"engine image {engine.debian.tag} sha256:")
    # no containers were collected: each image becomes a component of its own
    names = {c.name: c for c in list_components(ws, OFFICER)}
    assert names[engine.debian.tag].image_digest == engine.debian.id


def _full(packages: dict[str, list[PackageView]]) -> dict[str, set[tuple[Any, ...]]]:
    return {
        image: {(p.ecosystem, p.name, p.version, p.purl, p.path, p.licenses) for p in rows}
        for image, rows in packages.items()
    }


def test_collecting_again_updates_rather_than_duplicates(
    engine: EngineFixture, sqlite_ws: Workspace
) -> None:
    ws = sqlite_ws
    request = CollectRequest(images=(engine.debian.tag,))
    collect(ws, OFFICER, request)
    first = (list_packages(ws, OFFICER), list_components(ws, OFFICER), _findings(ws))
    collect(ws, OFFICER, request)
    second = (list_packages(ws, OFFICER), list_components(ws, OFFICER), _findings(ws))
    assert first == second
    assert_database_sound(ws)


def _findings(ws: Workspace) -> list[tuple[str, str]]:
    with ws.db.read() as session:
        rows = session.execute(select(Finding.rule_id, Finding.location))
        return sorted((rule, location) for rule, location in rows)


# --- the command line, in this process ------------------------------------------------------------


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_the_cli_collects_from_the_engine(engine: EngineFixture, sqlite_ws: Workspace) -> None:
    db = str(sqlite_ws.db.sqlite_path)
    code, out, err = run_cli("--db", db, "collect", "--engine", "--json")
    assert (code, err) == (0, "")
    summary = json.loads(out)
    assert set(engine.containers) <= set(summary["components"])
    assert summary["packages"]["deb"] >= len(DEB_SOURCES)

    code, out, err = run_cli("--db", db, "packages", "--component", engine.api, "--json")
    assert code == 0, err
    found = {(p["ecosystem"], p["name"], p["version"]) for p in json.loads(out)}
    assert found == debian_packages(engine.go_version)

    code, out, _ = run_cli("--db", db, "images", "--json")
    images = {i["tags"][0]: i for i in json.loads(out) if i["tags"]}
    assert images[engine.alpine.tag]["complete"] is True
    assert images[engine.alpine.tag]["digest"] == engine.alpine.id

    code, out, _ = run_cli("--db", db, "components", "--json")
    components = {c["name"]: c for c in json.loads(out)}
    assert components[engine.admin]["image_digest"] == engine.alpine.id

    code, out, _ = run_cli("--db", db, "images")  # the table a person reads
    line = next(line for line in out.splitlines() if line.startswith(engine.debian.tag))
    assert "debian 12" in line and "yes" in line and engine.api in line


def test_the_setuid_file_and_the_private_key_are_in_the_inventory(engine: EngineFixture) -> None:
    gathered = gather(CollectRequest(images=(engine.debian.tag,)), NoProgress())
    [image] = gathered.images
    assert [(i.path, i.mode) for i in image.inventory.setid_files] == [(SETUID_PATH, 0o4755)]
    assert [(s.path, s.kind) for s in image.inventory.secrets] == [
        ("root/.ssh/id_rsa", "private key")
    ]
    assert image.inventory.os_release is not None
    assert image.inventory.os_release.pretty_name == "Debian GNU/Linux 12 (bookworm)"


def test_an_image_is_recorded_under_the_tag_it_was_asked_for(
    docker_client: Any, tmp_path: Path, sqlite_ws: Workspace
) -> None:
    context = tmp_path / "twotags"
    (context / "rootfs").mkdir(parents=True)
    (context / "rootfs" / "x.txt").write_text("two tags")
    asked, other = f"{PREFIX}/zz-asked:1", f"{PREFIX}/aa-other:1"
    image = build_image(docker_client, context, "FROM scratch\nCOPY rootfs/ /\n", asked)
    try:
        image.tag(other)
        collect(sqlite_ws, OFFICER, CollectRequest(images=(asked,)))
        [view] = list_images(sqlite_ws, OFFICER)
        assert asked in view.tags
    finally:
        for tag in (asked, other):
            docker_client.images.remove(tag, force=True)
