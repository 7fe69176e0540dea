"""What changed since sign-off: a baseline `Snapshot` against one taken now, as a list of
changes, each with a stable key, a kind, a severity and the words a person reads; and which of
them are news since the previous run. Pure functions: no database, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from auditapp.analysis.model import Mount
from auditapp.analysis.runtime_sockets import RuntimeExposure, runtime_exposure
from auditapp.services.monitor_snapshot import Snapshot, VulnState, WorkloadProfile
from auditapp.vulns.kev import KevEntry

# Groups in the order people read them: the most urgent kind of change first.
KINDS = (
    "known-exploited",
    "vulnerability",
    "risk-expired",
    "runtime-drift",
    "exposure",
    "lifecycle",
    "image-changed",
    "container-added",
    "container-gone",
)
KIND_TITLES = {
    "known-exploited": "Known exploited (CISA KEV)",
    "vulnerability": "New vulnerabilities on signed-off packages",
    "risk-expired": "Accepted risks that have expired",
    "runtime-drift": "Runtime drift",
    "exposure": "New exposure no declared flow justifies",
    "lifecycle": "Newly end-of-life or abandoned",
    "image-changed": "Images whose digest changed",
    "container-added": "Containers and services added",
    "container-gone": "Containers and services gone",
}
SEVERITY_ORDER = ("critical", "high", "medium", "low", "unknown", "none", "info")
DISMISSED = ("not_affected", "fixed")  # VEX dispositions that take a vulnerability off the list
_LIMITS = (("memory_bytes", "memory"), ("nano_cpus", "CPU"), ("pids_limit", "PIDs"))
_LIFECYCLE_SEVERITY = {"end-of-life": "high", "yanked": "medium", "deprecated": "medium"}


@dataclass(frozen=True)
class MonitorChange:
    key: str  # stable across runs
    kind: str  # one of KINDS
    severity: str  # one of SEVERITY_ORDER
    subject: str  # the component, workload or package it is about
    title: str
    known_exploited: bool = False
    detail: Mapping[str, Any] = field(default_factory=dict)
    new_since_last_run: bool = True
    # why a change the last run saw already is news again ("now known exploited", ...)
    escalated: str = ""


@dataclass(frozen=True)
class Earlier:
    """What the previous run said of a change, as far as telling news needs it. `severity` is
    None when that run's record of it cannot say."""

    severity: str | None
    known_exploited: bool
    ransomware: bool


def compare(
    baseline: Snapshot, current: Snapshot, kev: Mapping[str, KevEntry], today: date
) -> list[MonitorChange]:
    changes = [
        *_vulnerabilities(baseline, current, kev),
        *_expired(current, today),
        *_workloads(baseline, current),
        *_exposure(baseline, current),
        *_lifecycle(baseline, current),
        *_images(baseline, current),
    ]
    return sorted(changes, key=order)


def mark_new(
    changes: Iterable[MonitorChange], earlier: Mapping[str, Earlier] | None
) -> list[MonitorChange]:
    """Mark what a person needs to hear since the previous run (`earlier`, by key; None when
    there was none): a change it did not see, and one it saw that got worse since — became
    known exploited, rose in severity, became known to be used in ransomware. The key alone
    cannot tell: a vulnerability keeps its key when CISA lists it."""
    if earlier is None:
        return [replace(c, new_since_last_run=True, escalated="") for c in changes]
    marked = []
    for change in changes:
        before = earlier.get(change.key)
        worse = "" if before is None else escalation(change, before)
        marked.append(replace(change, new_since_last_run=before is None or bool(worse),
                              escalated=worse))  # fmt: skip
    return marked


def escalation(change: MonitorChange, before: Earlier) -> str:
    """How `change` got worse since the previous run said `before`; "" when it did not."""
    reasons = []
    if change.known_exploited and not before.known_exploited:
        reasons.append("now known exploited")  # the title says if ransomware is known too
    elif used_in_ransomware(change) and not before.ransomware:
        reasons.append("now used in ransomware campaigns")
    if before.severity is not None and severity_rank(change.severity) < severity_rank(
        before.severity
    ):
        reasons.append(f"severity rose from {before.severity} to {change.severity}")
    return "; ".join(reasons)


def used_in_ransomware(change: MonitorChange) -> bool:
    """CISA's knownRansomwareCampaignUse is "Known" for this change's KEV entry."""
    kev = change.detail.get("kev")
    return isinstance(kev, Mapping) and str(kev.get("ransomware", "")).lower() == "known"


def order(change: MonitorChange) -> tuple[int, int, str, str]:
    return (
        KINDS.index(change.kind),
        severity_rank(change.severity),
        change.subject,
        change.title,
    )


