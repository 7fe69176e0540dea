"""Finding shipped resources, from a source tree, an installed wheel or a frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """Return the path of a shipped resource, e.g. ``resource_path("checklists", "x.toml")``.

    PyInstaller unpacks data next to the executable under ``sys._MEIPASS``; everywhere else
    the resources live beside this module.
    """
    frozen_root = getattr(sys, "_MEIPASS", None)
    base = Path(frozen_root, "auditapp", "resources") if frozen_root else Path(__file__).parent
    return base.joinpath(*parts)
