"""Sources of evidence: files people attach (engine, archives and compose come later)."""

from auditapp.evidence.attachment import AttachedFile, guess_media_type, read_attachment
from auditapp.evidence.errors import EvidenceError, EvidenceTooLargeError

__all__ = [
    "AttachedFile",
    "EvidenceError",
    "EvidenceTooLargeError",
    "guess_media_type",
    "read_attachment",
]
