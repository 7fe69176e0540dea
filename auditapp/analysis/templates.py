"""Approved runtime templates: the schema officers write, checked strictly.

A template (TOML shown; JSON and YAML take the same keys) says how a component's containers
must run. Every key is optional; a key left out is not checked, except three dangerous things
that are refused unless the template allows them: privileged mode, host namespaces and a mount
of the container runtime's socket (docker.sock, containerd.sock, ..., a folder holding one or
the host's root, as `runtime_sockets` decides).

    description = "PCI hardened baseline"
    privileged = false                  # may it run privileged? (default false)
    capabilities_allowed = ["NET_BIND_SERVICE"]  # the effective set must be a subset
    seccomp = "default"                 # default | custom | any (any: a profile, not unconfined)
    apparmor = "required"               # required | any, or a list of allowed profile names
    selinux = "any"                     # required (a label= option) | any
    read_only_rootfs = true
    no_new_privileges = true
    host_namespaces_allowed = []        # of pid, ipc, uts, network, userns (default: none)
    mounts_allowed = ["/srv/config*"]   # globs on a mount's source or target; a runtime socket
                                        # only when a glob that names it (docker.sock, or the
                                        # folder exactly) matches it
    ports_bind = "loopback"             # none | loopback | specific (not 0.0.0.0) | any

    [user]
    non_root = true                     # uid 0 is a deviation
    allowed = ["10001"]                 # when given, the user (or its uid part) must be listed

    [limits]
    memory = true                       # a memory limit is required
    memory_max = "512m"                 # bytes, or a size with b/k/m/g/t (1024-based, as Docker)
    cpu = true                          # a CPU limit (--cpus) or CPU shares other than 1024
    cpus_max = 2.0
    pids = true
    pids_max = 200
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditapp.analysis.capabilities import ALL_CAPABILITIES, capability_name
from auditapp.errors import AuditappError

SECCOMP_CHOICES = ("default", "custom", "any")
APPARMOR_CHOICES = ("required", "any")
SELINUX_CHOICES = ("required", "any")
PORT_BINDS = ("none", "loopback", "specific", "any")
NAMESPACES = ("pid", "ipc", "uts", "network", "userns")
LIST_LIMIT = 200  # entries in one list: a template is written by hand
TEXT_LIMIT = 500  # characters in one string
SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
MAX_BYTES = 2**63 - 1  # what the engine stores in an int64


class TemplateError(AuditappError):
    """A template that cannot be used: names the key and what is wrong with it."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class UserPolicy:
    non_root: bool = False
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limits:
    memory: bool = False  # required (also implied by memory_max)
    memory_max: int | None = None  # bytes
    cpu: bool = False
    cpus_max: float | None = None
    pids: bool = False
    pids_max: int | None = None

    @property
    def needs_memory(self) -> bool:
        return self.memory or self.memory_max is not None

    @property
    def needs_cpu(self) -> bool:
        return self.cpu or self.cpus_max is not None

    @property
    def needs_pids(self) -> bool:
        return self.pids or self.pids_max is not None


@dataclass(frozen=True)
class SecurityTemplate:
    """An approved way to run a component. None means "not checked" for that key."""

    name: str = ""
    description: str = ""
    user: UserPolicy = field(default_factory=UserPolicy)
    privileged: bool = False
    capabilities_allowed: frozenset[str] | None = None
    seccomp: str | None = None
    apparmor: str | None = None  # "required" or "any"
    apparmor_profiles: tuple[str, ...] = ()  # when given, the profile must be one of these
    selinux: str | None = None
    read_only_rootfs: bool = False
    no_new_privileges: bool = False
    limits: Limits = field(default_factory=Limits)
    mounts_allowed: tuple[str, ...] | None = None
    host_namespaces_allowed: frozenset[str] = frozenset()
    ports_bind: str | None = None


