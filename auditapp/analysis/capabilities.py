"""The Linux capabilities a container ends up with, worked out the way Docker does it from its
default set, `cap_add`, `cap_drop` (either may say ALL) and `privileged`."""

from __future__ import annotations

from collections.abc import Iterable

# What Docker grants a container that neither adds nor drops anything (moby oci/caps
# DefaultCapabilities; the same set CIS Docker Benchmark 5.4 calls the default).
DEFAULT_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "NET_RAW",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)

# Every capability Linux knows (up to CHECKPOINT_RESTORE, Linux 5.9): what ALL and
# --privileged grant.
ALL_CAPABILITIES = frozenset(
    {
        *DEFAULT_CAPABILITIES,
        "AUDIT_CONTROL",
        "AUDIT_READ",
        "BLOCK_SUSPEND",
        "BPF",
        "CHECKPOINT_RESTORE",
        "DAC_READ_SEARCH",
        "IPC_LOCK",
        "IPC_OWNER",
        "LEASE",
        "LINUX_IMMUTABLE",
        "MAC_ADMIN",
        "MAC_OVERRIDE",
        "NET_ADMIN",
        "NET_BROADCAST",
        "PERFMON",
        "SYSLOG",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_MODULE",
        "SYS_NICE",
        "SYS_PACCT",
        "SYS_PTRACE",
        "SYS_RAWIO",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "WAKE_ALARM",
    }
)

# Capabilities that on their own are known ways out of a container or into the host kernel
# (mounts and namespaces, module loading, raw I/O, other processes' memory, reading any file,
# eBPF): an assessor weighs adding one of these as high.
ESCAPE_CAPABILITIES = frozenset(
    {
        "BPF",
        "DAC_READ_SEARCH",
        "MAC_ADMIN",
        "MAC_OVERRIDE",
        "NET_ADMIN",
        "PERFMON",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_MODULE",
        "SYS_PTRACE",
        "SYS_RAWIO",
    }
)


def capability_name(name: str) -> str:
    """The name as Docker compares it: upper case without the CAP_ prefix ("cap_net_admin" is
    NET_ADMIN); "ALL" stays ALL."""
    return name.strip().upper().removeprefix("CAP_")


def effective_capabilities(
    cap_add: Iterable[str], cap_drop: Iterable[str], *, privileged: bool = False
) -> frozenset[str]:
    """The capabilities a container runs with. Mirrors moby's TweakCapabilities: privileged
    gets everything; ALL added gives everything but what is dropped by name; ALL dropped gives
    exactly what is added; otherwise the default set minus the drops plus the adds (so a name
    both added and dropped is kept, as Docker applies the drops first). Names Docker would
    reject still count as added: the input may come from a compose file nobody ran."""
    if privileged:
        return ALL_CAPABILITIES
    adds = {capability_name(c) for c in cap_add} - {""}
    drops = {capability_name(c) for c in cap_drop} - {""}
    if "ALL" in adds:
        return frozenset(ALL_CAPABILITIES - drops)
    if "ALL" in drops:
        return frozenset(adds)
    return frozenset((DEFAULT_CAPABILITIES - drops) | adds)


def beyond_default(
    cap_add: Iterable[str], cap_drop: Iterable[str], *, privileged: bool = False
) -> tuple[str, ...]:
    """The effective capabilities Docker would not grant by default, sorted."""
    effective = effective_capabilities(cap_add, cap_drop, privileged=privileged)
    return tuple(sorted(effective - DEFAULT_CAPABILITIES))
