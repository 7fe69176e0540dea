"""Compose port entries, short (`"127.0.0.1:8000-8002:80-82/udp"`) and long syntax, as
`PortMapping`s. Ranges are expanded one mapping per port. Invalid ports are refused:
compose refuses them too, so the file could never have been deployed as written.
"""

from __future__ import annotations

from typing import Any

from auditapp.evidence.compose_model import PortMapping

PROTOCOLS = frozenset({"tcp", "udp", "sctp"})


class PortError(ValueError):
    """An entry compose would refuse; the caller adds the file and the service."""


def parse_port_entry(entry: Any) -> list[PortMapping]:
    if isinstance(entry, bool):
        raise PortError("a port must be a number or a string, not true/false")
    if isinstance(entry, int):
        return [PortMapping("", None, _port(str(entry)))]
    if isinstance(entry, str):
        return _short(entry.strip())
    if isinstance(entry, dict):
        return _long(entry)
    raise PortError(f"a port entry cannot be {type(entry).__name__}")


def _short(spec: str) -> list[PortMapping]:
    if not spec:
        raise PortError("an empty port entry")
    protocol = "tcp"
    if "/" in spec:
        spec, _, protocol = spec.rpartition("/")
        protocol = protocol.lower()
    if spec.startswith("["):  # [::1]:8080:80
        address, close, rest = spec[1:].partition("]:")
        if not close or ":" not in rest:
            raise PortError("an IPv6 port entry must read [address]:host:container")
        host_ip, (host, _, container) = address, rest.partition(":")
    else:
        parts = spec.rsplit(":", 2)
        host_ip, host, container = ["", "", *parts][-3:]
    return _expand(host_ip, host, container, protocol)


def _long(entry: dict[str, Any]) -> list[PortMapping]:
    target = entry.get("target")
    if target is None:
        raise PortError("a long-syntax port needs target:")
    published = entry.get("published")
    host = "" if published is None else str(published)
    return _expand(
        str(entry.get("host_ip") or ""),
        host,
        str(target),
        str(entry.get("protocol") or "tcp").lower(),
    )


def _expand(host_ip: str, host: str, container: str, protocol: str) -> list[PortMapping]:
    if protocol not in PROTOCOLS:
        raise PortError(f"unknown protocol {protocol!r} (tcp, udp or sctp)")
    first, last = _range(container)
    if not host:
        return [PortMapping(host_ip, None, port, protocol) for port in range(first, last + 1)]
    host_first, host_last = _range(host)
    if first == last:
        end = host_last if host_last != host_first else None
        return [PortMapping(host_ip, host_first, first, protocol, end)]
    if host_last - host_first != last - first:
        raise PortError(
            f"the host range {host} and the container range {container} differ in length"
        )
    return [
        PortMapping(host_ip, host_first + offset, first + offset, protocol)
        for offset in range(last - first + 1)
    ]


def _range(text: str) -> tuple[int, int]:
    low, dash, high = text.strip().partition("-")
    first = _port(low)
    last = _port(high) if dash else first
    if last < first:
        raise PortError(f"the port range {text} runs backwards")
    return first, last


def _port(text: str) -> int:
    if not text.strip().isdigit():
        raise PortError(f"{text!r} is not a port number")
    number = int(text)
    if not 1 <= number <= 65535:
        raise PortError(f"port {number} is outside 1-65535")
    return number
