"""Which host each component runs on, and what had to be assumed to say so: the one answer to
"which components share a host" that the reach graph, the topology rules and the threats use.

A host people recorded on the component comes first. Otherwise the evidence may say: every
container collected from a Docker Engine runs on that engine's host (only the latest engine
collection counts, so they come from one engine), named by `docker info`'s Name (else its ID).
A component with neither, a compose service nobody ran on the engine for example, is assumed
to share one host with the others that have neither, and the assumption is said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from auditapp.analysis.daemon_settings import get, text
from auditapp.analysis.model import Deployment

HOST_PREFIX = "host:"
UNRECORDED_HOST = "(unrecorded)"
UNNAMED_ENGINE = "(collected engine)"  # containers were collected, `docker info` was not

Basis = Literal["recorded", "engine", "assumed"]


@dataclass(frozen=True)
class Placement:
    """Where one component runs: `host` is a host's name, `basis` why we say so ("recorded"
    on the component, "engine": its containers came from that engine, "assumed": neither),
    `evidence_id` the daemon's evidence when the engine said."""

    component: str
    host: str
    basis: Basis
    evidence_id: int | None = None

    @property
    def node(self) -> str:
        return host_node(self.host)

    @property
    def assumed(self) -> bool:
        return self.basis == "assumed"

    @property
    def site(self) -> tuple[str, str]:
        """The host as grouping needs it: its node and, for a host with no name of its own
        (assumed, or an engine that gave none), the basis too, so that a host someone recorded
        as "(unrecorded)" is not the assumed one. A host recorded by name and the engine's of
        the same name are one host."""
        nameless = self.assumed or (self.basis == "engine" and self.host == UNNAMED_ENGINE)
        return (self.node, self.basis if nameless else "")


@dataclass(frozen=True)
class Hosts:
    """Each component's placement; `of` maps a component to its host node ("host:h1");
    `assumptions` says what the evidence did not and had to be assumed."""

    placements: Mapping[str, Placement]
    assumptions: tuple[str, ...]

    @cached_property  # the reach graph asks it for every component and mount
    def of(self) -> dict[str, str]:
        return {name: p.node for name, p in self.placements.items()}

    def members(self, host: str) -> list[str]:
        """The components on host node `host`, sorted."""
        return sorted(c for c, p in self.placements.items() if p.node == host)

    def sharing(self, component: str) -> list[str]:
        """The other components on `component`'s host (the same `site`), sorted ([] for an
        unknown component)."""
        placed = self.placements.get(component)
        if placed is None:
            return []
        return sorted(
            c for c, p in self.placements.items() if p.site == placed.site and c != component
        )


def host_node(name: str) -> str:
    return f"{HOST_PREFIX}{name}"


def component_names(d: Deployment) -> list[str]:
    names = {c.name for c in d.components} | {w.component for w in d.workloads}
    return sorted(n for n in names if n)


def engine_host(d: Deployment) -> str:
    """The name of the host the collected engine runs on: `docker info`'s Name, else its ID,
    else UNNAMED_ENGINE; "" when no container was collected from an engine."""
    if not any(w.origin == "container" for w in d.workloads):
        return ""
    info = d.daemon.info if d.daemon is not None else {}
    if name := text(get(info, "Name")):
        return name
    if engine_id := text(get(info, "ID")):
        return f"engine {engine_id}"
    return UNNAMED_ENGINE


def place_on_hosts(d: Deployment) -> Hosts:
    """Every component's host: recorded, else its engine's, else the one assumed shared host."""
    engine = engine_host(d)
    daemon_evidence = d.daemon.evidence_id if d.daemon is not None else None
    recorded = {c.name: c.host for c in d.components if c.host}
    on_engine = {w.component for w in d.workloads if w.origin == "container"} if engine else set()
    placements: dict[str, Placement] = {}
    for name in sorted({*component_names(d), *(c.name for c in d.components)}):
        if name in recorded:
            placements[name] = Placement(name, recorded[name], "recorded")
        elif name in on_engine:
            placements[name] = Placement(name, engine, "engine", daemon_evidence)
        else:
            placements[name] = Placement(name, UNRECORDED_HOST, "assumed")
    unrecorded = [n for n, p in placements.items() if p.assumed]
    if not unrecorded:
        return Hosts(placements, ())
    where = host_node(UNRECORDED_HOST)
    if len(unrecorded) == len(placements):
        said = (
            f"no component has a host recorded: all {len(unrecorded)} are treated as running on "
            f"one host ({where}), so the runtime socket and privileged containers reach every "
            "one of them"
        )
    else:
        verb = "has" if len(unrecorded) == 1 else "have"
        nor = " and no container collected from the engine" if engine else ""
        said = (
            f"{', '.join(unrecorded)} {verb} no host recorded{nor}: treated as sharing one "
            f"host ({where})"
        )
    return Hosts(placements, (said,))
