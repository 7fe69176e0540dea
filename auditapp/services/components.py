"""Components under assessment: the services and containers of the application."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select

from auditapp.analysis.model import DATA_CLASSES
from auditapp.services.errors import InvalidInputError, NotFoundError
from auditapp.services.roles import Action
from auditapp.services.workspace import (
    Caller,
    Change,
    Workspace,
    check_name,
    load_audit,
    perform,
)
from auditapp.store.errors import StaleEditError
from auditapp.store.models import Component


@dataclass(frozen=True)
class ComponentView:
    name: str
    image_ref: str
    image_digest: str
    internet_facing: bool
    in_cde: bool
    data_classes: tuple[str, ...]
    host: str
    notes: str
    version: int


@dataclass(frozen=True)
class ComponentEdit:
    """Fields to set; None leaves a field as it is."""

    image_ref: str | None = None
    internet_facing: bool | None = None
    in_cde: bool | None = None
    data_classes: tuple[str, ...] | None = None
    host: str | None = None
    notes: str | None = None

    def changes(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


def add_component(ws: Workspace, caller: Caller, name: str, edit: ComponentEdit) -> ComponentView:
    name = check_name(name, "the component's name")
    values = _validated(edit)

    def work(change: Change) -> ComponentView:
        if _find(change, name) is not None:
            raise InvalidInputError(f"a component named {name!r} already exists")
        component = Component(audit_id=change.audit.id, name=name, **values)
        change.session.add(component)
        change.record("component.add", name, _plain(values))
        change.session.flush()
        return _view(component)

    return perform(ws, caller, Action.MANAGE_COMPONENTS, name, work)


def update_component(
    ws: Workspace,
    caller: Caller,
    name: str,
    edit: ComponentEdit,
    *,
    expected_version: int | None = None,
) -> ComponentView:
    values = _validated(edit)
    if not values:
        raise InvalidInputError(f"nothing to change on component {name}")

    def work(change: Change) -> ComponentView:
        component = _find(change, name)
        if component is None:
            raise NotFoundError(
                f"no component named {name!r}", hint="`auditapp component list` shows them"
            )
        if expected_version is not None and component.version != expected_version:
            raise StaleEditError(
                f"component {name} was changed by someone else meanwhile",
                hint="reload it, then apply your change again",
            )
        summary = {}
        for field, value in values.items():
            if getattr(component, field) != value:
                summary[field] = [getattr(component, field), value]
                setattr(component, field, value)
        if summary:
            change.record("component.update", name, summary)
            change.session.flush()
        return _view(component)

    return perform(ws, caller, Action.MANAGE_COMPONENTS, name, work)


def list_components(ws: Workspace, caller: Caller) -> list[ComponentView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        rows = session.scalars(
            select(Component).where(Component.audit_id == audit.id).order_by(Component.name)
        )
        return [_view(c) for c in rows]


def _validated(edit: ComponentEdit) -> dict[str, Any]:
    values = edit.changes()
    classes = values.get("data_classes")
    if classes is not None:
        unknown = [c for c in classes if c not in DATA_CLASSES]
        if unknown:
            raise InvalidInputError(
                f"unknown data class {unknown[0]!r}: choose from {', '.join(DATA_CLASSES)}"
            )
        values["data_classes"] = ",".join(sorted(set(classes)))
    for field in ("image_ref", "host"):
        if field in values and len(values[field]) > 500:
            raise InvalidInputError(f"the {field.replace('_', ' ')} is longer than 500 characters")
    return values


def _find(change: Change, name: str) -> Component | None:
    return change.session.scalar(
        select(Component).where(Component.audit_id == change.audit.id, Component.name == name)
    )


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != "notes"} | (
        {"notes": values["notes"][:120]} if "notes" in values else {}
    )


def _view(component: Component) -> ComponentView:
    return ComponentView(
        name=component.name,
        image_ref=component.image_ref,
        image_digest=component.image_digest,
        internet_facing=component.internet_facing,
        in_cde=component.in_cde,
        data_classes=tuple(c for c in component.data_classes.split(",") if c),
        host=component.host,
        notes=component.notes,
        version=component.version,
    )
