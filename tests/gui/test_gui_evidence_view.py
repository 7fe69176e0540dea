"""The Evidence view over real collected and attached evidence: filtering, the preview, attaching
by drop and by dialog, linking to an item, opening externally, and the jump from a finding."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog
from pytestqt.qtbot import QtBot

from auditapp.gui.main_window import MainWindow
from auditapp.gui.views.evidence import EvidenceLibraryView
from auditapp.gui.views.evidence_link import LinkItemDialog
from auditapp.gui.views.evidence_preview import PREVIEW_LIMIT
from auditapp.gui.views.findings import FindingsView
from auditapp.services import evidence
from auditapp.services.analysis import analyse
from auditapp.services.workspace import Caller, Workspace
from tests.gui.conftest import AUDIT, AUDITOR, OFFICER
from tests.gui.test_gui_evidence import drop_files
from tests.gui.test_gui_findings import collect_compose, distinct_colours

pytestmark = pytest.mark.gui

AS_OFFICER = Caller(member=OFFICER)
ITEM = "network.inbound_restricted"


@pytest.fixture
def stocked(team: Workspace, tmp_path: Path) -> Workspace:
    """A collected compose project (SYS-1) and an attached firewall review (DOC-1)."""
    collect_compose(team, tmp_path)
    review = tmp_path / "firewall-review.txt"
    review.write_text("Inbound to the CDE: 443 from the load balancer only.\n")
    evidence.attach_file(team, AS_OFFICER, review)
    return team


def open_evidence_view(qtbot: QtBot, window: MainWindow) -> EvidenceLibraryView:
    view = window.show_view("evidence")
    assert isinstance(view, EvidenceLibraryView)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0 and not window.runner.busy, timeout=10_000)
    return view


def shown_titles(view: EvidenceLibraryView) -> list[str]:
    return [view.proxy.index(row, 1).data() for row in range(view.proxy.rowCount())]


def test_the_list_filters_by_kind_and_previews_json_readably(
    qtbot: QtBot, stocked: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window(stocked, AUDIT, OFFICER)
    view = open_evidence_view(qtbot, window)
    assert [view.proxy.index(r, 0).data() for r in range(2)] == ["SYS-1", "DOC-1"]
    assert view.count.text() == "2 items"

    view.kind.setCurrentIndex(view.kind.findText("attachment"))
    assert shown_titles(view) == ["firewall-review.txt"]
    assert view.count.text() == "1 of 2 items"
    view.kind.setCurrentIndex(0)
    qtbot.keyClicks(view.search, "compose")
    assert shown_titles(view) == [f"compose project {tmp_path.name}"]

    view.table.selectRow(0)
    qtbot.waitUntil(lambda: view.preview.text.toPlainText().startswith("{"), timeout=10_000)
    shown = view.preview.text.toPlainText()
    assert '\n  "format": "auditapp.compose/1",' in shown  # indented, one key a line
    stored = json.loads(evidence.read_evidence_bytes(stocked, AS_OFFICER, 1))
    assert json.loads(shown) == stored

    path = tmp_path / "evidence.png"
    assert window.grab().save(str(path))
    assert distinct_colours(QImage(str(path))) > 50


def test_a_big_text_is_cut_with_a_note(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    log = tmp_path / "audit.log"
    log.write_text("x" * 70 + "\n" * 1 + ("line of the daemon log\n" * 12_000))
    evidence.attach_file(team, AS_OFFICER, log)
    window = make_window(team, AUDIT, OFFICER)
    view = open_evidence_view(qtbot, window)
    view.table.selectRow(0)
    qtbot.waitUntil(lambda: view.preview.note.isVisible(), timeout=10_000)
    assert view.preview.note.text().startswith(f"Showing the first {PREVIEW_LIMIT:,} characters")
    assert len(view.preview.text.toPlainText()) == PREVIEW_LIMIT


def test_attach_by_drop_and_by_the_file_dialog(
    qtbot: QtBot,
    stocked: Workspace,
    make_window: Callable[..., MainWindow],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = make_window(stocked, AUDIT, OFFICER)
    view = open_evidence_view(qtbot, window)
    dropped = tmp_path / "pentest-summary.txt"
    dropped.write_text("No critical issues outstanding.\n")
    assert drop_files(view.table.viewport(), dropped)
    qtbot.waitUntil(lambda: "pentest-summary.txt" in shown_titles(view), timeout=10_000)
    assert window.status.last_message == "Attached pentest-summary.txt"
    current = view.current()
    assert current is not None and current.title == "pentest-summary.txt"

    chosen = tmp_path / "asv-scan.json"
    chosen.write_text('{"result": "pass"}')
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(chosen)], ""))
    qtbot.mouseClick(view.attach, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "asv-scan.json" in shown_titles(view), timeout=10_000)
    titles = [e.title for e in evidence.list_evidence(stocked, AS_OFFICER)]
    assert titles[-2:] == ["pentest-summary.txt", "asv-scan.json"]
    refs = [view.proxy.index(r, 0).data() for r in range(view.proxy.rowCount())]
    assert refs == ["SYS-1", "DOC-1", "DOC-2", "DOC-3"]


def test_link_an_item_to_a_checklist_item(
    qtbot: QtBot, stocked: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(stocked, AUDIT, OFFICER)
    view = open_evidence_view(qtbot, window)
    view.table.selectRow(1)  # DOC-1, the firewall review
    qtbot.mouseClick(view.link, Qt.MouseButton.LeftButton)
    dialog = view.findChild(LinkItemDialog)
    assert dialog is not None and dialog.isVisible()
    link = dialog.box.button(QDialogButtonBox.StandardButton.Ok)
    assert not link.isEnabled()
    qtbot.keyClicks(dialog.search, ITEM)
    assert dialog.proxy.rowCount() == 1 and dialog.chosen_key() == ITEM
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.status.last_message.startswith("Linked DOC-1"), timeout=10_000)
    [review] = evidence.list_evidence(stocked, AS_OFFICER, item_key=ITEM)
    assert review.title == "firewall-review.txt"
    assert view.proxy.index(1, 8).data() == ITEM


def test_open_externally_writes_a_copy_for_the_desktop(
    qtbot: QtBot,
    stocked: Workspace,
    make_window: Callable[..., MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:  # the desktop's program is not ours to start in a test
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    window = make_window(stocked, AUDIT, OFFICER)
    view = open_evidence_view(qtbot, window)
    view.table.selectRow(1)
    qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    copy = Path(opened[0].toLocalFile())
    assert copy.name == "firewall-review.txt"
    assert copy.read_bytes() == evidence.read_evidence_bytes(stocked, AS_OFFICER, 2)
    assert window.status.last_message == f"Opened firewall-review.txt ({copy})"


def test_an_auditor_reads_but_cannot_attach_or_link(
    qtbot: QtBot, stocked: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window(stocked, AUDIT, AUDITOR)
    view = open_evidence_view(qtbot, window)
    view.table.selectRow(1)
    refusal = "An auditor may not attach or unlink evidence; only developers or officers may"
    assert not view.attach.isEnabled() and view.attach.toolTip() == refusal
    assert not view.link.isEnabled() and view.link.toolTip() == refusal
    assert view.open_button.isEnabled()
    other = tmp_path / "note.txt"
    other.write_text("x")
    assert not drop_files(view.table.viewport(), other)
    assert len(evidence.list_evidence(stocked, AS_OFFICER)) == 2


def test_show_evidence_on_a_finding_opens_the_evidence_view_on_it(
    qtbot: QtBot, stocked: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    analyse(stocked, AS_OFFICER)
    window = make_window(stocked, AUDIT, OFFICER)
    findings = window.show_view("findings")
    assert isinstance(findings, FindingsView)
    qtbot.waitUntil(lambda: findings.model.rowCount() > 0 and not window.runner.busy)
    findings.filters.choose(findings.filters.rule, "runtime.privileged")
    findings.table.selectRow(0)
    qtbot.mouseClick(findings.detail.show_evidence, Qt.MouseButton.LeftButton)

    view = window.work.pages.currentWidget()
    assert isinstance(view, EvidenceLibraryView)
    qtbot.waitUntil(lambda: view.current() is not None, timeout=10_000)
    current = view.current()
    assert current is not None and current.kind == "compose"
    assert window.work.view_list.currentItem().text() == "Evidence"
    qtbot.waitUntil(lambda: view.preview.text.toPlainText().startswith("{"), timeout=10_000)


def test_nothing_collected_yet_says_what_to_do(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(team, AUDIT, OFFICER)
    view = window.show_view("evidence")
    assert isinstance(view, EvidenceLibraryView)
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert view.pages.currentWidget() is view.empty
    assert view.empty.text().startswith("Nothing collected yet — Collect…")
