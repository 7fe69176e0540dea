"""Packaging: every shipped resource is declared for the wheel and the bundle, found through
resource_path() from source and from a frozen bundle, and the desktop files agree with the icons.

The wheel and the PyInstaller bundle themselves are built and smoke-tested by .ci/package.
"""

from __future__ import annotations

import configparser
import glob
import os
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from auditapp.resources import resource_path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "auditapp"
LINUX = ROOT / "packaging" / "linux"
APP_ID = "io.auditapp.Auditapp"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def shipped_files(folder: Path) -> set[str]:
    """Files below `folder`, relative to the package, as a built package would carry them."""
    return {
        path.relative_to(PACKAGE).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def package_data_matches() -> set[str]:
    """What setuptools puts in the wheel and sdist from pyproject's package-data (it globs
    recursively from the package folder, then drops exclude-package-data's fnmatch patterns)."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    matched = {
        Path(found).as_posix()
        for pattern in setuptools["package-data"]["auditapp"]
        for found in glob.glob(pattern, root_dir=PACKAGE, recursive=True)
        if (PACKAGE / found).is_file()
    }
    excluded = setuptools.get("exclude-package-data", {}).get("auditapp", [])
    return {name for name in matched if not any(Path(name).match(p) for p in excluded)}


def test_every_resource_and_migration_is_package_data() -> None:
    resources = {
        name
        for name in shipped_files(PACKAGE / "resources")
        if name != "resources/__init__.py"  # a module: the package finder ships it
    }
    migrations = shipped_files(PACKAGE / "store" / "migrations")
    assert {"resources/demo/osv", "resources/icons"} <= {str(Path(n).parent) for n in resources}
    assert "store/migrations/env.py" in migrations
    assert sorted((resources | migrations) - package_data_matches()) == []


def test_byte_code_is_not_package_data() -> None:
    assert [name for name in package_data_matches() if name.endswith(".pyc")] == []


def test_every_resource_folder_is_found_from_source() -> None:
    folders = {p.name for p in resource_path().iterdir() if p.is_dir() and p.name != "__pycache__"}
    expected = {"checklists", "controls", "demo", "fonts", "icons", "lifecycle", "seccomp"}
    assert expected | {"templates", "threats"} <= folders
    assert resource_path("checklists", "pci-dss-4.0.1-containers.toml").is_file()
    assert resource_path() == PACKAGE / "resources"


def test_a_frozen_bundle_finds_resources_under_meipass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path("icons", "auditapp.svg") == (
        tmp_path / "auditapp" / "resources" / "icons" / "auditapp.svg"
    )


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_icon_set_has_every_size_rendered() -> None:
    icons = resource_path("icons")
    assert (icons / "auditapp.svg").read_text().lstrip().startswith("<?xml")
    for size in ICON_SIZES:
        assert png_size(icons / f"auditapp-{size}.png") == (size, size)


def test_the_desktop_entry_launches_auditapp_with_our_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read(LINUX / "auditapp.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"].split()[0] == "auditapp"
    assert desktop["Icon"] == APP_ID


def test_the_metainfo_names_the_desktop_entry_and_the_binary() -> None:
    component = ET.parse(LINUX / f"{APP_ID}.metainfo.xml").getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == "auditapp.desktop"
    assert component.findtext("provides/binary") == "auditapp"
    assert (LINUX / "auditapp.desktop").is_file()


def test_the_spec_ships_resources_and_migrations_as_files() -> None:
    spec = (ROOT / "packaging" / "auditapp.spec").read_text()
    assert 'files_under(PACKAGE / "resources"' in spec
    assert 'files_under(PACKAGE / "store" / "migrations", keep_python=True)' in spec


@pytest.mark.gui
def test_the_window_opens_and_closes_itself_for_smoke_tests(
    sqlite_url: str, tmp_path: Path
) -> None:
    """In its own process, as .ci/package runs it: Qt's state stays out of the other tests."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "AUDITAPP_GUI_QUIT_AFTER_MS": "500",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "auditapp", "--db", sqlite_url, "gui"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert "Cannot open file" not in done.stderr  # the window icon was found
