"""Reading the inventory back: images with their completeness, and packages per component."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select

from auditapp.services.errors import NotFoundError
from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store.models import Component, Image, InventorySkip, Package


@dataclass(frozen=True)
class ImageView:
    digest: str
    tags: tuple[str, ...]
    os: str
    complete: bool
    problems: tuple[str, ...]
    packages: int
    skipped: int
    components: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class PackageView:
    image: str
    components: tuple[str, ...]
    ecosystem: str
    name: str
    version: str
    purl: str
    path: str
    licenses: tuple[str, ...]
    source_name: str
    source_version: str


def list_images(ws: Workspace, caller: Caller) -> list[ImageView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        components = list(session.scalars(select(Component).where(Component.audit_id == audit.id)))
        counts = dict(
            session.execute(select(Package.image_id, func.count()).group_by(Package.image_id)).all()
        )
        skips = dict(
            session.execute(
                select(InventorySkip.image_id, func.count()).group_by(InventorySkip.image_id)
            ).all()
        )
        views = []
        for image in session.scalars(
            select(Image).where(Image.audit_id == audit.id).order_by(Image.repo_tags, Image.digest)
        ):
            tags = tuple(json.loads(image.repo_tags))
            views.append(
                ImageView(
                    digest=image.digest,
                    tags=tags,
                    os=" ".join(x for x in (image.os_id, image.os_version) if x),
                    complete=image.complete,
                    problems=tuple(json.loads(image.problems)),
                    packages=counts.get(image.id, 0),
                    skipped=skips.get(image.id, 0),
                    components=_users(components, image.digest, tags),
                    source=image.source,
                )
            )
        return views


def list_packages(
    ws: Workspace, caller: Caller, *, component: str | None = None, ecosystem: str | None = None
) -> list[PackageView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        components = list(session.scalars(select(Component).where(Component.audit_id == audit.id)))
        images = {i.id: i for i in session.scalars(select(Image).where(Image.audit_id == audit.id))}
        wanted = set(images)
        if component is not None:
            match = next((c for c in components if c.name == component), None)
            if match is None:
                raise NotFoundError(
                    f"no component named {component!r}", hint="`auditapp components` lists them"
                )
            wanted = {
                i
                for i, image in images.items()
                if component in _users([match], image.digest, _tags(image))
            }
        query = (
            select(Package)
            .where(Package.image_id.in_(wanted))
            .order_by(Package.ecosystem, Package.name, Package.version, Package.path)
        )
        if ecosystem is not None:
            query = query.where(Package.ecosystem == ecosystem)
        views = []
        for package in session.scalars(query):
            image = images[package.image_id]
            tags = _tags(image)
            views.append(
                PackageView(
                    image=tags[0] if tags else image.digest[:19],
                    components=_users(components, image.digest, tags),
                    ecosystem=package.ecosystem,
                    name=package.name,
                    version=package.version,
                    purl=package.purl,
                    path=package.path,
                    licenses=tuple(json.loads(package.licenses)),
                    source_name=package.source_name,
                    source_version=package.source_version,
                )
            )
        return views


def _tags(image: Image) -> tuple[str, ...]:
    return tuple(json.loads(image.repo_tags))


def _users(components: list[Component], digest: str, tags: tuple[str, ...]) -> tuple[str, ...]:
    refs = {digest, *tags}
    return tuple(
        sorted(c.name for c in components if c.image_digest in refs or c.image_ref in refs)
    )


def sbom(ws: Workspace, caller: Caller, component: str) -> str:
    """A CycloneDX 1.6 JSON SBOM of the image `component` runs, with its VEX."""
    from auditapp.report.sbom import SbomPackage, build_sbom
    from auditapp.services.vex import sbom_vulnerabilities

    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        match = session.scalar(
            select(Component).where(Component.audit_id == audit.id, Component.name == component)
        )
        if match is None:
            raise NotFoundError(
                f"no component named {component!r}", hint="`auditapp components` lists them"
            )
        images = [
            i
            for i in session.scalars(select(Image).where(Image.audit_id == audit.id))
            if component in _users([match], i.digest, _tags(i))
        ]
        if not images:
            raise NotFoundError(
                f"no inventory for component {component!r} yet",
                hint="collect its image first: `auditapp collect --engine` or --archive",
            )
        image = max(images, key=lambda i: i.collected_at)
        packages = [
            SbomPackage(
                p.ecosystem, p.name, p.version, p.purl, p.path, tuple(json.loads(p.licenses))
            )
            for p in session.scalars(select(Package).where(Package.image_id == image.id))
        ]
        tags = _tags(image)
    found = sbom_vulnerabilities(ws, caller, component)  # loaded rows stay readable
    label = tags[0] if tags else image.digest
    return build_sbom(component, label, image.digest, image.collected_at, packages, found)
