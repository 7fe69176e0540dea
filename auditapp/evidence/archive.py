"""Image archives: `docker save` tarballs (legacy and OCI layouts) and OCI layout folders.

Nothing is extracted. The outer archive is indexed once; manifests and configs (small JSON) are
read into memory with caps; each layer is handed out as a stream over its byte range, decompressed
when gzip or zstd, and checked against its digest. Names inside the archive are only ever used
as keys into that index, never as paths on disk.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from auditapp.evidence.errors import EvidenceError
from auditapp.formats.digests import DigestCancelled, file_digests, range_digest
from auditapp.formats.streams import FileRange, LayerSource, compression_of, decompressed
from auditapp.formats.tar import EntryType, TarError, TarLimits, TarReader

DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
MAX_JSON = 16 * 1024 * 1024
MAX_LAYER_BYTES = 64 * 1024**3  # decompressed, per layer
MIN_LAYER_CAP = 2 * 1024**3  # a layer may always decompress to this much
INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}


@dataclass(frozen=True)
class LayerRef:
    digest: str  # what the stored bytes hash to (OCI blob digest, or the legacy diff_id)
    diff_id: str  # digest of the uncompressed tar, from the image config
    start: int
    length: int
    file: str  # the file holding the bytes (the archive, or a blob in a layout folder)
    compression: str


@dataclass(frozen=True)
class ArchivedImage:
    config_digest: str
    config: dict[str, Any]
    repo_tags: tuple[str, ...]
    layers: tuple[LayerRef, ...]

    @property
    def image_id(self) -> str:
        return self.config_digest


@dataclass(frozen=True)
class _Member:
    start: int
    length: int


class ImageArchive:
    """An opened archive or layout: its images, and their layers as streams."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.is_directory = path.is_dir()
        self._members: dict[str, _Member] = {}
        self._links: dict[str, str] = {}
        if not self.is_directory:
            self._index_tar()
        self.images = self._load_images()

    # -- reading members -----------------------------------------------------------------
    def _index_tar(self) -> None:
        try:
            with self.path.open("rb") as handle:
                reader = TarReader(handle, seekable=True, limits=TarLimits(max_entries=200_000))
                for entry in reader:
                    name = _clean(entry.name)
                    if entry.type is EntryType.FILE:
                        self._members[name] = _Member(entry.offset, entry.size)
                    elif entry.type in (EntryType.SYMLINK, EntryType.HARDLINK):
                        self._links[name] = entry.linkname
        except TarError as error:
            raise EvidenceError(f"{self.path} is not a readable image archive: {error}") from error
        except OSError as error:
            raise EvidenceError(f"cannot read {self.path}: {error.strerror}") from error

    def _locate(self, name: str) -> tuple[str, int, int]:
        """(file, start, length) of a member or layout blob; links followed inside only."""
        if self.is_directory:
            return self._locate_in_folder(name)
        key = _clean(name)
        for _ in range(8):
            if key in self._members:
                member = self._members[key]
                return str(self.path), member.start, member.length
            if key not in self._links:
                break
            target = self._links[key]
            base = key.rsplit("/", 1)[0] if "/" in key and not target.startswith("/") else ""
            key = _clean(f"{base}/{target}" if base else target)
        raise EvidenceError(f"{self.path}: the archive has no file {name!r}")

    def _locate_in_folder(self, name: str) -> tuple[str, int, int]:
        root = self.path.resolve()
        target = (root / _clean(name)).resolve()  # links followed, then checked for containment
        if target == root or not target.is_relative_to(root):
            raise EvidenceError(f"{self.path}: {name!r} points outside the image layout")
        if not target.is_file():
            raise EvidenceError(f"{self.path}: the layout has no file {name!r}")
        return str(target), 0, target.stat().st_size

    def _json(self, name: str) -> Any:
        file, start, length = self._locate(name)
        if length > MAX_JSON:
            raise EvidenceError(f"{self.path}: {name} is larger than {MAX_JSON} bytes")
        with FileRange(file, start, length) as handle:
            data = handle.read()
        try:
            return json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise EvidenceError(f"{self.path}: {name} is not valid JSON: {error}") from error

    def _blob_name(self, digest: object) -> str:
        if not isinstance(digest, str) or not DIGEST.match(digest):
            raise EvidenceError(f"{self.path}: refusing malformed digest {digest!r}")
        return "blobs/sha256/" + digest.split(":", 1)[1]

    # -- manifests -----------------------------------------------------------------------
    def _load_images(self) -> list[ArchivedImage]:
        if self._has("index.json"):
            images = self._from_oci_index()
        elif self._has("manifest.json"):
            images = self._from_legacy_manifest()
        else:
            raise EvidenceError(
                f"{self.path} is neither a `docker save` archive nor an OCI layout "
                "(no manifest.json or index.json)"
            )
        if not images:
            raise EvidenceError(f"{self.path} holds no images")
        return images

    def _has(self, name: str) -> bool:
        try:
            self._locate(name)
        except EvidenceError:
            return False
        return True

    def _from_legacy_manifest(self) -> list[ArchivedImage]:
        manifest = self._json("manifest.json")
        if not isinstance(manifest, list):
            raise EvidenceError(f"{self.path}: manifest.json is not a list of images")
        images = []
        for entry in manifest:
            if not isinstance(entry, dict) or not isinstance(entry.get("Config"), str):
                raise EvidenceError(f"{self.path}: manifest.json has a malformed entry")
            config_name = entry["Config"]
            config = self._json(config_name)
            diff_ids = _diff_ids(config, self.path)
            layer_names = entry.get("Layers") or []
            if not isinstance(layer_names, list) or len(layer_names) != len(diff_ids):
                raise EvidenceError(
                    f"{self.path}: {config_name} lists {len(diff_ids)} layers, "
                    f"manifest.json {len(layer_names) if isinstance(layer_names, list) else '?'}"
                )
            layers = []
            for name, diff_id in zip(layer_names, diff_ids, strict=True):
                file, start, length = self._locate(str(name))
                blob = _blob_digest_from_name(str(name)) or diff_id
                layers.append(
                    LayerRef(blob, diff_id, start, length, file, self._compression(file, start))
                )
            tags = tuple(t for t in entry.get("RepoTags") or [] if isinstance(t, str))
            images.append(
                ArchivedImage(_config_digest(config_name, self), config, tags, tuple(layers))
            )
        return images

    def _from_oci_index(self) -> list[ArchivedImage]:
        images: list[ArchivedImage] = []
        pending = [(self._json("index.json"), 0)]
        while pending:
            index, depth = pending.pop()
            if depth > 4 or not isinstance(index, dict):
                raise EvidenceError(f"{self.path}: index.json is malformed or nested too deep")
            for descriptor in index.get("manifests") or []:
                if not isinstance(descriptor, dict):
                    continue
                document = self._json(self._blob_name(descriptor.get("digest")))
                media = descriptor.get("mediaType") or (document or {}).get("mediaType")
                if media in INDEX_TYPES:
                    pending.append((document, depth + 1))
                    continue
                images.append(self._from_oci_manifest(descriptor, document))
        return images

    def _from_oci_manifest(self, descriptor: dict[str, Any], manifest: Any) -> ArchivedImage:
        if not isinstance(manifest, dict) or not isinstance(manifest.get("config"), dict):
            raise EvidenceError(f"{self.path}: an image manifest is malformed")
        config_digest = manifest["config"].get("digest")
        config = self._json(self._blob_name(config_digest))
        diff_ids = _diff_ids(config, self.path)
        descriptors = manifest.get("layers") or []
        if len(descriptors) != len(diff_ids):
            raise EvidenceError(f"{self.path}: manifest and config disagree on the layer count")
        layers = []
        for layer, diff_id in zip(descriptors, diff_ids, strict=True):
            digest = layer.get("digest") if isinstance(layer, dict) else None
            file, start, length = self._locate(self._blob_name(digest))
            layers.append(
                LayerRef(str(digest), diff_id, start, length, file, self._compression(file, start))
            )
        annotations = descriptor.get("annotations") or {}
        tag = annotations.get("io.containerd.image.name") or annotations.get(
            "org.opencontainers.image.ref.name"
        )
        return ArchivedImage(str(config_digest), config, (str(tag),) if tag else (), tuple(layers))

    def _compression(self, file: str, start: int) -> str:
        with open(file, "rb") as handle:
            handle.seek(start)
            return compression_of(handle.read(4))

    # -- layers --------------------------------------------------------------------------
    def layer_source(self, layer: LayerRef) -> LayerSource:
        def open_layer() -> BinaryIO:
            byte_range = FileRange(layer.file, layer.start, layer.length)
            raw: BinaryIO = byte_range  # type: ignore[assignment]
            if layer.compression == "none":  # read in place with pread (see TarReader)
                return raw
            # a bomb's ratio is far beyond any real layer's: cap at 100x the stored size
            cap = min(MAX_LAYER_BYTES, max(MIN_LAYER_CAP, 100 * layer.length))
            return decompressed(
                raw, layer.compression, cap, f"layer {layer.digest}", expected=layer.diff_id
            )

        return LayerSource(layer.diff_id, open_layer, seekable=layer.compression == "none")

    def verify(
        self, cancelled: Callable[[], bool] = lambda: False
    ) -> tuple[str, dict[LayerRef, str | None]]:
        """The archive's own SHA-256 ("" for a folder) and, for every layer of every image,
        None when its bytes match its digest, else what is wrong. An archive is read once for
        both (see `file_digests`). `cancelled` is asked between chunks."""
        layers = sorted(
            {layer for image in self.images for layer in image.layers},
            key=lambda layer: (layer.file, layer.start),
        )
        if self.is_directory:
            return "", {layer: self.verify_layer(layer, cancelled) for layer in layers}
        try:
            digests = file_digests(
                str(self.path), [(layer.start, layer.length) for layer in layers], cancelled
            )
        except DigestCancelled as error:
            raise EvidenceError(str(error)) from error
        except OSError as error:
            raise EvidenceError(f"cannot read {self.path}: {error.strerror}") from error
        return digests.whole, {
            layer: _checked(layer, digest)
            for layer, digest in zip(layers, digests.ranges, strict=True)
        }

    def verify_layer(
        self, layer: LayerRef, cancelled: Callable[[], bool] = lambda: False
    ) -> str | None:
        """None when the stored bytes match the layer's digest, else what is wrong."""
        try:
            digest = range_digest(layer.file, layer.start, layer.length, cancelled)
        except DigestCancelled as error:
            raise EvidenceError(str(error)) from error
        return _checked(layer, digest)


