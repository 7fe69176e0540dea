"""The Findings view's filter bar: a text search, the no-longer-seen toggle and a combo each for
severity, rule, component, checklist section and status."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from auditapp.gui.models.choices import Choice, ChoiceListModel
from auditapp.gui.models.findings_table import (
    SEVERITY_ORDER,
    STATUS_LABELS,
    FindingsFilter,
    severity_icon,
)


class FindingsFilterBar(QWidget):
    """Emits `changed(FindingsFilter)` whenever the person narrows or widens the table."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("findingsSearch")
        self.search.setAccessibleName("Search findings")
        self.search.setPlaceholderText("Search title, location, rule, requirement… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)
        self.show_inactive = QCheckBox("Show &no longer seen")
        self.show_inactive.setObjectName("showInactive")
        self.show_inactive.setToolTip(
            "Include findings the last analysis did not see again (fixed or gone)"
        )
        self.severity = self._combo("severityFilter", "Filter by severity")
        self.rule = self._combo("ruleFilter", "Filter by rule")
        self.component = self._combo("componentFilter", "Filter by component")
        self.section = self._combo("sectionFilter", "Filter by checklist section")
        self.status = self._combo("statusFilter", "Filter by status")
        self._set_choices(
            self.severity,
            "Any severity",
            [Choice(s.capitalize(), s, severity_icon(s)) for s in SEVERITY_ORDER],
        )
        self._set_choices(
            self.status, "Any status", [Choice(label, v) for v, label in STATUS_LABELS.items()]
        )
        self.set_options([], [], [])

        top = QHBoxLayout()
        search_label = QLabel("&Search")
        search_label.setBuddy(self.search)
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        top.addWidget(self.show_inactive)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for column, (text, combo) in enumerate(
            (
                ("Se&verity", self.severity),
                ("&Rule", self.rule),
                ("&Component", self.component),
                ("Sec&tion", self.section),
                ("Stat&us", self.status),
            )
        ):
            label = QLabel(text)
            label.setBuddy(combo)
            grid.addWidget(label, 0, column)
            grid.addWidget(combo, 1, column)
            grid.setColumnStretch(column, 2 if combo in (self.rule, self.section) else 1)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top, 0, 0)
        layout.addLayout(grid, 1, 0)

        self.search.textChanged.connect(self._emit)
        self.show_inactive.toggled.connect(self._emit)
        for combo in (self.severity, self.rule, self.component, self.section, self.status):
            combo.currentIndexChanged.connect(self._emit)

    def set_options(
        self, rules: Sequence[str], components: Sequence[str], sections: Sequence[str]
    ) -> None:
        """The values present in the audit; a chosen value that is still present stays."""
        self._set_choices(self.rule, "Any rule", [Choice(r, r) for r in rules])
        self._set_choices(self.component, "Any component", [Choice(c, c) for c in components])
        self._set_choices(self.section, "Any section", [Choice(s, s) for s in sections])

    def current(self) -> FindingsFilter:
        return FindingsFilter(
            severity=_value(self.severity),
            rule=_value(self.rule),
            component=_value(self.component),
            section=_value(self.section),
            status=_value(self.status),
            text=self.search.text().strip(),
            show_inactive=self.show_inactive.isChecked(),
        )

    def choose(self, combo: QComboBox, value: str | None) -> None:
        """Select `value` in one of the combos (None: any)."""
        model = combo.model()
        assert isinstance(model, ChoiceListModel)
        try:
            combo.setCurrentIndex(model.row_of(value))
        except ValueError:
            combo.setCurrentIndex(0)

    def _combo(self, name: str, accessible: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(11)
        return combo

    def _set_choices(self, combo: QComboBox, any_label: str, choices: list[Choice]) -> None:
        kept = _value(combo) if combo.model() is not None else None
        blocked = combo.blockSignals(True)
        # the combo deletes its previous model, which it parents
        combo.setModel(ChoiceListModel([Choice(any_label, None), *choices], combo))
        self.choose(combo, kept)
        combo.blockSignals(blocked)
        if _value(combo) != kept:
            self._emit()

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _emit(self) -> None:
        self.changed.emit(self.current())


def _value(combo: QComboBox) -> str | None:
    model = combo.model()
    row = combo.currentIndex()
    if not isinstance(model, ChoiceListModel) or row < 0:
        return None
    value = model.value_at(row)
    return value if isinstance(value, str) else None
