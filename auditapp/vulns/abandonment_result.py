"""What an abandonment check finds: each signal, each package's outcome and the refresh they
belong to, as frozen values and as the evidence document they are stored as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from auditapp.errors import AuditappError

SignalKind = Literal["deprecated", "yanked", "stale", "archived"]
Outcome = Literal["checked", "not-found", "skipped"]
SIGNAL_KINDS: tuple[SignalKind, ...] = ("yanked", "deprecated", "archived", "stale")  # urgent first
DOCUMENT_FORMAT = 1


class AbandonmentError(AuditappError):
    """A registry answer that cannot be fetched or trusted; nothing is stored."""


@dataclass(frozen=True)
class Signal:
    """What a registry says about an installed package: `kind` and the registry's own words."""

    ecosystem: str  # "npm" or "pypi"
    name: str
    version: str
    kind: SignalKind
    detail: str
    source_url: str
    fetched_at: datetime


@dataclass(frozen=True, order=True)
class PackageRef:
    """A package to ask about; with a `skip_reason` it is recorded, not asked."""

    ecosystem: str
    name: str
    version: str
    skip_reason: str = ""


@dataclass(frozen=True)
class PackageCheck:
    """What the registry said about one package: "checked", "not-found" (the registry does not
    hold it: private or unpublished) or "skipped" (not asked), with the reason in `note`."""

    ecosystem: str
    name: str
    version: str
    outcome: Outcome
    source_url: str
    fetched_at: datetime
    signals: tuple[Signal, ...] = ()
    newest_release: date | None = None  # PyPI: the newest release that is not yanked
    repository: str = ""  # the source repository the registry names, never visited
    note: str = ""


@dataclass(frozen=True)
class AbandonmentResult:
    """One refresh: every package asked about, when, from which registries."""

    checks: tuple[PackageCheck, ...]
    fetched_at: datetime
    npm_base: str
    pypi_base: str
    max_age_days: int

    @property
    def signals(self) -> tuple[Signal, ...]:
        return tuple(s for check in self.checks for s in check.signals)

    def to_document(self) -> dict[str, Any]:
        """The evidence: all signals, and what was asked of which registry, as plain JSON."""
        return {
            "format": DOCUMENT_FORMAT,
            "fetched_at": self.fetched_at.isoformat(),
            "sources": {"npm": self.npm_base, "pypi": self.pypi_base},
            "max_age_days": self.max_age_days,
            "signals": [
                {
                    "ecosystem": s.ecosystem,
                    "name": s.name,
                    "version": s.version,
                    "kind": s.kind,
                    "detail": s.detail,
                    "source_url": s.source_url,
                    "fetched_at": s.fetched_at.isoformat(),
                }
                for s in self.signals
            ],
            "packages": [
                {
                    "ecosystem": c.ecosystem,
                    "name": c.name,
                    "version": c.version,
                    "outcome": c.outcome,
                    "source_url": c.source_url,
                    "fetched_at": c.fetched_at.isoformat(),
                    "newest_release": c.newest_release.isoformat() if c.newest_release else None,
                    "repository": c.repository,
                    "note": c.note,
                }
                for c in self.checks
            ],
        }

    @classmethod
    def from_document(cls, document: object, where: str) -> AbandonmentResult:
        """A result stored by `to_document`; anything else is an AbandonmentError."""
        # Imported here: the reader builds these classes, so it imports this module.
        from auditapp.vulns.abandonment_document import result_from_document

        return result_from_document(document, where)