_TOP = (
    "description",
    "user",
    "privileged",
    "capabilities_allowed",
    "seccomp",
    "apparmor",
    "selinux",
    "read_only_rootfs",
    "no_new_privileges",
    "limits",
    "mounts_allowed",
    "host_namespaces_allowed",
    "ports_bind",
)
_USER = ("non_root", "allowed")
_LIMITS = ("memory", "memory_max", "cpu", "cpus_max", "pids", "pids_max")


def parse_template(data: Mapping[str, Any], *, name: str = "") -> SecurityTemplate:
    """A template from its parsed file (or its stored JSON body); TemplateError on the first
    key that is unknown, of the wrong type or out of range."""
    if not isinstance(data, Mapping):
        raise TemplateError("", f"a template is a table of keys, not {_kind(data)}")
    _known(data, _TOP, "")
    user = _table(data, "user")
    limits = _table(data, "limits")
    _known(user, _USER, "user.")
    _known(limits, _LIMITS, "limits.")
    apparmor, profiles = _apparmor(data.get("apparmor"))
    return SecurityTemplate(
        name=name,
        description=_text(data, "description") or "",
        user=UserPolicy(
            non_root=_flag(user, "non_root", "user."),
            allowed=_strings(user, "allowed", "user.") or (),
        ),
        privileged=_flag(data, "privileged"),
        capabilities_allowed=_capabilities(data),
        seccomp=_choice(data, "seccomp", SECCOMP_CHOICES),
        apparmor=apparmor,
        apparmor_profiles=profiles,
        selinux=_choice(data, "selinux", SELINUX_CHOICES),
        read_only_rootfs=_flag(data, "read_only_rootfs"),
        no_new_privileges=_flag(data, "no_new_privileges"),
        limits=Limits(
            memory=_flag(limits, "memory", "limits."),
            memory_max=_size(limits.get("memory_max")),
            cpu=_flag(limits, "cpu", "limits."),
            cpus_max=_cpus(limits.get("cpus_max")),
            pids=_flag(limits, "pids", "limits."),
            pids_max=_count(limits.get("pids_max")),
        ),
        mounts_allowed=_strings(data, "mounts_allowed"),
        host_namespaces_allowed=frozenset(_namespaces(data)),
        ports_bind=_choice(data, "ports_bind", PORT_BINDS),
    )


def to_body(t: SecurityTemplate) -> dict[str, Any]:
    """The template in canonical form (the keys that are set, values normalised), as stored;
    `parse_template(to_body(t), name=t.name) == t`."""
    body: dict[str, Any] = {"privileged": t.privileged}
    if t.description:
        body["description"] = t.description
    user: dict[str, Any] = {"non_root": t.user.non_root} if t.user.non_root else {}
    if t.user.allowed:
        user["allowed"] = list(t.user.allowed)
    if user:
        body["user"] = user
    if t.capabilities_allowed is not None:
        body["capabilities_allowed"] = sorted(t.capabilities_allowed)
    for key in ("seccomp", "selinux", "ports_bind"):
        if getattr(t, key) is not None:
            body[key] = getattr(t, key)
    if t.apparmor_profiles:
        body["apparmor"] = list(t.apparmor_profiles)
    elif t.apparmor is not None:
        body["apparmor"] = t.apparmor
    for key in ("read_only_rootfs", "no_new_privileges"):
        if getattr(t, key):
            body[key] = True
    limits = {k: getattr(t.limits, k) for k in _LIMITS if getattr(t.limits, k) not in (None, False)}
    if limits:
        body["limits"] = limits
    if t.mounts_allowed is not None:
        body["mounts_allowed"] = list(t.mounts_allowed)
    body["host_namespaces_allowed"] = sorted(t.host_namespaces_allowed)
    return body


def _known(data: Mapping[str, Any], known: tuple[str, ...], prefix: str) -> None:
    for key in data:
        if not isinstance(key, str) or key not in known:
            raise TemplateError(
                f"{prefix}{key}", f"unknown key; known keys: {', '.join(prefix + k for k in known)}"
            )


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise TemplateError(key, f"expected a table of keys, found {_kind(value)}")
    return value


