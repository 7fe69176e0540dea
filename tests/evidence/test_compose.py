"""Compose files as evidence: real small files written by each test, loaded like docker compose."""

from __future__ import annotations

import contextlib
import json
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from auditapp.evidence.compose import load_compose
from auditapp.evidence.compose_model import (
    ComposeProject,
    Dependency,
    DeviceMapping,
    HealthCheck,
    PortMapping,
    ResourceLimits,
    ServiceNetwork,
    Ulimit,
    VolumeMount,
)
from auditapp.evidence.errors import EvidenceError, EvidenceTooLargeError
from auditapp.evidence.redaction import REDACTED


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A project folder; a sentinel beside it proves loading writes nothing anywhere."""
    folder = tmp_path / "shop"
    folder.mkdir()
    sentinel = tmp_path / "sentinel"
    sentinel.mkdir()
    yield folder
    # the test writes its files into the project folder; nothing may appear anywhere else
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sentinel", "shop"]
    assert list(sentinel.iterdir()) == []
    assert all(p.is_file() or p.is_fifo() for p in folder.iterdir())


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(*paths: Path, environ: dict[str, str] | None = None, **kwargs: object) -> ComposeProject:
    return load_compose(list(paths), environ=environ or {}, **kwargs)  # type: ignore[arg-type]


def image_of(folder: Path, expression: str, environ: dict[str, str]) -> str:
    path = write(folder, "compose.yaml", f"services:\n  web:\n    image: 'x{expression}'\n")
    image = load(path, environ=environ).service("web").image
    assert image is not None
    return image


# -- interpolation


@pytest.mark.parametrize(
    ("expression", "unset", "empty", "set_"),
    [
        ("$V", "x", "x", "xval"),
        ("${V}", "x", "x", "xval"),
        ("${V:-def}", "xdef", "xdef", "xval"),
        ("${V-def}", "xdef", "x", "xval"),
        ("${V:+alt}", "x", "x", "xalt"),
        ("${V+alt}", "x", "xalt", "xalt"),
        ("${V?needed}", None, "x", "xval"),
        ("${V:?needed}", None, None, "xval"),
        ("$$V", "x$V", "x$V", "x$V"),
        ("$${V}", "x${V}", "x${V}", "x${V}"),
        ("${V:-${U:-deep}}", "xdeep", "xdeep", "xval"),
        ("${V:-${W:-deep}}", "xw", "xw", "xval"),
        ("${V:-${W}}", "xw", "xw", "xval"),
        ("a${V}b$V", "xab", "xab", "xavalbval"),
    ],
)
def test_every_interpolation_operator(
    project: Path, expression: str, unset: str | None, empty: str | None, set_: str
) -> None:
    for environ, expected in (
        ({"W": "w"}, unset),
        ({"V": "", "W": "w"}, empty),
        ({"V": "val"}, set_),
    ):
        if expected is None:
            with pytest.raises(EvidenceError, match="required variable V"):
                image_of(project, expression, environ)
        else:
            assert image_of(project, expression, environ) == expected


def test_unset_variable_becomes_empty_with_a_warning(project: Path) -> None:
    path = write(project, "compose.yaml", "services:\n  web:\n    image: 'nginx:${TAG}'\n")
    loaded = load(path)
    assert loaded.service("web").image == "nginx:"
    assert any("TAG is not set" in w and str(path) in w for w in loaded.warnings)


def test_required_variable_error_names_the_file_and_the_variable(project: Path) -> None:
    path = write(
        project,
        "compose.yaml",
        "services:\n  web:\n    image: '${REGISTRY:?set the registry}/app'\n",
    )
    with pytest.raises(EvidenceError) as caught:
        load(path)
    message = str(caught.value)
    assert str(path) in message
    assert "REGISTRY" in message
    assert "set the registry" in message
    assert "services.web.image" in message


def test_invalid_interpolation_names_the_path_but_not_the_value(project: Path) -> None:
    path = write(
        project,
        "compose.yaml",
        "services:\n  db:\n    environment:\n      DB_PASSWORD: 'pa$1word'\n",
    )
    with pytest.raises(EvidenceError) as caught:
        load(path)
    message = str(caught.value)
    assert "services.db.environment.DB_PASSWORD" in message
    assert "pa$1word" not in message and "1word" not in message
    assert "$$" in message  # the hint


def test_only_values_are_interpolated_not_keys(project: Path) -> None:
    path = write(project, "compose.yaml", "services:\n  web:\n    labels:\n      $KEY: $VALUE\n")
    loaded = load(path, environ={"KEY": "k", "VALUE": "v"})
    assert loaded.service("web").labels == (("$KEY", "v"),)


def test_shell_environment_wins_over_the_env_file(project: Path) -> None:
    write(project, ".env", "TAG=from-dotenv\nOTHER='only in file' # comment\nexport EXPORTED=yes\n")
    path = write(
        project,
        "compose.yaml",
        "services:\n  web:\n    image: 'nginx:${TAG}-${OTHER}-${EXPORTED}'\n",
    )
    assert load(path).service("web").image == "nginx:from-dotenv-only in file-yes"
    assert (
        load(path, environ={"TAG": "shell"}).service("web").image == "nginx:shell-only in file-yes"
    )
    assert load(path).env_file == str(project / ".env")


def test_an_explicit_env_file_replaces_the_default_dotenv(project: Path) -> None:
    write(project, ".env", "TAG=from-dotenv\n")
    other = write(project, "prod.env", 'TAG="from ${WHERE:-prod}"\nWHERE=x\n')
    path = write(project, "compose.yaml", "services:\n  web:\n    image: 'nginx:${TAG}'\n")
    assert load(path, env_file=other).service("web").image == "nginx:from prod"
    with pytest.raises(EvidenceError, match=r"missing\.env: no such file"):
        load(path, env_file=project / "missing.env")


def test_env_file_lines_that_are_not_assignments_are_refused_by_line(project: Path) -> None:
    bad = write(project, "bad.env", "A=1\nthis is not an assignment\n")
    path = write(project, "compose.yaml", "services:\n  web:\n    image: nginx\n")
    with pytest.raises(EvidenceError, match="line 2"):
        load(path, env_file=bad)


# -- merging


BASE = """\
services:
  web:
    image: shop/web:1
    command: ["gunicorn", "app:wsgi"]
    ports: ["8080:80", "8443:443"]
    expose: ["9000"]
    dns: 1.1.1.1
    environment:
      - LOG_LEVEL=info
      - MODE=base
      - UNSET_IN_BASE
    labels: {tier: front}
    volumes:
      - ./static:/srv/static:ro
      - data:/srv/data
    cap_add: [NET_BIND_SERVICE]
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    networks:
      front:
        aliases: [www]
    depends_on: [db]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost/"]
      interval: 30s
    extra_hosts: ["metadata:169.254.169.254"]
    sysctls: {net.core.somaxconn: 1024}
  db:
    image: postgres:16
