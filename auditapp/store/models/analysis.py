"""What the rules concluded: each analysis run, its findings and the statuses it suggests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auditapp.store.models.base import Base


class AnalysisRun(Base):
    """One run of the analysis rules: when, by whom, and its summary (JSON)."""

    __tablename__ = "analysis_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    by: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="{}")


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
