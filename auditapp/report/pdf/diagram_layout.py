"""Layout shared by the diagrams: boxes and where arrows meet them, rows split into an outside
and a cardholder-data side (so that one dashed rectangle can mark the boundary), layers by
distance from the outside world, and labels placed where they hide nothing.

Everything is computed from sorted inputs, so the same deployment always draws the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import networkx as nx  # type: ignore[import-untyped, unused-ignore]

from auditapp.analysis.model import ZONE_PREFIX, Deployment

T = TypeVar("T")
ABBREVIATIONS = {
    "cardholder-data": "CHD",
    "sensitive-authentication-data": "SAD",
    "credentials": "creds",
    "personal-data": "PII",
}
ZONE_LABELS = {
    "internet": "Internet",
    "end-users": "End users",
    "admin-network": "Admin network",
    "payment-processor": "Payment processor",
    "other": "Other zone",
}


def abbreviate(classes: Iterable[str]) -> str:
    """ "CHD, creds" for the data classes a flow or component carries; "none" is left out."""
    return ", ".join(ABBREVIATIONS.get(c, c) for c in classes if c and c != "none")


def zone_label(zone: str) -> str:
    return ZONE_LABELS.get(zone, zone.replace("-", " ").capitalize())


def component_names(d: Deployment) -> list[str]:
    """Every component the deployment knows of: recorded, collected, or named by a flow."""
    names = {c.name for c in d.components} | {w.component or w.name for w in d.workloads}
    names |= {end for f in d.flows for end in (f.source, f.destination)}
    return sorted(n for n in names if n and not n.startswith(ZONE_PREFIX))


@dataclass(frozen=True)
class Box:
    x: float
    y: float  # top, measured downwards
    w: float
    h: float

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def contains(self, point: tuple[float, float]) -> bool:
        return self.x <= point[0] <= self.x + self.w and self.y <= point[1] <= self.bottom

    def grown(self, by: float) -> Box:
        return Box(self.x - by, self.y - by, self.w + 2 * by, self.h + 2 * by)

    def overlap(self, other: Box) -> float:
        dx = min(self.x + self.w, other.x + other.w) - max(self.x, other.x)
        dy = min(self.bottom, other.bottom) - max(self.y, other.y)
        return dx * dy if dx > 0 and dy > 0 else 0.0

    def edge_toward(self, point: tuple[float, float], gap: float = 1.5) -> tuple[float, float]:
        """Where the line from the centre to `point` leaves the box (plus a small gap)."""
        cx, cy = self.center
        dx, dy = point[0] - cx, point[1] - cy
        if dx == 0 and dy == 0:
            return (cx, cy)
        tx = (self.w / 2 + gap) / abs(dx) if dx else math.inf
        ty = (self.h / 2 + gap) / abs(dy) if dy else math.inf
        t = min(tx, ty)
        return (cx + dx * t, cy + dy * t)


def split_columns(groups: Sequence[tuple[int, int]], columns: int) -> int:
    """How many of `columns` go to the outside side when each row group has (outside,
    cardholder-data) members: the split with the fewest rows in all, then the most even."""
    if not any(cde for _, cde in groups):
        return columns
    if not any(out for out, _ in groups):
        return 0
    best: tuple[int, int, int] | None = None
    for left in range(1, columns):
        right = columns - left
        rows = sum(max(_ceil(out, left), _ceil(cde, right)) for out, cde in groups)
        key = (rows, abs(left - right), left)
        if best is None or key < best:
            best = key
    assert best is not None
    return best[2]


def _ceil(n: int, per_row: int) -> int:
    return -(-n // per_row) if n else 0


def rows_of(names: Sequence[T], per_row: int) -> list[list[T]]:
    return [list(names[i : i + per_row]) for i in range(0, len(names), per_row)] if per_row else []


def row_xs(count: int, left: float, columns: int, box_w: float, gap: float) -> list[float]:
    """x of `count` boxes centred in a side `columns` boxes wide starting at `left`."""
    side = columns * box_w + (columns - 1) * gap
    used = count * box_w + (count - 1) * gap
    start = left + (side - used) / 2
    return [start + i * (box_w + gap) for i in range(count)]


def flow_layers(
    zones: Sequence[str],
    components: Sequence[str],
    flows: Iterable[tuple[str, str]],
    entry: Iterable[str],
) -> dict[str, int]:
    """Layer of each node: zones 0; a component one more than its distance along declared
    flows from the zones (internet-facing components are layer 1 at most); components no flow
    reaches take their neighbours' layer plus one, and the unconnected come last."""
    root, facing = "\x00outside", "\x00facing"
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_nodes_from([root, facing, *zones, *components])
    g.add_edge(root, facing)  # stands in for a zone, so internet-facing is layer 1
    for z in zones:
        g.add_edge(root, z)
    for c in sorted(entry):
        g.add_edge(facing, c)
    pairs = sorted(set(flows))
    for source, target in pairs:
        if target not in zones:
            g.add_edge(source, target)
    distance = nx.single_source_shortest_path_length(g, root)
    layer = {z: 0 for z in zones}
    for c in components:
        if c in distance:
            layer[c] = distance[c] - 1
    undirected: nx.Graph[str] = nx.Graph()
    undirected.add_nodes_from(components)
    undirected.add_edges_from((s, t) for s, t in pairs if s in components and t in components)
    pending = [c for c in components if c not in layer]
    while pending:
        near = {c: [layer[n] for n in undirected.neighbors(c) if n in layer] for c in pending}
        placed = {c: min(v) + 1 for c, v in near.items() if v}
        if not placed:
            break
        layer.update(placed)
        pending = [c for c in pending if c not in layer]
    # What nothing from outside reaches: flows among themselves below everything else, in
    # flow order, and the components with no flow at all in a last row of their own.
    base = max(layer.values(), default=0) + 1
    isolated = [c for c in pending if undirected.degree(c) == 0]
    linked = [c for c in pending if c not in isolated]
    inner = g.subgraph(linked)
    for part in sorted(nx.weakly_connected_components(inner), key=min):
        starts = sorted(c for c in part if inner.in_degree(c) == 0) or [min(part)]
        depth = nx.multi_source_dijkstra_path_length(inner, starts)
        for c in part:
            layer[c] = base + depth.get(c, 0)
    last = max(layer.values(), default=0) + 1
    for c in isolated:
        layer[c] = last
    return layer


