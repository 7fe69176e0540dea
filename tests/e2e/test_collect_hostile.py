"""Hostile archives and image contents through `collect` (sections A and B of
shared/reference/hostile-inputs.md), and cancelling. Each test checks that nothing is written
outside the test's folder and that temporary files are gone (the `outside` fixture), that the
error names the file or the image is recorded as incomplete with the reason, and that the
database is unchanged, or intact with the journal verified."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from auditapp.catalog.imagefs import ScanLimits
from auditapp.catalog.inventory import take_inventory
from auditapp.catalog.registry import default_catalogers, os_detector
from auditapp.errors import AuditappError
from auditapp.evidence.archive import ImageArchive
from auditapp.progress import Cancelled, NoProgress
from auditapp.services.collect import CollectSummary, collect
from auditapp.services.gather import CollectRequest, gather
from auditapp.services.inventory import ImageView, list_images, list_packages
from auditapp.services.workspace import Workspace
from auditapp.store.models import Image, InventorySkip
from tests.catalog.layers import Entry, d, f, hard, sym, tar_bytes
from tests.conftest import OFFICER
from tests.e2e.conftest import (
    EngineFixture,
    Outside,
    Recorder,
    assert_database_sound,
    table_rows,
    team_workspace,
    where_found,
)
from tests.e2e.fixture_image import build_image, jar
from tests.evidence.oci import (
    compress,
    legacy_files,
    oci_files,
    sha,
    write_folder,
    write_tar,
)
from tests.evidence.oci import (
    config_for as original_config_for,
)

pytestmark = pytest.mark.usefixtures("outside")

TAG = "example/app:1.0"
OS = f("etc/os-release", "ID=debian\nVERSION_ID=12\n")
DPKG = "Package: good\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n"
STATUS = f("var/lib/dpkg/status", DPKG)
Layer = Sequence[Entry] | bytes


def archive(
    folder: Path,
    *layers: Layer,
    compression: str = "none",
    name: str = "image.tar",
    stale_diff_ids: bool = False,
) -> Path:
    """An OCI image archive; a layer given as bytes is stored as it is (a crafted tar)."""
    entries = [[] if isinstance(layer, bytes) else list(layer) for layer in layers]
    stored = {
        n: compress(layer, compression)
        for n, layer in enumerate(layers)
        if isinstance(layer, bytes)
    }
    files = oci_files(entries, compression, tag=TAG, stored=stored, stale_diff_ids=stale_diff_ids)
    if stale_diff_ids:  # tests/evidence/oci.py takes the flag but ignores it: state them here
        _restate_diff_ids(files, [sha(tar_bytes(layer)) for layer in entries])
    return write_tar(files, folder / name)


def run(ws: Workspace, *paths: Path) -> CollectSummary:
    return collect(ws, OFFICER, CollectRequest(archives=paths))


def names(ws: Workspace) -> set[tuple[str, str]]:
    return {(p.ecosystem, p.name) for p in list_packages(ws, OFFICER)}


def the_image(ws: Workspace) -> ImageView:
    [view] = list_images(ws, OFFICER)
    return view


def skips(ws: Workspace, cataloger: str) -> list[tuple[str, str]]:
    with ws.db.read() as session:
        rows = session.execute(
            select(InventorySkip.path, InventorySkip.reason)
            .where(InventorySkip.cataloger == cataloger)
            .order_by(InventorySkip.id)
        )
        return [(path, reason) for path, reason in rows]


def refused(ws: Workspace, path: Path, *fragments: str) -> str:
    """The collect fails with an error naming `path`, and the database is as it was."""
    before = table_rows(ws)
    with pytest.raises(AuditappError) as caught:
        run(ws, path)
    message = str(caught.value)
    assert str(path) in message
    assert all(fragment in message for fragment in fragments), message
    assert table_rows(ws) == before
    assert_database_sound(ws)
    return message


def incomplete(ws: Workspace, summary: CollectSummary, *fragments: str) -> ImageView:
    """The image is stored, marked incomplete with the reason; the database is sound."""
    view = the_image(ws)
    assert not view.complete
    problems = "; ".join(view.problems)
    assert all(fragment in problems for fragment in fragments), problems
    assert [line.startswith(f"{TAG}: ") for line in summary.incomplete] == [True]
    assert all(fragment in summary.incomplete[0] for fragment in fragments)
    assert_database_sound(ws)
    return view


def complete(ws: Workspace, summary: CollectSummary) -> ImageView:
    view = the_image(ws)
    assert (view.complete, view.problems, summary.incomplete) == (True, (), ())
    assert_database_sound(ws)
    return view


def header(name: str, kind: bytes = tarfile.REGTYPE, size: int = 0, link: str = "") -> bytearray:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, size, link
    return bytearray(info.tobuf(tarfile.USTAR_FORMAT))


def fix_checksum(block: bytearray) -> bytearray:
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return block


def data(content: bytes) -> bytes:
    return content + bytes(-len(content) % 512)


END = bytes(1024)


# --- A1, A2: names that climb out, absolute names, sibling folders --------------------------------


def test_member_names_that_climb_out_are_ignored_and_reported(
    tmp_path: Path, sqlite_ws: Workspace
) -> None:
    layer = [OS, f("../escape.txt", "x"), f("usr/../../../escape2.txt", "y"), STATUS]
    summary = run(sqlite_ws, archive(tmp_path, layer))
    incomplete(sqlite_ws, summary, "entry '../escape.txt' climbs out of the image; ignored")
    assert "'usr/../../../escape2.txt' climbs out" in the_image(sqlite_ws).problems[1]
    assert names(sqlite_ws) == {("deb", "good")}  # the rest of the layer is read


def test_absolute_and_drive_letter_names_stay_inside(
    tmp_path: Path, sqlite_ws: Workspace, outside: Outside
) -> None:
    layer = [
        OS,
        f("/var/lib/dpkg/status", DPKG),
        f(f"{outside.evil}/written.txt", "x"),
        f("C:\\Windows\\evil.txt", "x"),
        f("\\\\server\\share\\evil.txt", "x"),
    ]
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, layer)))
    [package] = list_packages(sqlite_ws, OFFICER)
    assert (package.name, package.path) == ("good", "var/lib/dpkg/status")


def test_absolute_member_names_are_reported(tmp_path: Path, sqlite_ws: Workspace) -> None:
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, [OS, f("/etc/shadow-copy", "x")])))
    [(path, reason)] = skips(sqlite_ws, "image")
    assert path == ""
    assert reason.endswith(
        "absolute name '/etc/shadow-copy' read as 'etc/shadow-copy' inside the image"
    ), reason


@pytest.mark.parametrize("field", ["Layers", "Config"])
def test_a_sibling_prefix_folder_is_refused(
    tmp_path: Path, sqlite_ws: Workspace, field: str
) -> None:
    """A layout folder `layout` whose manifest names `../layout_evil/...`: the file exists, but
    a per-component containment check refuses it."""
    files = legacy_files([[OS, STATUS]], tag=TAG)
    layout = write_folder(files, tmp_path / "layout")
    evil = tmp_path / "layout_evil"
    evil.mkdir()
    manifest = json.loads(files["manifest.json"])
    if field == "Layers":
        (evil / "layer.tar").write_bytes(files[manifest[0]["Layers"][0]])
        manifest[0]["Layers"] = ["../layout_evil/layer.tar"]
        target = "'../layout_evil/layer.tar'"
    else:
        (evil / "config.json").write_bytes(files[manifest[0]["Config"]])
        manifest[0]["Config"] = "../layout_evil/config.json"
        target = "'../layout_evil/config.json'"
    (layout / "manifest.json").write_text(json.dumps(manifest))
    refused(sqlite_ws, layout, target, "points outside the image layout")


# --- A3-A5: links ---------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["same layer", "across layers", "across archives"])
def test_a_symlink_out_then_a_file_written_through_it(
    tmp_path: Path, sqlite_ws: Workspace, outside: Outside, where: str
) -> None:
    link = sym("var/lib/dpkg", str(outside.evil))
    through = f("var/lib/dpkg/status", DPKG)
    if where == "same layer":
        paths = [archive(tmp_path, [OS, link, through])]
    elif where == "across layers":
        paths = [archive(tmp_path, [OS, link], [through])]
    else:
        paths = [
            archive(tmp_path, [OS, link], name="one.tar"),
            archive(tmp_path, [OS, through], name="two.tar"),
        ]
    summary = run(sqlite_ws, *paths)
    assert summary.incomplete == ()
    assert names(sqlite_ws) == {("deb", "good")}  # the file, inside the image; never the host's
    assert_database_sound(sqlite_ws)


CLIMB = "../" * 8


HOST_LINKS = {
    "absolute link to a host file": lambda evil: [
        d("var/lib/dpkg"),
        sym("var/lib/dpkg/status", f"{evil}/status"),
    ],
    "relative link climbing to a host file": lambda evil: [
        d("var/lib/dpkg"),
        sym("var/lib/dpkg/status", f"{CLIMB}{evil}/status"),
    ],
    "link to a host folder": lambda evil: [sym("var/lib/dpkg", str(evil))],
    "link through /proc": lambda evil: [sym("var", f"/proc/self/root/{evil.parent}")],
}


@pytest.mark.parametrize("layer", HOST_LINKS.values(), ids=HOST_LINKS.keys())
def test_links_to_host_files_are_never_followed_out(
    tmp_path: Path, sqlite_ws: Workspace, outside: Outside, layer: Any
) -> None:
    summary = run(sqlite_ws, archive(tmp_path, [OS, *layer(outside.evil)]))
    # a package database behind a link that leads nowhere in the image is not "no packages"
    assert all(
        "is a link to a file that is not in the image" in line for line in summary.incomplete
    )
    assert_database_sound(sqlite_ws)
    assert names(sqlite_ws) == set()
    assert where_found(sqlite_ws, ("host-only-package",)) == []


@pytest.mark.parametrize(
    "target",
    ["../../etc/passwd", "/etc/passwd", "../../../../../../{evil}/status", "etc/os-link"],
)
def test_hard_links_out_of_the_image_copy_nothing(
    tmp_path: Path, sqlite_ws: Workspace, outside: Outside, target: str
) -> None:
    target = target.format(evil=outside.evil)
    layer = [OS, sym("etc/os-link", "os-release"), hard("var/lib/dpkg/status", target)]
    run(sqlite_ws, archive(tmp_path, layer))
    assert names(sqlite_ws) == set()
    assert where_found(sqlite_ws, ("host-only-package", "root:x:0:0")) == []
    assert_database_sound(sqlite_ws)


def test_a_hard_link_to_a_file_that_was_read(tmp_path: Path, sqlite_ws: Workspace) -> None:
    base = "var/lib/dpkg/status.d/base"
    layer = [OS, f(base, DPKG), hard("var/lib/dpkg/status", base)]
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, layer)))
    paths = {(p.name, p.path) for p in list_packages(sqlite_ws, OFFICER)}
    assert paths == {("good", base), ("good", "var/lib/dpkg/status")}


def test_a_hard_link_to_a_file_that_went_by_unread(tmp_path: Path, sqlite_ws: Workspace) -> None:
    """The layer is read once, as a stream: a database hard-linked to a file no cataloger
    asked for cannot be read, and says so (never "no packages")."""
    layer = [OS, f("opt/status.bak", DPKG), hard("var/lib/dpkg/status", "opt/status.bak")]
    summary = run(sqlite_ws, archive(tmp_path, layer))
    incomplete(sqlite_ws, summary, "dpkg database unreadable: hard link to 'opt/status.bak'")
    assert names(sqlite_ws) == set()


def test_empty_and_dot_links_do_not_stop_the_walk(tmp_path: Path, sqlite_ws: Workspace) -> None:
    layer = [OS, sym("etc/empty", ""), sym("etc/dot", "."), sym("loop", "loop/x"), STATUS]
    run(sqlite_ws, archive(tmp_path, layer))
    assert names(sqlite_ws) == {("deb", "good")}
    assert the_image(sqlite_ws).os == "debian 12"


def test_a_cyclic_link_is_reported_and_marks_the_image_incomplete(
    tmp_path: Path, sqlite_ws: Workspace
) -> None:
    layer = [
        sym("etc/os-release", "os-release2"),
        sym("etc/os-release2", "/etc/os-release"),
        STATUS,
    ]
    summary = run(sqlite_ws, archive(tmp_path, layer))
    assert names(sqlite_ws) == {("deb", "good")}  # traversal continues
    incomplete(sqlite_ws, summary, "etc/os-release")


# --- A6, A7: digests ------------------------------------------------------------------------------


def _edit_json(files: dict[str, bytes], name: str, edit: Any) -> None:
    document = json.loads(files[name])
    edit(document)
    files[name] = json.dumps(document).encode()


def _manifest_name(files: dict[str, bytes]) -> str:
    digest: str = json.loads(files["index.json"])["manifests"][0]["digest"]
    return "blobs/sha256/" + digest.split(":")[1]


def _restate_diff_ids(files: dict[str, bytes], diff_ids: list[str]) -> None:
    """Give the image config these diff_ids, and re-address the config and the manifest."""
    manifest_name = _manifest_name(files)
    manifest = json.loads(files.pop(manifest_name))
    config = json.loads(files.pop("blobs/sha256/" + manifest["config"]["digest"].split(":")[1]))
    config["rootfs"]["diff_ids"] = diff_ids
    config_bytes = json.dumps(config).encode()
    manifest["config"].update(digest=sha(config_bytes), size=len(config_bytes))
    manifest_bytes = json.dumps(manifest).encode()
    for blob in (config_bytes, manifest_bytes):
        files["blobs/sha256/" + sha(blob).split(":")[1]] = blob
    _edit_json(
        files,
        "index.json",
        lambda doc: doc["manifests"][0].update(
            digest=sha(manifest_bytes), size=len(manifest_bytes)
        ),
    )


@pytest.mark.parametrize(
    ("where", "digest"),
    [
        ("index", "sha256:../x"),
        ("index", "sha256:../../../../etc/passwd"),
        ("config", "sha256:../../blobs/sha256/x"),
        ("layer", "sha256:" + "A" * 64),
        ("layer", "sha512:" + "0" * 128),
        ("layer", "sha256:" + "0" * 63 + "/"),
    ],
)
def test_malformed_digests_are_refused_before_any_path(
    tmp_path: Path, sqlite_ws: Workspace, where: str, digest: str
) -> None:
    files = oci_files([[OS, STATUS]], tag=TAG)
    manifest = _manifest_name(files)
    if where == "index":
        _edit_json(files, "index.json", lambda doc: doc["manifests"][0].update(digest=digest))
    elif where == "config":
        _edit_json(files, manifest, lambda doc: doc["config"].update(digest=digest))
    else:
        _edit_json(files, manifest, lambda doc: doc["layers"][0].update(digest=digest))
        # the index must keep pointing at the (edited) manifest
        new = "blobs/sha256/" + sha(files[manifest]).split(":")[1]
        files[new] = files.pop(manifest)
        _edit_json(
            files,
            "index.json",
            lambda doc: doc["manifests"][0].update(digest=sha(files[new])),
        )
    path = write_tar(files, tmp_path / "image.tar")
    refused(sqlite_ws, path, "refusing malformed digest", repr(digest))


def test_a_hostile_image_name_is_only_a_name(tmp_path: Path, sqlite_ws: Workspace) -> None:
    files = oci_files([[OS, STATUS]], tag="../../../x")
    complete(sqlite_ws, run(sqlite_ws, write_tar(files, tmp_path / "image.tar")))
    assert the_image(sqlite_ws).tags == ("../../../x",)


def test_layer_bytes_that_do_not_match_their_digest(tmp_path: Path, sqlite_ws: Workspace) -> None:
    files = oci_files([[OS], [STATUS]], "none", tag=TAG)
    manifest = json.loads(files[_manifest_name(files)])
    blob = "blobs/sha256/" + manifest["layers"][1]["digest"].split(":")[1]
    files[blob] = files[blob].replace(b"Version: 1.0-1", b"Version: 6.6-6")
    summary = run(sqlite_ws, write_tar(files, tmp_path / "image.tar"))
    incomplete(sqlite_ws, summary, f"layer {manifest['layers'][1]['digest']} does not match")


def test_layer_content_that_does_not_match_its_diff_id(
    tmp_path: Path, sqlite_ws: Workspace
) -> None:
    other = tar_bytes([OS, f("var/lib/dpkg/status", DPKG.replace("good", "swapped"))])
    lying = archive(tmp_path, [OS, STATUS], other, compression="gzip", stale_diff_ids=True)
    incomplete(sqlite_ws, run(sqlite_ws, lying), "diff_id")


# --- A8, A9: bombs, entry counts, corrupt tars ----------------------------------------------------


def test_a_gzip_bomb_stops_at_the_layer_cap(
    tmp_path: Path, sqlite_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("auditapp.evidence.archive.MAX_LAYER_BYTES", 8 * 1024 * 1024)
    size = 64 * 1024 * 1024
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip stream
    chunks = [packer.compress(bytes(header("zeros.bin", size=size)))]
    zeros = bytes(1024 * 1024)
    chunks += [packer.compress(zeros) for _ in range(size // len(zeros))]
    bomb = b"".join([*chunks, packer.flush()])
    assert len(bomb) < 100_000
    files = oci_files([[OS, STATUS], []], "gzip", tag=TAG, stored={1: bomb})
    summary = run(sqlite_ws, write_tar(files, tmp_path / "image.tar"))
    incomplete(sqlite_ws, summary, "decompresses to more than")
    assert names(sqlite_ws) == {("deb", "good")}  # the good layer is kept; `outside`: no temp


def _empty_entries(count: int) -> bytes:
    """A tar of `count` empty files, headers written by hand (tarfile is slow at this)."""
    template = header("m/0000000")
    blocks = []
    for number in range(count):
        block = bytearray(template)
        block[0:9] = b"m/%07d" % number
        blocks.append(bytes(fix_checksum(block)))
    return b"".join(blocks) + END


@pytest.fixture(scope="module")
def many_entries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive whose second layer holds 50,000 empty entries."""
    folder = tmp_path_factory.mktemp("many")
    return archive(folder, [OS, STATUS], _empty_entries(50_000), compression="gzip")


