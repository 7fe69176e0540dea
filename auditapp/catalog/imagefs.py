"""The merged filesystem of an image, built by walking each layer once without extracting it.

Layers are applied bottom to top with OCI semantics: `.wh.<name>` deletes `<name>` from the
layers below, `.wh..wh..opq` hides everything below in its directory (what the same layer adds
stays). The view itself, and how links are resolved inside it, is `catalog.merged`. Only files
some cataloger planned are read; everything else is metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from auditapp.catalog.interface import Cataloger, PathInterest, ReadPlan
from auditapp.catalog.merged import Inserter, MergedImage, Node, normal_path
from auditapp.formats.streams import LayerSource, StreamError
from auditapp.formats.tar import EntryType, TarEntry, TarError, TarLimits, TarReader

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
        added: list[tuple[list[str], Node]] = []
        by_path: dict[str, Node] = {}  # this layer's entries, for hard links: the last wins
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
                normal = normal_path(name)  # the rare odd name: the careful way
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
            node = Node(kind, entry.size, entry.mode, digest, entry.linkname)
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
            directory = image.get(parts)
            if directory is not None and directory.children is not None:
                directory.children.clear()
        for parts in deletions:
            parent = image.get(parts[:-1])
            if parent is not None and parent.children is not None:
                parent.children.pop(parts[-1], None)
        Inserter(image.root).insert_all(added)

    def _read_planned(
        self, image: MergedImage, reader: TarReader, entry: TarEntry, path: str, node: Node
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
        by_path: dict[str, Node],
        node: Node,
        path: str,
    ) -> None:
        """A hard link shares its target's content: look in this layer first, then below."""
        target_path = normal_path(node.linkname)
        target = None
        if target_path:
            target = by_path.get(target_path) or image.get(target_path.split("/"))
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
