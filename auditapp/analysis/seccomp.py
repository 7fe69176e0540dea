"""Seccomp profiles in Docker's (moby's) JSON format, and how one differs from Docker's default.

A profile has a default action and rules: each names syscalls, an action, optional argument
conditions, and `includes`/`excludes` filters on architecture, capabilities and kernel
version. Which syscalls a profile lets through depends on those filters, so a profile is read
for one context: an architecture (amd64 unless said) and the container's capabilities
(Docker's default set unless said). The kernel is assumed new enough for every minKernel.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from auditapp.analysis.capabilities import DEFAULT_CAPABILITIES, capability_name
from auditapp.errors import AuditappError
from auditapp.resources import resource_path

ALLOWING = frozenset({"SCMP_ACT_ALLOW", "SCMP_ACT_LOG"})
# TRACE without a tracer and NOTIFY without a listener fail the call, so they block too.
BLOCKING = frozenset(
    {
        "SCMP_ACT_ERRNO",
        "SCMP_ACT_KILL",
        "SCMP_ACT_KILL_THREAD",
        "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_TRAP",
        "SCMP_ACT_TRACE",
        "SCMP_ACT_NOTIFY",
    }
)
TEXT_LIMIT = 4 * 1024 * 1024
RULE_LIMIT = 10_000
NAME_LIMIT = 100
# Syscalls Docker's default profile keeps from containers because they reach into the kernel
# or the host (mounting, namespaces, module loading, kexec, tracing, eBPF, keyrings, time):
# a custom profile that allows one of them deserves a close look.
DANGEROUS_SYSCALLS = frozenset(
    {
        "acct",
        "add_key",
        "bpf",
        "clock_settime",
        "clone3",
        "create_module",
        "delete_module",
        "finit_module",
        "fsconfig",
        "fsmount",
        "fsopen",
        "init_module",
        "ioperm",
        "iopl",
        "kcmp",
        "kexec_file_load",
        "kexec_load",
        "keyctl",
        "lookup_dcookie",
        "mount",
        "move_mount",
        "open_by_handle_at",
        "open_tree",
        "perf_event_open",
        "pivot_root",
        "process_vm_readv",
        "process_vm_writev",
        "ptrace",
        "quotactl",
        "reboot",
        "request_key",
        "setns",
        "settimeofday",
        "swapoff",
        "swapon",
        "syslog",
        "umount",
        "umount2",
        "unshare",
        "uselib",
        "userfaultfd",
    }
)


class SeccompError(AuditappError):
    """A seccomp profile that cannot be read."""


@dataclass(frozen=True)
class Condition:
    """An includes/excludes filter: architectures (Go names: amd64, arm64, s390x), capability
    names (without CAP_), and the lowest kernel version."""

    arches: tuple[str, ...] = ()
    caps: tuple[str, ...] = ()
    min_kernel: str = ""


@dataclass(frozen=True)
class SyscallRule:
    names: tuple[str, ...]
    action: str
    has_args: bool = False  # the action applies only when argument conditions hold
    includes: Condition = Condition()
    excludes: Condition = Condition()

    def applies(self, arch: str, caps: frozenset[str]) -> bool:
        """Whether Docker installs this rule for a container on `arch` with `caps` (moby's
        setupSeccomp: every included cap present, no excluded cap or arch)."""
        inc, exc = self.includes, self.excludes
        if inc.arches and arch not in inc.arches:
            return False
        if inc.caps and not all(c in caps for c in inc.caps):
            return False
        if arch in exc.arches:
            return False
        return not any(c in caps for c in exc.caps)


@dataclass(frozen=True)
class SeccompProfile:
    default_action: str
    rules: tuple[SyscallRule, ...]
    architectures: tuple[str, ...] = ()  # SCMP_ARCH_* from archMap and architectures

    @property
    def default_allows(self) -> bool:
        return self.default_action in ALLOWING


@dataclass(frozen=True)
class SyscallView:
    """What a profile lets through in one context. With an allowing default action, `allowed`
    holds only what rules allow explicitly: everything not in `blocked` passes as well."""

    default_allows: bool
    allowed: frozenset[str]  # allowed whatever the arguments
    conditional: frozenset[str]  # allowed only for some argument values
    blocked: frozenset[str]  # blocked by a rule (meaningful when the default allows)


@dataclass(frozen=True)
class SeccompComparison:
    """A profile against Docker's default in the same context."""

    default_action: str
    docker_default_action: str
    allows_unlisted: bool  # the default action lets every syscall not named through
    added: tuple[str, ...]  # allowed here, never by Docker's default
    widened: tuple[str, ...]  # Docker's default allows only some argument values; this, all
    removed: tuple[str, ...]  # allowed by Docker's default, blocked here
    dangerous: tuple[str, ...]  # of added and widened (or all of them, when allows_unlisted)

    @property
    def default_action_changed(self) -> bool:
        return self.default_action != self.docker_default_action

    @property
    def allows_beyond_default(self) -> bool:
        return self.allows_unlisted or bool(self.added or self.widened)


def looks_like_profile(data: Any) -> bool:
    """A JSON document with the two keys every profile has: defaultAction and syscalls."""
    return isinstance(data, Mapping) and "defaultAction" in data and "syscalls" in data


def parse_profile(text: str | bytes) -> SeccompProfile:
    """A profile from its JSON text; SeccompError saying what is wrong."""
    if len(text) > TEXT_LIMIT:
        raise SeccompError(f"the profile is larger than {TEXT_LIMIT // (1024 * 1024)} MB")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise SeccompError(f"the profile is not JSON: {str(error)[:120]}") from None
    return profile_from_data(data)


