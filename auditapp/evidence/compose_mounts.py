"""Compose volume and device entries, short (`"./data:/data:ro,z"`) and long syntax."""

from __future__ import annotations

import re
from typing import Any

from auditapp.evidence.compose_model import DeviceMapping, VolumeMount

PROPAGATIONS = frozenset({"shared", "rshared", "slave", "rslave", "private", "rprivate"})
_IGNORED_OPTIONS = frozenset({"nocopy", "consistent", "cached", "delegated", "copy"})
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


class MountError(ValueError):
    """An entry compose would refuse; the caller adds the file and the service."""


def parse_volume_entry(entry: Any) -> VolumeMount:
    if isinstance(entry, str):
        return _short_volume(entry)
    if isinstance(entry, dict):
        return _long_volume(entry)
    raise MountError(f"a volume entry cannot be {type(entry).__name__}")


def volume_target(entry: Any) -> str:
    """The container path an entry mounts on; what `-f a -f b` merges volumes by."""
    try:
        return parse_volume_entry(entry).target
    except MountError:
        return repr(entry)  # keeps it distinct; the normaliser reports it properly


def _short_volume(spec: str) -> VolumeMount:
    parts = _split(spec)
    if len(parts) == 1 and not parts[0].strip():
        raise MountError("an empty volume entry")
    if len(parts) == 1:
        return VolumeMount("volume", None, _target(parts[0]))
    if len(parts) > 3:
        raise MountError(f"the volume entry has {len(parts)} parts; expected source:target[:mode]")
    source, target = parts[0], _target(parts[1])
    read_only, propagation, selinux = False, None, None
    for option in parts[2].split(",") if len(parts) == 3 else []:
        option = option.strip()
        if option in ("ro", "rw"):
            read_only = option == "ro"
        elif option in ("z", "Z"):
            selinux = option
        elif option in PROPAGATIONS:
            propagation = option
        elif option and option not in _IGNORED_OPTIONS:
            raise MountError(f"unknown volume option {option!r}")
    kind = "bind" if _is_path(source) else "volume"
    return VolumeMount(kind, source, target, read_only, propagation, selinux)


def _long_volume(entry: dict[str, Any]) -> VolumeMount:
    kind = str(entry.get("type") or "volume")
    target = entry.get("target")
    if not isinstance(target, str) or not target:
        raise MountError("a long-syntax volume needs target:")
    source = entry.get("source")
    bind = entry.get("bind") if isinstance(entry.get("bind"), dict) else {}
    assert isinstance(bind, dict)
    propagation = bind.get("propagation")
    selinux = bind.get("selinux")
    return VolumeMount(
        kind,
        None if source in (None, "") else str(source),
        target,
        entry.get("read_only") is True,
        None if propagation is None else str(propagation),
        None if selinux is None else str(selinux),
    )


def parse_device_entry(entry: Any) -> DeviceMapping:
    if isinstance(entry, dict):
        source = entry.get("source")
        if not isinstance(source, str) or not source:
            raise MountError("a long-syntax device needs source:")
        target = entry.get("target") or source
        return DeviceMapping(source, str(target), str(entry.get("permissions") or "rwm"))
    if not isinstance(entry, str) or not entry:
        raise MountError("a device entry must be a string or a mapping")
    parts = entry.split(":")
    if len(parts) > 3:
        raise MountError("the device entry has too many parts; expected source[:target[:perms]]")
    source = parts[0]
    target = parts[1] if len(parts) > 1 and parts[1] else source
    permissions = parts[2] if len(parts) == 3 else "rwm"
    if not set(permissions) <= set("rwm"):
        raise MountError(f"device permissions {permissions!r} are not a mix of r, w, m")
    return DeviceMapping(source, target, permissions)


def device_target(entry: Any) -> str:
    try:
        return parse_device_entry(entry).target
    except MountError:
        return repr(entry)


def _split(spec: str) -> list[str]:
    """Split on `:`, keeping a Windows drive (`C:\\data`) in one piece."""
    drive = ""
    if _WINDOWS_DRIVE.match(spec):
        drive, spec = spec[:2], spec[2:]
    parts = spec.split(":")
    parts[0] = drive + parts[0]
    return parts


def _is_path(source: str) -> bool:
    return source.startswith(("/", ".", "~", "\\\\")) or bool(_WINDOWS_DRIVE.match(source))


def _target(text: str) -> str:
    if not text:
        raise MountError("a volume entry has an empty target")
    return text