def severity_rank(severity: str) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def _vulnerabilities(
    baseline: Snapshot, current: Snapshot, kev: Mapping[str, KevEntry]
) -> Iterator[MonitorChange]:
    signed = {p.purl for image in baseline.images.values() for p in image.packages}
    flagged = set(baseline.known_exploited)
    seen: dict[str, MonitorChange] = {}
    for purl, found in current.vulns.items():
        if purl not in signed:
            continue  # a package that came later: its image shows as changed instead
        known = {i for v in baseline.vulns.get(purl, ()) for i in (v.id, *v.aliases)}
        for v in found:
            if v.disposition in DISMISSED:
                continue
            ids = {v.id, *v.aliases}
            entry = next((kev[i] for i in sorted(ids) if i in kev), None)
            is_new = not ids & known
            if not is_new and (entry is None or ids & flagged):
                continue
            key = f"vuln|{purl}|{v.id}"
            change = _vuln_change(key, v, entry, is_new)
            held = seen.get(key)
            if held is not None:  # the same package in several images: one change
                merged = sorted({*held.detail["components"], *v.components})
                change = replace(held, detail={**held.detail, "components": merged})
            seen[key] = change
    return iter(seen.values())


def _vuln_change(key: str, v: VulnState, entry: KevEntry | None, is_new: bool) -> MonitorChange:
    where = ", ".join(v.components) or v.image
    fix = f"; fixed in {', '.join(v.fixed)}" if v.fixed else "; no fix yet"
    detail: dict[str, Any] = {
        "id": v.id,
        "aliases": list(v.aliases),
        "score": v.score,
        "ecosystem": v.ecosystem,
        "package": v.package,
        "version": v.version,
        "fixed": list(v.fixed),
        "components": list(v.components),
        "new": is_new,
    }
    if entry is None:
        return MonitorChange(
            key, "vulnerability", v.severity, f"{v.package} {v.version}",
            f"{v.id} in {v.ecosystem} {v.package} {v.version} ({where}){fix}", detail=detail,
        )  # fmt: skip
    detail["kev"] = {
        "cve": entry.cve_id,
        "date_added": entry.date_added,
        "due_date": entry.due_date,
        "ransomware": entry.ransomware,
    }
    what = "new vulnerability, known exploited" if is_new else "now known exploited"
    due = f", CISA due date {entry.due_date}" if entry.due_date else ""
    if entry.ransomware.lower() == "known":
        due += ", used in ransomware campaigns"
    return MonitorChange(
        key, "known-exploited", v.severity, f"{v.package} {v.version}",
        f"{v.id} in {v.ecosystem} {v.package} {v.version} ({where}): {what}"
        f" (added to KEV {entry.date_added}{due}){fix}",
        known_exploited=True, detail=detail,
    )  # fmt: skip


def _expired(current: Snapshot, today: date) -> Iterator[MonitorChange]:
    for f in current.findings:
        if f.status != "accepted-risk" or not f.active or f.expires is None:
            continue
        if date.fromisoformat(f.expires) >= today:
            continue
        on = f" on {f.component}" if f.component else ""  # the line alone says what it is about
        yield MonitorChange(
            f"expired|{f.id}|{f.expires}",
            "risk-expired",
            f.severity,
            f.component or f.rule_id,
            f"finding #{f.id} {f.rule_id}{on} ({f.title}): accepted until {f.expires}",
            detail={"finding": f.id, "rule": f.rule_id, "expires": f.expires,
                    "justification": f.justification},
        )  # fmt: skip


def _workloads(baseline: Snapshot, current: Snapshot) -> Iterator[MonitorChange]:
    before = {w.label: w for w in baseline.workloads}
    now = {w.label: w for w in current.workloads}
    for label in sorted(now.keys() - before.keys()):
        w = now[label]
        risky = w.privileged or bool(w.docker_sock)
        yield MonitorChange(
            f"added|{label}", "container-added", "high" if risky else "medium", w.component,
            f"{label} added" + (" (privileged)" if w.privileged else "")
            + (f", publishing {', '.join(w.ports)}" if w.ports else ""),
            detail={"workload": label, "privileged": w.privileged, "ports": list(w.ports)},
        )  # fmt: skip
    for label in sorted(before.keys() - now.keys()):
        w = before[label]
        yield MonitorChange(
            f"gone|{label}", "container-gone", "low", w.component, f"{label} is gone",
            detail={"workload": label},
        )  # fmt: skip
    for label in sorted(before.keys() & now.keys()):
        yield from _drift(before[label], now[label], baseline.format)


