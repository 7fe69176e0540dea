"""Building real image archives for tests: OCI layouts (folder or tar) and legacy docker save."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Sequence
from pathlib import Path

import zstandard

from tests.catalog.layers import Entry, tar_bytes


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def compress(data: bytes, how: str) -> bytes:
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    return data


def _uncompressed(blob: bytes) -> bytes:
    """The tar inside a stored layer; the stored bytes themselves when they are not a valid
    gzip or zstd stream (a corrupt layer on purpose)."""
    try:
        if blob.startswith(b"\x1f\x8b"):
            return gzip.decompress(blob)
        if blob.startswith(b"\x28\xb5\x2f\xfd"):
            return zstandard.ZstdDecompressor().decompressobj().decompress(blob)
    except (OSError, EOFError, zstandard.ZstdError):
        return blob
    return blob


def config_for(layers: Sequence[bytes], **extra: object) -> bytes:
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"User": "", "Env": ["PATH=/usr/bin"], **extra},
        "rootfs": {"type": "layers", "diff_ids": [sha(t) for t in layers]},
        "history": [{"created_by": "COPY . /"}],
    }
    return json.dumps(config).encode()


def oci_files(
    layers: Sequence[Sequence[Entry]],
    compression: str = "gzip",
    tag: str = "example/app:1.0",
    stored: dict[int, bytes] | None = None,
    stale_diff_ids: bool = False,
) -> dict[str, bytes]:
    """path -> bytes of an OCI image layout holding one image. `stored` replaces the stored
    bytes of some layers (by position), e.g. with a decompression bomb."""
    tars = [tar_bytes(entries) for entries in layers]
    blobs = [(stored or {}).get(n, compress(t, compression)) for n, t in enumerate(tars)]
    # a crafted layer's diff_id is the digest of what it really decompresses to, unless the
    # test wants the config to describe the `layers` entries instead (an image that lies)
    if not stale_diff_ids:
        tars = [
            _uncompressed(blob) if n in (stored or {}) else t
            for n, (blob, t) in enumerate(zip(blobs, tars, strict=True))
        ]
    config = config_for(tars)
    media = {
        "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
        "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
        "none": "application/vnd.oci.image.layer.v1.tar",
    }[compression]
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha(config),
                "size": len(config),
            },
            "layers": [{"mediaType": media, "digest": sha(b), "size": len(b)} for b in blobs],
        }
    ).encode()
    index = json.dumps(
        {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": sha(manifest),
                    "size": len(manifest),
                    "annotations": {"io.containerd.image.name": tag},
                }
            ],
        }
    ).encode()
    files = {"oci-layout": b'{"imageLayoutVersion": "1.0.0"}', "index.json": index}
    for blob in [config, manifest, *blobs]:
        files["blobs/sha256/" + sha(blob).split(":")[1]] = blob
    return files


def legacy_files(
    layers: Sequence[Sequence[Entry]], tag: str = "example/app:1.0"
) -> dict[str, bytes]:
    """path -> bytes of a `docker save` archive in the pre-OCI layout."""
    tars = [tar_bytes(entries) for entries in layers]
    config = config_for(tars)
    config_name = sha(config).split(":")[1] + ".json"
    names = [f"{sha(t).split(':')[1][:12]}{n}/layer.tar" for n, t in enumerate(tars)]
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": names}]).encode()
    return {"manifest.json": manifest, config_name: config, **dict(zip(names, tars, strict=True))}


def write_tar(files: dict[str, bytes], path: Path) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def write_folder(files: dict[str, bytes], path: Path) -> Path:
    for name, data in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return path
