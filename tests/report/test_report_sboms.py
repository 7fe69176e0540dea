"""The package's SBOMs, made for every component from one vulnerability listing, are the very
documents `auditapp sbom` makes one at a time: on the demo audit (real collection, real OSV
matching, VEX dispositions on aliases), and for components without an inventory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditapp.progress import NoProgress
from auditapp.services import components, inventory
from auditapp.services.demo import build_demo
from auditapp.services.errors import NotFoundError
from auditapp.services.report_data import gather
from auditapp.services.report_sboms import component_sboms
from auditapp.services.vulns import list_vulns
from auditapp.services.workspace import Caller, Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path: Path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    ws = Workspace.open(f"sqlite:///{path}")
    build_demo(ws, progress=NoProgress())
    yield ws
    ws.close()


def test_every_sbom_is_the_one_inventory_makes(demo: Workspace) -> None:
    caller = Caller()
    names = [c.name for c in components.list_components(demo, caller)]
    made = component_sboms(demo, caller, [*names, "no-such-component"], list_vulns(demo, caller))
    assert sorted(made) == sorted(names)
    with_vex = 0
    for name in names:
        assert made[name] == inventory.sbom(demo, caller, name), name
        document = json.loads(made[name])
        with_vex += any("analysis" in v for v in document.get("vulnerabilities", []))
    assert with_vex  # the demo's dispositions reach the SBOMs


def test_a_component_without_inventory_has_no_sbom_in_the_package(demo: Workspace) -> None:
    officer = Caller()
    components.add_component(demo, officer, "planned-api", components.ComponentEdit())
    with pytest.raises(NotFoundError):
        inventory.sbom(demo, officer, "planned-api")
    assert "planned-api" not in component_sboms(
        demo, officer, ["planned-api"], list_vulns(demo, officer)
    )
    names = {c.name for c in gather(demo, officer).companions}
    assert "sbom/planned-api.cdx.json" not in names
    assert "sbom/payments.cdx.json" in names
