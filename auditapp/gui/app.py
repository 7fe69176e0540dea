"""Starting the GUI: the QApplication, the workspace and the main window."""

from __future__ import annotations

import gc
import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from auditapp.gui.errors import describe_error
from auditapp.gui.main_window import APP_NAME, MainWindow
from auditapp.gui.settings import Preferences
from auditapp.gui.tasks import keep_the_window_responsive
from auditapp.gui.theme import apply_theme
from auditapp.resources import resource_path
from auditapp.services.workspace import Workspace


def run_gui(
    database: str | None, *, audit: str | None, member: str | None, resume_collector: bool = False
) -> int:
    """Run the window until it closes; 2 if the database cannot be opened. With
    `resume_collector` the garbage collector, paused for start-up, runs again once the window
    shows."""
    if not _display_available():
        print(
            "auditapp: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are "
            "unset); use a command such as `auditapp status`, or set QT_QPA_PLATFORM",
            file=sys.stderr,
        )
        return 2
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setWindowIcon(QIcon(str(resource_path("icons", "auditapp.svg"))))
    if quit_after := os.environ.get("AUDITAPP_GUI_QUIT_AFTER_MS"):  # packaging smoke tests
        QTimer.singleShot(int(quit_after), app.quit)
    apply_theme(app)
    preferences = Preferences.for_user()
    try:
        # --db and AUDITAPP_DB (already in `database`) win over the Settings dialog's URL
        ws = Workspace.open(
            database or preferences.database_url, preferences.workspace_settings(os.environ)
        )
    except Exception as error:  # shown as one sentence; never a traceback
        QMessageBox.critical(
            None, APP_NAME, f"auditapp cannot open the database. {describe_error(error)}"
        )
        return 2
    try:
        window = MainWindow(ws, preferences=preferences)
        keep_the_window_responsive()  # after the imports and the window, before any audit
        window.start(audit, member)
        window.show()
        if resume_collector:  # `auditapp.cli.main` paused it for start-up
            gc.enable()
        return app.exec()
    finally:
        ws.close()


def _display_available() -> bool:
    """Qt aborts the process when it finds no display; say so in one line instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
