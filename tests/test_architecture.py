"""The import contracts must name every part of the package, or new code escapes them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import auditapp

ROOT = Path(__file__).resolve().parents[1]
FACES = {"auditapp.gui", "auditapp.cli", "auditapp.__main__"}


def test_every_module_below_the_faces_is_under_both_contracts() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    package = Path(auditapp.__file__).parent
    parts = {
        f"auditapp.{p.stem if p.suffix == '.py' else p.name}"
        for p in package.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    } - FACES
    for contract in contracts:
        if contract["type"] == "forbidden":
            assert parts <= set(contract["source_modules"]), (
                contract["name"],
                sorted(parts - set(contract["source_modules"])),
            )
