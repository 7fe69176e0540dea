"""Checking an archive's digests on a background thread, started as early as the CLI can."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from auditapp.cli import _archives_to_collect
from auditapp.evidence import EvidenceError
from auditapp.evidence.archive import ArchiveVerification, ImageArchive
from tests.catalog.layers import f
from tests.evidence.oci import legacy_files, oci_files, write_folder, write_tar

LAYERS = [[f("etc/os-release", "ID=debian\n")], [f("app/main.py", "print(1)\n")]]


@pytest.mark.parametrize("layout", ["legacy", "oci", "folder"])
def test_the_background_check_gives_what_verify_gives(tmp_path: Path, layout: str) -> None:
    files = legacy_files(LAYERS) if layout == "legacy" else oci_files(LAYERS, "gzip")
    path = (
        write_folder(files, tmp_path / "layout")
        if layout == "folder"
        else write_tar(files, tmp_path / "image.tar")
    )
    archive = ImageArchive(path)
    whole, problems = ArchiveVerification(archive).result()
    assert (whole, problems) == archive.verify()
    expected = "" if layout == "folder" else hashlib.sha256(path.read_bytes()).hexdigest()
    assert whole == expected
    assert set(problems.values()) == {None}


def test_a_layer_whose_bytes_changed_is_named(tmp_path: Path) -> None:
    path = write_tar(legacy_files(LAYERS), tmp_path / "image.tar")
    archive = ImageArchive(path)
    layer = archive.images[0].layers[1]
    raw = bytearray(path.read_bytes())
    raw[layer.start + 600] ^= 0xFF  # inside the layer's first file, after its tar header
    path.write_bytes(bytes(raw))
    _, problems = ArchiveVerification(archive).result()
    assert problems[archive.images[0].layers[0]] is None
    assert "does not match its digest" in (problems[layer] or "")


def test_a_cancelled_check_fails_instead_of_answering(tmp_path: Path) -> None:
    archive = ImageArchive(write_tar(legacy_files(LAYERS), tmp_path / "image.tar"))
    with pytest.raises(EvidenceError, match="cancelled"):
        archive.verify(cancelled=lambda: True)
    folder = ImageArchive(write_folder(oci_files(LAYERS, "none"), tmp_path / "layout"))
    with pytest.raises(EvidenceError, match="cancelled"):
        folder.verify(cancelled=lambda: True)


@pytest.mark.parametrize(
    ("argv", "archives"),
    [
        (["collect", "--archive", "a.tar", "--archive=b.tar", "--json"], ["a.tar", "b.tar"]),
        (["--db", "x.db", "collect", "--engine", "--archive", "c.tar"], ["c.tar"]),
        (["collect", "--compose", "compose.yaml"], []),
        (["packages", "--json"], []),
        (["collect", "--arch", "a.tar"], []),  # abbreviations get no head start, only that
    ],
)
def test_the_archives_a_collect_names_are_found_before_parsing(
    argv: list[str], archives: list[str]
) -> None:
    assert _archives_to_collect(argv) == archives
