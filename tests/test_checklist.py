"""The shipped checklist content, and how the loader treats a broken checklist file."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditapp.checklist import ChecklistError, load_checklist, parse_checklist
from auditapp.checklist.controls import cis_controls, pci_requirements, unknown_references

SECTION_KEYS = [
    "profile",
    "network",
    "topology",
    "dependencies",
    "threats",
    "lateral",
    "monitoring",
]


def test_shipped_checklist_shape() -> None:
    checklist = load_checklist()
    assert checklist.pci_dss_version == "4.0.1"
    assert "v1.6.0" in checklist.cis_benchmark
    assert [s.key for s in checklist.sections] == SECTION_KEYS
    assert all(len(s.items) >= 5 for s in checklist.sections)
    assert len(checklist.items()) >= 45
    keys = [i.key for i in checklist.items()]
    assert len(keys) == len(set(keys))


def test_every_reference_is_a_known_control() -> None:
    assert unknown_references(load_checklist()) == []


def test_catalogues_cover_the_benchmark_sections_we_check() -> None:
    cis = cis_controls().controls
    assert {f"2.{n}" for n in range(1, 19)} <= cis.keys()
    assert {f"4.{n}" for n in range(1, 13)} <= cis.keys()
    assert {f"5.{n}" for n in range(1, 33)} <= cis.keys()
    assert {"1.4.4", "2.2.3", "6.3.1", "6.3.2", "12.3.4"} <= pci_requirements().controls.keys()


def test_items_have_guidance_and_most_expect_evidence() -> None:
    items = load_checklist().items()
    assert all(len(i.guidance) > 100 for i in items)
    assert sum(i.expects_evidence for i in items) >= len(items) * 0.8


GOOD_ITEM = """
[[sections.items]]
key = "{key}"
question = "Q?"
guidance = "G."
pci = [{pci}]
cis = [{cis}]
evidence = []
rules = []
"""

HEAD = """
[checklist]
id = "t"
title = "T"
version = "1"
pci_dss_version = "4.0.1"
cis_benchmark = "CIS Docker Benchmark v1.6.0"

[[sections]]
number = {number}
key = "profile"
title = "Profile"
"""


def _write(
    tmp_path: Path,
    *,
    key: str = "profile.a",
    pci: str = '"2.2.1"',
    cis: str = "",
    number: int = 1,
    extra: str = "",
) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(
        HEAD.format(number=number) + GOOD_ITEM.format(key=key, pci=pci, cis=cis) + extra
    )
    return path


def test_a_good_minimal_file_parses(tmp_path: Path) -> None:
    checklist = parse_checklist(_write(tmp_path))
    assert [i.key for i in checklist.items()] == ["profile.a"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "network.a"}, "must look like profile.some_name"),
        ({"key": "profile.Bad-Key"}, "must look like"),
        ({"pci": ""}, "cites no PCI DSS requirement"),
        ({"pci": '"Req 2"'}, "not a PCI DSS requirement number"),
        ({"cis": '"five"'}, "not a CIS Docker Benchmark id"),
        ({"number": 2}, "numbered 1..1"),
        ({"extra": GOOD_ITEM.format(key="profile.a", pci='"2.2.1"', cis="")}, "used twice"),
    ],
)
def test_bad_checklists_name_file_and_fault(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    path = _write(tmp_path, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_an_empty_section(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(HEAD.format(number=1))
    with pytest.raises(ChecklistError, match="no items"):
        parse_checklist(path)


def test_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"\xff\xfe not toml [[[")
    with pytest.raises(ChecklistError, match="cannot read checklist"):
        parse_checklist(path)