networks:
  front: {}
volumes:
  data: {}
"""

OVERRIDE = """\
services:
  web:
    command: gunicorn --reload app:wsgi
    ports: ["8080:80", "127.0.0.1:5678:5678"]
    expose: ["9001"]
    dns: [8.8.8.8]
    environment:
      MODE: override
      DEBUG: "1"
    labels: [owner=team-a]
    volumes:
      - ./src:/srv/static
      - type: tmpfs
        target: /tmp
    cap_add: [SYS_PTRACE, NET_BIND_SERVICE]
    networks:
      front:
        aliases: [web-debug]
      back: {}
    depends_on:
      db:
        condition: service_healthy
      cache:
        condition: service_started
    healthcheck:
      test: ["CMD", "true"]
  cache:
    image: redis:7
networks:
  back:
    internal: true
"""


def test_two_files_merge_like_docker_compose(project: Path) -> None:
    base = write(project, "compose.yaml", BASE)
    override = write(project, "compose.override.yaml", OVERRIDE)
    loaded = load(base, override)
    web = loaded.service("web")

    assert web.command == "gunicorn --reload app:wsgi"  # replaced, not merged
    assert web.ports == (
        PortMapping("", 8080, 80),
        PortMapping("", 8443, 443),
        PortMapping("127.0.0.1", 5678, 5678),
    )  # concatenated, the repeated 8080:80 once
    assert web.expose == ("9000", "9001")
    assert dict(web.environment) == {
        "LOG_LEVEL": REDACTED,
        "MODE": REDACTED,
        "DEBUG": REDACTED,
        "UNSET_IN_BASE": None,
    }
    assert dict(web.labels) == {"tier": "front", "owner": "team-a"}
    assert web.volumes == (
        VolumeMount("bind", "./src", "/srv/static"),  # same target: the override wins
        VolumeMount("volume", "data", "/srv/data"),
        VolumeMount("tmpfs", None, "/tmp"),
    )
    assert web.cap_add == ("NET_BIND_SERVICE", "SYS_PTRACE")
    assert web.cap_drop == ("ALL",)
    assert web.networks == (
        ServiceNetwork("back"),
        ServiceNetwork("front", aliases=("web-debug", "www")),
    )
    assert web.depends_on == (
        Dependency("cache", "service_started"),
        Dependency("db", "service_healthy"),
    )
    assert web.healthcheck == HealthCheck(test=("CMD", "true"), interval="30s")
    assert web.files == (str(base), str(override))
    assert loaded.service("db").files == (str(base),)
    assert loaded.service("cache").files == (str(override),)
    assert {n.name: n.internal for n in loaded.networks} == {
        "back": True,
        "default": False,  # db names no network: compose puts it on the default one
        "front": False,
    }
    assert [f.path for f in loaded.files] == [str(base), str(override)]


def test_three_files_apply_in_order(project: Path) -> None:
    one = write(
        project,
        "one.yaml",
        """\
        services:
          web:
            image: web:1
            ports: ["80:80"]
            environment: {A: "1", B: "1"}
            command: one
            cap_add: [CHOWN]
            volumes: ["/a:/data"]
        """,
    )
    two = write(
        project,
        "two.yaml",
        """\
        services:
          web:
            image: web:2
            ports: ["81:81"]
            environment: [B=2, C=2]
            command: [two]
            cap_add: [KILL]
            volumes: ["/b:/data:ro"]
        """,
    )
    three = write(
        project,
        "three.yaml",
        """\
        services:
          web:
            ports: ["82:82"]
            environment: {C: "3"}
            cap_add: [CHOWN, SETUID]
            privileged: true
        """,
    )
    web = load(one, two, three).service("web")
    assert web.image == "web:2"
    assert [p.host_port for p in web.ports] == [80, 81, 82]
    assert [name for name, _ in web.environment] == ["A", "B", "C"]
    assert web.command == ("two",)
    assert web.cap_add == ("CHOWN", "KILL", "SETUID")
    assert web.volumes == (VolumeMount("bind", "/b", "/data", read_only=True),)
    assert web.privileged is True
    assert web.files == (str(one), str(two), str(three))


def test_reset_and_override_tags(project: Path) -> None:
    base = write(
        project,
        "compose.yaml",
        """\
        services:
          web:
            image: web
            ports: ["80:80", "443:443"]
            cap_add: [NET_ADMIN]
            environment: {A: "1", B: "2"}
          debug:
            image: busybox
        """,
    )
    override = write(
        project,
        "override.yaml",
        """\
        services:
          web:
            ports: !override ["8080:80"]
            cap_add: !reset []
            environment:
              B: !reset null
          debug: !reset
        """,
    )
    loaded = load(base, override)
    web = loaded.service("web")
    assert web.ports == (PortMapping("", 8080, 80),)
    replaced = write(
        project,
        "replace.yaml",
        """\
        services:
          web: !override
            image: other
            environment: {API_TOKEN: Planted-Override-14}
            command: run --password Planted-Override-15
        """,
    )
    swapped = load(base, override, replaced)
    assert swapped.service("web").ports == ()
    assert swapped.service("web").files == (str(replaced),)
    assert "Planted" not in json.dumps(swapped.to_snapshot())
    assert {f.name for f in swapped.findings} == {"API_TOKEN", "password"}
    assert web.cap_add == ()
    assert [name for name, _ in web.environment] == ["A"]
    assert [s.name for s in loaded.services] == ["web"]


# -- profiles


PROFILES = """\
services:
  web:
    image: web
  debug:
    image: busybox
    profiles: [debug]
  docs:
    image: docs
    profiles: [docs, debug]
