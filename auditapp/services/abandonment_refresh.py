"""The one online step of the lifecycle report: ask npm and PyPI about every npm and PyPI package
of the audit, then store the answers as one "abandonment-signals" evidence item."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
from sqlalchemy import select

from auditapp.progress import NoProgress, Progress, check_cancelled
from auditapp.services.errors import InvalidInputError
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Change, Workspace, load_audit, perform
from auditapp.store.blobs import put_blob
from auditapp.store.journal import canonical_json
from auditapp.store.models import Evidence, Image, Package
from auditapp.store.types import utcnow
from auditapp.vulns.abandonment import (
    DEFAULT_MAX_AGE_DAYS,
    DEFAULT_NPM_BASE,
    DEFAULT_PYPI_BASE,
    DEFAULT_TIMEOUT,
    MAX_BYTES,
    AbandonmentChecker,
)
from auditapp.vulns.abandonment_result import (
    AbandonmentError,
    AbandonmentResult,
    PackageCheck,
    PackageRef,
)

EVIDENCE_KIND = "abandonment-signals"
REGISTRY_ECOSYSTEMS = ("npm", "pypi")
_LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")


@dataclass(frozen=True)
class RefreshSummary:
    evidence_id: int
    sha256: str
    packages: int  # distinct npm and PyPI packages (name and version)
    not_found: int  # not held by the registry (private or unpublished)
    skipped: int  # not asked, with the reason in the evidence
    signals: dict[str, int]  # per kind
    fetched_at: datetime
    sources: tuple[str, ...]  # the npm and PyPI base URLs


def refresh_abandonment(
    ws: Workspace,
    caller: Caller,
    session: requests.Session,
    *,
    npm_base: str = DEFAULT_NPM_BASE,
    pypi_base: str = DEFAULT_PYPI_BASE,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    progress: Progress | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
    backoff: float = 1.0,
    clock: Callable[[], datetime] | None = None,
) -> RefreshSummary:
    """Ask npm and PyPI about every npm and PyPI package of the audit, then store the answers
    as one evidence item. Any AbandonmentError (or a cancel) stores nothing."""
    if max_age_days < 1:
        raise InvalidInputError(f"the age limit must be at least 1 day, not {max_age_days}")
    progress = progress or NoProgress()
    perform(ws, caller, Action.ATTACH_EVIDENCE, EVIDENCE_KIND, lambda change: None)  # refuse early
    wanted = _registry_packages(ws, caller)
    checker = AbandonmentChecker(
        session,
        npm_base=npm_base,
        pypi_base=pypi_base,
        max_age_days=max_age_days,
        timeout=timeout,
        max_bytes=max_bytes,
        backoff=backoff,
        clock=clock,
    )
    progress.start("asking npm and PyPI", len(wanted))

    def checked(_: PackageCheck) -> None:
        progress.advance()
        check_cancelled(progress)

    try:
        result = checker.check(wanted, on_checked=checked)
    except AbandonmentError as error:
        error.hint = error.hint or "nothing was stored; the last stored signals stay in use"
        raise
    check_cancelled(progress)
    progress.start("storing", None)
    return perform(
        ws, caller, Action.ATTACH_EVIDENCE, EVIDENCE_KIND, lambda change: _store(change, result)
    )


def _registry_packages(ws: Workspace, caller: Caller) -> list[PackageRef]:
    """Distinct npm and PyPI packages; an application's own package.json is not sent to the
    public registry (it would name a private project there), only recorded."""
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        rows = session.execute(
            select(Package.ecosystem, Package.name, Package.version, Package.path)
            .join(Image, Image.id == Package.image_id)
            .where(Image.audit_id == audit.id, Package.ecosystem.in_(REGISTRY_ECOSYSTEMS))
        ).all()
    own: dict[tuple[str, str, str], str] = {}
    dependencies: set[tuple[str, str, str]] = set()
    for ecosystem, name, version, path in rows:
        key = (ecosystem, name, version)
        if ecosystem == "npm" and "node_modules/" not in path and not path.endswith(_LOCKFILES):
            own.setdefault(key, f"the application's own manifest ({path}): not asked")
        else:
            dependencies.add(key)  # asked when any copy of it is a dependency
    refs = [PackageRef(*key) for key in dependencies]
    refs += [
        PackageRef(*key, skip_reason=why) for key, why in own.items() if key not in dependencies
    ]
    return sorted(refs)


def _store(change: Change, result: AbandonmentResult) -> RefreshSummary:
    data = canonical_json(result.to_document()).encode("utf-8")
    sha256 = hashlib.sha256(data).hexdigest()
    put_blob(change.session, sha256, data)
    fetched = result.fetched_at.astimezone(UTC)
    source = (
        f"npm registry {result.npm_base}; PyPI {result.pypi_base} "
        f"(JSON API and simple index); fetched {fetched:%Y-%m-%d %H:%M:%S} UTC"
    )
    counts = Counter(c.outcome for c in result.checks)
    title = f"abandonment signals for {len(result.checks)} npm and PyPI packages"
    row = Evidence(
        audit_id=change.audit.id,
        sha256=sha256,
        kind=EVIDENCE_KIND,
        title=title,
        media_type="application/json",
        size=len(data),
        source=source,
        collected_at=utcnow(),
        collected_by=change.who,
    )
    change.session.add(row)
    change.session.flush()
    change.record(
        "evidence.collect",
        title,
        {"id": row.id, "sha256": sha256, "size": len(data), "source": source},
    )
    return RefreshSummary(
        evidence_id=row.id,
        sha256=sha256,
        packages=len(result.checks),
        not_found=counts["not-found"],
        skipped=counts["skipped"],
        signals=dict(sorted(Counter(s.kind for s in result.signals).items())),
        fetched_at=result.fetched_at,
        sources=(result.npm_base, result.pypi_base),
    )
