"""The audit's threat model: the actors the team picked (threat_actors.py), and threats per
element — generated from the deployment on every analysis run (threat_refresh.py), or written
by people. Listing, writing and deciding threats happen here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select

from auditapp.analysis.model import ZONE_PREFIX
from auditapp.analysis.threats import (
    LEVELS,
    ElementKind,
    Stride,
    ThreatStatus,
)
from auditapp.services.errors import InvalidInputError, NotFoundError
from auditapp.services.roles import Action
from auditapp.services.threat_actors import (
    ActorEdit,
    ActorView,
    add_actor,
    catalogue,
    json_list,
    known_actor_kinds,
    list_actors,
    remove_actor,
)
from auditapp.services.threat_refresh import refresh_threats, refresh_threats_now
from auditapp.services.workspace import Caller, Change, Workspace, load_audit, perform
from auditapp.store.models import Component, Threat
from auditapp.store.types import utcnow

__all__ = [
    "ActorEdit",
    "ActorView",
    "ThreatEdit",
    "ThreatView",
    "add_actor",
    "add_threat",
    "catalogue",
    "get_threat",
    "list_actors",
    "list_threats",
    "refresh_threats",
    "refresh_threats_now",
    "remove_actor",
    "set_threat",
]

TEXT_LIMIT = 4000


@dataclass(frozen=True)
class ThreatView:
    id: int
    origin: str  # generated, manual
    rule: str
    element: str
    element_kind: str
    category: str
    title: str
    description: str
    actors: tuple[str, ...]
    likelihood: str
    impact: str
    mitigation: str
    status: str
    items: tuple[str, ...]
    findings: tuple[int, ...]
    active: bool
    updated_at: datetime
    updated_by: str
    version: int


@dataclass(frozen=True)
class ThreatEdit:
    """Fields of a threat to set; None leaves a field as it is."""

    status: str | None = None
    likelihood: str | None = None
    impact: str | None = None
    mitigation: str | None = None
    actors: tuple[str, ...] | None = None
    items: tuple[str, ...] | None = None

    def given(self) -> dict[str, Any]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}


# ---- threats -----------------------------------------------------------------------------------


def list_threats(
    ws: Workspace,
    caller: Caller,
    element: str | None = None,
    status: str | None = None,
    *,
    include_inactive: bool = False,
) -> list[ThreatView]:
    """Threats in element order. `element` also matches the flows that start or end at it."""
    wanted = _status(status) if status is not None else None
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        query = select(Threat).where(Threat.audit_id == audit.id)
        if not include_inactive:
            query = query.where(Threat.active.is_(True))
        if wanted is not None:
            query = query.where(Threat.status == wanted)
        views = [_view(row) for row in session.scalars(query)]
    if element is not None:
        views = [v for v in views if _concerns(v, element)]
    order = {c.value: i for i, c in enumerate(Stride)}
    return sorted(views, key=lambda v: (v.element, order.get(v.category, 9), v.rule, v.id))


def get_threat(ws: Workspace, caller: Caller, threat_id: int) -> ThreatView:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        row = session.scalar(
            select(Threat).where(Threat.audit_id == audit.id, Threat.id == threat_id)
        )
        if row is None:
            raise NotFoundError(f"no threat #{threat_id}", hint="`auditapp threats` lists them")
        return _view(row)


def _concerns(view: ThreatView, element: str) -> bool:
    if view.element == element:
        return True
    return view.element_kind == ElementKind.DATA_FLOW and (
        view.element.startswith(f"{element} -> ") or f" -> {element} " in view.element
    )


def add_threat(
    ws: Workspace,
    caller: Caller,
    element: str,
    *,
    category: str,
    title: str,
    description: str = "",
    likelihood: str = "medium",
    impact: str = "medium",
    mitigation: str = "",
    actors: tuple[str, ...] = (),
    items: tuple[str, ...] = (),
) -> ThreatView:
    """A threat people write themselves (origin "manual"); refreshes never change it."""
    element = _text(element, "the element", 300, required=True)
    title = _text(title, "the title", TEXT_LIMIT, required=True)
    description = _text(description, "the description", TEXT_LIMIT)
    try:
        stride = Stride.parse(category)
    except ValueError as error:
        raise InvalidInputError(str(error)) from None
    values = {
        "likelihood": _level(likelihood, "likelihood"),
        "impact": _level(impact, "impact"),
        "mitigation": _text(mitigation, "the mitigation", TEXT_LIMIT),
    }

    def work(change: Change) -> ThreatView:
        row = Threat(
            audit_id=change.audit.id,
            fingerprint=f"manual-{uuid.uuid4().hex}",
            origin="manual",
            rule="",
            element=element,
            element_kind=_kind_of(change, element),
            category=stride.value,
            title=title,
            description=description,
            actors=json.dumps(_actors(change, actors)),
            items=json.dumps(_items(change, items)),
            status=ThreatStatus.UNCHECKED.value,
            active=True,
            updated_at=utcnow(),
            updated_by=change.who,
            **values,
        )
        change.session.add(row)
        change.session.flush()
        change.record(
            "threat.add", f"threat {row.id}", {"element": element, "category": stride.value}
        )
        return _view(row)

    return perform(ws, caller, Action.EDIT_THREAT_MODEL, element, work)


def set_threat(ws: Workspace, caller: Caller, threat_id: int, edit: ThreatEdit) -> ThreatView:
    given = edit.given()
    if not given:
        raise InvalidInputError(f"nothing to change on threat {threat_id}")
    if "status" in given:
        given["status"] = _status(given["status"])
    for field in ("likelihood", "impact"):
        if field in given:
            given[field] = _level(given[field], field)
    if "mitigation" in given:
        given["mitigation"] = _text(given["mitigation"], "the mitigation", TEXT_LIMIT)

    def work(change: Change) -> ThreatView:
        row = change.session.scalar(
            select(Threat).where(Threat.audit_id == change.audit.id, Threat.id == threat_id)
        )
        if row is None:
            raise NotFoundError(f"no threat #{threat_id}", hint="`auditapp threats` lists them")
        values = dict(given)
        if "actors" in values:
            values["actors"] = json.dumps(_actors(change, values["actors"]))
        if "items" in values:
            values["items"] = json.dumps(_items(change, values["items"]))
        changed = {
            field: [getattr(row, field), value]
            for field, value in values.items()
            if getattr(row, field) != value
        }
        if changed:
            for field, (_, value) in changed.items():
                setattr(row, field, value)
            row.updated_at, row.updated_by = utcnow(), change.who
            readable = {  # lists as lists in the journal, not as JSON text
                field: [json_list(v, str) for v in pair] if field in ("actors", "items") else pair
                for field, pair in changed.items()
            }
            summary = {"id": row.id, "fingerprint": row.fingerprint, "changed": readable}
            change.record("threat.set", f"threat {row.id}", summary)
            change.session.flush()
        return _view(row)

    return perform(ws, caller, Action.EDIT_THREAT_MODEL, f"threat {threat_id}", work)


def _status(text: str) -> str:
    try:
        return ThreatStatus.parse(text).value
    except ValueError as error:
        raise InvalidInputError(str(error)) from None


def _level(text: str, what: str) -> str:
    value = text.strip().lower()
    if value not in LEVELS:
        raise InvalidInputError(f"unknown {what} {text!r}: choose one of {', '.join(LEVELS)}")
    return value


def _text(value: str, what: str, limit: int, *, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInputError(f"{what} cannot be empty")
    if len(value) > limit:
        raise InvalidInputError(f"{what} is longer than {limit} characters")
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in value):
        raise InvalidInputError(f"{what} contains control characters")
    return value


def _actors(change: Change, kinds: Iterable[str]) -> list[str]:
    known = known_actor_kinds(change)
    chosen = list(dict.fromkeys(k.strip().lower() for k in kinds if k.strip()))
    unknown = [k for k in chosen if k not in known]
    if unknown:
        raise InvalidInputError(
            f"unknown actor {unknown[0]!r}: pick one from the catalogue or add it first",
            hint="`auditapp actors --catalogue` and `auditapp actors` list them",
        )
    return chosen


def _items(change: Change, keys: Iterable[str]) -> list[str]:
    known = {item.key for item in change.checklist.items()}
    chosen = list(dict.fromkeys(k.strip() for k in keys if k.strip()))
    unknown = [k for k in chosen if k not in known]
    if unknown:
        raise InvalidInputError(
            f"unknown checklist item {unknown[0]!r}", hint="`auditapp item list` shows the keys"
        )
    return chosen


def _kind_of(change: Change, element: str) -> str:
    """The kind of an element a person names: as generated threats know it, else from its
    shape (a zone, a flow, a host), else a process if it is a component."""
    known = change.session.scalar(
        select(Threat.element_kind)
        .where(Threat.audit_id == change.audit.id, Threat.element == element)
        .limit(1)
    )
    if known:
        return known
    if element.startswith(ZONE_PREFIX):
        return ElementKind.EXTERNAL_ENTITY.value
    if " -> " in element:
        return ElementKind.DATA_FLOW.value
    if element.startswith("host "):
        return ElementKind.RUNTIME.value
    component = change.session.scalar(
        select(Component.id).where(Component.audit_id == change.audit.id, Component.name == element)
    )
    return (ElementKind.PROCESS if component else ElementKind.OTHER).value


def _view(row: Threat) -> ThreatView:
    return ThreatView(
        id=row.id,
        origin=row.origin,
        rule=row.rule,
        element=row.element,
        element_kind=row.element_kind,
        category=row.category,
        title=row.title,
        description=row.description,
        actors=tuple(json_list(row.actors, str)),
        likelihood=row.likelihood,
        impact=row.impact,
        mitigation=row.mitigation,
        status=row.status,
        items=tuple(json_list(row.items, str)),
        findings=tuple(v for v in json_list(row.findings, int) if not isinstance(v, bool)),
        active=row.active,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        version=row.version,
    )