"""


@pytest.mark.parametrize(
    ("profiles", "environ", "dotenv", "expected"),
    [
        ((), {}, "", ["web"]),
        (("debug",), {}, "", ["debug", "docs", "web"]),
        (("docs",), {}, "", ["docs", "web"]),
        ((), {"COMPOSE_PROFILES": "docs"}, "", ["docs", "web"]),
        ((), {}, "COMPOSE_PROFILES=debug\n", ["debug", "docs", "web"]),
        (("*",), {}, "", ["debug", "docs", "web"]),
    ],
)
def test_profiles_select_services(
    project: Path,
    profiles: tuple[str, ...],
    environ: dict[str, str],
    dotenv: str,
    expected: list[str],
) -> None:
    if dotenv:
        write(project, ".env", dotenv)
    path = write(project, "compose.yaml", PROFILES)
    loaded = load(path, environ=environ, profiles=profiles)
    assert [s.name for s in loaded.services] == expected
    assert sorted([*loaded.inactive_services, *expected]) == ["debug", "docs", "web"]


# -- every key on one service


EVERYTHING = """\
name: payments
services:
  api:
    image: r.io/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    build:
      context: ./api
      args: {VERSION: "1.2"}
    container_name: payments-api
    ports:
      - "127.0.0.1:8443:8443"
      - target: 9090
        published: "19090"
        host_ip: 10.0.0.5
        protocol: udp
        mode: host
    expose: [9100, "9200"]
    networks:
      backend:
        aliases: [api, payments]
        ipv4_address: 172.28.0.10
    volumes:
      - ./config:/etc/api:ro,z
      - type: bind
        source: /var/run/docker.sock
        target: /var/run/docker.sock
        read_only: true
        bind: {propagation: rslave}
      - cache:/cache
      - /scratch
    tmpfs: /run
    cap_add: [CAP_SYS_ADMIN]
    cap_drop: [all]
    privileged: true
    read_only: true
    user: "1000:1000"
    security_opt: ["no-new-privileges:true", "seccomp:unconfined"]
    pid: host
    ipc: shareable
    uts: host
    userns_mode: host
    cgroup_parent: payments.slice
    devices:
      - /dev/fuse
      - /dev/sda:/dev/xvda:r
      - source: /dev/net/tun
        target: /dev/net/tun
        permissions: rw
    deploy:
      resources:
        limits: {cpus: "0.50", memory: 512M, pids: 100}
      restart_policy: {condition: on-failure, max_attempts: 3}
    healthcheck:
      test: ["CMD-SHELL", "curl -f http://localhost:8443/health || exit 1"]
      interval: 30s
      timeout: 5s
      start_period: 10s
      start_interval: 2s
      retries: 3
    environment:
      - TZ=UTC
      - FROM_SHELL
    env_file: [common.env, {path: secrets.env, required: false}]
    depends_on:
      db: {condition: service_healthy, required: false}
    labels: {com.example.team: payments}
    command: ["serve", "--port", "8443"]
    entrypoint: /entrypoint.sh
    profiles: [prod]
    secrets: [db_password, {source: tls_key, target: /run/secrets/key}]
    configs: [api_config]
    sysctls: [net.ipv4.ip_forward=1]
    ulimits:
      nproc: 65535
      nofile: {soft: 20000, hard: 40000}
    logging: {driver: syslog, options: {tag: api}}
    x-notes: ignored
  db:
    image: postgres:16
    mem_limit: 1g
    cpus: 1.5
    pids_limit: -1
    restart: unless-stopped
    network_mode: "service:api"
    healthcheck: {disable: true}
