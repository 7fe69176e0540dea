"""Blast radius, the beachhead question: if an attacker owns this internet-facing component,
what do they reach, in how many steps, by which path, and which of those paths end at
cardholder data? Paths are ranked shortest first, then by the weaknesses on them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice, pairwise
from typing import TYPE_CHECKING, Any

from auditapp.analysis.blast_graph import STRENGTH, STRONG_KINDS, reach_graph
from auditapp.analysis.blast_weakness import Weakness, Weaknesses, find_weaknesses
from auditapp.analysis.interface import Hit, rule
from auditapp.analysis.model import ZONE_PREFIX, Deployment

if TYPE_CHECKING:  # networkx takes a second to import: only where paths are searched
    pass  # type: ignore[import-untyped, unused-ignore]

MAX_STEPS = 6
MAX_PATHS = 5  # per target: enough to show the alternatives, bounded on big deployments
_CANDIDATES = 2  # paths looked at per kept path, so that the score can reorder equals


class BlastError(ValueError):
    """The blast radius cannot be computed as asked."""


class UnknownComponentError(BlastError):
    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        listed = ", ".join(known) if known else "none yet"
        super().__init__(f"no component named {name!r}; the components are: {listed}")
        self.name = name
        self.known = known


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    kind: str  # an edge kind of the reach graph: shared-network, docker.sock, privileged, ...
    reason: str
    via: str  # short: "shared network front:8080", "docker.sock", "control of host:h1"
    port: int | None = None
    evidence_id: int | None = None


@dataclass(frozen=True)
class Path:
    nodes: tuple[str, ...]
    steps: tuple[Step, ...]
    weaknesses: tuple[Weakness, ...]
    score: int  # the weights of the weaknesses on it
    length: int  # steps
    severity: str  # see `path_severity`

    @property
    def strong(self) -> bool:
        return any(s.kind in STRONG_KINDS for s in self.steps)


@dataclass(frozen=True)
class Reach:
    node: str  # a component name or "host:<name>"
    steps: int
    holds_cardholder_data: bool = False


@dataclass(frozen=True)
class Target:
    """A cardholder-data component the start reaches, with its paths ranked (best first)."""

    component: str
    paths: tuple[Path, ...]
    capped: bool  # more paths exist than were kept

    @property
    def best(self) -> Path:
        return self.paths[0]


@dataclass(frozen=True)
class Beachhead:
    """What owning `component` gives an attacker."""

    component: str
    internet_facing: bool
    holds_cardholder_data: bool
    reachable: tuple[Reach, ...]  # components, nearest first
    hosts: tuple[Reach, ...]  # hosts whose control is within reach
    targets: tuple[Target, ...]  # nearest and weakest path first
    weaknesses: tuple[Weakness, ...]  # of the start itself


@dataclass(frozen=True)
class BlastRadius:
    beachheads: tuple[Beachhead, ...]
    assumptions: tuple[str, ...]
    max_steps: int
    max_paths: int


def internet_facing(d: Deployment) -> tuple[str, ...]:
    """Components marked internet-facing, or the destination of a flow from the internet or
    from end users."""
    public = (f"{ZONE_PREFIX}internet", f"{ZONE_PREFIX}end-users")
    names = {c.name for c in d.components if c.internet_facing}
    names |= {f.destination for f in d.flows if f.source in public}
    known = {c.name for c in d.components} | {w.component for w in d.workloads}
    return tuple(sorted(names & known))


def blast_radius(
    deployment: Deployment,
    start: str | None = None,
    max_steps: int = MAX_STEPS,
    max_paths: int = MAX_PATHS,
) -> BlastRadius:
    """From `start` (default: every internet-facing component), everything within `max_steps`
    steps of the reach graph, and up to `max_paths` ranked paths to each component that
    stores or processes cardholder data."""
    if max_steps < 1 or max_paths < 1:
        raise BlastError("max_steps and max_paths must be at least 1")
    g = reach_graph(deployment)
    components = tuple(sorted(n for n, k in g.nodes(data="kind") if k == "component"))
    if start is not None and start not in components:
        raise UnknownComponentError(start, components)
    starts = (start,) if start is not None else internet_facing(deployment)
    weak = find_weaknesses(deployment)
    facing = set(internet_facing(deployment))
    heads = tuple(_beachhead(g, s, s in facing, weak, max_steps, max_paths) for s in starts)
    assumptions = (*g.graph.get("assumptions", ()), *weak.assumptions)
    return BlastRadius(heads, tuple(assumptions), max_steps, max_paths)


def _beachhead(
    g: Any, start: str, facing: bool, weak: Weaknesses, max_steps: int, max_paths: int
) -> Beachhead:
    import networkx as nx  # type: ignore[import-untyped, unused-ignore]

    distance: dict[str, int] = nx.single_source_shortest_path_length(g, start, cutoff=max_steps)
    reach: list[Reach] = []
    hosts: list[Reach] = []
    for node, steps in sorted(distance.items(), key=lambda kv: (kv[1], kv[0])):
        kind = g.nodes[node].get("kind")
        if node == start or kind not in ("component", "host"):
            continue
        chd = bool(g.nodes[node].get("holds_cardholder_data"))
        (reach if kind == "component" else hosts).append(Reach(node, steps, chd))
    targets = [
        _target(g, start, r.node, weak, max_steps, max_paths)
        for r in reach
        if r.holds_cardholder_data
    ]
    targets.sort(key=lambda t: (*_rank(t.best), t.component))
    start_node = g.nodes[start]
    return Beachhead(
        start,
        facing,
        bool(start_node.get("holds_cardholder_data")),
        tuple(reach),
        tuple(hosts),
        tuple(targets),
        weak.of(start),
    )


def _target(
    g: Any, start: str, target: str, weak: Weaknesses, max_steps: int, max_paths: int
) -> Target:
    # Yen's algorithm yields simple paths shortest first and lazily, so taking a few stays
    # cheap however many paths a dense network has.
    import networkx as nx  # type: ignore[import-untyped, unused-ignore]

    found: list[Path] = []
    more = False
    for nodes in islice(nx.shortest_simple_paths(g, start, target), max_paths * _CANDIDATES + 1):
        if len(nodes) - 1 > max_steps:
            break
        if len(found) == max_paths * _CANDIDATES:
            more = True
            break
        found.append(_path(g, tuple(nodes), weak))
    found.sort(key=_rank)
    return Target(target, tuple(found[:max_paths]), more or len(found) > max_paths)


def _rank(p: Path) -> tuple[int, int, tuple[str, ...]]:
    return (p.length, -p.score, p.nodes)


def _path(g: Any, nodes: tuple[str, ...], weak: Weaknesses) -> Path:
    steps = []
    for a, b in pairwise(nodes):
        e = g.edges[a, b]
        steps.append(Step(a, b, e["kind"], e["reason"], e["via"], e["port"], e["evidence"]))
    weaknesses = tuple(w for n in nodes for w in weak.of(n))
    score = sum(w.weight for w in weaknesses)
    strong = any(s.kind in STRONG_KINDS for s in steps)
    severity = path_severity(len(steps), score, strong=strong)
    return Path(nodes, tuple(steps), weaknesses, score, len(steps), severity)


def path_severity(length: int, score: int, *, strong: bool) -> str:
    """Critical: cardholder data one or two steps away by a way that hands over control
    (docker.sock, privileged, a host namespace). High: such a way further off, or a short path
    through weak components. Medium: a plain network path of up to three steps. Low: longer."""
    if strong:
        return "critical" if length <= 2 else "high"
    if length <= 2 and score >= 5:
        return "high"
    return "medium" if length <= 3 else "low"


def describe(p: Path) -> str:
    """ "proxy → api → db (2 steps) via shared network front:8080, shared network back:5432\""""
    steps = f"{p.length} step{'s' if p.length != 1 else ''}"
    return f"{' → '.join(p.nodes)} ({steps}) via {', '.join(s.via for s in p.steps)}"


