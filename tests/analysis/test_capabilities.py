"""The effective capability set, worked out as Docker does (moby's TweakCapabilities)."""

from __future__ import annotations

import pytest

from auditapp.analysis.capabilities import (
    ALL_CAPABILITIES,
    DEFAULT_CAPABILITIES,
    beyond_default,
    capability_name,
    effective_capabilities,
)

DOCKER_DEFAULT = {
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


def test_the_default_set_is_dockers_fourteen() -> None:
    assert DEFAULT_CAPABILITIES == DOCKER_DEFAULT
    assert len(ALL_CAPABILITIES) == 41
    assert DEFAULT_CAPABILITIES < ALL_CAPABILITIES


@pytest.mark.parametrize(
    ("raw", "name"),
    [("cap_net_admin", "NET_ADMIN"), (" CAP_SYS_ADMIN ", "SYS_ADMIN"), ("all", "ALL")],
)
def test_names_are_compared_as_docker_compares_them(raw: str, name: str) -> None:
    assert capability_name(raw) == name


@pytest.mark.parametrize(
    ("add", "drop", "expected"),
    [
        ((), (), DOCKER_DEFAULT),
        (("NET_ADMIN",), (), DOCKER_DEFAULT | {"NET_ADMIN"}),
        ((), ("NET_RAW", "MKNOD"), DOCKER_DEFAULT - {"NET_RAW", "MKNOD"}),
        ((), ("ALL",), set()),
        (("NET_BIND_SERVICE",), ("ALL",), {"NET_BIND_SERVICE"}),
        (("cap_sys_time",), ("all",), {"SYS_TIME"}),
        (("ALL",), (), set(ALL_CAPABILITIES)),
        (("ALL",), ("SYS_ADMIN", "NET_RAW"), set(ALL_CAPABILITIES) - {"SYS_ADMIN", "NET_RAW"}),
        # Docker checks ALL on the add side first: adding and dropping ALL keeps everything
        (("ALL",), ("ALL",), set(ALL_CAPABILITIES)),
        # drops apply before adds, so a name on both sides is kept
        (("CHOWN",), ("CHOWN",), DOCKER_DEFAULT),
        # a name Docker would refuse still counts as added (a compose file nobody ran)
        (("NOT_A_CAP",), ("ALL",), {"NOT_A_CAP"}),
        (("", "  "), (), DOCKER_DEFAULT),
    ],
)
def test_effective_set(add: tuple[str, ...], drop: tuple[str, ...], expected: set[str]) -> None:
    assert effective_capabilities(add, drop) == expected


def test_privileged_gets_everything_whatever_is_dropped() -> None:
    assert effective_capabilities((), ("ALL",), privileged=True) == ALL_CAPABILITIES


def test_beyond_default_lists_only_what_docker_would_not_grant() -> None:
    assert beyond_default(("SYS_ADMIN", "CHOWN", "NET_ADMIN"), ("ALL",)) == (
        "NET_ADMIN",
        "SYS_ADMIN",
    )
    assert beyond_default((), ()) == ()
    assert beyond_default(("ALL",), ()) == tuple(sorted(ALL_CAPABILITIES - DOCKER_DEFAULT))
