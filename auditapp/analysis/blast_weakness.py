"""What makes a component on an attack path easier to take over or to escape from, weighted so
that paths can be ranked: the more (and the worse) weaknesses on a path, the likelier it is."""

from __future__ import annotations

from dataclasses import dataclass

from auditapp.analysis.model import Deployment, ImageFacts, Workload
from auditapp.analysis.runtime_sockets import runtime_exposures

# Capabilities that come close to root on the host on their own.
DANGEROUS_CAPS = frozenset(
    {"ALL", "SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE", "DAC_READ_SEARCH", "SYS_RAWIO", "NET_ADMIN"}
)
ROOT_USERS = ("", "root", "0")


@dataclass(frozen=True)
class Weakness:
    component: str
    kind: str  # fixable-critical, privileged, capabilities, docker.sock, root, no-userns, ...
    text: str  # "runs privileged", for sentences like "api: runs privileged"
    weight: int


@dataclass(frozen=True)
class Weaknesses:
    by_component: dict[str, tuple[Weakness, ...]]
    assumptions: tuple[str, ...]

    def of(self, component: str) -> tuple[Weakness, ...]:
        return self.by_component.get(component, ())


def find_weaknesses(d: Deployment) -> Weaknesses:
    remapped = _userns_remapped(d)
    assumptions: list[str] = []
    if remapped is None:
        assumptions.append("no daemon facts: user namespace remapping was not judged")
    images = {i.digest: i for i in d.images if i.digest} | {i.name: i for i in d.images if i.name}
    found: dict[str, tuple[Weakness, ...]] = {}
    names = {c.name for c in d.components} | {w.component for w in d.workloads}
    for name in sorted(names):
        seen: dict[str, Weakness] = {}
        facts = d.component(name)
        if facts is not None and facts.fixable_critical > 0:
            n = facts.fixable_critical
            text = f"{n} fixable critical/high vulnerabilit{'y' if n == 1 else 'ies'}"
            seen["fixable-critical"] = Weakness(name, "fixable-critical", text, 3)
        for w in d.workloads_of(name):
            for weakness in _of_workload(w, images, remapped):
                seen.setdefault(weakness.kind, weakness)
        found[name] = tuple(sorted(seen.values(), key=lambda x: (-x.weight, x.kind)))
    return Weaknesses(found, tuple(assumptions))


def _of_workload(
    w: Workload, images: dict[str, ImageFacts], remapped: bool | None
) -> list[Weakness]:
    c = w.component
    out: list[Weakness] = []
    if w.privileged:
        out.append(Weakness(c, "privileged", "runs privileged", 5))
    for exposed in runtime_exposures(w)[:1]:
        out.append(Weakness(c, "docker.sock", f"mounts {exposed.what}", 5))
    if w.cap_add:
        caps = ", ".join(w.cap_add)
        weight = 4 if DANGEROUS_CAPS & set(w.cap_add) else 2
        out.append(Weakness(c, "capabilities", f"adds capabilities {caps}", weight))
    shared = [s for s, m in (("PID", w.pid_mode), ("IPC", w.ipc_mode)) if m == "host"]
    if w.network_mode == "host":
        shared.append("network")
    if shared:
        text = f"shares the host's {', '.join(shared)} namespace{'s' if len(shared) > 1 else ''}"
        out.append(Weakness(c, "host-namespace", text, 2))
    if _runs_as_root(w, images):
        out.append(Weakness(c, "root", "runs as root", 1))
    if remapped is False or (remapped and w.userns_mode == "host"):
        out.append(Weakness(c, "no-userns", "no user namespace remapping", 1))
    return out


def _runs_as_root(w: Workload, images: dict[str, ImageFacts]) -> bool:
    user = w.user
    if user is None:  # the image's USER applies; unknown image: not judged
        image = images.get(w.image_digest) or images.get(w.image)
        user = image.user if image is not None else None
    if user is None:
        return False
    return user.split(":", 1)[0].strip() in ROOT_USERS


def _userns_remapped(d: Deployment) -> bool | None:
    if d.daemon is None:
        return None
    options = d.daemon.info.get("SecurityOptions")
    if isinstance(options, list) and any(
        isinstance(o, str) and "name=userns" in o for o in options
    ):
        return True
    config = d.daemon.config
    return bool(config is not None and config.get("userns-remap"))
