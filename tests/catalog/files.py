"""A small in-memory `ImageFiles` for cataloger unit tests: a dict of path -> bytes, run through
each cataloger's own read plans exactly as the image filesystem does. End-to-end tests use real
images and archives instead."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from auditapp.catalog.interface import Cataloger, CatalogResult, FileInfo, OsRelease

LAYER = "sha256:" + "ab" * 32


class _Access:
    def __init__(self, data: bytes) -> None:
        self._data, self.size = data, len(data)

    def read_at(self, offset: int, length: int) -> bytes:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise ValueError(f"read of {length} bytes at {offset} runs past the file")
        return self._data[offset : offset + length]


class DictFiles:
    def __init__(
        self,
        files: Mapping[str, bytes],
        cataloger: Cataloger,
        modes: Mapping[str, int] | None = None,
    ) -> None:
        self._infos: dict[str, FileInfo] = {}
        self._data: dict[str, bytes] = {}
        self._unreadable: dict[str, str] = {}
        for path, content in sorted(files.items()):
            mode = (modes or {}).get(path, 0o644)
            self._infos[path] = FileInfo(path, len(content), mode, LAYER)
            plan = cataloger.plan(path, len(content), mode)
            if plan is None:
                continue
            if plan.magic and not content.startswith(plan.magic):
                continue
            if len(content) > plan.max_bytes:
                self._unreadable[path] = "over the size cap"
                continue
            try:
                if plan.reader is not None:
                    self._data[path] = plan.reader(_Access(content))
                else:
                    self._data[path] = plan.transform(content) if plan.transform else content
            except ValueError as error:
                self._unreadable[path] = str(error)

    def read(self, path: str) -> bytes | None:
        return self._data.get(path)

    def info(self, path: str) -> FileInfo | None:
        return self._infos.get(path)

    def planned(self) -> Iterator[FileInfo]:
        for path in sorted({*self._data, *self._unreadable}):
            yield self._infos[path]

    def unreadable(self, path: str) -> str | None:
        return self._unreadable.get(path)


def run(
    cataloger: Cataloger,
    files: Mapping[str, bytes],
    os_release: OsRelease | None = None,
    modes: Mapping[str, int] | None = None,
) -> CatalogResult:
    return cataloger.catalog(DictFiles(files, cataloger, modes), os_release)
