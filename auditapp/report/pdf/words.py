"""How the package writes statuses, methods, dates and evidence references."""

from __future__ import annotations

from datetime import UTC, date, datetime

from auditapp.checklist import Method
from auditapp.report.model import STATUS_LABELS, ReportData

STATUS_ORDER: tuple[str | None, ...] = (
    "in_place",
    "not_applicable",
    "not_tested",
    "not_in_place",
    None,
)


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status, status or "Unanswered")


def method_label(method: str) -> str:
    try:
        return Method(method).label
    except ValueError:
        return method or Method.NONE.label


def day(value: date | datetime | None, empty: str = "–") -> str:
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = _utc(value).date()
    return value.isoformat()


def moment(value: datetime | None, empty: str = "–") -> str:
    """A time as the package prints it: UTC to the minute."""
    if value is None:
        return empty
    return _utc(value).strftime("%Y-%m-%d %H:%M UTC")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def evidence_ref(data: ReportData, evidence_id: int | None) -> str:
    """The SYS-n/DOC-n of a stored evidence id, or "#id" when the manifest lacks it."""
    if evidence_id is None:
        return ""
    for row in data.evidence:
        if row.id == evidence_id:
            return row.ref
    return f"#{evidence_id}"


def finding_label(finding_id: int) -> str:
    return f"F-{finding_id}"


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"
