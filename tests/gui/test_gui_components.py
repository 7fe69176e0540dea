"""The Components view over a real collected compose project: flags, host, data classes and
notes edited in the table, a stale edit, adding a component and assigning a template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from auditapp.gui.main_window import MainWindow
from auditapp.gui.models.components_table import (
    DATA_CLASSES_COLUMN,
    HOST,
    INTERNET_FACING,
    NOTES,
    TEMPLATE,
)
from auditapp.gui.views.components import ComponentsView
from auditapp.gui.views.components_add import AddComponentDialog
from auditapp.gui.views.components_delegates import DataClassesEditor
from auditapp.resources import resource_path
from auditapp.services.components import (
    ComponentEdit,
    ComponentView,
    list_components,
    update_component,
)
from auditapp.services.templates import define_template, list_templates
from auditapp.services.workspace import Caller, Workspace
from tests.gui.conftest import AUDIT, AUDITOR, DEVELOPER, OFFICER
from tests.gui.test_gui_findings import collect_compose, distinct_colours

pytestmark = pytest.mark.gui

AS_OFFICER = Caller(member=OFFICER)


@pytest.fixture
def collected(team: Workspace, tmp_path: Path) -> Workspace:
    collect_compose(team, tmp_path)
    return team


def open_components(qtbot: QtBot, window: MainWindow) -> ComponentsView:
    view = window.show_view("components")
    assert isinstance(view, ComponentsView)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0 and not window.runner.busy, timeout=10_000)
    return view


def component(ws: Workspace, name: str) -> ComponentView:
    return next(c for c in list_components(ws, AS_OFFICER) if c.name == name)


def cell_centre(view: ComponentsView, name: str, column: int) -> QPoint:
    return view.table.visualRect(view.proxy.index(view.row_of(name), column)).center()


def double_click(qtbot: QtBot, view: ComponentsView, where: QPoint) -> None:
    """As a mouse does it: a press and release, then the second press that is the double
    click (QTest's double click alone lacks the first press item views look for)."""
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=where)


def test_tick_internet_facing_and_edit_the_host(
    qtbot: QtBot, collected: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window(collected, AUDIT, OFFICER)
    view = open_components(qtbot, window)
    assert [view.proxy.index(r, 0).data() for r in range(3)] == ["api", "db", "worker"]

    rect = view.table.visualRect(view.proxy.index(view.row_of("api"), INTERNET_FACING))
    box = QPoint(rect.left() + 10, rect.center().y())  # the check box sits at the cell's left
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=box)
    qtbot.waitUntil(lambda: component(collected, "api").internet_facing, timeout=10_000)
    qtbot.waitUntil(lambda: window.status.last_message == "Saved component api")
    checked = view.proxy.index(view.row_of("api"), INTERNET_FACING).data(
        Qt.ItemDataRole.CheckStateRole
    )
    assert checked == Qt.CheckState.Checked

    double_click(qtbot, view, cell_centre(view, "db", HOST))
    editor = view.table.findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    editor.selectAll()
    qtbot.keyClicks(editor, "db-host-1")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: component(collected, "db").host == "db-host-1", timeout=10_000)
    qtbot.waitUntil(lambda: view.proxy.index(view.row_of("db"), HOST).data() == "db-host-1")

    path = tmp_path / "components.png"
    assert window.grab().save(str(path))
    assert distinct_colours(QImage(str(path))) > 50


