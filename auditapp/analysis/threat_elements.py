"""The data-flow diagram behind the threat model, drawn from the Deployment.

- External entities: the zones that declared flows start or end in, plus the internet when any
  component is internet-facing.
- Data stores: components that keep data worth attacking. We cannot see inside a container,
  so the test is a heuristic on names. A component is a store when (a) its name or image
  names a log store (loki, elasticsearch, opensearch, fluentd, logstash, graylog ...): it keeps
  the audit trail, so it also gets Repudiation threats; or (b) its name or image names a
  database, cache or queue (postgres, mysql, mariadb, mongo, redis, elasticsearch, rabbitmq,
  vault, or a name such as "orders-db") AND its declared data classes include cardholder data,
  sensitive authentication data, credentials or personal data. A cache that the team says
  holds no such data is modelled as the process it also is. Images are read without their
  registry host, tag and digest, so "db.example.com/shop/api" is not taken for a database.
- Processes: every other component that runs (has workloads) or that a declared flow names.
- Data flows: the declared flows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from auditapp.analysis.model import (
    CARDHOLDER_CLASSES,
    ZONE_PREFIX,
    ComponentFacts,
    DeclaredFlow,
    Deployment,
    Workload,
)

SENSITIVE_CLASSES = frozenset(CARDHOLDER_CLASSES | {"credentials", "personal-data"})
STORE_WORDS = frozenset(
    {
        "postgres",
        "postgresql",
        "postgis",
        "timescaledb",
        "mysql",
        "mariadb",
        "percona",
        "mssql",
        "oracle",
        "db2",
        "mongo",
        "mongodb",
        "cassandra",
        "scylla",
        "couchdb",
        "couchbase",
        "cockroachdb",
        "clickhouse",
        "influxdb",
        "neo4j",
        "redis",
        "valkey",
        "keydb",
        "memcached",
        "elasticsearch",
        "opensearch",
        "minio",
        "vault",
        "etcd",
        "rabbitmq",
        "kafka",
        "activemq",
        "nats",
        "db",
        "database",
        "cache",
        "queue",
    }
)
LOG_WORDS = frozenset(
    {
        "loki",
        "elasticsearch",
        "opensearch",
        "fluentd",
        "fluentbit",
        "fluent",
        "logstash",
        "graylog",
        "splunk",
        "syslog",
        "rsyslog",
        "promtail",
        "logs",
        "logging",
    }
)
_SPLIT = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class StoreElement:
    component: ComponentFacts
    holds_logs: bool


@dataclass(frozen=True)
class SystemModel:
    """The elements threats are generated for. `reached_from_internet` are the components an
    internet user reaches: internet-facing ones and the destinations of flows from outside."""

    entities: tuple[str, ...]  # zone names, without the "zone:" prefix
    processes: tuple[ComponentFacts, ...]
    stores: tuple[StoreElement, ...]
    flows: tuple[DeclaredFlow, ...]
    reached_from_internet: frozenset[str]

    def is_store(self, component: str) -> bool:
        return any(s.component.name == component for s in self.stores)


def entity_element(zone: str) -> str:
    return f"{ZONE_PREFIX}{zone}"


def flow_element(flow: DeclaredFlow) -> str:
    return f"{flow.source} -> {flow.destination} {flow.port}/{flow.protocol}"


def image_words(image: str) -> set[str]:
    """The words of an image reference without its registry host, tag and digest."""
    path = image.split("@", 1)[0].lower()
    segments = path.split("/")
    if len(segments) > 1 and (
        "." in segments[0] or ":" in segments[0] or segments[0] == "localhost"
    ):
        segments = segments[1:]
    if segments and ":" in segments[-1]:
        segments[-1] = segments[-1].split(":", 1)[0]
    return _words(segments)


def workloads_of(d: Deployment, component: str) -> tuple[Workload, ...]:
    """The workloads of a component (a workload without one counts as its own component)."""
    return tuple(w for w in d.workloads if (w.component or w.name) == component)


def handled_classes(d: Deployment, component: ComponentFacts) -> frozenset[str]:
    """The data classes a component keeps or passes on: its own and those of its flows."""
    classes = set(component.data_classes)
    for flow in d.flows:
        if component.name in (flow.source, flow.destination):
            classes.update(flow.data_classes)
    return frozenset(classes)


def system_model(d: Deployment) -> SystemModel:
    known = {c.name: c for c in d.components}
    running = {w.component or w.name for w in d.workloads}
    ends = [end for f in d.flows for end in (f.source, f.destination)]
    zones = {e.removeprefix(ZONE_PREFIX) for e in ends if e.startswith(ZONE_PREFIX)}
    if any(c.internet_facing for c in d.components):
        zones.add("internet")
    named = running | {e for e in ends if e and not e.startswith(ZONE_PREFIX)}
    for name in sorted(named - known.keys()):
        known[name] = ComponentFacts(name)  # a flow or workload names it; nothing else is known
    processes, stores = [], []
    for name in sorted(named | {c.name for c in d.components if _log_words(d, c)}):
        component = known[name]
        store = _as_store(d, component)
        if store is not None:
            stores.append(store)
        else:
            processes.append(component)
    outside = {entity_element("internet"), entity_element("end-users")}
    reached = {c.name for c in d.components if c.internet_facing}
    reached |= {f.destination for f in d.flows if f.source in outside}
    return SystemModel(
        entities=tuple(sorted(z for z in zones if z)),
        processes=tuple(processes),
        stores=tuple(stores),
        flows=tuple(d.flows),
        reached_from_internet=frozenset(reached),
    )


def _as_store(d: Deployment, component: ComponentFacts) -> StoreElement | None:
    if _log_words(d, component):
        return StoreElement(component, holds_logs=True)
    names = _names(d, component)
    if names & STORE_WORDS and not SENSITIVE_CLASSES.isdisjoint(component.data_classes):
        return StoreElement(component, holds_logs=False)
    return None


def _log_words(d: Deployment, component: ComponentFacts) -> bool:
    return bool(_names(d, component) & LOG_WORDS)


def _names(d: Deployment, component: ComponentFacts) -> set[str]:
    words = _words([component.name])
    for workload in workloads_of(d, component.name):
        words |= image_words(workload.image)
    return words


def _words(texts: Iterable[str]) -> set[str]:
    return {w for text in texts for w in _SPLIT.split(text.lower()) if w}
