"""The merged image view: OCI whiteouts, links kept inside the image, planned reads, limits."""

from __future__ import annotations

import pytest

from auditapp.catalog.imagefs import ImageScanner, ScanLimits
from auditapp.catalog.interface import CatalogResult, ImageFiles, OsRelease, ReadPlan
from auditapp.catalog.merged import MergedImage
from tests.catalog.layers import d, f, hard, layer, sym


class Wants:
    """A cataloger that plans the files whose names end with one of `suffixes`."""

    name = "test"

    def __init__(
        self, *suffixes: str, cap: int = 1 << 20, magic: bytes = b"", transform=None
    ) -> None:  # type: ignore[no-untyped-def]
        self.suffixes, self.cap, self.magic, self.transform = suffixes, cap, magic, transform

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        if path.endswith(self.suffixes):
            return ReadPlan(self.cap, self.magic, self.transform)
        return None

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        return CatalogResult()


def scan(*layers, wants=None, limits=None) -> MergedImage:  # type: ignore[no-untyped-def]
    return ImageScanner([wants or Wants("status", "os-release", ".txt")], limits).scan(layers)


@pytest.mark.parametrize("seekable", [True, False])
def test_upper_layer_replaces_a_file(seekable: bool) -> None:
    image = scan(
        layer([d("var/lib/dpkg"), f("var/lib/dpkg/status", "old")], seekable=seekable),
        layer([f("var/lib/dpkg/status", "new")], seekable=seekable),
    )
    assert image.read("var/lib/dpkg/status") == b"new"
    assert image.read("/var/lib/dpkg/status") == b"new"
    assert image.complete


def test_whiteout_deletes_a_file_and_a_directory() -> None:
    image = scan(
        layer([f("a/keep.txt", "k"), f("a/gone.txt", "g"), f("b/deep/x.txt", "x")]),
        layer([f("a/.wh.gone.txt"), f(".wh.b")]),
    )
    assert image.read("a/keep.txt") == b"k"
    assert image.read("a/gone.txt") is None
    assert image.read("b/deep/x.txt") is None
    assert [i.path for i in image.planned()] == ["a/keep.txt"]


def test_opaque_directory_repopulated_in_the_same_layer() -> None:
    image = scan(
        layer([f("app/old.txt", "1"), f("app/sub/older.txt", "2")]),
        layer([f("app/new.txt", "3"), f("app/.wh..wh..opq")]),  # marker after the new file
    )
    assert image.read("app/new.txt") == b"3"
    assert image.read("app/old.txt") is None and image.read("app/sub/older.txt") is None


def test_whiteout_in_the_base_layer_and_odd_markers() -> None:
    image = scan(layer([f(".wh.nothing"), f("x/.wh."), f("x/.wh..wh..opqX"), f("x/a.txt", "a")]))
    assert image.read("x/a.txt") == b"a"
    assert image.complete
    assert len(image.notes) == 2


def test_a_file_added_back_after_a_whiteout() -> None:
    image = scan(
        layer([f("etc/os-release", "ID=one")]),
        layer([f("etc/.wh.os-release")]),
        layer([f("etc/os-release", "ID=three")]),
    )
    assert image.read("etc/os-release") == b"ID=three"


def test_symlinks_resolve_inside_the_image() -> None:
    image = scan(
        layer(
            [
                f("usr/lib/os-release", "ID=debian"),
                sym("etc/os-release", "../usr/lib/os-release"),
                sym("lib", "usr/lib"),
                sym("abs", "/usr/lib/os-release"),
                sym("escape", "../../../../usr/lib/os-release"),
                sym("loop1", "loop2"),
                sym("loop2", "loop1"),
            ]
        )
    )
    assert image.read("etc/os-release") == b"ID=debian"
    assert image.read("lib/os-release") == b"ID=debian"
    assert image.read("abs") == b"ID=debian"
    assert image.read("escape") == b"ID=debian"  # ".." stops at the image root
    assert image.read("loop1") is None