def test_many_empty_entries(many_entries: Path, sqlite_ws: Workspace) -> None:
    complete(sqlite_ws, run(sqlite_ws, many_entries))
    assert names(sqlite_ws) == {("deb", "good")}


def test_the_entry_cap_marks_the_image_incomplete(many_entries: Path) -> None:
    opened = ImageArchive(many_entries)
    [image] = opened.images
    inventory = take_inventory(
        [opened.layer_source(layer) for layer in image.layers],
        default_catalogers(),
        os_detector(),
        ScanLimits(max_entries=20_000),
    )
    assert not inventory.complete
    crowded = image.layers[1].diff_id
    assert any(
        p.startswith(f"layer {crowded}: more than 20000 entries") for p in inventory.problems
    ), inventory.problems
    assert {p.name for p in inventory.packages} == {"good"}


def _truncated() -> bytes:
    return tar_bytes([f("usr/share/doc/big.txt", "x" * 5000)])[:2048]


def _bad_checksum() -> bytes:
    raw = bytearray(tar_bytes([f("a.txt", "1")]))
    raw[10] ^= 0xFF  # a byte of the name, the checksum left as it was
    return bytes(raw)


def _pax_zero_length() -> bytes:
    records = b"0 \n"  # a record whose length is 0: reading it naively never advances
    pax = header("././@PaxHeader", tarfile.XHDTYPE, len(records))
    return bytes(pax) + data(records) + bytes(header("x")) + END