networks:
  backend:
    driver: bridge
    internal: true
  outside:
    external: true
    name: corp-net
volumes:
  cache: {driver: local}
secrets:
  db_password: {file: ./db_password.txt}
  tls_key: {environment: TLS_KEY}
configs:
  api_config: {file: ./api.yaml}
x-common: &common {a: 1}
"""


def test_every_key_is_parsed(project: Path) -> None:
    path = write(project, "compose.yaml", EVERYTHING)
    loaded = load(path, profiles=["prod"])
    api = loaded.service("api")
    assert loaded.name == "payments"
    assert api.image is not None and api.image.endswith("0123456789abcdef")
    assert api.build_context == "./api"
    assert api.container_name == "payments-api"
    assert api.ports == (
        PortMapping("127.0.0.1", 8443, 8443),
        PortMapping("10.0.0.5", 19090, 9090, "udp"),
    )
    assert api.expose == ("9100", "9200")
    assert api.networks == (
        ServiceNetwork("backend", ("api", "payments"), ipv4_address="172.28.0.10"),
    )
    assert api.volumes == (
        VolumeMount("bind", "./config", "/etc/api", read_only=True, selinux="z"),
        VolumeMount(
            "bind", "/var/run/docker.sock", "/var/run/docker.sock", True, propagation="rslave"
        ),
        VolumeMount("volume", "cache", "/cache"),
        VolumeMount("volume", None, "/scratch"),
    )
    assert api.tmpfs == ("/run",)
    assert api.cap_add == ("SYS_ADMIN",)
    assert api.cap_drop == ("ALL",)
    assert api.privileged is True and api.read_only is True
    assert api.user == "1000:1000"
    assert api.security_opt == ("no-new-privileges:true", "seccomp:unconfined")
    assert (api.pid, api.ipc, api.uts, api.userns_mode) == ("host", "shareable", "host", "host")
    assert api.cgroup_parent == "payments.slice"
    assert api.devices == (
        DeviceMapping("/dev/fuse", "/dev/fuse"),
        DeviceMapping("/dev/sda", "/dev/xvda", "r"),
        DeviceMapping("/dev/net/tun", "/dev/net/tun", "rw"),
    )
    assert api.limits == ResourceLimits(cpus=0.5, memory_bytes=512 * 1024 * 1024, pids=100)
    assert api.restart == "on-failure" and api.restart_max_attempts == 3
    assert api.healthcheck == HealthCheck(
        test=("CMD-SHELL", "curl -f http://localhost:8443/health || exit 1"),
        interval="30s",
        timeout="5s",
        start_period="10s",
        start_interval="2s",
        retries=3,
    )
    assert api.environment == (("FROM_SHELL", None), ("TZ", REDACTED))
    assert api.env_files == ("common.env", "secrets.env")
    assert api.depends_on == (Dependency("db", "service_healthy", required=False),)
    assert api.labels == (("com.example.team", "payments"),)
    assert api.command == ("serve", "--port", "8443")
    assert api.entrypoint == "/entrypoint.sh"
    assert api.profiles == ("prod",)
    assert api.secrets == ("db_password", "tls_key")
    assert api.configs == ("api_config",)
    assert api.sysctls == (("net.ipv4.ip_forward", "1"),)
    assert api.ulimits == (Ulimit("nofile", 20000, 40000), Ulimit("nproc", 65535, 65535))
    assert api.logging_driver == "syslog"

    db = loaded.service("db")
    assert db.limits == ResourceLimits(cpus=1.5, memory_bytes=1024**3, pids=None)
    assert db.restart == "unless-stopped"
    assert db.network_mode == "service:api" and db.networks == ()
    assert db.healthcheck is not None and db.healthcheck.disabled

    networks = {n.name: n for n in loaded.networks}
    assert networks["backend"].internal and networks["backend"].driver == "bridge"
    assert networks["outside"].external and networks["outside"].external_name == "corp-net"
    assert [v.name for v in loaded.volumes] == ["cache"]
    assert loaded.secrets == ("db_password", "tls_key")
    assert loaded.configs == ("api_config",)
    assert loaded.warnings == ()
    json.dumps(loaded.to_snapshot())  # JSON-able, no dates or tuples as keys


def test_project_name_falls_back_to_the_folder(project: Path) -> None:
    path = write(project, "compose.yaml", "services:\n  web:\n    image: nginx\n")
    assert load(path).name == "shop"
    assert load(path, environ={"COMPOSE_PROJECT_NAME": "other"}).name == "other"


def test_unknown_keys_become_warnings(project: Path) -> None:
    path = write(
        project,
        "compose.yaml",
        "version: '3.8'\nservices:\n  web:\n    image: nginx\n    priviledged: true\nbogus: 1\n",
    )
    loaded = load(path)
    assert loaded.service("web").privileged is False
    assert any("services.web.priviledged" in w for w in loaded.warnings)
    assert any("'bogus'" in w for w in loaded.warnings)


def test_yaml_12_scalars_like_docker_compose(project: Path) -> None:
    """`22:22` is a string (not 1342), `on` is a string, a date stays text."""
    path = write(
        project,
        "compose.yaml",
        "services:\n  web:\n    image: nginx\n    ports: [22:22]\n"
        "    labels: {built: 2024-01-31, enabled: on}\n",
    )
    web = load(path).service("web")
    assert web.ports == (PortMapping("", 22, 22),)
    assert dict(web.labels) == {"built": "2024-01-31", "enabled": "on"}


# -- ports and volumes


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('"80"', [PortMapping("", None, 80)]),
        ("80", [PortMapping("", None, 80)]),
        ('"8080:80"', [PortMapping("", 8080, 80)]),
        ('"127.0.0.1:8080:80/udp"', [PortMapping("127.0.0.1", 8080, 80, "udp")]),
        ('"127.0.0.1::80"', [PortMapping("127.0.0.1", None, 80)]),
        ('"[::1]:8080:80"', [PortMapping("::1", 8080, 80)]),
        (
            '"8000-8002:9000-9002"',
            [PortMapping("", 8000 + i, 9000 + i) for i in range(3)],
        ),
        ('"9090-9091:8080"', [PortMapping("", 9090, 8080, host_port_end=9091)]),
        ('"3000-3001"', [PortMapping("", None, 3000), PortMapping("", None, 3001)]),
        ("{target: 80}", [PortMapping("", None, 80)]),
        (
            "{target: 53, published: 5353, protocol: UDP, host_ip: 0.0.0.0}",
            [PortMapping("0.0.0.0", 5353, 53, "udp")],
        ),
        (
            '{target: 80, published: "8000-8001"}',
            [PortMapping("", 8000, 80, host_port_end=8001)],
        ),
    ],
)
def test_port_syntaxes(project: Path, entry: str, expected: list[PortMapping]) -> None:
    path = write(
        project, "compose.yaml", f"services:\n  web:\n    image: w\n    ports:\n      - {entry}\n"
    )
    assert list(load(path).service("web").ports) == expected


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('"99999:80"', "port 99999 is outside 1-65535"),
        ('"80:0"', "port 0 is outside"),
        ('"http:80"', "not a port number"),
        ('"8000-8002:9000-9001"', "differ in length"),
        ('"80/icmp"', "unknown protocol"),
        ('"9002-9000:80"', "runs backwards"),
        ("{published: 80}", "needs target"),
        ("true", "not true/false"),
    ],
)
def test_invalid_ports_are_refused(project: Path, entry: str, problem: str) -> None:
    """Decision: an error, not a warning: compose refuses these files, so they were never run."""
    path = write(
        project, "compose.yaml", f"services:\n  web:\n    image: w\n    ports:\n      - {entry}\n"
    )
    with pytest.raises(EvidenceError) as caught:
        load(path)
    message = str(caught.value)
    assert problem in message
    assert "web" in message and str(path) in message and "ports[0]" in message


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('"/data"', VolumeMount("volume", None, "/data")),
        ('"named:/data"', VolumeMount("volume", "named", "/data")),
        ('"./rel:/data:ro"', VolumeMount("bind", "./rel", "/data", read_only=True)),
        ('"~/home:/data:rw,Z"', VolumeMount("bind", "~/home", "/data", selinux="Z")),
        ('"/abs:/data:rshared"', VolumeMount("bind", "/abs", "/data", propagation="rshared")),
        ('"C:\\\\data:/data"', VolumeMount("bind", "C:\\data", "/data")),
        ('"vol:/data:nocopy"', VolumeMount("volume", "vol", "/data")),
        (
            "{type: volume, source: v, target: /data, read_only: true}",
            VolumeMount("volume", "v", "/data", read_only=True),
        ),
        ("{type: tmpfs, target: /tmp, tmpfs: {size: 1000}}", VolumeMount("tmpfs", None, "/tmp")),
        (
            "{type: bind, source: /srv, target: /srv, bind: {propagation: shared, selinux: z}}",
            VolumeMount("bind", "/srv", "/srv", propagation="shared", selinux="z"),
        ),
    ],
)
def test_volume_syntaxes(project: Path, entry: str, expected: VolumeMount) -> None:
    path = write(
        project, "compose.yaml", f"services:\n  web:\n    image: w\n    volumes:\n      - {entry}\n"
    )
    assert load(path).service("web").volumes == (expected,)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('"a:b:c:d"', "4 parts"),
        ('"/a:/b:sideways"', "unknown volume option"),
        ("{type: bind, source: /a}", "needs target"),
        ('""', "empty volume entry"),
    ],
)
def test_invalid_volumes_are_refused(project: Path, entry: str, problem: str) -> None:
    path = write(
        project, "compose.yaml", f"services:\n  web:\n    image: w\n    volumes:\n      - {entry}\n"
    )
    with pytest.raises(EvidenceError, match=problem):
        load(path)


# -- hostile files


def test_not_yaml_gives_the_line(project: Path) -> None:
    path = write(project, "compose.yaml", "services:\n  web:\n    image: [unclosed\n  db: x\n")
    with pytest.raises(EvidenceError) as caught:
        load(path)
    assert str(path) in str(caught.value) and "line" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- services\n- web\n", "the top level is a list"),
        ("just a string\n", "the top level is a string"),
        ("", "the file is empty"),
        ("services:\n  web: nginx\n", "a service must be a mapping"),
        ("services:\n  web:\n  - image\n", "a service must be a mapping"),
        ("services: [web]\n", "services must be a mapping"),
        ("services:\n  web:\n    image: a\n    image: b\n", "defined twice"),
        ("services:\n  web:\n    image: !!python/object/apply:os.system [id]\n", "not allowed"),
        ("services:\n  web:\n    image: !custom x\n", "not allowed"),
        ("services:\n  web:\n    environment: 42\n", "list of NAME=value or a mapping"),
        ("a: &a [*a]\n", "refers to itself"),
        ("services:\n  web:\n    privileged: maybe\n", "true or false"),
        ("services:\n  web:\n    mem_limit: lots\n", "is not a size"),
    ],
)
def test_hostile_structures_are_refused_clearly(project: Path, text: str, problem: str) -> None:
    path = write(project, "compose.yaml", text)
    with pytest.raises(EvidenceError) as caught:
        load(path)
    assert problem in str(caught.value)
    assert str(path) in str(caught.value) or "web" in str(caught.value)


@pytest.mark.timeout(60)  # bounded: a hostile input must not make it loop or crawl
def test_alias_bomb_fails_fast(project: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 9)}]")
    lines.append("services:\n  web:\n    image: nginx\n    command: *a9")
    path = write(project, "compose.yaml", "\n".join(lines) + "\n")
    with pytest.raises(EvidenceError, match=r"too many nodes \(YAML alias bomb\?\)"):
        load(path)


def test_deep_nesting_is_refused(project: Path) -> None:
    path = write(project, "compose.yaml", "x: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(EvidenceError, match="nest"):
        load(path)


def test_a_5_mb_file_is_refused_before_parsing(project: Path) -> None:
    path = project / "compose.yaml"
    path.write_bytes(b"services: {}\n" + b"#" * (5 * 1024 * 1024))
    with pytest.raises(EvidenceTooLargeError, match="over the cap of 4 MB"):
        load(path)


def test_binary_garbage_is_refused(project: Path) -> None:
    path = project / "compose.yaml"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(EvidenceError, match=r"not UTF-8 text \(byte 0x80 at offset 128\)"):
        load(path)


def test_control_characters_are_refused(project: Path) -> None:
    path = project / "compose.yaml"
    path.write_bytes(b"services:\n  web:\n    image: ngi\x00nx\n")
    with pytest.raises(EvidenceError, match="unacceptable character"):
        load(path)


def test_folders_fifos_and_missing_files_are_refused(project: Path) -> None:
    with pytest.raises(EvidenceError, match="no such file"):
        load(project / "absent.yaml")
    with pytest.raises(EvidenceError, match="folder"):
        load(project)
    fifo = project / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(EvidenceError, match="not a regular file"):
        load(fifo)  # would block forever if opened for a plain read


def test_no_files_is_an_error() -> None:
    with pytest.raises(EvidenceError, match="no compose file"):
        load_compose([])


# -- redaction


SECRETS = """\
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: Planted-Hard-Coded-1
      POSTGRES_USER: shop
      DATABASE_URL: postgres://shop:${DB_PASS}@db/shop
      PLAIN: ${PLAIN_VALUE}
    command: ["postgres", "-c", "password_encryption=scram-sha-256"]
    healthcheck:
      test: pg_isready -d "postgres://shop:Planted-Hard-Coded-1@localhost/shop"
  web:
    image: registry.example.com/web:${DEPLOY_TOKEN}
    command: >-
      gunicorn --secret-key Planted-Flag-Value-2 --api-key=Planted-Flag-Value-3
      DJANGO_SECRET_KEY=Planted-Inline-4
    entrypoint: ["/run.sh", "--password", "Planted-Argv-5"]
    labels:
      traefik.http.middlewares.auth.basicauth.users: "admin:Planted-Label-6"
      com.example.owner: team-a
    build:
      context: .
      args: {NPM_TOKEN: Planted-Build-Arg-7}
    environment:
      - SESSION_TOKEN=Planted-List-Form-8
