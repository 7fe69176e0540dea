"""STRIDE-per-element: the generic threats every element of the diagram faces, by its kind.

External entities face Spoofing and Repudiation; processes all six categories; data stores
Tampering, Information disclosure and Denial of service, plus Repudiation when they keep logs;
data flows Tampering, Information disclosure and Denial of service. Likelihood and impact come
from the facts: who can reach the element, what data it handles, whether its flow is encrypted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from auditapp.analysis.model import CARDHOLDER_CLASSES, ZONE_PREFIX, ComponentFacts, Deployment
from auditapp.analysis.threat_elements import (
    SENSITIVE_CLASSES,
    StoreElement,
    SystemModel,
    entity_element,
    flow_element,
    handled_classes,
    workloads_of,
)
from auditapp.analysis.threat_model import (
    STRIDE_PER_ELEMENT,
    ElementKind,
    GeneratedThreat,
    Stride,
)
from auditapp.analysis.threat_texts import STRIDE_TEXTS

RULE = "stride-per-element"
SPOOF, TAMPER, REPUDIATE, DISCLOSE, DENY, ELEVATE = tuple(Stride)


@dataclass(frozen=True)
class _Levels:
    likelihood: str
    impact: str


def stride_threats(d: Deployment, model: SystemModel) -> Iterator[GeneratedThreat]:
    for zone in model.entities:
        classes = _zone_classes(d, zone)
        for category in STRIDE_PER_ELEMENT[ElementKind.EXTERNAL_ENTITY]:
            levels = _entity_levels(zone, classes, category)
            yield _threat(entity_element(zone), ElementKind.EXTERNAL_ENTITY, category, levels, ())
    for component in model.processes:
        for category in STRIDE_PER_ELEMENT[ElementKind.PROCESS]:
            levels = _process_levels(d, model, component, category)
            yield _threat(component.name, ElementKind.PROCESS, category, levels, (component.name,))
    for store in model.stores:
        categories = STRIDE_PER_ELEMENT[ElementKind.DATA_STORE]
        if store.holds_logs:
            categories = (TAMPER, REPUDIATE, DISCLOSE, DENY)
        for category in categories:
            levels = _store_levels(d, model, store, category)
            name = store.component.name
            yield _threat(name, ElementKind.DATA_STORE, category, levels, (name,))
    for flow in model.flows:
        ends = tuple(e for e in (flow.source, flow.destination) if not e.startswith(ZONE_PREFIX))
        from_outside = flow.source.startswith(ZONE_PREFIX)
        for category in STRIDE_PER_ELEMENT[ElementKind.DATA_FLOW]:
            if category is DENY:
                likelihood = "medium" if from_outside else "low"
            elif flow.encrypted:
                likelihood = "low"
            else:
                likelihood = "high" if from_outside else "medium"
            levels = _Levels(likelihood, _sensitivity(flow.data_classes))
            yield _threat(flow_element(flow), ElementKind.DATA_FLOW, category, levels, ends)


def _threat(
    element: str,
    kind: ElementKind,
    category: Stride,
    levels: _Levels,
    components: tuple[str, ...],
) -> GeneratedThreat:
    text = STRIDE_TEXTS[kind, category]
    return GeneratedThreat(
        rule=RULE,
        element=element,
        element_kind=kind,
        category=category,
        title=text.title.format(element=element),
        description=text.description.format(element=element),
        actors=text.actors,
        likelihood=levels.likelihood,
        impact=levels.impact,
        mitigation=text.mitigation,
        items=("threats.stride_per_element", *text.items),
        finding_rules=text.finding_rules,
        components=components,
    )


def _sensitivity(classes: frozenset[str] | tuple[str, ...]) -> str:
    if not CARDHOLDER_CLASSES.isdisjoint(classes):
        return "high"
    return "medium" if not SENSITIVE_CLASSES.isdisjoint(classes) else "low"


def _zone_classes(d: Deployment, zone: str) -> frozenset[str]:
    element = entity_element(zone)
    return frozenset(
        c for f in d.flows if element in (f.source, f.destination) for c in f.data_classes
    )


def _entity_levels(zone: str, classes: frozenset[str], category: Stride) -> _Levels:
    outside = zone in ("internet", "end-users")
    impact = "high" if not CARDHOLDER_CLASSES.isdisjoint(classes) else "medium"
    if category is SPOOF:
        return _Levels("high" if outside else "medium", impact)
    return _Levels("medium", impact)


def _process_levels(
    d: Deployment, model: SystemModel, component: ComponentFacts, category: Stride
) -> _Levels:
    exposed = component.name in model.reached_from_internet
    likelihood = "high" if exposed else "medium"
    if category is ELEVATE and any(
        w.privileged or w.cap_add for w in workloads_of(d, component.name)
    ):
        likelihood = "high"
    if category is REPUDIATE:
        likelihood = "medium"
    classes = handled_classes(d, component)
    impact = "high" if component.in_cde else _sensitivity(classes)
    if category is REPUDIATE:
        impact = "medium" if impact == "high" else "low"
    return _Levels(likelihood, impact)


def _store_levels(
    d: Deployment, model: SystemModel, store: StoreElement, category: Stride
) -> _Levels:
    name = store.component.name
    open_ports = any(p.all_interfaces for w in workloads_of(d, name) for p in w.ports) or any(
        w.network_mode == "host" for w in workloads_of(d, name)
    )
    likelihood = "high" if name in model.reached_from_internet or open_ports else "medium"
    impact = _sensitivity(store.component.data_classes)
    if store.holds_logs and category is REPUDIATE:
        impact = "high" if any(c.holds_cardholder_data for c in d.components) else "medium"
    elif store.holds_logs:
        impact = max(impact, "medium", key=("low", "medium", "high").index)
    return _Levels(likelihood, impact)
