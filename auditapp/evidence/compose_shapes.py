"""One shape per key: the short and long forms a compose file allows, turned into one form.

Done per file, before merging, so that `environment: [A=1]` in one file and
`environment: {A: 2}` in the next merge by key. Unknown keys become warnings.
"""

from __future__ import annotations

from typing import Any

from auditapp.evidence.compose_keys import SERVICE_KEYS, TOP_LEVEL_KEYS, TOP_LEVEL_KNOWN_IGNORED
from auditapp.evidence.compose_yaml import Override, Reset
from auditapp.evidence.errors import EvidenceError

KEYED_LISTS = ("environment", "labels", "annotations", "extra_hosts", "sysctls")
STRING_LISTS = (
    "cap_add",
    "cap_drop",
    "security_opt",
    "dns",
    "dns_search",
    "dns_opt",
    "tmpfs",
    "expose",
    "profiles",
    "group_add",
    "external_links",
    "links",
    "volumes_from",
    "device_cgroup_rules",
)
LIST_VALUED = ("ports", "volumes", "devices", "secrets", "configs", "env_file")


class Shaper:
    """Canonicalises one file's top level; collects warnings about it."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.warnings: list[str] = []

    def error(self, path: str, problem: str) -> EvidenceError:
        return EvidenceError(f"compose file {self.origin} at {path}: {problem}")

    def shape_file(self, data: dict[str, Any]) -> dict[str, Any]:
        shaped: dict[str, Any] = {}
        for key, value in data.items():
            key = str(key)
            if key.startswith("x-") or key in TOP_LEVEL_KNOWN_IGNORED:
                continue
            if key not in TOP_LEVEL_KEYS:
                self.warnings.append(f"{self.origin}: unknown top-level key {key!r} ignored")
                continue
            if key == "version":
                continue  # obsolete; compose ignores it too
            if key == "include":
                self.warnings.append(
                    f"{self.origin}: include: is not followed; collect the included files "
                    "with --compose as well"
                )
                continue
            if key == "services":
                shaped[key] = self.shape_services(value)
            elif key in ("networks", "volumes", "secrets", "configs"):
                shaped[key] = self.named_mapping(value, key)
            else:
                shaped[key] = value
        return shaped

    def shape_services(self, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error("services", "services must be a mapping of service names")
        services: dict[str, Any] = {}
        for name, service in value.items():
            name = str(name)
            if isinstance(service, Reset):
                services[name] = service
                continue
            if isinstance(service, Override) and isinstance(service.value, dict):
                services[name] = Override(self.shape_service(name, service.value))
                continue
            if not isinstance(service, dict):
                raise self.error(f"services.{name}", "a service must be a mapping of its settings")
            services[name] = self.shape_service(name, service)
        return services

    def named_mapping(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(path, f"{path} must be a mapping of names")
        result: dict[str, Any] = {}
        for name, item in value.items():
            if item is not None and not isinstance(item, dict | Reset | Override):
                raise self.error(f"{path}.{name}", "must be a mapping")
            result[str(name)] = {} if item is None else item
        return result

    def shape_service(self, name: str, service: dict[str, Any]) -> dict[str, Any]:
        shaped: dict[str, Any] = {}
        for key, value in service.items():
            key = str(key)
            path = f"services.{name}.{key}"
            if key.startswith("x-"):
                continue
            if key not in SERVICE_KEYS:
                self.warnings.append(f"{self.origin}: unknown key {path!r} ignored")
                continue
            shaped[key] = self.shape_value(key, value, path)
        return shaped

    def shape_value(self, key: str, value: Any, path: str) -> Any:
        if isinstance(value, Reset):
            return value
        if isinstance(value, Override):
            return Override(self.shape_value(key, value.value, path))
        if key in KEYED_LISTS:
            return self.keyed(value, path, key)
        if key in STRING_LISTS:
            return self.string_list(value, path)
        if key in LIST_VALUED:
            return self.string_list(value, path) if key == "env_file" else self.listed(value, path)
        if key == "build":
            return self.build(value, path)
        if key == "networks":
            return self.networks(value, path)
        if key == "depends_on":
            return self.depends_on(value, path)
        if key == "ulimits":
            if not isinstance(value, dict):
                raise self.error(path, "must be a mapping")
            return {str(k): v for k, v in value.items()}
        return value

    def keyed(self, value: Any, path: str, key: str) -> dict[str, Any]:
        """`[A=1, B]` and `{A: 1, B: null}` both become `{A: "1", B: None}`."""
        if value is None:
            return {}
        separator = ":" if key == "extra_hosts" else "="
        result: dict[str, Any] = {}
        if isinstance(value, list):
            for i, entry in enumerate(value):
                if not isinstance(entry, str):
                    raise self.error(f"{path}[{i}]", "a list entry must be a string NAME=value")
                if key == "extra_hosts" and "=" in entry:
                    separator = "="
                name, sep, item = entry.partition(separator)
                result[name.strip()] = item if sep else None
            return result
        if isinstance(value, dict):
            for name, item in value.items():
                if isinstance(item, Reset):
                    result[str(name)] = item
                elif isinstance(item, list) and key == "extra_hosts":
                    result[str(name)] = ",".join(str(x) for x in item)
                elif isinstance(item, dict | list):
                    raise self.error(f"{path}.{name}", "the value must be a string or number")
                else:
                    result[str(name)] = scalar_text(item)
            return result
        raise self.error(path, "must be a list of NAME=value or a mapping")

    def string_list(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, str | int | float):
            return [scalar_text(value)]
        if isinstance(value, list):
            return [item if isinstance(item, dict) else scalar_text(item) for item in value]
        raise self.error(path, "must be a string or a list")

    def listed(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(path, "must be a list")
        return list(value)

    def build(self, value: Any, path: str) -> dict[str, Any]:
        if isinstance(value, str):
            return {"context": value}
        if not isinstance(value, dict):
            raise self.error(path, "must be a path or a mapping with context:")
        shaped = dict(value)
        if "args" in shaped:
            shaped["args"] = self.keyed(shaped["args"], f"{path}.args", "args")
        return shaped

    def networks(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if isinstance(value, list):
            return {str(item): None for item in value}
        if isinstance(value, dict):
            result: dict[str, Any] = {}
            for name, item in value.items():
                if item is not None and not isinstance(item, dict | Reset | Override):
                    raise self.error(f"{path}.{name}", "must be a mapping or empty")
                result[str(name)] = item
            return result
        raise self.error(path, "must be a list of network names or a mapping")

    def depends_on(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if isinstance(value, list):
            return {str(item): {"condition": "service_started", "required": True} for item in value}
        if isinstance(value, dict):
            result: dict[str, Any] = {}
            for name, item in value.items():
                if isinstance(item, Reset):
                    result[str(name)] = item
                    continue
                if item is not None and not isinstance(item, dict):
                    raise self.error(f"{path}.{name}", "must be a mapping with condition:")
                result[str(name)] = {"condition": "service_started", "required": True} | (
                    item or {}
                )
            return result
        raise self.error(path, "must be a list of service names or a mapping")


def scalar_text(value: Any) -> Any:
    """Numbers and booleans as compose writes them into strings (`true`, not `True`)."""
    if value is None or isinstance(value, Reset | Override):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return value
