"""`collect --archive`: `docker save` output of the engine's images gives the same inventory as
the engine; OCI layouts (folder and tar), legacy archives, uncompressed, gzip and zstd layers,
and multi-layer whiteouts give exactly the merged inventory."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from auditapp.cli import main
from auditapp.services.collect import collect
from auditapp.services.gather import CollectRequest
from auditapp.services.inventory import PackageView, list_images, list_packages
from auditapp.services.workspace import Workspace
from auditapp.store.models import Evidence, Image, InventorySkip, Package
from tests.catalog.layers import f, tar_bytes
from tests.conftest import OFFICER
from tests.e2e.conftest import EngineFixture, assert_database_sound, team_workspace
from tests.e2e.fixture_image import (
    ALPINE_PACKAGES,
    WHITEOUT_PACKAGES,
    debian_packages,
    whiteout_layers,
)
from tests.evidence.oci import compress, legacy_files, oci_files, sha, write_folder, write_tar

TAG = "example/app:1.0"


def packages_of(ws: Workspace) -> dict[str, set[tuple[Any, ...]]]:
    """image -> every package's (ecosystem, name, version, purl, path, licences, sources)."""
    found: dict[str, set[tuple[Any, ...]]] = {}
    for p in list_packages(ws, OFFICER):
        found.setdefault(p.image, set()).add(_row(p))
    return found


def _row(p: PackageView) -> tuple[Any, ...]:
    return (p.ecosystem, p.name, p.version, p.purl, p.path, p.licenses, p.source_name)


def triples(rows: set[tuple[Any, ...]]) -> set[tuple[str, str, str]]:
    return {row[:3] for row in rows}


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- docker save output of the engine's images ---------------------------------------------------