Verified = tuple[str, dict[LayerRef, str | None]]  # what `ImageArchive.verify` returns


class ArchiveVerification:
    """`ImageArchive.verify` on a background thread from the moment the archive is opened, so
    the hashing overlaps whatever comes before its result is needed (the inventory, and in
    the CLI even the start-up imports: `services.early_archives`). `cancel()` ends it at the
    next chunk."""

    def __init__(self, archive: ImageArchive) -> None:
        self.archive = archive
        self._stop = threading.Event()
        self._outcome: Verified | BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="archive-verify", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._outcome = self.archive.verify(self._stop.is_set)
        except BaseException as error:  # handed to whoever asks for the result
            self._outcome = error

    def result(self) -> Verified:
        self._thread.join()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        assert self._outcome is not None
        return self._outcome

    def cancel(self) -> None:
        self._stop.set()


def _checked(layer: LayerRef, digest: str | None) -> str | None:
    if digest is None:
        return f"layer {layer.digest} is truncated"
    return _mismatch(layer, "sha256:" + digest)


def _mismatch(layer: LayerRef, actual: str) -> str | None:
    if actual in (layer.digest, layer.diff_id if layer.compression == "none" else ""):
        return None
    return f"layer {layer.digest} does not match its digest (the bytes hash to {actual})"


def _clean(name: str) -> str:
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)


def _diff_ids(config: Any, path: Path) -> list[str]:
    rootfs = config.get("rootfs") if isinstance(config, dict) else None
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list) or not all(
        isinstance(d, str) and DIGEST.match(d) for d in diff_ids
    ):
        raise EvidenceError(f"{path}: an image config has no valid rootfs.diff_ids")
    return diff_ids


def _blob_digest_from_name(name: str) -> str | None:
    match = re.fullmatch(r"(?:.*/)?blobs/sha256/([a-f0-9]{64})", _clean(name))
    return f"sha256:{match.group(1)}" if match else None


def _config_digest(name: str, archive: ImageArchive) -> str:
    digest = _blob_digest_from_name(name)
    if digest:
        return digest
    match = re.fullmatch(r"([a-f0-9]{64})\.json", _clean(name))
    if match:
        return f"sha256:{match.group(1)}"
    file, start, length = archive._locate(name)
    with FileRange(file, start, length) as handle:
        return "sha256:" + hashlib.sha256(handle.read()).hexdigest()
