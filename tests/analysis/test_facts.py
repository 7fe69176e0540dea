"""From stored evidence to the deployment: engine and compose shapes, and hostile JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from auditapp.analysis.facts import EvidenceDoc, build_deployment, latest
from auditapp.analysis.model import Mount, PublishedPort

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def doc(n: int, kind: str, content: Any, *, title: str = "", at: datetime = T0) -> EvidenceDoc:
    return EvidenceDoc(n, kind, title or f"{kind} {n}", at, content)


CONTAINER = {
    "Name": "/shop-api-1",
    "Image": "sha256:abc",
    "AppArmorProfile": "docker-default",
    "Config": {
        "Image": "shop/api:1.4",
        "User": "10001",
        "Labels": {"com.docker.compose.service": "api"},
        "ExposedPorts": {"8080/tcp": {}, "9090/tcp": {}},
        "Healthcheck": {"Test": ["CMD", "true"]},
    },
    "HostConfig": {
        "Privileged": True,
        "CapAdd": ["CAP_NET_ADMIN", "sys_time"],
        "CapDrop": ["ALL"],
        "SecurityOpt": ["seccomp=unconfined", "no-new-privileges:true"],
        "ReadonlyRootfs": True,
        "PidMode": "host",
        "NetworkMode": "shop_back",
        "PortBindings": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18080"}]},
        "Memory": 268435456,
        "PidsLimit": 100,
        "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 5},
        "Devices": [{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse"}],
    },
    "Mounts": [
        {
            "Type": "bind",
            "Source": "/var/run/docker.sock",
            "Destination": "/run/d.sock",
            "RW": True,
        },
        {"Type": "volume", "Name": "data", "Source": "/x", "Destination": "/data", "RW": False},
    ],
    "NetworkSettings": {"Networks": {"shop_back": {}, "shop_front": {}}},
    "State": {"Running": True, "Health": {"Status": "healthy"}},
}


def test_an_engine_container_becomes_a_workload_of_its_compose_service() -> None:
    [w] = build_deployment([doc(7, "engine-container", CONTAINER)]).workloads
    assert (w.name, w.component, w.origin, w.evidence_id, w.label) == (
        "shop-api-1",
        "api",
        "container",
        7,
        "container shop-api-1",
    )
    assert w.cap_add == ("NET_ADMIN", "SYS_TIME") and w.cap_drop == ("ALL",)
    assert w.privileged and w.read_only_rootfs and w.pid_mode == "host"
    assert w.ports == (PublishedPort(8080, "tcp", "127.0.0.1", 18080),)
    assert w.exposed == ((9090, "tcp"),)  # 8080 is published, not only exposed
    assert w.mounts == (
        Mount("bind", "/var/run/docker.sock", "/run/d.sock", read_only=False),
        Mount("volume", "data", "/data", read_only=True),
    )
    assert w.networks == ("shop_back", "shop_front")
    assert (w.memory_bytes, w.pids_limit, w.restart_policy, w.restart_max) == (
        268435456,
        100,
        "on-failure",
        5,
    )
    assert w.devices == ("/dev/fuse",) and w.healthcheck and w.health_status == "healthy"


def test_compose_services_and_their_implicit_default_network() -> None:
    project = {
        "services": [
            {
                "name": "web",
                "image": "nginx",
                "ports": [{"host_ip": "", "host_port": 443, "container_port": 443}],
                "restart": "on-failure:3",
                "limits": {"cpus": 0.5, "memory_bytes": 1024, "pids": 50},
                "healthcheck": {"test": ["CMD", "true"], "disabled": False},
                "volumes": [{"type": "volume", "source": "v", "target": "/v"}],
            },
            {"name": "db", "networks": [{"name": "back"}], "expose": ["5432", "x"]},
        ],
        "networks": [{"name": "back", "internal": True}],
        "volumes": [{"name": "v"}],
    }
    d = build_deployment([doc(3, "compose", project)])
    web, db = d.workloads
    assert web.networks == ("default",) and db.networks == ("back",)
    assert web.ports == (PublishedPort(443, "tcp", "", 443),) and web.ports[0].all_interfaces
    assert (web.restart_policy, web.restart_max, web.nano_cpus) == ("on-failure", 3, 500_000_000)
    assert web.healthcheck is True and db.healthcheck is None and db.user is None
    assert db.exposed == ((5432, "tcp"),)
    networks = {n.name: n for n in d.networks}
    assert networks["back"].internal and networks["back"].members == ("db",)
    assert networks["default"].members == ("web",)
    assert d.volumes == ("v",)
    assert [c.name for c in d.components] == ["db", "web"]


def test_images_know_their_users_setid_files_and_history_oldest_first() -> None:
    image = {
        "inspect": {"Id": "sha256:abc", "RepoTags": ["shop/api:1.4"], "Config": {"User": ""}},
        "history": [{"CreatedBy": "CMD run"}, {"CreatedBy": "ADD file:x in /"}],
    }
    setid = {"image": "sha256:abc", "files": [{"path": "usr/bin/su", "mode": "0o104755"}]}
    d = build_deployment(
        [
            doc(1, "engine-image", image),
            doc(2, "image-setid-files", setid),
            doc(7, "engine-container", CONTAINER),
        ]
    )
    [facts] = d.images
    assert facts.name == "shop/api:1.4" and facts.user == "" and facts.healthcheck is False
    assert facts.history == ("ADD file:x in /", "CMD run")
    assert facts.setid_files == ("usr/bin/su",) and facts.setid_evidence_id == 2
    assert facts.components == ("api",)


def test_daemon_info_and_config_are_joined() -> None:
    d = build_deployment(
        [
            doc(1, "engine-daemon", {"info": {"ServerVersion": "27.0"}, "version": {}}),
            doc(2, "engine-daemon-config", {"icc": False}),
        ]
    )
    assert d.daemon is not None
    assert d.daemon.info["ServerVersion"] == "27.0" and d.daemon.config == {"icc": False}
    assert (d.daemon.evidence_id, d.daemon.config_evidence_id) == (1, 2)


@pytest.mark.parametrize(
    "content",
    [
        None,
        [],
        "text",
        {"Name": 5, "HostConfig": []},
        {"Name": "/x", "HostConfig": {"CapAdd": "ALL", "PortBindings": {"80/tcp": "x"}}},
        {"Name": "/x", "Mounts": [1, None, {"RW": "yes"}], "Config": {"Healthcheck": 3}},
        {"Name": "/x", "HostConfig": {"Memory": True, "PidsLimit": "9", "Devices": [{}]}},
    ],
)
def test_hostile_container_json_reads_as_unknown_never_crashes(content: Any) -> None:
    d = build_deployment([doc(1, "engine-container", content), doc(2, "compose", content)])
    for w in d.workloads:
        assert w.cap_add == () and w.memory_bytes is None and w.ports == ()


def test_only_the_latest_engine_collection_counts() -> None:
    later = T0 + timedelta(hours=1)
    docs = [
        doc(1, "engine-container", {"Name": "/gone"}, title="container gone"),
        doc(2, "engine-container", {"Name": "/kept"}, title="container kept"),
        doc(3, "engine-container", {"Name": "/kept"}, title="container kept", at=later),
        doc(4, "compose", {"services": [{"name": "old"}]}, title="compose project p"),
        doc(5, "compose", {"services": [{"name": "new"}]}, title="compose project p", at=later),
    ]
    d = build_deployment(latest(docs))
    assert sorted(w.name for w in d.workloads) == ["kept", "new"]


def test_a_compose_service_exposes_what_its_image_exposes() -> None:
    image = {
        "inspect": {
            "Id": "sha256:abc",
            "RepoTags": ["shop/api:1.4"],
            "Config": {"ExposedPorts": {"8080/tcp": {}, "9000/udp": {}}},
        },
        "history": [],
    }
    project = {
        "services": [
            {
                "name": "api",
                "image": "shop/api:1.4",
                "ports": [{"host_port": 9000, "container_port": 9000, "protocol": "udp"}],
            },
            {"name": "other", "image": "elsewhere:1"},
        ]
    }
    d = build_deployment([doc(1, "engine-image", image), doc(2, "compose", project)])
    api, other = d.workloads
    assert api.exposed == ((8080, "tcp"),)  # 9000/udp is published, not merely exposed
    assert other.exposed == ()


def test_a_cpu_limit_that_is_not_a_finite_number_reads_as_unknown() -> None:
    project = {"services": [{"name": "x", "limits": {"cpus": float("inf")}}]}
    [w] = build_deployment([doc(1, "compose", project)]).workloads
    assert w.nano_cpus is None
