"""The Sign-off & export view: the readiness list, signing off as each role, and exporting the
package PDF from the window (read back with pypdf), then opening it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from auditapp.checklist import Status, load_checklist
from auditapp.gui.main_window import MainWindow
from auditapp.gui.models.readiness_list import FINDING, NO_EVIDENCE, UNANSWERED
from auditapp.gui.views.signoff import SignoffView
from auditapp.services import items, signoff
from auditapp.services.collect import collect
from auditapp.services.gather import CollectRequest
from auditapp.services.items import ItemEdit
from auditapp.services.workspace import Caller, Workspace
from tests.gui.conftest import AUDIT, AUDITOR, DEVELOPER, OFFICER

pytestmark = pytest.mark.gui

OLGA = Caller(member=OFFICER)


def open_view(qtbot: QtBot, window: MainWindow) -> SignoffView:
    view = window.show_view("signoff")
    assert isinstance(view, SignoffView)
    qtbot.waitUntil(lambda: view.data is not None and not window.runner.busy)
    return view


def reloaded(qtbot: QtBot, window: MainWindow, view: SignoffView) -> None:
    previous = view.data
    qtbot.waitUntil(lambda: view.data is not previous and not window.runner.busy)


def act_as(window: MainWindow, name: str, role: str) -> None:
    picker = window.member_picker
    picker.setCurrentIndex(picker.findText(f"{name} — {role}"))
    assert window.acting.member == name


def test_readiness_lists_what_is_left_and_opens_it(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    evidence_item = next(i for i in load_checklist().items() if i.expects_evidence)
    items.update_item(
        team, OLGA, evidence_item.key, ItemEdit(status=Status.IN_PLACE, rationale="Seen it")
    )
    compose = tmp_path / "compose.yaml"
    env = {"DB_PASSWORD": "planted-Pa55word-11"}
    compose.write_text(json.dumps({"services": {"api": {"image": "a:1", "environment": env}}}))
    collect(team, OLGA, CollectRequest(compose=(compose,)))  # a high finding: a secret

    window = make_window(team, AUDIT, OFFICER)
    view = open_view(qtbot, window)
    entries = view.readiness.entries()
    total = len(load_checklist().items())
    assert [e.kind for e in entries].count(UNANSWERED) == total - 1
    [missing] = [e for e in entries if e.kind == NO_EVIDENCE]
    assert missing.key == evidence_item.key
    [finding] = [e for e in entries if e.kind == FINDING]
    assert finding.key == "image.secret-in-configuration" and finding.text.startswith("high")
    assert view.summary.text() == (
        f"Left before sign-off: {total - 1} items unanswered · 1 item without the evidence "
        "expected · 1 open critical or high finding"
    )

    row = next(n for n, e in enumerate(entries) if e.kind == NO_EVIDENCE)
    index = view.readiness.index(row)
    view.list.scrollTo(index)
    where = view.list.visualRect(index).center()
    qtbot.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=where)
    with qtbot.waitSignal(view.item_requested) as opened:
        qtbot.mouseDClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert opened.args == [evidence_item.key]
    assert view.opened.text() == f"Item {evidence_item.key}"


def test_officer_and_auditor_sign_developer_may_not(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window(team, AUDIT, OFFICER)
    view = open_view(qtbot, window)
    panel = view.sign_panel
    assert panel.waiting.text() == (
        f"Still to sign: an officer ({OFFICER}) and an auditor ({AUDITOR})."
    )
    assert not panel.sign.isEnabled()  # no statement yet
    assert panel.sign.text() == f"Sign off as {OFFICER} (officer)"
    qtbot.keyClicks(panel.statement, "The checklist describes the estate as assessed.")
    qtbot.mouseClick(panel.sign, Qt.MouseButton.LeftButton)
    box = panel.confirm
    assert isinstance(box, QMessageBox) and box.isVisible()  # work is left: asked first
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    reloaded(qtbot, window, view)
    assert [(s.member, s.role) for s in signoff.list_signoffs(team, OLGA)] == [(OFFICER, "officer")]
    assert panel.model.rowCount() == 1 and panel.statement.toPlainText() == ""
    assert panel.waiting.text() == f"Still to sign: an auditor ({AUDITOR})."

    act_as(window, DEVELOPER, "developer")
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert not panel.sign.isEnabled()
    assert panel.sign.toolTip() == "A developer may not sign off; only auditors or officers may"

    act_as(window, AUDITOR, "auditor")
    reloaded(qtbot, window, view)
    qtbot.keyClicks(panel.statement, "Reviewed with the evidence.")
    qtbot.mouseClick(panel.sign, Qt.MouseButton.LeftButton)
    box = panel.confirm
    assert box is not None
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    reloaded(qtbot, window, view)
    assert [s.role for s in signoff.list_signoffs(team, OLGA)] == ["officer", "auditor"]
    assert panel.waiting.text() == "Signed off by an officer and an auditor."

    window.resize(1280, 820)
    path = tmp_path / "signoff.png"
    assert window.grab().save(str(path))
    image = QImage(str(path))
    assert len({image.pixel(x, y) for x in range(0, 1280, 4) for y in range(0, 820, 4)}) > 50


class _Opened(QObject):
    """Where QDesktopServices would send a file URL (Qt's own seam for URL handlers)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_an_auditor_signs_then_exports_the_pdf_and_opens_it(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    signoff.sign_off(team, OLGA, "Prepared by the officer")
    window = make_window(team, AUDIT, AUDITOR)
    view = open_view(qtbot, window)
    export = view.export_panel
    assert export.pdf.text().endswith("Shop-2026-audit-package.pdf")
    target = tmp_path / "out" / "package.pdf"
    target.parent.mkdir()
    export.pdf.clear()
    qtbot.keyClicks(export.pdf, str(target))
    qtbot.mouseClick(export.bundle, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(export.export_button, Qt.MouseButton.LeftButton)
    assert export.running and export.cancel_button.isVisible()
    qtbot.waitUntil(lambda: not export.running, timeout=180_000)

    result = export.result
    assert result is not None, export.outcome.text()
    assert result.pdf == target and target.is_file()
    assert result.bundle == target.with_suffix(".zip") and result.bundle.is_file()
    reader = PdfReader(target)
    assert len(reader.pages) == result.pages > 1
    text = "".join(page.extract_text() for page in reader.pages[:3])
    assert "Shop 2026" in text
    assert export.outcome.text().startswith(f"{result.status}: {target.name} — ")
    assert export.outcome.toolTip() == f"{target}\nFingerprint {result.fingerprint}"

    opened = _Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        qtbot.mouseClick(export.open_pdf, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(export.open_folder, Qt.MouseButton.LeftButton)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in opened.urls] == [str(target), str(target.parent)]


def test_closing_the_window_during_an_export_cancels_it_and_leaves_no_file(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window(team, AUDIT, AUDITOR)
    view = open_view(qtbot, window)
    export = view.export_panel
    target = tmp_path / "out" / "package.pdf"
    target.parent.mkdir()
    export.pdf.setText(str(target))
    qtbot.mouseClick(export.export_button, Qt.MouseButton.LeftButton)
    child = export.runner.pid
    assert export.running and child is not None

    assert window.close()  # the window waits for the export's process to stop

    assert not export.running
    assert export.outcome.text().startswith("Export cancelled")
    assert sorted(p.name for p in target.parent.iterdir()) == []  # no PDF, no partial file
