"""What people declared about the deployment: security templates and data flows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auditapp.store.models.base import Base


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
