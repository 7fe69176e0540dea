"""Rolling item answers up into per-section and per-audit progress."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from auditapp.checklist.definition import Checklist, Item
from auditapp.checklist.status import Status

# Statuses whose claim rests on what was seen; Not Applicable and Not Tested rest on the
# rationale alone (why it does not apply, why it was excluded).
NEEDS_EVIDENCE = frozenset({Status.IN_PLACE, Status.NOT_IN_PLACE})


@dataclass(frozen=True)
class Answer:
    """What the team has said about one item, as far as progress is concerned."""

    status: Status | None
    rationale: str
    evidence_count: int


def is_complete(item: Item, answer: Answer | None) -> bool:
    """Answered, explained, and backed by evidence where the item expects it."""
    if answer is None or answer.status is None or not answer.rationale.strip():
        return False
    needs_evidence = item.expects_evidence and answer.status in NEEDS_EVIDENCE
    return not needs_evidence or answer.evidence_count > 0


@dataclass(frozen=True)
class Progress:
    title: str
    total: int
    counts: Mapping[Status | None, int]
    complete: int

    @property
    def answered(self) -> int:
        return self.total - self.counts.get(None, 0)

    @property
    def unanswered(self) -> int:
        return self.counts.get(None, 0)

    def count(self, status: Status | None) -> int:
        return self.counts.get(status, 0)


def _progress(title: str, items: Iterable[Item], answers: Mapping[str, Answer]) -> Progress:
    counts: Counter[Status | None] = Counter()
    complete = total = 0
    for item in items:
        answer = answers.get(item.key)
        counts[answer.status if answer else None] += 1
        complete += is_complete(item, answer)
        total += 1
    return Progress(title, total, dict(counts), complete)


@dataclass(frozen=True)
class Rollup:
    sections: tuple[tuple[int, Progress], ...]
    overall: Progress


def roll_up(checklist: Checklist, answers: Mapping[str, Answer]) -> Rollup:
    sections = tuple((s.number, _progress(s.title, s.items, answers)) for s in checklist.sections)
    return Rollup(sections, _progress(checklist.title, checklist.items(), answers))
