"""Render auditapp's PNG icons from its SVG sources (run after changing an SVG, commit both).

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py

Small sizes come from their own SVGs, drawn on the pixel grid, because the full mark turns to
mush below 48 px; the rest are rendered from auditapp.svg.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "auditapp" / "resources" / "icons"

# size in pixels -> the SVG drawn for it
SOURCES: dict[int, str] = {
    16: "auditapp-16.svg",
    24: "auditapp-16.svg",
    32: "auditapp-32.svg",
    48: "auditapp.svg",
    64: "auditapp.svg",
    128: "auditapp.svg",
    256: "auditapp.svg",
    512: "auditapp.svg",
}


def png_name(size: int) -> str:
    return f"auditapp-{size}.png"


def render_all(folder: Path = ICONS) -> list[Path]:
    """Write every PNG size into `folder`; return the files written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    written: list[Path] = []
    for size, source in SOURCES.items():
        renderer = QSvgRenderer(str(folder / source))
        if not renderer.isValid():
            raise SystemExit(f"make_icons: {folder / source} is not a valid SVG")
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        target = folder / png_name(size)
        if not image.convertToFormat(QImage.Format.Format_ARGB32).save(str(target)):
            raise SystemExit(f"make_icons: cannot write {target}")
        written.append(target)
    del app
    return written


def main() -> int:
    for path in render_all():
        print(path.relative_to(ICONS.parent.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
