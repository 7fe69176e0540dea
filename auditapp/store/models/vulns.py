"""Vulnerability data shared by every audit (OSV advisories, the KEV catalogue, their imports)
and an audit's VEX statements about it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from auditapp.store.models.base import Base


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
