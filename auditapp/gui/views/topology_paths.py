"""The blast radius of one component as a tree for the side panel: each cardholder-data target
with its ranked paths, each path with its steps (`via`) and weaknesses; then what else is in
reach."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from auditapp.analysis.blast import Beachhead, Path, describe_weaknesses
from auditapp.gui.views.topology_scene import severity_colour

PATH_ROLE = Qt.ItemDataRole.UserRole + 1  # "target index,path index" on a path's rows


def _steps(n: int) -> str:
    return f"{n} step{'s' if n != 1 else ''}"


def _item(text: str, tip: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setToolTip(tip or text)
    return item


class BlastPathsModel(QStandardItemModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.head: Beachhead | None = None
        self.setHorizontalHeaderLabels(["Blast radius"])

    def show(self, head: Beachhead | None, assumptions: tuple[str, ...] = ()) -> None:
        self.clear()
        self.setHorizontalHeaderLabels(["Blast radius"])
        self.head = head
        if head is None:
            return
        root = self.invisibleRootItem()
        if not head.targets:
            root.appendRow(_item(f"No path from {head.component} to cardholder data"))
        for t_index, target in enumerate(head.targets):
            more = " (more paths not shown)" if target.capped else ""
            worst = target.best.severity
            top = _item(f"→ {target.component}: {worst}, {_steps(target.best.length)}{more}")
            top.setForeground(severity_colour(worst))
            font = top.font()
            font.setBold(True)
            top.setFont(font)
            for p_index, p in enumerate(target.paths):
                top.appendRow(self._path_row(p, t_index, p_index))
            root.appendRow(top)
        reach = _item(f"Reaches {len(head.reachable)} component(s), {len(head.hosts)} host(s)")
        for r in head.reachable:
            chd = ", holds cardholder data" if r.holds_cardholder_data else ""
            reach.appendRow(_item(f"{r.node} ({_steps(r.steps)}{chd})"))
        for h in head.hosts:
            reach.appendRow(_item(f"{h.node}: control of the host ({_steps(h.steps)})"))
        root.appendRow(reach)
        if head.weaknesses:
            weak = _item(f"Weaknesses of {head.component}")
            for w in head.weaknesses:
                weak.appendRow(_item(w.text, f"{w.kind} (weight {w.weight})"))
            root.appendRow(weak)
        if assumptions:
            assumed = _item("Assumptions")
            for a in assumptions:
                assumed.appendRow(_item(a))
            root.appendRow(assumed)

    def path_of(self, where: object) -> Path | None:
        """The path a row's PATH_ROLE names, if any."""
        if not isinstance(where, str) or self.head is None:
            return None
        t_index, p_index = (int(n) for n in where.split(","))
        return self.path_at(t_index, p_index)

    def path_at(self, t_index: int, p_index: int) -> Path | None:
        if self.head is None or t_index >= len(self.head.targets):
            return None
        paths = self.head.targets[t_index].paths
        return paths[p_index] if p_index < len(paths) else None

    def _path_row(self, p: Path, t_index: int, p_index: int) -> QStandardItem:
        row = _item(
            f"{p.severity}, {_steps(p.length)}: {' → '.join(p.nodes)}",
            f"{p.severity} path, weaknesses score {p.score}: {' → '.join(p.nodes)}",
        )
        row.setForeground(severity_colour(p.severity))
        row.setData(f"{t_index},{p_index}", PATH_ROLE)
        for s in p.steps:
            step = _item(f"→ {s.target} via {s.via}", f"{s.source} → {s.target}: {s.reason}")
            step.setData(f"{t_index},{p_index}", PATH_ROLE)
            row.appendRow(step)
        weak = _item(f"weaknesses: {describe_weaknesses(p)}")
        weak.setForeground(severity_colour("high") if p.weaknesses else weak.foreground())
        weak.setData(f"{t_index},{p_index}", PATH_ROLE)
        row.appendRow(weak)
        return row
