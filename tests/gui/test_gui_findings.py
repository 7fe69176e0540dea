"""The Findings view over a real collected and analysed compose project: filtering, decisions
one and many at a time, Analyse now with its progress and cancel, and the progress bridge."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QProgressBar, QPushButton
from pytestqt.qtbot import QtBot

from auditapp.checklist import load_checklist
from auditapp.gui.dialogs.disposition import DispositionDialog
from auditapp.gui.main_window import MainWindow
from auditapp.gui.models.findings_table import FindingsProxy
from auditapp.gui.progress_bridge import ProgressBridge
from auditapp.gui.views.findings import FindingsView
from auditapp.services.analysis import analyse
from auditapp.services.collect import collect
from auditapp.services.findings import list_findings
from auditapp.services.gather import CollectRequest
from auditapp.services.workspace import Caller, Workspace
from tests.gui.conftest import AUDIT, DEVELOPER, OFFICER

pytestmark = pytest.mark.gui

COMPOSE = """
services:
  api:
    image: shop/api:1.4
    privileged: {privileged}
    ports: ["443:8443"]
  worker:
    image: shop/worker:1.4
    user: "10001"
  db:
    image: postgres:16
"""
AS_OFFICER = Caller(member=OFFICER)


def collect_compose(ws: Workspace, folder: Path, *, privileged: bool = True) -> None:
    path = folder / "compose.yaml"
    path.write_text(COMPOSE.format(privileged="true" if privileged else "false"))
    collect(ws, AS_OFFICER, CollectRequest(compose=(path,)))


@pytest.fixture
def analysed(team: Workspace, tmp_path: Path) -> Workspace:
    collect_compose(team, tmp_path)
    analyse(team, AS_OFFICER)
    return team


def open_findings(qtbot: QtBot, window: MainWindow) -> FindingsView:
    view = window.show_view("findings")
    assert isinstance(view, FindingsView)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0 and not window.runner.busy, timeout=10_000)
    return view


def shown_rules(proxy: FindingsProxy) -> list[str]:
    return [proxy.index(row, 2).data() for row in range(proxy.rowCount())]


def distinct_colours(image: QImage, step: int = 4) -> int:
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def test_filters_narrow_the_table_and_the_detail_explains(
    qtbot: QtBot, analysed: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window(analysed, AUDIT, OFFICER)
    view = open_findings(qtbot, window)
    everything = list_findings(analysed, AS_OFFICER)
    assert view.proxy.rowCount() == len(everything) > 5
    assert view.count.text().startswith(f"{len(everything)} shown")

    qtbot.keyClicks(view.filters.search, "api DB default")  # every word, any case, anywhere
    assert shown_rules(view.proxy) == ["network.undeclared-shared-network"]
    assert view.proxy.index(0, 5).data() == "api and db on default"
    view.filters.search.clear()

    view.filters.choose(view.filters.rule, "runtime.privileged")
    assert shown_rules(view.proxy) == ["runtime.privileged"]
    view.table.selectRow(0)
    html = view.detail.text.toPlainText()
    assert "What the rule checks" in html and "every capability" in html  # the rule's doc
    assert '"privileged": true' in html  # the detail, readably
    assert view.detail.evidence_label.text() == "Evidence: SYS-1 compose project " + tmp_path.name
    assert view.detail.show_evidence.isEnabled()

    view.filters.choose(view.filters.rule, None)
    view.filters.choose(view.filters.severity, "critical")
    assert set(shown_rules(view.proxy)) == {"runtime.privileged"}
    view.filters.choose(view.filters.severity, None)
    network = load_checklist().section(2)
    view.filters.choose(view.filters.section, network.title)
    named = {rule for item in network.items for rule in item.rules}
    expected = sorted(f.rule_id for f in everything if f.rule_id in named)
    assert sorted(shown_rules(view.proxy)) == expected and expected
    view.filters.choose(view.filters.section, None)
    view.filters.choose(view.filters.component, "worker")
    assert {view.proxy.index(r, 3).data() for r in range(view.proxy.rowCount())} == {"worker"}
    view.filters.choose(view.filters.component, None)

    qtbot.keyClicks(view.filters.search, "no such thing anywhere")
    assert view.proxy.rowCount() == 0
    assert view.pages.currentWidget() is view.empty
    assert view.empty.text() == "No finding matches these filters."
    view.filters.search.clear()

    path = tmp_path / "findings.png"
    view.table.selectRow(0)
    assert window.grab().save(str(path))
    assert distinct_colours(QImage(str(path))) > 50


def test_findings_no_longer_seen_are_behind_the_toggle(
    qtbot: QtBot, analysed: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    collect_compose(analysed, tmp_path, privileged=False)
    analyse(analysed, AS_OFFICER)
    window = make_window(analysed, AUDIT, OFFICER)
    view = open_findings(qtbot, window)
    assert "runtime.privileged" not in shown_rules(view.proxy)
    qtbot.mouseClick(view.filters.show_inactive, Qt.MouseButton.LeftButton)
    assert view.filters.show_inactive.isChecked()
    assert "runtime.privileged" in shown_rules(view.proxy)


def test_an_officer_accepts_a_risk_with_a_justification_and_an_expiry(
    qtbot: QtBot, analysed: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window(analysed, AUDIT, OFFICER)
    view = open_findings(qtbot, window)
    view.filters.choose(view.filters.rule, "runtime.privileged")
    view.table.selectRow(0)
    qtbot.mouseClick(view.decide, Qt.MouseButton.LeftButton)
    dialog = view.findChild(DispositionDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.buttons["accepted-risk"].isChecked()
    ok = dialog.box.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    assert dialog.problem.text() == "An accepted risk needs a justification."
    assert dialog.grab().save(str(tmp_path / "disposition.png"))

    qtbot.keyClicks(dialog.justification, "Vendor agent; compensating control CC-7")
    assert ok.isEnabled() and dialog.problem.text() == ""
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Marked 1 of 1 finding" in window.status.last_message, timeout=10_000)

    [decided] = list_findings(analysed, AS_OFFICER, rule="runtime.privileged")
    assert decided.status == "accepted-risk"
    assert decided.justification == "Vendor agent; compensating control CC-7"
    assert decided.expires == date.today() + timedelta(days=90)
    assert decided.status_by == OFFICER
    status_cell = view.proxy.index(0, 8).data()
    assert status_cell == f"Accepted risk until {decided.expires.isoformat()}"


def test_the_same_decision_for_many_findings_with_one_summary(
    qtbot: QtBot, analysed: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(analysed, AUDIT, OFFICER)
    view = open_findings(qtbot, window)
    view.filters.choose(view.filters.rule, "runtime.memory-limit")
    chosen = view.proxy.rowCount()
    assert chosen == 3
    view.table.setFocus()
    view.table.selectAll()
    assert view.detail.text.toPlainText() == "3 findings selected."
    qtbot.keyClick(view.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.findChild(DispositionDialog) is not None)  # an animated click
    dialog = view.findChild(DispositionDialog)
    assert dialog is not None and dialog.windowTitle() == "Decide 3 findings"
    remediated = dialog.buttons["remediated"]
    qtbot.mouseClick(remediated, Qt.MouseButton.LeftButton, pos=QPoint(8, remediated.height() // 2))
    assert remediated.isChecked()
    assert not dialog.justification.isEnabled() and not dialog.expires.isEnabled()
    qtbot.mouseClick(
        dialog.box.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: "Marked 3 of 3 findings remediated" in window.status.last_message)

    stored = list_findings(analysed, AS_OFFICER, rule="runtime.memory-limit")
    assert [f.status for f in stored] == ["remediated"] * 3
    view.filters.choose(view.filters.status, "remediated")
    assert view.proxy.rowCount() == 3


def test_a_developer_may_not_decide_but_may_analyse(
    qtbot: QtBot, analysed: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(analysed, AUDIT, DEVELOPER)
    view = open_findings(qtbot, window)
    view.table.selectRow(0)
    assert not view.decide.isEnabled()
    assert view.decide.toolTip() == (
        "A developer may not decide a finding's status; only officers may"
    )
    assert view.open_disposition() is None
    assert view.analyse_button.isEnabled()


def test_analyse_now_shows_progress_and_stores_findings(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    collect_compose(team, tmp_path)
    window = make_window(team, AUDIT, OFFICER)
    view = window.show_view("findings")
    assert isinstance(view, FindingsView)
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert view.empty.text() == "No findings yet — collect evidence, then press Analyse now."

    qtbot.mouseClick(view.analyse_button, Qt.MouseButton.LeftButton)
    assert view.analysis.isVisible() and not view.analyse_button.isEnabled()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=20_000)
    assert not view.analysis.isVisible()
    stored = list_findings(team, AS_OFFICER)
    assert view.model.rowCount() == len(stored) > 0
    assert any(m.startswith("Analysed: ") for m in [window.status.last_message])


def test_cancelling_the_analysis_stores_nothing(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    collect_compose(team, tmp_path)
    window = make_window(team, AUDIT, OFFICER)
    view = window.show_view("findings")
    assert isinstance(view, FindingsView)
    qtbot.waitUntil(lambda: not window.runner.busy)
    # the runner does one task at a time: hold it so the analysis waits behind this task
    # and the cancel is certainly pressed before the analysis begins
    release = threading.Event()
    window.runner.start("holding", release.wait, on_success=print, on_failure=print)
    qtbot.mouseClick(view.analyse_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.analysis.cancel, Qt.MouseButton.LeftButton)
    assert not view.analysis.cancel.isEnabled()
    release.set()
    qtbot.waitUntil(lambda: not view.analysis.isVisible(), timeout=20_000)
    assert window.status.last_message == "Analysis cancelled; nothing was stored"
    assert list_findings(team, AS_OFFICER) == []
    assert view.analyse_button.isEnabled()


def test_the_progress_bridge_carries_a_workers_progress_and_a_cancel(qtbot: QtBot) -> None:
    bridge = ProgressBridge()
    bar, label, cancel = QProgressBar(), QLabel(), QPushButton("Cancel")
    for widget in (bar, label, cancel):
        qtbot.addWidget(widget)
    bridge.drive(bar, label, cancel)
    threads: list[bool] = []
    bridge.stage.connect(
        lambda *_: threads.append(threading.current_thread() is threading.main_thread())
    )

    def work() -> None:
        bridge.start("reading layers", 500)
        for _ in range(500):
            bridge.advance()
        bridge.message("layer 3 of 3")

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: label.text() == "layer 3 of 3")
    assert threads == [True]  # listeners run on the GUI thread
    assert (bar.value(), bar.maximum()) == (500, 500)
    assert bridge.done == 500 and bridge.label == "reading layers"

    assert not bridge.cancelled()
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert bridge.cancelled() and not cancel.isEnabled()
    bridge.reset()
    assert not bridge.cancelled()
