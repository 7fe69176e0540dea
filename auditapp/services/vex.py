"""VEX use cases: officers' dispositions of one vulnerability on one package, kept per audit and
journaled, imported from OpenVEX / CycloneDX documents and exported as CycloneDX VEX.

The vocabulary, one statement checked and the reading of documents live in
`auditapp.vulns.vex_vocabulary`, `vex_statements` and `vex_documents`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.services.errors import InvalidInputError, ServiceError
from auditapp.services.roles import Action
from auditapp.services.stored import stored_enum
from auditapp.services.vulns import list_vulns
from auditapp.services.workspace import Caller, Change, Workspace, load_audit, perform
from auditapp.store.errors import StaleEditError
from auditapp.store.models import Image, Package, VexStatement
from auditapp.store.types import utcnow
from auditapp.vulns import vex_documents
from auditapp.vulns.vex_documents import (
    MAX_DOCUMENT,
    MAX_PAIRS,
    SkippedStatement,
    read_document,
)
from auditapp.vulns.vex_statements import (
    MAX_DETAIL,
    MAX_PURL,
    MAX_VULN_ID,
    Statement,
    UnusableStatement,
    canonical_purl,
    parse_decision,
)
from auditapp.vulns.vex_vocabulary import Justification, VexStatus, cyclonedx_terms

if TYPE_CHECKING:
    from auditapp.report.sbom import SbomAnalysis, SbomVulnerability

__all__ = [
    "MAX_DETAIL",
    "MAX_DOCUMENT",
    "MAX_PAIRS",
    "MAX_PROBLEMS",
    "MAX_PURL",
    "MAX_VULN_ID",
    "Justification",
    "SkippedStatement",
    "VexDocumentError",
    "VexImportSummary",
    "VexStatus",
    "VexView",
    "export_document",
    "import_document",
    "list_dispositions",
    "sbom_vulnerabilities",
    "set_disposition",
]

MAX_PROBLEMS = 100  # skipped statements listed by name in a summary; all are counted
_HINT = "e.g. `auditapp vex set pkg:pypi/urllib3@1.26.4 CVE-2021-33503 --status fixed`"


class VexDocumentError(ServiceError, vex_documents.VexDocumentError):
    """A VEX document that cannot be read at all; nothing of it was stored."""


@dataclass(frozen=True)
class VexView:
    purl: str
    vuln_id: str
    status: VexStatus
    justification: Justification | None
    detail: str
    updated_at: datetime
    updated_by: str
    version: int
    in_inventory: bool  # a package with this exact purl was collected in the audit


@dataclass(frozen=True)
class VexImportSummary:
    source: str
    sha256: str
    format: str  # "openvex" or "cyclonedx"
    statements: int  # package/vulnerability pairs read = added + changed + unchanged + skipped
    added: int
    changed: int
    unchanged: int
    skipped: int
    problems: tuple[SkippedStatement, ...]  # the first MAX_PROBLEMS skipped, with reasons
    not_in_inventory: int  # stored, but naming no package collected in this audit


def set_disposition(
    ws: Workspace,
    caller: Caller,
    purl: str,
    vuln_id: str,
    status: str,
    justification: str = "",
    detail: str = "",
    expected_version: int | None = None,
) -> VexView:
    """State the whole disposition of `vuln_id` on `purl` (an empty detail clears it).

    Officers only. With `expected_version` (0: there was none yet), refuse if someone changed it.
    """
    try:
        wanted = Statement(
            "", canonical_purl(purl), parse_decision(vuln_id, status, justification, detail)
        )
    except UnusableStatement as error:
        raise InvalidInputError(str(error), hint=_HINT) from None

    def work(change: Change) -> VexView:
        existing = change.session.scalar(
            select(VexStatement).where(
                VexStatement.audit_id == change.audit.id,
                VexStatement.purl == wanted.purl,
                VexStatement.vuln_id == wanted.decision.vuln_id,
            )
        )
        current = existing.version if existing else 0
        if expected_version is not None and current != expected_version:
            who = existing.updated_by if existing else "someone"
            raise StaleEditError(
                f"the disposition of {wanted.target} was changed by {who} "
                f"(now version {current}; your edit was based on {expected_version})",
                hint="reload the dispositions, then apply your change again",
            )
        statement, _ = _apply(change, existing, wanted, via="")
        change.session.flush()
        inventory = _inventory_purls(change.session, change.audit.id)
        return _view(statement, inventory)

    return perform(ws, caller, Action.SET_STATUS, wanted.target, work)


def list_dispositions(ws: Workspace, caller: Caller) -> list[VexView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        inventory = _inventory_purls(session, audit.id)
        rows = session.scalars(
            select(VexStatement)
            .where(VexStatement.audit_id == audit.id)
            .order_by(VexStatement.purl, VexStatement.vuln_id)
        )
        return [_view(row, inventory) for row in rows]


def import_document(ws: Workspace, caller: Caller, path: Path) -> VexImportSummary:
    """Store every usable statement of an OpenVEX or CycloneDX VEX file, in one transaction.

    A file that cannot be read changes nothing; a statement that cannot be used is skipped and
    counted with its reason. When one document names a pair twice, the later statement wins.
    """
    try:
        document = read_document(path)
    except vex_documents.VexDocumentError as error:  # as a use-case error, its cause kept
        raise VexDocumentError(error.args[0], hint=error.hint) from error.__cause__
    statements, skipped = document.statements, document.skipped
    via = f"{path.name} (sha256 {document.sha256[:16]})"

    def work(change: Change) -> VexImportSummary:
        existing = {
            (s.purl, s.vuln_id): s
            for s in change.session.scalars(
                select(VexStatement).where(VexStatement.audit_id == change.audit.id)
            )
        }
        outcomes: Counter[str] = Counter()
        for item in statements:
            outcomes[_apply(change, existing.get(item.key), item, via=via)[1]] += 1
        change.session.flush()
        inventory = _inventory_purls(change.session, change.audit.id)
        summary = VexImportSummary(
            source=str(path),
            sha256=document.sha256,
            format=document.format,
            statements=len(statements) + len(skipped),
            added=outcomes["added"],
            changed=outcomes["changed"],
            unchanged=outcomes["unchanged"],
            skipped=len(skipped),
            problems=skipped[:MAX_PROBLEMS],
            not_in_inventory=sum(1 for item in statements if item.purl not in inventory),
        )
        change.record(
            "vex.import",
            path.name,
            {
                "sha256": document.sha256,
                "format": document.format,
                "statements": summary.statements,
                "added": summary.added,
                "changed": summary.changed,
                "unchanged": summary.unchanged,
                "skipped": summary.skipped,
            },
        )
        return summary

    return perform(ws, caller, Action.SET_STATUS, path.name, work)


def export_document(ws: Workspace, caller: Caller) -> bytes:
    """The audit's dispositions as CycloneDX 1.6 VEX JSON; the same data gives the same bytes."""
    from auditapp.report.sbom import SbomVulnerability, build_vex

    with ws.db.read() as session:
        created = load_audit(session, caller.audit).created_at
    views = list_dispositions(ws, caller)
    entries = [SbomVulnerability(id=v.vuln_id, purl=v.purl, analysis=_analysis(v)) for v in views]
    timestamp = max((v.updated_at for v in views), default=created)
    return build_vex(entries, timestamp).encode("utf-8")


