"""What the monitoring delta report shows, as plain values: what changed since the signed-off
baseline according to one stored monitor run, with the run history and the weekly trend.

The services gather it from the database; the PDF is rendered from it alone, so the same run
always renders to the same bytes. Times are the data's own (the baseline's freeze, the runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

DELTA_MARKING = "Monitoring since sign-off: not a PCI DSS Report on Compliance or AOC"
NOTHING_NEW, NEW_RISK, COULD_NOT_CHECK = 0, 1, 2
STATUS_WORDS = {NOTHING_NEW: "NOTHING NEW", NEW_RISK: "NEW RISK", COULD_NOT_CHECK: "INCOMPLETE"}


@dataclass(frozen=True)
class DeltaChange:
    kind: str  # the monitor's kind of change ("runtime-drift", ...)
    group: str  # how a person reads the kind ("Runtime drift")
    severity: str
    subject: str  # the component, workload or package it is about
    title: str
    known_exploited: bool
    new_since_last_run: bool


@dataclass(frozen=True)
class DeltaSignOff:
    member: str
    role: str
    signed_at: datetime


@dataclass(frozen=True)
class DeltaBaseline:
    id: int
    frozen_at: datetime
    frozen_by: str
    sha256: str
    journal_head: str
    signoffs: tuple[DeltaSignOff, ...]
    images: int
    packages: int
    workloads: int
    findings: int
    vulnerabilities: int


@dataclass(frozen=True)
class DeltaRun:
    id: int
    at: datetime
    by: str
    status: int  # NOTHING_NEW, NEW_RISK or COULD_NOT_CHECK
    changes: int
    new: int  # changes no earlier run had found
    known_exploited: int
    worst: str  # the most severe change's severity, "" when none
    problems: int


@dataclass(frozen=True)
class DeltaWeek:
    week: date  # the Monday the ISO week starts on
    new: int
    runs: int


@dataclass(frozen=True)
class DeltaData:
    audit: str
    entity: str
    baseline: DeltaBaseline
    run: DeltaRun  # the run reported
    collected: bool  # it collected from the Docker Engine again
    online: bool  # it asked online sources
    changes: tuple[DeltaChange, ...]  # grouped by kind, most severe first
    problems: tuple[str, ...]  # why it could not check everything
    data_used: tuple[str, ...]  # the vulnerability data and KEV catalogue, one line each
    history: tuple[DeltaRun, ...]  # runs since the sign-off, newest first
    trend: tuple[DeltaWeek, ...]  # oldest first, weeks without runs included

    @property
    def as_of(self) -> datetime:
        """The report's printed time: the run's own."""
        return self.run.at

    @property
    def status_label(self) -> str:
        return STATUS_WORDS.get(self.run.status, "UNKNOWN")
