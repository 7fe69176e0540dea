"""VEX vocabulary, and OpenVEX / CycloneDX VEX documents read and checked into plain statements.

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
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from packageurl import PackageURL

from auditapp.errors import AuditappError

MAX_DOCUMENT = 8 * 1024 * 1024
MAX_PAIRS = 100_000  # package/vulnerability pairs in one document
MAX_PURL = 1000
MAX_VULN_ID = 100  # the stored column's width
MAX_DETAIL = 10_000


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


class VexDocumentError(AuditappError):
    """A VEX document that cannot be read at all; none of its statements may be used."""


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


@dataclass(frozen=True)
class SkippedStatement:
    where: str  # e.g. "statements[3].products[0]"
    reason: str


@dataclass(frozen=True)
class VexDocument:
    """A document read whole: its usable statements (where it names a pair twice, only the
    later one) and the statements skipped, each with its reason, in document order."""

    format: str  # "openvex" or "cyclonedx"
    sha256: str
    statements: tuple[Statement, ...]
    skipped: tuple[SkippedStatement, ...]


def cyclonedx_terms(status: VexStatus, justification: Justification | None) -> tuple[str, str]:
    """(analysis state, justification or "") as CycloneDX writes them."""
    state = _CYCLONEDX_STATE[status]
    return state, _CYCLONEDX_JUSTIFICATION[justification] if justification else ""


# --- one statement ---------------------------------------------------------------------------


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
        raise UnusableStatement(f"{_shown(text)} is not a package URL: {error}") from None
    if len(canonical) > MAX_PURL:
        raise UnusableStatement(f"a package URL longer than {MAX_PURL} characters")
    return canonical


def _status(text: str) -> VexStatus:
    """An OpenVEX status or a CycloneDX analysis state, in any case, with - or _ or spaces."""
    key = _key(text)
    if key in {s.value for s in VexStatus}:
        return VexStatus(key)
    if key in _FROM_CYCLONEDX_STATE:
        return _FROM_CYCLONEDX_STATE[key]
    choices = ", ".join(VexStatus)
    raise UnusableStatement(f"unknown status {_shown(text)}: use one of {choices}")


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
    raise UnusableStatement(f"unknown justification {_shown(text)}: use one of {choices}")


def _vuln_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UnusableStatement("no vulnerability id")
    text = value.strip()
    if len(text) > MAX_VULN_ID:
        raise UnusableStatement(f"a vulnerability id longer than {MAX_VULN_ID} characters")
    if any(c.isspace() for c in text):
        raise UnusableStatement(f"the vulnerability id {_shown(text)} contains spaces")
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


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:60] + "...")


# --- documents -------------------------------------------------------------------------------


def read_document(path: Path) -> VexDocument:
    """Every statement of an OpenVEX or CycloneDX VEX file, usable or skipped with its reason.

    A file that cannot be read at all is a VexDocumentError. When the document names a pair
    twice, the later statement is used and the earlier one skipped as superseded.
    """
    data = _read(path)
    sha256 = hashlib.sha256(data).hexdigest()
    kind, found = _statements(_parse(data, path), path)
    chosen: dict[tuple[str, str], Statement] = {}
    skipped: list[SkippedStatement] = []
    for item in found:
        if isinstance(item, SkippedStatement):
            skipped.append(item)
            continue
        earlier = chosen.pop(item.key, None)
        if earlier is not None:
            skipped.append(SkippedStatement(earlier.where, f"superseded by {item.where}"))
        chosen[item.key] = item
    return VexDocument(kind, sha256, tuple(chosen.values()), tuple(skipped))


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


_Item = Statement | SkippedStatement


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
            decision = parse_decision(
                name, statement.get("status"), statement.get("justification"), detail, strict=False
            )
            products = statement.get("products")
            if not isinstance(products, list) or not products:
                raise UnusableStatement("it names no products")
        except UnusableStatement as error:
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
                raise UnusableStatement("it has no analysis state: nothing was decided")
            justification = analysis.get("justification")
            if analysis.get("state") == "false_positive" and not justification:
                justification = Justification.COMPONENT_NOT_PRESENT.value
            decision = parse_decision(
                entry.get("id"),
                analysis.get("state"),
                justification,
                analysis.get("detail"),
                strict=False,
            )
            affects = entry.get("affects")
            if not isinstance(affects, list) or not affects:
                raise UnusableStatement("it affects no component")
        except UnusableStatement as error:
            yield SkippedStatement(where, str(error))
            continue
        for number, target in enumerate(affects):
            place = f"{where}.affects[{number}]"
            try:
                ref = target.get("ref") if isinstance(target, dict) else None
                value: object = _resolve(ref, refs)
            except UnusableStatement as error:
                yield SkippedStatement(place, str(error))
                continue
            yield _found(place, value, decision)


def _found(where: str, purl: object, decision: Decision) -> _Item:
    try:
        return Statement(where, canonical_purl(purl), decision)
    except UnusableStatement as error:
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
        raise UnusableStatement("no ref")
    local = unquote(ref.split("#", 1)[1]) if ref.startswith("urn:cdx:") and "#" in ref else ref
    if local in refs:
        purl = refs[local]
        if purl is None:
            raise UnusableStatement(f"the component {_shown(local)} has no package URL")
        return purl
    if local.startswith("pkg:"):
        return local
    raise UnusableStatement(f"ref {_shown(ref)} names no component of the document")
