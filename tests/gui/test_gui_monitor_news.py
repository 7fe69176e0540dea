"""What the window tells about news since sign-off: the background check notifies when a
vulnerability it reported already becomes known exploited; and the Online sources setting
says what the switch does — the timed check then asks the OSV API and CISA's KEV feed first
(`run_check` with `online`), nothing else — naming commands that exist for the rest."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from auditapp.cli.parser import build_parser
from auditapp.gui.main_window import MainWindow
from auditapp.gui.settings import ONLINE_SOURCES, setting
from auditapp.gui.views.monitoring_text import change_html
from auditapp.services.monitor import monitor
from auditapp.services.monitor_history import list_runs
from auditapp.services.monitor_kev import import_kev
from auditapp.services.workspace import Workspace
from tests.gui.conftest import AUDIT, OFFICER
from tests.monitoring_audit import OFFICER as OLGA
from tests.monitoring_audit import changed, signed

pytestmark = pytest.mark.gui


def test_a_reported_vulnerability_now_known_exploited_is_notified(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    signed(team, tmp_path)
    kev = changed(team, tmp_path)  # newer OSV data and drift; the KEV file not imported yet
    assert monitor(team, OLGA).new_since_last_run == 5  # all reported, none known exploited
    import_kev(team, kev)  # CISA lists one of the vulnerabilities already reported
    window = make_window(team, AUDIT, OFFICER)
    watch = window.monitor_watch
    watch.timer.timeout.emit()
    qtbot.waitUntil(lambda: not watch.busy and len(list_runs(team, OLGA)) == 2, timeout=60_000)
    assert window.status.last_message == (
        "auditapp monitor, Shop 2026: 5 change(s) since sign-off, 1 new since the last run, "
        "1 known exploited — see Since sign-off"
    )
    latest = max(list_runs(team, OLGA), key=lambda run: run.id)
    worse = [change for change in latest.changes if change.escalated]
    assert len(worse) == 1  # the detail pane says why old news is news again
    assert "<b>Since the last run</b></td><td>worse: now known exploited" in change_html(worse[0])


def test_the_online_switch_names_the_osv_api_and_the_kev_feed() -> None:
    words = setting(ONLINE_SOURCES).help
    assert "OSV API" in words
    assert "CISA" in words and "Known Exploited Vulnerabilities (KEV)" in words
    # the monitor's online step fetches no registry or lifecycle data: the words must not say so
    assert "package registries" not in words
    assert "Lifecycle and abandonment data are not fetched here" in words


def test_the_commands_it_names_exist() -> None:
    named = re.findall(r"`auditapp ([^`]+)`", setting(ONLINE_SOURCES).help)
    assert named == ["vulndb update", "kev update", "lifecycle --refresh"]
    for command in named:
        build_parser().parse_args(shlex.split(command))  # exits (SystemExit) when unknown
