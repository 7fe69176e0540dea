"""One merged, redacted service mapping turned into a `ComposeService`."""

from __future__ import annotations

import re
from typing import Any

from auditapp.evidence.compose_model import (
    ComposeService,
    Dependency,
    HealthCheck,
    PortMapping,
    ResourceLimits,
    ServiceNetwork,
    Ulimit,
)
from auditapp.evidence.compose_mounts import MountError, parse_device_entry, parse_volume_entry
from auditapp.evidence.compose_ports import PortError, parse_port_entry
from auditapp.evidence.errors import EvidenceError
from auditapp.evidence.redaction import REDACTED

MAX_PORTS = 65_536
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})
_RESTART_FROM_DEPLOY = {"any": "always", "on-failure": "on-failure", "none": "no"}


class ServiceBuilder:
    """Builds one service; errors name the service and the files it came from."""

    def __init__(self, name: str, raw: dict[str, Any], files: tuple[str, ...]) -> None:
        self.name = name
        self.raw = raw
        self.files = files
        self.warnings: list[str] = []

    def error(self, key: str, problem: str) -> EvidenceError:
        return EvidenceError(
            f"compose service {self.name} ({', '.join(self.files)}) at {key}: {problem}",
            hint="docker compose would refuse this file too",
        )

    def build(self) -> ComposeService:
        raw = self.raw
        build = raw.get("build")
        network_mode = self.text("network_mode")
        return ComposeService(
            name=self.name,
            files=self.files,
            image=self.text("image"),
            build_context=str(build.get("context") or ".") if isinstance(build, dict) else None,
            container_name=self.text("container_name"),
            ports=self.ports(),
            expose=self.strings("expose"),
            networks=self.networks(network_mode),
            network_mode=network_mode,
            volumes=self.volumes(),
            tmpfs=self.strings("tmpfs"),
            cap_add=tuple(_capability(c) for c in self.strings("cap_add")),
            cap_drop=tuple(_capability(c) for c in self.strings("cap_drop")),
            privileged=self.flag("privileged"),
            read_only=self.flag("read_only"),
            user=self.text("user"),
            security_opt=self.strings("security_opt"),
            pid=self.text("pid"),
            ipc=self.text("ipc"),
            uts=self.text("uts"),
            userns_mode=self.text("userns_mode"),
            cgroup_parent=self.text("cgroup_parent"),
            devices=self.devices(),
            limits=self.limits(),
            healthcheck=self.healthcheck(),
            restart=self.restart(),
            restart_max_attempts=self.restart_max_attempts(),
            environment=self.environment(),
            env_files=self.env_files(),
            depends_on=self.depends_on(),
            labels=tuple(sorted((k, str(v)) for k, v in self.mapping("labels").items())),
            command=self.command("command"),
            entrypoint=self.command("entrypoint"),
            profiles=self.strings("profiles"),
            secrets=self.mount_names("secrets"),
            configs=self.mount_names("configs"),
            sysctls=tuple(sorted((k, str(v)) for k, v in self.mapping("sysctls").items())),
            ulimits=self.ulimits(),
            logging_driver=self.logging_driver(),
        )

    # -- scalars

    def text(self, key: str, value: Any = None, *, raw: dict[str, Any] | None = None) -> str | None:
        value = (raw if raw is not None else self.raw).get(key) if value is None else value
        if value is None:
            return None
        if isinstance(value, dict | list):
            raise self.error(key, "must be a single value")
        return _scalar(value)

    def flag(self, key: str) -> bool:
        value = self.raw.get(key)
        if value is None or isinstance(value, bool):
            return bool(value)
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise self.error(key, "must be true or false")

    def strings(self, key: str, *, raw: dict[str, Any] | None = None) -> tuple[str, ...]:
        value = (raw if raw is not None else self.raw).get(key)
        if value is None:
            return ()
        if isinstance(value, dict):
            raise self.error(key, "must be a string or a list of strings")
        if not isinstance(value, list):
            value = [value]
        if any(isinstance(item, dict | list) for item in value):
            raise self.error(key, "must be a list of strings")
        return tuple(_scalar(item) for item in value if item is not None)

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.raw.get(key) or {}
        if not isinstance(value, dict):
            raise self.error(key, "must be a mapping")
        return value

    # -- structured settings

    def ports(self) -> tuple[PortMapping, ...]:
        entries = self.raw.get("ports") or []
        mappings: dict[PortMapping, None] = {}
        for i, entry in enumerate(entries):
            try:
                for mapping in parse_port_entry(entry):
                    mappings[mapping] = None
            except PortError as error:
                raise self.error(f"ports[{i}]", str(error)) from None
            if len(mappings) > MAX_PORTS:
                raise self.error("ports", f"more than {MAX_PORTS:,} ports once ranges are expanded")
        return tuple(mappings)

    def networks(self, network_mode: str | None) -> tuple[ServiceNetwork, ...]:
        value = self.mapping("networks")
        if network_mode and value:
            self.warnings.append(
                f"service {self.name}: network_mode and networks are both set; compose refuses that"
            )
        if not value:
            return () if network_mode else (ServiceNetwork("default"),)
        result = []
        for name, settings in sorted(value.items()):
            settings = settings if isinstance(settings, dict) else {}
            aliases = self.strings("aliases", raw=settings)
            result.append(
                ServiceNetwork(
                    name=name,
                    aliases=tuple(sorted(set(aliases))),
                    ipv4_address=self.text("ipv4_address", raw=settings),
                    ipv6_address=self.text("ipv6_address", raw=settings),
                )
            )
        return tuple(result)

    def volumes(self) -> tuple[Any, ...]:
        result = []
        for i, entry in enumerate(self.raw.get("volumes") or []):
            try:
                result.append(parse_volume_entry(entry))
            except MountError as error:
                raise self.error(f"volumes[{i}]", str(error)) from None
        return tuple(result)

    def devices(self) -> tuple[Any, ...]:
        result = []
        for i, entry in enumerate(self.raw.get("devices") or []):
            try:
                result.append(parse_device_entry(entry))
            except MountError as error:
                raise self.error(f"devices[{i}]", str(error)) from None
        return tuple(result)

    def limits(self) -> ResourceLimits:
        deploy = self.mapping("deploy")
        resources = deploy.get("resources") if isinstance(deploy.get("resources"), dict) else {}
        assert isinstance(resources, dict)
        limits = resources.get("limits") if isinstance(resources.get("limits"), dict) else {}
        assert isinstance(limits, dict)
        cpus = self._pick("cpus", limits.get("cpus"), self.raw.get("cpus"), self._cpus)
        memory = self._pick("memory", limits.get("memory"), self.raw.get("mem_limit"), self._bytes)
        pids = self._pick("pids", limits.get("pids"), self.raw.get("pids_limit"), self._pids)
        return ResourceLimits(cpus=cpus, memory_bytes=memory, pids=pids)

    def _pick(self, what: str, deployed: Any, direct: Any, parse: Any) -> Any:
        deployed_value = None if deployed is None else parse(what, deployed)
        direct_value = None if direct is None else parse(what, direct)
        if deployed is not None and direct is not None and deployed_value != direct_value:
            self.warnings.append(
                f"service {self.name}: deploy.resources.limits.{what} and the service-level "
                f"limit differ; the deploy value is recorded"
            )
        return deployed_value if deployed is not None else direct_value

    def _cpus(self, what: str, value: Any) -> float | None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise self.error(what, "is not a number of CPUs") from None
        return number if number > 0 else None

    def _bytes(self, what: str, value: Any) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return value if value > 0 else None
        match = _MEMORY.match(str(value).strip())
        if match is None:
            raise self.error(what, "is not a size such as 512m or 2g")
        size = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
        return size if size > 0 else None

    def _pids(self, what: str, value: Any) -> int | None:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise self.error(what, "is not a whole number") from None
        return number if number > 0 else None  # 0 and -1 mean unlimited

    def healthcheck(self) -> HealthCheck | None:
        value = self.raw.get("healthcheck")
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error("healthcheck", "must be a mapping")
        test = value.get("test")
        words: tuple[str, ...] = ()
        if isinstance(test, str):
            words = ("CMD-SHELL", test)
        elif isinstance(test, list):
            words = tuple(_scalar(word) for word in test)
        retries = value.get("retries")
        try:
            retries_number = None if retries is None else int(retries)
        except (TypeError, ValueError):
            raise self.error("healthcheck.retries", "is not a whole number") from None
        return HealthCheck(
            test=words,
            interval=self.text("interval", raw=value),
            timeout=self.text("timeout", raw=value),
            start_period=self.text("start_period", raw=value),
            start_interval=self.text("start_interval", raw=value),
            retries=retries_number,
            disabled=value.get("disable") in (True, "true") or words[:1] == ("NONE",),
        )

    def restart(self) -> str | None:
        if (explicit := self.text("restart")) is not None:
            return explicit
        policy = self.mapping("deploy").get("restart_policy")
        if isinstance(policy, dict) and policy.get("condition") is not None:
            condition = _scalar(policy["condition"])
            return _RESTART_FROM_DEPLOY.get(condition, condition)
        return None

    def restart_max_attempts(self) -> int | None:
        policy = self.mapping("deploy").get("restart_policy")
        if not isinstance(policy, dict) or policy.get("max_attempts") is None:
            return None
        try:
            return int(policy["max_attempts"])
        except (TypeError, ValueError):
            raise self.error(
                "deploy.restart_policy.max_attempts", "is not a whole number"
            ) from None

    def environment(self) -> tuple[tuple[str, str | None], ...]:
        # values were redacted file by file; this makes sure no raw value can slip through
        return tuple(
            sorted(
                (name, None if value is None else REDACTED)
                for name, value in self.mapping("environment").items()
            )
        )

    def env_files(self) -> tuple[str, ...]:
        result = []
        for entry in self.raw.get("env_file") or []:
            path = entry.get("path") if isinstance(entry, dict) else entry
            if path is not None:
                result.append(_scalar(path))
        return tuple(result)

    def depends_on(self) -> tuple[Dependency, ...]:
        result = []
        for name, settings in sorted(self.mapping("depends_on").items()):
            settings = settings if isinstance(settings, dict) else {}
            required = settings.get("required", True)
            result.append(
                Dependency(
                    service=name,
                    condition=_scalar(settings.get("condition") or "service_started"),
                    required=required not in (False, "false"),
                )
            )
        return tuple(result)

    def command(self, key: str) -> str | tuple[str, ...] | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, list):
            return tuple(_scalar(word) for word in value)
        if isinstance(value, dict):
            raise self.error(key, "must be a string or a list")
        return _scalar(value)

    def mount_names(self, key: str) -> tuple[str, ...]:
        names = []
        for entry in self.raw.get(key) or []:
            source = entry.get("source") if isinstance(entry, dict) else entry
            if source is not None:
                names.append(_scalar(source))
        return tuple(sorted(set(names)))

    def ulimits(self) -> tuple[Ulimit, ...]:
        result = []
        for name, value in sorted(self.mapping("ulimits").items()):
            try:
                if isinstance(value, dict):
                    result.append(Ulimit(name, int(value["soft"]), int(value["hard"])))
                else:
                    result.append(Ulimit(name, int(value), int(value)))
            except (KeyError, TypeError, ValueError):
                raise self.error(f"ulimits.{name}", "needs a number or soft: and hard:") from None
        return tuple(result)

    def logging_driver(self) -> str | None:
        logging = self.raw.get("logging")
        return self.text("driver", raw=logging) if isinstance(logging, dict) else None


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _capability(name: str) -> str:
    upper = name.strip().upper()
    return upper.removeprefix("CAP_")
