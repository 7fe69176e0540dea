"""Reading a stored abandonment evidence document (`AbandonmentResult.to_document`) back into
objects; anything that is not one is an AbandonmentError."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from auditapp.vulns.abandonment_answers import answer_dict, answer_instant, answer_str, kind_of
from auditapp.vulns.abandonment_result import (
    DOCUMENT_FORMAT,
    SIGNAL_KINDS,
    AbandonmentError,
    AbandonmentResult,
    Outcome,
    PackageCheck,
    Signal,
)


def result_from_document(document: object, where: str) -> AbandonmentResult:
    """A result stored by `to_document`; anything else is an AbandonmentError naming `where`."""
    try:
        doc = answer_dict(document, "the document")
        if doc.get("format") != DOCUMENT_FORMAT:
            raise ValueError(f"not a format {DOCUMENT_FORMAT} abandonment document")
        sources = answer_dict(doc["sources"], "sources")
        signals: dict[tuple[str, str, str], list[Signal]] = {}
        for raw in _list(doc["signals"], "signals"):
            signal = _stored_signal(answer_dict(raw, "a signal"))
            signals.setdefault((signal.ecosystem, signal.name, signal.version), []).append(signal)
        checks = [
            _stored_check(answer_dict(raw, "a package"), signals)
            for raw in _list(doc["packages"], "packages")
        ]
        if signals:
            raise ValueError(f"signals for packages not listed: {sorted(signals)[:3]}")
        max_age = doc["max_age_days"]
        if not isinstance(max_age, int) or isinstance(max_age, bool):
            raise ValueError("max_age_days must be a number of days")
        return AbandonmentResult(
            tuple(checks),
            answer_instant(doc["fetched_at"]),
            answer_str(sources["npm"], "npm source"),
            answer_str(sources["pypi"], "pypi source"),
            max_age,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise AbandonmentError(f"{where} is not readable: {str(error)[:200]}") from None


def _stored_signal(item: Mapping[str, Any]) -> Signal:
    kind = answer_str(item["kind"], "kind")
    for known in SIGNAL_KINDS:
        if kind == known:
            return Signal(
                answer_str(item["ecosystem"], "ecosystem"),
                answer_str(item["name"], "name"),
                answer_str(item["version"], "version"),
                known,
                answer_str(item["detail"], "detail"),
                answer_str(item["source_url"], "source_url"),
                answer_instant(item["fetched_at"]),
            )
    raise ValueError(f"unknown signal kind {kind[:40]!r}")


def _stored_check(
    item: Mapping[str, Any], signals: dict[tuple[str, str, str], list[Signal]]
) -> PackageCheck:
    ecosystem, name = answer_str(item["ecosystem"], "ecosystem"), answer_str(item["name"], "name")
    version, outcome = (
        answer_str(item["version"], "version"),
        answer_str(item["outcome"], "outcome"),
    )
    newest = item.get("newest_release")
    known: dict[str, Outcome] = {
        "checked": "checked",
        "not-found": "not-found",
        "skipped": "skipped",
    }
    if outcome not in known:
        raise ValueError(f"unknown outcome {outcome[:40]!r}")
    return PackageCheck(
        ecosystem,
        name,
        version,
        known[outcome],
        answer_str(item["source_url"], "source_url"),
        answer_instant(item["fetched_at"]),
        tuple(signals.pop((ecosystem, name, version), [])),
        date.fromisoformat(answer_str(newest, "newest_release")) if newest is not None else None,
        answer_str(item.get("repository", ""), "repository"),
        answer_str(item.get("note", ""), "note"),
    )


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list, not {kind_of(value)}")
    return value
