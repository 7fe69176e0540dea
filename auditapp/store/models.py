"""The audit workspace as SQLAlchemy 2 typed models (schema changes go through migrations/)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship

from auditapp.store.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime}


class AppSetting(Base):
    """Small per-database facts, such as which audit was opened last."""

    __tablename__ = "app_setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Audit(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    entity: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    checklist_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The journal's head, updated in the same transaction as each entry; a tail cut off the
    # journal table no longer matches it.
    journal_seq: Mapped[int] = mapped_column(Integer, default=0)
    journal_head: Mapped[str] = mapped_column(String(64), default="0" * 64)

    members: Mapped[list[Member]] = relationship(back_populates="audit", order_by="Member.id")


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("audit_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    audit: Mapped[Audit] = relationship(back_populates="members")


class Component(Base):
    """A service or container under assessment."""

    __tablename__ = "component"
    __table_args__ = (UniqueConstraint("audit_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    image_ref: Mapped[str] = mapped_column(Text, default="")
    image_digest: Mapped[str] = mapped_column(String(100), default="")
    internet_facing: Mapped[bool] = mapped_column(Boolean, default=False)
    in_cde: Mapped[bool] = mapped_column(Boolean, default=False)
    data_classes: Mapped[str] = mapped_column(Text, default="")
    host: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[str] = mapped_column(String(100), default="")  # security template name
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class ChecklistResponse(Base):
    """The team's answer to one checklist item."""

    __tablename__ = "checklist_response"
    __table_args__ = (UniqueConstraint("audit_id", "item_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(30), default="none")
    rationale: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime | None] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class Blob(Base):
    """Bytes stored once, addressed by their SHA-256."""

    __tablename__ = "blob"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Evidence(Base):
    """One item of evidence with its provenance; its bytes live in `Blob`."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(Text)
    collected_at: Mapped[datetime] = mapped_column()
    collected_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)

    links: Mapped[list[EvidenceLink]] = relationship(back_populates="evidence")

    __mapper_args__ = {"version_id_col": version}


class EvidenceLink(Base):
    __tablename__ = "evidence_link"
    __table_args__ = (UniqueConstraint("evidence_id", "item_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), index=True
    )
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(100))

    evidence: Mapped[Evidence] = relationship(back_populates="links")


class Comment(Base):
    __tablename__ = "comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(100))
    author: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignOff(Base):
    __tablename__ = "signoff"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    member_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    statement: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column()
    journal_head: Mapped[str] = mapped_column(String(64))


class JournalEntry(Base):
    """One link of an audit's hash chain. `at` is kept as the exact text that was hashed."""

    __tablename__ = "journal"
    __table_args__ = (UniqueConstraint("audit_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(32))
    member: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Image(Base):
    """An image examined for the audit, with what its inventory could and could not read."""

    __tablename__ = "image"
    __table_args__ = (UniqueConstraint("audit_id", "digest"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(100))  # the image id (config digest)
    repo_tags: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    os_id: Mapped[str] = mapped_column(String(50), default="")
    os_version: Mapped[str] = mapped_column(String(50), default="")
    os_name: Mapped[str] = mapped_column(Text, default="")
    architecture: Mapped[str] = mapped_column(String(30), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    problems: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of reasons
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    collected_at: Mapped[datetime] = mapped_column()


class Package(Base):
    __tablename__ = "package"
    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("image.id", ondelete="CASCADE"), index=True)
    ecosystem: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(Text)
    purl: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text)
    layer: Mapped[str] = mapped_column(String(100), default="")
    licenses: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    source_name: Mapped[str] = mapped_column(Text, default="")
    source_version: Mapped[str] = mapped_column(Text, default="")


class InventorySkip(Base):
    """A record or file a cataloger skipped, with the reason; counted in the inventory."""

    __tablename__ = "inventory_skip"
    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("image.id", ondelete="CASCADE"), index=True)
    cataloger: Mapped[str] = mapped_column(String(30))
    path: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class Finding(Base):
    """What a rule reports about the evidence. `fingerprint` makes a re-run update, not add."""

    __tablename__ = "finding"
    __table_args__ = (UniqueConstraint("audit_id", "fingerprint"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(Text)
    component: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    pci: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of requirement numbers
    cis: Mapped[str] = mapped_column(Text, default="[]")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    justification: Mapped[str] = mapped_column(Text, default="")
    expires: Mapped[date | None] = mapped_column(Date)
    status_by: Mapped[str] = mapped_column(String(200), default="")
    status_at: Mapped[datetime | None] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # seen by the latest run
    first_seen: Mapped[datetime] = mapped_column()
    last_seen: Mapped[datetime] = mapped_column()
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class VulnSource(Base):
    """One import of vulnerability data: where from, its SHA-256, and what it did."""

    __tablename__ = "vuln_source"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # osv-zip, osv-folder, osv-file, osv-api
    location: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    records: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    ecosystems: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    imported_at: Mapped[datetime] = mapped_column()
    imported_by: Mapped[str] = mapped_column(String(200), default="")


class Advisory(Base):
    """An OSV record, shared by every audit in the database."""

    __tablename__ = "advisory"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    modified: Mapped[str] = mapped_column(String(40), default="")
    published: Mapped[str] = mapped_column(String(40), default="")
    withdrawn: Mapped[str] = mapped_column(String(40), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    aliases: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    severity: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of {type, score}
    database_severity: Mapped[str] = mapped_column(String(20), default="")
    content_sha256: Mapped[str] = mapped_column(String(64))
    record: Mapped[str] = deferred(mapped_column(Text))  # the record as imported (JSON)
    source_id: Mapped[int] = mapped_column(ForeignKey("vuln_source.id"), index=True)
    fetched_at: Mapped[datetime] = mapped_column()


class AdvisoryAlias(Base):
    __tablename__ = "advisory_alias"
    alias: Mapped[str] = mapped_column(String(100), primary_key=True)
    advisory_id: Mapped[str] = mapped_column(
        ForeignKey("advisory.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Affected(Base):
    """One affected package of an advisory, with its ranges and explicit versions."""

    __tablename__ = "affected"
    id: Mapped[int] = mapped_column(primary_key=True)
    advisory_id: Mapped[str] = mapped_column(
        ForeignKey("advisory.id", ondelete="CASCADE"), index=True
    )
    ecosystem: Mapped[str] = mapped_column(String(100))  # as written, e.g. "Debian:12"
    ecosystem_base: Mapped[str] = mapped_column(String(50))  # "Debian"
    name: Mapped[str] = mapped_column(String(300))  # normalised for lookups
    ranges: Mapped[str] = mapped_column(Text, default="[]")  # JSON
    versions: Mapped[str] = mapped_column(Text, default="[]")  # JSON
    severity: Mapped[str] = mapped_column(Text, default="[]")  # JSON

    __table_args__ = (Index("ix_affected_lookup", "ecosystem_base", "name"),)


class VexStatement(Base):
    """A person's disposition of one vulnerability on one package (VEX)."""

    __tablename__ = "vex_statement"
    __table_args__ = (UniqueConstraint("audit_id", "purl", "vuln_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    purl: Mapped[str] = mapped_column(Text)
    vuln_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(30))
    justification: Mapped[str] = mapped_column(String(60), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class AnalysisRun(Base):
    """One run of the analysis rules: when, by whom, and its summary (JSON)."""

    __tablename__ = "analysis_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    by: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="{}")


class SecurityTemplate(Base):
    """An approved runtime template that officers define and assign to components."""

    __tablename__ = "security_template"
    __table_args__ = (UniqueConstraint("audit_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)  # JSON, as parsed and checked
    source: Mapped[str] = mapped_column(Text, default="")  # the file it came from, with SHA-256
    updated_at: Mapped[datetime] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class Flow(Base):
    """A declared data stream between two components or zones."""

    __tablename__ = "flow"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(200))  # a component name or "zone:<zone>"
    destination: Mapped[str] = mapped_column(String(200))
    port: Mapped[int] = mapped_column(Integer)
    protocol: Mapped[str] = mapped_column(String(20))
    data_classes: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    authenticated: Mapped[bool] = mapped_column(Boolean, default=False)
    justification: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class ThreatActor(Base):
    """A threat actor the team picked from the catalogue (and perhaps edited) or wrote."""

    __tablename__ = "threat_actor"
    __table_args__ = (UniqueConstraint("audit_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    stix_type: Mapped[str] = mapped_column(String(60), default="")
    motivations: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    sophistication: Mapped[str] = mapped_column(String(40), default="")
    resources: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class Threat(Base):
    """A threat to one element of the model; generated ones keep their status across runs."""

    __tablename__ = "threat"
    __table_args__ = (UniqueConstraint("audit_id", "fingerprint"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(20), default="generated")  # or "manual"
    rule: Mapped[str] = mapped_column(String(60), default="")
    element: Mapped[str] = mapped_column(String(300))
    element_kind: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    actors: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of actor kinds
    likelihood: Mapped[str] = mapped_column(String(10), default="medium")
    impact: Mapped[str] = mapped_column(String(10), default="medium")
    mitigation: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="unchecked")
    items: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of checklist item keys
    findings: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of finding ids
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class Suggestion(Base):
    """What the rules suggest for one checklist item; never written over a human answer."""

    __tablename__ = "suggestion"
    __table_args__ = (UniqueConstraint("audit_id", "item_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    rules: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of rule ids
    computed_at: Mapped[datetime] = mapped_column()
    decision: Mapped[str] = mapped_column(String(20), default="")  # "", accepted, overridden
    decided_by: Mapped[str] = mapped_column(String(200), default="")


class KnownExploited(Base):
    """One entry of the imported CISA Known Exploited Vulnerabilities catalogue (shared by all
    audits, like advisories); an import replaces the whole catalogue."""

    __tablename__ = "known_exploited"
    cve_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    vendor_project: Mapped[str] = mapped_column(Text, default="")
    product: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(Text, default="")
    date_added: Mapped[str] = mapped_column(String(10), default="")
    due_date: Mapped[str] = mapped_column(String(10), default="")
    ransomware: Mapped[str] = mapped_column(String(20), default="")
    catalog_version: Mapped[str] = mapped_column(String(40), default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[datetime] = mapped_column()


class Baseline(Base):
    """What was signed off, frozen when both an officer and an auditor have signed: the JSON
    snapshot monitoring compares against (its SHA-256 guards it against edits)."""

    __tablename__ = "baseline"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(
        ForeignKey("audit.id", ondelete="CASCADE"), unique=True, index=True
    )
    frozen_at: Mapped[datetime] = mapped_column()
    frozen_by: Mapped[str] = mapped_column(String(200))
    journal_head: Mapped[str] = mapped_column(String(64))
    signoffs: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of sign-off ids
    sha256: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[str] = deferred(mapped_column(Text, nullable=False))  # JSON


class MonitorRun(Base):
    """One `auditapp monitor`: when, by whom, the data it used, what changed, its exit status."""

    __tablename__ = "monitor_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    baseline_id: Mapped[int | None] = mapped_column(ForeignKey("baseline.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column()
    by: Mapped[str] = mapped_column(String(200))
    collected: Mapped[bool] = mapped_column(Boolean, default=False)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[str] = mapped_column(Text, default="{}")  # JSON: vulnerability data, KEV
    changes: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    problems: Mapped[str] = mapped_column(Text, default="[]")  # JSON list: why it could not check
    status: Mapped[int] = mapped_column(Integer)  # the exit status: 0, 1 or 2
