"""Threat actors: the profile the threat model uses, the STIX 2.1 vocabularies it is written in,
and the catalogue shipped in resources/threats/actors.toml."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from auditapp.errors import AuditappError
from auditapp.resources import resource_path

# STIX 2.1 open vocabularies (OASIS STIX 2.1, section 10).
THREAT_ACTOR_TYPES = (
    "activist",
    "competitor",
    "crime-syndicate",
    "criminal",
    "hacker",
    "insider-accidental",
    "insider-disgruntled",
    "nation-state",
    "sensationalist",
    "spy",
    "terrorist",
    "unknown",
)
MOTIVATIONS = (
    "accidental",
    "coercion",
    "dominance",
    "ideology",
    "notoriety",
    "organizational-gain",
    "personal-gain",
    "personal-satisfaction",
    "revenge",
    "unpredictable",
)
SOPHISTICATION = (
    "none",
    "minimal",
    "intermediate",
    "advanced",
    "expert",
    "innovator",
    "strategic",
)
RESOURCE_LEVELS = ("individual", "club", "contest", "team", "organization", "government")

KIND = re.compile(r"^[a-z][a-z0-9-]{0,59}$")  # fits threat_actor.kind (60)
DESCRIPTION_LIMIT = 4000


class ThreatModelError(AuditappError):
    """Threat-model data (the actor catalogue, an actor or threat value) that cannot be used."""


@dataclass(frozen=True)
class ActorProfile:
    """One threat actor. `motivations` lists the primary motivation first."""

    kind: str
    name: str
    stix_type: str
    motivations: tuple[str, ...]
    sophistication: str
    resources: str
    description: str


def actor_problems(actor: ActorProfile) -> list[str]:
    """What is wrong with an actor's values, in words a person can act on; [] when fine.
    Empty STIX fields are allowed: a team's own actor may leave them open."""
    problems = []
    if not KIND.match(actor.kind):
        problems.append(
            f"kind {actor.kind!r} must be lower case letters, digits and hyphens "
            "(up to 60, starting with a letter)"
        )
    if not actor.name.strip() or len(actor.name) > 200:
        problems.append("the name must be 1 to 200 characters")
    checks: list[tuple[str, Iterable[str], tuple[str, ...]]] = [
        ("threat-actor type", [actor.stix_type] if actor.stix_type else [], THREAT_ACTOR_TYPES),
        ("motivation", actor.motivations, MOTIVATIONS),
        ("sophistication", [actor.sophistication] if actor.sophistication else [], SOPHISTICATION),
        ("resource level", [actor.resources] if actor.resources else [], RESOURCE_LEVELS),
    ]
    for what, values, vocabulary in checks:
        problems += [
            f"unknown STIX {what} {value!r}: choose from {', '.join(vocabulary)}"
            for value in values
            if value not in vocabulary
        ]
    if len(actor.description) > DESCRIPTION_LIMIT:
        problems.append(f"the description is longer than {DESCRIPTION_LIMIT} characters")
    return problems


@cache
def shipped_actors() -> tuple[ActorProfile, ...]:
    """The catalogue shipped with auditapp, read once."""
    return load_actors(resource_path("threats", "actors.toml"))


def load_actors(path: Path) -> tuple[ActorProfile, ...]:
    """Actors from a catalogue file; any malformed entry is a ThreatModelError naming the file
    and the entry, so a broken catalogue is never half used."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ThreatModelError(f"cannot read actor catalogue {path}: {error}") from error
    entries = raw.get("actor")
    if not isinstance(entries, list) or not entries:
        raise ThreatModelError(f"actor catalogue {path} has no [[actor]] entries")
    actors: list[ActorProfile] = []
    for number, entry in enumerate(entries, 1):
        actor = _actor(entry)
        problems = ["not a table"] if actor is None else actor_problems(actor)
        if actor is not None and any(a.kind == actor.kind for a in actors):
            problems.append(f"kind {actor.kind!r} appears twice")
        if problems:
            raise ThreatModelError(f"actor #{number} in {path}: {'; '.join(problems)}")
        assert actor is not None
        actors.append(actor)
    return tuple(actors)


def _actor(entry: Any) -> ActorProfile | None:
    if not isinstance(entry, Mapping):
        return None
    listed = entry.get("motivations", [])
    # a value of the wrong shape stays visible, so actor_problems names it
    motivations = tuple(_text(m) or repr(m) for m in listed) if isinstance(listed, list) else ()
    if not isinstance(listed, list):
        motivations = (repr(listed),)
    return ActorProfile(
        kind=_text(entry.get("kind")),
        name=_text(entry.get("name")),
        stix_type=_text(entry.get("stix_type")),
        motivations=motivations,
        sophistication=_text(entry.get("sophistication")),
        resources=_text(entry.get("resources")),
        description=" ".join(_text(entry.get("description")).split()),
    )


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