def _negative_size() -> bytes:
    block = header("negative.bin")
    block[124:136] = b"\xff" * 12  # base-256, all ones: -1
    return bytes(fix_checksum(block)) + END


def _bad_sparse() -> bytes:
    block = header("sparse.bin", b"S")  # a GNU sparse file
    block[386:482] = b"\xde\xad\xbe\xef" * 24  # a sparse map of garbage
    block[482] = 1  # "an extension block follows"
    return bytes(fix_checksum(block)) + b"\xba\xd0" * 256 + END


CORRUPT = {
    "truncated": (_truncated, "truncated archive"),
    "bad checksum": (_bad_checksum, "bad header checksum"),
    "zero-length pax record": (_pax_zero_length, "PAX record of impossible length 0"),
    "negative size": (_negative_size, "negative size"),
    "bad sparse header": (_bad_sparse, "bad checksum field"),  # the garbage read as a header
}


@pytest.mark.timeout(60)  # bounded: a hostile input must not make it loop or crawl
@pytest.mark.parametrize(("make", "reason"), CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_layer_marks_the_image_incomplete(
    tmp_path: Path, sqlite_ws: Workspace, make: Any, reason: str
) -> None:
    corrupt = make()
    summary = run(sqlite_ws, archive(tmp_path, [OS, STATUS], corrupt))
    incomplete(sqlite_ws, summary, f"layer {sha(corrupt)}: ", reason)
    assert names(sqlite_ws) == {("deb", "good")}  # the good layer is kept


# --- A10: device nodes, FIFOs, setuid bits --------------------------------------------------------


def test_devices_and_fifos_are_metadata_only(
    tmp_path: Path, sqlite_ws: Workspace, outside: Outside
) -> None:
    layer = [
        OS,
        STATUS,
        d("dev"),
        Entry("dev/null", kind=tarfile.CHRTYPE, mode=0o666),
        Entry("dev/sda", kind=tarfile.BLKTYPE, mode=0o660),
        Entry("dev/console", kind=tarfile.CHRTYPE, mode=0o4620),
        Entry("run/initctl", kind=tarfile.FIFOTYPE, mode=0o600),
        Entry("var/lib/dpkg/lock", kind=tarfile.FIFOTYPE),  # a FIFO a cataloger might open
        f("usr/bin/su", "x", mode=0o4755),
        f("usr/bin/wall", "x", mode=0o2755),
        f("usr/bin/ls", "x", mode=0o755),
    ]
    path = archive(tmp_path, layer)
    complete(sqlite_ws, run(sqlite_ws, path))
    assert names(sqlite_ws) == {("deb", "good")}
    created = {p.name for p in tmp_path.rglob("*")}
    assert not created & {"null", "sda", "console", "initctl", "lock", "su"}
    [image] = gather(CollectRequest(archives=(path,)), NoProgress()).images
    assert sorted((i.path, i.mode) for i in image.inventory.setid_files) == [
        ("usr/bin/su", 0o4755),
        ("usr/bin/wall", 0o2755),
    ]


# --- A11: whiteouts -------------------------------------------------------------------------------


def test_odd_whiteout_markers_delete_nothing(tmp_path: Path, sqlite_ws: Workspace) -> None:
    """A bare `.wh.` and `.wh..wh..opqX` are neither whiteouts nor opaque markers."""
    upper = [f(".wh."), f("var/lib/dpkg/.wh."), f("var/lib/dpkg/.wh..wh..opqX")]
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, [OS, STATUS], upper)))
    assert names(sqlite_ws) == {("deb", "good")}
    assert the_image(sqlite_ws).os == "debian 12"
    notes = [reason for _, reason in skips(sqlite_ws, "image")]
    assert len(notes) == 3 and all("odd whiteout" in note for note in notes), notes


