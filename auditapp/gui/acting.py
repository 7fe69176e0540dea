"""The open audit and the member acting on it: the Caller every service call is made with."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from auditapp.gui import permissions
from auditapp.services import members
from auditapp.services.members import Identity
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Workspace


class ActingAs(QObject):
    """Shared by the window's parts; `changed` fires when the audit or the member changes."""

    changed = Signal()

    def __init__(self, ws: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._audit: str | None = None
        self._member: str | None = None
        self._identity: Identity | None = None

    @property
    def audit(self) -> str | None:
        return self._audit

    @property
    def member(self) -> str | None:
        return self._member

    @property
    def identity(self) -> Identity | None:
        return self._identity

    def caller(self) -> Caller:
        return Caller(audit=self._audit, member=self._member)

    def open(self, audit: str, member: str | None = None) -> None:
        """Act on `audit` as `member` (None: the audit's default member). Raises if unknown."""
        identity = members.whoami(self.ws, Caller(audit=audit, member=member))
        self._audit = identity.audit
        self._member = identity.member.name if identity.member else None
        self._identity = identity
        self.changed.emit()

    def act_as(self, member: str | None) -> None:
        if self._audit is not None:
            self.open(self._audit, member)

    def refresh(self) -> None:
        """Re-read what the member may do (after members are added or the audit signed off)."""
        if self._audit is not None:
            self.open(self._audit, self._member)

    def may(self, action: Action) -> bool:
        return permissions.may(self._identity, action)

    def refusal(self, action: Action) -> str:
        return permissions.refusal(self._identity, action)