@pytest.fixture(scope="module")
def saved(
    engine: EngineFixture, docker_client: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """`docker save` of each image, streamed to a file."""
    folder = tmp_path_factory.mktemp("saved")
    paths = {}
    for image in (engine.debian, engine.alpine):
        path = folder / (image.tag.rsplit("/", 1)[1].replace(":", "-") + ".tar")
        with path.open("wb") as out:
            for chunk in docker_client.images.get(image.tag).save(named=True):
                out.write(chunk)
        paths[image.tag] = path
    return paths


@pytest.fixture
def image_collected(engine: EngineFixture, tmp_path: Path) -> Iterator[Workspace]:
    """The same images collected with `--image` (streamed from the engine)."""
    ws = team_workspace(f"sqlite:///{tmp_path / 'image.sqlite3'}")
    collect(ws, OFFICER, CollectRequest(images=(engine.debian.tag, engine.alpine.tag)))
    yield ws
    ws.close()


@pytest.mark.docker
def test_docker_save_archives_give_the_engine_inventory(
    engine: EngineFixture, saved: dict[str, Path], image_collected: Workspace, sqlite_ws: Workspace
) -> None:
    summary = collect(sqlite_ws, OFFICER, CollectRequest(archives=tuple(saved.values())))
    assert (summary.images, summary.incomplete) == (2, ())
    found = packages_of(sqlite_ws)
    assert triples(found[engine.debian.tag]) == debian_packages(engine.go_version)
    assert triples(found[engine.alpine.tag]) == ALPINE_PACKAGES
    assert found == packages_of(image_collected)
    views = {view.tags[0]: view for view in list_images(sqlite_ws, OFFICER)}
    engine_views = {view.tags[0]: view for view in list_images(image_collected, OFFICER)}
    for image in (engine.debian, engine.alpine):
        view = views[image.tag]
        assert (view.digest, view.complete, view.problems) == (image.id, True, ())
        assert view.os == engine_views[image.tag].os
        path = saved[image.tag]
        assert view.source == f"archive {path.resolve()} sha256:{file_sha256(path)}"
    with sqlite_ws.db.read() as session:
        sources = set(session.scalars(select(Evidence.source)))
    assert sources == {view.source for view in views.values()}
    assert_database_sound(sqlite_ws)


@pytest.mark.docker
def test_the_same_image_from_the_engine_and_an_archive_is_kept_once(
    engine: EngineFixture, saved: dict[str, Path], sqlite_ws: Workspace
) -> None:
    request = CollectRequest(images=(engine.alpine.tag,), archives=(saved[engine.alpine.tag],))
    summary = collect(sqlite_ws, OFFICER, request)
    assert summary.images == 1
    [view] = list_images(sqlite_ws, OFFICER)
    assert view.source.startswith(f"engine image {engine.alpine.tag} ")  # the first one wins
    assert view.packages == len(ALPINE_PACKAGES)


# --- OCI layouts and legacy archives, every compression, whiteouts ------------------------------

LAYERS = whiteout_layers()
DIFF_IDS = [sha(tar_bytes(layer)) for layer in LAYERS]


def write_image(how: str, compression: str, folder: Path) -> Path:
    if how == "legacy":
        return write_tar(legacy_files(LAYERS, tag=TAG), folder / "legacy.tar")
    files = oci_files(LAYERS, compression, tag=TAG)
    if how == "oci-folder":
        return write_folder(files, folder / "layout")
    return write_tar(files, folder / "oci.tar")


@pytest.mark.parametrize(
    ("how", "compression"),
    [
        ("oci-folder", "none"),
        ("oci-folder", "gzip"),
        ("oci-folder", "zstd"),
        ("oci-tar", "none"),
        ("oci-tar", "gzip"),
        ("oci-tar", "zstd"),
        ("legacy", "none"),
    ],
)
def test_whiteouts_across_layers_give_the_merged_inventory(
    how: str, compression: str, tmp_path: Path, sqlite_ws: Workspace
) -> None:
    path = write_image(how, compression, tmp_path)
    summary = collect(sqlite_ws, OFFICER, CollectRequest(archives=(path,)))
    assert (summary.images, summary.incomplete) == (1, ())
    assert summary.packages == {"apk": 1, "npm": 2, "pypi": 2}
    [view] = list_images(sqlite_ws, OFFICER)
    assert (view.tags, view.os, view.complete) == ((TAG,), "alpine 3.19.1", True)
    with sqlite_ws.db.read() as session:
        rows = session.execute(
            select(Package.ecosystem, Package.name, Package.version, Package.layer)
        )
        layers = {(e, n, v): layer for e, n, v, layer in rows}
    assert set(layers) == WHITEOUT_PACKAGES
    first, second, third = DIFF_IDS
    assert layers == {
        ("apk", "musl", "1.2.4_git20230717-r4"): second,  # the replaced database
        ("pypi", "keeplib", "2.0"): first,
        ("pypi", "oldlib", "1.1"): third,  # put back after its older version was deleted
        ("npm", "edge", "0.1.0"): first,
        ("npm", "right-pad", "1.0.1"): second,  # the opaque folder, re-populated
    }
    assert_database_sound(sqlite_ws)


def test_a_clean_archive_has_no_skipped_records(tmp_path: Path, sqlite_ws: Workspace) -> None:
    """Each cataloger reads only the files it planned, not those planned by another one."""
    path = write_image("oci-tar", "gzip", tmp_path)
    summary = collect(sqlite_ws, OFFICER, CollectRequest(archives=(path,)))
    with sqlite_ws.db.read() as session:
        skips = session.execute(select(InventorySkip.cataloger, InventorySkip.path)).all()
    assert summary.skipped == 0, skips


def test_package_metadata_that_mentions_a_key_format_is_not_a_secret(
    tmp_path: Path, sqlite_ws: Workspace
) -> None:
    """The secret scanner looks at key and credential files only, not at every planned file."""
    metadata = (
        "Metadata-Version: 2.1\nName: sshlib\nVersion: 1.0\n\n"
        "Load a key:\n\n    -----BEGIN RSA PRIVATE KEY-----\n    ...\n"
    )
    layer = [f("usr/lib/python3/dist-packages/sshlib-1.0.dist-info/METADATA", metadata)]
    summary = collect(
        sqlite_ws,
        OFFICER,
        CollectRequest(archives=(write_tar(oci_files([layer], tag=TAG), tmp_path / "x.tar"),)),
    )
    assert summary.packages == {"pypi": 1}
    assert summary.secrets == 0


def test_layers_of_mixed_compression(tmp_path: Path, sqlite_ws: Workspace) -> None:
    tars = [tar_bytes(layer) for layer in LAYERS]
    stored = {1: compress(tars[1], "zstd"), 2: tars[2]}  # gzip, zstd, uncompressed
    path = write_tar(oci_files(LAYERS, "gzip", tag=TAG, stored=stored), tmp_path / "mixed.tar")
    summary = collect(sqlite_ws, OFFICER, CollectRequest(archives=(path,)))
    assert summary.incomplete == ()
    assert triples(packages_of(sqlite_ws)[TAG]) == WHITEOUT_PACKAGES


def test_several_archives_in_one_collect(tmp_path: Path, sqlite_ws: Workspace) -> None:
    one = write_tar(oci_files(LAYERS, "zstd", tag="example/one:1"), tmp_path / "one.tar")
    two = write_tar(oci_files(LAYERS[:1], "gzip", tag="example/two:1"), tmp_path / "two.tar")
    summary = collect(sqlite_ws, OFFICER, CollectRequest(archives=(one, two)))
    assert summary.images == 2
    found = packages_of(sqlite_ws)
    assert triples(found["example/one:1"]) == WHITEOUT_PACKAGES
    assert triples(found["example/two:1"]) == {
        ("apk", name, version) for name, version in _alpine_names()
    } | {
        ("pypi", "oldlib", "1.0"),
        ("pypi", "keeplib", "2.0"),
        ("npm", "edge", "0.1.0"),
        ("npm", "left-pad", "1.3.0"),
        ("npm", "@scope/gone", "1.0.0"),
        ("maven", "org.apache.commons:commons-lang3", "3.12.0"),
    }
    with sqlite_ws.db.read() as session:
        assert session.scalar(select(Image.id).where(Image.complete.is_(False))) is None


def _alpine_names() -> set[tuple[str, str]]:
    return {(name, version) for _, name, version in ALPINE_PACKAGES}


# --- the command line, in this process ------------------------------------------------------------


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_the_cli_prints_the_summary_and_what_is_incomplete(
    tmp_path: Path, sqlite_ws: Workspace
) -> None:
    db = str(sqlite_ws.db.sqlite_path)
    good = write_image("oci-tar", "zstd", tmp_path)
    files = oci_files([[*LAYERS[0], f("../climbs-out.txt", "x")]], "gzip", tag="example/bad:1")
    bad = write_tar(files, tmp_path / "bad.tar")
    code, out, err = run_cli("--db", db, "collect", "--archive", str(good), "--archive", str(bad))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (
        "collected 2 evidence items: 2 images, 0 containers, 0 networks, 0 volumes, "
        "0 compose services"
    )
    assert lines[1].startswith("packages: 15 (5 apk, 1 maven, 5 npm, 4 pypi); skipped records: ")
    [incomplete] = [line for line in lines if line.startswith("INCOMPLETE")]
    assert incomplete.startswith("INCOMPLETE inventory: example/bad:1: layer sha256:")
    assert "entry '../climbs-out.txt' climbs out of the image; ignored" in incomplete


def test_the_cli_refuses_a_hostile_archive_in_one_line(
    tmp_path: Path, sqlite_ws: Workspace
) -> None:
    files = oci_files(LAYERS, tag=TAG)
    index = json.loads(files["index.json"])
    index["manifests"][0]["digest"] = "sha256:../../../etc/passwd"
    files["index.json"] = json.dumps(index).encode()
    path = write_tar(files, tmp_path / "hostile.tar")
    code, out, err = run_cli(
        "--db", str(sqlite_ws.db.sqlite_path), "collect", "--archive", str(path)
    )
    assert (code, out) == (2, "")
    assert err == (f"auditapp: {path}: refusing malformed digest 'sha256:../../../etc/passwd'\n")
