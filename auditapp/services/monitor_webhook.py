"""Telling a chat tool or an alerting endpoint what a monitor run found: a JSON POST whose
"text" field chat tools (Slack, Mattermost, Teams, Rocket.Chat) display as the message.

Delivery is best effort and never raises: 429, 5xx, timeouts and broken connections are tried
again after a growing pause (or the server's Retry-After), at most `attempts` times in all;
anything else fails at once. The result says what happened, for the run's output.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from auditapp.services.monitor import COULD_NOT_CHECK, NEW_RISK, MonitorReport
from auditapp.services.monitor_diff import KIND_TITLES

DEFAULT_TIMEOUT = 10.0
DEFAULT_ATTEMPTS = 4
TEXT_LINES = 15  # changes listed in the message; the JSON carries all of them
_RETRIED = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class WebhookResult:
    endpoint: str  # scheme and host only: webhook paths often hold a secret token
    delivered: bool
    attempts: int
    status: int | None  # the last HTTP status, None when no answer came
    error: str  # why it was not delivered, "" when it was


class WebhookSender:
    def __init__(
        self,
        session: requests.Session,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff: float = 1.0,
        max_delay: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if attempts < 1 or timeout <= 0:
            raise ValueError("attempts and timeout must be positive")
        self.session, self.url = session, url
        self.timeout, self.attempts = timeout, attempts
        self.backoff, self.max_delay, self.sleep = backoff, max_delay, sleep
        parts = urlsplit(url)
        self.endpoint = f"{parts.scheme}://{parts.hostname or '?'}" + (
            f":{parts.port}" if parts.port else ""
        )

    def _reason(self, error: Exception) -> str:
        """The library's words without the URL's path and query, which may hold a token."""
        text = str(error) or error.__class__.__name__
        parts = urlsplit(self.url)
        for hidden in (parts.query, parts.path):
            if hidden and hidden != "/":
                text = text.replace(hidden, "/…")
        return text[:300]

    def send(self, payload: dict[str, Any]) -> WebhookResult:
        if urlsplit(self.url).scheme not in ("http", "https"):
            return WebhookResult(self.endpoint, False, 0, None, "not an http(s) URL; not sent")
        status: int | None = None
        error = ""
        for attempt in range(1, self.attempts + 1):
            wait = self.backoff * 2 ** (attempt - 1)
            try:
                answer = self.session.post(
                    self.url, json=payload, timeout=self.timeout, allow_redirects=False
                )
            except requests.Timeout:
                status, error = None, f"no answer within {self.timeout:g} s"
            except requests.ConnectionError as failure:
                status, error = None, f"cannot connect ({self._reason(failure)})"
            except requests.RequestException as failure:  # a bad URL, say: trying again won't help
                return WebhookResult(self.endpoint, False, attempt, None, self._reason(failure))
            else:
                with answer:
                    status = answer.status_code
                    if 200 <= status < 300:
                        return WebhookResult(self.endpoint, True, attempt, status, "")
                    error = f"HTTP {status} {answer.reason or ''}".strip()
                    if status not in _RETRIED:
                        return WebhookResult(self.endpoint, False, attempt, status, error)
                    wait = _retry_after(answer.headers.get("Retry-After"), wait)
            if attempt < self.attempts:
                self.sleep(min(wait, self.max_delay))
        return WebhookResult(
            self.endpoint, False, self.attempts, status, f"{error} after {self.attempts} attempts"
        )


def webhook_payload(report: MonitorReport, audit: str) -> dict[str, Any]:
    """The JSON posted: "text" for people, and the run for machines."""
    return {
        "text": message(report, audit),
        "audit": audit,
        "run": report.run_id,
        "status": report.status,
        "at": report.at.isoformat(),
        "changes": [
            {
                "kind": c.kind,
                "severity": c.severity,
                "subject": c.subject,
                "title": c.title,
                "known_exploited": c.known_exploited,
                "new_since_last_run": c.new_since_last_run,
            }
            for c in report.changes
        ],
        "problems": list(report.problems),
    }


def message(report: MonitorReport, audit: str) -> str:
    if report.status == COULD_NOT_CHECK:
        head = f"auditapp monitor, {audit}: could not check everything"
    elif report.status == NEW_RISK:
        exploited = sum(1 for c in report.changes if c.known_exploited)
        head = (
            f"auditapp monitor, {audit}: {len(report.changes)} change(s) since sign-off, "
            f"{report.new_since_last_run} new since the last run"
            + (f", {exploited} known exploited" if exploited else "")
        )
    else:
        head = f"auditapp monitor, {audit}: nothing new since sign-off"
    lines = [head]
    lines += [f"- {p}" for p in report.problems]
    # what is new since the last run first (chat previews and tray notices show the top lines)
    ordered = sorted(report.changes, key=lambda c: not c.new_since_last_run)
    for change in ordered[:TEXT_LINES]:
        group = KIND_TITLES.get(change.kind, change.kind)
        why = change.escalated if change.escalated not in change.title else ""
        why = f" ({why})" if why else ""
        lines.append(f"- [{change.severity.upper()}] {group}: {change.title}{why}")
    if len(report.changes) > TEXT_LINES:
        lines.append(
            f"… and {len(report.changes) - TEXT_LINES} more (`auditapp monitor --history`)"
        )
    return "\n".join(lines)


def _retry_after(value: str | None, default: float) -> float:
    """Retry-After in seconds (its HTTP-date form is rare for webhooks: the default then)."""
    try:
        return max(0.0, float(value)) if value else default
    except ValueError:
        return default