def profile_from_data(data: Any) -> SeccompProfile:
    if not looks_like_profile(data):
        raise SeccompError("not a seccomp profile: it needs defaultAction and syscalls")
    default = _action(data.get("defaultAction"), "defaultAction")
    syscalls = data.get("syscalls")
    if syscalls is None:
        syscalls = []  # Docker accepts "syscalls": null (only the default action applies)
    if not isinstance(syscalls, list):
        raise SeccompError("syscalls: expected a list")
    if len(syscalls) > RULE_LIMIT:
        raise SeccompError(f"syscalls: more than {RULE_LIMIT} rules")
    rules = tuple(_rule(entry, f"syscalls[{i}]") for i, entry in enumerate(syscalls))
    return SeccompProfile(default, rules, _architectures(data))


def evaluate(
    profile: SeccompProfile,
    *,
    arch: str = "amd64",
    caps: Iterable[str] = DEFAULT_CAPABILITIES,
) -> SyscallView:
    """The syscalls `profile` allows for a container on `arch` with capabilities `caps`.
    A syscall that one rule allows outright and another blocks counts as allowed: Docker
    profiles use blocking rules for exceptions under an allowing default, not the reverse."""
    wanted = frozenset(capability_name(c) for c in caps)
    allowed: set[str] = set()
    conditional: set[str] = set()
    blocked: set[str] = set()
    for r in profile.rules:
        if not r.applies(arch, wanted):
            continue
        if r.action in ALLOWING:
            (conditional if r.has_args else allowed).update(r.names)
        elif not r.has_args:
            blocked.update(r.names)
    return SyscallView(
        profile.default_allows,
        frozenset(allowed),
        frozenset(conditional - allowed),
        frozenset(blocked - allowed),
    )


@cache
def docker_default() -> SeccompProfile:
    """Docker's default profile as shipped in resources/seccomp (see the NOTICE there)."""
    path = resource_path("seccomp", "docker-default.json")
    return parse_profile(path.read_bytes())


def compare_with_default(
    profile: SeccompProfile,
    *,
    arch: str = "amd64",
    caps: Iterable[str] = DEFAULT_CAPABILITIES,
) -> SeccompComparison:
    """What `profile` allows that Docker's default does not, and the reverse, for the same
    architecture and capabilities."""
    caps = tuple(caps)
    base = evaluate(docker_default(), arch=arch, caps=caps)
    mine = evaluate(profile, arch=arch, caps=caps)
    base_any = base.allowed | base.conditional
    if mine.default_allows:
        added: frozenset[str] = frozenset()
        widened = base.conditional - mine.blocked
        removed = base_any & mine.blocked
        dangerous = DANGEROUS_SYSCALLS - mine.blocked - base.allowed
    else:
        mine_any = mine.allowed | mine.conditional
        added = mine_any - base_any
        widened = mine.allowed & base.conditional
        removed = base_any - mine_any
        dangerous = (added | widened) & DANGEROUS_SYSCALLS
    return SeccompComparison(
        default_action=profile.default_action,
        docker_default_action=docker_default().default_action,
        allows_unlisted=mine.default_allows,
        added=tuple(sorted(added)),
        widened=tuple(sorted(widened)),
        removed=tuple(sorted(removed)),
        dangerous=tuple(sorted(dangerous)),
    )


def _action(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in ALLOWING | BLOCKING:
        shown = repr(value)[:60] if isinstance(value, str) else type(value).__name__
        raise SeccompError(f"{where}: unknown action {shown}")
    return value


def _rule(entry: Any, where: str) -> SyscallRule:
    if not isinstance(entry, Mapping):
        raise SeccompError(f"{where}: expected an object")
    names = entry.get("names")
    if names is None and "name" in entry:  # the older, one-name form
        names = [entry.get("name")]
    if not isinstance(names, list) or not all(
        isinstance(n, str) and 0 < len(n) <= NAME_LIMIT for n in names
    ):
        raise SeccompError(f"{where}.names: expected a list of syscall names")
    args = entry.get("args")
    if args is not None and not isinstance(args, list):
        raise SeccompError(f"{where}.args: expected a list")
    return SyscallRule(
        names=tuple(names),
        action=_action(entry.get("action"), f"{where}.action"),
        has_args=bool(args),
        includes=_condition(entry.get("includes"), f"{where}.includes"),
        excludes=_condition(entry.get("excludes"), f"{where}.excludes"),
    )


def _condition(value: Any, where: str) -> Condition:
    if value is None:
        return Condition()
    if not isinstance(value, Mapping):
        raise SeccompError(f"{where}: expected an object")
    arches = _names(value.get("arches"), f"{where}.arches")
    caps = tuple(capability_name(c) for c in _names(value.get("caps"), f"{where}.caps"))
    kernel = value.get("minKernel") or ""
    if not isinstance(kernel, str):
        raise SeccompError(f"{where}.minKernel: expected a string")
    return Condition(arches, caps, kernel[:NAME_LIMIT])


def _names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(v, str) and len(v) <= NAME_LIMIT for v in value
    ):
        raise SeccompError(f"{where}: expected a list of names")
    return tuple(value)


def _architectures(data: Mapping[str, Any]) -> tuple[str, ...]:
    found = list(_strings_in(data.get("architectures")))
    arch_map = data.get("archMap")
    for entry in arch_map if isinstance(arch_map, list) else []:
        if isinstance(entry, Mapping):
            found.extend(_strings_in([entry.get("architecture")]))
            found.extend(_strings_in(entry.get("subArchitectures")))
    return tuple(dict.fromkeys(v[:NAME_LIMIT] for v in found))


def _strings_in(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
