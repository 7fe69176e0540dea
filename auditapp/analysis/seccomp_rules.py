"""The rule on custom seccomp profiles: what one lets through that Docker's default does not.

Where the profile comes from: an engine container started with `--security-opt
seccomp=FILE` carries the profile itself in HostConfig.SecurityOpt ("seccomp={...}": the
docker CLI reads the file and sends its JSON); a compose service names only a path, so the
file has to be attached as evidence (matched by its file name)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from auditapp.analysis.capabilities import effective_capabilities
from auditapp.analysis.interface import Hit, Rule, rule
from auditapp.analysis.model import Attachment, Deployment, Workload
from auditapp.analysis.runtime_settings import security_options
from auditapp.analysis.seccomp import (
    SeccompComparison,
    SeccompError,
    SeccompProfile,
    compare_with_default,
    looks_like_profile,
    parse_profile,
)

LIST_LIMIT = 400  # syscalls listed in one finding's detail


def custom_profile_option(w: Workload) -> str | None:
    """The value of the workload's seccomp option when it names a custom profile (inline JSON
    or a path); None for Docker's default, for unconfined and for a privileged workload (which
    runs without any filter: other rules report those)."""
    values = security_options(w).get("seccomp")
    if w.privileged or not values or not values[-1] or values[-1].lower() == "unconfined":
        return None
    return values[-1]


def find_attachment(d: Deployment, path: str) -> Attachment | None:
    """The attached profile for a compose path: same title, else same file name; among
    several, one whose JSON has defaultAction and syscalls."""
    name = _basename(path)
    named = [
        a for a in d.attachments if a.title.strip() == path.strip() or _basename(a.title) == name
    ]
    return next((a for a in named if _is_profile(a.text)), named[0] if named else None)


def _is_profile(text: str) -> bool:
    try:
        return looks_like_profile(json.loads(text))
    except (ValueError, RecursionError):
        return False


@rule(
    "seccomp.custom-profile",
    "Custom seccomp profile allows more than Docker's default",
    "medium",
    scope="workload",
    pci=("2.2.6",),
    cis=("5.22",),
    reads=("engine-container", "compose", "attachment"),
    fails="run a seccomp profile that allows more than Docker's default",
)
def seccomp_custom_profile(d: Deployment) -> Iterator[Hit]:
    """A container or service that runs with its own seccomp profile instead of Docker's
    default is compared with the default profile (for the same architecture and the
    workload's capabilities): the syscalls it allows that the default does not, the ones the
    default allows only for some arguments and it allows for all, the ones it blocks that the
    default allows, and a change of default action. A profile whose default action lets every
    syscall through, or that allows one of the syscalls Docker keeps from containers to
    protect the kernel (mount, unshare, setns, bpf, keyctl, ptrace, module loading, ...), is
    high; other additions are medium. A stricter profile is fine and is not reported.

    A compose service names only the profile's path: attach the file as evidence (`auditapp
    evidence attach FILE`) so it can be compared; until then the finding says it is missing.

    PCI DSS 2.2.6 asks for system security parameters that prevent misuse; a seccomp profile
    is one of them, and CIS Docker Benchmark 5.22 asks that the default one not be weakened.

    Fix: remove what the application does not need from the profile, or go back to Docker's
    default profile by dropping the seccomp option."""
    for w in d.workloads:
        option = custom_profile_option(w)
        if option is None:
            continue
        where = f"{w.label} seccomp profile"
        source, text, attachment_id = _profile_text(d, option)
        if text is None:
            yield Hit(
                w.component,
                where,
                w.evidence_id,
                detail={"profile": option[:500], "attached": False},
                title=f"Custom seccomp profile {option[:120]} is not in the evidence: attach it",
                severity="low",
                subject=w.name,
            )
            continue
        try:
            profile = parse_profile(text)
        except SeccompError as error:
            yield Hit(
                w.component,
                where,
                w.evidence_id,
                detail={"source": source, "attachment": attachment_id, "problem": str(error)},
                title=f"Custom seccomp profile cannot be read: {error}"[:200],
                subject=w.name,
            )
            continue
        found = _compare(w, profile)
        if found.allows_beyond_default:
            yield Hit(
                w.component,
                where,
                w.evidence_id,
                detail=_detail(found, source, attachment_id),
                title=_title(found),
                severity="high" if found.allows_unlisted or found.dangerous else "medium",
                subject=w.name,
            )


def _profile_text(d: Deployment, option: str) -> tuple[str, str | None, int | None]:
    if option.lstrip().startswith("{"):
        return "inline (HostConfig.SecurityOpt)", option, None
    attachment = find_attachment(d, option)
    if attachment is None:
        return option, None, None
    return f"attachment {attachment.title}", attachment.text, attachment.evidence_id


def _compare(w: Workload, profile: SeccompProfile) -> SeccompComparison:
    # The profile's includes/excludes follow the container's capabilities, as Docker's do.
    caps = effective_capabilities(w.cap_add, w.cap_drop, privileged=w.privileged)
    return compare_with_default(profile, caps=caps)


def _title(c: SeccompComparison) -> str:
    if c.allows_unlisted:
        return (
            f"Custom seccomp profile allows every syscall it does not name "
            f"(default action {c.default_action})"
        )
    more = len(c.added) + len(c.widened)
    names = ", ".join((c.dangerous or (*c.added, *c.widened))[:6])
    return f"Custom seccomp profile allows {more} syscalls beyond Docker's default: {names}"[:200]


def _detail(c: SeccompComparison, source: str, attachment_id: int | None) -> dict[str, object]:
    return {
        "source": source,
        "attachment": attachment_id,
        "default_action": c.default_action,
        "docker_default_action": c.docker_default_action,
        "default_action_changed": c.default_action_changed,
        "allows_unlisted": c.allows_unlisted,
        "added": list(c.added[:LIST_LIMIT]),
        "widened": list(c.widened[:LIST_LIMIT]),
        "removed": list(c.removed[:LIST_LIMIT]),
        "dangerous": list(c.dangerous[:LIST_LIMIT]),
    }


def _basename(path: str) -> str:
    return path.strip().replace("\\", "/").rsplit("/", 1)[-1]


RULES: tuple[Rule, ...] = (seccomp_custom_profile,)