def _flag(data: Mapping[str, Any], key: str, prefix: str = "") -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise TemplateError(prefix + key, f"expected true or false, found {_kind(value)}")
    return value


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else _checked_text(value, key)


def _checked_text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise TemplateError(key, f"expected a string, found {_kind(value)}")
    if len(value) > TEXT_LIMIT:
        raise TemplateError(key, f"longer than {TEXT_LIMIT} characters")
    if any((ord(c) < 32 and c not in "\t\n") or ord(c) == 127 for c in value):
        raise TemplateError(key, "contains control characters")
    return value


def _choice(data: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str | None:
    value = _text(data, key)
    if value is not None and value not in choices:
        raise TemplateError(key, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _strings(data: Mapping[str, Any], key: str, prefix: str = "") -> tuple[str, ...] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        raise TemplateError(prefix + key, f"expected a list of strings, found {_kind(value)}")
    if len(value) > LIST_LIMIT:
        raise TemplateError(prefix + key, f"more than {LIST_LIMIT} entries")
    items = []
    for index, item in enumerate(value):
        where = f"{prefix}{key}[{index}]"
        if not isinstance(item, str) or not item.strip():
            raise TemplateError(where, f"expected a non-empty string, found {_kind(item)}")
        items.append(_checked_text(item, where).strip())
    return tuple(dict.fromkeys(items))


def _capabilities(data: Mapping[str, Any]) -> frozenset[str] | None:
    names = _strings(data, "capabilities_allowed")
    if names is None:
        return None
    found = set()
    for index, raw in enumerate(names):
        name = capability_name(raw)
        if name == "ALL":
            raise TemplateError(
                f"capabilities_allowed[{index}]",
                "ALL is not a capability: list the ones allowed, or leave the key out",
            )
        if name not in ALL_CAPABILITIES:
            raise TemplateError(f"capabilities_allowed[{index}]", f"unknown capability {raw!r}")
        found.add(name)
    return frozenset(found)


def _apparmor(value: Any) -> tuple[str | None, tuple[str, ...]]:
    if isinstance(value, list | tuple):
        profiles = _strings({"apparmor": value}, "apparmor") or ()
        if not profiles:
            raise TemplateError("apparmor", "an empty list allows no profile at all")
        if "unconfined" in profiles:
            raise TemplateError("apparmor", 'unconfined is no profile: use apparmor = "any"')
        return "required", profiles
    return _choice({"apparmor": value}, "apparmor", APPARMOR_CHOICES), ()


def _namespaces(data: Mapping[str, Any]) -> tuple[str, ...]:
    names = _strings(data, "host_namespaces_allowed") or ()
    for index, name in enumerate(names):
        if name not in NAMESPACES:
            raise TemplateError(
                f"host_namespaces_allowed[{index}]",
                f"{name!r} is not one of {', '.join(NAMESPACES)}",
            )
    return names


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?", re.IGNORECASE)


def _size(value: Any) -> int | None:
    key = "limits.memory_max"
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TemplateError(key, f'expected bytes or a size such as "512m", found {_kind(value)}')
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE.fullmatch(value.strip()) if len(value) <= 40 else None
        if match is None:
            raise TemplateError(key, f'{value[:40]!r} is not a size such as "512m" or "1GiB"')
        size = int(float(match.group(1)) * SIZE_UNITS[match.group(2).lower()])
    if not 0 < size <= MAX_BYTES:
        raise TemplateError(key, "must be more than 0 bytes and fit in 64 bits")
    return size


def _cpus(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TemplateError("limits.cpus_max", f"expected a number of CPUs, found {_kind(value)}")
    if not 0 < value <= 4096:  # also refuses NaN and infinity, and ints too big for a float
        raise TemplateError("limits.cpus_max", "must be more than 0 and at most 4096")
    return float(value)


def _count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TemplateError("limits.pids_max", f"expected a whole number, found {_kind(value)}")
    if not 0 < value <= 2**31:
        raise TemplateError("limits.pids_max", "must be more than 0 and at most 2147483648")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a value of type {type(value).__name__}"
