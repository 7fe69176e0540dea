"""Reading a stored abandonment evidence document (`AbandonmentResult.to_document`) back into
objects; anything that is not one is an AbandonmentError."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from auditapp.vulns.abandonment_answers import _dict, _instant, _kind, _str
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
        doc = _dict(document, "the document")
        if doc.get("format") != DOCUMENT_FORMAT:
            raise ValueError(f"not a format {DOCUMENT_FORMAT} abandonment document")
        sources = _dict(doc["sources"], "sources")
        signals: dict[tuple[str, str, str], list[Signal]] = {}
        for raw in _list(doc["signals"], "signals"):
            signal = _stored_signal(_dict(raw, "a signal"))
            signals.setdefault((signal.ecosystem, signal.name, signal.version), []).append(signal)
        checks = [
            _stored_check(_dict(raw, "a package"), signals)
            for raw in _list(doc["packages"], "packages")
        ]
        if signals:
            raise ValueError(f"signals for packages not listed: {sorted(signals)[:3]}")
        max_age = doc["max_age_days"]
        if not isinstance(max_age, int) or isinstance(max_age, bool):
            raise ValueError("max_age_days must be a number of days")
        return AbandonmentResult(
            tuple(checks),
            _instant(doc["fetched_at"]),
            _str(sources["npm"], "npm source"),
            _str(sources["pypi"], "pypi source"),
            max_age,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise AbandonmentError(f"{where} is not readable: {str(error)[:200]}") from None


def _stored_signal(item: Mapping[str, Any]) -> Signal:
    kind = _str(item["kind"], "kind")
    for known in SIGNAL_KINDS:
        if kind == known:
            return Signal(
                _str(item["ecosystem"], "ecosystem"),
                _str(item["name"], "name"),
                _str(item["version"], "version"),
                known,
                _str(item["detail"], "detail"),
                _str(item["source_url"], "source_url"),
                _instant(item["fetched_at"]),
            )
    raise ValueError(f"unknown signal kind {kind[:40]!r}")


def _stored_check(
    item: Mapping[str, Any], signals: dict[tuple[str, str, str], list[Signal]]
) -> PackageCheck:
    ecosystem, name = _str(item["ecosystem"], "ecosystem"), _str(item["name"], "name")
    version, outcome = _str(item["version"], "version"), _str(item["outcome"], "outcome")
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
        _str(item["source_url"], "source_url"),
        _instant(item["fetched_at"]),
        tuple(signals.pop((ecosystem, name, version), [])),
        date.fromisoformat(_str(newest, "newest_release")) if newest is not None else None,
        _str(item.get("repository", ""), "repository"),
        _str(item.get("note", ""), "note"),
    )


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list, not {_kind(value)}")
    return value
