"""What the Findings view reads in one go, off the UI thread: the findings (active and no
longer seen), the rule catalogue, which checklist sections name each rule, and the names of
the evidence the findings came from."""

from __future__ import annotations

from dataclasses import dataclass

from auditapp.checklist import load_checklist
from auditapp.services import audits
from auditapp.services.evidence import list_evidence
from auditapp.services.findings import FindingView, RuleView, list_findings, rules_catalogue
from auditapp.services.report_data import evidence_refs
from auditapp.services.workspace import Caller, Workspace


@dataclass(frozen=True)
class FindingsData:
    findings: list[FindingView]
    catalogue: list[RuleView]
    sections: dict[str, tuple[str, ...]]  # rule id -> titles of the sections naming it
    section_titles: list[str]  # in checklist order
    evidence_names: dict[int, str]  # evidence id -> "SYS-1 compose project"

    @property
    def rules(self) -> list[str]:
        return sorted({f.rule_id for f in self.findings})

    @property
    def components(self) -> list[str]:
        return sorted({f.component for f in self.findings})


def read_findings(ws: Workspace, caller: Caller) -> FindingsData:
    findings = list_findings(ws, caller, include_inactive=True)
    evidence = list_evidence(ws, caller)
    refs = evidence_refs(evidence)
    checklist = load_checklist(checklist_id(ws, caller))
    sections: dict[str, list[str]] = {}
    for section in checklist.sections:
        for item in section.items:
            for rule in item.rules:
                titles = sections.setdefault(rule, [])
                if section.title not in titles:
                    titles.append(section.title)
    return FindingsData(
        findings=findings,
        catalogue=rules_catalogue(),
        sections={rule: tuple(titles) for rule, titles in sections.items()},
        section_titles=[s.title for s in checklist.sections],
        evidence_names={e.id: f"{refs[e.id]} {e.title}" for e in evidence},
    )


def checklist_id(ws: Workspace, caller: Caller) -> str:
    """The checklist the caller's audit answers (the current audit's when none is named)."""
    found = audits.list_audits(ws)
    for summary in found:
        if summary.name == caller.audit or (caller.audit is None and summary.current):
            return summary.checklist_id
    return load_checklist().id
