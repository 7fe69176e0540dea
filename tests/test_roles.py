"""Role rules enforced by the services: every refusal raises and is journaled."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from auditapp.checklist import Status
from auditapp.services import comments, evidence, items, journal, members, signoff
from auditapp.services.errors import NotFoundError, PermissionDeniedError
from auditapp.services.items import ItemEdit
from auditapp.services.roles import Action, Role
from auditapp.services.workspace import Caller, Workspace
from auditapp.store.models import JournalEntry
from tests.conftest import AUDITOR, DEVELOPER, OFFICER, item_keys

KEY = item_keys()[0]


def _denials(ws: Workspace) -> list[JournalEntry]:
    with ws.db.read() as session:
        return list(session.scalars(select(JournalEntry).where(JournalEntry.action == "denied")))


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "evidence.txt"
    path.write_text("docker inspect output")
    return path


def _assert_denied(ws: Workspace, who: str, attempted: Action) -> None:
    entries = _denials(ws)
    assert entries, "the refusal was not journaled"
    last = entries[-1]
    assert last.member == who
    assert attempted.value in last.summary
    assert journal.verify_journal(ws, Caller()).intact


def test_officer_may_do_everything(team_ws: Workspace, tmp_path: Path) -> None:
    items.update_item(team_ws, OFFICER, KEY, ItemEdit(status=Status.IN_PLACE, rationale="ok"))
    evidence.attach_file(team_ws, OFFICER, _file(tmp_path), item_key=KEY)
    comments.add_comment(team_ws, OFFICER, KEY, "looks right")
    signoff.sign_off(team_ws, OFFICER, "I confirm")
    items.update_item(team_ws, OFFICER, KEY, ItemEdit(rationale="still ok after sign-off"))
    assert not _denials(team_ws)


def test_developer_cannot_set_status(team_ws: Workspace) -> None:
    with pytest.raises(PermissionDeniedError, match="developer may not set"):
        items.update_item(team_ws, DEVELOPER, KEY, ItemEdit(status=Status.IN_PLACE))
    assert items.get_item(team_ws, OFFICER, KEY).status is None
    _assert_denied(team_ws, "Dev Developer", Action.SET_STATUS)


def test_developer_drafts_rationale_and_attaches(team_ws: Workspace, tmp_path: Path) -> None:
    items.update_item(team_ws, DEVELOPER, KEY, ItemEdit(rationale="USER app in Dockerfile"))
    evidence.attach_file(team_ws, DEVELOPER, _file(tmp_path), item_key=KEY)
    view = items.get_item(team_ws, OFFICER, KEY)
    assert view.rationale == "USER app in Dockerfile"
    assert view.evidence_count == 1
    assert view.updated_by == "Dev Developer"


def test_developer_cannot_sign_off(team_ws: Workspace) -> None:
    with pytest.raises(PermissionDeniedError):
        signoff.sign_off(team_ws, DEVELOPER, "me too")
    _assert_denied(team_ws, "Dev Developer", Action.SIGN_OFF)


def test_developer_cannot_change_a_signed_off_audit(team_ws: Workspace, tmp_path: Path) -> None:
    signoff.sign_off(team_ws, OFFICER, "Ready for the QSA")
    with pytest.raises(PermissionDeniedError, match="signed off"):
        items.update_item(team_ws, DEVELOPER, KEY, ItemEdit(rationale="late change"))
    with pytest.raises(PermissionDeniedError, match="signed off"):
        evidence.attach_file(team_ws, DEVELOPER, _file(tmp_path))
    assert items.get_item(team_ws, OFFICER, KEY).rationale == ""
    assert evidence.list_evidence(team_ws, OFFICER) == []
    assert len(_denials(team_ws)) == 2


def test_auditor_cannot_change_status_rationale_or_evidence(
    team_ws: Workspace, tmp_path: Path
) -> None:
    with pytest.raises(PermissionDeniedError):
        items.update_item(team_ws, AUDITOR, KEY, ItemEdit(status=Status.NOT_IN_PLACE))
    with pytest.raises(PermissionDeniedError):
        items.update_item(team_ws, AUDITOR, KEY, ItemEdit(rationale="I would say"))
    with pytest.raises(PermissionDeniedError):
        evidence.attach_file(team_ws, AUDITOR, _file(tmp_path))
    assert len(_denials(team_ws)) == 3
    view = items.get_item(team_ws, OFFICER, KEY)
    assert (view.status, view.rationale, view.evidence_count) == (None, "", 0)


def test_auditor_comments_and_signs_off(team_ws: Workspace) -> None:
    comments.add_comment(team_ws, AUDITOR, KEY, "Please attach the seccomp profile")
    signed = signoff.sign_off(team_ws, AUDITOR, "Reviewed")
    assert signed.role == "auditor"
    assert [c.author for c in comments.list_comments(team_ws, OFFICER, KEY)] == ["Aud Auditor"]


def test_only_officers_manage_members_once_there_is_one(team_ws: Workspace) -> None:
    with pytest.raises(PermissionDeniedError):
        members.add_member(team_ws, DEVELOPER, "Eve", Role.OFFICER)
    _assert_denied(team_ws, "Dev Developer", Action.MANAGE_MEMBERS)
    assert "Eve" not in [m.name for m in members.list_members(team_ws, OFFICER)]


def test_anyone_may_add_members_until_there_is_an_officer(ws: Workspace) -> None:
    from auditapp.services import audits

    audits.create_audit(ws, "setup")
    members.add_member(ws, Caller(), "Dana", Role.DEVELOPER)
    members.add_member(ws, Caller(member="Dana"), "Olga", Role.OFFICER)
    with pytest.raises(PermissionDeniedError):
        members.add_member(ws, Caller(member="Dana"), "Zed", Role.AUDITOR)


def test_unknown_member_is_not_found(team_ws: Workspace) -> None:
    with pytest.raises(NotFoundError, match="not a member"):
        items.update_item(team_ws, Caller(member="Nobody"), KEY, ItemEdit(rationale="x"))


def test_default_member_acts_when_none_is_named(team_ws: Workspace) -> None:
    items.update_item(team_ws, Caller(), KEY, ItemEdit(status=Status.NOT_TESTED))
    assert items.get_item(team_ws, Caller(), KEY).updated_by == "Olga Officer"


def test_whoami_lists_what_each_role_may_do_and_why_not(team_ws: Workspace) -> None:
    officer = members.whoami(team_ws, OFFICER)
    developer = members.whoami(team_ws, DEVELOPER)
    auditor = members.whoami(team_ws, AUDITOR)
    assert officer.allowed == set(Action) and not officer.refusals
    assert Action.SET_STATUS not in developer.allowed
    assert Action.DRAFT_RATIONALE in developer.allowed
    assert "only officers may" in developer.refusals[Action.SET_STATUS]
    assert auditor.allowed == {Action.COMMENT, Action.SIGN_OFF}
    signoff.sign_off(team_ws, OFFICER, "done")
    frozen = members.whoami(team_ws, DEVELOPER)
    assert frozen.allowed == {Action.COMMENT}
    assert "signed off" in frozen.refusals[Action.ATTACH_EVIDENCE]


def test_an_audit_created_with_its_first_member(ws: Workspace) -> None:
    from auditapp.services import audits

    made = audits.create_audit(ws, "One step", first_member=("Olga", Role.OFFICER))
    assert made.members == 1
    me = members.whoami(ws, Caller())
    assert me.member is not None and (me.member.name, me.member.role) == ("Olga", Role.OFFICER)
    assert journal.verify_journal(ws, Caller()).entries == 2
