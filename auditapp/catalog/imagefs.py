"""The merged filesystem of an image, built by walking each layer once without extracting it.

Layers are applied bottom to top with OCI semantics: `.wh.<name>` deletes `<name>` from the
layers below, `.wh..wh..opq` hides everything below in its directory (what the same layer adds
stays). Links are resolved only inside the image, with a hop limit, so no path ever leads out.
Only files some cataloger planned are read; everything else is metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from auditapp.catalog.interface import Cataloger, FileInfo, PathInterest, ReadPlan
from auditapp.formats.streams import LayerSource, StreamError
from auditapp.formats.tar import EntryType, TarEntry, TarError, TarLimits, TarReader

MAX_LINK_HOPS = 40
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


@dataclass(frozen=True)
class ScanLimits:
    max_entries: int = 1_000_000  # per layer
    max_read_bytes: int = 2 * 1024**3  # all planned reads of one image together
    deadline: float | None = None  # time.monotonic() value


class _EntryAccess:
    """Random access into the tar entry being visited (a seekable layer)."""

    def __init__(self, reader: TarReader, entry: TarEntry) -> None:
        self._reader, self._entry = reader, entry
        self.size = entry.size
        self.bytes_read = 0

    def read_at(self, offset: int, length: int) -> bytes:
        self.bytes_read += length
        return self._reader.read_at(self._entry, offset, length)


class _BytesAccess:
    """The same over a file already in memory (a layer that cannot seek)."""

    def __init__(self, data: bytes) -> None:
        self._data, self.size = data, len(data)

    def read_at(self, offset: int, length: int) -> bytes:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise ValueError(f"read of {length} bytes at {offset} runs past the file")
        return self._data[offset : offset + length]


@dataclass(slots=True)
class _Node:
    type: EntryType
    size: int = 0
    mode: int = 0
    layer: str = ""
    linkname: str = ""
    data: bytes | None = None
    problem: str | None = None  # why a planned read failed
    planned: bool = False
    children: dict[str, _Node] | None = None  # directories only


@dataclass
class _Index:
    planned: list[FileInfo] = field(default_factory=list)
    setid: list[FileInfo] = field(default_factory=list)
    symlinks: list[str] = field(default_factory=list)


@dataclass
class MergedImage:
    """The merged view (implements `ImageFiles`) plus what went wrong while building it."""

    root: _Node = field(default_factory=lambda: _Node(EntryType.DIR, children={}))
    problems: list[str] = field(default_factory=list)  # e.g. "layer sha256:…: truncated"
    notes: list[str] = field(default_factory=list)  # unusual but harmless
    entries: int = 0
    bytes_read: int = 0
    _index: _Index | None = None

    @property
    def complete(self) -> bool:
        return not self.problems

    # -- ImageFiles ------------------------------------------------------------------------
    def read(self, path: str) -> bytes | None:
        node = self._lookup(path)
        return node.data if node is not None and node.type is EntryType.FILE else None

    def info(self, path: str) -> FileInfo | None:
        node = self._lookup(path)
        if node is None or node.type is not EntryType.FILE:
            return None
        return FileInfo(_normal(path) or "", node.size, node.mode, node.layer)

    def unreadable(self, path: str) -> str | None:
        node = self._lookup(path)
        return node.problem if node is not None else None

    def planned(self) -> Iterator[FileInfo]:
        return iter(self._indexed().planned)

    # -- the rest --------------------------------------------------------------------------
    def walk(self) -> Iterator[tuple[str, _Node]]:
        """Every entry of the merged view, depth first, in name order (iteratively)."""
        stack: list[tuple[str, _Node]] = [
            (name, node) for name, node in sorted((self.root.children or {}).items(), reverse=True)
        ]
        while stack:
            path, node = stack.pop()
            yield path, node
            if node.children:
                stack.extend(
                    (f"{path}/{name}", child)
                    for name, child in sorted(node.children.items(), reverse=True)
                )

    def dangling_links(self, wanted: Callable[[str], bool]) -> list[str]:
        """Symbolic links at paths a cataloger wants whose target is not a file in the image
        (a database moved away behind a link must not read as "no packages")."""
        return [
            path for path in self._indexed().symlinks if wanted(path) and self.info(path) is None
        ]

    def setid_files(self) -> list[FileInfo]:
        return list(self._indexed().setid)

    def _indexed(self) -> _Index:
        """What the catalogers ask about, from one walk (the view is final once built). Only
        folders and the files and links asked about get a path string; each list is then put
        in the order `walk` gives (name order, depth first: the order of the split paths)."""
        if self._index is None:
            index = _Index()
            file, symlink = EntryType.FILE, EntryType.SYMLINK
            folders: list[tuple[str, _Node]] = [("", self.root)]
            while folders:
                prefix, folder = folders.pop()
                for name, node in (folder.children or {}).items():
                    if node.children is not None:
                        folders.append((f"{prefix}{name}/", node))
                    elif node.type is file:
                        if node.planned:
                            path = prefix + name
                            index.planned.append(FileInfo(path, node.size, node.mode, node.layer))
                        if node.mode & 0o6000:
                            path = prefix + name
                            index.setid.append(FileInfo(path, node.size, node.mode, node.layer))
                    elif node.type is symlink:
                        index.symlinks.append(prefix + name)
            index.planned.sort(key=lambda info: info.path.split("/"))
            index.setid.sort(key=lambda info: info.path.split("/"))
            index.symlinks.sort(key=lambda path: path.split("/"))
            self._index = index
        return self._index

    def _lookup(self, path: str, follow_last: bool = True) -> _Node | None:
        """Resolve `path` in the merged view, following symlinks inside the image only."""
        parts = (_normal(path) or "").split("/")
        hops = 0
        resolved: list[str] = []
        while parts:
            part = parts.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if resolved:
                    resolved.pop()  # ".." above the root stays at the root, as in a chroot
                continue
            node = self._get([*resolved, part])
            if node is None:
                return None
            if node.type is EntryType.SYMLINK and (parts or follow_last):
                hops += 1
                if hops > MAX_LINK_HOPS:
                    problem = f"{path}: links loop or chain past {MAX_LINK_HOPS} hops; not followed"
                    if problem not in self.problems:
                        self.problems.append(problem)
                    return None
                target = node.linkname
                if target.startswith("/"):
                    resolved = []
                parts = [p for p in target.split("/") if p] + parts
                continue
            resolved.append(part)
        return self._get(resolved)

    def _get(self, parts: Sequence[str]) -> _Node | None:
        node = self.root
        for part in parts:
            if node.children is None or part not in node.children:
                return None
            node = node.children[part]
        return node


def _normal(name: str) -> str | None:
    """'./usr//lib/' -> 'usr/lib'; None for names that climb out ('../x', 'a/../../b')."""
    parts: list[str] = []
    for part in name.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            return None
        parts.append(part)
    return "/".join(parts)


class ImageScanner:
    """Builds a `MergedImage` from layers, reading what the catalogers plan."""

    def __init__(self, catalogers: Sequence[Cataloger], limits: ScanLimits | None = None):
        self._catalogers = catalogers
        self._limits = limits or ScanLimits()
        interests = [getattr(c, "interest", None) for c in catalogers]
        # One test for every file of every layer: a file no cataloger can want is not asked
        # about; a cataloger without an interest is asked about every file.
        self._interest: PathInterest | None = (
            PathInterest.union([i for i in interests if isinstance(i, PathInterest)])
            if all(isinstance(i, PathInterest) for i in interests)
            else None
        )

    def scan(self, layers: Sequence[LayerSource]) -> MergedImage:
        image = MergedImage()
        for layer in layers:
            try:
                with layer.open() as stream:
                    self._apply_layer(image, layer, stream)
                    finish = getattr(stream, "finish", None)
                    if finish is not None:  # e.g. check a decompressed layer's diff_id
                        finish()
            except (TarError, StreamError, OSError, EOFError) as error:
                image.problems.append(f"layer {layer.digest}: {error}")
        return image

    def _plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        if self._interest is not None and not self._interest.admits(path, mode):
            return None
        for cataloger in self._catalogers:
            plan = cataloger.plan(path, size, mode)
            if plan is not None:
                return plan
        return None

    def _apply_layer(self, image: MergedImage, layer: LayerSource, stream: BinaryIO) -> None:
        limits = TarLimits(max_entries=self._limits.max_entries, deadline=self._limits.deadline)
        reader = TarReader(stream, seekable=layer.seekable, limits=limits)
        added: list[tuple[list[str], _Node]] = []
        by_path: dict[str, _Node] = {}  # this layer's entries, for hard links: the last wins
        deletions: list[list[str]] = []
        opaque: list[list[str]] = []
        digest = layer.digest
        file_type, dir_type, hardlink_type = EntryType.FILE, EntryType.DIR, EntryType.HARDLINK
        for entry in reader:  # once per entry of every layer: kept to plain string work
            image.entries += 1
            name = entry.name
            path = name[:-1] if name.endswith("/") else name
            parts = path.split("/")
            if "" in parts or "." in parts or ".." in parts or "\\" in path:
                normal = _normal(name)  # the rare odd name: the careful way
                if normal is None:
                    image.problems.append(
                        f"layer {digest}: entry {name!r} climbs out of the image; ignored"
                    )
                    continue
                if not normal:
                    continue  # the root itself
                if name.startswith("/"):
                    image.notes.append(
                        f"layer {digest}: absolute name {name!r} read as {normal!r} "
                        "inside the image"
                    )
                path, parts = normal, normal.split("/")
            base = parts[-1]
            if base.startswith(WHITEOUT):
                if base == OPAQUE:
                    opaque.append(parts[:-1])
                elif base == WHITEOUT or base.startswith(".wh..wh."):
                    image.notes.append(f"layer {digest}: odd whiteout {path!r} ignored")
                else:
                    deletions.append([*parts[:-1], base[len(WHITEOUT) :]])
                continue
            kind = entry.type
            node = _Node(kind, entry.size, entry.mode, digest, entry.linkname)
            if kind is dir_type:
                node.children = {}
            elif kind is file_type:
                self._read_planned(image, reader, entry, path, node)
            elif kind is hardlink_type:
                self._resolve_hardlink(image, by_path, node, path)
            added.append((parts, node))
            by_path[path] = node
        # What this layer deletes goes first, so its own additions survive (OCI image spec).
        for parts in opaque:
            directory = image._get(parts)
            if directory is not None and directory.children is not None:
                directory.children.clear()
        for parts in deletions:
            parent = image._get(parts[:-1])
            if parent is not None and parent.children is not None:
                parent.children.pop(parts[-1], None)
        _Inserter(image.root).insert_all(added)

    def _read_planned(
        self, image: MergedImage, reader: TarReader, entry: TarEntry, path: str, node: _Node
    ) -> None:
        size = entry.size
        plan = self._plan(path, size, node.mode)
        if plan is None:
            return
        if plan.magic:
            head = reader.read(len(plan.magic))
            if head != plan.magic:
                return
        node.planned = True
        if size > plan.max_bytes:
            node.problem = f"over the size cap ({size} bytes > {plan.max_bytes})"
            return
        if image.bytes_read + size > self._limits.max_read_bytes:
            node.problem = "the image's read budget is spent"
            image.problems.append(f"read budget of {self._limits.max_read_bytes} bytes spent")
            return
        try:
            if plan.reader is not None and reader.seekable:
                access = _EntryAccess(reader, entry)
                node.data = plan.reader(access)
                image.bytes_read += access.bytes_read
                return
            data = plan.magic + reader.read(size - len(plan.magic))
            image.bytes_read += size
            if plan.reader is not None:
                node.data = plan.reader(_BytesAccess(data))
            else:
                node.data = plan.transform(data) if plan.transform else data
        except (TarError, StreamError, OSError):
            raise  # the layer itself failed: the walk of this layer ends
        except Exception as error:  # a cataloger's bug must not end the walk of the image
            node.problem = str(error) or error.__class__.__name__

    def _resolve_hardlink(
        self,
        image: MergedImage,
        by_path: dict[str, _Node],
        node: _Node,
        path: str,
    ) -> None:
        """A hard link shares its target's content: look in this layer first, then below."""
        target_path = _normal(node.linkname)
        target = None
        if target_path:
            target = by_path.get(target_path) or image._get(target_path.split("/"))
        if target is None or target.type is not EntryType.FILE:
            node.type = EntryType.OTHER
            node.problem = f"hard link to {node.linkname!r}, which is not a file in the image"
            return
        node.type = EntryType.FILE
        node.size, node.data, node.problem = target.size, target.data, target.problem
        node.planned = target.planned
        if not target.planned and self._plan(path, target.size, node.mode) is not None:
            node.planned = True  # its content went by under the target's name, unread
            node.problem = f"hard link to {node.linkname!r}, whose content was not read"