def _drift(
    before: WorkloadProfile, now: WorkloadProfile, baseline_format: int
) -> Iterator[MonitorChange]:
    label, component = now.label, now.component

    def drift(what: str, severity: str, title: str, **detail: Any) -> MonitorChange:
        return MonitorChange(
            f"drift|{label}|{what}", "runtime-drift", severity, component, f"{label}: {title}",
            detail={"workload": label, **detail},
        )  # fmt: skip

    if now.privileged and not before.privileged:
        yield drift("privileged", "critical", "now runs privileged", privileged=True)
    for port in sorted(set(now.ports) - set(before.ports)):
        yield drift(f"port|{port}", "high", f"new published port {port}", port=port)
    for mount in sorted(set(now.docker_sock) - set(before.docker_sock)):
        if baseline_format == 1 and not _docker_sock_mount(mount):
            # the baseline could not have recorded it: no evidence that it is new
            yield drift(f"socket|{mount}", "medium", _recognised_socket_mount(mount),
                        mount=mount, baseline_format=baseline_format)  # fmt: skip
        else:
            yield drift(f"socket|{mount}", "critical", _new_socket_mount(mount), mount=mount)
    for name, words in _LIMITS:
        had, has = getattr(before, name), getattr(now, name)
        if _limited(had) and not _limited(has):
            yield drift(f"limit|{name}", "medium", f"{words} limit removed (was {had})",
                        limit=name, was=had)  # fmt: skip


def _new_socket_mount(mount: str) -> str:
    """ "new Docker socket mount /var/run/docker.sock -> /var/run/docker.sock", worded by what
    the mount exposes (a snapshot keeps the "source -> target" of a bind, untyped or npipe
    mount; read as a bind, each exposes what it did)."""
    exposed = _exposure_of(mount)
    if exposed is None:  # not one today's definition knows: say what the snapshot says
        return f"new container runtime socket mount {mount}"
    if exposed.socket:
        return f"new {exposed.noun} mount {mount}"
    return f"new mount of {exposed.what}: {mount}"


def _recognised_socket_mount(mount: str) -> str:
    """For a baseline of format 1, which recorded docker.sock mounts only."""
    exposed = _exposure_of(mount)
    what = f"{exposed.noun} mount" if exposed and exposed.socket else "runtime socket mount"
    return (
        f"{mount} is now recognised as a {what}, not reported as new: the baseline (an older "
        "format) recorded docker.sock mounts only, so it may have been there at sign-off"
    )


def _docker_sock_mount(mount: str) -> bool:
    """Whether a format-1 baseline would have recorded `mount` ("source -> target")."""
    source, _, target = mount.partition(" -> ")
    return source.endswith("docker.sock") or target.endswith("docker.sock")


def _exposure_of(mount: str) -> RuntimeExposure | None:
    source, _, target = mount.partition(" -> ")
    return runtime_exposure(Mount("bind", source, target))


def _limited(value: int | None) -> bool:
    return value is not None and value > 0


def _exposure(baseline: Snapshot, current: Snapshot) -> Iterator[MonitorChange]:
    known = {e.key for e in baseline.unjustified}
    for e in current.unjustified:
        if e.key not in known:
            yield MonitorChange(
                f"exposure|{e.key}", "exposure", "high" if e.off_host else "medium", e.component,
                f"{e.text}: no declared flow justifies it",
                detail={"component": e.component, "off_host": e.off_host},
            )  # fmt: skip


def _lifecycle(baseline: Snapshot, current: Snapshot) -> Iterator[MonitorChange]:
    known = {item.key for item in baseline.lifecycle}
    for item in current.lifecycle:
        if item.key not in known:
            subject, _, state = item.text.partition(": ")
            where = f" ({', '.join(item.components)})" if item.components else ""
            yield MonitorChange(
                f"lifecycle|{item.key}", "lifecycle", _LIFECYCLE_SEVERITY.get(item.kind, "low"),
                ", ".join(item.components) or subject,
                f"{subject}{where}: {state}" if state else f"{item.text}{where}",
                detail={"state": item.kind, "components": list(item.components)},
            )  # fmt: skip


def _images(baseline: Snapshot, current: Snapshot) -> Iterator[MonitorChange]:
    for name, digest in sorted(current.components.items()):
        signed = baseline.components.get(name, "")
        if signed and digest and digest != signed:
            image = current.images.get(digest)
            yield MonitorChange(
                f"image|{name}|{digest}", "image-changed", "medium", name,
                f"{name} runs another image: {signed[:19]} → {digest[:19]}"
                + (f" ({image.name})" if image else " (not inventoried yet: collect it)"),
                detail={"component": name, "signed": signed, "now": digest},
            )  # fmt: skip
