"""Settings declared as data: the generated dialog stores them (QSettings in an INI file under
tmp_path), the window uses them, remembers its geometry, and follows a dark palette."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStandardPaths, Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from auditapp.gui.app import run_gui
from auditapp.gui.dialogs.settings_dialog import RESTART_NOTE
from auditapp.gui.main_window import MainWindow
from auditapp.gui.settings import (
    DATABASE_URL,
    EVIDENCE_CAP_MB,
    MAX_AGE_DAYS,
    MEMBER,
    ONLINE_SOURCES,
    SETTINGS,
    Preferences,
)
from auditapp.gui.theme import apply_theme, is_dark
from auditapp.services.workspace import Workspace
from tests.gui.conftest import AUDIT, AUDITOR, DEVELOPER, OFFICER

pytestmark = pytest.mark.gui


@pytest.fixture
def preferences(tmp_path: Path) -> Preferences:
    return Preferences.in_file(str(tmp_path / "auditapp.ini"))


def open_window(qtbot: QtBot, ws: Workspace, preferences: Preferences) -> MainWindow:
    window = MainWindow(ws, preferences=preferences)
    qtbot.addWidget(window)
    window.start(AUDIT)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_dialog_is_generated_from_the_declared_settings(
    qtbot: QtBot, team: Workspace, preferences: Preferences, tmp_path: Path
) -> None:
    window = open_window(qtbot, team, preferences)
    dialog = window.open_settings()
    for setting in SETTINGS:
        editor = dialog.findChild(QWidget, f"setting-{setting.key}")
        assert editor is dialog.editors[setting.key]
        assert setting.help in editor.toolTip()
    assert RESTART_NOTE in dialog.editors[DATABASE_URL].toolTip()
    shot = tmp_path / "settings.png"
    assert dialog.grab().save(str(shot))
    image = QImage(str(shot))
    assert (
        len(
            {
                image.pixel(x, y)
                for x in range(0, image.width(), 3)
                for y in range(0, image.height(), 3)
            }
        )
        > 10
    )

    url = dialog.editors[DATABASE_URL]
    assert isinstance(url, QLineEdit)
    qtbot.keyClicks(url, f"sqlite:///{tmp_path / 'team.sqlite3'}")
    online = dialog.editors[ONLINE_SOURCES]
    qtbot.mouseClick(online, Qt.MouseButton.LeftButton)
    age = dialog.editors[MAX_AGE_DAYS]
    assert isinstance(age, QSpinBox)
    age.selectAll()
    qtbot.keyClicks(age, "30")
    cap = dialog.editors[EVIDENCE_CAP_MB]
    assert isinstance(cap, QSpinBox)
    cap.selectAll()
    qtbot.keyClicks(cap, "5")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )

    assert dialog.changed == {DATABASE_URL, ONLINE_SOURCES, MAX_AGE_DAYS, EVIDENCE_CAP_MB}
    stored = Preferences.in_file(str(tmp_path / "auditapp.ini"))  # read back from the file
    assert stored.database_url == f"sqlite:///{tmp_path / 'team.sqlite3'}"
    assert stored.online_sources is True
    assert stored.max_age_days == 30
    assert team.settings.evidence_max_bytes == 5 * 1024 * 1024
    assert window.status.last_message == "Settings saved; the database changes on the next start"


def test_cancel_keeps_and_restore_defaults_resets(
    qtbot: QtBot, team: Workspace, preferences: Preferences
) -> None:
    preferences.set_value(MAX_AGE_DAYS, 20)
    window = open_window(qtbot, team, preferences)
    dialog = window.open_settings()
    age = dialog.editors[MAX_AGE_DAYS]
    assert isinstance(age, QSpinBox) and age.value() == 20
    age.setValue(40)
    dialog.reject()
    assert preferences.max_age_days == 20

    dialog = window.open_settings()
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults),
        Qt.MouseButton.LeftButton,
    )
    dialog.accept()
    assert dialog.changed == {MAX_AGE_DAYS}
    assert preferences.max_age_days == 7
    assert preferences.store.value(MAX_AGE_DAYS) is None  # a default is not stored


def test_the_member_identity_chooses_who_you_act_as(
    qtbot: QtBot, team: Workspace, preferences: Preferences
) -> None:
    preferences.set_value(MEMBER, AUDITOR)
    window = open_window(qtbot, team, preferences)
    assert window.acting.member == AUDITOR

    dialog = window.open_settings()
    member = dialog.editors[MEMBER]
    assert isinstance(member, QComboBox)
    offered = [member.itemText(i) for i in range(member.count())]
    assert offered == ["", OFFICER, DEVELOPER, AUDITOR]  # empty: the audit's default member
    member.setCurrentText(OFFICER)
    dialog.accept()
    assert window.acting.member == OFFICER

    preferences.set_value(MEMBER, "Somebody Else")  # not a member: the default, and no error
    other = open_window(qtbot, team, preferences)
    assert other.acting.member == OFFICER
    assert other.findChild(QMessageBox, "errorMessage") is None


def test_the_window_comes_back_as_it_was_left(
    qtbot: QtBot, team: Workspace, preferences: Preferences
) -> None:
    first = open_window(qtbot, team, preferences)
    first.resize(720, 540)  # within the offscreen screen (800×600); its minimum width may win
    first.work.setSizes([300, 500])
    left = (first.width(), first.height())
    sizes = first.work.sizes()
    assert left != (1280, 820)  # the size a new window starts with
    first.close()

    second = open_window(qtbot, team, preferences)
    assert (second.width(), second.height()) == left
    assert second.work.sizes() == sizes


@pytest.fixture
def restore_look(qapp: QApplication) -> Iterator[None]:
    style = qapp.style().name()
    yield
    qapp.setStyle(style)
    qapp.setPalette(QPalette())


def test_dark_and_light(
    qtbot: QtBot, restore_look: None, officer_window: MainWindow, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for scheme, dark in ((Qt.ColorScheme.Dark, True), (Qt.ColorScheme.Light, False)):
        apply_theme(app, scheme)
        assert app.style().name().lower() == "fusion"
        assert is_dark(app.palette()) is dark
        qtbot.wait(50)  # widgets hear of the new palette through events
        shot = tmp_path / f"window-{scheme.name}.png"
        assert officer_window.grab().save(str(shot))
        image = QImage(str(shot))
        middle = image.pixelColor(image.width() // 2, image.height() - 40)
        assert (middle.lightness() < 128) is dark


def test_preferences_read_what_ini_files_hold(preferences: Preferences) -> None:
    store = preferences.store
    store.setValue(ONLINE_SOURCES, "true")
    store.setValue(MAX_AGE_DAYS, "100000")
    store.setValue(EVIDENCE_CAP_MB, "lots")
    assert preferences.online_sources is True
    assert preferences.max_age_days == 365  # clamped to the declared range
    assert preferences.number(EVIDENCE_CAP_MB) == 200  # unreadable: the default
    assert preferences.workspace_settings({}).evidence_max_bytes == 200 * 1024 * 1024
    assert preferences.workspace_settings({"AUDITAPP_EVIDENCE_CAP_MB": "2"}).evidence_max_bytes == (
        2 * 1024 * 1024
    )


def test_the_database_url_setting_is_used_at_start(
    qapp: QApplication, restore_look: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path))
    try:
        not_a_db = tmp_path / "notes.sqlite3"
        not_a_db.write_text("just some text, not a database\n")
        user = Preferences.for_user()
        user.set_value(DATABASE_URL, f"sqlite:///{not_a_db}")
        user.sync()
        shown: list[str] = []
        monkeypatch.setattr(
            QMessageBox, "critical", lambda parent, title, text, *a: shown.append(text)
        )
        assert run_gui(None, audit=None, member=None) == 2
        assert len(shown) == 1 and "notes.sqlite3" in shown[0]
    finally:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, home)
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, home)
