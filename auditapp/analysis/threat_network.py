"""Who can reach whom, as far as the threat rules need it: the networks components share, as
`network_exposure.Attachments` resolves them (the same answer the flows and the reach graph
give)."""

from __future__ import annotations

from auditapp.analysis.model import Deployment
from auditapp.analysis.network_exposure import Attachments


def neighbours(
    d: Deployment, component: str, attached: Attachments | None = None
) -> dict[str, list[str]]:
    """Other components that reach `component` over a shared network (and it them), with the
    networks they share. A network with inter-container communication turned off, by its own
    option or (the default bridge) by the daemon's, does not count; a workload that joins
    another's network namespace (`network_mode: container:x`) is on that one's networks."""
    found = (attached or Attachments(d)).neighbours(component)
    return {name: list(networks) for name, networks in found.items()}
