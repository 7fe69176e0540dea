"""Security templates: officers define them from a file; they are assigned to components.

A template file is TOML, JSON or YAML (by its extension), at most 1 MB, and is checked
against the schema in `auditapp.analysis.templates`. It is stored in canonical JSON with the
file's path and SHA-256, so the journal and the report can say where it came from.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.analysis.templates import TemplateError, parse_template, to_body
from auditapp.evidence import read_attachment
from auditapp.evidence.errors import EvidenceError, EvidenceTooLargeError
from auditapp.formats import strict_json
from auditapp.services.errors import InvalidInputError, NotFoundError
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Change, Workspace, load_audit, perform
from auditapp.store.models import Audit, Component, SecurityTemplate
from auditapp.store.types import utcnow

FILE_LIMIT = 1024 * 1024
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
FORMATS = {".toml": "TOML", ".json": "JSON", ".yaml": "YAML", ".yml": "YAML"}


@dataclass(frozen=True)
class TemplateView:
    name: str
    description: str
    body: dict[str, Any]  # the canonical template (see analysis.templates.to_body)
    source: str  # "<path> sha256:<hex>"
    version: int
    updated_at: datetime
    updated_by: str
    components: tuple[str, ...]  # the components it is assigned to


def define_template(ws: Workspace, caller: Caller, name: str, path: Path) -> TemplateView:
    """Define `name` from the file at `path`, or replace its body if it exists (its version
    goes up; an identical file changes nothing). Officers only."""
    name = check_template_name(name)
    body_data, sha256 = read_template_file(path)
    try:
        template = parse_template(body_data, name=name)
    except TemplateError as error:
        raise InvalidInputError(f"template file {path}: {error}") from None
    body = json.dumps(to_body(template), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    source = f"{path.resolve()} sha256:{sha256}"

    def work(change: Change) -> TemplateView:
        row = _find(change.session, change.audit, name)
        if row is not None and row.body == body and row.source == source:
            return _view(change.session, row)
        replaced = row is not None
        if row is None:
            row = SecurityTemplate(audit_id=change.audit.id, name=name)
            change.session.add(row)
        row.body, row.source = body, source
        row.updated_at, row.updated_by = utcnow(), change.who
        change.session.flush()
        change.record(
            "template.define",
            name,
            {"source": source, "version": row.version, "replaced": replaced},
        )
        return _view(change.session, row)

    return perform(ws, caller, Action.DEFINE_TEMPLATES, name, work)


def assign_template(ws: Workspace, caller: Caller, name: str, component: str) -> TemplateView:
    """Assign template `name` to `component`; both must exist."""

    def work(change: Change) -> TemplateView:
        row = _find(change.session, change.audit, name)
        if row is None:
            raise NotFoundError(
                f"no template named {name!r}", hint="`auditapp template list` shows them"
            )
        target = change.session.scalar(
            select(Component).where(
                Component.audit_id == change.audit.id, Component.name == component
            )
        )
        if target is None:
            raise NotFoundError(
                f"no component named {component!r}", hint="`auditapp component list` shows them"
            )
        if target.template != name:
            change.record("template.assign", component, {"template": [target.template, name]})
            target.template = name
            change.session.flush()
        return _view(change.session, row)

    return perform(ws, caller, Action.ASSIGN_TEMPLATES, component, work)


def list_templates(ws: Workspace, caller: Caller) -> list[TemplateView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        rows = session.scalars(
            select(SecurityTemplate)
            .where(SecurityTemplate.audit_id == audit.id)
            .order_by(SecurityTemplate.name)
        )
        return [_view(session, row) for row in rows]


def show_template(ws: Workspace, caller: Caller, name: str) -> TemplateView:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        row = _find(session, audit, name)
        if row is None:
            raise NotFoundError(
                f"no template named {name!r}", hint="`auditapp template list` shows them"
            )
        return _view(session, row)


def check_template_name(name: str) -> str:
    name = name.strip()
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidInputError(
            f"template name {name[:120]!r}: use 1 to 100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def read_template_file(path: Path) -> tuple[Any, str]:
    """The parsed content of a template file and its SHA-256; InvalidInputError naming the
    file and the problem (missing, too large, not UTF-8, unknown format, syntax error)."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InvalidInputError(
            f"template file {path}: unknown format; name it .toml, .json, .yaml or .yml"
        )
    try:
        attached = read_attachment(path, max_bytes=FILE_LIMIT)
    except EvidenceTooLargeError:
        raise InvalidInputError(f"template file {path}: larger than 1 MB") from None
    except EvidenceError as error:
        raise InvalidInputError(f"template file {path}: {_reason(error, path)}") from None
    try:
        text = attached.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError(f"template file {path}: not UTF-8 text") from None
    try:
        data = _parse(kind, text)
    except (ValueError, yaml.YAMLError, RecursionError) as error:
        raise InvalidInputError(
            f"template file {path}: not valid {kind}: {_first_line(error)}"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"template file {path}: expected a table of keys at the top")
    return data, attached.sha256


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without anchors and aliases: a 1 MB file of nested aliases can expand to
    gigabytes (the "billion laughs"), and a template has no use for them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases (*name) are not accepted in a template")
        return super().compose_node(parent, index)


def _parse(kind: str, text: str) -> Any:
    if kind == "TOML":
        return tomllib.loads(text)
    if kind == "JSON":
        return strict_json.loads(text)
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass


def _first_line(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return (str(error).strip().splitlines() or [error.__class__.__name__])[0][:200]


def _reason(error: EvidenceError, path: Path) -> str:
    text = str(error)
    for prefix in (f"cannot attach {path}: ", f"cannot read {path}: "):
        text = text.removeprefix(prefix)
    return text


def _find(session: Session, audit: Audit, name: str) -> SecurityTemplate | None:
    return session.scalar(
        select(SecurityTemplate).where(
            SecurityTemplate.audit_id == audit.id, SecurityTemplate.name == name
        )
    )


def _view(session: Session, row: SecurityTemplate) -> TemplateView:
    try:
        body = json.loads(row.body)
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    description = body.get("description")
    components = session.scalars(
        select(Component.name)
        .where(Component.audit_id == row.audit_id, Component.template == row.name)
        .order_by(Component.name)
    )
    return TemplateView(
        name=row.name,
        description=description if isinstance(description, str) else "",
        body=body,
        source=row.source,
        version=row.version,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        components=tuple(components),
    )