def test_an_opaque_directory_repopulated_in_the_same_layer(
    tmp_path: Path, sqlite_ws: Workspace
) -> None:
    base = [OS, STATUS, f("lib/apk/db/installed", "P:kept\nV:1.0-r0\n")]
    upper = [
        f("var/lib/dpkg/status", DPKG.replace("good", "fresh")),
        f("var/lib/dpkg/.wh..wh..opq"),  # after the new file: the layer's own files stay
    ]
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, base, upper)))
    assert names(sqlite_ws) == {("deb", "fresh"), ("apk", "kept")}  # only that folder hidden
    assert the_image(sqlite_ws).os == "debian 12"


def test_whiteouts_in_the_base_layer_delete_nothing(tmp_path: Path, sqlite_ws: Workspace) -> None:
    """Whiteouts hide what lower layers hold; the base layer has none below it, and what the
    same layer adds stays."""
    layer = [
        f(".wh.etc"),
        f("var/lib/.wh.dpkg"),
        f("var/lib/dpkg/.wh..wh..opq"),
        OS,
        STATUS,
        f(".wh.var"),
    ]
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, layer)))
    assert names(sqlite_ws) == {("deb", "good")}
    assert the_image(sqlite_ws).os == "debian 12"


def test_a_whiteout_removes_only_its_target(tmp_path: Path, sqlite_ws: Workspace) -> None:
    site = "usr/lib/python3/dist-packages"
    base = [
        OS,
        STATUS,
        f(f"{site}/a-1.dist-info/METADATA", "Name: a\nVersion: 1\n\n"),
        f(f"{site}/ab-1.dist-info/METADATA", "Name: ab\nVersion: 1\n\n"),
    ]
    upper = [f(f"{site}/.wh.a-1.dist-info")]
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, base, upper)))
    assert names(sqlite_ws) == {("deb", "good"), ("pypi", "ab")}


