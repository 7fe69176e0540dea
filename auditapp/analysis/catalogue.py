"""Every rule auditapp knows, in one place: each rules module contributes its `RULES`."""

from __future__ import annotations

from auditapp.analysis import (
    blast,
    collected,
    daemon,
    image,
    network,
    runtime,
    seccomp_rules,
    template_rules,
    topology,
)
from auditapp.analysis.interface import Rule

ALL_RULES: tuple[Rule, ...] = (
    *collected.RULES,
    *runtime.RULES,
    *image.RULES,
    *template_rules.RULES,
    *seccomp_rules.RULES,
    *daemon.RULES,
    *topology.RULES,
    *network.RULES,
    *blast.RULES,
)


def rule_by_id(rule_id: str) -> Rule | None:
    return next((r for r in ALL_RULES if r.id == rule_id), None)
