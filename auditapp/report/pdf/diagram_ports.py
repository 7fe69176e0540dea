"""A component's box in the network diagram: its name, image, the ports it publishes as pills
(every interface in solid red, since that is what the internet sees) and the networks its place
in the bands does not show."""

from __future__ import annotations

from auditapp.report.pdf.diagram_layout import Box
from auditapp.report.pdf.diagram_network_model import Node, Port
from auditapp.report.pdf.diagram_nodes import NodeStyle
from auditapp.report.pdf.diagram_shapes import HOST, INK, MUTED, ORANGE, RED, WHITE, Sheet
from auditapp.report.pdf.diagram_text import Fitted, fit

MAX_PORTS = 3
PILL_H = 9.0
PILL_GAP = 1.5
PAD = 4.0


def _texts(sheet: Sheet, node: Node, w: float) -> tuple[Fitted, ...]:
    f = sheet.fonts
    room = w - 6
    found = [
        fit(node.name, f.bold, room, size=7.5, floor=5.5, max_lines=2, fallbacks=sheet.fallbacks)
    ]
    if node.image:
        found.append(
            fit(
                node.image,
                f.regular,
                room,
                size=5.5,
                floor=5,
                max_lines=1,
                fallbacks=sheet.fallbacks,
            )
        )
    return tuple(found)


def _extra(sheet: Sheet, w: float, extras: list[str]) -> Fitted | None:
    if not extras:
        return None
    return fit(
        f"also on {', '.join(extras)}",
        sheet.fonts.regular,
        w - 6,
        size=5.5,
        floor=5,
        max_lines=2,
        fallbacks=sheet.fallbacks,
    )


def _shown(node: Node) -> tuple[tuple[Port, ...], int]:
    ports = node.ports
    if len(ports) <= MAX_PORTS:
        return ports, 0
    return ports[: MAX_PORTS - 1], len(ports) - (MAX_PORTS - 1)


def _content(sheet: Sheet, node: Node, w: float, extras: list[str]) -> float:
    ports, more = _shown(node)
    height = sum(t.height for t in _texts(sheet, node, w))
    height += len(ports) * (PILL_H + PILL_GAP) + (PILL_H if more else 0)
    extra = _extra(sheet, w, extras)
    return height + (extra.height + 1 if extra else 0)


def node_height(sheet: Sheet, node: Node, w: float, extras: list[str]) -> float:
    return max(2 * PAD + _content(sheet, node, w, extras), 30.0)


def port_box(sheet: Sheet, box: Box, node: Node, extras: list[str], style: NodeStyle) -> None:
    sheet.rect(
        box.x,
        box.y,
        box.w,
        box.h,
        rx=style.radius,
        ry=style.radius,
        fillColor=style.fill,
        strokeColor=style.stroke,
        strokeWidth=style.stroke_width,
    )
    texts = _texts(sheet, node, box.w)
    cx = box.x + box.w / 2
    # A box as tall as the tallest in its row keeps its own content in the middle.
    y = box.y + (box.h - _content(sheet, node, box.w, extras)) / 2
    y = sheet.lines(cx, y, texts[0], INK, "middle")
    if len(texts) > 1:
        y = sheet.lines(cx, y, texts[1], MUTED, "middle")
    ports, more = _shown(node)
    for port in ports:
        _pill(sheet, box.x + 3, y + PILL_GAP, box.w - 6, port)
        y += PILL_H + PILL_GAP
    if more:
        sheet.text(
            cx, y + PILL_H - 2, f"+{more} more published", sheet.fonts.regular, 5.5, MUTED, "middle"
        )
        y += PILL_H
    extra = _extra(sheet, box.w, extras)
    if extra is not None:
        sheet.lines(cx, y + 1, extra, MUTED, "middle")


_PILLS = {
    # reach: (fill, stroke, text)
    "all-interfaces": (RED, RED, WHITE),
    "host-network": (RED, RED, WHITE),
    "host-ip": (WHITE, ORANGE, ORANGE),
    "loopback": (WHITE, HOST, HOST),
}


def _pill(sheet: Sheet, x: float, y: float, w: float, port: Port) -> None:
    fill, stroke, ink = _PILLS.get(port.reach, (WHITE, HOST, HOST))
    text = port.text
    dash = None
    if port.internal:
        # Docker does not publish a port on a workload that only has internal networks.
        fill, stroke, ink, dash = WHITE, MUTED, MUTED, (2, 1.5)
        text += " (not published)"
    sheet.rect(
        x,
        y,
        w,
        PILL_H,
        rx=PILL_H / 2,
        ry=PILL_H / 2,
        fillColor=fill,
        strokeColor=stroke,
        strokeWidth=0.6,
        strokeDashArray=dash,
    )
    bold = port.reach in ("all-interfaces", "host-network") and not port.internal
    fitted = fit(
        text,
        sheet.fonts.bold if bold else sheet.fonts.regular,
        w - 6,
        size=5.8,
        floor=4.5,
        max_lines=1,
        fallbacks=sheet.fallbacks,
    )
    sheet.text(
        x + w / 2, y + PILL_H - 2.6, fitted.lines[0], fitted.font, fitted.size, ink, "middle"
    )
