"""Who may do what: the three roles and the permission rules the services enforce."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    DEVELOPER = "developer"
    AUDITOR = "auditor"

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(r.value for r in cls)
            raise ValueError(f"unknown role {text!r}: choose one of {choices}") from None


class Action(StrEnum):
    MANAGE_MEMBERS = "manage members"
    EDIT_AUDIT = "edit the audit"
    MANAGE_COMPONENTS = "manage components"
    ATTACH_EVIDENCE = "attach or unlink evidence"
    DRAFT_RATIONALE = "draft an item's rationale"
    SET_STATUS = "set an item's status, method, owner or due date"
    COMMENT = "comment"
    SIGN_OFF = "sign off"
    RUN_ANALYSIS = "run the analysis rules"
    DECIDE_FINDING = "decide a finding's status"
    DECLARE_FLOWS = "declare data flows"
    DEFINE_TEMPLATES = "define security templates"
    ASSIGN_TEMPLATES = "assign security templates"
    EDIT_THREAT_MODEL = "edit the threat model"
    DECIDE_SUGGESTION = "accept or dismiss a suggestion"


_ALLOWED: dict[Action, frozenset[Role]] = {
    Action.MANAGE_MEMBERS: frozenset({Role.OFFICER}),
    Action.EDIT_AUDIT: frozenset({Role.OFFICER}),
    Action.MANAGE_COMPONENTS: frozenset({Role.OFFICER, Role.DEVELOPER}),
    Action.ATTACH_EVIDENCE: frozenset({Role.OFFICER, Role.DEVELOPER}),
    Action.DRAFT_RATIONALE: frozenset({Role.OFFICER, Role.DEVELOPER}),
    Action.SET_STATUS: frozenset({Role.OFFICER}),
    Action.COMMENT: frozenset({Role.OFFICER, Role.DEVELOPER, Role.AUDITOR}),
    Action.SIGN_OFF: frozenset({Role.OFFICER, Role.AUDITOR}),
    Action.RUN_ANALYSIS: frozenset({Role.OFFICER, Role.DEVELOPER}),
    Action.DECIDE_FINDING: frozenset({Role.OFFICER}),
    Action.DECLARE_FLOWS: frozenset({Role.OFFICER, Role.DEVELOPER}),
    Action.DEFINE_TEMPLATES: frozenset({Role.OFFICER}),
    Action.ASSIGN_TEMPLATES: frozenset({Role.OFFICER, Role.DEVELOPER}),
    Action.EDIT_THREAT_MODEL: frozenset({Role.OFFICER, Role.DEVELOPER}),
    Action.DECIDE_SUGGESTION: frozenset({Role.OFFICER}),
}

# Once an audit is signed off, developers may no longer change it.
_FROZEN_FOR_DEVELOPERS = frozenset(
    {
        Action.MANAGE_COMPONENTS,
        Action.ATTACH_EVIDENCE,
        Action.DRAFT_RATIONALE,
        Action.RUN_ANALYSIS,
        Action.DECLARE_FLOWS,
        Action.ASSIGN_TEMPLATES,
        Action.EDIT_THREAT_MODEL,
    }
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def decide(role: Role | None, action: Action, *, has_officer: bool, signed_off: bool) -> Decision:
    """May a member with `role` (None: not a member) do `action` on this audit?"""
    if action is Action.MANAGE_MEMBERS and not has_officer:
        return Decision(True)  # setting up: until there is an officer, anyone may add members
    if role is None:
        return Decision(False, f"only members of the audit may {action.value}")
    if role not in _ALLOWED[action]:
        allowed = " or ".join(sorted(r.value + "s" for r in _ALLOWED[action]))
        article = "an" if role.value[0] in "aeiou" else "a"
        return Decision(False, f"{article} {role.value} may not {action.value}; only {allowed} may")
    if role is Role.DEVELOPER and signed_off and action in _FROZEN_FOR_DEVELOPERS:
        return Decision(False, "the audit is signed off: developers may no longer change it")
    return Decision(True)
