"""OpenVEX and CycloneDX VEX documents read whole: each statement checked (`vex_statements`),
then used or skipped with its reason."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from auditapp.errors import AuditappError
from auditapp.vulns.vex_statements import (
    Decision,
    Statement,
    UnusableStatement,
    canonical_purl,
    parse_decision,
    shown,
)
from auditapp.vulns.vex_vocabulary import Justification

MAX_DOCUMENT = 8 * 1024 * 1024
MAX_PAIRS = 100_000  # package/vulnerability pairs in one document


class VexDocumentError(AuditappError):
    """A VEX document that cannot be read at all; none of its statements may be used."""


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
            raise UnusableStatement(f"the component {shown(local)} has no package URL")
        return purl
    if local.startswith("pkg:"):
        return local
    raise UnusableStatement(f"ref {shown(ref)} names no component of the document")
