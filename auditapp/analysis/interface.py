"""What a rule is: a stable id, a severity, the requirements it maps to, the evidence it reads,
and a check over the `Deployment` whose docstring is the rule's documentation.

    @rule("runtime.privileged", "Privileged container", "critical", scope="workload",
          pci=("2.2.6",), cis=("5.5",), reads=("engine-container", "compose"),
          fails="run privileged")
    def privileged(d: Deployment) -> Iterator[Hit]:
        \"\"\"A privileged container ...\"\"\"
        for w in d.workloads:
            if w.privileged:
                yield Hit(w.component, f"{w.label} HostConfig.Privileged", w.evidence_id)
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from auditapp.analysis.model import Deployment

SEVERITIES = ("critical", "high", "medium", "low", "info")
Scope = Literal["workload", "image", "daemon", "network", "flow", "component", "deployment"]
Check = Callable[[Deployment], Iterable["Hit"]]


@dataclass(frozen=True)
class Hit:
    """One thing a rule found. `subject` names what failed (a workload, image, network, flow or
    component name; "daemon") so that suggestions can say "3 of 5 ..."; it defaults to the
    component. `location` makes the finding unique within its rule and component."""

    component: str
    location: str
    evidence_id: int | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""  # overrides the rule's title when more specific
    severity: str = ""  # overrides the rule's severity
    subject: str = ""
    cis: tuple[str, ...] = ()  # overrides the rule's CIS ids: the ones this hit breaks


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    scope: Scope
    check: Check
    pci: tuple[str, ...] = ()
    cis: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()  # evidence kinds
    fails: str = ""  # what failing subjects do, for suggestions: "run as root"
    at_collect: bool = False  # findings are made while collecting, not by `analyse`

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    def run(self, deployment: Deployment) -> list[Hit]:
        return list(self.check(deployment))


def rule(
    rule_id: str,
    title: str,
    severity: str,
    *,
    scope: Scope,
    pci: tuple[str, ...] = (),
    cis: tuple[str, ...] = (),
    reads: tuple[str, ...] = (),
    fails: str = "",
    at_collect: bool = False,
) -> Callable[[Check], Rule]:
    if severity not in SEVERITIES:
        raise ValueError(f"rule {rule_id}: unknown severity {severity!r}")

    def make(check: Check) -> Rule:
        return Rule(rule_id, title, severity, scope, check, pci, cis, reads, fails, at_collect)

    return make


def subjects(rule: Rule, deployment: Deployment) -> tuple[str, ...]:
    """What a rule looked at, so a clean run can say "all 5 containers ..." and a rule with
    nothing to look at is not mistaken for a pass."""
    d = deployment
    match rule.scope:
        case "workload":
            return tuple(w.name for w in d.workloads)
        case "image":
            return tuple(i.name for i in d.images)
        case "daemon":
            return ("daemon",) if d.daemon is not None else ()
        case "network":
            return tuple(n.name for n in d.networks)
        case "flow":
            return tuple(str(f.id) for f in d.flows)
        case "component":
            return tuple(c.name for c in d.components)
        case _:
            return ("deployment",) if d.workloads or d.components else ()


def fingerprint_of(rule_id: str, component: str, location: str) -> str:
    """What makes a finding the same finding across runs: its rule, component and location."""
    return hashlib.sha256(f"{rule_id}\0{component}\0{location}".encode()).hexdigest()
