"""The look: the Fusion style everywhere, light or dark as the platform says, and icons from
the desktop's theme with the style's own (multi-resolution) icons as the fallback."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyle

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

_DARK: dict[Role, str] = {
    Role.Window: "#2b2b2e",
    Role.WindowText: "#e6e6e6",
    Role.Base: "#1f1f22",
    Role.AlternateBase: "#28282c",
    Role.ToolTipBase: "#3a3a3f",
    Role.ToolTipText: "#f0f0f0",
    Role.PlaceholderText: "#8e8e94",
    Role.Text: "#e6e6e6",
    Role.Button: "#35353a",
    Role.ButtonText: "#e6e6e6",
    Role.BrightText: "#ff7070",
    Role.Light: "#4a4a50",
    Role.Midlight: "#3e3e44",
    Role.Mid: "#2a2a2e",
    Role.Dark: "#1a1a1d",
    Role.Shadow: "#0c0c0e",
    Role.Highlight: "#2f6fb3",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#73b4ff",
    Role.LinkVisited: "#b39ddb",
}
_DARK_DISABLED: dict[Role, str] = {
    Role.WindowText: "#7c7c82",
    Role.Text: "#7c7c82",
    Role.ButtonText: "#7c7c82",
    Role.Highlight: "#47474d",
    Role.HighlightedText: "#b0b0b0",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role, colour in _DARK_DISABLED.items():
        palette.setColor(Group.Disabled, role, QColor(colour))
    return palette


def is_dark(palette: QPalette) -> bool:
    return palette.color(Role.Window).lightness() < 128


def apply_theme(app: QApplication, scheme: Qt.ColorScheme | None = None) -> None:
    """Fusion, following the platform's colour scheme as it changes; `scheme` forces one
    (for screenshots, or a person who wants dark on a light desktop)."""
    app.setStyle("Fusion")
    if scheme is None:
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(lambda changed: _follow(app, changed))
        scheme = hints.colorScheme()
    _follow(app, scheme)


def _follow(app: QApplication, scheme: Qt.ColorScheme) -> None:
    # An empty palette hands the choice back to the platform theme (which, from Qt 6.5, gives
    # a dark palette on Windows, macOS and the big Linux desktops); only where it reports dark
    # but still paints light do we supply the dark palette ourselves.
    app.setPalette(QPalette())
    if scheme is Qt.ColorScheme.Dark and not is_dark(app.palette()):
        app.setPalette(dark_palette())
    elif scheme is Qt.ColorScheme.Light and is_dark(app.palette()):
        app.setPalette(app.style().standardPalette())


def theme_icon(name: QIcon.ThemeIcon, fallback: QStyle.StandardPixmap) -> QIcon:
    """The desktop's icon (SVG on most Linux desktops), else the style's own: both come in
    several resolutions, so they stay crisp at 200%."""
    icon = QIcon.fromTheme(name)
    if icon.isNull():
        icon = QApplication.style().standardIcon(fallback)
    return icon
