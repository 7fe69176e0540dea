"""The demo's story as typed values: who does what, read from resources/demo/audit.toml and
answers.toml and checked before anything is written, so damaged data stops the demo early."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from auditapp.checklist import DEFAULT_CHECKLIST, Method, Status, load_checklist
from auditapp.services.demo_images import DemoDataError
from auditapp.services.roles import Role


@dataclass(frozen=True)
class ComponentPlan:
    name: str
    internet_facing: bool
    in_cde: bool
    data_classes: tuple[str, ...]
    host: str
    notes: str


@dataclass(frozen=True)
class FlowPlan:
    source: str
    destination: str
    port: int
    protocol: str
    data: tuple[str, ...]
    encrypted: bool
    authenticated: bool
    why: str


@dataclass(frozen=True)
class AttachmentPlan:
    file: str  # under resources/demo
    title: str
    item: str


@dataclass(frozen=True)
class FindingPlan:
    rule: str
    component: str
    status: str
    justification: str
    expires: date | None


@dataclass(frozen=True)
class ThreatPlan:
    rule: str
    element: str
    category: str  # "" when the rule and element name one threat
    status: str
    mitigation: str


@dataclass(frozen=True)
class ManualThreatPlan:
    element: str
    category: str
    title: str
    description: str
    likelihood: str
    impact: str
    mitigation: str
    actors: tuple[str, ...]
    items: tuple[str, ...]


@dataclass(frozen=True)
class VexPlan:
    purl: str
    vuln: str
    status: str
    justification: str
    detail: str


@dataclass(frozen=True)
class AnswerPlan:
    key: str
    status: Status
    method: Method
    rationale: str
    owner: str
    due: date | None


@dataclass(frozen=True)
class AcceptPlan:
    """A suggestion the officer accepts, with the work planned when it says Not in Place."""

    key: str
    owner: str
    due: date | None


@dataclass(frozen=True)
class Said:
    """A comment or a sign-off: what a member of a role says."""

    by: Role
    item: str
    text: str


@dataclass(frozen=True)
class DemoScript:
    name: str
    entity: str
    description: str
    members: tuple[tuple[str, Role], ...]  # the officer first
    components: tuple[ComponentPlan, ...]
    template_name: str
    template_file: str  # under auditapp/resources
    template_assign: tuple[str, ...]
    flows: tuple[FlowPlan, ...]
    attachments_by: Role
    attachments: tuple[AttachmentPlan, ...]
    vex: tuple[VexPlan, ...]
    findings: tuple[FindingPlan, ...]
    actors_by: Role
    actors: tuple[str, ...]
    threats: tuple[ThreatPlan, ...]
    manual_threats: tuple[ManualThreatPlan, ...]
    accept: tuple[AcceptPlan, ...]
    answers: tuple[AnswerPlan, ...]
    comments: tuple[Said, ...]
    signoffs: tuple[Said, ...]

    def member(self, role: Role) -> str:
        return next(name for name, r in self.members if r is role)

    def dates(self) -> list[date]:
        """Every planned date, to move them together (see `shifted`)."""
        found = [a.due for a in self.answers] + [a.due for a in self.accept]
        found += [f.expires for f in self.findings]
        return [d for d in found if d is not None]


def load_script(folder: Path) -> DemoScript:
    try:
        story = tomllib.loads((folder / "audit.toml").read_text("utf-8"))
        answers = tomllib.loads((folder / "answers.toml").read_text("utf-8"))
        script = _script(story, answers["answer"])
    except (OSError, UnicodeError, tomllib.TOMLDecodeError) as error:
        raise DemoDataError(f"the demo's story in {folder} cannot be read: {error}") from None
    except (KeyError, TypeError, ValueError, StopIteration) as error:
        raise DemoDataError(
            f"the demo's story in {folder} is malformed: {error.__class__.__name__}: {error}",
            hint="reinstall auditapp",
        ) from None
    _check_items(script)
    return script


def shifted(day: date | None, years: int) -> date | None:
    """`day` moved forward by whole years (29 February becomes 28 February)."""
    if day is None or years == 0:
        return day
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _script(story: dict[str, Any], answers: list[dict[str, Any]]) -> DemoScript:
    audit, template = story["audit"], story["templates"]
    members = tuple((str(m["name"]), Role.parse(m["role"])) for m in story["members"])
    if not members or members[0][1] is not Role.OFFICER:
        raise ValueError("the first member must be the officer")
    return DemoScript(
        name=str(audit["name"]),
        entity=str(audit["entity"]),
        description=" ".join(str(audit["description"]).split()),
        members=members,
        components=tuple(_component(c) for c in story["components"]),
        template_name=str(template["name"]),
        template_file=str(template["file"]),
        template_assign=tuple(map(str, template["assign"])),
        flows=tuple(_flow(f) for f in story["flows"]),
        attachments_by=Role.parse(story["attachments"]["by"]),
        attachments=tuple(
            AttachmentPlan(str(a["file"]), str(a["title"]), str(a["item"]))
            for a in story["attachments"]["files"]
        ),
        vex=tuple(_vex(v) for v in story.get("vex", [])),
        findings=tuple(_finding(f) for f in story["findings"]),
        actors_by=Role.parse(story["actors"]["by"]),
        actors=tuple(map(str, story["actors"]["kinds"])),
        threats=tuple(_threat(t) for t in story["threats"]),
        manual_threats=tuple(_manual_threat(t) for t in story.get("manual_threats", [])),
        accept=tuple(
            AcceptPlan(str(a["key"]), str(a.get("owner", "")), _date(a, "due"))
            for a in story["suggestions"]
        ),
        answers=tuple(_answer(a) for a in answers),
        comments=tuple(
            Said(Role.parse(c["by"]), str(c["item"]), str(c["text"])) for c in story["comments"]
        ),
        signoffs=tuple(
            Said(Role.parse(s["by"]), "", str(s["statement"]).strip()) for s in story["signoffs"]
        ),
    )


def _component(raw: dict[str, Any]) -> ComponentPlan:
    return ComponentPlan(
        name=str(raw["name"]),
        internet_facing=bool(raw.get("internet_facing", False)),
        in_cde=bool(raw.get("in_cde", False)),
        data_classes=tuple(map(str, raw.get("data_classes", []))),
        host=str(raw.get("host", "")),
        notes=str(raw.get("notes", "")),
    )


def _flow(raw: dict[str, Any]) -> FlowPlan:
    return FlowPlan(
        source=str(raw["source"]),
        destination=str(raw["destination"]),
        port=int(raw["port"]),
        protocol=str(raw["protocol"]),
        data=tuple(map(str, raw.get("data", []))),
        encrypted=bool(raw.get("encrypted", False)),
        authenticated=bool(raw.get("authenticated", False)),
        why=str(raw.get("why", "")),
    )


def _finding(raw: dict[str, Any]) -> FindingPlan:
    expires = _date(raw, "expires")
    return FindingPlan(
        str(raw["rule"]),
        str(raw["component"]),
        str(raw["status"]),
        " ".join(str(raw["justification"]).split()),
        expires,
    )


def _vex(raw: dict[str, Any]) -> VexPlan:
    keys = ("purl", "vuln", "status", "justification", "detail")
    return VexPlan(*(str(raw[key]) for key in keys))


def _threat(raw: dict[str, Any]) -> ThreatPlan:
    return ThreatPlan(
        rule=str(raw["rule"]),
        element=str(raw["element"]),
        category=str(raw.get("category", "")),
        status=str(raw["status"]),
        mitigation=str(raw["mitigation"]),
    )


def _manual_threat(raw: dict[str, Any]) -> ManualThreatPlan:
    return ManualThreatPlan(
        element=str(raw["element"]),
        category=str(raw["category"]),
        title=str(raw["title"]),
        description=str(raw.get("description", "")),
        likelihood=str(raw.get("likelihood", "medium")),
        impact=str(raw.get("impact", "medium")),
        mitigation=str(raw.get("mitigation", "")),
        actors=tuple(map(str, raw.get("actors", []))),
        items=tuple(map(str, raw.get("items", []))),
    )


def _date(raw: dict[str, Any], field: str) -> date | None:
    value = raw.get(field)
    if value is not None and not isinstance(value, date):
        raise ValueError(f"{raw.get('key') or raw.get('rule')}: {field} is not a date")
    return value


def _answer(raw: dict[str, Any]) -> AnswerPlan:
    due = _date(raw, "due")
    return AnswerPlan(
        key=str(raw["key"]),
        status=Status.parse(str(raw["status"])),
        method=Method.parse(str(raw.get("method", "none"))),
        rationale=str(raw["rationale"]),
        owner=str(raw.get("owner", "")),
        due=due,
    )


def _check_items(script: DemoScript) -> None:
    """Every item the story names exists in the checklist the demo audit uses."""
    checklist = load_checklist(DEFAULT_CHECKLIST)
    accepted = {a.key for a in script.accept}
    named = [a.key for a in script.answers] + sorted(accepted)
    named += [a.item for a in script.attachments] + [c.item for c in script.comments]
    named += [i for t in script.manual_threats for i in t.items]
    for key in named:
        try:
            checklist.item(key)
        except KeyError:
            raise DemoDataError(f"the demo's story names no such checklist item: {key}") from None
    answered = {a.key for a in script.answers}
    if answered & accepted:
        both = ", ".join(sorted(answered & accepted))
        raise DemoDataError(f"the demo both answers and accepts a suggestion for: {both}")
