"""New risk per week since sign-off, as bars painted with QPainter (PySide6-Essentials has no
QtCharts). A week without a run is a dashed outline, not a zero: they mean different things."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from auditapp.report.delta_model import DeltaWeek

BAR_COLOUR = QColor("#c62828")
_LEFT, _BOTTOM, _TOP, _RIGHT = 30.0, 22.0, 14.0, 8.0


def axis_top(largest: int) -> tuple[int, int]:
    """The axis's top and step: whole steps, at most four, covering `largest`."""
    if largest <= 0:
        return 1, 1
    step = max(1, -(-largest // 4))
    return step * -(-largest // step), step


def week_text(week: DeltaWeek) -> str:
    when = f"Week of {week.week:%d %b %Y}"
    if not week.runs:
        return f"{when}: no run"
    runs = f"{week.runs} run" + ("s" if week.runs != 1 else "")
    return f"{when}: {week.new} new change{'s' if week.new != 1 else ''} ({runs})"


class TrendChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monitoringTrend")
        self.setAccessibleName("New risk per week")
        self.setMinimumHeight(130)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.weeks: list[DeltaWeek] = []

    def set_weeks(self, weeks: Sequence[DeltaWeek]) -> None:
        self.weeks = list(weeks)
        # what a screen reader says instead of the picture
        self.setAccessibleDescription("; ".join(week_text(w) for w in self.weeks if w.runs))
        self.update()

    def _slots(self) -> list[QRectF]:
        """Each week's column, left to right."""
        width = max(1.0, self.width() - _LEFT - _RIGHT)
        slot = width / max(len(self.weeks), 1)
        height = self.height() - _BOTTOM - _TOP
        return [QRectF(_LEFT + slot * i, _TOP, slot, height) for i in range(len(self.weeks))]

    def week_at(self, point: QPoint) -> DeltaWeek | None:
        for week, slot in zip(self.weeks, self._slots(), strict=True):
            if slot.left() <= point.x() < slot.right():
                return week
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            week = self.week_at(event.pos())
            if week is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), week_text(week), self)
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        grid = palette.color(QPalette.ColorRole.Mid)
        slots = self._slots()
        if not slots:
            painter.setPen(muted)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No runs since sign-off")
            painter.end()
            return
        top, step = axis_top(max(w.new for w in self.weeks))
        plot_bottom = self.height() - _BOTTOM
        plot_height = plot_bottom - _TOP
        font = painter.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        for value in range(0, top + 1, step):
            y = plot_bottom - plot_height * value / top
            painter.setPen(QPen(grid, 0.6))
            painter.drawLine(int(_LEFT), int(y), int(self.width() - _RIGHT), int(y))
            painter.setPen(muted)
            label = QRectF(0, y - 8, _LEFT - 5, 16)
            painter.drawText(label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             str(value))  # fmt: skip
        metrics = painter.fontMetrics()
        room = max(metrics.horizontalAdvance(f"{w.week:%d %b}") for w in self.weeks) + 8
        every = max(1, -(-room // max(int(slots[0].width()), 1)))  # narrow: every n-th label
        for week, slot in zip(self.weeks, slots, strict=True):
            bar_width = min(34.0, slot.width() * 0.6)
            x = slot.center().x() - bar_width / 2
            if not week.runs:
                painter.setPen(QPen(muted, 1, Qt.PenStyle.DotLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(QRectF(x, plot_bottom - 4, bar_width, 4))
            elif week.new:
                height = plot_height * week.new / top
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(BAR_COLOUR)
                painter.drawRect(QRectF(x, plot_bottom - height, bar_width, height))
                painter.setPen(text)
                above = QRectF(slot.left(), plot_bottom - height - 16, slot.width(), 14)
                painter.drawText(above, Qt.AlignmentFlag.AlignCenter, str(week.new))
            else:  # checked, nothing new: a zero that can be seen on the axis
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(text)
                painter.drawRect(QRectF(x, plot_bottom - 2, bar_width, 2))
                painter.setPen(text)
                above = QRectF(slot.left(), plot_bottom - 18, slot.width(), 14)
                painter.drawText(above, Qt.AlignmentFlag.AlignCenter, "0")
            painter.setPen(muted)
            when = f"{week.week:%d %b}"
            if (len(self.weeks) - 1 - slots.index(slot)) % every == 0:  # the latest always
                below = QRectF(slot.center().x() - room / 2, plot_bottom + 3, room, _BOTTOM - 4)
                painter.drawText(below, Qt.AlignmentFlag.AlignHCenter, when)
        painter.end()
