"""The checklist as data: sections and items loaded from a TOML file in resources/."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from auditapp.errors import AuditappError
from auditapp.resources import resource_path

DEFAULT_CHECKLIST = "pci-dss-4.0.1-containers"

CHECKLIST_ID = re.compile(r"^[a-z0-9][a-z0-9.-]{0,99}$")
ITEM_KEY = re.compile(r"^[a-z]+\.[a-z0-9_]+$")
PCI_NUMBER = re.compile(r"^(A[1-3]\.)?\d+(\.\d+)*$")
CIS_ID = re.compile(r"^\d+\.\d+(\.\d+)?$")


class ChecklistError(AuditappError):
    """A checklist file that cannot be used as it is."""


@dataclass(frozen=True)
class Item:
    key: str
    section: int
    question: str
    guidance: str
    pci: tuple[str, ...]
    cis: tuple[str, ...]
    evidence: tuple[str, ...]
    rules: tuple[str, ...]

    @property
    def expects_evidence(self) -> bool:
        return bool(self.evidence)


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    title: str
    summary: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    version: str
    pci_dss_version: str
    cis_benchmark: str
    sections: tuple[Section, ...]

    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def item(self, key: str) -> Item:
        for item in self.items():
            if item.key == key:
                return item
        raise KeyError(key)

    def section(self, number: int) -> Section:
        for section in self.sections:
            if section.number == number:
                return section
        raise KeyError(number)


@cache
def load_checklist(checklist_id: str = DEFAULT_CHECKLIST) -> Checklist:
    """The shipped checklist with this id (cached: it never changes while we run).

    The id comes from the database, so it is checked before it becomes part of a path.
    """
    if not CHECKLIST_ID.match(checklist_id):
        raise ChecklistError(f"{checklist_id!r} is not a checklist id")
    path = resource_path("checklists", f"{checklist_id}.toml")
    if not path.is_file():
        raise ChecklistError(
            f"this auditapp has no checklist {checklist_id!r}",
            hint="the audit was made with a newer auditapp; upgrade to open it",
        )
    return parse_checklist(path)


def parse_checklist(path: Path) -> Checklist:
    """Read and validate a checklist file; any fault names the file and the item."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ChecklistError(f"cannot read checklist {path}: {error}") from error
    try:
        return _build(raw)
    except (KeyError, TypeError, ValueError) as error:
        raise ChecklistError(f"checklist {path} is invalid: {error}") from error


def _build(raw: dict[str, Any]) -> Checklist:
    head = raw["checklist"]
    sections = tuple(_section(s) for s in raw["sections"])
    numbers = [s.number for s in sections]
    if numbers != list(range(1, len(sections) + 1)):
        raise ValueError(f"sections must be numbered 1..{len(sections)} in order, got {numbers}")
    seen: set[str] = set()
    for item in (i for s in sections for i in s.items):
        if item.key in seen:
            raise ValueError(f"item key {item.key!r} is used twice")
        seen.add(item.key)
    return Checklist(
        id=str(head["id"]),
        title=str(head["title"]),
        version=str(head["version"]),
        pci_dss_version=str(head["pci_dss_version"]),
        cis_benchmark=str(head["cis_benchmark"]),
        sections=sections,
    )


def _section(raw: dict[str, Any]) -> Section:
    number = int(raw["number"])
    key = str(raw["key"])
    items = tuple(_item(i, number, key) for i in raw.get("items", []))
    if not items:
        raise ValueError(f"section {number} ({key}) has no items")
    return Section(number, key, str(raw["title"]), str(raw.get("summary", "")), items)


def _item(raw: dict[str, Any], section: int, section_key: str) -> Item:
    key = str(raw["key"])
    if not ITEM_KEY.match(key) or not key.startswith(section_key + "."):
        raise ValueError(f"item key {key!r} must look like {section_key}.some_name")
    question = str(raw["question"]).strip()
    guidance = str(raw["guidance"]).strip()
    if not question or not guidance:
        raise ValueError(f"item {key} needs a question and guidance")
    pci = _strings(raw, "pci", key)
    if not pci:
        raise ValueError(f"item {key} cites no PCI DSS requirement")
    for number in pci:
        if not PCI_NUMBER.match(number):
            raise ValueError(f"item {key}: {number!r} is not a PCI DSS requirement number")
    cis = _strings(raw, "cis", key)
    for cis_id in cis:
        if not CIS_ID.match(cis_id):
            raise ValueError(f"item {key}: {cis_id!r} is not a CIS Docker Benchmark id")
    return Item(
        key=key,
        section=section,
        question=question,
        guidance=guidance,
        pci=pci,
        cis=cis,
        evidence=_strings(raw, "evidence", key),
        rules=_strings(raw, "rules", key),
    )


def _strings(raw: dict[str, Any], field: str, key: str) -> tuple[str, ...]:
    values = raw.get(field, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"item {key}: {field} must be a list of strings")
    return tuple(values)
