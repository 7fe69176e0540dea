"""The merged view of an image's layers: a tree of nodes, how a layer's entries go into it,
and how paths are looked up in it (links followed inside the image only, with a hop limit).

`catalog.imagefs` walks the layers and builds it; the catalogers read it as `ImageFiles`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from auditapp.catalog.interface import FileInfo
from auditapp.formats.tar import EntryType

MAX_LINK_HOPS = 40


@dataclass(slots=True)
class Node:
    type: EntryType
    size: int = 0
    mode: int = 0
    layer: str = ""
    linkname: str = ""
    data: bytes | None = None
    problem: str | None = None  # why a planned read failed
    planned: bool = False
    children: dict[str, Node] | None = None  # directories only


@dataclass
class _Index:
    planned: list[FileInfo] = field(default_factory=list)
    setid: list[FileInfo] = field(default_factory=list)
    symlinks: list[str] = field(default_factory=list)


@dataclass
class MergedImage:
    """The merged view (implements `ImageFiles`) plus what went wrong while building it."""

    root: Node = field(default_factory=lambda: Node(EntryType.DIR, children={}))
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
        return FileInfo(normal_path(path) or "", node.size, node.mode, node.layer)

    def unreadable(self, path: str) -> str | None:
        node = self._lookup(path)
        return node.problem if node is not None else None

    def planned(self) -> Iterator[FileInfo]:
        return iter(self._indexed().planned)

    # -- the rest --------------------------------------------------------------------------
    def walk(self) -> Iterator[tuple[str, Node]]:
        """Every entry of the merged view, depth first, in name order (iteratively)."""
        stack: list[tuple[str, Node]] = [
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
            folders: list[tuple[str, Node]] = [("", self.root)]
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

    def _lookup(self, path: str, follow_last: bool = True) -> Node | None:
        """Resolve `path` in the merged view, following symlinks inside the image only."""
        parts = (normal_path(path) or "").split("/")
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
            node = self.get([*resolved, part])
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
        return self.get(resolved)

    def get(self, parts: Sequence[str]) -> Node | None:
        node = self.root
        for part in parts:
            if node.children is None or part not in node.children:
                return None
            node = node.children[part]
        return node


def normal_path(name: str) -> str | None:
    """'./usr//lib/' -> 'usr/lib'; None for names that climb out ('../x', 'a/../../b')."""
    parts: list[str] = []
    for part in name.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            return None
        parts.append(part)
    return "/".join(parts)


class Inserter:
    """Puts one layer's entries into the merged tree. Entries come grouped by folder, so the
    folder of the previous entry is remembered instead of walked to from the root each time."""

    def __init__(self, root: Node) -> None:
        self._root = root
        self._folders: dict[tuple[str, ...], Node] = {(): root}

    def insert_all(self, entries: Iterable[tuple[list[str], Node]]) -> None:
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

    def _folder(self, key: tuple[str, ...]) -> Node:
        directory = self._root
        for depth, part in enumerate(key, 1):
            children = directory.children
            assert children is not None
            child = children.get(part)
            if child is None or child.children is None:
                # a missing parent, or a file/link where a directory is needed: a directory wins
                child = Node(EntryType.DIR, children={})
                children[part] = child
            directory = child
            self._folders[key[:depth]] = directory
        return directory
