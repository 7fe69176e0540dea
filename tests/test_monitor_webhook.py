"""The monitor's webhook against a real HTTP server on 127.0.0.1: delivered, retried after a
5xx or 429, given up after a timeout or a refused connection, never more than N attempts, and
a failed delivery that leaves the run's exit status alone."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from auditapp.services.monitor import NEW_RISK, MonitorReport
from auditapp.services.monitor_diff import MonitorChange
from auditapp.services.monitor_webhook import WebhookResult, WebhookSender, webhook_payload
from auditapp.services.workspace import Workspace
from tests.http_server import QuietHandler, serving
from tests.test_cli import Cli

CHANGE = MonitorChange(
    "drift|service api|privileged",
    "runtime-drift",
    "critical",
    "api",
    "service api: now runs privileged",
    detail={"workload": "service api"},
)
REPORT = MonitorReport(
    run_id=7,
    audit="Shop 2026",
    at=datetime(2026, 11, 29, 6, 0, tzinfo=UTC),
    by="Olga Officer",
    status=NEW_RISK,
    baseline_id=1,
    baseline_frozen_at=datetime(2026, 11, 1, tzinfo=UTC),
    collected=False,
    online=False,
    changes=(CHANGE,),
    problems=(),
    notes=(),
    data={},
)


class Hook:
    """What the server answers, in turn (the last answer repeats), and what it received."""

    def __init__(self, *answers: tuple[int, dict[str, str], float]) -> None:
        self.answers = list(answers)
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def handler(self) -> type[QuietHandler]:
        hook = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with hook.lock:
                    hook.received.append(json.loads(body))
                    n = len(hook.received) - 1
                    status, headers, delay = hook.answers[min(n, len(hook.answers) - 1)]
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the client gave up waiting: expected in the timeout test

        return Handler


@pytest.fixture
def waits() -> list[float]:
    return []


def _send(url: str, waits: list[float], **options: Any) -> WebhookResult:
    with requests.Session() as session:
        sender = WebhookSender(session, url, sleep=waits.append, **options)
        return sender.send(webhook_payload(REPORT, "Shop 2026"))


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 nobody listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield port


def test_delivered_with_a_text_chat_tools_show(waits: list[float]) -> None:
    hook = Hook((200, {}, 0))
    with serving(hook.handler()) as base:
        result = _send(f"{base}/hooks/T0KEN", waits)
    assert (result.delivered, result.attempts, result.status, result.error) == (True, 1, 200, "")
    assert result.endpoint == base  # the path, which may hold a token, is never shown
    [payload] = hook.received
    assert payload["text"].splitlines() == [
        "auditapp monitor, Shop 2026: 1 change(s) since sign-off, 1 new since the last run",
        "- [CRITICAL] Runtime drift: service api: now runs privileged",
    ]
    assert (payload["status"], payload["run"], payload["changes"][0]["kind"]) == (
        1,
        7,
        "runtime-drift",
    )
    assert waits == []


def test_a_server_error_then_success_is_retried(waits: list[float]) -> None:
    hook = Hook((500, {}, 0), (200, {}, 0))
    with serving(hook.handler()) as base:
        result = _send(f"{base}/hook", waits, backoff=0.5)
    assert (result.delivered, result.attempts, result.status) == (True, 2, 200)
    assert len(hook.received) == 2 and waits == [0.5]


def test_too_many_requests_waits_as_the_server_asks(waits: list[float]) -> None:
    hook = Hook((429, {"Retry-After": "3"}, 0), (204, {}, 0))
    with serving(hook.handler()) as base:
        result = _send(f"{base}/hook", waits)
    assert (result.delivered, result.attempts, result.status) == (True, 2, 204)
    assert waits == [3.0]


def test_never_more_than_the_attempts_allowed(waits: list[float]) -> None:
    hook = Hook((503, {}, 0))
    with serving(hook.handler()) as base:
        result = _send(f"{base}/hook", waits, attempts=3, backoff=1.0, max_delay=1.5)
    assert (result.delivered, result.attempts, result.status) == (False, 3, 503)
    assert result.error == "HTTP 503 Service Unavailable after 3 attempts"
    assert len(hook.received) == 3
    assert waits == [1.0, 1.5]  # doubled, capped, and no wait after the last attempt


def test_a_client_error_is_not_retried(waits: list[float]) -> None:
    hook = Hook((404, {}, 0))
    with serving(hook.handler()) as base:
        result = _send(f"{base}/hook", waits)
    assert (result.delivered, result.attempts, result.error) == (False, 1, "HTTP 404 Not Found")
    assert waits == []


def test_a_slow_answer_beyond_the_timeout(waits: list[float]) -> None:
    hook = Hook((200, {}, 2.0))
    with serving(hook.handler()) as base:
        result = _send(f"{base}/hook", waits, timeout=0.2, attempts=2)
    assert (result.delivered, result.attempts, result.status) == (False, 2, None)
    assert result.error == "no answer within 0.2 s after 2 attempts"


def test_connection_refused(closed_port: int, waits: list[float]) -> None:
    result = _send(f"http://127.0.0.1:{closed_port}/hooks/T0KEN", waits, attempts=2)
    assert (result.delivered, result.attempts, result.status) == (False, 2, None)
    assert result.error.startswith("cannot connect (")
    assert "T0KEN" not in result.error
    assert len(waits) == 1


def test_not_an_http_url_is_not_sent(waits: list[float]) -> None:
    result = _send("file:///etc/passwd", waits)
    assert (result.delivered, result.attempts, result.error) == (
        False,
        0,
        "not an http(s) URL; not sent",
    )


def test_a_failed_webhook_keeps_the_runs_exit_status(
    team_ws: Workspace, db_url: str, tmp_path: Path
) -> None:
    """No baseline yet: exit 2 whether or not the webhook arrives; its failure is said."""
    cli = Cli(db_url, tmp_path)
    refused = Hook((404, {}, 0))
    with serving(refused.handler()) as base:
        done = cli("monitor", "--webhook", f"{base}/hooks/T0KEN")
    assert done.returncode == 2
    assert f"the webhook to {base} was not delivered: HTTP 404 Not Found" in done.stderr
    assert "T0KEN" not in done.stderr + done.stdout
    delivered = Hook((200, {}, 0))
    with serving(delivered.handler()) as base:
        done = cli("monitor", "--json", env={"AUDITAPP_MONITOR_WEBHOOK": f"{base}/hook"})
    assert done.returncode == 2
    assert json.loads(done.stdout)["webhook"]["delivered"] is True
    assert delivered.received[0]["text"].startswith(
        "auditapp monitor, Shop 2026: could not check everything\n- no baseline yet"
    )


def test_the_text_puts_news_first_and_says_why_old_news_is_news_again() -> None:
    from dataclasses import replace

    from auditapp.services.monitor_webhook import message

    seen = replace(CHANGE, new_since_last_run=False)
    worse = MonitorChange(
        "vuln|CVE-2023-43804|pypi|urllib3|1.26.4",
        "vulnerability",
        "critical",
        "urllib3 1.26.4",
        "CVE-2023-43804 in PyPI urllib3 1.26.4 (payments); fixed in 1.26.17",
        escalated="severity rose from high to critical",
    )
    report = replace(REPORT, changes=(seen, worse))
    assert message(report, "Shop 2026").splitlines()[1:] == [
        "- [CRITICAL] New vulnerabilities on signed-off packages: CVE-2023-43804 in PyPI urllib3 "
        "1.26.4 (payments); fixed in 1.26.17 (severity rose from high to critical)",
        "- [CRITICAL] Runtime drift: service api: now runs privileged",
    ]
