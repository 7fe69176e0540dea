"""The picture monitoring compares: what an audit's estate, findings, flows, vulnerabilities and
lifecycle look like at one moment, as typed values that round-trip through JSON.

The baseline is one of these, frozen at the final sign-off; each monitor run takes another.
Reading one back checks its shape, so a baseline edited outside auditapp is reported as
corrupt rather than compared.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from auditapp.store.errors import CorruptDataError

# 2: `docker_sock` holds every mount that exposes the container runtime (`runtime_sockets`);
# 1 held only those whose source or target ended in "docker.sock". Both are read.
FORMAT = 2
READABLE_FORMATS = (1, 2)


@dataclass(frozen=True)
class PackageRef:
    ecosystem: str
    name: str
    version: str
    purl: str


@dataclass(frozen=True)
class ImageInventory:
    name: str  # the first tag, else the short digest
    packages: tuple[PackageRef, ...]


@dataclass(frozen=True)
class WorkloadProfile:
    """What runtime drift is judged on, per engine container or compose service."""

    label: str  # "container api-1", "service api"
    component: str
    origin: str
    image_digest: str
    privileged: bool
    ports: tuple[str, ...]  # "0.0.0.0:8080->80/tcp"
    # mounts that expose the container runtime's socket (`runtime_sockets`), "source -> target";
    # named so since it held docker.sock alone: stored baselines carry the name
    docker_sock: tuple[str, ...]
    memory_bytes: int | None
    nano_cpus: int | None
    cpu_shares: int | None
    pids_limit: int | None


@dataclass(frozen=True)
class FindingState:
    id: int
    rule_id: str
    severity: str
    title: str
    component: str
    status: str
    justification: str
    expires: str | None  # YYYY-MM-DD
    active: bool


@dataclass(frozen=True)
class ExposureState:
    key: str
    component: str
    text: str  # how a person reads it
    off_host: bool


@dataclass(frozen=True)
class VulnState:
    id: str
    aliases: tuple[str, ...]
    severity: str
    score: float | None
    ecosystem: str
    package: str
    version: str
    fixed: tuple[str, ...]
    components: tuple[str, ...]
    image: str
    disposition: str


@dataclass(frozen=True)
class LifecycleState:
    key: str
    kind: str  # "end-of-life" or an abandonment signal: yanked, deprecated, archived, stale
    text: str
    components: tuple[str, ...]


@dataclass(frozen=True)
class DataState:
    ecosystem: str
    records: int
    newest_modified: str


@dataclass(frozen=True)
class Snapshot:
    taken_at: str  # ISO 8601, UTC
    images: dict[str, ImageInventory]  # by image digest
    components: dict[str, str]  # component name -> image digest ("" unknown)
    workloads: tuple[WorkloadProfile, ...]
    findings: tuple[FindingState, ...]
    declared_flows: tuple[str, ...]
    observed: tuple[ExposureState, ...]
    unjustified: tuple[ExposureState, ...]  # observed exposure no declared flow justifies
    vulnerability_data: tuple[DataState, ...]
    vulns: dict[str, tuple[VulnState, ...]]  # by package purl
    known_exploited: tuple[str, ...]  # matched vulnerabilities the KEV catalogue listed
    lifecycle: tuple[LifecycleState, ...]
    format: int = FORMAT  # what it was written as: an older baseline keeps its own

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str, where: str) -> Snapshot:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise CorruptDataError(f"{where} is not JSON") from None
        try:
            return _snapshot(data)
        except (KeyError, TypeError, ValueError) as error:
            raise CorruptDataError(
                f"{where} cannot be read ({error.__class__.__name__}: {error})",
                hint="it was changed outside auditapp; `auditapp journal verify` checks the rest",
            ) from None


# ---- reading back, checking each value's type ------------------------------------------------


def _snapshot(data: Any) -> Snapshot:
    d = _dict(data)
    written = d.get("format")
    if isinstance(written, bool) or written not in READABLE_FORMATS:
        raise ValueError(f"unknown format {written!r}")
    return Snapshot(
        taken_at=_str(d["taken_at"]),
        images={_str(k): _image(v) for k, v in _dict(d["images"]).items()},
        components={_str(k): _str(v) for k, v in _dict(d["components"]).items()},
        workloads=tuple(_workload(v) for v in _list(d["workloads"])),
        findings=tuple(_finding(v) for v in _list(d["findings"])),
        declared_flows=_strs(d["declared_flows"]),
        observed=tuple(_exposure(v) for v in _list(d["observed"])),
        unjustified=tuple(_exposure(v) for v in _list(d["unjustified"])),
        vulnerability_data=tuple(
            DataState(_str(v["ecosystem"]), _int(v["records"]), _str(v["newest_modified"]))
            for v in map(_dict, _list(d["vulnerability_data"]))
        ),
        vulns={
            _str(k): tuple(_vuln(v) for v in _list(found)) for k, found in _dict(d["vulns"]).items()
        },
        known_exploited=_strs(d["known_exploited"]),
        lifecycle=tuple(
            LifecycleState(_str(v["key"]), _str(v["kind"]), _str(v["text"]), _strs(v["components"]))
            for v in map(_dict, _list(d["lifecycle"]))
        ),
        format=written,
    )


def _image(value: Any) -> ImageInventory:
    d = _dict(value)
    packages = tuple(
        PackageRef(_str(p["ecosystem"]), _str(p["name"]), _str(p["version"]), _str(p["purl"]))
        for p in map(_dict, _list(d["packages"]))
    )
    return ImageInventory(_str(d["name"]), packages)


def _workload(value: Any) -> WorkloadProfile:
    d = _dict(value)
    return WorkloadProfile(
        label=_str(d["label"]),
        component=_str(d["component"]),
        origin=_str(d["origin"]),
        image_digest=_str(d["image_digest"]),
        privileged=_bool(d["privileged"]),
        ports=_strs(d["ports"]),
        docker_sock=_strs(d["docker_sock"]),
        memory_bytes=_int_or_none(d["memory_bytes"]),
        nano_cpus=_int_or_none(d["nano_cpus"]),
        cpu_shares=_int_or_none(d["cpu_shares"]),
        pids_limit=_int_or_none(d["pids_limit"]),
    )


def _finding(value: Any) -> FindingState:
    d = _dict(value)
    expires = d["expires"]
    return FindingState(
        id=_int(d["id"]),
        rule_id=_str(d["rule_id"]),
        severity=_str(d["severity"]),
        title=_str(d["title"]),
        component=_str(d["component"]),
        status=_str(d["status"]),
        justification=_str(d["justification"]),
        expires=None if expires is None else _str(expires),
        active=_bool(d["active"]),
    )


def _exposure(value: Any) -> ExposureState:
    d = _dict(value)
    return ExposureState(
        _str(d["key"]), _str(d["component"]), _str(d["text"]), _bool(d["off_host"])
    )


def _vuln(value: Any) -> VulnState:
    d = _dict(value)
    score = d["score"]
    if score is not None and not isinstance(score, int | float):
        raise TypeError("a score is not a number")
    return VulnState(
        id=_str(d["id"]),
        aliases=_strs(d["aliases"]),
        severity=_str(d["severity"]),
        score=None if score is None else float(score),
        ecosystem=_str(d["ecosystem"]),
        package=_str(d["package"]),
        version=_str(d["version"]),
        fixed=_strs(d["fixed"]),
        components=_strs(d["components"]),
        image=_str(d["image"]),
        disposition=_str(d["disposition"]),
    )


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(_str(v) for v in _list(value))


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type(value).__name__}")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {type(value).__name__}")
    return value


def _int_or_none(value: Any) -> int | None:
    return None if value is None else _int(value)
