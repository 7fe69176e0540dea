"""What a workload's settings mean, for the runtime rules: its security options, the image it
runs, the user it runs as, what the daemon enforces for every container, and how a finding
names the setting it is about."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditapp.analysis.model import Deployment, ImageFacts, Workload

ROOT_NAMES = ("", "0", "root")


def where(w: Workload, engine_field: str, compose_key: str) -> str:
    """A finding's location: the inspect field for an engine container, the compose key for a
    service ("container api-1 HostConfig.Privileged", "service api privileged")."""
    return f"{w.label} {engine_field if w.origin == 'container' else compose_key}"


def security_options(w: Workload) -> dict[str, list[str]]:
    """`security_opt` as option name → values. Docker accepts both "name=value" and the older
    "name:value"; a bare name ("no-new-privileges") has the value ""."""
    options: dict[str, list[str]] = {}
    for raw in w.security_opt:
        entry = raw.strip()
        cut = min((i for i in (entry.find("="), entry.find(":")) if i >= 0), default=-1)
        name, value = (entry[:cut], entry[cut + 1 :]) if cut >= 0 else (entry, "")
        options.setdefault(name.strip().lower(), []).append(value.strip())
    return options


def no_new_privileges(w: Workload) -> bool:
    """Whether the workload itself asks for no-new-privileges (the last setting wins, as in
    Docker; "no-new-privileges:false" turns it off)."""
    values = security_options(w).get("no-new-privileges")
    if not values:
        return False
    return values[-1].lower() in ("", "true", "1")


def image_of(d: Deployment, w: Workload) -> ImageFacts | None:
    """The image a workload runs, by digest, then by reference (compose's "nginx" is
    "nginx:latest" on the engine), then as the only image recorded for its component."""
    if w.image_digest:
        found = next((i for i in d.images if i.digest and i.digest == w.image_digest), None)
        if found is not None:
            return found
    if w.image:
        wanted = _reference(w.image)
        found = next((i for i in d.images if _reference(i.name) == wanted), None)
        if found is not None:
            return found
    candidates = [i for i in d.images if w.component in i.components]
    return candidates[0] if len(candidates) == 1 else None


def _reference(name: str) -> str:
    name = name.strip()
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/"):
        name = name.removeprefix(prefix)
    last = name.rsplit("/", 1)[-1]
    if "@" not in name and ":" not in last:
        name += ":latest"
    return name


def runs_as_root(user: str) -> bool:
    """A user setting that leaves the process uid 0: none, "0", "root", or either of those with
    any group ("0:0", "root:root", "0:1000")."""
    return user.strip().partition(":")[0].strip() in ROOT_NAMES


def effective_user(d: Deployment, w: Workload) -> tuple[str | None, str]:
    """The user the workload runs as and where that came from ("workload", "image" or
    "unknown"). An engine container's Config.User already holds the image's USER, so an empty
    one there means root; a service that sets none runs as its image's USER."""
    if w.user:
        return w.user.strip(), "workload"
    if w.origin == "container" and w.user == "":
        return "", "workload"
    image = image_of(d, w)
    if image is not None and image.user is not None:
        return image.user.strip(), "image"
    return None, "unknown"


def daemon_security_options(d: Deployment) -> frozenset[str] | None:
    """The names in `docker info` SecurityOptions ("name=apparmor", "name=seccomp,profile=…"
    give apparmor and seccomp); None when no daemon information was collected."""
    if d.daemon is None or not d.daemon.info:
        return None
    raw = d.daemon.info.get("SecurityOptions")
    entries = [e for e in raw if isinstance(e, str)] if isinstance(raw, list) else []
    if not isinstance(raw, list) or (raw and not entries):
        return None  # a shape no engine reports: unknown, not "nothing enabled"
    names: set[str] = set()
    for entry in entries:
        for part in entry.split(","):
            key, _, value = part.partition("=")
            if key.strip() == "name":
                names.add(value.strip().lower())
    return frozenset(names)


def daemon_no_new_privileges(d: Deployment) -> bool:
    """Whether the daemon sets no-new-privileges for every container: `"no-new-privileges":
    true` in its config file, or "name=no-new-privileges" in `docker info` SecurityOptions
    (which engines report since 23.0; older ones, such as 20.10, do not)."""
    config: Mapping[str, Any] = (d.daemon.config or {}) if d.daemon is not None else {}
    if config.get("no-new-privileges") is True:
        return True
    return "no-new-privileges" in (daemon_security_options(d) or frozenset())
