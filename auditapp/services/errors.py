"""Errors from use cases: refusals, unknown names and bad values."""

from __future__ import annotations

from auditapp.errors import AuditappError


class ServiceError(AuditappError):
    """A use case could not be carried out as asked."""


class PermissionDeniedError(ServiceError):
    """The acting member's role does not allow this; the refusal is in the journal."""


class NotFoundError(ServiceError):
    """A named audit, member, item or evidence does not exist."""


class InvalidInputError(ServiceError):
    """A value given by a person cannot be used."""