@dataclass(frozen=True)
class Segment:
    start: tuple[float, float]
    end: tuple[float, float]
    control: tuple[float, float] | None = None  # a curve's control point

    def points(self, n: int = 16) -> list[tuple[float, float]]:
        return [self.at(i / n) for i in range(1, n)]

    def at(self, t: float) -> tuple[float, float]:
        (x0, y0), (x1, y1) = self.start, self.end
        if self.control is None:
            return (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
        cx, cy = self.control
        u = 1 - t
        return (u * u * x0 + 2 * u * t * cx + t * t * x1, u * u * y0 + 2 * u * t * cy + t * t * y1)


_ALONG = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)


class LabelPlacer:
    """Puts each label on its arrow where it overlaps no box and no earlier label, or where it
    overlaps least."""

    def __init__(self, obstacles: Iterable[Box]) -> None:
        self.taken = [b.grown(1) for b in obstacles]

    def place(self, segment: Segment, w: float, h: float) -> Box:
        best: tuple[float, int, Box] | None = None
        for i, t in enumerate(_ALONG):
            x, y = segment.at(t)
            for shift in (0.0, w / 2 + 3, -(w / 2 + 3)):
                box = Box(x - w / 2 + shift, y - h / 2, w, h)
                cost = sum(box.overlap(o) for o in self.taken)
                rank = (cost, i * 3 + (shift != 0), box)
                if best is None or rank[:2] < best[:2]:
                    best = rank
                if cost == 0:
                    break
            if best is not None and best[0] == 0:
                break
        assert best is not None
        self.taken.append(best[2].grown(1))
        return best[2]
