"""Monitoring after sign-off: the frozen baseline and each monitor run against it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from auditapp.store.models.base import Base


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
