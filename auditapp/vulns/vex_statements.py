"""One VEX statement checked: the decision on one vulnerability (status, justification, detail)
and the package it is about as a canonical purl; what cannot be used says why."""

from __future__ import annotations

from dataclasses import dataclass

from packageurl import PackageURL

from auditapp.vulns.vex_vocabulary import (
    FROM_CYCLONEDX_JUSTIFICATION,
    FROM_CYCLONEDX_STATE,
    Justification,
    VexStatus,
)

MAX_PURL = 1000
MAX_VULN_ID = 100  # the stored column's width
MAX_DETAIL = 10_000


class UnusableStatement(ValueError):
    """Why a statement cannot be used: refused when typed, skipped when imported."""


@dataclass(frozen=True)
class Decision:
    """What is said about one vulnerability, checked and in the stored vocabulary."""

    vuln_id: str
    status: VexStatus
    justification: Justification | None
    detail: str


@dataclass(frozen=True)
class Statement:
    """A decision on one package (a canonical purl), and where in its document it was read."""

    where: str  # "" when typed by a person
    purl: str
    decision: Decision

    @property
    def key(self) -> tuple[str, str]:
        return self.purl, self.decision.vuln_id

    @property
    def target(self) -> str:
        return f"{self.decision.vuln_id} {self.purl}"


def parse_decision(
    vuln_id: object, status: object, justification: object, detail: object, *, strict: bool = True
) -> Decision:
    """Strict (typed by a person) refuses a justification on other statuses; import drops it."""
    identifier = _vuln_id(vuln_id)
    if not isinstance(status, str):
        raise UnusableStatement("no status")
    parsed = _status(status)
    if justification is None:
        justification = ""
    if not isinstance(justification, str):
        raise UnusableStatement("the justification is not text")
    reason = _justification(justification)
    if parsed is VexStatus.NOT_AFFECTED and reason is None:
        raise UnusableStatement("not_affected needs a justification: " + ", ".join(Justification))
    if parsed is not VexStatus.NOT_AFFECTED and reason is not None:
        if strict:
            raise UnusableStatement(
                f"a justification only goes with not_affected, not {parsed.value}"
            )
        reason = None
    if detail is None:
        detail = ""
    if not isinstance(detail, str):
        raise UnusableStatement("the detail is not text")
    if len(detail) > MAX_DETAIL:
        raise UnusableStatement(f"the detail is longer than {MAX_DETAIL:,} characters")
    _check_text(detail.strip(), "the detail", multiline=True)
    return Decision(identifier, parsed, reason, detail.strip())


def canonical_purl(value: object) -> str:
    """The purl as the catalogers write it (packageurl-python's canonical form)."""
    if not isinstance(value, str) or not value.strip():
        raise UnusableStatement("no package URL")
    text = value.strip()
    if len(text) > MAX_PURL:
        raise UnusableStatement(f"a package URL longer than {MAX_PURL} characters")
    _check_text(text, "the package URL", multiline=False)
    try:
        canonical = str(PackageURL.from_string(text).to_string())
    except ValueError as error:
        raise UnusableStatement(f"{shown(text)} is not a package URL: {error}") from None
    if len(canonical) > MAX_PURL:
        raise UnusableStatement(f"a package URL longer than {MAX_PURL} characters")
    return canonical


def _status(text: str) -> VexStatus:
    """An OpenVEX status or a CycloneDX analysis state, in any case, with - or _ or spaces."""
    key = _key(text)
    if key in {s.value for s in VexStatus}:
        return VexStatus(key)
    if key in FROM_CYCLONEDX_STATE:
        return FROM_CYCLONEDX_STATE[key]
    choices = ", ".join(VexStatus)
    raise UnusableStatement(f"unknown status {shown(text)}: use one of {choices}")


def _justification(text: str) -> Justification | None:
    """An OpenVEX or CycloneDX justification; "" gives None."""
    key = _key(text)
    if not key:
        return None
    if key in {j.value for j in Justification}:
        return Justification(key)
    if key in FROM_CYCLONEDX_JUSTIFICATION:
        return FROM_CYCLONEDX_JUSTIFICATION[key]
    choices = ", ".join(Justification)
    raise UnusableStatement(f"unknown justification {shown(text)}: use one of {choices}")


def _vuln_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UnusableStatement("no vulnerability id")
    text = value.strip()
    if len(text) > MAX_VULN_ID:
        raise UnusableStatement(f"a vulnerability id longer than {MAX_VULN_ID} characters")
    if any(c.isspace() for c in text):
        raise UnusableStatement(f"the vulnerability id {shown(text)} contains spaces")
    _check_text(text, "the vulnerability id", multiline=False)
    return text


def _check_text(text: str, what: str, *, multiline: bool) -> None:
    allowed = "\t\n\r" if multiline else ""
    if any((ord(c) < 32 and c not in allowed) or ord(c) == 127 for c in text):
        raise UnusableStatement(f"{what} contains control characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnusableStatement(f"{what} is not valid Unicode") from None


def _key(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:60] + "...")
