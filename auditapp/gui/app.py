"""Starting the GUI: the QApplication, the workspace and the main window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from auditapp.gui.errors import describe_error
from auditapp.gui.main_window import APP_NAME, MainWindow
from auditapp.services.workspace import Settings, Workspace


def run_gui(database: str | None, *, audit: str | None, member: str | None) -> int:
    """Run the window until it closes; 2 if the database cannot be opened."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    try:
        ws = Workspace.open(database, Settings())
    except Exception as error:  # shown as one sentence; never a traceback
        QMessageBox.critical(
            None, APP_NAME, f"auditapp cannot open the database. {describe_error(error)}"
        )
        return 2
    try:
        window = MainWindow(ws)
        window.start(audit, member)
        window.show()
        return app.exec()
    finally:
        ws.close()
