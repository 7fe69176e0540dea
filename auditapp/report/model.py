"""Everything the audit package shows, as plain values: the services gather it from the
database once, and the PDF, the companions and the bundle are rendered from it alone.

Times are the data's own (evidence collected, answers updated, sign-offs signed), never the
clock, so the same audit state always renders to the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from auditapp.analysis.blast import BlastRadius
from auditapp.analysis.model import Deployment
from auditapp.analysis.network_drift import FlowReport

STATUS_LABELS = {
    "in_place": "In Place",
    "not_applicable": "Not Applicable",
    "not_tested": "Not Tested",
    "not_in_place": "Not in Place",
    None: "Unanswered",
}
MARKING = "Pre-assessment evidence package: not a PCI DSS Report on Compliance or AOC"


@dataclass(frozen=True)
class AuditInfo:
    name: str
    entity: str
    description: str
    checklist_title: str
    checklist_version: str
    pci_dss_version: str
    cis_benchmark: str
    period_start: date | None  # the earliest evidence or answer
    period_end: date | None  # the latest evidence, answer or sign-off
    as_of: datetime  # the newest time in the data: the package's "printed" time
    journal_head: str
    journal_entries: int
    final: bool  # an officer and an auditor have signed off
    draft_forced: bool = False  # `export --draft`: marked DRAFT whatever the sign-offs


@dataclass(frozen=True)
class SignOffRow:
    member: str
    role: str
    signed_at: datetime
    statement: str
    journal_head: str


@dataclass(frozen=True)
class MemberRow:
    name: str
    role: str


@dataclass(frozen=True)
class EvidenceRow:
    """One line of the evidence manifest. `ref` is SYS-n (collected system evidence) or
    DOC-n (attached documents), numbered in collection order."""

    ref: str
    id: int
    title: str
    kind: str
    media_type: str
    source: str
    collected_by: str
    collected_at: datetime
    sha256: str
    size: int
    items: tuple[str, ...]  # checklist items it is linked to
    file_name: str  # its name inside the package: "evidence/SYS-3.json"


@dataclass(frozen=True)
class FindingRow:
    id: int
    rule_id: str
    severity: str
    title: str
    component: str
    location: str
    pci: tuple[str, ...]
    cis: tuple[str, ...]
    status: str  # open, accepted-risk, false-positive, remediated
    justification: str
    expires: date | None
    evidence_ref: str  # "SYS-4" or ""
    remediation: str  # from the rule's documentation
    owner: str  # of the checklist item it belongs to, if any
    target_date: date | None
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class ItemRow:
    key: str
    question: str
    guidance: str
    status: str | None  # Status value; None: unanswered
    method: str
    pci: tuple[str, ...]
    cis: tuple[str, ...]
    rationale: str
    owner: str
    due_date: date | None
    updated_by: str
    updated_at: datetime | None
    evidence_refs: tuple[str, ...]
    finding_ids: tuple[int, ...]  # active findings of the item's rules
    suggestion: str  # "Not in Place: 3 of 5 … run as root" or ""
    comments: tuple[tuple[str, str, datetime, str], ...]  # author, role, at, body


@dataclass(frozen=True)
class SectionRow:
    number: int
    key: str
    title: str
    summary: str
    items: tuple[ItemRow, ...]


@dataclass(frozen=True)
class ComponentRow:
    name: str
    image_ref: str
    image_digest: str
    internet_facing: bool
    in_cde: bool
    data_classes: tuple[str, ...]
    host: str
    template: str
    notes: str


@dataclass(frozen=True)
class HostRow:
    """Docker daemon and host facts, each with the basis it rests on."""

    label: str
    value: str
    basis: str


@dataclass(frozen=True)
class SampleRow:
    """A sample set (ROC 4.9): what was examined out of how many."""

    ref: str  # "Sample Set-1"
    kind: str  # containers, images, compose services
    items: tuple[str, ...]
    examined: int
    population: int


@dataclass(frozen=True)
class PackageCount:
    component: str
    image: str
    os: str
    os_end_of_life: str  # "2026-06-30 (ended)" / "2028-06-30" / "unknown"
    per_ecosystem: tuple[tuple[str, int], ...]
    complete: bool


@dataclass(frozen=True)
class VulnRow:
    id: str
    aliases: tuple[str, ...]
    severity: str
    score: float | None
    package: str
    version: str
    ecosystem: str
    fixed_versions: tuple[str, ...]
    components: tuple[str, ...]
    disposition: str
    summary: str


@dataclass(frozen=True)
class LifecycleRow:
    component: str
    subject: str  # "Debian 11", "Python 3.8", "npm left-pad"
    kind: str  # os, runtime, package
    status: str  # end-of-life, near end-of-life, abandoned, deprecated, yanked
    detail: str


@dataclass(frozen=True)
class VulnDataRow:
    ecosystem: str
    records: int
    newest_modified: str
    imported_at: datetime | None
    age_days: int | None


@dataclass(frozen=True)
class ActorRow:
    kind: str
    name: str
    stix_type: str
    motivations: tuple[str, ...]
    sophistication: str
    resources: str
    description: str


@dataclass(frozen=True)
class ThreatRow:
    id: int
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
    origin: str  # generated, manual


@dataclass(frozen=True)
class RuleRow:
    id: str
    title: str
    severity: str
    pci: tuple[str, ...]
    cis: tuple[str, ...]


@dataclass(frozen=True)
class Methodology:
    auditapp_version: str
    checklist: str  # id and version
    rule_catalogue: str  # a short digest of the rule ids, severities and mappings
    rules: tuple[RuleRow, ...]
    vuln_data: tuple[VulnDataRow, ...]
    analysed_at: datetime | None
    analysed_by: str


@dataclass(frozen=True)
class Companion:
    """A file attached inside the PDF and written into the bundle."""

    name: str  # "sbom/api.cdx.json", "findings.json", "evidence/SYS-3.json"
    media_type: str
    data: bytes
    description: str


@dataclass(frozen=True)
class ReportData:
    audit: AuditInfo
    members: tuple[MemberRow, ...]
    signoffs: tuple[SignOffRow, ...]
    missing_signoffs: tuple[str, ...]  # roles still to sign: "officer", "auditor"
    sections: tuple[SectionRow, ...]
    components: tuple[ComponentRow, ...]
    host: tuple[HostRow, ...]
    samples: tuple[SampleRow, ...]
    deployment: Deployment
    flows: FlowReport
    blast: BlastRadius
    packages: tuple[PackageCount, ...]
    vulns: tuple[VulnRow, ...]
    lifecycle: tuple[LifecycleRow, ...]
    actors: tuple[ActorRow, ...]
    threats: tuple[ThreatRow, ...]
    findings: tuple[FindingRow, ...]
    evidence: tuple[EvidenceRow, ...]
    methodology: Methodology
    companions: tuple[Companion, ...] = field(default=())

    @property
    def status_label(self) -> str:
        return "FINAL" if self.audit.final and not self.audit.draft_forced else "DRAFT"
