"""A small three-tier deployment shared by the analysis tests.

    internet ──443/tcp (TLS)──▶ proxy ──8080/tcp──▶ api ──5432/tcp──▶ db (cardholder data)
                                                      ▲
                          worker (mounts docker.sock) ┘ shares the "back" network with db

Planted weaknesses: the proxy publishes 443 on every interface (and 8081, which no flow
justifies); api → db carries cardholder data unencrypted; the worker mounts docker.sock and
shares the back network with db with no declared flow; db holds cardholder data.
"""

from __future__ import annotations

from auditapp.analysis.model import (
    ComponentFacts,
    DeclaredFlow,
    Deployment,
    Mount,
    NetworkFacts,
    PublishedPort,
    Workload,
)

HARDENED = {
    "user": "10001",
    "cap_drop": ("ALL",),
    "security_opt": ("no-new-privileges:true",),
    "read_only_rootfs": True,
    "memory_bytes": 256 * 1024 * 1024,
    "nano_cpus": 500_000_000,
    "pids_limit": 100,
    "restart_policy": "on-failure",
    "restart_max": 5,
    "healthcheck": True,
}


def three_tier() -> Deployment:
    components = (
        ComponentFacts("proxy", internet_facing=True, data_classes=("none",), host="h1"),
        ComponentFacts("api", data_classes=("cardholder-data",), in_cde=True, host="h1"),
        ComponentFacts("db", data_classes=("cardholder-data",), in_cde=True, host="h1"),
        ComponentFacts("worker", data_classes=("none",), host="h1"),
    )
    workloads = (
        Workload(
            "proxy",
            "proxy",
            "service",
            1,
            image="nginx:1.27",
            ports=(PublishedPort(443, "tcp", "", 443), PublishedPort(8081, "tcp", "", 8081)),
            networks=("front",),
            **HARDENED,  # type: ignore[arg-type]
        ),
        Workload(
            "api",
            "api",
            "service",
            1,
            image="shop/api:1.4",
            exposed=((8080, "tcp"),),
            networks=("front", "back"),
            **HARDENED,  # type: ignore[arg-type]
        ),
        Workload(
            "db",
            "db",
            "service",
            1,
            image="postgres:16",
            exposed=((5432, "tcp"),),
            networks=("back",),
            mounts=(Mount("volume", "pgdata", "/var/lib/postgresql/data"),),
            **HARDENED,  # type: ignore[arg-type]
        ),
        Workload(
            "worker",
            "worker",
            "service",
            1,
            image="shop/worker:1.4",
            networks=("back",),
            mounts=(Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock"),),
            **HARDENED,  # type: ignore[arg-type]
        ),
    )
    networks = (
        NetworkFacts("front", "service", 1, driver="bridge", members=("proxy", "api")),
        NetworkFacts(
            "back", "service", 1, driver="bridge", internal=True, members=("api", "db", "worker")
        ),
    )
    flows = (
        DeclaredFlow(
            1,
            "zone:internet",
            "proxy",
            443,
            "tcp",
            ("cardholder-data",),
            True,
            False,
            "customers pay over HTTPS",
        ),
        DeclaredFlow(
            2, "proxy", "api", 8080, "tcp", ("cardholder-data",), True, True, "reverse proxy"
        ),
        DeclaredFlow(3, "api", "db", 5432, "tcp", ("cardholder-data",), False, True, "orders"),
    )
    return Deployment(
        components=components,
        workloads=workloads,
        networks=networks,
        volumes=("pgdata",),
        flows=flows,
    )
