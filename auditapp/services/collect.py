"""Collecting evidence: gather from every source, then store it all in one transaction.

Each collected object becomes evidence (canonical JSON, SHA-256, provenance) and updates the
audit's components, images and inventory; each secret found becomes a finding that names where
it is, never what it is.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select

from auditapp.analysis.collected import (
    secret_file_in_layer,
    secret_in_configuration,
)
from auditapp.analysis.interface import Rule, fingerprint_of
from auditapp.evidence.redaction import SecretFinding
from auditapp.progress import NoProgress, Progress, check_cancelled
from auditapp.services.errors import InvalidInputError
from auditapp.services.gather import CollectRequest, Gathered, ImageResult, gather
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Change, Workspace, perform
from auditapp.store.blobs import put_blob
from auditapp.store.journal import canonical_json
from auditapp.store.models import Component, Evidence, Finding, Image, InventorySkip, Package
from auditapp.store.types import utcnow

if TYPE_CHECKING:
    from auditapp.services.early_archives import EarlyArchive


@dataclass(frozen=True)
class CollectSummary:
    images: int
    containers: int
    networks: int
    volumes: int
    services: int
    packages: dict[str, int]  # per ecosystem
    skipped: int
    incomplete: tuple[str, ...]  # images whose inventory is incomplete, with the reason
    secrets: int
    evidence: int
    components: tuple[str, ...]


def collect(
    ws: Workspace,
    caller: Caller,
    request: CollectRequest,
    progress: Progress | None = None,
    started: Mapping[Path, EarlyArchive] | None = None,
) -> CollectSummary:
    """`started`: archives of the request already being read (`services.early_archives`)."""
    if request.empty:
        raise InvalidInputError(
            "nothing to collect", hint="give --engine, --image, --archive or --compose"
        )
    progress = progress or NoProgress()
    perform(ws, caller, Action.ATTACH_EVIDENCE, "collect", lambda change: None)  # refuse early
    gathered = gather(request, progress, started)
    check_cancelled(progress)
    progress.start("storing", None)
    return perform(
        ws, caller, Action.ATTACH_EVIDENCE, "collect", lambda change: _store(change, gathered)
    )


def _store(change: Change, gathered: Gathered) -> CollectSummary:
    store = _Storer(change)
    if gathered.engine is not None:
        source = f"engine {gathered.engine.engine_id} at {gathered.engine.endpoint}"
        for obj in gathered.engine.objects:
            evidence_id = store.evidence(
                f"engine-{obj.kind}", f"{obj.kind} {obj.name}", obj.snapshot, source
            )
            store.secrets(obj.findings, obj.name, evidence_id)
            if obj.kind == "container":
                store.container_component(obj.name, obj.snapshot)
    if gathered.compose is not None:  # first: images then join the services that run them
        project = gathered.compose
        files = ", ".join(f"{f.path} sha256:{f.sha256}" for f in project.files)
        evidence_id = store.evidence(
            "compose", f"compose project {project.name}", project.to_snapshot(), f"compose {files}"
        )
        names = [service.name for service in project.services]
        for found in project.findings:
            store.secrets(
                (found,), _compose_component(found.location, names, project.name), evidence_id
            )
        for service in project.services:
            store.component(service.name, image_ref=service.image or "")
    for image in gathered.images:
        store.image(image)
    engine = gathered.engine
    packages: Counter[str] = Counter()
    for image in gathered.images:
        packages.update(image.inventory.per_ecosystem())
    summary = CollectSummary(
        images=len(gathered.images),
        containers=len(engine.of_kind("container")) if engine else 0,
        networks=len(engine.of_kind("network")) if engine else 0,
        volumes=len(engine.of_kind("volume")) if engine else 0,
        services=len(gathered.compose.services) if gathered.compose else 0,
        packages=dict(sorted(packages.items())),
        skipped=sum(len(i.inventory.skipped) for i in gathered.images),
        incomplete=tuple(
            f"{_image_name(i)}: {'; '.join(i.inventory.problems)}"
            for i in gathered.images
            if not i.inventory.complete
        ),
        secrets=store.secret_count,
        evidence=store.evidence_count,
        components=tuple(sorted(store.touched)),
    )
    change.record(
        "collect",
        "evidence",
        {
            "images": summary.images,
            "containers": summary.containers,
            "services": summary.services,
            "evidence": summary.evidence,
            "packages": sum(packages.values()),
            "secrets": summary.secrets,
        },
    )
    return summary


class _Storer:
    def __init__(self, change: Change) -> None:
        self.change = change
        self.session = change.session
        self.audit = change.audit
        self.now = utcnow()
        self.evidence_count = 0
        self.secret_count = 0
        self.touched: set[str] = set()

    def evidence(self, kind: str, title: str, snapshot: Any, source: str) -> int:
        data = canonical_json(snapshot).encode("utf-8", "backslashreplace")
        sha256 = hashlib.sha256(data).hexdigest()
        put_blob(self.session, sha256, data)
        row = Evidence(
            audit_id=self.audit.id,
            sha256=sha256,
            kind=kind,
            title=title,
            media_type="application/json",
            size=len(data),
            source=source,
            collected_at=self.now,
            collected_by=self.change.who,
        )
        self.session.add(row)
        self.session.flush()
        self.change.record(
            "evidence.collect",
            title,
            {"id": row.id, "sha256": sha256, "size": len(data), "source": source},
        )
        self.evidence_count += 1
        return row.id

    def secrets(
        self, findings: tuple[SecretFinding, ...], component: str, evidence_id: int | None
    ) -> None:
        for found in findings:
            self.finding(
                secret_in_configuration,
                f"Secret in image configuration: {found.name}",
                component,
                f"{found.location}: {found.name}",
                evidence_id,
                {"kind": found.kind, "name": found.name},
            )

    def finding(
        self,
        rule: Rule,
        title: str,
        component: str,
        location: str,
        evidence_id: int | None,
        detail: dict[str, Any],
    ) -> None:
        """A finding of a collect-time rule: its severity and requirements are the rule's."""
        title, component, location = _text(title), _text(component, 200), _text(location)
        fingerprint = fingerprint_of(rule.id, component, location)
        existing = self.session.scalar(
            select(Finding).where(
                Finding.audit_id == self.audit.id, Finding.fingerprint == fingerprint
            )
        )
        self.secret_count += 1
        if existing is not None:
            existing.last_seen, existing.evidence_id = self.now, evidence_id
            return
        self.session.add(
            Finding(
                audit_id=self.audit.id,
                fingerprint=fingerprint,
                rule_id=rule.id,
                severity=rule.severity,
                title=title,
                component=component,
                location=location,
                detail=json.dumps(detail, sort_keys=True),
                pci=json.dumps(list(rule.pci)),
                cis=json.dumps(list(rule.cis)),
                evidence_id=evidence_id,
                status="open",
                first_seen=self.now,
                last_seen=self.now,
            )
        )

    def image(self, result: ImageResult) -> None:
        name = _image_name(result)
        evidence_id = self.evidence("image-config", f"image {name}", result.config, result.source)
        self.secrets(result.findings, name, evidence_id)
        inventory = result.inventory
        if inventory.setid_files:  # CIS 4.8: setuid and setgid files, for the analysis rules
            self.evidence(
                "image-setid-files",
                f"setuid/setgid files in {name}",
                {
                    "image": result.digest,
                    "files": [
                        {"path": _text(f.path), "mode": oct(f.mode), "layer": f.layer}
                        for f in inventory.setid_files
                    ],
                },
                result.source,
            )
        for secret in inventory.secrets:
            self.finding(
                secret_file_in_layer,
                f"Credential file in image: {secret.kind}",
                name,
                f"{secret.path} (layer {secret.layer})",
                evidence_id,
                {"kind": secret.kind, "path": secret.path},
            )
        row = self.session.scalar(
            select(Image).where(Image.audit_id == self.audit.id, Image.digest == result.digest)
        )
        if row is None:
            row = Image(audit_id=self.audit.id, digest=result.digest, collected_at=self.now)
            self.session.add(row)
        os_release = inventory.os_release
        row.repo_tags = json.dumps(list(result.tags))
        row.os_id = _text(os_release.id, 50) if os_release else ""
        row.os_version = _text(os_release.version_id, 50) if os_release else ""
        row.os_name = _text(os_release.pretty_name, 500) if os_release else ""
        row.architecture = _text(result.config.get("architecture", ""), 30)
        row.source, row.evidence_id, row.collected_at = result.source, evidence_id, self.now
        row.complete = inventory.complete
        row.problems = json.dumps(list(inventory.problems))
        self.session.flush()
        self.session.execute(delete(Package).where(Package.image_id == row.id))
        self.session.execute(delete(InventorySkip).where(InventorySkip.image_id == row.id))
        # Core bulk inserts (one executemany each): an image holds thousands of packages.
        if inventory.packages:
            self.session.execute(
                insert(Package),
                [
                    {
                        "image_id": row.id,
                        "ecosystem": _text(p.ecosystem, 20),
                        "name": _text(p.name),
                        "version": _text(p.version),
                        "purl": _text(p.purl),
                        "path": _text(p.path),
                        "layer": _text(p.layer, 100),
                        "licenses": json.dumps(p.licenses),
                        "source_name": _text(p.source_name),
                        "source_version": _text(p.source_version),
                    }
                    for p in inventory.packages
                ],
            )
        if inventory.skipped:
            self.session.execute(
                insert(InventorySkip),
                [
                    {
                        "image_id": row.id,
                        "cataloger": _text(s.cataloger, 30),
                        "path": _text(s.path),
                        "reason": _text(s.reason),
                    }
                    for s in inventory.skipped
                ],
            )
        if not self._refers_to(result):
            self.component(name, image_ref=name, image_digest=result.digest)

    def _refers_to(self, result: ImageResult) -> bool:
        """Whether a component runs this image; one that names it by tag learns its digest."""
        refs = {result.digest, *result.tags}
        rows = self.session.scalars(select(Component).where(Component.audit_id == self.audit.id))
        users = [c for c in rows if c.image_digest in refs or c.image_ref in refs]
        for component in users:
            if component.image_ref in refs and component.image_digest != result.digest:
                self.component(component.name, image_digest=result.digest)
        return bool(users)

    def container_component(self, name: str, inspect: dict[str, Any]) -> None:
        labels = (inspect.get("Config") or {}).get("Labels") or {}
        service = labels.get("com.docker.compose.service")
        self.component(
            str(service or name),
            image_ref=str((inspect.get("Config") or {}).get("Image", "")),
            image_digest=str(inspect.get("Image", "")),
        )

    def component(self, name: str, *, image_ref: str = "", image_digest: str = "") -> None:
        name, image_ref, image_digest = _text(name, 200), _text(image_ref), _text(image_digest, 100)
        row = self.session.scalar(
            select(Component).where(Component.audit_id == self.audit.id, Component.name == name)
        )
        changes = {k: v for k, v in (("image_ref", image_ref), ("image_digest", image_digest)) if v}
        if row is None:
            row = Component(audit_id=self.audit.id, name=name, **changes)
            self.session.add(row)
            self.change.record("component.add", name, {**changes, "by": "collect"})
        else:
            before = {k: getattr(row, k) for k in changes}
            if any(before[k] != v for k, v in changes.items()):
                for k, v in changes.items():
                    setattr(row, k, v)
                self.change.record("component.update", name, {**changes, "by": "collect"})
        self.session.flush()
        self.touched.add(name)


def _text(value: object, limit: int | None = None) -> str:
    """Text from an image as the database can hold it on every backend: names that are not
    UTF-8 keep their bytes as escapes, and values are cut to the column's size."""
    text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text[:limit] if limit else text


def _compose_component(location: str, services: list[str], project: str) -> str:
    """The service a compose secret was found in ("compose:FILE:services.api.environment.X"),
    else the project."""
    path = location.split(":", 2)[-1]
    for name in sorted(services, key=len, reverse=True):
        if path.startswith(f"services.{name}.") or path == f"services.{name}":
            return name
    return project


def _image_name(result: ImageResult) -> str:
    return result.tags[0] if result.tags else result.digest[:19]
