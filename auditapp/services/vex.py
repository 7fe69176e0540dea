"""VEX: officers' dispositions of one vulnerability on one package, and VEX documents in and out.

One vocabulary is stored, OpenVEX's (CSAF and SPDX 3 use the same words). Status: affected,
not_affected, fixed, under_investigation. A not_affected needs a justification, and only it has
one: component_not_present, vulnerable_code_not_present, vulnerable_code_not_in_execute_path,
vulnerable_code_cannot_be_controlled_by_adversary, inline_mitigations_already_exist.
CycloneDX names are accepted and translated (`_FROM_CYCLONEDX_*`); export writes CycloneDX through
a one-to-one table (`_CYCLONEDX_*`), so exporting and importing again gives the same dispositions.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from packageurl import PackageURL
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

if TYPE_CHECKING:
    from auditapp.report.sbom import SbomAnalysis, SbomVulnerability

MAX_DOCUMENT = 8 * 1024 * 1024
MAX_PAIRS = 100_000  # package/vulnerability pairs in one document
MAX_PURL = 1000
MAX_VULN_ID = 100  # the column's width
MAX_DETAIL = 10_000
MAX_PROBLEMS = 100  # skipped statements listed by name in a summary; all are counted


class VexStatus(StrEnum):
    AFFECTED = "affected"
    NOT_AFFECTED = "not_affected"
    FIXED = "fixed"
    UNDER_INVESTIGATION = "under_investigation"


class Justification(StrEnum):
    COMPONENT_NOT_PRESENT = "component_not_present"
    VULNERABLE_CODE_NOT_PRESENT = "vulnerable_code_not_present"
    VULNERABLE_CODE_NOT_IN_EXECUTE_PATH = "vulnerable_code_not_in_execute_path"
    VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY = (
        "vulnerable_code_cannot_be_controlled_by_adversary"
    )
    INLINE_MITIGATIONS_ALREADY_EXIST = "inline_mitigations_already_exist"


# CycloneDX → stored. States: exploitable → affected; in_triage → under_investigation; resolved,
# resolved_with_pedigree → fixed; not_affected, false_positive → not_affected. Justifications:
# code_not_present → vulnerable_code_not_present; code_not_reachable → ..._not_in_execute_path;
# requires_dependency → component_not_present; requires_environment, requires_configuration →
# ..._cannot_be_controlled_by_adversary; protected_by_mitigating_control, protected_at_runtime,
# protected_at_perimeter, protected_by_compiler → inline_mitigations_already_exist.
# Export writes the first CycloneDX name of each, so the tables below are exact inverses.
_CYCLONEDX_STATE = {
    VexStatus.AFFECTED: "exploitable",
    VexStatus.NOT_AFFECTED: "not_affected",
    VexStatus.FIXED: "resolved",
    VexStatus.UNDER_INVESTIGATION: "in_triage",
}
# false_positive: the advisory was wrongly tied to the package. Without a justification of its
# own it becomes not_affected / component_not_present (see _cyclonedx_statements).
_FROM_CYCLONEDX_STATE = {v: k for k, v in _CYCLONEDX_STATE.items()} | {
    "false_positive": VexStatus.NOT_AFFECTED,
    "resolved_with_pedigree": VexStatus.FIXED,
}
_CYCLONEDX_JUSTIFICATION = {
    Justification.COMPONENT_NOT_PRESENT: "requires_dependency",
    Justification.VULNERABLE_CODE_NOT_PRESENT: "code_not_present",
    Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH: "code_not_reachable",
    Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY: "requires_environment",
    Justification.INLINE_MITIGATIONS_ALREADY_EXIST: "protected_by_mitigating_control",
}
_FROM_CYCLONEDX_JUSTIFICATION = {v: k for k, v in _CYCLONEDX_JUSTIFICATION.items()} | {
    "requires_configuration": Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY,
    "protected_by_compiler": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
    "protected_at_runtime": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
    "protected_at_perimeter": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
}
_HINT = "e.g. `auditapp vex set pkg:pypi/urllib3@1.26.4 CVE-2021-33503 --status fixed`"


class VexDocumentError(ServiceError):
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
class SkippedStatement:
    where: str  # e.g. "statements[3].products[0]"
    reason: str


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


def _status(text: str) -> VexStatus:
    """An OpenVEX status or a CycloneDX analysis state, in any case, with - or _ or spaces."""
    key = _key(text)
    if key in {s.value for s in VexStatus}:
        return VexStatus(key)
    if key in _FROM_CYCLONEDX_STATE:
        return _FROM_CYCLONEDX_STATE[key]
    choices = ", ".join(VexStatus)
    raise _Unusable(f"unknown status {_shown(text)}: use one of {choices}")


def _justification(text: str) -> Justification | None:
    """An OpenVEX or CycloneDX justification; "" gives None."""
    key = _key(text)
    if not key:
        return None
    if key in {j.value for j in Justification}:
        return Justification(key)
    if key in _FROM_CYCLONEDX_JUSTIFICATION:
        return _FROM_CYCLONEDX_JUSTIFICATION[key]
    choices = ", ".join(Justification)
    raise _Unusable(f"unknown justification {_shown(text)}: use one of {choices}")


def _cyclonedx_terms(status: VexStatus, justification: Justification | None) -> tuple[str, str]:
    """(analysis state, justification or "") as CycloneDX writes them."""
    state = _CYCLONEDX_STATE[status]
    return state, _CYCLONEDX_JUSTIFICATION[justification] if justification else ""


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
        wanted = _Found(
            "", _canonical_purl(purl), _decision(vuln_id, status, justification, detail)
        )
    except _Unusable as error:
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
    data = _read(path)
    sha256 = hashlib.sha256(data).hexdigest()
    kind, found = _statements(_parse(data, path), path)
    chosen: dict[tuple[str, str], _Found] = {}
    skipped: list[SkippedStatement] = []
    for item in found:
        if isinstance(item, SkippedStatement):
            skipped.append(item)
            continue
        earlier = chosen.pop(item.key, None)
        if earlier is not None:
            skipped.append(SkippedStatement(earlier.where, f"superseded by {item.where}"))
        chosen[item.key] = item
    via = f"{path.name} (sha256 {sha256[:16]})"

    def work(change: Change) -> VexImportSummary:
        existing = {
            (s.purl, s.vuln_id): s
            for s in change.session.scalars(
                select(VexStatement).where(VexStatement.audit_id == change.audit.id)
            )
        }
        outcomes: Counter[str] = Counter()
        for key, item in chosen.items():
            outcomes[_apply(change, existing.get(key), item, via=via)[1]] += 1
        change.session.flush()
        inventory = _inventory_purls(change.session, change.audit.id)
        summary = VexImportSummary(
            source=str(path),
            sha256=sha256,
            format=kind,
            statements=len(chosen) + len(skipped),
            added=outcomes["added"],
            changed=outcomes["changed"],
            unchanged=outcomes["unchanged"],
            skipped=len(skipped),
            problems=tuple(skipped[:MAX_PROBLEMS]),
            not_in_inventory=sum(1 for purl, _ in chosen if purl not in inventory),
        )
        change.record(
            "vex.import",
            path.name,
            {
                "sha256": sha256,
                "format": kind,
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
    from auditapp.report.sbom import SbomVulnerability, build_vex  # cyclonedx is slow to import

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


# --- one statement ---------------------------------------------------------------------------


class _Unusable(ValueError):
    """Why a statement cannot be used: refused when typed, skipped when imported."""


@dataclass(frozen=True)
class _Decision:
    vuln_id: str
    status: VexStatus
    justification: Justification | None
    detail: str


@dataclass(frozen=True)
class _Found:
    where: str
    purl: str
    decision: _Decision

    @property
    def key(self) -> tuple[str, str]:
        return self.purl, self.decision.vuln_id

    @property
    def target(self) -> str:
        return f"{self.decision.vuln_id} {self.purl}"


def _decision(
    vuln_id: object, status: object, justification: object, detail: object, *, strict: bool = True
) -> _Decision:
    """Strict (typed by a person) refuses a justification on other statuses; import drops it."""
    identifier = _vuln_id(vuln_id)
    if not isinstance(status, str):
        raise _Unusable("no status")
    parsed = _status(status)
    if justification is None:
        justification = ""
    if not isinstance(justification, str):
        raise _Unusable("the justification is not text")
    reason = _justification(justification)
    if parsed is VexStatus.NOT_AFFECTED and reason is None:
        raise _Unusable("not_affected needs a justification: " + ", ".join(Justification))
    if parsed is not VexStatus.NOT_AFFECTED and reason is not None:
        if strict:
            raise _Unusable(f"a justification only goes with not_affected, not {parsed.value}")
        reason = None
    if detail is None:
        detail = ""
    if not isinstance(detail, str):
        raise _Unusable("the detail is not text")
    if len(detail) > MAX_DETAIL:
        raise _Unusable(f"the detail is longer than {MAX_DETAIL:,} characters")
    _check_text(detail.strip(), "the detail", multiline=True)
    return _Decision(identifier, parsed, reason, detail.strip())


def _vuln_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Unusable("no vulnerability id")
    text = value.strip()
    if len(text) > MAX_VULN_ID:
        raise _Unusable(f"a vulnerability id longer than {MAX_VULN_ID} characters")
    if any(c.isspace() for c in text):
        raise _Unusable(f"the vulnerability id {_shown(text)} contains spaces")
    _check_text(text, "the vulnerability id", multiline=False)
    return text


def _canonical_purl(value: object) -> str:
    """The purl as the catalogers write it (packageurl-python's canonical form)."""
    if not isinstance(value, str) or not value.strip():
        raise _Unusable("no package URL")
    text = value.strip()
    if len(text) > MAX_PURL:
        raise _Unusable(f"a package URL longer than {MAX_PURL} characters")
    _check_text(text, "the package URL", multiline=False)
    try:
        canonical = str(PackageURL.from_string(text).to_string())
    except ValueError as error:
        raise _Unusable(f"{_shown(text)} is not a package URL: {error}") from None
    if len(canonical) > MAX_PURL:
        raise _Unusable(f"a package URL longer than {MAX_PURL} characters")
    return canonical


def _check_text(text: str, what: str, *, multiline: bool) -> None:
    allowed = "\t\n\r" if multiline else ""
    if any((ord(c) < 32 and c not in allowed) or ord(c) == 127 for c in text):
        raise _Unusable(f"{what} contains control characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Unusable(f"{what} is not valid Unicode") from None


def _key(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:60] + "...")


# --- storing ---------------------------------------------------------------------------------


def _apply(
    change: Change, existing: VexStatement | None, wanted: _Found, *, via: str
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

    state, justification = _cyclonedx_terms(view.status, view.justification)
    return SbomAnalysis(state, justification, view.detail, view.updated_at)


# --- documents -------------------------------------------------------------------------------


def _read(path: Path) -> bytes:
    hint = "give an OpenVEX or CycloneDX VEX JSON file"
    try:
        if not path.exists():
            raise VexDocumentError(f"{path}: no such file", hint=hint)
        if not path.is_file():
            raise VexDocumentError(f"{path} is not a regular file", hint=hint)
        with path.open("rb") as handle:
            data = handle.read(MAX_DOCUMENT + 1)
    except OSError as error:
        raise VexDocumentError(f"cannot read {path}: {error.strerror}") from error
    if len(data) > MAX_DOCUMENT:
        raise VexDocumentError(
            f"{path} is larger than {MAX_DOCUMENT // (1024 * 1024)} MB; nothing was imported",
            hint="split the document into smaller ones",
        )
    return data


def _parse(data: bytes, path: Path) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except RecursionError:
        raise VexDocumentError(f"{path} is nested too deeply to be a VEX document") from None
    except ValueError as error:
        raise VexDocumentError(
            f"{path} is not JSON: {error}", hint="OpenVEX and CycloneDX VEX are JSON documents"
        ) from None
    if not isinstance(document, dict):
        raise VexDocumentError(f"{path} holds JSON but not an object: not a VEX document")
    return document


_Item = _Found | SkippedStatement


def _statements(document: dict[str, Any], path: Path) -> tuple[str, list[_Item]]:
    context = document.get("@context")
    if (isinstance(context, str) and "openvex" in context) or "statements" in document:
        kind, items = "openvex", _openvex_statements(document)
    elif document.get("bomFormat") == "CycloneDX" or "vulnerabilities" in document:
        kind, items = "cyclonedx", _cyclonedx_statements(document)
    else:
        raise VexDocumentError(
            f"{path} is neither OpenVEX (statements) nor CycloneDX VEX (vulnerabilities)"
        )
    found: list[_Item] = []
    try:
        for item in items:
            found.append(item)
            if len(found) > MAX_PAIRS:
                raise VexDocumentError(
                    f"{path} names more than {MAX_PAIRS:,} package/vulnerability pairs; "
                    "nothing was imported",
                    hint="split the document into smaller ones",
                )
    except _Shape as error:
        raise VexDocumentError(f"{path} is not a usable {kind} document: {error}") from None
    return kind, found


class _Shape(ValueError):
    """The document as a whole has the wrong shape."""


def _openvex_statements(document: dict[str, Any]) -> Iterator[_Item]:
    statements = document.get("statements")
    if not isinstance(statements, list):
        raise _Shape("it has no list of statements")
    for index, statement in enumerate(statements):
        where = f"statements[{index}]"
        if not isinstance(statement, dict):
            yield SkippedStatement(where, "not an object")
            continue
        try:
            vulnerability = statement.get("vulnerability")
            name = vulnerability.get("name") if isinstance(vulnerability, dict) else vulnerability
            detail = next(
                (
                    statement[k]
                    for k in ("impact_statement", "action_statement", "status_notes")
                    if isinstance(statement.get(k), str) and statement[k].strip()
                ),
                "",
            )
            decision = _decision(
                name, statement.get("status"), statement.get("justification"), detail, strict=False
            )
            products = statement.get("products")
            if not isinstance(products, list) or not products:
                raise _Unusable("it names no products")
        except _Unusable as error:
            yield SkippedStatement(where, str(error))
            continue
        for number, product in enumerate(products):
            for place, value in _openvex_products(product, f"{where}.products[{number}]"):
                yield _found(place, value, decision)


def _openvex_products(product: object, where: str) -> list[tuple[str, object]]:
    """A product is a purl, or an object whose subcomponents (when given) are what is meant."""
    if isinstance(product, dict):
        subcomponents = product.get("subcomponents")
        if isinstance(subcomponents, list) and subcomponents:
            return [
                (f"{where}.subcomponents[{n}]", _openvex_id(s)) for n, s in enumerate(subcomponents)
            ]
    return [(where, _openvex_id(product))]


def _openvex_id(product: object) -> object:
    if isinstance(product, dict):
        identifiers = product.get("identifiers")
        if isinstance(identifiers, dict) and isinstance(identifiers.get("purl"), str):
            return identifiers["purl"]
        return product.get("@id")
    return product


def _cyclonedx_statements(document: dict[str, Any]) -> Iterator[_Item]:
    vulnerabilities = document.get("vulnerabilities")
    if not isinstance(vulnerabilities, list):
        raise _Shape("it has no list of vulnerabilities")
    refs = _bom_refs(document)
    for index, entry in enumerate(vulnerabilities):
        where = f"vulnerabilities[{index}]"
        if not isinstance(entry, dict):
            yield SkippedStatement(where, "not an object")
            continue
        try:
            analysis = entry.get("analysis")
            if not isinstance(analysis, dict) or "state" not in analysis:
                raise _Unusable("it has no analysis state: nothing was decided")
            justification = analysis.get("justification")
            if analysis.get("state") == "false_positive" and not justification:
                justification = Justification.COMPONENT_NOT_PRESENT.value
            decision = _decision(
                entry.get("id"),
                analysis.get("state"),
                justification,
                analysis.get("detail"),
                strict=False,
            )
            affects = entry.get("affects")
            if not isinstance(affects, list) or not affects:
                raise _Unusable("it affects no component")
        except _Unusable as error:
            yield SkippedStatement(where, str(error))
            continue
        for number, target in enumerate(affects):
            place = f"{where}.affects[{number}]"
            try:
                ref = target.get("ref") if isinstance(target, dict) else None
                value: object = _resolve(ref, refs)
            except _Unusable as error:
                yield SkippedStatement(place, str(error))
                continue
            yield _found(place, value, decision)


def _found(where: str, purl: object, decision: _Decision) -> _Item:
    try:
        return _Found(where, _canonical_purl(purl), decision)
    except _Unusable as error:
        return SkippedStatement(where, str(error))


def _bom_refs(document: dict[str, Any]) -> dict[str, str | None]:
    """bom-ref → purl (None: the component has none) of every component, however nested."""
    refs: dict[str, str | None] = {}
    metadata = document.get("metadata")
    pending: list[object] = [metadata.get("component")] if isinstance(metadata, dict) else []
    pending.append(document.get("components"))
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            ref, purl = item.get("bom-ref"), item.get("purl")
            if isinstance(ref, str):
                refs.setdefault(ref, purl if isinstance(purl, str) else None)
            pending.append(item.get("components"))
    return refs


def _resolve(ref: object, refs: dict[str, str | None]) -> str:
    """An affects ref: a component's bom-ref, a BOM-Link to one, or a purl itself."""
    if not isinstance(ref, str) or not ref:
        raise _Unusable("no ref")
    local = unquote(ref.split("#", 1)[1]) if ref.startswith("urn:cdx:") and "#" in ref else ref
    if local in refs:
        purl = refs[local]
        if purl is None:
            raise _Unusable(f"the component {_shown(local)} has no package URL")
        return purl
    if local.startswith("pkg:"):
        return local
    raise _Unusable(f"ref {_shown(ref)} names no component of the document")
