"""Gathering evidence from every source a collect names, before anything is stored.

Everything is read and inventoried first, outside any transaction, so a cancel or a failure
leaves the database as it was; `services.collect` then stores it all in one transaction.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditapp.catalog.imagefs import ScanLimits
from auditapp.catalog.inventory import Inventory, take_inventory
from auditapp.evidence.archive import ArchivedImage, ArchiveVerification, ImageArchive
from auditapp.evidence.engine_snapshot import EngineObject, EngineSnapshot, redact_image
from auditapp.evidence.redaction import SecretFinding
from auditapp.progress import Progress, check_cancelled
from auditapp.services.early_archives import EarlyArchive, distinct_files

if TYPE_CHECKING:  # PyYAML and the compose model only when compose files are collected
    from auditapp.evidence.compose_model import ComposeProject

SCAN_SECONDS = 900  # wall-time cap for reading one image


@dataclass(frozen=True)
class CollectRequest:
    engine: bool = False
    images: tuple[str, ...] = ()
    archives: tuple[Path, ...] = ()
    compose: tuple[Path, ...] = ()
    compose_env_file: Path | None = None
    profiles: tuple[str, ...] = ()
    daemon_config: Path | None = None

    @property
    def empty(self) -> bool:
        return not (self.engine or self.images or self.archives or self.compose)


@dataclass(frozen=True)
class ImageResult:
    """One image: its redacted config, where it came from, and its inventory."""

    digest: str
    tags: tuple[str, ...]
    config: dict[str, Any]
    source: str
    inventory: Inventory
    findings: tuple[SecretFinding, ...]


@dataclass
class Gathered:
    engine: EngineSnapshot | None = None
    images: list[ImageResult] = field(default_factory=list)
    compose: ComposeProject | None = None


def gather(
    request: CollectRequest,
    progress: Progress,
    started: Mapping[Path, EarlyArchive] | None = None,
) -> Gathered:
    """`started`: archives of the request already being read (`services.early_archives`),
    by their path as given; the others are read here."""
    gathered = Gathered()
    started = started or {}
    with tempfile.TemporaryDirectory(prefix="auditapp-collect-") as scratch:
        if request.engine or request.images:
            _from_engine(request, gathered, Path(scratch), progress)
        for path in distinct_files(request.archives):  # the same rule as `started`'s
            check_cancelled(progress)
            early = started.get(path)
            found = early.result(path, progress) if early else read_archive(path, progress)
            gathered.images.extend(found)
    if request.compose:
        from auditapp.evidence.compose import load_compose  # PyYAML only when needed

        progress.start("compose files", None)
        gathered.compose = load_compose(
            list(request.compose), env_file=request.compose_env_file, profiles=request.profiles
        )
    _dedupe_images(gathered)
    return gathered


def _from_engine(
    request: CollectRequest, gathered: Gathered, scratch: Path, progress: Progress
) -> None:
    from auditapp.evidence.engine import collect_engine, connect, save_image  # docker SDK

    client = connect()
    references: list[str] = []
    if request.engine:
        gathered.engine = collect_engine(client, progress, request.daemon_config)
        references = [  # by a tag when the image has one, so the archive carries its name
            (o.snapshot["inspect"].get("RepoTags") or [o.snapshot["inspect"]["Id"]])[0]
            for o in gathered.engine.of_kind("image")
        ]
    for reference in [*references, *request.images]:
        check_cancelled(progress)
        folder = Path(tempfile.mkdtemp(dir=scratch))
        saved = save_image(client, reference, folder, progress)
        verification = ArchiveVerification(ImageArchive(saved))
        gathered.images.extend(
            _inventory_archive(verification, f"engine image {reference}", progress)
        )
        saved.unlink()


def read_archive(
    path: Path, progress: Progress, verification: ArchiveVerification | None = None
) -> list[ImageResult]:
    """The images of the archive file or layout folder at `path`, each with its inventory.
    `verification`: the archive's hashing, when it began earlier."""
    verification = verification or ArchiveVerification(ImageArchive(path))
    return _inventory_archive(verification, f"archive {path.resolve()}", progress)


def _inventory_archive(
    verification: ArchiveVerification, source: str, progress: Progress
) -> list[ImageResult]:
    """Inventory every image of one archive while `verification` hashes it (its own SHA-256
    for provenance, and each layer against its digest) on other threads."""
    from auditapp.catalog.registry import default_catalogers, os_detector  # every cataloger

    archive = verification.archive
    results = []
    scanned = []
    try:
        for image in archive.images:
            check_cancelled(progress)
            name = image.repo_tags[0] if image.repo_tags else image.config_digest[:19]
            progress.start(f"inventory of {name}", len(image.layers))
            inventory = take_inventory(
                [archive.layer_source(layer) for layer in image.layers],
                default_catalogers(),
                os_detector(),
                ScanLimits(deadline=time.monotonic() + SCAN_SECONDS),
            )
            progress.advance(len(image.layers))
            scanned.append((image, name, inventory))
    except BaseException:
        verification.cancel()  # the inventory failed or was cancelled: hashing ends too
        raise
    archive_sha256, layer_problems = verification.result()
    if archive_sha256:
        source = f"{source} sha256:{archive_sha256}"
    for image, name, inventory in scanned:
        failures = [p for layer in image.layers if (p := layer_problems.get(layer))]
        if failures:
            inventory = _with_problems(inventory, failures)
        config, findings = _redacted_config(image, name)
        results.append(
            ImageResult(image.config_digest, image.repo_tags, config, source, inventory, findings)
        )
    return results


def _redacted_config(
    image: ArchivedImage, name: str
) -> tuple[dict[str, Any], tuple[SecretFinding, ...]]:
    """An OCI image config redacted like `docker inspect` output (the same rules): `config`,
    and the `container_config` of the last build step that older builders keep beside it."""
    config = dict(image.config)
    findings: list[SecretFinding] = []
    for key, label in (("config", "Config"), ("container_config", "ContainerConfig")):
        block = config.get(key)
        if isinstance(block, dict):
            redacted = redact_image(name, {label: block}, [])
            config[key] = redacted.snapshot["inspect"][label]
            findings += redacted.findings
    history = [dict(step) for step in config.get("history") or [] if isinstance(step, dict)]
    steps = [{"CreatedBy": str(step.get("created_by", ""))} for step in history]
    redacted = redact_image(name, {}, steps)
    for step, clean in zip(history, redacted.snapshot["history"], strict=True):
        if "created_by" in step:
            step["created_by"] = clean["CreatedBy"]
    config["history"] = history
    return config, tuple(findings) + redacted.findings


def _with_problems(inventory: Inventory, problems: list[str]) -> Inventory:
    return replace(inventory, problems=(*inventory.problems, *problems))


def _dedupe_images(gathered: Gathered) -> None:
    """The same image from the engine and an archive is inventoried once (the first wins)."""
    seen: set[str] = set()
    unique = []
    for image in gathered.images:
        if image.digest not in seen:
            seen.add(image.digest)
            unique.append(image)
    gathered.images = unique


__all__ = ["CollectRequest", "EngineObject", "Gathered", "ImageResult", "gather"]
