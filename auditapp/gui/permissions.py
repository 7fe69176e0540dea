"""Why a control is disabled, in one sentence for its tooltip (the services give the reason)."""

from __future__ import annotations

from auditapp.services.members import Identity
from auditapp.services.roles import Action


def may(identity: Identity | None, action: Action) -> bool:
    return identity is not None and action in identity.allowed


def refusal(identity: Identity | None, action: Action) -> str:
    """'' when `identity` may do `action`; else the refusal, e.g. "A developer may not ..."."""
    if identity is None:
        return "Open an audit first"
    reason = identity.refusals.get(action, "")
    return reason[:1].upper() + reason[1:]