def test_a_link_chain_over_the_hop_limit() -> None:
    chain = [sym(f"l{n}", f"l{n + 1}") for n in range(45)] + [f("l45.txt", "end")]
    chain.append(sym("l45", "l45.txt"))
    image = scan(layer(chain))
    assert image.read("l40") == b"end"  # 5 hops + 1
    assert image.read("l0") is None  # 46 hops


def test_names_that_climb_out_are_refused() -> None:
    image = scan(layer([f("../../etc/passwd.txt", "root"), f("ok.txt", "fine")]))
    assert image.read("ok.txt") == b"fine"
    assert image.read("etc/passwd.txt") is None
    assert not image.complete
    assert "climbs out" in image.problems[0]


def test_hard_links() -> None:
    image = scan(
        layer(
            [
                f("a/real.txt", "data"),
                hard("b/link.txt", "a/real.txt"),
                hard("c/dangling.txt", "../../etc/passwd"),
            ]
        )
    )
    assert image.read("b/link.txt") == b"data"
    assert image.read("c/dangling.txt") is None
    assert "not a file in the image" in (image.unreadable("c/dangling.txt") or "")


def test_caps_magic_and_transform() -> None:
    wants = Wants(".bin", cap=10, magic=b"\x7fELF", transform=lambda b: b[4:].upper())
    image = scan(
        layer(
            [
                f("small.bin", b"\x7fELFgo"),
                f("big.bin", b"\x7fELF" + b"x" * 20),
                f("text.bin", b"#!/bin/sh"),
            ]
        ),
        wants=wants,
    )
    assert image.read("small.bin") == b"GO"
    assert image.read("big.bin") is None
    assert "over the size cap" in (image.unreadable("big.bin") or "")
    assert image.read("text.bin") is None and image.unreadable("text.bin") is None
    assert [i.path for i in image.planned()] == ["big.bin", "small.bin"]


def test_a_transform_that_fails_marks_the_file_unreadable() -> None:
    def broken(_: bytes) -> bytes:
        raise ValueError("truncated ELF header")

    image = scan(layer([f("x.bin", b"\x7fELF")]), wants=Wants(".bin", transform=broken))
    assert image.unreadable("x.bin") == "truncated ELF header"


def test_setuid_and_setgid_files() -> None:
    image = scan(
        layer(
            [
                f("usr/bin/su", "x", mode=0o4755),
                f("usr/bin/wall", "x", mode=0o2755),
                f("usr/bin/ls", "x", mode=0o755),
            ]
        )
    )
    assert sorted((i.path, oct(i.mode)) for i in image.setid_files()) == [
        ("usr/bin/su", "0o4755"),
        ("usr/bin/wall", "0o2755"),
    ]


def test_a_corrupt_layer_makes_the_image_incomplete_not_clean() -> None:
    good = layer([f("etc/os-release", "ID=alpine")])
    broken = layer([f("var/lib/dpkg/status", "Package: x\n" * 200)])
    raw = broken.open().read()[:1000]
    import io

    from auditapp.formats.streams import LayerSource

    image = scan(good, LayerSource("sha256:bad", lambda: io.BytesIO(raw), True))
    assert image.read("etc/os-release") == b"ID=alpine"
    assert not image.complete
    assert len(image.problems) == 1
    assert image.problems[0].startswith("layer sha256:bad: truncated archive")


def test_read_budget_and_entry_cap() -> None:
    image = scan(
        layer([f("a.txt", "x" * 100), f("b.txt", "y" * 100)]), limits=ScanLimits(max_read_bytes=150)
    )
    assert image.read("a.txt") == b"x" * 100
    assert image.read("b.txt") is None
    assert not image.complete
    capped = scan(layer([f(f"{n}.txt") for n in range(20)]), limits=ScanLimits(max_entries=5))
    assert not capped.complete and "more than 5 entries" in capped.problems[0]


def test_file_replacing_a_directory_and_back() -> None:
    image = scan(
        layer([f("x/inner.txt", "1")]),
        layer([f("x", "now a file")]),
        layer([f("x/again.txt", "2")]),
    )
    assert image.read("x/inner.txt") is None
    assert image.read("x/again.txt") == b"2"
