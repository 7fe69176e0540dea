"""Errors raised while taking evidence in."""

from __future__ import annotations

from auditapp.errors import AuditappError


class EvidenceError(AuditappError):
    """A source of evidence could not be read or was refused."""


class EvidenceTooLargeError(EvidenceError):
    """A file is larger than the configured evidence size cap."""
