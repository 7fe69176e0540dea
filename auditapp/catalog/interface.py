"""What every cataloger is: which files it needs read from an image, and what it finds in them.

The image filesystem (auditapp.catalog.imagefs) walks each layer once. For every regular file
it asks each cataloger for a `ReadPlan`; only planned files are read, capped, optionally reduced
by the plan's `transform`, and kept. After the walk the layers are merged (OCI whiteouts, links
resolved inside the image) and each cataloger gets the merged view as `ImageFiles`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class RandomAccess(Protocol):
    """Reading parts of one file at any offset, without holding all of it."""

    size: int

    def read_at(self, offset: int, length: int) -> bytes:
        """Exactly `length` bytes at `offset`, or ValueError when that runs past the file."""
        ...


@dataclass(frozen=True)
class ReadPlan:
    """How much of a file a cataloger needs.

    `magic`: read these many leading bytes first and give up unless they match (e.g. b"\\x7fELF").
    `max_bytes`: a file larger than this is recorded as skipped ("over the size cap") unread.
    `transform`: reduces the content as soon as it is read (e.g. a manifest to what matters),
    so large files never stay in memory; it may raise ValueError to report the file unreadable.
    `reader`: like `transform`, but reads the parts it needs through `RandomAccess`.
    """

    max_bytes: int
    magic: bytes = b""
    transform: Callable[[bytes], bytes] | None = None
    # Instead of `transform`: read only the parts needed, at any offset (e.g. an ELF file's
    # headers and one section); on a layer that cannot seek the file is read whole first.
    reader: Callable[[RandomAccess], bytes] | None = None


@dataclass(frozen=True)
class PathInterest:
    """A cheap test that every path a cataloger could plan passes (it may pass more): the path,
    in lower case, ends with one of `suffixes` or starts with one of `prefixes`, or the file
    is executable and `executables` is set. The image walk asks `plan` only about files that
    pass some cataloger's interest, which spares most files of an image every `plan` call."""

    suffixes: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    executables: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "suffixes", tuple(s.lower() for s in self.suffixes))
        object.__setattr__(self, "prefixes", tuple(p.lower() for p in self.prefixes))

    def admits(self, path: str, mode: int) -> bool:
        low = path.lower()
        return (
            low.endswith(self.suffixes)
            or low.startswith(self.prefixes)
            or (self.executables and bool(mode & 0o111))
        )

    @staticmethod
    def union(interests: Sequence[PathInterest]) -> PathInterest:
        return PathInterest(
            tuple(dict.fromkeys(s for i in interests for s in i.suffixes)),
            tuple(dict.fromkeys(p for i in interests for p in i.prefixes)),
            any(i.executables for i in interests),
        )


@dataclass(frozen=True)
class OsRelease:
    id: str  # "debian", "alpine", "ubuntu", "rhel", "distroless" ...
    version_id: str  # "12", "3.19.1", "" when the file gives none
    pretty_name: str = ""
    version_codename: str = ""
    id_like: tuple[str, ...] = ()


@dataclass(frozen=True)
class Package:
    """One installed package. `ecosystem` is the purl type: deb, apk, rpm, pypi, npm, golang,
    maven. `path` is where it was found in the image (no leading slash), `layer` the digest of
    the layer that holds that file in the merged view."""

    ecosystem: str
    name: str
    version: str
    purl: str
    path: str
    layer: str = ""
    licenses: tuple[str, ...] = ()
    source_name: str = ""  # dpkg Source / rpm source package, where it differs from name
    source_version: str = ""


@dataclass(frozen=True)
class Skipped:
    """A record or file a cataloger could not use, and why. Counted, shown, never silent."""

    cataloger: str
    path: str
    reason: str


@dataclass(frozen=True)
class SecretFile:
    """A file in the image that holds a credential: where, and what kind (never the content)."""

    path: str
    kind: str  # "private key", "cloud credentials", "registry credentials" ...
    layer: str = ""


@dataclass(frozen=True)
class CatalogResult:
    packages: tuple[Package, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    os_release: OsRelease | None = None
    # True when something that could hold packages could not be read at all (not one bad
    # record, but e.g. an unsupported database format): the inventory is incomplete.
    incomplete: bool = False
    notes: tuple[str, ...] = field(default=())
    secrets: tuple[SecretFile, ...] = ()


@dataclass(frozen=True)
class FileInfo:
    path: str  # normalised: no leading "/", no "." or ".." parts
    size: int
    mode: int  # permission bits, e.g. 0o755; setuid/setgid bits included
    layer: str  # digest of the layer this version of the file comes from


class ImageFiles(Protocol):
    """The merged filesystem of one image, limited to the files catalogers planned to read."""

    def read(self, path: str) -> bytes | None:
        """Content (after the plan's transform) of `path`, following symlinks inside the image;
        None when absent, not planned, or unreadable."""
        ...

    def info(self, path: str) -> FileInfo | None:
        """Metadata of a regular file in the merged view (any file, planned or not)."""
        ...

    def planned(self) -> Iterator[FileInfo]:
        """Every planned regular file present in the merged view, in path order."""
        ...

    def unreadable(self, path: str) -> str | None:
        """Why a planned file could not be read (over the cap, transform failed ...), or None."""
        ...


class Cataloger(Protocol):
    """One ecosystem. `plan` is called for every regular file of every layer, so it must be
    cheap: decide from the path (and size/mode) alone. A cataloger may also have an
    `interest` attribute, a `PathInterest` every path it plans passes; the image walk then
    asks it only about files that pass."""

    name: str

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None: ...

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult: ...