# --- A12: odd names -------------------------------------------------------------------------------

SITE = "usr/lib/python3/dist-packages"


def _metadata(name: str) -> bytes:
    return f"Name: {name}\nVersion: 1.0\n\n".encode()


def test_a_name_that_is_not_utf8(tmp_path: Path, sqlite_ws: Workspace) -> None:
    content = _metadata("cafe")
    raw = header(f"{SITE}/caf\udce9-1.0.dist-info/METADATA", size=len(content))
    assert b"caf\xe9-1.0" in raw  # the byte itself, as an old writer would leave it
    layer = bytes(raw) + data(content) + END
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, [OS, STATUS], layer)))
    paths = {(p.ecosystem, p.name, p.path) for p in list_packages(sqlite_ws, OFFICER)}
    assert paths == {
        ("deb", "good", "var/lib/dpkg/status"),
        ("pypi", "cafe", f"{SITE}/caf\\xe9-1.0.dist-info/METADATA"),
    }


def test_names_over_4096_bytes(tmp_path: Path, sqlite_ws: Workspace) -> None:
    deep = f"{SITE}/" + "d" * 200 + "/e" * 2500 + "/long-1.0.dist-info/METADATA"
    assert len(deep.encode()) > 4096
    wide = "opt/" + "w" * 5000 + ".txt"  # one component far over NAME_MAX
    layer = [OS, STATUS, f(deep, _metadata("long")), f(wide, "x")]
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, layer)))
    paths = {(p.name, p.path) for p in list_packages(sqlite_ws, OFFICER)}
    assert paths == {("good", "var/lib/dpkg/status"), ("long", deep)}


def test_case_collisions_and_windows_names_overwrite_nothing(
    tmp_path: Path, sqlite_ws: Workspace, outside: Outside
) -> None:
    layer = [
        OS,
        STATUS,
        f(f"{SITE}/Pkg-1.0.dist-info/METADATA", _metadata("Upper")),
        f(f"{SITE}/pkg-1.0.dist-info/METADATA", _metadata("lower")),
        f(f"{SITE}/CON/x-1.0.dist-info/METADATA", _metadata("con")),
        f(f"{SITE}/aux.txt/y-1.0.dist-info/METADATA", _metadata("aux")),
        f(f"{SITE}/dots-1.0.dist-info./METADATA", _metadata("dotted")),
        f(f"{SITE}/dots-1.0.dist-info/METADATA", _metadata("dots")),
        f("CON", "x"),
        f("aux.txt", "x"),
        f("NUL.", "x"),
        f("etc/A", "upper"),
        f("etc/a", "lower"),
    ]
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, layer)))
    assert names(sqlite_ws) == {
        ("deb", "good"),
        ("pypi", "Upper"),
        ("pypi", "lower"),
        ("pypi", "con"),
        ("pypi", "aux"),
        ("pypi", "dots"),
    }  # `dots-1.0.dist-info.` is no dist-info folder, so not read
    assert not {"CON", "aux.txt", "NUL.", "A", "a"} & {p.name for p in tmp_path.rglob("*")}


