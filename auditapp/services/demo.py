"""`auditapp demo`: a complete, realistic audit built from data shipped in resources/demo, so a
new user sees a whole package at once. No Docker Engine and no network are needed.

Everything goes through the public use cases, each by the member whose role allows it, and is
journaled like any other work. The shipped data is read and the images are built before the
audit is created, so damaged data changes nothing; after that each use case commits on its
own, and a failing step is named with the state it leaves.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from auditapp.progress import Progress, check_cancelled
from auditapp.resources import resource_path
from auditapp.services import (
    analysis,
    audits,
    collect,
    components,
    evidence,
    findings,
    flows,
    items,
    members,
    signoff,
    threats,
)
from auditapp.services import demo_steps as steps
from auditapp.services.demo_images import DemoDataError, load_image_specs, write_archive
from auditapp.services.demo_script import DemoScript, load_script
from auditapp.services.demo_steps import DemoRun, DemoStepError
from auditapp.services.errors import InvalidInputError
from auditapp.services.gather import CollectRequest
from auditapp.services.journal import verify_journal
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace

__all__ = ["DemoDataError", "DemoExistsError", "DemoStepError", "DemoSummary", "build_demo"]


class DemoExistsError(InvalidInputError):
    """The database already holds an audit with the demo's name."""


@dataclass(frozen=True)
class DemoSummary:
    audit: str
    members: tuple[tuple[str, str], ...]  # name, role
    components: tuple[str, ...]
    images: int
    packages: int
    vulnerabilities: int
    findings: int
    flows: int
    threats: int
    answered: int  # checklist items with a status
    items: int  # checklist items in all
    evidence: int
    signoffs: tuple[str, ...]  # who signed, in order
    journal_entries: int
    journal_intact: bool


def demo_folder() -> Path:
    return resource_path("demo")


def build_demo(ws: Workspace, *, progress: Progress) -> DemoSummary:
    """Build the demo audit in `ws`; it becomes the current audit."""
    folder = demo_folder()
    progress.start("reading the demo data", None)
    script = load_script(folder)
    specs = load_image_specs(folder / "images")
    _refuse_existing(ws, script.name)
    with tempfile.TemporaryDirectory(prefix="auditapp-demo-") as scratch:
        progress.start("building the demo images", len(specs))
        archives = []
        for spec in specs:
            archives.append(write_archive(spec, Path(scratch)))
            progress.advance()
        check_cancelled(progress)
        _create(ws, script)
        run = DemoRun(ws, script, progress)
        run.step("collect the compose file", lambda: steps.collect_compose(run, folder))
        run.step(
            "collect the image archives",
            lambda: collect.collect(
                ws, run.as_(Role.DEVELOPER), CollectRequest(archives=tuple(archives)), progress
            ),
        )
    run.step("import the vulnerability data", lambda: steps.import_osv(run, folder))
    run.step("describe the components", lambda: steps.describe_components(run))
    run.step("assign the security template", lambda: steps.assign_templates(run))
    run.step("declare the data flows", lambda: steps.declare_flows(run))
    run.step("attach the documents", lambda: steps.attach_documents(run, folder))
    run.step("pick the threat actors", lambda: steps.pick_actors(run))
    run.step("run the analysis", lambda: analysis.analyse(ws, run.as_(Role.DEVELOPER), progress))
    run.step("decide findings", lambda: steps.decide_findings(run))
    run.step("state VEX dispositions", lambda: steps.state_dispositions(run))
    run.step("run the analysis again", lambda: analysis.analyse(ws, run.as_(Role.DEVELOPER)))
    run.step("work on the threat model", lambda: steps.work_on_threats(run))
    run.step("answer the checklist", lambda: steps.answer_items(run))
    run.step("accept suggestions", lambda: steps.accept_suggestions(run))
    run.step("discuss items", lambda: steps.discuss(run))
    run.step("sign off", lambda: steps.sign_off(run))
    return run.step("check the journal", lambda: _summary(run))


def _refuse_existing(ws: Workspace, name: str) -> None:
    if any(a.name == name for a in audits.list_audits(ws)):
        raise DemoExistsError(
            f"this database already holds an audit named {name!r}; the demo was not built again",
            hint="build it in another database with `auditapp --db demo.sqlite3 demo`, "
            "or open the existing one with `auditapp --audit "
            f"{name!r} status`",
        )


def _create(ws: Workspace, script: DemoScript) -> None:
    officer = script.members[0]
    try:
        audits.create_audit(
            ws,
            script.name,
            entity=script.entity,
            description=script.description,
            first_member=officer,
        )
    except InvalidInputError as error:  # created meanwhile by someone else
        raise DemoExistsError(str(error), hint=error.hint) from None
    caller = Caller(script.name, officer[0])
    for name, role in script.members[1:]:
        members.add_member(ws, caller, name, role)


def _summary(run: DemoRun) -> DemoSummary:
    from auditapp.services.inventory import list_images
    from auditapp.services.vulns import list_vulns

    ws, caller = run.ws, run.as_(Role.AUDITOR)
    verification = verify_journal(ws, caller)
    if not verification.intact:
        raise DemoStepError(f"the journal does not verify: {verification.mismatches}")
    answers = items.list_items(ws, caller)
    images = list_images(ws, caller)
    return DemoSummary(
        audit=run.script.name,
        members=tuple((m.name, m.role.value) for m in members.list_members(ws, caller)),
        components=tuple(c.name for c in components.list_components(ws, caller)),
        images=len(images),
        packages=sum(i.packages for i in images),
        vulnerabilities=len(list_vulns(ws, caller).vulns),
        findings=len(findings.list_findings(ws, caller)),
        flows=len(flows.list_flows(ws, caller)),
        threats=len(threats.list_threats(ws, caller)),
        answered=sum(1 for a in answers if a.status is not None),
        items=len(answers),
        evidence=len(evidence.list_evidence(ws, caller)),
        signoffs=tuple(s.member for s in signoff.list_signoffs(ws, caller)),
        journal_entries=verification.entries,
        journal_intact=verification.intact,
    )
