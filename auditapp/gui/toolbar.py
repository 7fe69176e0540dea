"""The main window's toolbar: the audit, item, collect and settings actions (the rarer database
ones in the Settings button's menu), and on the right the member the person acts as."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMenu, QSizePolicy, QToolBar, QToolButton, QWidget

from auditapp.gui.actions import WindowActions
from auditapp.gui.widgets.member_picker import MemberPicker


def main_toolbar(actions: WindowActions, member_picker: MemberPicker) -> QToolBar:
    bar = QToolBar("Main")
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    bar.addAction(actions.new_audit)
    bar.addAction(actions.open_audit)
    bar.addSeparator()
    bar.addAction(actions.save)
    bar.addAction(actions.previous_item)
    bar.addAction(actions.next_item)
    bar.addSeparator()
    bar.addAction(actions.collect)
    bar.addSeparator()
    bar.addAction(actions.settings)
    settings = bar.widgetForAction(actions.settings)
    if isinstance(settings, QToolButton):
        more = QMenu(settings)
        more.addAction(actions.settings)
        more.addAction(actions.copy_database)
        settings.setMenu(more)
        settings.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    bar.addWidget(spacer)
    acting_label = QLabel("&Acting as ")
    acting_label.setBuddy(member_picker)
    bar.addWidget(acting_label)
    bar.addWidget(member_picker)
    bar.toggleViewAction().setVisible(False)  # the acting member is always in view
    return bar
