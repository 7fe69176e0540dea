"""What the daemon rules share: reading `docker info`, `docker version` and daemon.json (JSON of
any shape), and the shape of their hits.

Every daemon hit names the daemon as its subject and says in `detail["verdict"]` what it is:
"fail", "note" (worth a look, not a failure), or "unknown": the evidence cannot tell, usually
because daemon.json was not collected. An unknown is an info hit, so the question stays open
instead of passing in silence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from auditapp.analysis.interface import Hit
from auditapp.analysis.model import DaemonFacts, Deployment

SUBJECT = "daemon"
HINT = "collect --engine --daemon-config /etc/docker/daemon.json (or attach the file)"
SWARM_ON = frozenset({"active", "pending", "locked"})


# --- reading hostile JSON ---------------------------------------------------------------------


def get(value: object, *path: str) -> object:
    """The value at `path` inside nested mappings, or None wherever the shape differs."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def flag(value: object) -> bool | None:
    """A JSON boolean, or the strings "true"/"false" that `docker version` uses."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(s.strip() for s in value if isinstance(s, str) and s.strip())


def security_options(info: object) -> frozenset[str] | None:
    """The names in SecurityOptions ("name=userns,..." or, before API 1.26, plain "userns");
    None when `docker info` did not say."""
    raw = get(info, "SecurityOptions")
    if not isinstance(raw, list):
        return None
    names = set()
    for option in strings(raw):
        first = option.split(",", 1)[0]
        names.add(first.removeprefix("name=").lower())
    return frozenset(names)


def engine_version(daemon: DaemonFacts) -> str:
    return text(get(daemon.info, "ServerVersion")) or text(get(daemon.version, "Version"))


def version_tuple(version: str) -> tuple[int, int] | None:
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2])) if match else None


def swarm_state(info: object) -> str:
    return text(get(info, "Swarm", "LocalNodeState")).lower()


# --- hits ---------------------------------------------------------------------------------------


def daemon_hit(
    evidence_id: int | None,
    setting: str,
    *,
    at: str = "",
    verdict: str = "fail",
    severity: str = "",
    title: str = "",
    **detail: Any,
) -> Hit:
    return Hit(
        "",
        f"daemon {setting}" + (f" {at}" if at else ""),
        evidence_id,
        {"verdict": verdict, "setting": setting, **detail},
        title=title,
        severity=severity,
        subject=SUBJECT,
    )


def cannot_tell(daemon: DaemonFacts, setting: str, title: str, why: str) -> Hit:
    """The evidence cannot answer: say what is missing and how to get it. The location differs
    from a failure's, so a status decided on "cannot tell" never carries over to a real fail."""
    return Hit(
        "",
        f"daemon {setting} unknown",
        daemon.config_evidence_id or daemon.evidence_id,
        {"verdict": "unknown", "setting": setting, "why": why, "hint": HINT},
        title=f"{title}: cannot tell",
        severity="info",
        subject=SUBJECT,
    )


NOT_IN_INFO = "docker info does not report it and the daemon config (daemon.json) was not collected"


def config_only(
    d: Deployment, key: str, title: str, fails: Callable[[object], bool]
) -> Iterator[Hit]:
    """A check only daemon.json answers: `fails(value)` (value None when the key is absent, so
    the predicate decides what the default means); unknown when no config was collected."""
    daemon = d.daemon
    if daemon is None:
        return
    if daemon.config is None:
        yield cannot_tell(daemon, key, title, NOT_IN_INFO)
    elif fails(value := get(daemon.config, key)):
        source = "daemon.json" if value is not None else "daemon.json (absent: the default)"
        yield daemon_hit(daemon.config_evidence_id, key, value=value, source=source)