"""


def test_planted_secrets_appear_nowhere_in_the_snapshot(project: Path) -> None:
    write(project, ".env", "DB_PASS=Planted-From-Dotenv-9\nDEPLOY_TOKEN=Planted-Token-10\n")
    path = write(project, "compose.yaml", SECRETS)
    loaded = load(path, environ={"PLAIN_VALUE": "Planted-Plain-11"})
    dumped = json.dumps(loaded.to_snapshot())
    assert "Planted" not in dumped
    assert "Planted" not in repr(loaded)
    db = loaded.service("db")
    assert dict(db.environment) == {
        "POSTGRES_PASSWORD": REDACTED,
        "POSTGRES_USER": REDACTED,
        "DATABASE_URL": REDACTED,
        "PLAIN": REDACTED,
    }
    web = loaded.service("web")
    assert web.image == f"registry.example.com/web:{REDACTED}"
    assert dict(web.labels)["com.example.owner"] == "team-a"
    assert db.command == ("postgres", "-c", "password_encryption=scram-sha-256")


def test_findings_name_locations_but_never_values(project: Path) -> None:
    write(project, ".env", "DB_PASS=Planted-From-Dotenv-9\nDEPLOY_TOKEN=Planted-Token-10\n")
    path = write(project, "compose.yaml", SECRETS)
    loaded = load(path, environ={"PLAIN_VALUE": "Planted-Plain-11"})
    where = f"compose:{path}:services."
    found = {(f.location.removeprefix(where), f.name, f.kind) for f in loaded.findings}
    assert ("db.environment.POSTGRES_PASSWORD", "POSTGRES_PASSWORD", "environment") in found
    assert ("db.environment.DATABASE_URL", "DATABASE_URL", "environment") in found
    assert ("web.environment.SESSION_TOKEN", "SESSION_TOKEN", "environment") in found
    assert ("db.healthcheck.test", "POSTGRES_PASSWORD", "command") in found
    assert ("web.image", "DEPLOY_TOKEN", "interpolated") in found
    assert ("web.command", "secret-key", "command") in found
    assert ("web.command", "api-key", "command") in found
    assert ("web.command", "DJANGO_SECRET_KEY", "command") in found
    assert ("web.entrypoint", "password", "command") in found
    assert (
        "web.labels.traefik.http.middlewares.auth.basicauth.users",
        "traefik.http.middlewares.auth.basicauth.users",
        "label",
    ) in found
    assert ("web.build.args.NPM_TOKEN", "NPM_TOKEN", "build-arg") in found
    names = {f.name for f in loaded.findings}
    assert "POSTGRES_USER" not in names and "PLAIN" not in names
    assert "com.example.owner" not in names
    assert "Planted" not in json.dumps([f.__dict__ for f in loaded.findings])
    assert "Planted" not in " ".join(loaded.warnings)


def test_a_secret_in_an_override_file_is_reported_against_that_file(project: Path) -> None:
    base = write(project, "compose.yaml", "services:\n  web:\n    image: w\n")
    override = write(
        project, "override.yaml", "services:\n  web:\n    environment: [API_KEY=Planted-12]\n"
    )
    loaded = load(base, override)
    assert [f.location for f in loaded.findings] == [
        f"compose:{override}:services.web.environment.API_KEY"
    ]


# -- extends


def test_extends_in_the_same_file_and_in_another_file(project: Path) -> None:
    common = write(
        project,
        "common.yaml",
        """\
        services:
          hardened:
            read_only: true
            cap_drop: [ALL]
            security_opt: ["no-new-privileges:true"]
            environment: {LOG_LEVEL: info, API_KEY: Planted-Common-13}
          base:
            extends: hardened
            user: "1000"
        """,
    )
    path = write(
        project,
        "compose.yaml",
        """\
        services:
          web:
            extends: {file: common.yaml, service: base}
            image: web
            cap_add: [NET_BIND_SERVICE]
          worker:
            extends: web
            image: worker
            read_only: false
        """,
    )
    loaded = load(path)
    web = loaded.service("web")
    assert (web.read_only, web.user, web.cap_drop) == (True, "1000", ("ALL",))
    assert web.cap_add == ("NET_BIND_SERVICE",)
    assert [name for name, _ in web.environment] == ["API_KEY", "LOG_LEVEL"]
    assert web.files == (str(common), str(path))
    worker = loaded.service("worker")
    assert (worker.image, worker.read_only, worker.user) == ("worker", False, "1000")
    assert [f.path for f in loaded.files] == [str(path), str(common)]
    assert [f.location for f in loaded.findings] == [
        f"compose:{common}:services.hardened.environment.API_KEY"
    ]
    assert "Planted" not in json.dumps(loaded.to_snapshot())


def test_extends_loops_and_missing_bases_are_refused(project: Path) -> None:
    loop = write(
        project,
        "compose.yaml",
        "services:\n  a:\n    extends: b\n  b:\n    extends: a\n",
    )
    with pytest.raises(EvidenceError, match="loops back"):
        load(loop)
    missing = write(project, "missing.yaml", "services:\n  a:\n    extends: nowhere\n")
    with pytest.raises(EvidenceError, match="service a extends nowhere"):
        load(missing)
    other = write(
        project, "other.yaml", "services:\n  a:\n    extends: {file: absent.yaml, service: x}\n"
    )
    with pytest.raises(EvidenceError, match=r"absent\.yaml: no such file"):
        load(other)


def test_the_process_environment_is_used_when_none_is_given(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITAPP_TEST_TAG", "from-process")
    path = write(
        project, "compose.yaml", "services:\n  web:\n    image: 'w:${AUDITAPP_TEST_TAG}'\n"
    )
    assert load_compose([path]).service("web").image == "w:from-process"


WRONG_SHAPES = [None, 0, -1, 1.5, True, "", "a:b:c:d", [], {}, [None], [[1]], {"a": [1]}, "${"]


def test_a_wrong_shape_anywhere_gives_evidence_error_or_a_result(project: Path) -> None:
    """Every service key of the full example, set to each wrong shape: no other exception."""
    document = yaml.safe_load(EVERYTHING)
    for key in list(document["services"]["api"]):
        for wrong in WRONG_SHAPES:
            mutated = json.loads(json.dumps(document))
            mutated["services"]["api"][key] = wrong
            path = project / "compose.yaml"
            path.write_text(json.dumps(mutated), encoding="utf-8")  # JSON is YAML
            with contextlib.suppress(EvidenceError):
                json.dumps(load(path, profiles=["prod"]).to_snapshot())
