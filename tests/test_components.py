"""Components: who may manage them, validation, versions, the journal."""

from __future__ import annotations

import pytest

from auditapp.services import components, journal, signoff
from auditapp.services.components import ComponentEdit
from auditapp.services.errors import InvalidInputError, PermissionDeniedError
from auditapp.services.workspace import Caller, Settings, Workspace
from auditapp.store.errors import StaleEditError
from tests.conftest import AUDITOR, DEVELOPER, OFFICER

API = ComponentEdit(
    image_ref="shop/api:1.4", internet_facing=True, data_classes=("cardholder-data",)
)


def test_developer_adds_and_changes_a_component(team_ws: Workspace) -> None:
    added = components.add_component(team_ws, DEVELOPER, "api", API)
    assert (added.internet_facing, added.data_classes, added.version) == (
        True,
        ("cardholder-data",),
        1,
    )
    changed = components.update_component(
        team_ws, DEVELOPER, "api", ComponentEdit(in_cde=True), expected_version=1
    )
    assert changed.in_cde and changed.version == 2
    assert [c.name for c in components.list_components(team_ws, AUDITOR)] == ["api"]
    assert journal.verify_journal(team_ws, Caller()).intact


def test_auditor_may_not_and_developer_not_after_signoff(team_ws: Workspace) -> None:
    with pytest.raises(PermissionDeniedError, match="auditor may not manage components"):
        components.add_component(team_ws, AUDITOR, "api", API)
    signoff.sign_off(team_ws, OFFICER, "done")
    with pytest.raises(PermissionDeniedError, match="signed off"):
        components.add_component(team_ws, DEVELOPER, "db", API)
    components.add_component(team_ws, OFFICER, "db", API)


def test_bad_values_and_stale_edits(team_ws: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="unknown data class 'pan'"):
        components.add_component(team_ws, OFFICER, "api", ComponentEdit(data_classes=("pan",)))
    with pytest.raises(InvalidInputError, match="longer than 200"):
        components.add_component(team_ws, OFFICER, "x" * 201, API)
    components.add_component(team_ws, OFFICER, "api", API)
    with pytest.raises(InvalidInputError, match="already exists"):
        components.add_component(team_ws, OFFICER, "api", API)
    components.update_component(team_ws, OFFICER, "api", ComponentEdit(host="h1"))
    with pytest.raises(StaleEditError):
        components.update_component(
            team_ws, DEVELOPER, "api", ComponentEdit(host="h2"), expected_version=1
        )


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "lots"])
def test_evidence_cap_setting_must_be_a_positive_number(value: str) -> None:
    with pytest.raises(InvalidInputError, match="positive number"):
        Settings.from_environment({"AUDITAPP_EVIDENCE_CAP_MB": value})
    assert Settings.from_environment({"AUDITAPP_EVIDENCE_CAP_MB": "0.5"}).evidence_max_bytes == (
        512 * 1024
    )
