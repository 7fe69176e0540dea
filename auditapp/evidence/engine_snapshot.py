"""What the Docker Engine told us, redacted: the part of engine evidence that needs no docker SDK.

Environment values are always replaced; secret-looking labels, commands and build history lines
too. Each secret becomes a `SecretFinding` that names the place and never the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditapp.evidence.redaction import (
    SecretFinding,
    redact_argv,
    redact_command,
    redact_env_list,
    redact_mapping,
)


@dataclass(frozen=True)
class EngineObject:
    kind: str  # daemon, daemon-config, image, container, network, volume
    name: str
    snapshot: dict[str, Any]
    findings: tuple[SecretFinding, ...] = ()


@dataclass(frozen=True)
class EngineSnapshot:
    endpoint: str
    engine_id: str
    objects: tuple[EngineObject, ...]

    def of_kind(self, kind: str) -> list[EngineObject]:
        return [o for o in self.objects if o.kind == kind]


def redact_image(name: str, inspect: dict[str, Any], history: list[dict[str, Any]]) -> EngineObject:
    findings: list[SecretFinding] = []
    place = f"image {name}"
    for key in ("Config", "ContainerConfig"):
        if isinstance(inspect.get(key), dict):
            inspect[key] = redact_config(inspect[key], f"{place} {key}", findings)
    for n, step in enumerate(history):
        created_by = step.get("CreatedBy")
        if isinstance(created_by, str):
            step["CreatedBy"], hits = redact_command(created_by)
            findings += [
                SecretFinding(f"{place} history step {n}", hit, "build history") for hit in hits
            ]
    return EngineObject("image", name, {"inspect": inspect, "history": history}, tuple(findings))


def redact_config(
    config: dict[str, Any], place: str, findings: list[SecretFinding]
) -> dict[str, Any]:
    config = dict(config)
    if isinstance(config.get("Env"), list):
        config["Env"], names = redact_env_list(config["Env"], all_values=True)
        findings += [SecretFinding(f"{place} Env", name, "environment") for name in names]
    if isinstance(config.get("Labels"), dict):
        config["Labels"], names = redact_mapping(config["Labels"])
        findings += [SecretFinding(f"{place} Labels", name, "label") for name in names]
    for key in ("Cmd", "Entrypoint"):
        if isinstance(config.get(key), list):
            config[key], hits = redact_argv(config[key])
            findings += [SecretFinding(f"{place} {key}", hit, "command") for hit in hits]
    return config
