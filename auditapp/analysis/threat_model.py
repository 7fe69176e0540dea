"""The words of the threat model: STRIDE categories, element kinds, levels, and one generated
threat with its stable fingerprint."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum


class Stride(StrEnum):
    """The six STRIDE categories; each names the property an attack on it violates."""

    SPOOFING = "spoofing"  # authenticity
    TAMPERING = "tampering"  # integrity
    REPUDIATION = "repudiation"  # non-repudiation
    INFORMATION_DISCLOSURE = "information-disclosure"  # confidentiality
    DENIAL_OF_SERVICE = "denial-of-service"  # availability
    ELEVATION_OF_PRIVILEGE = "elevation-of-privilege"  # authorization

    @property
    def letter(self) -> str:
        return self.value[0].upper()

    @classmethod
    def parse(cls, text: str) -> Stride:
        """A category by its letter (S, T, R, I, D, E) or its name, with spaces, hyphens or
        underscores."""
        wanted = "-".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
        for category in cls:
            if wanted in (category.value, category.letter.lower()):
                return category
        names = ", ".join(f"{c.letter} ({c.value})" for c in cls)
        raise ValueError(f"unknown STRIDE category {text!r}: choose one of {names}")


class ElementKind(StrEnum):
    EXTERNAL_ENTITY = "external-entity"  # a zone: the internet, end users, a processor ...
    PROCESS = "process"  # a component that runs
    DATA_STORE = "data-store"  # a component that keeps sensitive data or logs
    DATA_FLOW = "data-flow"  # a declared flow
    RUNTIME = "shared-runtime"  # a host that several components share
    OTHER = "other"  # what people name in a threat of their own: a registry, a pipeline ...


LEVELS = ("low", "medium", "high")


class ThreatStatus(StrEnum):
    """Where the team is with a threat (Threagile's risk-tracking states)."""

    UNCHECKED = "unchecked"
    IN_DISCUSSION = "in-discussion"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in-progress"
    MITIGATED = "mitigated"
    FALSE_POSITIVE = "false-positive"

    @classmethod
    def parse(cls, text: str) -> ThreatStatus:
        """A status as the CLI writes it (in-discussion) or as people say it (in discussion)."""
        wanted = "-".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
        try:
            return cls(wanted)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown threat status {text!r}: choose one of {names}") from None


# STRIDE-per-element (Threat Dragon's table; Shostack adds R to a store only when it keeps logs).
STRIDE_PER_ELEMENT: dict[ElementKind, tuple[Stride, ...]] = {
    ElementKind.EXTERNAL_ENTITY: (Stride.SPOOFING, Stride.REPUDIATION),
    ElementKind.PROCESS: tuple(Stride),
    ElementKind.DATA_STORE: (
        Stride.TAMPERING,
        Stride.INFORMATION_DISCLOSURE,
        Stride.DENIAL_OF_SERVICE,
    ),
    ElementKind.DATA_FLOW: (
        Stride.TAMPERING,
        Stride.INFORMATION_DISCLOSURE,
        Stride.DENIAL_OF_SERVICE,
    ),
}


def fingerprint(rule: str, element: str, category: Stride) -> str:
    """What makes a generated threat the same one on the next run: its rule, element and
    category (never its wording or levels, which may change)."""
    return hashlib.sha256(f"{rule}\x1f{element}\x1f{category.value}".encode()).hexdigest()


@dataclass(frozen=True)
class GeneratedThreat:
    """One threat the rules derived from the deployment.

    `components` are the components it concerns (to link their findings); `finding_rules`
    the analysis rules whose findings are evidence for it; `items` checklist item keys.
    """

    rule: str
    element: str
    element_kind: ElementKind
    category: Stride
    title: str
    description: str
    actors: tuple[str, ...]
    likelihood: str
    impact: str
    mitigation: str
    items: tuple[str, ...]
    finding_rules: tuple[str, ...] = ()
    components: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule, self.element, self.category)


def raised(level: str, steps: int = 1) -> str:
    """A level moved up (or down, with negative steps) within low/medium/high."""
    index = min(max(LEVELS.index(level) + steps, 0), len(LEVELS) - 1)
    return LEVELS[index]
