"""GUI fixtures: the real main window over a real SQLite file, driven offscreen by pytest-qt."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from auditapp.gui.main_window import MainWindow
from auditapp.services import audits, members
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace

AUDIT = "Shop 2026"
OFFICER = "Olga Officer"
DEVELOPER = "Dev Developer"
AUDITOR = "Aud Auditor"


@pytest.fixture
def gui_ws(sqlite_url: str) -> Iterator[Workspace]:
    workspace = Workspace.open(sqlite_url)
    yield workspace
    workspace.close()


@pytest.fixture
def team(gui_ws: Workspace) -> Workspace:
    """An audit with one member of each role; the officer is the default member."""
    audits.create_audit(gui_ws, AUDIT, entity="Example Payments Ltd")
    members.add_member(gui_ws, Caller(), OFFICER, Role.OFFICER)
    members.add_member(gui_ws, Caller(member=OFFICER), DEVELOPER, Role.DEVELOPER)
    members.add_member(gui_ws, Caller(member=OFFICER), AUDITOR, Role.AUDITOR)
    return gui_ws


@pytest.fixture
def make_window(qtbot: QtBot) -> Iterator[Callable[..., MainWindow]]:
    """Builds, starts and shows a main window; closes it (saving) at the end of the test."""
    made: list[MainWindow] = []

    def make(ws: Workspace, audit: str | None = None, member: str | None = None) -> MainWindow:
        window = MainWindow(ws)
        qtbot.addWidget(window)
        window.start(audit, member)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()
        window.runner.wait()


@pytest.fixture
def officer_window(team: Workspace, make_window: Callable[..., MainWindow]) -> MainWindow:
    return make_window(team, AUDIT, OFFICER)
