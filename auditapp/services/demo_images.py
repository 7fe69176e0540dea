"""The demo's container images: small root filesystems described as data
(resources/demo/images/*.toml), written at run time as `docker save` archives in the OCI layout.

Every tar entry has a fixed time, owner and order and every gzip stream a fixed header, so a
description always gives the same layer, config and image digests, on any machine.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditapp.services.demo_gobinary import go_binary, modinfo_text
from auditapp.services.errors import ServiceError

LAYER_MEDIA = "application/vnd.oci.image.layer.v1.tar+gzip"
CONFIG_MEDIA = "application/vnd.oci.image.config.v1+json"
MANIFEST_MEDIA = "application/vnd.oci.image.manifest.v1+json"


class DemoDataError(ServiceError):
    """The demo's shipped data cannot be read: the installation is damaged."""


@dataclass(frozen=True)
class FileSpec:
    path: str
    data: bytes
    mode: int


@dataclass(frozen=True)
class LayerSpec:
    created_by: str
    files: tuple[FileSpec, ...]


@dataclass(frozen=True)
class ImageSpec:
    name: str  # the description's file name without .toml
    tag: str
    created: str
    config: Mapping[str, Any]  # the OCI config's `config` block, as `docker inspect` shows it
    layers: tuple[LayerSpec, ...]
    steps: tuple[str, ...]  # build steps that add no layer (ENV, USER, CMD ...)


def load_image_specs(folder: Path) -> list[ImageSpec]:
    """Every image description in `folder`, by file name."""
    specs = []
    for path in sorted(folder.glob("*.toml")):
        try:
            specs.append(_spec(path.stem, tomllib.loads(path.read_text("utf-8"))))
        except (OSError, UnicodeError, tomllib.TOMLDecodeError, KeyError, TypeError) as error:
            raise DemoDataError(
                f"demo image description {path} cannot be read: {error.__class__.__name__}: "
                f"{error}",
                hint="reinstall auditapp",
            ) from None
    if not specs:
        raise DemoDataError(f"no demo image descriptions in {folder}", hint="reinstall auditapp")
    return specs


def write_archive(spec: ImageSpec, folder: Path) -> Path:
    """`<folder>/<name>.tar`: the image as `docker save` writes it in the OCI layout."""
    tars = [_tar(_layer_entries(layer)) for layer in spec.layers]
    blobs = [gzip.compress(t, compresslevel=6, mtime=0) for t in tars]
    config = _canonical(_config(spec, tars))
    manifest = _canonical(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA,
            "config": {"mediaType": CONFIG_MEDIA, "digest": _sha(config), "size": len(config)},
            "layers": [
                {"mediaType": LAYER_MEDIA, "digest": _sha(b), "size": len(b)} for b in blobs
            ],
        }
    )
    index = _canonical(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": MANIFEST_MEDIA,
                    "digest": _sha(manifest),
                    "size": len(manifest),
                    "annotations": {
                        "io.containerd.image.name": spec.tag,
                        "org.opencontainers.image.ref.name": spec.tag.rpartition(":")[2],
                    },
                }
            ],
        }
    )
    members = {"oci-layout": _canonical({"imageLayoutVersion": "1.0.0"}), "index.json": index}
    for blob in (config, manifest, *blobs):
        members["blobs/sha256/" + _sha(blob).removeprefix("sha256:")] = blob
    path = folder / f"{spec.name}.tar"
    path.write_bytes(_tar(FileSpec(name, data, 0o644) for name, data in members.items()))
    return path


# ---- descriptions ------------------------------------------------------------------------------


def _spec(name: str, raw: dict[str, Any]) -> ImageSpec:
    layers = tuple(_layer(layer) for layer in raw["layers"])
    return ImageSpec(
        name=name,
        tag=str(raw["tag"]),
        created=str(raw["created"]),
        config=_docker_config(raw.get("config", {})),
        layers=layers,
        steps=tuple(str(step) for step in raw.get("steps", [])),
    )


