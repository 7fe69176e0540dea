"""What a collect reads: the Docker Engine (or images from it), image archives, compose files.

The form only gathers choices; `request()` turns them into the service's CollectRequest.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStringListModel, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from auditapp.services.gather import CollectRequest

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
ARCHIVE_FILTER = "Image archives (*.tar *.tar.gz *.tgz *.oci);;All files (*)"
COMPOSE_FILTER = "Compose files (*.yml *.yaml);;All files (*)"
_MANY = QFileDialog.FileMode.ExistingFiles


class PathList(QWidget):
    """A list of chosen files (and folders) with Add and Remove buttons."""

    changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QStringListModel(self)
        self.view = QListView()
        self.view.setObjectName(f"{name}List")
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setMinimumHeight(self.fontMetrics().lineSpacing() * 3 + 8)
        self.remove = QPushButton("Remove")
        self.remove.setObjectName(f"{name}Remove")
        self.remove.setAccessibleName("Remove the selected entries")
        self.remove.clicked.connect(self._remove_selected)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.view)
        delete.activated.connect(self._remove_selected)
        self.buttons = QVBoxLayout()
        self.buttons.setContentsMargins(0, 0, 0, 0)
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.remove)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(self.buttons)
        self.model.rowsInserted.connect(self.changed)
        self.model.rowsRemoved.connect(self.changed)

    def add_button(self, button: QPushButton) -> None:
        self.buttons.insertWidget(self.buttons.count() - 2, button)

    def add(self, paths: list[str]) -> None:
        known = self.model.stringList()
        for path in paths:
            if path and path not in known:
                known.append(path)
        self.model.setStringList(known)
        self.changed.emit()

    def paths(self) -> tuple[Path, ...]:
        return tuple(Path(p) for p in self.model.stringList())

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.view.selectedIndexes()}, reverse=True)
        for row in rows:
            self.model.removeRow(row)


class CollectSourcesForm(QWidget):
    """Emits `changed` when the choices change (the dialog enables Collect when there are any).

    File dialogs open without blocking; the last one stays in `file_dialog` (tests drive it).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.file_dialog: QFileDialog | None = None

        self.docker_host = QLineEdit(os.environ.get("DOCKER_HOST", ""))
        self.docker_host.setObjectName("dockerHost")
        self.docker_host.setAccessibleName("DOCKER_HOST")
        self.docker_host.setPlaceholderText(f"{DEFAULT_SOCKET} (the local socket)")
        self.docker_host.setToolTip(
            "Where the Docker Engine listens, as DOCKER_HOST names it; leave empty for the "
            "local socket. Used for the whole engine and for images by reference."
        )
        self.engine = QCheckBox("The whole engine: daemon, images, containers, networks, volumes")
        self.engine.setObjectName("collectEngine")
        self.daemon_config = self._path_field("daemonConfig", "daemon.json (optional)")
        self.daemon_browse = self._browse_button(
            "Browse…", "Choose the daemon.json", self.daemon_config, "JSON (*.json);;All (*)"
        )
        self.images = QPlainTextEdit()
        self.images.setObjectName("imageReferences")
        self.images.setAccessibleName("Image references")
        self.images.setPlaceholderText("One image reference per line, e.g. shop/api:1.4")
        self.images.setTabChangesFocus(True)
        self.images.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        engine_box = QGroupBox("Docker &Engine")
        engine_form = QFormLayout(engine_box)
        engine_form.addRow("DOCKER_HOST", self.docker_host)
        engine_form.addRow("", self.engine)
        engine_form.addRow("daemon.json", _row(self.daemon_config, self.daemon_browse))
        engine_form.addRow("Images", self.images)

        self.archives = PathList("archives")
        self.archives.view.setAccessibleName("Image archives to collect")
        self._add_picker(
            self.archives, "addArchives", "Add file&s…", "Choose image archives", ARCHIVE_FILTER
        )
        self._add_picker(
            self.archives, "addLayout", "Add f&older…", "Choose an OCI layout folder", None
        )
        archive_box = QGroupBox("Image &archives (docker save, OCI)")
        QVBoxLayout(archive_box).addWidget(self.archives)

        self.compose = PathList("compose")
        self.compose.view.setAccessibleName("Compose files to collect")
        self._add_picker(
            self.compose, "addCompose", "Add compose &file…", "Choose compose files", COMPOSE_FILTER
        )
        self.env_file = self._path_field("composeEnvFile", ".env (optional)")
        env_browse = self._browse_button("Browse…", "Choose the env file", self.env_file, None)
        self.profiles = QLineEdit()
        self.profiles.setObjectName("composeProfiles")
        self.profiles.setAccessibleName("Compose profiles")
        self.profiles.setPlaceholderText("Comma-separated, e.g. debug, payments")
        compose_box = QGroupBox("Com&pose files")
        compose_form = QFormLayout(compose_box)
        compose_form.addRow(self.compose)
        compose_form.addRow("Env file", _row(self.env_file, env_browse))
        compose_form.addRow("Profiles", self.profiles)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(engine_box)
        layout.addWidget(archive_box)
        layout.addWidget(compose_box)
        self.engine.toggled.connect(self._engine_toggled)
        self.images.textChanged.connect(self.changed)
        self.archives.changed.connect(self.changed)
        self.compose.changed.connect(self.changed)
        self._engine_toggled(False)

    def request(self) -> CollectRequest:
        env_file = self.env_file.text().strip()
        daemon = self.daemon_config.text().strip()
        return CollectRequest(
            engine=self.engine.isChecked(),
            images=tuple(self.image_references()),
            archives=self.archives.paths(),
            compose=self.compose.paths(),
            compose_env_file=Path(env_file) if env_file and self.compose.paths() else None,
            profiles=tuple(p.strip() for p in self.profiles.text().split(",") if p.strip()),
            daemon_config=Path(daemon) if daemon and self.engine.isChecked() else None,
        )

    def image_references(self) -> list[str]:
        return [line.strip() for line in self.images.toPlainText().splitlines() if line.strip()]

    def uses_engine(self) -> bool:
        return self.engine.isChecked() or bool(self.image_references())

    def apply_docker_host(self) -> None:
        """Point the docker client at the engine shown (it reads DOCKER_HOST, as the CLI does).

        Set for the whole process: later collects from this window use the same engine."""
        wanted = self.docker_host.text().strip()
        if wanted:
            os.environ["DOCKER_HOST"] = wanted
        else:
            os.environ.pop("DOCKER_HOST", None)

    # -- building --------------------------------------------------------------------------

    def _engine_toggled(self, on: bool) -> None:
        self.daemon_config.setEnabled(on)
        self.daemon_browse.setEnabled(on)
        self.changed.emit()

    def _path_field(self, name: str, placeholder: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setAccessibleName(placeholder)
        field.setPlaceholderText(placeholder)
        field.setClearButtonEnabled(True)
        return field

    def _browse_button(
        self, text: str, title: str, field: QLineEdit, name_filter: str | None
    ) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(title)

        def chosen(paths: list[str]) -> None:
            field.setText(paths[0])

        mode = QFileDialog.FileMode.ExistingFile
        button.clicked.connect(lambda: self._pick(title, name_filter, mode, chosen))
        return button

    def _add_picker(
        self, target: PathList, name: str, text: str, title: str, name_filter: str | None
    ) -> None:
        """A button beside `target` adding files to it (or, without a filter, a folder)."""
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(title)
        # no filter: an OCI layout, which is a folder
        mode = QFileDialog.FileMode.Directory if name_filter is None else _MANY
        button.clicked.connect(lambda: self._pick(title, name_filter, mode, target.add))
        target.add_button(button)

    def _pick(
        self,
        title: str,
        name_filter: str | None,
        mode: QFileDialog.FileMode,
        chosen: Callable[[list[str]], None],
    ) -> None:
        """Opens a file dialog that does not block; `chosen` gets what was picked."""
        dialog = QFileDialog(self, title)
        dialog.setObjectName("collectFileDialog")
        dialog.setFileMode(mode)
        if mode == QFileDialog.FileMode.Directory:
            dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        if name_filter:
            dialog.setNameFilter(name_filter)
        dialog.filesSelected.connect(chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()


def _row(field: QWidget, button: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(field, 1)
    layout.addWidget(button)
    return row
