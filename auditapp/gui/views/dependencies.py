"""The Dependencies view: per component, the packages collected, their known vulnerabilities
(with VEX decisions) and the end of life of each image's operating system and runtimes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.acting import ActingAs
from auditapp.gui.dialogs.vex_dialog import VexDialog
from auditapp.gui.errors import show_error
from auditapp.gui.models.vulns_table import (
    RowFilterProxy,
    VulnsTableModel,
    purl_type,
    vuln_haystack,
)
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.views.base import AuditView
from auditapp.gui.views.dependencies_banner import FreshnessBanner
from auditapp.gui.views.dependencies_tables import (
    LifecycleTableModel,
    PackageRow,
    PackagesTableModel,
    package_rows,
)
from auditapp.services import inventory, lifecycle, vex, vulns
from auditapp.services.inventory import PackageView
from auditapp.services.lifecycle import LifecycleItem, LifecycleReport
from auditapp.services.roles import Action
from auditapp.services.vex import VexView
from auditapp.services.vulns import VulnReport, VulnView
from auditapp.services.workspace import Caller, Workspace

EVERYTHING, CRITICAL_FIX, END_OF_LIFE, UNDECIDED = "all", "critical-fix", "eol", "undecided"
QUICK_FILTERS = (
    ("Everything", EVERYTHING),
    ("Critical with a fix", CRITICAL_FIX),
    ("End of life", END_OF_LIFE),
    ("Not decided yet", UNDECIDED),
)
VULNS_TAB, PACKAGES_TAB, LIFECYCLE_TAB = 0, 1, 2


@dataclass(frozen=True)
class DependencyData:
    packages: list[PackageView]
    report: VulnReport
    lifecycle: LifecycleReport
    dispositions: list[VexView]


def read_dependencies(ws: Workspace, caller: Caller) -> DependencyData:
    return DependencyData(
        inventory.list_packages(ws, caller),
        vulns.list_vulns(ws, caller),
        lifecycle.lifecycle_report(ws, caller),
        vex.list_dispositions(ws, caller),
    )


class DependenciesView(AuditView):
    key = "dependencies"
    title = "Dependencies"

    def __init__(self, acting: ActingAs, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(acting, runner, parent)
        self.data: DependencyData | None = None
        self.vex_dialog: VexDialog | None = None
        self._eol_images: set[str] = set()
        self._critical_images: set[str] = set()

        self.banner = FreshnessBanner(acting.ws)
        self.banner.message.connect(self.message)
        self.banner.imported.connect(lambda _result: self.refresh())
        self.component = self._combo("componentFilter", "Component")
        self.ecosystem = self._combo("ecosystemFilter", "Ecosystem")
        self.quick = self._combo("quickFilter", "Show")
        for label, value in QUICK_FILTERS:
            self.quick.addItem(label, value)
        self.search = QLineEdit()
        self.search.setObjectName("dependencySearch")
        self.search.setAccessibleName("Search packages and vulnerabilities")
        self.search.setPlaceholderText("Search: CVE, package, version… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)

        self.vuln_model = VulnsTableModel(self)
        self.vuln_proxy = RowFilterProxy(vuln_haystack, self)
        self.package_model = PackagesTableModel(self)
        self.package_proxy = RowFilterProxy(_package_haystack, self)
        self.lifecycle_model = LifecycleTableModel(self)
        self.lifecycle_proxy = RowFilterProxy(_lifecycle_haystack, self)
        for proxy, model in (
            (self.vuln_proxy, self.vuln_model),
            (self.package_proxy, self.package_model),
            (self.lifecycle_proxy, self.lifecycle_model),
        ):
            proxy.setSourceModel(model)
        self.vuln_table = self._table("vulnTable", "Vulnerabilities", self.vuln_proxy)
        self.package_table = self._table("packageTable", "Packages", self.package_proxy)
        self.lifecycle_table = self._table("lifecycleTable", "End of life", self.lifecycle_proxy)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("dependencyTabs")
        self.tabs.addTab(self.vuln_table, "Vulnerabilities")
        self.tabs.addTab(self.package_table, "Packages")
        self.tabs.addTab(self.lifecycle_table, "End of life")

        self.decide = QPushButton("&Decide…")
        self.decide.setObjectName("decideVex")
        self.decide.setAccessibleName("Decide the selected vulnerability")
        self.decide.clicked.connect(self.open_vex)
        self.counts = QLabel()
        self.counts.setObjectName("dependencyCounts")
        self.empty = QLabel(
            "Nothing collected yet — Collect… in the toolbar (Ctrl+Shift+C) reads images "
            "from the Docker Engine or from archives; their packages show here."
        )
        self.empty.setObjectName("dependenciesEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.tabs)

        filters = QHBoxLayout()
        for text, combo in (("&Component", self.component), ("&Ecosystem", self.ecosystem)):
            filters.addWidget(_buddy(text, combo))
            filters.addWidget(combo)
        filters.addWidget(_buddy("S&how", self.quick))
        filters.addWidget(self.quick)
        filters.addWidget(self.search, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.counts, 1)
        bottom.addWidget(self.decide)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(filters)
        layout.addWidget(self.pages, 1)
        layout.addLayout(bottom)

        for combo in (self.component, self.ecosystem):
            combo.currentIndexChanged.connect(self._apply_filters)
        self.quick.currentIndexChanged.connect(self._quick_chosen)
        self.search.textChanged.connect(self._apply_filters)
        self.vuln_table.selectionModel().selectionChanged.connect(self._update_decide)
        self.vuln_table.doubleClicked.connect(self.open_vex)
        self.package_table.doubleClicked.connect(self._show_package_vulns)
        self.tabs.currentChanged.connect(self._update_decide)
        acting.changed.connect(self._update_decide)
        self._update_decide()

    # -- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.acting.audit is None:
            return
        ws, caller = self.acting.ws, self.acting.caller()
        self.load("Reading the dependencies", lambda: read_dependencies(ws, caller), self._show)

    def _show(self, result: object) -> None:
        assert isinstance(result, DependencyData)
        self.data = result
        self.banner.show_status(result.report.freshness)
        found = result.report.vulns
        self._eol_images = {
            i.image for i in result.lifecycle.items if i.status.state == "end-of-life"
        }
        self._critical_images = {
            v.image for v in found if v.severity == "critical" and v.fix_available
        }
        self.vuln_model.set_rows(found)
        self.package_model.set_rows(package_rows(result.packages, found))
        self.lifecycle_model.set_rows(result.lifecycle.items)
        names = {c for p in result.packages for c in p.components}
        names |= {c for i in result.lifecycle.items for c in i.components}
        _refill(self.component, "All components", sorted(names))
        _refill(self.ecosystem, "All ecosystems", sorted({p.ecosystem for p in result.packages}))
        self.pages.setCurrentWidget(self.tabs if result.packages or found else self.empty)
        self._apply_filters()
        for table in (self.vuln_table, self.package_table, self.lifecycle_table):
            table.resizeColumnsToContents()
            header = table.horizontalHeader()
            for column in range(header.count() - 1):  # long paths must not push the rest away
                header.resizeSection(column, min(header.sectionSize(column), 260))

    # -- filtering ---------------------------------------------------------------------------

    def _quick_chosen(self) -> None:
        quick = self.quick.currentData()
        if quick == END_OF_LIFE:
            self.tabs.setCurrentIndex(LIFECYCLE_TAB)
        elif quick in (CRITICAL_FIX, UNDECIDED):
            self.tabs.setCurrentIndex(VULNS_TAB)
        self._apply_filters()

    def _apply_filters(self) -> None:
        component = self.component.currentData() or None
        ecosystem = self.ecosystem.currentData() or None
        quick = self.quick.currentData()
        search = self.search.text()

        def vuln_wanted(row: VulnView) -> bool:
            return (
                (component is None or component in row.components)
                and (ecosystem is None or purl_type(row.purl) == ecosystem)
                and (quick != CRITICAL_FIX or (row.severity == "critical" and row.fix_available))
                and (quick != END_OF_LIFE or row.image in self._eol_images)
                and (quick != UNDECIDED or not row.disposition)
            )

        def package_wanted(row: PackageRow) -> bool:
            package = row.package
            return (
                (component is None or component in package.components)
                and (ecosystem is None or package.ecosystem == ecosystem)
                and (quick != CRITICAL_FIX or row.critical_with_fix)
                and (quick != END_OF_LIFE or package.image in self._eol_images)
                and (quick != UNDECIDED or any(not v.disposition for v in row.vulns))
            )

        def lifecycle_wanted(row: LifecycleItem) -> bool:
            return (
                (component is None or component in row.components)
                and (quick != END_OF_LIFE or row.status.state == "end-of-life")
                and (quick != CRITICAL_FIX or row.image in self._critical_images)
            )

        self.vuln_proxy.set_filter(vuln_wanted, search)
        self.package_proxy.set_filter(package_wanted, search)
        self.lifecycle_proxy.set_filter(lifecycle_wanted, search)
        shown = (
            self.vuln_proxy.rowCount(),
            self.package_proxy.rowCount(),
            self.lifecycle_proxy.rowCount(),
        )
        for tab, label, count in zip(
            range(3), ("Vulnerabilities", "Packages", "End of life"), shown, strict=True
        ):
            self.tabs.setTabText(tab, f"{label} ({count})")
        total = self.vuln_model.rowCount()
        unevaluable = self.data.report.unevaluable if self.data else 0
        note = f" · {unevaluable} versions could not be evaluated" if unevaluable else ""
        self.counts.setText(f"{shown[0]} of {total} vulnerabilities shown{note}")
        self._update_decide()

    def _show_package_vulns(self, index: QModelIndex) -> None:
        row = self.package_proxy.row_at(index.row())
        if isinstance(row, PackageRow) and row.vulns:
            self.quick.setCurrentIndex(0)
            self.search.setText(row.package.name)
            self.tabs.setCurrentIndex(VULNS_TAB)

    # -- deciding (VEX) ----------------------------------------------------------------------

    def selected_vuln(self) -> VulnView | None:
        if self.tabs.currentIndex() != VULNS_TAB:
            return None
        rows = self.vuln_table.selectionModel().selectedRows()
        found = self.vuln_proxy.row_at(rows[0].row()) if rows else None
        return found if isinstance(found, VulnView) else None

    def open_vex(self) -> VexDialog | None:
        vuln = self.selected_vuln()
        if vuln is None or not self.acting.may(Action.SET_STATUS):
            return None
        ids = {vuln.id, *vuln.aliases}
        current = next(
            (
                d
                for d in (self.data.dispositions if self.data else [])
                if d.purl == vuln.purl and d.vuln_id in ids
            ),
            None,
        )
        dialog = self.vex_dialog = VexDialog(vuln, current, self)
        dialog.accepted.connect(partial(self._save_vex, dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _save_vex(self, dialog: VexDialog) -> None:
        ws, caller = self.acting.ws, self.acting.caller()
        purl, vuln_id, version = dialog.vuln.purl, dialog.vuln_id, dialog.expected_version
        status, justification, detail = dialog.status(), dialog.justification(), dialog.detail()

        def work() -> VexView:
            return vex.set_disposition(
                ws, caller, purl, vuln_id, status, justification, detail, version
            )

        def saved(result: object) -> None:
            assert isinstance(result, VexView)
            self.message.emit(f"{result.vuln_id} on {result.purl}: {result.status.value}")
            self.changed.emit()
            self.refresh()

        def failed(error: Exception) -> None:
            show_error(self, "Cannot save the decision", error)

        self.runner.start(f"Deciding {vuln_id}", work, on_success=saved, on_failure=failed)

    def _update_decide(self) -> None:
        refusal = self.acting.refusal(Action.SET_STATUS)
        chosen = self.selected_vuln() is not None
        self.decide.setEnabled(not refusal and chosen)
        if refusal:
            self.decide.setToolTip(refusal)
        else:
            self.decide.setToolTip(
                "Record whether this vulnerability affects us (VEX)"
                if chosen
                else "Select a vulnerability to decide"
            )

    # -- building ----------------------------------------------------------------------------

    def _combo(self, name: str, accessible: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return combo

    def _table(self, name: str, accessible: str, proxy: RowFilterProxy) -> QTableView:
        table = QTableView()
        table.setObjectName(name)
        table.setAccessibleName(accessible)
        table.setModel(proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultSectionSize(110)
        return table


def _buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label


def _refill(combo: QComboBox, everything: str, values: list[str]) -> None:
    """Keep the chosen value when it is still there (the view reloads after each change)."""
    chosen = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(everything, "")
    for value in values:
        combo.addItem(value, value)
    found = combo.findData(chosen) if chosen else 0
    combo.setCurrentIndex(max(found, 0))
    combo.blockSignals(False)


def _package_haystack(row: PackageRow) -> str:
    package = row.package
    ids = [i for v in row.vulns for i in (v.id, *v.aliases)]
    return " ".join((package.name, package.version, package.purl, package.image, *ids))


def _lifecycle_haystack(row: LifecycleItem) -> str:
    return " ".join((row.name, row.image, row.status.state, *row.components))
