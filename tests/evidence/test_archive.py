"""Image archives in every layout and compression, and archives that lie or attack."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from auditapp.catalog.imagefs import ImageScanner
from auditapp.catalog.interface import CatalogResult, ImageFiles, OsRelease, ReadPlan
from auditapp.evidence import EvidenceError
from auditapp.evidence.archive import ImageArchive
from tests.catalog.layers import f, tar_bytes
from tests.evidence.oci import legacy_files, oci_files, write_folder, write_tar

LAYERS = [
    [f("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n"), f("app/a.txt", "one")],
    [f("app/.wh.a.txt"), f("app/b.txt", "two")],
]


class Everything:
    name = "everything"

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        return ReadPlan(1 << 20)

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        return CatalogResult()


def _merged(archive: ImageArchive):  # type: ignore[no-untyped-def]
    (image,) = archive.images
    assert [archive.verify_layer(layer) for layer in image.layers] == [None, None]
    return ImageScanner([Everything()]).scan([archive.layer_source(x) for x in image.layers])


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
@pytest.mark.parametrize("as_folder", [False, True])
def test_oci_layouts(tmp_path: Path, compression: str, as_folder: bool) -> None:
    files = oci_files(LAYERS, compression)
    path = (
        write_folder(files, tmp_path / "layout")
        if as_folder
        else write_tar(files, tmp_path / "image.tar")
    )
    archive = ImageArchive(path)
    assert archive.images[0].repo_tags == ("example/app:1.0",)
    assert [layer.compression for layer in archive.images[0].layers] == [compression] * 2
    merged = _merged(archive)
    assert merged.complete
    assert merged.read("app/b.txt") == b"two" and merged.read("app/a.txt") is None
    assert merged.read(
        "etc/os-release",
    ).startswith(b"ID=alpine")  # type: ignore[union-attr]


def test_legacy_docker_save(tmp_path: Path) -> None:
    archive = ImageArchive(write_tar(legacy_files(LAYERS), tmp_path / "save.tar"))
    (image,) = archive.images
    assert image.repo_tags == ("example/app:1.0",)
    assert image.config["config"]["Env"] == ["PATH=/usr/bin"]
    assert _merged(archive).read("app/b.txt") == b"two"


def _expect(path: Path, message: str) -> None:
    with pytest.raises(EvidenceError) as caught:
        ImageArchive(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "x.tar"
    path.write_bytes(b"hello" * 300)
    _expect(path, "not a readable image archive")


def test_a_tar_that_is_not_an_image(tmp_path: Path) -> None:
    _expect(write_tar({"readme.txt": b"hi"}, tmp_path / "x.tar"), "neither a `docker save`")


@pytest.mark.parametrize("digest", ["sha256:../../../etc/passwd", "sha256:ABC", "md5:00", 7])
def test_malformed_digests_are_refused_before_any_path(tmp_path: Path, digest: object) -> None:
    files = oci_files(LAYERS)
    index = json.loads(files["index.json"])
    index["manifests"][0]["digest"] = digest
    files["index.json"] = json.dumps(index).encode()
    _expect(write_tar(files, tmp_path / "x.tar"), "malformed digest")


def test_layer_bytes_that_do_not_match_their_digest(tmp_path: Path) -> None:
    files = oci_files(LAYERS, "none")
    manifest_name = next(
        n for n, b in files.items() if b.startswith(b'{"schemaVersion": 2, "media')
    )
    layer_digest = json.loads(files[manifest_name])["layers"][1]["digest"]
    name = "blobs/sha256/" + layer_digest.split(":")[1]
    files[name] = files[name].replace(b"two", b"TWO")
    archive = ImageArchive(write_tar(files, tmp_path / "x.tar"))
    problems = [archive.verify_layer(layer) for layer in archive.images[0].layers]
    assert problems[0] is None
    assert problems[1] is not None and "does not match its digest" in problems[1]


def test_missing_blob_and_layer_count_mismatch(tmp_path: Path) -> None:
    files = oci_files(LAYERS)
    del files[next(n for n in files if n.startswith("blobs/") and files[n][:2] == b"\x1f\x8b")]
    _expect(write_tar(files, tmp_path / "a.tar"), "the archive has no file")
    legacy = legacy_files(LAYERS)
    manifest = json.loads(legacy["manifest.json"])
    manifest[0]["Layers"] = manifest[0]["Layers"][:1]
    legacy["manifest.json"] = json.dumps(manifest).encode()
    _expect(write_tar(legacy, tmp_path / "b.tar"), "lists 2 layers")


def test_layout_symlink_out_of_the_folder(tmp_path: Path) -> None:
    files = oci_files(LAYERS)
    layout = write_folder(files, tmp_path / "layout")
    secret = tmp_path / "layout_evil"
    secret.mkdir()
    config_name = next(n for n in files if b'"rootfs"' in files[n])
    (secret / "x").write_bytes(files[config_name])
    (layout / config_name).unlink()
    os.symlink(secret / "x", layout / config_name)
    _expect(layout, "points outside the image layout")


def test_manifest_that_is_not_json(tmp_path: Path) -> None:
    _expect(write_tar({"manifest.json": b"\xff\xfe{"}, tmp_path / "x.tar"), "not valid JSON")


def test_a_gzip_bomb_layer_stops_at_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import auditapp.evidence.archive as archive_module

    monkeypatch.setattr(archive_module, "MAX_LAYER_BYTES", 10 * 1024 * 1024)
    bomb = gzip.compress(tar_bytes([f("zeros.bin", bytes(40 * 1024 * 1024))]), mtime=0)
    assert len(bomb) < 100_000
    archive = ImageArchive(
        write_tar(oci_files(LAYERS, "gzip", stored={1: bomb}), tmp_path / "bomb.tar")
    )
    merged = ImageScanner([Everything()]).scan(
        [archive.layer_source(x) for x in archive.images[0].layers]
    )
    assert merged.read("etc/os-release") is not None  # the good layer is kept
    assert not merged.complete
    assert "decompresses to more than 10485760 bytes" in merged.problems[0]


def test_corrupt_zstd_layer(tmp_path: Path) -> None:
    archive = ImageArchive(
        write_tar(
            oci_files(LAYERS, "zstd", stored={1: b"\x28\xb5\x2f\xfd" + b"garbage" * 50}),
            tmp_path / "z.tar",
        )
    )
    merged = ImageScanner([Everything()]).scan(
        [archive.layer_source(x) for x in archive.images[0].layers]
    )
    assert not merged.complete
    assert "zstd" in merged.problems[0]
