"""Merging shaped compose files the way `docker compose -f a -f b` does.

Mappings merge recursively; `command`, `entrypoint` and `healthcheck.test` are replaced;
keyed settings (environment, labels, ...) merge by key; volumes and devices by target;
secrets and configs by mount path; other sequences are concatenated without duplicates.
`!reset` removes what earlier files said and `!override` replaces it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from typing import Any

from auditapp.evidence.compose_mounts import device_target, volume_target
from auditapp.evidence.compose_yaml import Override, Reset

_REPLACED = frozenset({"command", "entrypoint", "extends"})
_BY_KEY = frozenset({"environment", "labels", "annotations", "extra_hosts", "sysctls"})


def merge_files(
    files: Sequence[tuple[str, dict[str, Any]]],
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Merge shaped files in order; also return, per service, the files that define it."""
    merged: dict[str, Any] = {}
    origins: dict[str, list[str]] = {}
    for origin, data in files:
        for key, value in data.items():
            if key == "services":
                services = merged.setdefault("services", {})
                for name, service in value.items():
                    if isinstance(service, Reset):
                        services.pop(name, None)
                        origins.pop(name, None)
                        continue
                    if isinstance(service, Override):  # replaces the service wholesale
                        origins[name] = [origin]
                        services[name] = strip_markers(copy.deepcopy(service.value))
                        continue
                    origins.setdefault(name, []).append(origin)
                    if name in services:
                        services[name] = merge_service(services[name], service)
                    else:
                        services[name] = strip_markers(copy.deepcopy(service))
            elif isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = merge_mappings(merged[key], value)
            else:
                merged[key] = strip_markers(copy.deepcopy(value))
    return strip_markers(merged), origins


def merge_service(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, Reset):
            result.pop(key, None)
        elif isinstance(value, Override):
            result[key] = copy.deepcopy(value.value)
        elif key not in result or key in _REPLACED:
            result[key] = copy.deepcopy(value)
        else:
            result[key] = _merge_setting(key, result[key], value)
    return result


def _merge_setting(key: str, base: Any, value: Any) -> Any:
    keyed = key in _BY_KEY or key in ("depends_on", "networks", "ulimits")
    if keyed and isinstance(base, dict) and isinstance(value, dict):
        return merge_mappings(base, value, replace_values=key in _BY_KEY or key == "ulimits")
    if key == "volumes":
        return _by_index(base, value, volume_target)
    if key == "devices":
        return _by_index(base, value, device_target)
    if key == "secrets":
        return _by_index(base, value, _mount_index("/run/secrets/"))
    if key == "configs":
        return _by_index(base, value, _mount_index("/"))
    if key == "healthcheck" and isinstance(base, dict) and isinstance(value, dict):
        merged = merge_mappings(base, {k: v for k, v in value.items() if k != "test"})
        if "test" in value:
            merged["test"] = copy.deepcopy(_unwrap(value["test"]))
        return merged
    if key == "logging" and _other_driver(base, value):
        return copy.deepcopy(value)  # another driver: its options mean nothing to this one
    return _merge_any(base, value)


def _other_driver(base: Any, value: Any) -> bool:
    if not isinstance(base, dict) or not isinstance(value, dict):
        return False
    return "driver" in base and "driver" in value and base["driver"] != value["driver"]


def merge_mappings(
    base: dict[str, Any], override: dict[str, Any], *, replace_values: bool = False
) -> dict[str, Any]:
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, Reset):
            result.pop(key, None)
        elif isinstance(value, Override) or replace_values or key not in result:
            result[key] = copy.deepcopy(_unwrap(value))
        elif str(key).startswith("x-"):
            result[key] = copy.deepcopy(value)
        else:
            result[key] = _merge_any(result[key], value)
    return result


def _merge_any(base: Any, value: Any) -> Any:
    if isinstance(value, Reset):
        return None
    if isinstance(value, Override):
        return copy.deepcopy(value.value)
    if isinstance(base, dict) and isinstance(value, dict):
        return merge_mappings(base, value)
    if isinstance(base, list) and isinstance(value, list):
        return _concat_unique(base, value)
    if isinstance(value, dict) and base is None:
        return copy.deepcopy(value)
    if value is None and isinstance(base, dict):
        return base  # `networks: {front: }` in an override keeps what the base said
    return copy.deepcopy(value)


def _concat_unique(base: list[Any], value: list[Any]) -> list[Any]:
    seen: set[str] = set()
    result: list[Any] = []
    for item in [*base, *value]:
        if isinstance(item, Reset):
            continue
        key = _identity(item)
        if key not in seen:
            seen.add(key)
            result.append(copy.deepcopy(_unwrap(item)))
    return result


def _by_index(base: Any, value: Any, index: Callable[[Any], str]) -> Any:
    if not isinstance(base, list) or not isinstance(value, list):
        return copy.deepcopy(value)
    entries: dict[str, Any] = {}
    for item in [*base, *value]:
        entries[index(item)] = copy.deepcopy(item)
    return list(entries.values())


def _mount_index(default_dir: str) -> Callable[[Any], str]:
    def index(entry: Any) -> str:
        if isinstance(entry, dict):
            target = entry.get("target")
            if isinstance(target, str) and target:
                return target
            return f"{default_dir}{entry.get('source')}"
        return f"{default_dir}{entry}"

    return index


def strip_markers(value: Any) -> Any:
    """Drop `!reset` values and unwrap `!override` ones left after merging."""
    if isinstance(value, Override):
        return strip_markers(value.value)
    if isinstance(value, dict):
        return {k: strip_markers(v) for k, v in value.items() if not isinstance(v, Reset)}
    if isinstance(value, list):
        return [strip_markers(v) for v in value if not isinstance(v, Reset)]
    return value


def _unwrap(value: Any) -> Any:
    return value.value if isinstance(value, Override) else value


def _identity(item: Any) -> str:
    return json.dumps(item, sort_keys=True, default=repr)
