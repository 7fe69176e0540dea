"""The Components view: what is under assessment, with the facts people add that no scan can
know (internet-facing, in the CDE, the data it handles, its host, notes) and its security
template. Edits are sent with the version the person saw; a stale edit says who changed the
component meanwhile and reloads."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.acting import ActingAs
from auditapp.gui.errors import describe_error, show_error
from auditapp.gui.models.components_table import (
    COMPONENT_ROLE,
    DATA_CLASSES_COLUMN,
    DIGEST,
    IMAGE,
    TEMPLATE,
    ComponentsTableModel,
)
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.views.base import AuditView
from auditapp.gui.views.components_add import AddComponentDialog
from auditapp.gui.views.components_delegates import (
    DataClassesDelegate,
    MiddleElideDelegate,
    TemplateDelegate,
)
from auditapp.services import journal
from auditapp.services.components import (
    ComponentEdit,
    ComponentView,
    add_component,
    list_components,
    update_component,
)
from auditapp.services.roles import Action
from auditapp.services.templates import TemplateView, assign_template, list_templates
from auditapp.services.workspace import Caller, Workspace
from auditapp.store.errors import StaleEditError

_WIDTHS = (80, 120, 120, 62, 44, 160, 70, 100)  # then the notes


@dataclass(frozen=True)
class ComponentsData:
    components: list[ComponentView]
    templates: list[TemplateView]


def read_components(ws: Workspace, caller: Caller) -> ComponentsData:
    return ComponentsData(list_components(ws, caller), list_templates(ws, caller))


def last_change(ws: Workspace, caller: Caller, name: str) -> str:
    """Who changed component `name` last and when, from the journal ("" if it does not say)."""
    for line in journal.recent_entries(ws, caller, limit=500):
        if line.target == name and line.action.startswith(("component.", "template.assign")):
            return f"{line.member} ({line.at[:16].replace('T', ' ')} UTC)"
    return ""


class ComponentsView(AuditView):
    key = "components"
    title = "Components"

    def __init__(self, acting: ActingAs, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(acting, runner, parent)
        self.model = ComponentsTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = self._build_table()
        self.empty = QLabel()
        self.empty.setObjectName("componentsEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.empty)
        self.add = QPushButton("&Add component…")
        self.add.setObjectName("addComponentButton")
        self.add.setAccessibleName("Add a component")
        self.add.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.template = QComboBox()
        self.template.setObjectName("templateChoice")
        self.template.setAccessibleName("Security template to assign")
        self.template.setMinimumContentsLength(16)
        self.assign = QPushButton("A&ssign template")
        self.assign.setObjectName("assignTemplateButton")
        self.assign.setAccessibleName("Assign the template to the selected components")
        self.count = QLabel()
        self._loaded = False
        self._layout()
        self.model.edit_requested.connect(self.save_edit)
        self.model.template_requested.connect(lambda c, name: self.assign_to([c], name))
        self.add.clicked.connect(self.open_add)
        self.assign.clicked.connect(self._assign_chosen)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.apply_permissions())
        acting.changed.connect(self.apply_permissions)
        self.apply_permissions()

    # -- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.acting.audit is None:
            return
        ws, caller = self.acting.ws, self.acting.caller()
        self.load("Reading the components", lambda: read_components(ws, caller), self._show)

    def _show(self, result: object) -> None:
        assert isinstance(result, ComponentsData)
        assigned = {c: t.name for t in result.templates for c in t.components}
        names = [t.name for t in result.templates]
        self.model.set_rows(result.components, assigned, names)
        # compose-only audits have no digests: give their column to the notes
        self.table.setColumnHidden(DIGEST, not any(c.image_digest for c in result.components))
        kept = self.template.currentText()
        self.template.clear()
        self.template.addItems(names)
        self.template.setCurrentIndex(max(0, self.template.findText(kept)))
        self._loaded = True
        self.apply_permissions()

    def selected_components(self) -> list[ComponentView]:
        rows = self.table.selectionModel().selectedRows()
        found = [i.data(COMPONENT_ROLE) for i in sorted(rows, key=QModelIndex.row)]
        return [c for c in found if isinstance(c, ComponentView)]

    def row_of(self, name: str) -> int:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data() == name:
                return row
        return -1

    # -- changing ----------------------------------------------------------------------------

    def save_edit(self, component: ComponentView, edit: ComponentEdit) -> None:
        ws, caller = self.acting.ws, self.acting.caller()

        def work() -> ComponentView:
            return update_component(
                ws, caller, component.name, edit, expected_version=component.version
            )

        self.runner.start(
            f"Saving {component.name}",
            work,
            on_success=self._saved,
            on_failure=partial(self._save_failed, component),
        )

    def _saved(self, result: object) -> None:
        assert isinstance(result, ComponentView)
        self.model.replace(result)
        self.message.emit(f"Saved component {result.name}")
        self.changed.emit()

    def _save_failed(self, component: ComponentView, error: Exception) -> None:
        if not isinstance(error, StaleEditError):
            show_error(self, f"Cannot save {component.name}", error)
            return
        ws, caller = self.acting.ws, self.acting.caller()
        self.load(
            "Reading the journal",
            lambda: last_change(ws, caller, component.name),
            partial(self._tell_stale, component),
        )

    def _tell_stale(self, component: ComponentView, who: object) -> None:
        by = f" by {who}" if who else " by someone else"
        text = (
            f"Component {component.name} was changed{by} while you were editing it. "
            "The table now shows their version: apply your change again if it still holds."
        )
        box = QMessageBox(QMessageBox.Icon.Information, "Someone else changed this component", text)
        box.setParent(self, box.windowFlags())
        box.setObjectName("staleComponentMessage")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.message.emit(f"{component.name} was changed{by}; reloaded")
        self.refresh()

    def open_add(self) -> AddComponentDialog | None:
        if not self.acting.may(Action.MANAGE_COMPONENTS):
            return None
        existing = {c.name for c in self.model.components()}
        dialog = AddComponentDialog(existing, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._add(dialog.component_name(), dialog.edit()))
        dialog.open()
        return dialog

    def _add(self, name: str, edit: ComponentEdit) -> None:
        ws, caller = self.acting.ws, self.acting.caller()

        def added(result: object) -> None:
            assert isinstance(result, ComponentView)
            self.message.emit(f"Added component {result.name}")
            self.changed.emit()
            self.refresh()

        self.runner.start(
            f"Adding {name}",
            lambda: add_component(ws, caller, name, edit),
            on_success=added,
            on_failure=lambda error: self._failed(f"Cannot add {name}", error),
        )

    def assign_to(self, components: list[ComponentView], template: str) -> None:
        """Assign `template` to each component (one call each) and say how it went."""
        ws, caller = self.acting.ws, self.acting.caller()
        names = [c.name for c in components]

        def work() -> list[str]:
            problems = []
            for name in names:
                try:
                    assign_template(ws, caller, template, name)
                except Exception as error:  # one refusal must not stop the others
                    problems.append(f"{name}: {describe_error(error)}")
            return problems

        def done(result: object) -> None:
            assert isinstance(result, list)
            assigned = len(names) - len(result)
            text = f"Assigned template {template} to {assigned} of {len(names)} components"
            self.message.emit(text + (f" ({'; '.join(result)})" if result else ""))
            self.changed.emit()
            self.refresh()

        self.runner.start(
            f"Assigning {template}",
            work,
            on_success=done,
            on_failure=lambda error: self._failed("Cannot assign the template", error),
        )

    def _assign_chosen(self) -> None:
        chosen = self.selected_components()
        if chosen and self.template.currentText():
            self.assign_to(chosen, self.template.currentText())

    def _failed(self, title: str, error: Exception) -> None:
        show_error(self, title, error)

    # -- state -------------------------------------------------------------------------------

    def apply_permissions(self) -> None:
        edit_refusal = self.acting.refusal(Action.MANAGE_COMPONENTS)
        assign_refusal = self.acting.refusal(Action.ASSIGN_TEMPLATES)
        if (edit_refusal, assign_refusal) != (self.model.edit_refusal, self.model.assign_refusal):
            self.model.set_permissions(edit_refusal, assign_refusal)
        self.add.setEnabled(not edit_refusal and self.acting.audit is not None)
        self.add.setToolTip(edit_refusal or "Describe a component the collection did not find")
        has_templates = self.template.count() > 0
        chosen = bool(self.table.selectionModel().selectedRows())
        self.template.setEnabled(not assign_refusal and has_templates)
        self.assign.setEnabled(not assign_refusal and has_templates and chosen)
        self.assign.setToolTip(
            assign_refusal
            or (
                "No security templates are defined yet (auditapp template define)"
                if not has_templates
                else "Assign the chosen template to the selected components"
                if chosen
                else "Select components first"
            )
        )
        components = self.model.rowCount()
        self.count.setText(f"{components} component" + ("" if components == 1 else "s"))
        if components:
            self.pages.setCurrentWidget(self.table)
        else:
            self.empty.setText(
                "No components yet — Collect… finds them, or Add component… describes one."
                if self._loaded
                else "Reading the components…"
            )
            self.pages.setCurrentWidget(self.empty)

    # -- building ----------------------------------------------------------------------------

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("componentsTable")
        table.setAccessibleName("Components")
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setItemDelegateForColumn(IMAGE, MiddleElideDelegate(table))
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # the notes take what is left
        for column, width in enumerate(_WIDTHS):
            table.setColumnWidth(column, width)
        table.setItemDelegateForColumn(DATA_CLASSES_COLUMN, DataClassesDelegate(table))
        table.setItemDelegateForColumn(TEMPLATE, TemplateDelegate(self.model, table))
        return table

    def _layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.add)
        bar.addStretch(1)
        template_label = QLabel("&Template")
        template_label.setBuddy(self.template)
        bar.addWidget(template_label)
        bar.addWidget(self.template)
        bar.addWidget(self.assign)
        hint = QLabel(
            "Double-click a cell (or press F2) to edit it; tick the boxes to mark a component "
            "internet-facing or in the CDE."
        )
        hint.setObjectName("componentsHint")
        hint.setWordWrap(True)
        hint.setEnabled(False)
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.pages, 1)
        layout.addLayout(bottom)