def describe_weaknesses(p: Path) -> str:
    if not p.weaknesses:
        return "none"
    return "; ".join(f"{w.component}: {w.text}" for w in p.weaknesses)


@rule(
    "blast.path-to-cardholder-data",
    "Path from an internet-facing component to cardholder data",
    "high",
    scope="component",
    pci=("1.3.1", "1.3.2", "2.2.3", "11.4.5"),
    cis=("2.9", "5.4", "5.5", "5.10", "5.16", "5.17", "5.32"),
    reads=("engine-container", "engine-network", "engine-daemon", "compose"),
    fails="can be reached by an attacker who owns an internet-facing component",
)
def path_to_cardholder_data(d: Deployment) -> Iterator[Hit]:
    """An attacker who takes over an internet-facing component (through a vulnerability in it,
    say) moves on from there: over networks it shares with other containers, through a mounted
    runtime socket such as docker.sock (which hands over every container on the host), out of
    a privileged container onto the host, through host namespaces or a writable volume another
    container reads.

    One finding per internet-facing component and cardholder-data component it reaches, for
    the best-ranked path: fewest steps first, then most weaknesses on the way (fixable critical
    vulnerabilities, privileged mode, added capabilities, root, no user namespace remapping, a
    runtime socket). PCI DSS 1.3.1/1.3.2 want traffic into the cardholder data environment
    limited to what is needed, and 2.2.3 wants functions of different security levels
    isolated; a short path with a strong step shows that neither holds.

    To fix: break the path where it is cheapest. Put the cardholder-data component on an
    internal network that only its real clients join; remove runtime socket mounts and
    privileged mode; keep host namespaces private; patch the fixable vulnerabilities on the
    path. Then have the segmentation tested (11.4.5)."""
    for head in blast_radius(d).beachheads:
        for target in head.targets:
            shortest = target.best
            # the finding is as bad as the worst way in, not only the shortest one
            best = min(target.paths, key=lambda p: (_SEVERITY_ORDER.index(p.severity), p.length))
            strongest = max(best.steps, key=lambda s: STRENGTH.get(s.kind, 0))
            evidence = strongest.evidence_id
            if evidence is None:
                evidence = next((s.evidence_id for s in best.steps if s.evidence_id), None)
            yield Hit(
                target.component,
                f"path {head.component} → {target.component}",
                evidence,
                {
                    "start": head.component,
                    "target": target.component,
                    "steps": best.length,
                    "score": best.score,
                    "path": list(best.nodes),
                    "edges": [
                        {
                            "from": s.source,
                            "to": s.target,
                            "kind": s.kind,
                            "via": s.via,
                            "reason": s.reason,
                            "port": s.port,
                        }
                        for s in best.steps
                    ],
                    "weaknesses": [
                        {
                            "component": w.component,
                            "kind": w.kind,
                            "text": w.text,
                            "weight": w.weight,
                        }
                        for w in best.weaknesses
                    ],
                    "summary": describe(best),
                },
                title=(
                    f"{target.component} (cardholder data) is {shortest.length} "
                    f"step{'s' if shortest.length != 1 else ''} from internet-facing "
                    f"{head.component}"
                ),
                severity=best.severity,
                subject=target.component,
            )


_SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
RULES = (path_to_cardholder_data,)
