"""The threat actors of an audit: picked from the shipped catalogue (and copied, so the team
can edit them) or written by the team."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select

from auditapp.analysis.threats import ActorProfile, actor_catalogue, actor_problems
from auditapp.services.errors import InvalidInputError, NotFoundError
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Change, Workspace, load_audit, perform
from auditapp.store.models import ThreatActor


@dataclass(frozen=True)
class ActorView:
    kind: str
    name: str
    stix_type: str
    motivations: tuple[str, ...]
    sophistication: str
    resources: str
    description: str
    from_catalogue: bool
    version: int


@dataclass(frozen=True)
class ActorEdit:
    """Fields of an actor to set; None keeps the catalogue's (or the current) value."""

    name: str | None = None
    motivations: tuple[str, ...] | None = None
    sophistication: str | None = None
    resources: str | None = None
    description: str | None = None

    def given(self) -> dict[str, Any]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}


def catalogue() -> list[ActorProfile]:
    return actor_catalogue()


def add_actor(ws: Workspace, caller: Caller, kind: str, edit: ActorEdit | None = None) -> ActorView:
    """Copy an actor from the catalogue into the audit, with `edit` applied; or write a new one
    (a kind not in the catalogue needs a name). Adding a kind that is there edits it."""
    kind = kind.strip().lower()
    given = (edit or ActorEdit()).given()
    shipped = {a.kind: a for a in actor_catalogue()}

    def work(change: Change) -> ActorView:
        row = _actor_row(change, kind)
        if row is None:
            base = shipped.get(kind)
            if base is None and not given.get("name"):
                raise InvalidInputError(
                    f"{kind!r} is not in the actor catalogue: give it a --name to add your own",
                    hint="`auditapp actors --catalogue` lists the shipped actors",
                )
            values = _checked(kind, {**_profile_values(base), **given})
            row = ThreatActor(audit_id=change.audit.id, kind=kind, **_stored(values))
            row.updated_by = change.who
            change.session.add(row)
            change.record("actor.add", kind, {"from_catalogue": base is not None} | given)
        else:
            if not given:
                raise InvalidInputError(f"actor {kind!r} is already in the threat model")
            values = _checked(kind, {**_profile_values(_profile_of(row)), **given})
            for field, value in _stored(values).items():
                setattr(row, field, value)
            row.updated_by = change.who
            change.record("actor.update", kind, given)
        change.session.flush()
        return _view(row, kind in shipped)

    return perform(ws, caller, Action.EDIT_THREAT_MODEL, kind, work)


def remove_actor(ws: Workspace, caller: Caller, kind: str) -> None:
    kind = kind.strip().lower()

    def work(change: Change) -> None:
        row = _actor_row(change, kind)
        if row is None:
            raise NotFoundError(
                f"actor {kind!r} is not in the threat model", hint="`auditapp actors` lists them"
            )
        change.session.delete(row)
        change.record("actor.remove", kind, {"name": row.name})

    perform(ws, caller, Action.EDIT_THREAT_MODEL, kind, work)


def list_actors(ws: Workspace, caller: Caller) -> list[ActorView]:
    shipped = {a.kind for a in actor_catalogue()}
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        rows = session.scalars(
            select(ThreatActor).where(ThreatActor.audit_id == audit.id).order_by(ThreatActor.id)
        )
        return [_view(row, row.kind in shipped) for row in rows]


def _actor_row(change: Change, kind: str) -> ThreatActor | None:
    return change.session.scalar(
        select(ThreatActor).where(ThreatActor.audit_id == change.audit.id, ThreatActor.kind == kind)
    )


def _profile_values(profile: ActorProfile | None) -> dict[str, Any]:
    if profile is None:
        return {}
    return {f.name: getattr(profile, f.name) for f in fields(profile) if f.name != "kind"}


def _profile_of(row: ThreatActor) -> ActorProfile:
    return ActorProfile(
        row.kind,
        row.name,
        row.stix_type,
        tuple(json_list(row.motivations, str)),
        row.sophistication,
        row.resources,
        row.description,
    )


def _checked(kind: str, values: dict[str, Any]) -> ActorProfile:
    profile = ActorProfile(
        kind=kind,
        name=str(values.get("name", "")).strip(),
        stix_type=str(values.get("stix_type", "")),
        motivations=tuple(m.strip().lower() for m in values.get("motivations", ())),
        sophistication=str(values.get("sophistication", "")).strip().lower(),
        resources=str(values.get("resources", "")).strip().lower(),
        description=str(values.get("description", "")).strip(),
    )
    problems = actor_problems(profile)
    if problems:
        raise InvalidInputError(f"actor {kind!r}: {'; '.join(problems)}")
    return profile


def _stored(profile: ActorProfile) -> dict[str, Any]:
    values = _profile_values(profile)
    values["motivations"] = json.dumps(list(profile.motivations))
    return values


def known_actor_kinds(change: Change) -> set[str]:
    """Kinds a threat may name: the catalogue's and the audit's own."""
    own = change.session.scalars(
        select(ThreatActor.kind).where(ThreatActor.audit_id == change.audit.id)
    )
    return {a.kind for a in actor_catalogue()} | set(own)


def json_list(text: str | None, kind: type[Any]) -> list[Any]:
    """A JSON list stored in a text column, read as hostile: anything else (or any entry of
    another type) is left out rather than crashed on."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [v for v in value if isinstance(v, kind)] if isinstance(value, list) else []


def _view(row: ThreatActor, from_catalogue: bool) -> ActorView:
    return ActorView(
        kind=row.kind,
        name=row.name,
        stix_type=row.stix_type,
        motivations=tuple(json_list(row.motivations, str)),
        sophistication=row.sophistication,
        resources=row.resources,
        description=row.description,
        from_catalogue=from_catalogue,
        version=row.version,
    )