def sbom_vulnerabilities(ws: Workspace, caller: Caller, component: str) -> list[SbomVulnerability]:
    """The vulnerabilities matched on `component`'s packages, with their dispositions."""
    from auditapp.report.sbom import SbomVulnerability

    decided = {(d.purl, d.vuln_id): d for d in list_dispositions(ws, caller)}
    found = []
    for vuln in list_vulns(ws, caller, component=component).vulns:
        disposition = next(
            (
                decided[(vuln.purl, i)]
                for i in (vuln.id, *vuln.aliases)
                if (vuln.purl, i) in decided
            ),
            None,
        )
        found.append(
            SbomVulnerability(
                id=vuln.id,
                purl=vuln.purl,
                aliases=vuln.aliases,
                summary=vuln.summary,
                severity=vuln.severity,
                score=vuln.score,
                vector=vuln.vector,
                fixed_versions=vuln.fixed_versions,
                analysis=_analysis(disposition) if disposition else None,
            )
        )
    return found


# --- storing ---------------------------------------------------------------------------------


def _apply(
    change: Change, existing: VexStatement | None, wanted: Statement, *, via: str
) -> tuple[VexStatement, str]:
    """Make the stored statement say `wanted`, journaling what changed; no change, no entry."""
    decision = wanted.decision
    after = {
        "status": decision.status.value,
        "justification": decision.justification.value if decision.justification else "",
        "detail": decision.detail,
    }
    before: dict[str, str | None] = (
        {
            "status": existing.status,
            "justification": existing.justification,
            "detail": existing.detail,
        }
        if existing
        else {"status": None, "justification": "", "detail": ""}
    )
    changed = {k: [_brief(before[k]), _brief(v)] for k, v in after.items() if before[k] != v}
    if existing is not None and not changed:
        return existing, "unchanged"
    statement = existing or VexStatement(
        audit_id=change.audit.id, purl=wanted.purl, vuln_id=decision.vuln_id
    )
    if existing is None:
        change.session.add(statement)
    statement.status = after["status"]
    statement.justification = after["justification"]
    statement.detail = after["detail"]
    statement.updated_at = utcnow()
    statement.updated_by = change.who
    summary: dict[str, Any] = {"purl": wanted.purl, "vuln": decision.vuln_id, **changed}
    if via:
        summary["via"] = via
    change.record("vex.set", wanted.target, summary)
    return statement, "added" if existing is None else "changed"


def _brief(value: str | None) -> str | None:
    """Journal summaries stay compact: a long detail is cut (as item rationales are)."""
    if value is not None and len(value) > 120:
        return value[:117] + "..."
    return value


def _inventory_purls(session: Session, audit_id: int) -> set[str]:
    return set(
        session.scalars(
            select(Package.purl)
            .join(Image, Image.id == Package.image_id)
            .where(Image.audit_id == audit_id)
            .distinct()
        )
    )


def _view(row: VexStatement, inventory: set[str]) -> VexView:
    where = f"the disposition of {row.vuln_id} on {row.purl}"
    return VexView(
        purl=row.purl,
        vuln_id=row.vuln_id,
        status=stored_enum(VexStatus, row.status, where),
        justification=stored_enum(Justification, row.justification, where)
        if row.justification
        else None,
        detail=row.detail,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        version=row.version,
        in_inventory=row.purl in inventory,
    )


def _analysis(view: VexView) -> SbomAnalysis:
    from auditapp.report.sbom import SbomAnalysis

    state, justification = cyclonedx_terms(view.status, view.justification)
    return SbomAnalysis(state, justification, view.detail, view.updated_at)
