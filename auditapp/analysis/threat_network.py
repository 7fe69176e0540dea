"""Who can reach whom, as far as the threat rules need it: the networks components share."""

from __future__ import annotations

from auditapp.analysis.model import Deployment

_NOT_NETWORKS = frozenset({"", "host", "none"})


def neighbours(d: Deployment, component: str) -> dict[str, list[str]]:
    """Other components that share a network with `component`, with the networks they share.
    A network with inter-container communication turned off does not count."""
    owner = {w.name: (w.component or w.name) for w in d.workloads}
    members: dict[str, set[str]] = {}
    for w in d.workloads:
        for network in w.networks:
            members.setdefault(network, set()).add(owner[w.name])
    for net in d.networks:
        for member in net.members:
            if member in owner:
                members.setdefault(net.name, set()).add(owner[member])
    isolated = {n.name for n in d.networks if n.icc is False}
    found: dict[str, list[str]] = {}
    for network, names in sorted(members.items()):
        if network in _NOT_NETWORKS or network in isolated or component not in names:
            continue
        for name in sorted(names - {component}):
            found.setdefault(name, []).append(network)
    return found
