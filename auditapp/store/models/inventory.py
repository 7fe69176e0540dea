"""What each examined image holds: the image, its packages and what the catalogers skipped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auditapp.store.models.base import Base


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
