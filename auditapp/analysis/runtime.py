"""The runtime profile: every automated CIS Docker Benchmark section 5 check (and 4.1, which
is judged per container) on engine containers and compose services alike. The rules live in
one module per subject; this gathers them for the catalogue."""

from __future__ import annotations

from auditapp.analysis import (
    runtime_confinement,
    runtime_mounts,
    runtime_network,
    runtime_privilege,
    runtime_resources,
)
from auditapp.analysis.interface import Rule

RULES: tuple[Rule, ...] = (
    *runtime_privilege.RULES,
    *runtime_confinement.RULES,
    *runtime_mounts.RULES,
    *runtime_network.RULES,
    *runtime_resources.RULES,
)
