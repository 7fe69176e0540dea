"""The words of the Since sign-off view: a run's result in a sentence, where the baseline came
from, and one change in full (as rich text for its detail pane)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from auditapp.gui.formatting import local_time
from auditapp.services.monitor_baseline import BaselineView
from auditapp.services.monitor_diff import KIND_TITLES, MonitorChange
from auditapp.services.monitor_history import MonitorRunView
from auditapp.services.signoff import SignOffView

NOTHING_NEW, NEW_RISK, COULD_NOT_CHECK = 0, 1, 2
NO_BASELINE = (
    "No baseline yet: the package is frozen when an officer and an auditor have signed off."
)
NO_BASELINE_HINT = (
    "Sign off in Sign-off & export. From then on, Check now (and the daily `auditapp monitor`) "
    "compares the audit with what was signed: new vulnerabilities on signed-off packages, "
    "known exploitation, runtime drift, new exposure, expired accepted risks."
)
NOT_CHECKED = "Not checked since the sign-off yet: Check now compares the audit with it."
# The banner's look per result: background, border and text colours.
LOOKS = {
    NOTHING_NEW: ("#e8f5e9", "#9ccc9f", "#1b5e20"),
    NEW_RISK: ("#fdecea", "#e57373", "#8e0000"),
    COULD_NOT_CHECK: ("#fff4ce", "#d8a800", "#4d3800"),
}
_DETAIL_WORDS = {
    "id": "Vulnerability",
    "aliases": "Also known as",
    "score": "CVSS score",
    "ecosystem": "Ecosystem",
    "package": "Package",
    "version": "Version",
    "fixed": "Fixed in",
    "components": "Components",
    "workload": "Container or service",
    "port": "Port",
    "mount": "Mount",
    "limit": "Limit",
    "was": "Was",
    "finding": "Finding",
    "rule": "Rule",
    "expires": "Accepted until",
    "justification": "Justification",
    "component": "Component",
    "off_host": "Reachable from off the host",
    "state": "State",
    "signed": "Signed-off digest",
    "now": "Digest now",
}
_SKIPPED = frozenset({"new", "kev", "privileged"})


def headline(run: MonitorRunView) -> str:
    count = len(run.changes)
    if run.status == COULD_NOT_CHECK:
        seen = f"; what it could compare shows {count} change(s)" if count else ""
        return f"Could not check everything{seen}"
    if run.status == NEW_RISK:
        exploited = sum(1 for c in run.changes if c.known_exploited)
        kev = f", {exploited} known exploited" if exploited else ""
        return (
            f"New risk: {count} change(s) since sign-off, {run.new_since_last_run} new since "
            f"the previous run{kev}"
        )
    return "Nothing new since sign-off"


def run_line(run: MonitorRunView) -> str:
    how = "collected again" if run.collected else "stored evidence"
    how += ", online sources" if run.online else ""
    return f"Run #{run.id} on {local_time(run.at)} by {run.by} ({how})"


def baseline_line(baseline: BaselineView, signoffs: Sequence[SignOffView]) -> str:
    signed = [s for s in signoffs if s.signed_at <= baseline.frozen_at]
    who = " and ".join(f"{s.member} ({s.role})" for s in signed)
    after = f" after {who} signed off" if who else ""
    return f"Baseline frozen {local_time(baseline.frozen_at)}{after}"


def change_html(change: MonitorChange) -> str:
    rows = [
        ("Kind", KIND_TITLES.get(change.kind, change.kind)),
        ("Severity", change.severity),
        ("About", change.subject),
    ]
    if change.new_since_last_run:  # new, or reported before and worse now (then say how)
        rows.append(
            ("Since the last run", f"worse: {change.escalated}" if change.escalated else "new")
        )
    kev = change.detail.get("kev")
    if isinstance(kev, Mapping):
        rows.append(("Known exploited", _kev_text(kev)))
    rows += [
        (_DETAIL_WORDS.get(key, key.replace("_", " ").capitalize()), _value(value))
        for key, value in sorted(change.detail.items())
        if key not in _SKIPPED and _value(value)
    ]
    table = "".join(
        f"<tr><td style='padding-right:10px'><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<p><b>{escape(change.title)}</b></p><table>{table}</table>"


def _kev_text(kev: Mapping[str, Any]) -> str:
    parts = [f"CISA KEV {kev.get('cve', '')}".strip(), f"added {kev.get('date_added', '?')}"]
    if kev.get("due_date"):
        parts.append(f"due {kev['due_date']}")
    if str(kev.get("ransomware", "")).lower() == "known":
        parts.append("used in ransomware campaigns")
    return ", ".join(parts)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if value is None or isinstance(value, Mapping):
        return ""
    return str(value)