def test_data_classes_from_a_checkable_list(
    qtbot: QtBot, collected: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(collected, AUDIT, OFFICER)
    view = open_components(qtbot, window)
    double_click(qtbot, view, cell_centre(view, "api", DATA_CLASSES_COLUMN))
    editor = view.table.findChild(DataClassesEditor)
    assert editor is not None and editor.isVisible()
    for row in (0, 3):  # cardholder data, personal data
        where = editor.visualRect(editor.choices.index(row, 0)).center()
        qtbot.mouseClick(editor.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert editor.checked() == ["cardholder-data", "personal-data"]
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: component(collected, "api").data_classes == ("cardholder-data", "personal-data"),
        timeout=10_000,
    )
    qtbot.waitUntil(
        lambda: (
            view.proxy.index(view.row_of("api"), DATA_CLASSES_COLUMN).data()
            == "cardholder-data, personal-data"
        )
    )


def test_a_stale_edit_says_who_changed_the_component_and_reloads(
    qtbot: QtBot, collected: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(collected, AUDIT, OFFICER)
    view = open_components(qtbot, window)
    # meanwhile a developer changes the notes of worker from another window
    update_component(
        collected, Caller(member=DEVELOPER), "worker", ComponentEdit(notes="Runs the nightly batch")
    )
    double_click(qtbot, view, cell_centre(view, "worker", NOTES))
    editor = view.table.findChild(QLineEdit)
    assert editor is not None
    qtbot.keyClicks(editor, "Queue consumer")
    qtbot.keyClick(editor, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: view.findChild(QMessageBox, "staleComponentMessage") is not None)
    box = view.findChild(QMessageBox, "staleComponentMessage")
    assert box is not None
    assert box.text().startswith(f"Component worker was changed by {DEVELOPER} (")
    qtbot.waitUntil(
        lambda: view.proxy.index(view.row_of("worker"), NOTES).data() == "Runs the nightly batch"
    )
    assert component(collected, "worker").notes == "Runs the nightly batch"  # theirs, kept
    box.close()


def test_add_a_component_and_assign_a_template(
    qtbot: QtBot, collected: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    define_template(
        collected, AS_OFFICER, "pci-hardened", resource_path("templates", "pci-hardened.toml")
    )
    window = make_window(collected, AUDIT, OFFICER)
    view = open_components(qtbot, window)

    qtbot.mouseClick(view.add, Qt.MouseButton.LeftButton)
    dialog = view.findChild(AddComponentDialog)
    assert dialog is not None and dialog.isVisible()
    ok = dialog.box.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.keyClicks(dialog.name, "api")
    assert not ok.isEnabled() and ok.toolTip() == "A component named api already exists"
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "payments-gateway")
    qtbot.keyClicks(dialog.host, "psp.example")
    qtbot.mouseClick(dialog.in_cde, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.row_of("payments-gateway") >= 0, timeout=10_000)
    added = component(collected, "payments-gateway")
    assert (added.host, added.in_cde, added.internet_facing) == ("psp.example", True, False)

    view.table.selectRow(view.row_of("api"))
    view.table.selectionModel().select(
        view.proxy.index(view.row_of("db"), 0),
        view.table.selectionModel().SelectionFlag.Select
        | view.table.selectionModel().SelectionFlag.Rows,
    )
    assert view.template.currentText() == "pci-hardened" and view.assign.isEnabled()
    qtbot.mouseClick(view.assign, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.status.last_message == "Assigned template pci-hardened to 2 of 2 components",
        timeout=10_000,
    )
    [template] = list_templates(collected, AS_OFFICER)
    assert template.components == ("api", "db")
    qtbot.waitUntil(lambda: view.proxy.index(view.row_of("db"), TEMPLATE).data() == "pci-hardened")


def test_an_auditor_sees_the_components_but_cannot_change_them(
    qtbot: QtBot, collected: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(collected, AUDIT, AUDITOR)
    view = open_components(qtbot, window)
    refusal = "An auditor may not manage components; only developers or officers may"
    assert not view.add.isEnabled() and view.add.toolTip() == refusal
    host = view.proxy.index(view.row_of("api"), HOST)
    assert not host.flags() & Qt.ItemFlag.ItemIsEditable
    assert host.data(Qt.ItemDataRole.ToolTipRole) == refusal
    flag = view.proxy.index(view.row_of("api"), INTERNET_FACING)
    assert not flag.flags() & Qt.ItemFlag.ItemIsEnabled
    assert view.open_add() is None


def test_no_components_yet_says_how_to_get_them(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(team, AUDIT, OFFICER)
    view = window.show_view("components")
    assert isinstance(view, ComponentsView)
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert view.pages.currentWidget() is view.empty
    assert view.empty.text().startswith("No components yet — Collect…")
