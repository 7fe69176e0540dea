"""Compose files as evidence: parsed, interpolated, merged like `docker compose -f a -f b`,
filtered by profiles, normalised, and redacted before anything is stored.

The steps live in compose_*.py: reading (compose_yaml), interpolation, shapes, secrets,
merging, and building each service.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from auditapp.evidence.compose_extends import ExtendsResolver, extends_reference
from auditapp.evidence.compose_interpolate import Variables, interpolate_tree, read_env_file
from auditapp.evidence.compose_merge import merge_files
from auditapp.evidence.compose_model import (
    ComposeFile,
    ComposeProject,
    ComposeService,
    NetworkDefinition,
    VolumeDefinition,
)
from auditapp.evidence.compose_secrets import FileRedactor, hardcoded_secrets
from auditapp.evidence.compose_service import ServiceBuilder
from auditapp.evidence.compose_shapes import Shaper
from auditapp.evidence.compose_yaml import read_compose_file
from auditapp.evidence.errors import EvidenceError
from auditapp.evidence.redaction import SecretFinding

MAX_FILES = 64
_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def load_compose(
    paths: Sequence[Path],
    *,
    env_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    profiles: Sequence[str] = (),
) -> ComposeProject:
    """Load one compose project from `paths`, later files overriding earlier ones.

    Variables come from `environ` (the process environment when None, as for docker compose)
    and then from `env_file`, or the `.env` beside the first file when there is one.
    Profiles are active when named in `profiles` or in COMPOSE_PROFILES.
    """
    if not paths:
        raise EvidenceError("no compose file given")
    environment = dict(os.environ if environ is None else environ)
    project_dir = Path(paths[0]).parent
    if env_file is None and (project_dir / ".env").is_file():
        env_file = project_dir / ".env"
    env_values = read_env_file(env_file, environment) if env_file is not None else {}
    variables = Variables(environment, env_values)

    documents = _Documents(variables)
    main = [documents.add(Path(path)) for path in paths]
    documents.follow_extends()
    warnings = documents.warnings

    redacted, findings = _redact(documents.shaped, variables)
    resolver = ExtendsResolver(redacted)
    resolved: list[tuple[str, dict[str, Any]]] = []
    extended_from: dict[str, list[str]] = {}
    for origin in main:
        data, bases = resolver.resolve(origin)
        resolved.append((origin, data))
        for name, files in bases.items():
            extended_from.setdefault(name, []).extend(files)
    merged, origins = merge_files(resolved)
    active = _active_profiles(profiles, variables.lookup("COMPOSE_PROFILES"))
    services: list[ComposeService] = []
    inactive: list[str] = []
    for name, raw in sorted(merged.get("services", {}).items()):
        service_profiles = {str(p) for p in raw.get("profiles") or []}
        if service_profiles and "*" not in active and not service_profiles & active:
            inactive.append(name)
            continue
        sources = dict.fromkeys([*extended_from.get(name, []), *origins.get(name, [])])
        builder = ServiceBuilder(name, raw, tuple(sources))
        services.append(builder.build())
        warnings.extend(builder.warnings)

    networks = _networks(merged.get("networks", {}), services, warnings)
    volumes = _volumes(merged.get("volumes", {}), services, warnings)
    _check_dependencies(services, inactive, warnings)
    return ComposeProject(
        name=_project_name(variables.lookup("COMPOSE_PROJECT_NAME"), merged.get("name"), paths),
        files=tuple(ComposeFile(origin, digest) for origin, digest in documents.digests.items()),
        services=tuple(services),
        networks=networks,
        volumes=volumes,
        secrets=tuple(sorted(merged.get("secrets", {}))),
        configs=tuple(sorted(merged.get("configs", {}))),
        active_profiles=tuple(sorted(active)),
        inactive_services=tuple(inactive),
        env_file=None if env_file is None else str(env_file),
        warnings=tuple(dict.fromkeys(warnings)),
        findings=tuple(sorted(set(findings))),
    )


def _redact(
    shaped: Mapping[str, dict[str, Any]], variables: Variables
) -> tuple[dict[str, dict[str, Any]], list[SecretFinding]]:
    """Each file redacted on its own, so findings name the file that holds the secret."""
    hardcoded: dict[str, str] = {}
    for data in shaped.values():
        hardcoded.update(hardcoded_secrets(data))
    findings: list[SecretFinding] = list(variables.findings)
    redacted: dict[str, dict[str, Any]] = {}
    for origin, data in shaped.items():
        redactor = FileRedactor(origin, hardcoded)
        redacted[origin] = redactor.redact(data)
        findings.extend(redactor.findings)
    return redacted, findings


class _Documents:
    """The files of one project as read, interpolated and shaped, keyed by path as given;
    with the files that `extends: {file: ...}` names, followed transitively."""

    def __init__(self, variables: Variables) -> None:
        self.variables = variables
        self.shaped: dict[str, dict[str, Any]] = {}
        self.digests: dict[str, str] = {}
        self.warnings: list[str] = []

    def add(self, path: Path) -> str:
        origin = str(path)
        if origin in self.shaped:
            return origin
        if len(self.shaped) >= MAX_FILES:
            raise EvidenceError(
                f"compose project has more than {MAX_FILES} files; {origin} refused"
            )
        source = read_compose_file(path)
        before = len(self.variables.unset)
        data = interpolate_tree(source.data, self.variables, origin)
        for name in dict.fromkeys(self.variables.unset[before:]):
            self.warnings.append(f"{origin}: variable {name} is not set; an empty string is used")
        shaper = Shaper(origin)
        self.shaped[origin] = shaper.shape_file(data)
        self.digests[origin] = source.sha256
        self.warnings.extend(shaper.warnings)
        return origin

    def follow_extends(self) -> None:
        pending = list(self.shaped)
        while pending:
            origin = pending.pop()
            for service in self.shaped[origin].get("services", {}).values():
                reference = (
                    extends_reference(origin, service) if isinstance(service, dict) else None
                )
                if reference is not None and reference[0] not in self.shaped:
                    pending.append(self.add(Path(reference[0])))


def _active_profiles(requested: Sequence[str], from_environment: str | None) -> set[str]:
    active = {p.strip() for p in requested if p.strip()}
    if from_environment:
        active |= {p.strip() for p in from_environment.split(",") if p.strip()}
    return active


def _networks(
    defined: Mapping[str, Any], services: Sequence[ComposeService], warnings: list[str]
) -> tuple[NetworkDefinition, ...]:
    result: dict[str, NetworkDefinition] = {}
    for name, settings in defined.items():
        settings = settings if isinstance(settings, dict) else {}
        external, external_name = _external(settings)
        result[name] = NetworkDefinition(
            name=name,
            driver=None if settings.get("driver") is None else str(settings["driver"]),
            internal=settings.get("internal") in (True, "true"),
            external=external,
            external_name=external_name,
        )
    for service in services:
        for network in service.networks:
            if network.name in result:
                continue
            if network.name == "default":  # compose creates it for services that name none
                result["default"] = NetworkDefinition(name="default", driver="bridge")
            else:
                warnings.append(
                    f"service {service.name} uses network {network.name}, which no file defines"
                )
    return tuple(result[name] for name in sorted(result))


def _volumes(
    defined: Mapping[str, Any], services: Sequence[ComposeService], warnings: list[str]
) -> tuple[VolumeDefinition, ...]:
    result = []
    for name, settings in sorted(defined.items()):
        settings = settings if isinstance(settings, dict) else {}
        external, external_name = _external(settings)
        driver = settings.get("driver")
        result.append(
            VolumeDefinition(
                name=name,
                driver=None if driver is None else str(driver),
                external=external,
                external_name=external_name,
            )
        )
    for service in services:
        for volume in service.volumes:
            if volume.type == "volume" and volume.source and volume.source not in defined:
                warnings.append(
                    f"service {service.name} mounts volume {volume.source}, which no file defines"
                )
    return tuple(result)


def _external(settings: Mapping[str, Any]) -> tuple[bool, str | None]:
    external = settings.get("external")
    if isinstance(external, dict):  # the old `external: {name: x}` form
        name = external.get("name")
        return True, None if name is None else str(name)
    is_external = external in (True, "true")
    name = settings.get("name")
    return is_external, str(name) if is_external and name is not None else None


def _check_dependencies(
    services: Sequence[ComposeService], inactive: Sequence[str], warnings: list[str]
) -> None:
    names = {service.name for service in services}
    for service in services:
        for dependency in service.depends_on:
            if dependency.service in names:
                continue
            state = "is not active" if dependency.service in inactive else "is not defined"
            warnings.append(
                f"service {service.name} depends on {dependency.service}, which {state}"
            )


def _project_name(from_environment: str | None, declared: Any, paths: Sequence[Path]) -> str:
    """COMPOSE_PROJECT_NAME, then top-level `name:`, then the first file's folder (as compose)."""
    for candidate in (from_environment, declared):
        if candidate:
            name = str(candidate)
            if not _PROJECT_NAME.match(name):
                raise EvidenceError(
                    f"compose project name {name!r} is invalid: use lower-case letters, digits, "
                    "- and _, starting with a letter or digit"
                )
            return name
    folder = Path(paths[0]).resolve().parent.name.lower()
    return re.sub(r"[^a-z0-9_-]", "", folder).lstrip("_-") or "default"
