"""Blast radius of the caller's audit: the stored deployment through the reach graph."""

from __future__ import annotations

from auditapp.analysis import blast
from auditapp.analysis.blast import MAX_STEPS, BlastRadius
from auditapp.services.deployment import load_deployment
from auditapp.services.errors import InvalidInputError, NotFoundError
from auditapp.services.workspace import Caller, Workspace


def blast_radius(
    ws: Workspace, caller: Caller, component: str | None = None, max_steps: int = MAX_STEPS
) -> BlastRadius:
    """What an attacker reaches from `component`, or from every internet-facing component."""
    deployment = load_deployment(ws, caller)
    try:
        return blast.blast_radius(deployment, component, max_steps)
    except blast.UnknownComponentError as error:
        raise NotFoundError(
            str(error), hint="name one of them, or none for every internet-facing component"
        ) from error
    except blast.BlastError as error:
        raise InvalidInputError(str(error)) from error
