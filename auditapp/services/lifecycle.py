"""Lifecycle risk of the audit's images (PCI DSS 12.3.4): end of life of each image's operating
system and language runtimes, and the abandonment signals last fetched from npm and PyPI.

The report works offline: end-of-life data ship with auditapp, and the signals come from the
newest "abandonment-signals" evidence, with how old they are. The one online step (every
registry asked first, then one evidence item stored in one transaction) is `abandonment_refresh`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.services.abandonment_refresh import EVIDENCE_KIND, REGISTRY_ECOSYSTEMS
from auditapp.services.inventory import _users as components_using
from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store.blobs import read_blob
from auditapp.store.models import Component, Evidence, Image, Package
from auditapp.vulns.abandonment_result import (
    SIGNAL_KINDS,
    AbandonmentError,
    AbandonmentResult,
    Signal,
)
from auditapp.vulns.lifecycle import (
    LifecycleData,
    LifecycleStatus,
    detect_runtimes,
    os_status,
    runtime_status,
    shipped_data,
)

SIGNALS_MAX_AGE_DAYS = 30  # older signals are still shown, with a warning
REFRESH_HINT = "run `auditapp lifecycle --refresh` on a machine with network"
NO_SIGNALS = f"no abandonment data: {REFRESH_HINT}"
_URGENCY = {"end-of-life": 0, "extended-support": 1, "security-only": 2, "unknown": 3}


@dataclass(frozen=True)
class LifecycleItem:
    """The operating system or one language runtime of one image, and where its support stands."""

    subject: Literal["os", "runtime"]
    name: str  # "Debian GNU/Linux 9 (stretch)", "python 3.11.2"
    status: LifecycleStatus
    image: str  # the image's first tag, else its short digest
    digest: str
    components: tuple[str, ...]


@dataclass(frozen=True)
class SignalView:
    signal: Signal
    images: tuple[str, ...]
    components: tuple[str, ...]
    age_days: int  # days since the registry was asked


@dataclass(frozen=True)
class StoredSignals:
    """The evidence the signals come from."""

    evidence_id: int
    fetched_at: datetime
    age_days: int
    sources: tuple[str, ...]
    checked: int
    not_found: int
    skipped: int


@dataclass(frozen=True)
class LifecycleReport:
    today: date
    data_as_of: date  # the date of the end-of-life data in use
    items: tuple[LifecycleItem, ...]  # most urgent first
    signals: tuple[SignalView, ...]  # most urgent first
    abandonment: StoredSignals | None  # None: never fetched, or the evidence is unreadable
    notice: str  # how old the signals are, or what to do to get them
    signals_stale: bool  # older than `max_signal_age_days` or not covering the inventory
    unchecked: int  # npm and PyPI packages collected since the signals were fetched


@dataclass(frozen=True)
class _OsRelease:
    id: str
    version_id: str
    pretty_name: str


def lifecycle_report(
    ws: Workspace,
    caller: Caller,
    *,
    today: date | None = None,
    data: LifecycleData | None = None,
    max_signal_age_days: int = SIGNALS_MAX_AGE_DAYS,
) -> LifecycleReport:
    """End of life per image (OS and runtimes) and the stored abandonment signals, offline.

    `data`: lifecycle data to use instead of the shipped data (e.g. a cached online refresh
    laid over it with `CachedCycles.apply`)."""
    today = today or datetime.now(UTC).date()
    data = data or shipped_data()
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        components = list(session.scalars(select(Component).where(Component.audit_id == audit.id)))
        images = list(session.scalars(select(Image).where(Image.audit_id == audit.id)))
        packages: dict[int, list[Package]] = defaultdict(list)
        for package in session.scalars(
            select(Package).where(Package.image_id.in_([i.id for i in images]))
        ):
            packages[package.image_id].append(package)
        stored = _newest_signals(session, audit.id)

    items: list[LifecycleItem] = []
    users = _Users()
    for image in images:
        tags = tuple(json.loads(image.repo_tags))
        label = tags[0] if tags else image.digest[:19]
        using = components_using(components, image.digest, tags)
        items.append(LifecycleItem("os", *_os_of(image, today, data), label, image.digest, using))
        for kind, version in detect_runtimes(packages[image.id]):
            status = runtime_status(kind, version, today, data)
            name = f"{kind} {version}"
            items.append(LifecycleItem("runtime", name, status, label, image.digest, using))
        for package in packages[image.id]:
            if package.ecosystem in REGISTRY_ECOSYSTEMS:
                users.add((package.ecosystem, package.name, package.version), label, using)
    items.sort(key=_urgency)
    report = LifecycleReport(today, data.data_as_of, tuple(items), (), None, NO_SIGNALS, False, 0)
    return _with_signals(report, stored, users, max_signal_age_days)


class _Users:
    """Which images and components hold each npm and PyPI package (name and version)."""

    def __init__(self) -> None:
        self.images: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self.components: dict[tuple[str, str, str], set[str]] = defaultdict(set)

    def add(self, key: tuple[str, str, str], image: str, components: tuple[str, ...]) -> None:
        self.images[key].add(image)
        self.components[key].update(components)


def _os_of(image: Image, today: date, data: LifecycleData) -> tuple[str, LifecycleStatus]:
    if not image.os_id:
        note = "the image has no os-release file: its distribution is not known"
        unknown = LifecycleStatus(
            product="unknown",
            cycle="",
            eol=None,
            extended_until=None,
            state="unknown",
            days_left=None,
            source="",
            data_as_of=data.data_as_of,
            note=note,
        )
        return "unknown operating system", unknown
    name = image.os_name or f"{image.os_id} {image.os_version}".strip()
    return name, os_status(_OsRelease(image.os_id, image.os_version, image.os_name), today, data)


def _urgency(item: LifecycleItem) -> tuple[int, int, str, str]:
    """By state, then the longest past (or soonest) end; an end-of-life release older than
    all the data has no date and counts as the longest past."""
    status = item.status
    undated = -(10**6) if status.state == "end-of-life" else 10**6
    days = status.days_left if status.days_left is not None else undated
    return _URGENCY.get(status.state, len(_URGENCY)), days, item.image, item.name


def _newest_signals(session: Session, audit_id: int) -> tuple[int, AbandonmentResult | str] | None:
    """The newest signals evidence, read back; the reason instead when it cannot be read."""
    evidence = session.scalar(
        select(Evidence)
        .where(Evidence.audit_id == audit_id, Evidence.kind == EVIDENCE_KIND)
        .order_by(Evidence.collected_at.desc(), Evidence.id.desc())
        .limit(1)
    )
    if evidence is None:
        return None
    where = f"evidence #{evidence.id}"
    data = read_blob(session, evidence.sha256)
    try:
        if data is None or hashlib.sha256(data).hexdigest() != evidence.sha256:
            raise AbandonmentError(f"the bytes of {where} are missing or changed")
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise AbandonmentError(f"{where} is not JSON") from None
        return evidence.id, AbandonmentResult.from_document(document, where)
    except AbandonmentError as error:
        return evidence.id, str(error)


def _with_signals(
    report: LifecycleReport,
    stored: tuple[int, AbandonmentResult | str] | None,
    users: _Users,
    max_age_days: int,
) -> LifecycleReport:
    if stored is None:
        return report
    evidence_id, result = stored
    if isinstance(result, str):
        notice = f"the stored abandonment data cannot be used ({result}): {REFRESH_HINT}"
        return replace(report, notice=notice, signals_stale=True, unchecked=len(users.images))
    fetched = result.fetched_at.astimezone(UTC)
    age = max(0, (report.today - fetched.date()).days)
    ago = "today" if age == 0 else "1 day ago" if age == 1 else f"{age} days ago"
    covered = {(c.ecosystem, c.name, c.version) for c in result.checks}
    unchecked = len(set(users.images) - covered)
    notice = f"signals fetched {ago} ({fetched:%Y-%m-%d %H:%M} UTC, evidence #{evidence_id})"
    if age > max_age_days:
        notice += f"; older than {max_age_days} days: run `auditapp lifecycle --refresh`"
    if unchecked:
        notice += f"; {unchecked} npm/PyPI package(s) collected since are not covered"
    views = [  # a package no longer in any image has nothing left to report
        SignalView(
            signal,
            tuple(sorted(users.images[key])),
            tuple(sorted(users.components[key])),
            max(0, (report.today - signal.fetched_at.astimezone(UTC).date()).days),
        )
        for signal in result.signals
        if (key := (signal.ecosystem, signal.name, signal.version)) in users.images
    ]
    views.sort(key=lambda v: (SIGNAL_KINDS.index(v.signal.kind), v.signal.name, v.signal.version))
    counts = Counter(c.outcome for c in result.checks)
    summary = StoredSignals(
        evidence_id,
        result.fetched_at,
        age,
        (result.npm_base, result.pypi_base),
        counts["checked"],
        counts["not-found"],
        counts["skipped"],
    )
    return replace(
        report,
        signals=tuple(views),
        abandonment=summary,
        notice=notice,
        signals_stale=age > max_age_days or unchecked > 0,
        unchecked=unchecked,
    )
