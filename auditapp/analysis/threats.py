"""The threat model as a pure function of the deployment: STRIDE-per-element threats for every
element of the data-flow diagram, plus the container-specific ones, and the actor catalogue.

`generate_threats` never reads the database; the service stores its result and keeps what
people decided about each threat across runs (see services/threats.py).
"""

from __future__ import annotations

from auditapp.analysis.model import Deployment
from auditapp.analysis.threat_actors import (
    ActorProfile,
    ThreatModelError,
    actor_problems,
    shipped_actors,
)
from auditapp.analysis.threat_container import container_threats
from auditapp.analysis.threat_elements import SystemModel, system_model
from auditapp.analysis.threat_model import (
    LEVELS,
    ElementKind,
    GeneratedThreat,
    Stride,
    ThreatStatus,
    fingerprint,
)
from auditapp.analysis.threat_stride import stride_threats

__all__ = [
    "LEVELS",
    "ActorProfile",
    "ElementKind",
    "GeneratedThreat",
    "Stride",
    "SystemModel",
    "ThreatModelError",
    "ThreatStatus",
    "actor_catalogue",
    "actor_problems",
    "fingerprint",
    "generate_threats",
    "system_model",
]


def generate_threats(deployment: Deployment) -> list[GeneratedThreat]:
    """Every threat the deployment's facts suggest, each once (by fingerprint), in a stable
    order: by element, then rule, then STRIDE order."""
    model = system_model(deployment)
    found: dict[str, GeneratedThreat] = {}
    for threat in (*stride_threats(deployment, model), *container_threats(deployment, model)):
        found.setdefault(threat.fingerprint, threat)  # flows declared twice count once
    order = {category: index for index, category in enumerate(Stride)}
    return sorted(found.values(), key=lambda t: (t.element, t.rule, order[t.category]))


def actor_catalogue() -> list[ActorProfile]:
    """The threat actors shipped with auditapp (resources/threats/actors.toml)."""
    return list(shipped_actors())
