"""The audit's threat model: the threat actors the team chose and the threats per element."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auditapp.store.models.base import Base


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