def _docker_config(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The description lists exposed ports; an image config maps each to an empty object."""
    config = dict(raw)
    if "ExposedPorts" in config:
        config["ExposedPorts"] = {str(port): {} for port in config["ExposedPorts"]}
    return config


def _layer(raw: Mapping[str, Any]) -> LayerSpec:
    files = [
        FileSpec(str(f["path"]), _text(f["text"]), int(str(f.get("mode", "644")), 8))
        for f in raw.get("files", [])
    ]
    if python := raw.get("python"):
        files += _python_packages(str(python["site"]), python["packages"])
    if npm := raw.get("npm"):
        files += _npm_packages(str(npm["root"]), npm["packages"])
    for go in raw.get("go", []):
        info = modinfo_text(
            (str(go["main"][0]), str(go["main"][1])),
            [(str(path), str(version)) for path, version in go.get("deps", [])],
            [str(setting) for setting in go.get("build", [])],
        )
        files.append(FileSpec(str(go["path"]), go_binary(str(go["go"]), info), 0o755))
    return LayerSpec(str(raw["created_by"]), tuple(files))


def _text(value: Any) -> bytes:
    """File text as UTF-8 (TOML drops the newline after an opening triple quote, so a file
    written as a block starts where a real one does)."""
    return str(value).encode("utf-8")


def _python_packages(site: str, packages: Iterable[list[str]]) -> list[FileSpec]:
    """A `*.dist-info` folder per distribution, with core metadata as pip installs it."""
    files = []
    for name, version, licence in packages:
        folder = f"{site}/{name.replace('-', '_')}-{version}.dist-info"
        metadata = (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense: {licence}\n"
            "Requires-Python: >=3.6\n\n"
        )
        files.append(FileSpec(f"{folder}/METADATA", metadata.encode(), 0o644))
        files.append(FileSpec(f"{folder}/INSTALLER", b"pip\n", 0o644))
    return files


def _npm_packages(root: str, packages: Iterable[list[str]]) -> list[FileSpec]:
    """node_modules/<name>/package.json per installed package, as npm leaves them."""
    files = []
    for name, version, licence in packages:
        manifest = {"name": name, "version": version, "license": licence}
        data = (json.dumps(manifest, indent=2) + "\n").encode()
        files.append(FileSpec(f"{root}/node_modules/{name}/package.json", data, 0o644))
    return files


# ---- bytes ------------------------------------------------------------------------------------


def _layer_entries(layer: LayerSpec) -> list[FileSpec]:
    """The files of a layer with every parent folder before them, as `docker build` writes."""
    folders: set[str] = set()
    for file in layer.files:
        parts = file.path.split("/")[:-1]
        folders.update("/".join(parts[: n + 1]) for n in range(len(parts)))
    entries = [FileSpec(folder + "/", b"", 0o755) for folder in folders]
    return sorted([*entries, *layer.files], key=lambda e: e.path)


def _tar(entries: Iterable[FileSpec]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.path.rstrip("/"))
            info.mode, info.mtime, info.uid, info.gid = entry.mode, 0, 0, 0
            info.uname = info.gname = "root"
            if entry.path.endswith("/"):
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(entry.data)
                tar.addfile(info, io.BytesIO(entry.data))
    return out.getvalue()


def _config(spec: ImageSpec, tars: list[bytes]) -> dict[str, Any]:
    history: list[dict[str, Any]] = [
        {"created": spec.created, "created_by": layer.created_by} for layer in spec.layers
    ]
    history += [
        {"created": spec.created, "created_by": f"/bin/sh -c #(nop)  {step}", "empty_layer": True}
        for step in spec.steps
    ]
    return {
        "architecture": "amd64",
        "os": "linux",
        "created": spec.created,
        "config": dict(spec.config),
        "rootfs": {"type": "layers", "diff_ids": [_sha(t) for t in tars]},
        "history": history,
    }


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
