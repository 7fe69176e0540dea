"""A small layered layout for the topology diagram (no Qt here).

Zones sit in a row on top; components in rows by their distance from the zones along declared
flows (then along shared networks); each host gets a band of columns of its own, so that a host
is one rectangle; inside a band the cardholder-data components take the right-hand columns, so
that one dashed rectangle per host marks the CDE boundary without enclosing anything else.
Networks sit in the gap below the highest row of their members. Everything is ordered by name
or by position, so the same deployment always draws the same way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from auditapp.gui.views.topology_model import Topology, TopoNode

NODE_W, NODE_H = 150.0, 54.0
ZONE_W, ZONE_H = 140.0, 40.0
NET_H = 24.0
COLUMN = NODE_W + 36.0
ROW = NODE_H + 96.0  # room below each row for the networks
BAND_GAP = 70.0
HOST_PAD = 22.0
HOST_TITLE = 30.0
TOP = ZONE_H + 70.0  # where the first host band starts


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Layout:
    nodes: dict[str, Rect]
    hosts: dict[str, Rect]  # "" is the band of components with no host recorded
    cde: dict[str, Rect]  # per host: around its cardholder-data components
    width: float
    height: float


def layers(t: Topology) -> dict[str, int]:
    """Row of each component: 0 for those a zone's flow enters (or internet-facing), one more
    per declared flow; then one more than a neighbour on a shared network; the rest last."""
    components = [n.id for n in t.components()]
    flows = [(e.source, e.target) for e in t.edges if e.kind == "flow"]
    layer: dict[str, int] = {}
    frontier = sorted({b for a, b in flows if a.startswith("zone:") and b in components})
    depth = 0
    while frontier:
        for c in frontier:
            layer[c] = depth
        depth += 1
        frontier = sorted({b for a, b in flows if a in frontier and b in components} - set(layer))
    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in flows:
        neighbours[a].add(b)
        neighbours[b].add(a)
    members: dict[str, list[str]] = defaultdict(list)
    for e in t.edges:
        if e.kind == "member":
            members[e.target].append(e.source)
    for group in members.values():
        for c in group:
            neighbours[c].update(m for m in group if m != c)
    pending = [c for c in components if c not in layer]
    while pending:
        placed = {
            c: min(layer[n] for n in neighbours[c] if n in layer) + 1
            for c in pending
            if any(n in layer for n in neighbours[c])
        }
        if not placed:
            break
        layer.update(placed)
        pending = [c for c in pending if c not in layer]
    last = max(layer.values(), default=-1) + 1
    layer.update({c: last for c in pending})
    rows = sorted(set(layer.values()))
    return {c: rows.index(v) for c, v in layer.items()}  # no empty rows


def layout(t: Topology) -> Layout:
    row_of = layers(t)
    components = t.components()
    hosts = sorted({c.host for c in components}, key=lambda h: (h == "", h))
    count = max(row_of.values(), default=-1) + 1
    # cells[host][row] = (outside, cde) components
    cells: dict[str, list[tuple[list[TopoNode], list[TopoNode]]]] = {
        h: [([], []) for _ in range(count)] for h in hosts
    }
    for c in components:
        cells[c.host][row_of[c.id]][1 if c.cde else 0].append(c)
    split = {h: max((len(out) for out, _ in cells[h]), default=0) for h in hosts}
    columns = {
        h: max(1, split[h] + max((len(cde) for _, cde in cells[h]), default=0)) for h in hosts
    }
    left: dict[str, float] = {}
    x = HOST_PAD
    for h in hosts:
        left[h] = x
        x += columns[h] * COLUMN - (COLUMN - NODE_W) + 2 * HOST_PAD + BAND_GAP
    width = max(x - BAND_GAP + HOST_PAD, ZONE_W + 2 * HOST_PAD)

    rects: dict[str, Rect] = {}
    zones = [n for n in t.nodes if n.kind == "zone"]
    zone_pitch = width / max(len(zones), 1)
    for i, z in enumerate(zones):
        rects[z.id] = Rect(zone_pitch * (i + 0.5) - ZONE_W / 2, 0.0, ZONE_W, ZONE_H)
    near = _neighbours(t)
    for row in range(count):
        y = _row_y(row)
        for h in hosts:
            out, cde = cells[h][row]
            base = left[h] + HOST_PAD
            for start, group in ((0, out), (split[h], cde)):
                for i, c in enumerate(_ordered(group, near, rects)):
                    rects[c.id] = Rect(base + (start + i) * COLUMN, y, NODE_W, NODE_H)
    _place_networks(t, rects)

    inside = [r for node_id, r in rects.items() if not node_id.startswith("zone:")]
    bottom = max((r.bottom for r in inside), default=TOP + HOST_TITLE) + HOST_PAD
    host_rects: dict[str, Rect] = {}
    cde_rects: dict[str, Rect] = {}
    for h in hosts:
        band = columns[h] * COLUMN - (COLUMN - NODE_W) + 2 * HOST_PAD
        host_rects[h] = Rect(left[h], TOP, band, bottom - TOP)
        held = [rects[c.id] for c in components if c.host == h and c.cde]
        if held:
            x0 = left[h] + HOST_PAD + split[h] * COLUMN - 12
            x1 = max(r.right for r in held) + 12
            y0 = min(r.y for r in held) - 24
            y1 = max(r.bottom for r in held) + 12
            cde_rects[h] = Rect(x0, y0, x1 - x0, y1 - y0)
    height = max((r.bottom for r in host_rects.values()), default=ZONE_H) + HOST_PAD
    net_right = max((r.right for r in rects.values()), default=0.0) + HOST_PAD
    return Layout(rects, host_rects, cde_rects, max(width, net_right), height)


def edge_toward(rect: Rect, point: tuple[float, float], gap: float = 2.0) -> tuple[float, float]:
    """Where the line from the rectangle's centre to `point` leaves it (plus a small gap)."""
    cx, cy = rect.centre
    dx, dy = point[0] - cx, point[1] - cy
    if dx == 0 and dy == 0:
        return (cx, cy)
    tx = (rect.w / 2 + gap) / abs(dx) if dx else float("inf")
    ty = (rect.h / 2 + gap) / abs(dy) if dy else float("inf")
    t = min(tx, ty)
    return (cx + dx * t, cy + dy * t)


