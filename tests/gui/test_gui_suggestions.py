"""The suggested status in the item editor: what the evidence suggests and why, accepted in one
click by an officer (pending edits saved first), dismissed, and out of reach of an auditor."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from auditapp.checklist import Status
from auditapp.gui.main_window import MainWindow
from auditapp.services import analysis, items, suggestions
from auditapp.services.collect import collect
from auditapp.services.gather import CollectRequest
from auditapp.services.workspace import Caller, Workspace
from tests.gui.conftest import AUDIT, AUDITOR, OFFICER

pytestmark = pytest.mark.gui

OLGA = Caller(member=OFFICER)
COMPOSE = """services:
  api:
    image: shop/api:1.4
    privileged: true
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
  web:
    image: shop/web:2.0
    read_only: true
    user: "1000"
    ports: ["8443:8443"]
"""


@pytest.fixture
def analysed(team: Workspace, tmp_path: Path) -> Workspace:
    compose = tmp_path / "compose.yaml"
    compose.write_text(COMPOSE)
    collect(team, OLGA, CollectRequest(compose=(compose,)))
    analysis.analyse(team, OLGA)
    return team


def privileged_item(ws: Workspace) -> suggestions.SuggestionView:
    found = [
        s
        for s in suggestions.list_suggestions(ws, OLGA)
        if s.rules == ("runtime.privileged",) and s.status is Status.NOT_IN_PLACE
    ]
    assert len(found) == 1, [s.rules for s in suggestions.list_suggestions(ws, OLGA)]
    return found[0]


def test_an_officer_accepts_the_suggestion_in_one_click(
    qtbot: QtBot, analysed: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    wanted = privileged_item(analysed)
    window = make_window(analysed, AUDIT, OFFICER)
    window.navigator.choose(wanted.item_key)
    bar = window.editor.suggestion
    assert bar.isVisible() and bar.accept_button.isEnabled()
    assert "Suggested: Not in Place" in bar.text.text()
    assert "run privileged: api" in bar.text.text()
    assert window.grab().save(str(tmp_path / "suggestion.png"))

    # an edit in progress is saved first, then the suggestion answers the item
    qtbot.keyClicks(window.editor.form.owner, "Olga")
    qtbot.mouseClick(bar.accept_button, Qt.MouseButton.LeftButton)

    stored = items.get_item(analysed, OLGA, wanted.item_key)
    assert stored.status is Status.NOT_IN_PLACE
    assert stored.owner == "Olga"
    assert stored.rationale.startswith("Suggested by auditapp's rules:")
    assert suggestions.suggestion_for(analysed, OLGA, wanted.item_key).decision == "accepted"
    assert not bar.isVisible()
    assert window.editor.form.values().status is Status.NOT_IN_PLACE
    assert window.status.last_message.startswith(f"Accepted the suggestion for {wanted.item_key}")
    qtbot.waitUntil(lambda: window.tree.section_progress(1).counts.get(Status.NOT_IN_PLACE) == 1)


def test_dismissing_leaves_the_answer_and_hides_the_bar(
    qtbot: QtBot, analysed: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    wanted = privileged_item(analysed)
    window = make_window(analysed, AUDIT, OFFICER)
    window.navigator.choose(wanted.item_key)
    qtbot.mouseClick(window.editor.suggestion.dismiss_button, Qt.MouseButton.LeftButton)
    assert items.get_item(analysed, OLGA, wanted.item_key).status is None
    assert suggestions.suggestion_for(analysed, OLGA, wanted.item_key).decision == "dismissed"
    assert not window.editor.suggestion.isVisible()
    window.navigator.choose(window.tree.item_keys()[0])
    window.navigator.choose(wanted.item_key)
    assert not window.editor.suggestion.isVisible()  # decided: it stays out of the way


def test_an_auditor_sees_the_suggestion_but_may_not_decide_it(
    analysed: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    wanted = privileged_item(analysed)
    window = make_window(analysed, AUDIT, AUDITOR)
    window.navigator.choose(wanted.item_key)
    bar = window.editor.suggestion
    assert bar.isVisible()
    for button in (bar.accept_button, bar.dismiss_button):
        assert not button.isEnabled()
        assert "auditor" in button.toolTip().lower()


def test_an_analysis_run_from_the_window_shows_the_suggestion_on_the_open_item(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text(COMPOSE)
    collect(team, OLGA, CollectRequest(compose=(compose,)))
    window = make_window(team, AUDIT, OFFICER)
    window.navigator.choose("profile.no_privileged_containers")
    assert not window.editor.suggestion.isVisible()  # nothing analysed yet

    findings = window.show_view("findings")
    qtbot.waitUntil(lambda: not window.runner.busy)
    qtbot.mouseClick(findings.analyse_button, Qt.MouseButton.LeftButton)  # type: ignore[union-attr]
    bar = window.editor.suggestion
    qtbot.waitUntil(lambda: bar.suggestion is not None, timeout=30_000)
    assert bar.isVisibleTo(window.editor)  # shown when the person goes back to the item
    assert "run privileged: api" in bar.text.text()
