"""Catalogues of the controls a checklist cites: PCI DSS requirements and CIS Docker checks."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from auditapp.checklist.definition import Checklist, ChecklistError
from auditapp.resources import resource_path


@dataclass(frozen=True)
class Control:
    id: str
    title: str


@dataclass(frozen=True)
class Catalogue:
    id: str
    title: str
    version: str
    controls: dict[str, Control]

    def title_of(self, control_id: str) -> str:
        control = self.controls.get(control_id)
        return control.title if control else ""


@cache
def pci_requirements() -> Catalogue:
    return _load("pci-dss-4.0.1.toml", "standard", "requirements", "number")


@cache
def cis_controls() -> Catalogue:
    return _load("cis-docker-1.6.0.toml", "benchmark", "controls", "id")


def unknown_references(checklist: Checklist) -> list[str]:
    """Every reference in `checklist` that its catalogues do not know, as 'item: ref'."""
    pci, cis = pci_requirements().controls, cis_controls().controls
    problems = []
    for item in checklist.items():
        problems += [f"{item.key}: PCI DSS {n}" for n in item.pci if n not in pci]
        problems += [f"{item.key}: CIS {c}" for c in item.cis if c not in cis]
    return problems


def _load(name: str, head_key: str, list_key: str, id_key: str) -> Catalogue:
    path = resource_path("controls", name)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        head = raw[head_key]
        controls = {
            str(entry[id_key]): Control(str(entry[id_key]), str(entry["title"]))
            for entry in raw[list_key]
        }
        return Catalogue(str(head["id"]), str(head["title"]), str(head["version"]), controls)
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as error:
        raise ChecklistError(f"cannot read control catalogue {path}: {error}") from error
