"""Declared data flows between components and zones, and the report of declared against
observed (PCI DSS 1.2.4's data-flow diagram, 1.2.5's approved ports and protocols)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.analysis.model import DATA_CLASSES, ZONE_PREFIX, ZONES
from auditapp.analysis.network import FlowReport, flow_report
from auditapp.services.analysis import load_deployment
from auditapp.services.errors import InvalidInputError, NotFoundError
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Change, Workspace, check_name, load_audit, perform
from auditapp.store.models import Audit, Component, Flow
from auditapp.store.types import utcnow

PROTOCOL_LIMIT = 20  # the column's size
JUSTIFICATION_LIMIT = 2000
LISTED = 20  # components named in an "unknown flow end" error


@dataclass(frozen=True)
class FlowInput:
    """A flow as a person declares it: ends are component names or zones ("internet" or
    "zone:internet")."""

    source: str
    destination: str
    port: int
    protocol: str
    data_classes: tuple[str, ...] = ()
    encrypted: bool = False
    authenticated: bool = False
    justification: str = ""


@dataclass(frozen=True)
class FlowView:
    id: int
    source: str
    destination: str
    port: int
    protocol: str
    data_classes: tuple[str, ...]
    encrypted: bool
    authenticated: bool
    justification: str
    created_by: str
    created_at: datetime


def add_flow(ws: Workspace, caller: Caller, given: FlowInput) -> FlowView:
    port, protocol, classes, why = _checked(given)

    def work(change: Change) -> FlowView:
        source, destination = _ends(change.session, change.audit, given.source, given.destination)
        duplicate = change.session.scalar(
            select(Flow).where(
                Flow.audit_id == change.audit.id,
                Flow.source == source,
                Flow.destination == destination,
                Flow.port == port,
                Flow.protocol == protocol,
            )
        )
        if duplicate is not None:
            raise InvalidInputError(
                f"{source} -> {destination} {port}/{protocol} is already declared as flow "
                f"{duplicate.id}",
                hint=f"remove it first (`auditapp flow remove {duplicate.id}`) to change it",
            )
        row = Flow(
            audit_id=change.audit.id,
            source=source,
            destination=destination,
            port=port,
            protocol=protocol,
            data_classes=json.dumps(list(classes)),
            encrypted=given.encrypted,
            authenticated=given.authenticated,
            justification=why,
            created_at=utcnow(),
            created_by=change.who,
        )
        change.session.add(row)
        change.session.flush()
        view = _view(row)
        change.record("flow.add", _target(view), _summary(view))
        return view

    return perform(ws, caller, Action.DECLARE_FLOWS, f"{given.source} -> {given.destination}", work)


def remove_flow(ws: Workspace, caller: Caller, flow_id: int) -> FlowView:
    def work(change: Change) -> FlowView:
        row = change.session.scalar(
            select(Flow).where(Flow.audit_id == change.audit.id, Flow.id == flow_id)
        )
        if row is None:
            raise NotFoundError(
                f"no flow {flow_id} in this audit", hint="`auditapp flows` lists them with ids"
            )
        view = _view(row)
        change.session.delete(row)
        change.record("flow.remove", _target(view), _summary(view))
        return view

    return perform(ws, caller, Action.DECLARE_FLOWS, f"flow {flow_id}", work)


def list_flows(ws: Workspace, caller: Caller) -> list[FlowView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        rows = session.scalars(select(Flow).where(Flow.audit_id == audit.id).order_by(Flow.id))
        return [_view(r) for r in rows]


def flows_report(ws: Workspace, caller: Caller) -> FlowReport:
    """Declared flows, observed exposure and the drift between them, from the stored evidence."""
    return flow_report(load_deployment(ws, caller, with_vulns=False))


def _checked(given: FlowInput) -> tuple[int, str, tuple[str, ...], str]:
    if isinstance(given.port, bool) or not isinstance(given.port, int):
        raise InvalidInputError(f"the port must be a number, not {given.port!r}")
    if not 1 <= given.port <= 65535:
        raise InvalidInputError(f"port {given.port} is not between 1 and 65535")
    protocol = given.protocol.strip().lower()
    if not protocol:
        raise InvalidInputError("the protocol cannot be empty (tcp, udp, https, postgres, ...)")
    if len(protocol) > PROTOCOL_LIMIT or not protocol.isprintable() or " " in protocol:
        raise InvalidInputError(
            f"the protocol {given.protocol!r} must be one word of at most "
            f"{PROTOCOL_LIMIT} characters"
        )
    classes = tuple(sorted({c.strip() for c in given.data_classes if c.strip()}))
    unknown = [c for c in classes if c not in DATA_CLASSES]
    if unknown:
        raise InvalidInputError(
            f"unknown data class {unknown[0]!r}: choose from {', '.join(DATA_CLASSES)}"
        )
    if "none" in classes and len(classes) > 1:
        raise InvalidInputError("the data class 'none' cannot be combined with others")
    why = given.justification.strip()
    if len(why) > JUSTIFICATION_LIMIT:
        raise InvalidInputError(
            f"the justification is longer than {JUSTIFICATION_LIMIT} characters"
        )
    return given.port, protocol, classes, why


def _ends(session: Session, audit: Audit, source: str, destination: str) -> tuple[str, str]:
    """Both ends as stored ("zone:internet" or a component name), or one error naming what
    exists when either end is unknown."""
    names = set(session.scalars(select(Component.name).where(Component.audit_id == audit.id)))
    src = _end(check_name(source, "the flow's source"), names)
    dst = _end(check_name(destination, "the flow's destination"), names)
    if src is None or dst is None:
        unknown = [
            repr(given.strip()) for given, end in ((source, src), (destination, dst)) if end is None
        ]
        listed = ", ".join(sorted(names)[:LISTED]) or "none yet"
        if len(names) > LISTED:
            listed += f" and {len(names) - LISTED} more"
        raise InvalidInputError(
            f"unknown flow end {' and '.join(unknown)}: name a component ({listed}) "
            f"or a zone ({', '.join(ZONES)})",
            hint="`auditapp component add NAME` adds a component",
        )
    if src.startswith(ZONE_PREFIX) and dst.startswith(ZONE_PREFIX):
        raise InvalidInputError(f"{src} -> {dst}: both ends are zones; one must be a component")
    if src == dst:
        raise InvalidInputError(f"{src} -> {dst}: a flow needs two different ends")
    return src, dst


def _end(given: str, components: set[str]) -> str | None:
    """The end as stored. A component of that name wins over a bare zone name;
    "zone:<zone>" always means the zone."""
    if given in components:
        return given
    zone = given.removeprefix(ZONE_PREFIX)
    return ZONE_PREFIX + zone if zone in ZONES else None


def _view(row: Flow) -> FlowView:
    try:
        stored = json.loads(row.data_classes or "[]")
    except ValueError:
        stored = []
    classes = tuple(c for c in stored if isinstance(c, str)) if isinstance(stored, list) else ()
    return FlowView(
        id=row.id,
        source=row.source,
        destination=row.destination,
        port=row.port,
        protocol=row.protocol,
        data_classes=classes,
        encrypted=row.encrypted,
        authenticated=row.authenticated,
        justification=row.justification,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _target(view: FlowView) -> str:
    return f"flow {view.id}"


def _summary(view: FlowView) -> dict[str, object]:
    return {
        "source": view.source,
        "destination": view.destination,
        "port": view.port,
        "protocol": view.protocol,
        "data_classes": list(view.data_classes),
        "encrypted": view.encrypted,
        "authenticated": view.authenticated,
        "justification": view.justification[:120],
    }