@pytest.fixture
def pg_ws(pg_url: str) -> Iterator[Workspace]:
    """A team workspace on a fresh PostgreSQL database (its column sizes are enforced)."""
    ws = team_workspace(pg_url)
    yield ws
    ws.close()


def _config_with(architecture: str) -> Callable[..., bytes]:
    """A `tests.evidence.oci.config_for` that writes `architecture` into the config."""

    def config_for(layers: Sequence[bytes], **extra: object) -> bytes:
        config = json.loads(original_config_for(layers, **extra))
        config["architecture"] = architecture
        return json.dumps(config).encode()

    return config_for


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("os_release", "architecture", "tag"),
    [
        ("ID=" + "i" * 60 + "\nVERSION_ID=12", "amd64", TAG),
        ("ID=debian\nVERSION_ID=" + "1" * 60, "amd64", TAG),
        ("ID=debian\nVERSION_ID=12", "a" * 40, TAG),
        ("ID=debian\nVERSION_ID=12", "amd64", "example/" + "t" * 238 + ":1.0"),
    ],
    ids=["os id over 50", "version over 50", "architecture over 30", "tag over 200"],
)
def test_long_values_from_an_image_on_postgresql(
    tmp_path: Path,
    pg_ws: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    os_release: str,
    architecture: str,
    tag: str,
) -> None:
    import tests.evidence.oci as oci

    monkeypatch.setattr(oci, "config_for", _config_with(architecture))
    files = oci.oci_files([[f("etc/os-release", os_release + "\n"), STATUS]], tag=tag)
    summary = run(pg_ws, write_tar(files, tmp_path / "image.tar"))
    assert summary.images == 1 and names(pg_ws) == {("deb", "good")}
    assert the_image(pg_ws).tags == (tag,)  # a JSON list in a text column: kept whole
    fields = dict(line.split("=", 1) for line in os_release.splitlines())
    with pg_ws.db.read() as session:
        row = session.execute(select(Image.os_id, Image.os_version, Image.architecture)).one()
    assert tuple(row) == (fields["ID"][:50], fields["VERSION_ID"][:50], architecture[:30])


# --- B: catalogers --------------------------------------------------------------------------------


def test_dpkg_and_apk_bad_records_are_skipped_and_counted(
    tmp_path: Path, sqlite_ws: Workspace
) -> None:
    status = (
        "Package: good1\r\nStatus: install ok installed\r\nVersion: 1.0-1\r\n\r\n"
        "Package: nover\nStatus: install ok installed\n\n"
        "Package: badver\nStatus: install ok installed\nVersion: 1:5.#\n\n"
        "Package: huge\nStatus: install ok installed\nVersion: 1.0\n"
        f"Source: {'s' * 1024 * 1024}\n\n"
        "a line that is not a field\n\n"
        "Package: good2\nStatus: install ok installed\nVersion: 2.0"  # no final newline
    )
    installed = (
        "P:good\nV:1.0-r0\n\n"
        "garbage\nP:x\nV:1\n\n"
        "P:noversion\n\n"
        "V:1.0\n\n"
        "C:Q1abc=\nC:Q1def=\nP:twice\nV:1\n\n"
        "P:good2\nV:2.0-r1\n"
    )
    layer = [OS, f("var/lib/dpkg/status", status), f("lib/apk/db/installed", installed)]
    summary = run(sqlite_ws, archive(tmp_path, layer))
    complete(sqlite_ws, summary)
    assert names(sqlite_ws) == {
        ("deb", "good1"),
        ("deb", "good2"),
        ("apk", "good"),
        ("apk", "good2"),
    }
    assert [reason for _, reason in skips(sqlite_ws, "dpkg")] == [
        "stanza at line 5 (Package: nover): no Version field",
        "stanza at line 8 (Package: badver): version '1:5.#' is not a valid Debian version",
        "stanza at line 12 (Package: huge): Source field is longer than 512 characters",
        "stanza at line 17 (no Package field): line 17 is not a 'Field: value' line",
    ]
    assert [reason for _, reason in skips(sqlite_ws, "apk")] == [
        "record at line 4 (x): line 4 is not an 'X:value' line",
        "record at line 8 (noversion): no V: (version)",
        "record at line 10 (no name): no P: (name)",
        "record at line 12 (twice): line 13 repeats C: with a different value",
    ]
    assert summary.skipped >= 8


def _sqlite_with(statements: str, folder: Path) -> bytes:
    path = folder / "rpmdb.sqlite"
    with sqlite3.connect(path) as connection:
        connection.executescript(statements)
    connection.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda folder: b"this is not SQLite " * 20, "not an SQLite database"),
        (lambda folder: _sqlite_with("CREATE TABLE Packages (hnum INTEGER, blob BLOB);", folder)
         [:1024], "truncated"),
        (lambda folder: _sqlite_with(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);"
            "CREATE TRIGGER t AFTER INSERT ON Packages BEGIN SELECT 1; END;", folder),
         "has triggers or views"),
        (lambda folder: _sqlite_with("CREATE TABLE Other (x);", folder), "has no Packages table"),
    ],
    ids=["not sqlite", "truncated", "trigger", "no table"],
)  # fmt: skip
def test_an_rpmdb_that_cannot_be_read_is_unreadable_never_empty(
    tmp_path: Path, sqlite_ws: Workspace, make: Any, reason: str
) -> None:
    content = make(tmp_path)
    layer = [OS, f("var/lib/rpm/rpmdb.sqlite", content)]
    summary = run(sqlite_ws, archive(tmp_path, layer))
    incomplete(sqlite_ws, summary, "rpm: rpmdb unreadable", reason)
    [(path, why)] = skips(sqlite_ws, "rpm")
    assert path == "var/lib/rpm/rpmdb.sqlite" and reason in why


