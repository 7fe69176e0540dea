"""The merged view against a plain reference model of OCI layer semantics, on random layers:
whiteouts, opaque folders, files over folders and back, odd names, many entries per folder."""

from __future__ import annotations

import random
import tarfile

import pytest

from auditapp.catalog.imagefs import ImageScanner
from auditapp.catalog.interface import CatalogResult, ImageFiles, OsRelease, ReadPlan
from auditapp.catalog.merged import MergedImage, normal_path
from tests.catalog.layers import Entry, d, f, hard, layer, sym

_WORDS = ["a", "b", "c", "a-b", "a.b", "lib", "bin"]
_ODD = ["./a/b", "a//b", "/a/c", "a/./b", "a\\b", "a/b/", "./", "a/../b", "/"]
View = dict[str, tuple[str, str]]  # path -> (kind, layer digest; "" for implied folders)


def _random_layer(rng: random.Random, number: int) -> list[Entry]:
    entries = []
    for _ in range(rng.randrange(1, 25)):
        path = "/".join(rng.choice(_WORDS) for _ in range(rng.randrange(1, 4)))
        roll = rng.random()
        if roll < 0.35:
            entries.append(f(path, f"{number}:{path}", mode=rng.choice([0o644, 0o4755])))
        elif roll < 0.6:
            entries.append(d(path))
        elif roll < 0.7:
            entries.append(sym(path, rng.choice(_WORDS)))
        elif roll < 0.8:
            head, _, tail = path.rpartition("/")
            entries.append(f(f"{head}/.wh.{tail}" if head else f".wh.{tail}"))
        elif roll < 0.85:
            entries.append(f(f"{path}/.wh..wh..opq"))
        else:
            entries.append(f(rng.choice(_ODD), "odd"))
    return entries


def _reference(layers: list[tuple[str, list[Entry]]]) -> View:
    """OCI semantics on a flat path -> kind map, written for clarity, not speed."""
    view: View = {}

    def remove_tree(path: str) -> None:
        for key in [k for k in view if k == path or k.startswith(path + "/")]:
            del view[key]

    for digest, entries in layers:
        added, deletions, opaque = [], [], []
        for entry in entries:
            path = normal_path(entry.name)
            if not path:
                continue
            head, _, base = path.rpartition("/")
            if base == ".wh..wh..opq":
                opaque.append(head)
            elif base.startswith(".wh."):
                if base != ".wh." and not base.startswith(".wh..wh."):
                    deletions.append(f"{head}/{base[4:]}" if head else base[4:])
            else:
                kind = {tarfile.DIRTYPE: "dir", tarfile.SYMTYPE: "symlink"}.get(entry.kind, "file")
                added.append((path, kind))
        for folder in opaque:
            if not folder or view.get(folder, ("",))[0] == "dir":
                for key in [k for k in view if k.startswith(folder + "/" if folder else "")]:
                    del view[key]
        for path in deletions:
            head = path.rpartition("/")[0]
            if not head or view.get(head, ("",))[0] == "dir":
                remove_tree(path)
        for path, kind in added:
            parts = path.split("/")
            for depth in range(1, len(parts)):
                parent = "/".join(parts[:depth])
                if view.get(parent, ("",))[0] != "dir":
                    view[parent] = ("dir", "")
            if kind == "dir" and view.get(path, ("",))[0] == "dir":
                view[path] = ("dir", digest)  # a folder again: what is in it stays
                continue
            remove_tree(path)
            view[path] = (kind, digest)
    return view


def _merged(image: MergedImage) -> View:
    return {path: (node.type.value, node.layer) for path, node in image.walk()}


@pytest.mark.parametrize("seed", range(40))
def test_random_layers_merge_as_the_reference_model_says(seed: int) -> None:
    rng = random.Random(seed)
    layers = [(f"sha256:{n:064d}", _random_layer(rng, n)) for n in range(rng.randrange(1, 5))]
    image = ImageScanner([_Everything()]).scan(
        [layer(entries, digest) for digest, entries in layers]
    )
    assert _merged(image) == _reference(layers)
    # what the catalogers are handed comes in the order of the walk
    walked = list(image.walk())
    assert [i.path for i in image.planned()] == [p for p, n in walked if n.planned]
    assert [i.path for i in image.setid_files()] == [
        p for p, n in walked if n.type.value == "file" and n.mode & 0o6000
    ]
    assert image.dangling_links(lambda path: True) == [
        p for p, n in walked if n.type.value == "symlink" and image.info(p) is None
    ]


class _Everything:
    name = "everything"

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        return ReadPlan(1 << 20)

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        return CatalogResult()


def test_a_file_then_a_folder_at_one_path_in_one_layer() -> None:
    image = ImageScanner([]).scan(
        [
            layer([f("x/old.txt", "1")], "sha256:1"),
            layer([f("x", "file"), d("x"), f("x/new.txt", "2")], "sha256:2"),
        ]
    )
    assert _merged(image) == {
        "x": ("dir", "sha256:2"),
        "x/new.txt": ("file", "sha256:2"),
    }


def test_a_hard_link_to_a_file_written_twice_in_its_layer_takes_the_last() -> None:
    image = ImageScanner([]).scan(
        [layer([f("a.txt", "first"), f("a.txt", "second"), hard("b.txt", "a.txt")])]
    )
    node = dict(image.walk())["b.txt"]
    assert node.type.value == "file" and node.size == len("second")
