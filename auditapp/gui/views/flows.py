"""Network & flows: the declared data flows (add, edit, remove), what the deployment exposes,
and the drift between the two (PCI DSS 1.2.3-1.2.5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from auditapp.analysis.network import FlowReport
from auditapp.gui.acting import ActingAs
from auditapp.gui.dialogs.flow_dialog import FlowDialog
from auditapp.gui.errors import describe_error
from auditapp.gui.models.flows_table import SORT_ROLE, FlowRow, FlowsTableModel
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.views.base import AuditView
from auditapp.gui.views.flows_models import DriftTableModel, ExposureTableModel, drift_entries
from auditapp.services import components, flows
from auditapp.services.flows import FlowInput, FlowView
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Workspace


@dataclass(frozen=True)
class FlowsData:
    rows: tuple[FlowRow, ...]
    report: FlowReport
    components: tuple[str, ...]


def read_flows(ws: Workspace, caller: Caller) -> FlowsData:
    declared = flows.list_flows(ws, caller)
    report = flows.flows_report(ws, caller)
    checks = {c.flow.id: c for c in report.flows}
    rows = tuple(
        FlowRow(f, checks[f.id].carried, checks[f.id].reason)
        if f.id in checks
        else FlowRow(f, None, "not judged: reload")
        for f in declared
    )
    names = tuple(c.name for c in components.list_components(ws, caller))
    return FlowsData(rows, report, names)


class EditRefused(Exception):
    """The new declaration was refused; `restored` is the old flow as declared again (when it
    had to be removed first), so that the dialog edits that one from now on."""

    def __init__(self, error: Exception, restored: FlowView | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.restored = restored


def replace_flow(ws: Workspace, caller: Caller, old: FlowView, new: FlowInput) -> FlowView:
    """Edit a flow. The services have no update, so: declare the new flow, then remove the old
    one. When both name the same ends, port and protocol (a duplicate to the services), the old
    one goes first and is declared again (under a new id) if the new one is refused."""
    same = (old.source, old.destination, old.port, old.protocol) == (
        new.source,
        new.destination,
        new.port,
        new.protocol.strip().lower(),
    )
    if not same:
        try:
            added = flows.add_flow(ws, caller, new)
        except Exception as error:
            raise EditRefused(error, None) from error
        flows.remove_flow(ws, caller, old.id)
        return added
    flows.remove_flow(ws, caller, old.id)
    try:
        return flows.add_flow(ws, caller, new)
    except Exception as error:
        raise EditRefused(error, flows.add_flow(ws, caller, input_of(old))) from error


def input_of(flow: FlowView) -> FlowInput:
    return FlowInput(
        flow.source,
        flow.destination,
        flow.port,
        flow.protocol,
        flow.data_classes,
        flow.encrypted,
        flow.authenticated,
        flow.justification,
    )


class FlowsView(AuditView):
    key = "flows"
    title = "Network & flows"

    def __init__(self, acting: ActingAs, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(acting, runner, parent)
        self.data: FlowsData | None = None
        self.dialog: FlowDialog | None = None
        self.model = FlowsTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.drift_model = DriftTableModel(self)
        self.exposure_model = ExposureTableModel(self)

        self.add_action = self._action("&Add flow…", "Declare a data flow", "Ins", self.add_flow)
        self.edit_action = self._action("&Edit…", "Change the selected flow", "F2", self.edit_flow)
        self.remove_action = self._action(
            "&Remove", "Remove the selected flow", "Del", self.remove_flow
        )
        self.reload_action = self._action("Re&load", "Read the flows again", "F5", self.refresh)
        self.filter = QLineEdit()
        self.filter.setObjectName("flowFilter")
        self.filter.setAccessibleName("Filter flows")
        self.filter.setPlaceholderText("Filter flows (component, port, protocol …)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)

        self.table = self._table("flowsTable", "Declared flows", self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.doubleClicked.connect(lambda _index: self.edit_flow())
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.drift_table = self._table("driftTable", "Drift", self.drift_model)
        self.exposure_table = self._table("exposureTable", "Observed exposure", self.exposure_model)
        self.flows_label = QLabel("Declared flows")
        self.drift_label = QLabel("Drift")
        self.exposure_label = QLabel("Observed exposure")
        for label, table in (
            (self.flows_label, self.table),
            (self.drift_label, self.drift_table),
            (self.exposure_label, self.exposure_table),
        ):
            label.setBuddy(table)
            font = label.font()
            font.setBold(True)
            label.setFont(font)

        bar = QHBoxLayout()
        for action in (self.add_action, self.edit_action, self.remove_action):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setObjectName(f"flow-{action.objectName()}")
            bar.addWidget(button)
        bar.addWidget(self.filter, 1)
        reload_button = QToolButton()
        reload_button.setDefaultAction(self.reload_action)
        bar.addWidget(reload_button)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        for label, table in (
            (self.flows_label, self.table),
            (self.drift_label, self.drift_table),
            (self.exposure_label, self.exposure_table),
        ):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 4, 0, 0)
            box_layout.addWidget(label)
            box_layout.addWidget(table)
            splitter.addWidget(box)
        splitter.setSizes([340, 200, 260])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self.acting.changed.connect(self._update_actions)
        self._update_actions()

    # -- reading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.acting.audit is None:
            return
        ws, caller = self.acting.ws, self.acting.caller()
        self.load("Reading the flows", partial(read_flows, ws, caller), self._show)

    def _show(self, result: object) -> None:
        assert isinstance(result, FlowsData)
        self.data = result
        self.model.set_rows(result.rows)
        drift = drift_entries(result.report)
        self.drift_model.set_rows(drift)
        self.exposure_model.set_report(result.report)
        self.flows_label.setText(
            f"Declared flows ({len(result.rows)})"
            if result.rows
            else "Declared flows — none yet: Add flow… (Insert) declares one"
        )
        self.drift_label.setText(
            f"Drift ({len(drift)}): declared but not so, or so but not declared"
            if drift
            else "Drift — none: the declared flows match what was collected"
        )
        self.exposure_label.setText(
            f"Observed exposure ({len(result.report.exposures)})"
            if result.report.exposures
            else "Observed exposure — nothing collected publishes or shares a port yet: "
            "collect the engine or a compose file first"
        )
        for table in (self.table, self.drift_table, self.exposure_table):
            table.resizeColumnsToContents()
            table.horizontalHeader().setStretchLastSection(True)
        self._update_actions()

    # -- changing --------------------------------------------------------------------------

    def selected(self) -> FlowRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.row_at(self.proxy.mapToSource(rows[0]).row())

    def add_flow(self) -> FlowDialog | None:
        return self._open_dialog(None)

    def edit_flow(self) -> FlowDialog | None:
        row = self.selected()
        return self._open_dialog(row.flow) if row is not None else None

    def remove_flow(self) -> QMessageBox | None:
        row = self.selected()
        if row is None or not self.acting.may(Action.DECLARE_FLOWS):
            return None
        f = row.flow
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove flow",
            f"Remove flow {f.id} ({f.source} → {f.destination} {f.port}/{f.protocol})?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("removeFlowQuestion")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(partial(self._remove, f.id))
        box.open()
        return box

    def _remove(self, flow_id: int) -> None:
        ws, caller = self.acting.ws, self.acting.caller()
        self.runner.start(
            f"Removing flow {flow_id}",
            partial(flows.remove_flow, ws, caller, flow_id),
            on_success=lambda _view: self._changed(f"Removed flow {flow_id}"),
            on_failure=lambda e: self.message.emit(f"Cannot remove the flow: {describe_error(e)}"),
        )

    def _open_dialog(self, flow: FlowView | None) -> FlowDialog | None:
        if not self.acting.may(Action.DECLARE_FLOWS):
            return None
        names = self.data.components if self.data is not None else ()
        dialog = FlowDialog(names, flow, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(partial(self._store, dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _store(self, dialog: FlowDialog, given: FlowInput) -> None:
        ws, caller, old = self.acting.ws, self.acting.caller(), dialog.editing
        work = (
            partial(flows.add_flow, ws, caller, given)
            if old is None
            else partial(replace_flow, ws, caller, old, given)
        )

        def stored(result: object) -> None:
            assert isinstance(result, FlowView)
            dialog.finish()
            verb = "Declared" if old is None else f"Flow {old.id} is now"
            self._changed(f"{verb} flow {result.id}: {result.source} → {result.destination}")

        def refused(error: Exception) -> None:
            if isinstance(error, EditRefused):
                if error.restored is not None:
                    dialog.editing = error.restored
                    self.refresh()
                error = error.error
            dialog.refuse(describe_error(error))

        self.runner.start("Storing the flow", work, on_success=stored, on_failure=refused)

    def _changed(self, said: str) -> None:
        self.message.emit(said)
        self.changed.emit()
        self.refresh()

    # -- building --------------------------------------------------------------------------

    def _update_actions(self) -> None:
        allowed = self.acting.may(Action.DECLARE_FLOWS)
        why = self.acting.refusal(Action.DECLARE_FLOWS)
        chosen = self.selected() is not None
        for action, needs_row in (
            (self.add_action, False),
            (self.edit_action, True),
            (self.remove_action, True),
        ):
            action.setEnabled(allowed and (chosen or not needs_row))
            action.setToolTip(why if not allowed else action.statusTip())

    def _action(self, text: str, tip: str, key: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.setObjectName(text.replace("&", "").strip("…").strip().lower().replace(" ", "-"))
        action.setShortcut(QKeySequence(key))
        # Every view lives in the same window: a key acts only in the view that has focus.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setStatusTip(f"{tip} ({key})")
        action.setToolTip(action.statusTip())
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _table(self, name: str, accessible: str, model: object) -> QTableView:
        table = QTableView()
        table.setObjectName(name)
        table.setAccessibleName(accessible)
        table.setModel(model)  # type: ignore[arg-type]
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        return table