def test_an_rpmdb_hard_link_is_read_through(tmp_path: Path, sqlite_ws: Workspace) -> None:
    layer = [
        OS,
        f("var/lib/rpm/rpmdb.sqlite", b"this is not SQLite " * 20),
        hard("usr/lib/sysimage/rpm/rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite"),
    ]
    summary = run(sqlite_ws, archive(tmp_path, layer))
    incomplete(sqlite_ws, summary, "rpmdb unreadable: not an SQLite database")
    assert {path for path, _ in skips(sqlite_ws, "rpm")} == {
        "var/lib/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/rpmdb.sqlite",
    }


def test_a_dangling_rpmdb_symlink_is_unreadable(tmp_path: Path, sqlite_ws: Workspace) -> None:
    layer = [OS, d("var/lib/rpm"), sym("var/lib/rpm/rpmdb.sqlite", "/nowhere/rpmdb.sqlite")]
    summary = run(sqlite_ws, archive(tmp_path, layer))
    incomplete(
        sqlite_ws,
        summary,
        "var/lib/rpm/rpmdb.sqlite is a link to a file that is not in the image; not read",
    )
    assert names(sqlite_ws) == set()


def test_python_metadata_problems_are_per_file(tmp_path: Path, sqlite_ws: Workspace) -> None:
    site = "usr/lib/python3/dist-packages"
    oversized = "Name: d\nVersion: 1\n\n" + "x" * 2 * 1024 * 1024
    layer = [
        OS,
        f(f"{site}/a-1.dist-info/METADATA", "Version: 1\n\n"),
        f(f"{site}/b-1.dist-info/METADATA", "Name: b\n\n"),
        f(f"{site}/c-1.dist-info/METADATA", b"Name: c\nVersion: 1\nSummary: \xff\xfe\n\n"),
        f(f"{site}/d-1.dist-info/METADATA", oversized),
        f(f"{site}/ok-1.dist-info/METADATA", "Name: ok\nVersion: 1\n\n"),
    ]
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, layer)))
    assert names(sqlite_ws) == {("pypi", "ok")}
    assert skips(sqlite_ws, "python") == [
        (f"{site}/a-1.dist-info/METADATA", "no Name header"),
        (f"{site}/b-1.dist-info/METADATA", "no Version header (Name: b)"),
        (f"{site}/c-1.dist-info/METADATA", "headers are not UTF-8 (byte 0xff at offset 28)"),
        (f"{site}/d-1.dist-info/METADATA", f"over the size cap ({len(oversized)} bytes > 1048576)"),
    ]


@pytest.mark.timeout(60)  # bounded: a hostile input must not make it loop or crawl
def test_hostile_lockfiles_in_bounded_time(tmp_path: Path, sqlite_ws: Workspace) -> None:
    depth = 100_000
    deep = (
        '{"lockfileVersion": 1, "dependencies": '
        + '{"a": {"version": "1.0.0", "dependencies": ' * depth
        + "{}"
        + "}}" * depth
        + "}"
    )
    cycle = {"lockfileVersion": 2, "packages": {"node_modules/x": {"version": "1.0.0"}}}
    layer = [
        OS,
        f("app/package-lock.json", deep),
        f("app2/package-lock.json", '{"lockfileVersion": 99}'),
        f("app3/package-lock.json", json.dumps(cycle)),
    ]
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, layer)))
    assert names(sqlite_ws) == {("npm", "x")}
    assert skips(sqlite_ws, "npm") == [
        ("app/package-lock.json", "JSON nested too deeply to parse"),
        ("app2/package-lock.json", "unknown lockfileVersion 99"),
    ]


def test_a_truncated_elf_is_skipped_by_the_go_cataloger(
    tmp_path: Path, sqlite_ws: Workspace
) -> None:
    layer = [OS, f("usr/bin/trunc", b"\x7fELF\x02\x01\x01" + bytes(20), mode=0o755), STATUS]
    complete(sqlite_ws, run(sqlite_ws, archive(tmp_path, layer)))
    assert names(sqlite_ws) == {("deb", "good")}
    [(_, reason)] = [s for s in skips(sqlite_ws, "go") if s[0] == "usr/bin/trunc"]
    assert reason.startswith("unreadable: ") and "ELF" in reason


def test_nested_jars_over_the_depth_cap(tmp_path: Path, sqlite_ws: Workspace) -> None:
    inner = jar({"META-INF/maven/g/deepest/pom.properties": b"groupId=g\nartifactId=deepest\n"
                 b"version=1\n"})  # fmt: skip
    for level in range(12):
        inner = jar({f"lib/level{level}.jar": inner, "../../escape.txt": b"x"})
    layer = [OS, f("opt/deep.jar", inner), f("opt/not-a-zip.jar", b"not a zip at all")]
    summary = run(sqlite_ws, archive(tmp_path, layer))
    incomplete(sqlite_ws, summary, "java:")
    reasons = [reason for _, reason in skips(sqlite_ws, "java")]
    assert any("nested more than 8 archives deep: not read" in r for r in reasons)
    assert any(path == "opt/not-a-zip.jar" for path, _ in skips(sqlite_ws, "java"))
    assert ("maven", "g:deepest") not in names(sqlite_ws)


