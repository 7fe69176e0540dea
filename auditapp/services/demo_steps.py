"""The demo's steps after its audit exists: each one a public use case, by the member whose
role allows it, and each named when it fails (with the state it leaves)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from auditapp.errors import AuditappError
from auditapp.progress import Cancelled, Progress, check_cancelled
from auditapp.resources import resource_path
from auditapp.services import (
    collect,
    comments,
    components,
    evidence,
    findings,
    flows,
    items,
    signoff,
    suggestions,
    templates,
    threats,
    vex,
    vulndb,
)
from auditapp.services.demo_images import DemoDataError
from auditapp.services.demo_script import DemoScript, shifted
from auditapp.services.errors import ServiceError
from auditapp.services.gather import CollectRequest
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace

T = TypeVar("T")


class DemoStepError(ServiceError):
    """A step of the demo failed after the audit was created."""


class DemoRun:
    """The steps after the audit exists: each named, each by the right member."""

    def __init__(self, ws: Workspace, script: DemoScript, progress: Progress) -> None:
        self.ws, self.script, self.progress = ws, script, progress
        self.years = _years_ahead(script.dates(), date.today())

    def as_(self, role: Role) -> Caller:
        return Caller(self.script.name, self.script.member(role))

    def day(self, planned: date | None) -> date | None:
        return shifted(planned, self.years)

    def step(self, label: str, work: Callable[[], T]) -> T:
        incomplete = (
            f"the audit {self.script.name!r} in this database is incomplete; build the demo "
            "in a new database with `auditapp --db demo.sqlite3 demo`"
        )
        try:
            check_cancelled(self.progress)
        except Cancelled:
            raise Cancelled(f"cancelled before the demo could {label}", hint=incomplete) from None
        self.progress.start(label, None)
        try:
            return work()
        except Cancelled:
            raise Cancelled(
                f"cancelled while the demo was trying to {label}", hint=incomplete
            ) from None
        except Exception as error:  # any failure: say which step, and what it leaves behind
            what = (
                str(error)
                if isinstance(error, AuditappError)
                else f"{type(error).__name__}: {error}"
            )
            raise DemoStepError(
                f"the demo stopped while trying to {label}: {what}", hint=incomplete
            ) from error


def _years_ahead(planned: list[date], today: date) -> int:
    """Whole years to move the plan by so that its first date lies after today."""
    if not planned:
        return 0
    first, years = min(planned), 0
    while (shifted(first, years) or first) <= today:
        years += 1
    return years


# ---- evidence --------------------------------------------------------------------------------


def collect_compose(run: DemoRun, folder: Path) -> None:
    request = CollectRequest(compose=(folder / "compose.yaml",))
    collect.collect(run.ws, run.as_(Role.DEVELOPER), request, run.progress)


def import_osv(run: DemoRun, folder: Path) -> None:
    osv = folder / "osv"
    sources = sorted(p for p in osv.iterdir() if p.is_dir())
    summary = vulndb.import_paths(run.ws, sources, run.progress)
    if summary.invalid:
        raise DemoDataError(
            f"{summary.invalid} shipped OSV records are invalid: {summary.problems}"
        )


def describe_components(run: DemoRun) -> None:
    caller = run.as_(Role.DEVELOPER)
    for plan in run.script.components:
        edit = components.ComponentEdit(
            internet_facing=plan.internet_facing,
            in_cde=plan.in_cde,
            data_classes=plan.data_classes,
            host=plan.host,
            notes=plan.notes,
        )
        components.update_component(run.ws, caller, plan.name, edit)


def assign_templates(run: DemoRun) -> None:
    script = run.script
    source = resource_path(*script.template_file.split("/"))
    templates.define_template(run.ws, run.as_(Role.OFFICER), script.template_name, source)
    for component in script.template_assign:
        templates.assign_template(run.ws, run.as_(Role.DEVELOPER), script.template_name, component)


def declare_flows(run: DemoRun) -> None:
    for plan in run.script.flows:
        given = flows.FlowInput(
            plan.source,
            plan.destination,
            plan.port,
            plan.protocol,
            plan.data,
            plan.encrypted,
            plan.authenticated,
            plan.why,
        )
        flows.add_flow(run.ws, run.as_(Role.DEVELOPER), given)


def attach_documents(run: DemoRun, folder: Path) -> None:
    caller = run.as_(run.script.attachments_by)
    for plan in run.script.attachments:
        path = folder.joinpath(*plan.file.split("/"))
        evidence.attach_file(run.ws, caller, path, item_key=plan.item, title=plan.title)


# ---- judgement -------------------------------------------------------------------------------


def pick_actors(run: DemoRun) -> None:
    for kind in run.script.actors:
        threats.add_actor(run.ws, run.as_(run.script.actors_by), kind)


def decide_findings(run: DemoRun) -> None:
    officer = run.as_(Role.OFFICER)
    for plan in run.script.findings:
        found = findings.list_findings(run.ws, officer, rule=plan.rule, component=plan.component)
        if len(found) != 1:
            raise DemoDataError(
                f"expected one {plan.rule} finding on {plan.component}, found {len(found)}"
            )
        findings.set_finding_status(
            run.ws,
            officer,
            found[0].id,
            plan.status,
            justification=plan.justification,
            expires=run.day(plan.expires),
        )


def state_dispositions(run: DemoRun) -> None:
    for plan in run.script.vex:
        vex.set_disposition(
            run.ws,
            run.as_(Role.OFFICER),
            plan.purl,
            plan.vuln,
            plan.status,
            plan.justification,
            plan.detail,
        )


def work_on_threats(run: DemoRun) -> None:
    developer = run.as_(Role.DEVELOPER)
    listed = threats.list_threats(run.ws, developer)
    for plan in run.script.threats:
        found = [
            t
            for t in listed
            if t.rule == plan.rule
            and t.element == plan.element
            and plan.category in ("", t.category)
        ]
        if len(found) != 1:
            raise DemoDataError(
                f"expected one {plan.rule} threat on {plan.element}, found {len(found)}"
            )
        edit = threats.ThreatEdit(status=plan.status, mitigation=plan.mitigation)
        threats.set_threat(run.ws, developer, found[0].id, edit)
    for manual in run.script.manual_threats:
        threats.add_threat(
            run.ws,
            developer,
            manual.element,
            category=manual.category,
            title=manual.title,
            description=manual.description,
            likelihood=manual.likelihood,
            impact=manual.impact,
            mitigation=manual.mitigation,
            actors=manual.actors,
            items=manual.items,
        )


# ---- people ----------------------------------------------------------------------------------


def answer_items(run: DemoRun) -> None:
    """The developer drafts each rationale; the officer decides status, method, owner, date."""
    for plan in run.script.answers:
        items.update_item(
            run.ws, run.as_(Role.DEVELOPER), plan.key, items.ItemEdit(rationale=plan.rationale)
        )
        decision = items.ItemEdit(
            status=plan.status, method=plan.method, owner=plan.owner, due_date=run.day(plan.due)
        )
        items.update_item(run.ws, run.as_(Role.OFFICER), plan.key, decision)


def accept_suggestions(run: DemoRun) -> None:
    officer = run.as_(Role.OFFICER)
    for plan in run.script.accept:
        suggestions.accept_suggestion(run.ws, officer, plan.key)
        if plan.owner or plan.due:
            edit = items.ItemEdit(owner=plan.owner, due_date=run.day(plan.due))
            items.update_item(run.ws, officer, plan.key, edit)


def discuss(run: DemoRun) -> None:
    for said in run.script.comments:
        comments.add_comment(run.ws, run.as_(said.by), said.item, said.text)


def sign_off(run: DemoRun) -> None:
    for said in run.script.signoffs:
        signoff.sign_off(run.ws, run.as_(said.by), said.text)
