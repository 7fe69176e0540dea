"""The Docker Engine as a source of evidence, through the docker SDK.

Reads the daemon's info and version, every image (inspect and history), every container,
running or stopped, every network (with attached containers) and volume, and optionally the
daemon's config file. Snapshots are redacted before they leave this module: environment values
always, and anything secret-looking in labels, commands and build history, each reported as a
`SecretFinding` that names the place and never the value.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException, NotFound

from auditapp.evidence.engine_snapshot import (
    EngineObject,
    EngineSnapshot,
    redact_config,
    redact_image,
)
from auditapp.evidence.errors import EvidenceError
from auditapp.evidence.redaction import SecretFinding, redact_argv, redact_mapping
from auditapp.progress import Progress, check_cancelled

MAX_DAEMON_CONFIG = 1024 * 1024
SAVE_CHUNK = 4 * 1024 * 1024


def connect(timeout: int = 30) -> docker.DockerClient:
    """A client for DOCKER_HOST (with its TLS settings) or the local socket."""
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except DockerException as error:
        where = os.environ.get("DOCKER_HOST", "the local Docker socket")
        raise EvidenceError(
            f"cannot reach the Docker Engine at {where}: {_reason(error)}",
            hint="is dockerd running, and may you use its socket?",
        ) from error
    return client


def endpoint_of(client: docker.DockerClient) -> str:
    """Where the engine was reached, as DOCKER_HOST would name it."""
    base = str(client.api.base_url)
    if base.startswith("http+docker://"):  # a unix socket or named pipe
        return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    return base


def collect_engine(
    client: docker.DockerClient, progress: Progress, daemon_config: Path | None = None
) -> EngineSnapshot:
    api = client.api
    try:
        info = api.info()
        version = api.version()
        progress.start("Docker Engine", None)
        objects = [EngineObject("daemon", "daemon", {"info": info, "version": version})]
        if daemon_config is not None:
            objects.append(_daemon_config(daemon_config))
        objects.extend(_images(api, progress))
        objects.extend(_containers(api, progress))
        objects.extend(_networks(api, progress))
        objects.extend(_volumes(api, progress))
    except DockerException as error:
        raise EvidenceError(f"the Docker Engine failed while reading: {_reason(error)}") from error
    return EngineSnapshot(endpoint_of(client), str(info.get("ID", "")), tuple(objects))


def _images(api: Any, progress: Progress) -> Iterator[EngineObject]:
    summaries = api.images()
    progress.start("images", len(summaries))
    for summary in summaries:
        check_cancelled(progress)
        try:
            inspect = api.inspect_image(summary["Id"])
            history = api.history(summary["Id"])
        except NotFound:
            progress.message(f"image {summary['Id'][:19]} disappeared while reading; skipped")
            continue
        name = (inspect.get("RepoTags") or [inspect["Id"]])[0]
        yield redact_image(name, inspect, history)
        progress.advance()


def _containers(api: Any, progress: Progress) -> Iterator[EngineObject]:
    summaries = api.containers(all=True)
    progress.start("containers", len(summaries))
    for summary in summaries:
        check_cancelled(progress)
        try:
            inspect = api.inspect_container(summary["Id"])
        except NotFound:
            continue
        name = str(inspect.get("Name", "")).lstrip("/") or inspect["Id"][:12]
        findings: list[SecretFinding] = []
        place = f"container {name}"
        if isinstance(inspect.get("Config"), dict):
            inspect["Config"] = redact_config(inspect["Config"], place, findings)
        if isinstance(inspect.get("Args"), list):
            inspect["Args"], hits = redact_argv(inspect["Args"])
            findings += [SecretFinding(f"{place} Args", hit, "command") for hit in hits]
        yield EngineObject("container", name, inspect, tuple(findings))
        progress.advance()


def _networks(api: Any, progress: Progress) -> Iterator[EngineObject]:
    summaries = api.networks()
    progress.start("networks", len(summaries))
    for summary in summaries:
        check_cancelled(progress)
        try:
            inspect = api.inspect_network(summary["Id"])
        except NotFound:
            continue
        yield EngineObject("network", str(inspect.get("Name", summary["Id"])), inspect)
        progress.advance()


def _volumes(api: Any, progress: Progress) -> Iterator[EngineObject]:
    volumes = (api.volumes() or {}).get("Volumes") or []
    progress.start("volumes", len(volumes))
    for volume in volumes:
        check_cancelled(progress)
        labels, names = redact_mapping(volume.get("Labels") or {})
        volume["Labels"] = labels
        findings = tuple(
            SecretFinding(f"volume {volume.get('Name')} Labels", n, "label") for n in names
        )
        yield EngineObject("volume", str(volume.get("Name", "")), volume, findings)
        progress.advance()


def _daemon_config(path: Path) -> EngineObject:
    try:
        if path.stat().st_size > MAX_DAEMON_CONFIG:
            raise EvidenceError(f"{path} is larger than {MAX_DAEMON_CONFIG} bytes")
        config = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise EvidenceError(f"cannot read the daemon config {path}: {error.strerror}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EvidenceError(f"the daemon config {path} is not valid JSON: {error}") from error
    if not isinstance(config, dict):
        raise EvidenceError(f"the daemon config {path} is not a JSON object")
    return EngineObject("daemon-config", str(path), config)


def save_image(
    client: docker.DockerClient, reference: str, folder: Path, progress: Progress
) -> Path:
    """Stream `docker save REF` to a file in `folder` (never whole in memory); removed on
    failure or cancel."""
    target = folder / "image.tar"
    try:
        client.images.get(reference)  # a clear "no such image" before the export starts
        progress.start(f"exporting {reference}", None)
        with target.open("wb") as out:
            # by the reference asked for, so the archive names it (image.save() would use the
            # image's first tag)
            for chunk in client.api.get_image(reference, chunk_size=SAVE_CHUNK):
                check_cancelled(progress)
                out.write(chunk)
                progress.advance(len(chunk))
    except NotFound as error:
        target.unlink(missing_ok=True)
        raise EvidenceError(f"the engine has no image {reference!r}") from error
    except DockerException as error:
        target.unlink(missing_ok=True)
        raise EvidenceError(f"cannot export image {reference}: {_reason(error)}") from error
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else error.__class__.__name__
