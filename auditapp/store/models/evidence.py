"""Evidence and its custody: bytes stored once, evidence items and their links to checklist
items, sign-offs and the hash-chained journal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from auditapp.store.models.base import Base
from auditapp.store.types import utcnow


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