# --- A13: the engine ------------------------------------------------------------------------------


def test_an_engine_that_is_down(
    tmp_path: Path, sqlite_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-daemon.sock")
    before = table_rows(sqlite_ws)
    with pytest.raises(AuditappError, match="cannot reach the Docker Engine at unix://"):
        collect(sqlite_ws, OFFICER, CollectRequest(engine=True))
    assert table_rows(sqlite_ws) == before


@pytest.mark.docker
def test_an_image_the_engine_does_not_have(engine: EngineFixture, sqlite_ws: Workspace) -> None:
    before = table_rows(sqlite_ws)
    with pytest.raises(AuditappError, match="the engine has no image 'auditapp-e2e-no/such:0'"):
        collect(sqlite_ws, OFFICER, CollectRequest(images=("auditapp-e2e-no/such:0",)))
    assert table_rows(sqlite_ws) == before


class DeletesTheImage(Recorder):
    """Removes the image as soon as its export starts (after the engine was asked for it)."""

    def __init__(self, client: Any, tag: str) -> None:
        super().__init__()
        self.client, self.tag = client, tag

    def start(self, label: str, total: int | None = None) -> None:
        super().start(label, total)
        if label == f"exporting {self.tag}":
            self.client.images.remove(self.tag, force=True)


@pytest.mark.docker
def test_an_image_deleted_during_its_export(
    engine: EngineFixture, docker_client: Any, sqlite_ws: Workspace, tmp_path: Path
) -> None:
    tag = f"{engine.alpine.tag}-doomed"
    context = tmp_path / "doomed"
    (context / "rootfs").mkdir(parents=True)
    (context / "rootfs" / "doomed.txt").write_text(tag)  # an image of its own, one tag
    build_image(docker_client, context, "FROM scratch\nCOPY rootfs/ /\n", tag)
    before = table_rows(sqlite_ws)
    with pytest.raises(AuditappError) as caught:
        collect(
            sqlite_ws,
            OFFICER,
            CollectRequest(images=(tag,)),
            DeletesTheImage(docker_client, tag),
        )
    assert f"the engine has no image {tag!r}" in str(caught.value)
    assert table_rows(sqlite_ws) == before  # and the partial export is gone (`outside`)


# --- cancelling -----------------------------------------------------------------------------------


def test_cancelling_at_any_point_stores_nothing(tmp_path: Path, sqlite_ws: Workspace) -> None:
    """Cancel at the first, second, ... check until the collect gets through: every cancelled
    run raises Cancelled and leaves every row as it was."""
    paths = (
        archive(tmp_path, [OS, STATUS], name="one.tar"),
        archive(tmp_path, [OS], [STATUS], compression="zstd", name="two.tar"),
    )
    before = table_rows(sqlite_ws)
    cancelled = 0
    for after in range(100):
        progress = Recorder(cancel_after=after)
        try:
            collect(sqlite_ws, OFFICER, CollectRequest(archives=paths), progress)
        except Cancelled as error:
            cancelled += 1
            assert "nothing was stored" in str(error)
            assert table_rows(sqlite_ws) == before
            continue
        break
    assert cancelled >= 3 and progress.stages[-1] == "storing"
    assert table_rows(sqlite_ws) != before  # the run that got through stored it all
    assert_database_sound(sqlite_ws)


@pytest.mark.docker
@pytest.mark.parametrize("stage", ["exporting", "inventory of", "containers", "volumes"])
def test_cancelling_an_engine_collect(
    engine: EngineFixture, sqlite_ws: Workspace, stage: str
) -> None:
    before = table_rows(sqlite_ws)
    progress = Recorder(cancel_at=stage)
    with pytest.raises(Cancelled):
        collect(sqlite_ws, OFFICER, CollectRequest(engine=True), progress)
    assert progress.stages[-1].startswith(stage)
    assert table_rows(sqlite_ws) == before  # and no partial export is left (`outside`)


@pytest.mark.docker
def test_ctrl_c_during_an_export(engine: EngineFixture, sqlite_ws: Workspace) -> None:
    before = table_rows(sqlite_ws)
    progress = Recorder(interrupt_at=f"exporting {engine.debian.tag}")
    with pytest.raises(KeyboardInterrupt):
        collect(sqlite_ws, OFFICER, CollectRequest(images=(engine.debian.tag,)), progress)
    assert table_rows(sqlite_ws) == before
    assert_database_sound(sqlite_ws)


def test_ctrl_c_in_a_real_command_line(
    many_entries: Path, sqlite_ws: Workspace, outside: Outside
) -> None:
    """SIGINT to `auditapp collect` while it reads an archive: exit 130, one line, nothing
    stored, the temporary folder removed."""
    before = table_rows(sqlite_ws)
    env = {
        **os.environ,
        "TMPDIR": str(outside.scratch),
        "AUDITAPP_DB": str(sqlite_ws.db.sqlite_path),
    }
    # 20 copies of the archive (copies: a file named twice is read once), read one after the
    # other: the collect lasts long enough for the signal to find it gathering however loaded
    # the machine is
    copies = []
    for n in range(20):
        copy = outside.tmp_path / f"many-{n:02d}.tar"
        shutil.copyfile(many_entries, copy)
        copies += ["--archive", str(copy)]
    child = subprocess.Popen(
        [sys.executable, "-m", "auditapp", "collect", *copies],
        # Ctrl-C as a terminal delivers it: a test run started in the background (`cmd &`)
        # inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(outside.scratch.glob("auditapp-collect-*")):  # it is gathering
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.005)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert (child.returncode, out) == (130, "")
    assert err == "auditapp: cancelled; nothing was half-stored\n"
    assert table_rows(sqlite_ws) == before
