"""Attaching evidence on the worker: by drop from the desktop and with Attach file…."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from auditapp.gui.main_window import MainWindow
from auditapp.services import evidence
from auditapp.services.workspace import Caller

pytestmark = pytest.mark.gui


def drop_files(target: QWidget, *paths: Path) -> bool:
    """Drag local files onto `target` as the desktop does: enter, then drop. True if taken."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    rest = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(QPoint(20, 20), *rest)  # Qt 6 takes an integer point here …
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(QPointF(20, 20), *rest)  # … and a real one here
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def test_dropped_file_is_attached_on_the_worker(
    qtbot: QtBot, officer_window: MainWindow, tmp_path: Path
) -> None:
    window = officer_window
    key = window.editor.key
    assert key is not None
    report = tmp_path / "docker-inspect.json"
    report.write_text('[{"Config": {"User": "app"}}]')

    assert drop_files(window.editor, report)
    assert window.runner.busy
    assert not window.status.busy.isHidden()  # the busy indicator shows while it works

    qtbot.waitUntil(lambda: window.editor.evidence.model.rowCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: not window.runner.busy)  # then the checklist is re-read
    assert window.status.busy.isHidden()
    stored = evidence.list_evidence(window.ws, Caller(), item_key=key)
    size = len(report.read_bytes())
    assert [(e.title, e.size, e.items) for e in stored] == [("docker-inspect.json", size, (key,))]
    assert window.editor.evidence.model.index(0, 0).data() == "docker-inspect.json"
    assert window.editor.tabs.tabText(0) == "Evidence (1)"
    assert window.status.last_message.startswith("Attached docker-inspect.json")


def test_drop_on_the_rationale_attaches_instead_of_pasting_a_path(
    qtbot: QtBot, officer_window: MainWindow, tmp_path: Path
) -> None:
    window = officer_window
    shot = tmp_path / "ports.txt"
    shot.write_text("0.0.0.0:443->8443/tcp\n")
    assert drop_files(window.editor.form.rationale.viewport(), shot)
    qtbot.waitUntil(lambda: window.editor.evidence.model.rowCount() == 1, timeout=10_000)
    assert window.editor.form.rationale.toPlainText() == ""


def test_attach_file_button_and_a_failure_is_reported(
    qtbot: QtBot, officer_window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = officer_window
    good = tmp_path / "sbom.json"
    good.write_text("{}")
    missing = tmp_path / "gone.pdf"
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(good), str(missing)], "")
    )
    qtbot.mouseClick(window.editor.evidence.attach, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10_000)
    assert [r.title for r in window.editor.evidence.model.rows()] == ["sbom.json"]
    assert window.status.last_message.startswith("Cannot attach gone.pdf: ")
    assert "no such file" in window.status.last_message
    box = window.editor.findChild(QMessageBox, "errorMessage")
    assert box is not None and box.isVisible()
    assert box.text().startswith("Cannot attach")
    assert "Traceback" not in box.text()
    box.close()