def _row_y(row: int) -> float:
    return TOP + HOST_TITLE + row * ROW


def _neighbours(t: Topology) -> dict[str, set[str]]:
    near: dict[str, set[str]] = defaultdict(set)
    for e in t.edges:
        near[e.source].add(e.target)
        near[e.target].add(e.source)
    members: dict[str, list[str]] = defaultdict(list)
    for e in t.edges:
        if e.kind == "member":
            members[e.target].append(e.source)
    for group in members.values():
        for c in group:
            near[c].update(m for m in group if m != c)
    return near


def _ordered(
    group: list[TopoNode], near: dict[str, set[str]], placed: dict[str, Rect]
) -> list[TopoNode]:
    """Barycentre order: under the mean x of what each connects to above it, then by name."""

    def key(node: TopoNode) -> tuple[float, str]:
        xs = [placed[n].centre[0] for n in sorted(near[node.id]) if n in placed]
        return (sum(xs) / len(xs) if xs else float("inf"), node.id)

    return sorted(group, key=key)


def _place_networks(t: Topology, rects: dict[str, Rect]) -> None:
    """Each network in the gap under its highest member row, centred under its members,
    pushed right where it would overlap the one before."""
    members: dict[str, list[Rect]] = defaultdict(list)
    for e in t.edges:
        if e.kind == "member" and e.source in rects:
            members[e.target].append(rects[e.source])
    gaps: dict[float, list[tuple[float, str, float]]] = defaultdict(list)
    for n in t.nodes:
        if n.kind != "network" or not members[n.id]:
            continue
        on = members[n.id]
        width = max(96.0, 7.2 * len(n.label) + 40)
        centre = sum(r.centre[0] for r in on) / len(on)
        y = min(r.y for r in on) + NODE_H + (ROW - NODE_H) / 2 - NET_H / 2
        gaps[y].append((centre - width / 2, n.id, width))
    for y, wanted in gaps.items():
        edge = float("-inf")
        for x, node_id, width in sorted(wanted):
            x = max(x, edge + 18, 4.0)
            rects[node_id] = Rect(x, y, width, NET_H)
            edge = x + width
