"""The topology's QGraphicsView: zoom with Ctrl+wheel, Ctrl+= and Ctrl+-, fit with Ctrl+0,
drag to pan."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QPainter, QWheelEvent
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

STEP = 1.2
SMALLEST, LARGEST = 0.1, 6.0


class TopologyCanvas(QGraphicsView):
    zoomed = Signal(float)

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setObjectName("topologyCanvas")
        self.setAccessibleName("Topology diagram")
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.zoom_in = self._action("Zoom &in", ("Ctrl+=", "Ctrl++"), lambda: self.zoom(STEP))
        self.zoom_out = self._action("Zoom &out", ("Ctrl+-",), lambda: self.zoom(1 / STEP))
        self.fit = self._action("&Fit", ("Ctrl+0",), self.fit_all)

    @property
    def scale_factor(self) -> float:
        return self.transform().m11()

    def zoom(self, factor: float) -> None:
        wanted = min(max(self.scale_factor * factor, SMALLEST), LARGEST)
        factor = wanted / self.scale_factor
        self.scale(factor, factor)
        self.zoomed.emit(self.scale_factor)

    def fit_all(self) -> None:
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        # Never blow a small diagram up beyond its natural size: text would look coarse.
        if self.scale_factor > 1.0:
            self.resetTransform()
        self.zoomed.emit(self.scale_factor)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(STEP if event.angleDelta().y() > 0 else 1 / STEP)
            event.accept()
        else:
            super().wheelEvent(event)

    def _action(self, text: str, keys: tuple[str, ...], slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        # The window has other views: the keys act only while the topology has focus.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{text.replace('&', '')} ({keys[0]})")
        action.triggered.connect(slot)
        self.addAction(action)
        return action