class _Inserter:
    """Puts one layer's entries into the merged tree. Entries come grouped by folder, so the
    folder of the previous entry is remembered instead of walked to from the root each time."""

    def __init__(self, root: _Node) -> None:
        self._root = root
        self._folders: dict[tuple[str, ...], _Node] = {(): root}

    def insert_all(self, entries: Iterable[tuple[list[str], _Node]]) -> None:
        folders = self._folders
        for parts, node in entries:
            key = tuple(parts[:-1])
            directory = folders.get(key)
            if directory is None:
                directory = self._folder(key)
            children = directory.children
            assert children is not None
            name = parts[-1]
            existing = children.get(name)
            if existing is not None and existing.children is not None:
                if node.type is EntryType.DIR:  # keep what lower layers put in it
                    existing.mode, existing.layer = node.mode, node.layer
                    continue
                folders.clear()  # a folder replaced by a file: forget folders under it
                folders[()] = self._root
            children[name] = node

    def _folder(self, key: tuple[str, ...]) -> _Node:
        directory = self._root
        for depth, part in enumerate(key, 1):
            children = directory.children
            assert children is not None
            child = children.get(part)
            if child is None or child.children is None:
                # a missing parent, or a file/link where a directory is needed: a directory wins
                child = _Node(EntryType.DIR, children={})
                children[part] = child
            directory = child
            self._folders[key[:depth]] = directory
        return directory
