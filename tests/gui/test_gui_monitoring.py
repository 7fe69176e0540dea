"""The Since sign-off view and the background check: a small audit signed off through the
services, then newer OSV data (one entry known exploited) and a service made privileged with
a new port; the view lists what the monitor found, Check now runs it (and Cancel stores no
run), a timer tick notifies new risk, and before the sign-off the view says why it is empty."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QSpinBox, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from auditapp.gui.main_window import MainWindow
from auditapp.gui.settings import MONITOR_INTERVAL, Preferences
from auditapp.gui.views.monitoring import MonitoringView
from auditapp.gui.views.monitoring_text import NO_BASELINE, NOT_CHECKED
from auditapp.services.monitor import monitor
from auditapp.services.monitor_history import list_runs
from auditapp.services.workspace import Workspace
from tests.gui.conftest import AUDIT, DEVELOPER, OFFICER
from tests.monitoring_audit import OFFICER as OLGA
from tests.monitoring_audit import changed, collected, signed

pytestmark = pytest.mark.gui


def open_view(qtbot: QtBot, window: MainWindow) -> MonitoringView:
    view = window.show_view("monitoring")
    assert isinstance(view, MonitoringView)
    qtbot.waitUntil(lambda: view.data is not None and not window.runner.busy)
    return view


def shown(view: MonitoringView) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """The tree as a person reads it: each kind's row, and its changes' cells."""
    model = view.tree.model()
    groups = []
    for row in range(model.rowCount()):
        group = model.index(row, 0)
        changes = [
            tuple(str(model.index(n, c, group).data()) for c in range(4))
            for n in range(model.rowCount(group))
        ]
        groups.append((str(group.data()), changes))
    return groups  # type: ignore[return-value]


def assert_not_blank(view: MonitoringView, path: Path) -> None:
    assert view.window().grab().save(str(path))
    image = QImage(str(path))
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)
    }
    assert len(colours) > 20


@pytest.fixture
def watched(team: Workspace, tmp_path: Path) -> Workspace:
    """Signed off, checked once (nothing new), then changed and checked again (new risk)."""
    signed(team, tmp_path)
    monitor(team, OLGA)
    monitor(team, OLGA, kev=changed(team, tmp_path))
    return team


def test_the_latest_run_is_listed_by_kind_most_severe_first(
    qtbot: QtBot, watched: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window(watched, AUDIT, OFFICER)
    view = open_view(qtbot, window)
    assert shown(view) == [
        (
            "Known exploited (CISA KEV) — 1, 1 new since the last run",
            [
                (
                    "critical",
                    "CVE-2026-7777 in PyPI urllib3 1.26.4 (api): new vulnerability, known "
                    "exploited (added to KEV 2026-11-20, CISA due date 2026-12-11); fixed in 2.0.0",
                    "urllib3 1.26.4",
                    "known exploited · new",
                )
            ],
        ),
        (
            "New vulnerabilities on signed-off packages — 1, 1 new since the last run",
            [
                (
                    "high",
                    "GHSA-aaaa-bbbb-cccc in PyPI urllib3 1.26.4 (api); fixed in 2.0.0",
                    "urllib3 1.26.4",
                    "new",
                )
            ],
        ),
        (
            "Runtime drift — 2, 2 new since the last run",
            [
                ("critical", "service api: now runs privileged", "api", "new"),
                ("high", "service api: new published port 0.0.0.0:9090->90/tcp", "api", "new"),
            ],
        ),
        (
            "New exposure no declared flow justifies — 1, 1 new since the last run",
            [
                (
                    "high",
                    "service api: 90/tcp published on every interface (host port 9090): no "
                    "declared flow justifies it",
                    "api",
                    "new",
                )
            ],
        ),
    ]
    assert view.headline.text() == (
        "<b>New risk: 5 change(s) since sign-off, 5 new since the previous run, 1 known "
        "exploited</b>"
    )
    assert "after Olga Officer (officer) and Aud Auditor (auditor) signed off" in view.about.text()
    assert view.trend.weeks[-1].new == 5 and view.trend.weeks[-1].runs == 2

    # the change in full
    model = view.tree.model()
    first = model.index(0, 0, model.index(0, 0))
    view.tree.setCurrentIndex(first)
    assert "CISA KEV CVE-2026-7777, added 2026-11-20, due 2026-12-11" in view.detail.text()
    assert "PYSEC-2026-7" in view.detail.text()

    # searching, and only what is new
    qtbot.keyClicks(view.search, "privileged")
    assert shown(view) == [
        (
            "Runtime drift — 2, 2 new since the last run",
            [("critical", "service api: now runs privileged", "api", "new")],
        )
    ]
    view.search.clear()
    qtbot.mouseClick(view.only_new, Qt.MouseButton.LeftButton)
    assert sum(len(changes) for _, changes in shown(view)) == 5
    view.resize(1280, 820)
    assert_not_blank(view, tmp_path / "monitoring.png")

    # the run before: nothing had changed yet
    runs = list_runs(watched, OLGA)
    assert view.run_picker.count() == 2
    view.run_picker.setFocus()
    qtbot.keyClick(view.run_picker, Qt.Key.Key_Down)
    assert view.chosen_run() == runs[1]
    assert shown(view) == [] and view.headline.text() == "<b>Nothing new since sign-off</b>"


def test_the_run_exports_as_a_delta_report(
    qtbot: QtBot, watched: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window(watched, AUDIT, OFFICER)
    view = open_view(qtbot, window)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    dialog = view.export_dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    target = tmp_path / "since.pdf"
    dialog.selectFile(str(target))
    dialog.accept()
    qtbot.waitUntil(lambda: target.exists() and not window.runner.busy)
    text = " ".join(page.extract_text() or "" for page in PdfReader(target).pages)
    assert "NEW RISK" in text and "service api: now runs privileged" in text
    assert window.status.last_message.startswith("Wrote since.pdf: run #")


def test_check_now_runs_the_monitor_and_shows_the_new_run(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    signed(team, tmp_path)
    window = make_window(team, AUDIT, OFFICER)
    view = open_view(qtbot, window)
    assert view.headline.text() == NOT_CHECKED and shown(view) == []
    check = view.check
    assert check.check_button.isEnabled()

    qtbot.mouseClick(check.check_button, Qt.MouseButton.LeftButton)
    assert check.running and not check.check_button.isEnabled()
    qtbot.waitUntil(lambda: not check.running and view.runs.rowCount() == 1, timeout=60_000)
    [run] = list_runs(team, OLGA)
    assert (run.status, run.by, run.changes) == (0, OFFICER, ())
    assert view.headline.text() == "<b>Nothing new since sign-off</b>"

    changed(team, tmp_path)
    qtbot.keyClick(view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not check.running and view.runs.rowCount() == 2, timeout=60_000)
    latest = list_runs(team, OLGA)[0]
    assert view.chosen_run() == latest and latest.status == 1
    assert [kind for kind, _ in shown(view)] == [
        "New vulnerabilities on signed-off packages — 2, 2 new since the last run",
        "Runtime drift — 2, 2 new since the last run",
        "New exposure no declared flow justifies — 1, 1 new since the last run",
    ]  # no KEV catalogue imported: nothing is flagged as known exploited
    assert window.status.last_message.startswith("Run #")

    # looking at an older run, Check now shows the run it makes
    view.run_picker.setCurrentIndex(1)
    assert view.headline.text() == "<b>Nothing new since sign-off</b>"
    qtbot.mouseClick(check.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not check.running and view.runs.rowCount() == 3, timeout=60_000)
    assert view.chosen_run() == list_runs(team, OLGA)[0]
    assert view.headline.text().startswith("<b>New risk: 5 change(s) since sign-off, 0 new")


def test_cancel_stores_no_run(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    signed(team, tmp_path)
    window = make_window(team, AUDIT, OFFICER)
    view = open_view(qtbot, window)
    check = view.check
    # Holding the database's write lock keeps the check waiting at its first write, so the
    # cancel lands while it runs, whatever the machine's speed.
    with team.db.write() as session:
        session.connection()  # BEGIN IMMEDIATE: from here the lock is held
        qtbot.mouseClick(check.check_button, Qt.MouseButton.LeftButton)
        assert check.cancel_button.isVisible() and check.cancel_button.isEnabled()
        qtbot.mouseClick(check.cancel_button, Qt.MouseButton.LeftButton)
        assert not check.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not check.running, timeout=60_000)
    assert check.stage.text() == "Check cancelled: no run was stored"
    assert list_runs(team, OLGA) == []


def test_before_the_sign_off_the_view_says_why_it_is_empty(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    collected(team, tmp_path)
    window = make_window(team, AUDIT, OFFICER)
    view = open_view(qtbot, window)
    assert view.pages.currentWidget() is view.empty
    assert NO_BASELINE in view.empty.text()
    assert not view.check.check_button.isEnabled()
    assert window.monitor_watch.check_now()  # a timer tick before the sign-off…
    qtbot.waitUntil(lambda: not window.monitor_watch.busy)
    assert list_runs(team, OLGA) == []  # …stores no "could not check" run
    view.window().resize(1280, 820)
    assert_not_blank(view, tmp_path / "empty.png")


def test_developers_may_not_check_a_signed_off_audit(
    qtbot: QtBot, watched: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(watched, AUDIT, DEVELOPER)
    view = open_view(qtbot, window)
    assert len(shown(view)) == 4  # reading is allowed
    assert not view.check.check_button.isEnabled()
    assert "signed off" in view.check.check_button.toolTip()
    assert not window.monitor_watch.check_now()


def test_a_background_check_that_finds_new_risk_says_so(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    signed(team, tmp_path)
    monitor(team, OLGA)
    window = make_window(team, AUDIT, OFFICER)
    watch = window.monitor_watch
    assert not watch.timer.isActive()  # a window without the person's settings never checks
    view = open_view(qtbot, window)

    watch.timer.timeout.emit()  # a tick: nothing changed, nothing said
    qtbot.waitUntil(lambda: not watch.busy and watch.last_report is not None, timeout=60_000)
    assert watch.last_report is not None and watch.last_report.status == 0
    assert "since sign-off" not in window.status.last_message

    changed(team, tmp_path)
    watch.timer.timeout.emit()
    qtbot.waitUntil(lambda: not watch.busy and len(list_runs(team, OLGA)) == 3, timeout=60_000)
    assert window.status.last_message == (
        "auditapp monitor, Shop 2026: 5 change(s) since sign-off, 5 new since the last run — "
        "see Since sign-off"
    )
    tray_available = QSystemTrayIcon.isSystemTrayAvailable()
    assert (watch.tray is not None) == tray_available  # offscreen: the status bar only
    qtbot.waitUntil(lambda: view.runs.rowCount() == 3)  # the view shown re-reads the runs

    watch.timer.timeout.emit()  # the same again: nothing new since the last run, no notice
    window.status.say("")
    qtbot.waitUntil(lambda: not watch.busy and len(list_runs(team, OLGA)) == 4, timeout=60_000)
    assert window.status.last_message == ""


def test_the_interval_comes_from_the_settings(
    qtbot: QtBot, team: Workspace, tmp_path: Path
) -> None:
    preferences = Preferences.in_file(str(tmp_path / "auditapp.ini"))
    assert preferences.number(MONITOR_INTERVAL) == 60
    preferences.set_value(MONITOR_INTERVAL, 15)
    window = MainWindow(team, preferences=preferences)
    qtbot.addWidget(window)
    window.start(AUDIT, OFFICER)
    timer = window.monitor_watch.timer
    assert timer.isActive() and timer.interval() == 15 * 60_000

    dialog = window.open_settings()
    every = dialog.editors[MONITOR_INTERVAL]
    assert isinstance(every, QSpinBox)
    every.selectAll()
    qtbot.keyClicks(every, "0")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert not timer.isActive()  # applied at once
    assert Preferences.in_file(str(tmp_path / "auditapp.ini")).number(MONITOR_INTERVAL) == 0
    window.close()
