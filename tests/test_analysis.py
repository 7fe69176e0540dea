"""Running the rules over collected evidence: findings that keep their status across runs,
suggestions that never overwrite a person's answer, and the commands around them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from auditapp.checklist import Status
from auditapp.services import journal
from auditapp.services.analysis import analyse
from auditapp.services.collect import collect
from auditapp.services.components import ComponentEdit, update_component
from auditapp.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from auditapp.services.findings import list_findings, rules_catalogue, set_finding_status
from auditapp.services.gather import CollectRequest
from auditapp.services.items import ItemEdit, get_item, update_item
from auditapp.services.suggestions import (
    accept_suggestion,
    dismiss_suggestion,
    list_suggestions,
)
from auditapp.services.workspace import Caller, Workspace
from auditapp.store.models import Blob
from tests.conftest import AUDITOR, DEVELOPER, OFFICER

PRIVILEGED_ITEM = "profile.no_privileged_containers"
WEAK = """
services:
  api:
    image: shop/api:1.4
    user: "10001"
    privileged: {privileged}
  worker:
    image: shop/worker:1.4
    user: "10001"
"""


def _collect(ws: Workspace, folder: Path, *, privileged: bool) -> None:
    path = folder / "compose.yaml"
    path.write_text(WEAK.format(privileged="true" if privileged else "false"))
    collect(ws, DEVELOPER, CollectRequest(compose=(path,)))


def test_a_rerun_updates_findings_and_keeps_their_status(
    team_ws: Workspace, tmp_path: Path
) -> None:
    _collect(team_ws, tmp_path, privileged=True)
    first = analyse(team_ws, DEVELOPER)
    [finding] = list_findings(team_ws, AUDITOR, rule="runtime.privileged")
    assert (finding.component, finding.status, finding.active) == ("api", "open", True)
    assert finding.cis == ("5.5",) and finding.pci
    assert first.new == first.findings > 0 and first.by_severity

    expires = date.today() + timedelta(days=30)
    set_finding_status(
        team_ws, OFFICER, finding.id, "accepted-risk", justification="vendor agent", expires=expires
    )
    again = analyse(team_ws, DEVELOPER)
    assert again.new == 0 and again.findings == first.findings
    [kept] = list_findings(team_ws, AUDITOR, rule="runtime.privileged")
    assert (kept.id, kept.status, kept.expires, kept.justification) == (
        finding.id,
        "accepted-risk",
        expires,
        "vendor agent",
    )
    assert journal.verify_journal(team_ws, Caller()).intact


def test_a_fixed_weakness_goes_inactive_and_a_remediated_one_that_returns_reopens(
    team_ws: Workspace, tmp_path: Path
) -> None:
    _collect(team_ws, tmp_path, privileged=True)
    analyse(team_ws, DEVELOPER)
    [finding] = list_findings(team_ws, AUDITOR, rule="runtime.privileged")
    set_finding_status(team_ws, OFFICER, finding.id, "remediated")

    _collect(team_ws, tmp_path, privileged=False)
    summary = analyse(team_ws, DEVELOPER)
    assert summary.resolved >= 1
    assert list_findings(team_ws, AUDITOR, rule="runtime.privileged") == []
    [gone] = list_findings(team_ws, AUDITOR, rule="runtime.privileged", include_inactive=True)
    assert (gone.id, gone.active, gone.status) == (finding.id, False, "remediated")

    _collect(team_ws, tmp_path, privileged=True)
    summary = analyse(team_ws, DEVELOPER)
    assert summary.reopened == 1
    [back] = list_findings(team_ws, AUDITOR, rule="runtime.privileged")
    assert (back.id, back.active, back.status) == (finding.id, True, "open")


def test_finding_decisions_are_for_officers_and_need_reasons(
    team_ws: Workspace, tmp_path: Path
) -> None:
    _collect(team_ws, tmp_path, privileged=True)
    analyse(team_ws, DEVELOPER)
    [finding] = list_findings(team_ws, AUDITOR, rule="runtime.privileged")
    future = date.today() + timedelta(days=9)
    with pytest.raises(PermissionDeniedError, match="developer may not decide"):
        set_finding_status(team_ws, DEVELOPER, finding.id, "false-positive", justification="x")
    with pytest.raises(InvalidInputError, match="needs --justification"):
        set_finding_status(team_ws, OFFICER, finding.id, "accepted-risk", expires=future)
    with pytest.raises(InvalidInputError, match="needs --expires"):
        set_finding_status(team_ws, OFFICER, finding.id, "accepted-risk", justification="x")
    with pytest.raises(InvalidInputError, match="not in the future"):
        set_finding_status(
            team_ws, OFFICER, finding.id, "accepted-risk", justification="x", expires=date.today()
        )
    with pytest.raises(InvalidInputError, match="unknown finding status"):
        set_finding_status(team_ws, OFFICER, finding.id, "ignored")
    with pytest.raises(NotFoundError, match="no finding #9999"):
        set_finding_status(team_ws, OFFICER, 9999, "remediated")
    with pytest.raises(PermissionDeniedError):
        analyse(team_ws, AUDITOR)


def test_suggestions_explain_themselves_and_never_overwrite_an_answer(
    team_ws: Workspace, tmp_path: Path
) -> None:
    _collect(team_ws, tmp_path, privileged=True)
    analyse(team_ws, DEVELOPER)
    suggestion = next(
        s for s in list_suggestions(team_ws, AUDITOR) if s.item_key == PRIVILEGED_ITEM
    )
    assert suggestion.status is Status.NOT_IN_PLACE
    assert "1 of 2 containers and services run privileged: api" in suggestion.reason
    assert get_item(team_ws, AUDITOR, PRIVILEGED_ITEM).status is None  # not written

    update_item(team_ws, OFFICER, PRIVILEGED_ITEM, ItemEdit(status=Status.IN_PLACE))
    analyse(team_ws, DEVELOPER)
    assert get_item(team_ws, AUDITOR, PRIVILEGED_ITEM).status is Status.IN_PLACE
    view = next(s for s in list_suggestions(team_ws, AUDITOR) if s.item_key == PRIVILEGED_ITEM)
    assert view.differs and view.answer is Status.IN_PLACE

    with pytest.raises(PermissionDeniedError):
        accept_suggestion(team_ws, DEVELOPER, PRIVILEGED_ITEM)
    accepted = accept_suggestion(team_ws, OFFICER, PRIVILEGED_ITEM)
    assert accepted.decision == "accepted" and not accepted.differs
    item = get_item(team_ws, AUDITOR, PRIVILEGED_ITEM)
    assert item.status is Status.NOT_IN_PLACE and "run privileged" in item.rationale

    _collect(team_ws, tmp_path, privileged=False)
    analyse(team_ws, DEVELOPER)
    fixed = next(s for s in list_suggestions(team_ws, AUDITOR) if s.item_key == PRIVILEGED_ITEM)
    assert fixed.status is Status.IN_PLACE and fixed.decision == ""  # new advice, new look
    assert get_item(team_ws, AUDITOR, PRIVILEGED_ITEM).status is Status.NOT_IN_PLACE
    assert dismiss_suggestion(team_ws, OFFICER, PRIVILEGED_ITEM).decision == "dismissed"
    with pytest.raises(NotFoundError):
        dismiss_suggestion(team_ws, OFFICER, "profile.no_such_item")


MIXED_ITEM = "topology.mixed_security_levels"
APART = """
services:
  web:
    image: shop/web:1
    networks: [front]
  vault:
    image: shop/vault:1
    networks: [back]
networks:
  front: {}
  back: {}
"""


def test_a_shared_host_that_is_only_assumed_is_not_suggested_not_in_place(
    team_ws: Workspace, tmp_path: Path
) -> None:
    """No host recorded and nothing collected from an engine: the cardholder-data vault is
    only assumed to share a host with web. That is a question for people (a low finding with
    verdict unknown), not grounds to suggest the item is Not in Place; recording one host for
    both makes it so."""
    path = tmp_path / "compose.yaml"
    path.write_text(APART)
    collect(team_ws, DEVELOPER, CollectRequest(compose=(path,)))
    vault = ComponentEdit(in_cde=True, data_classes=("cardholder-data",))
    update_component(team_ws, DEVELOPER, "vault", vault)
    analyse(team_ws, DEVELOPER)
    assert MIXED_ITEM not in {s.item_key for s in list_suggestions(team_ws, AUDITOR)}
    [finding] = list_findings(team_ws, AUDITOR, rule="topology.cde-shared-host")
    assert (finding.component, finding.severity) == ("vault", "low")
    assert finding.detail["verdict"] == "unknown" and finding.detail["others"] == ["web"]
    assert list_findings(team_ws, AUDITOR, rule="topology.cde-shared-network") == []

    for name in ("web", "vault"):
        update_component(team_ws, DEVELOPER, name, ComponentEdit(host="pay-host-1"))
    analyse(team_ws, DEVELOPER)
    [finding] = list_findings(team_ws, AUDITOR, rule="topology.cde-shared-host")
    assert finding.severity == "medium" and "verdict" not in finding.detail
    shown = next(s for s in list_suggestions(team_ws, AUDITOR) if s.item_key == MIXED_ITEM)
    assert shown.status is Status.NOT_IN_PLACE
    assert "share a host with components that hold no cardholder data: vault" in shown.reason


def test_evidence_changed_beside_auditapp_does_not_stop_the_analysis(
    team_ws: Workspace, tmp_path: Path
) -> None:
    _collect(team_ws, tmp_path, privileged=True)
    with team_ws.db.write() as session:
        session.execute(update(Blob).values(data=b"\xff not json"))
    analyse(team_ws, DEVELOPER)  # the tampered snapshot reads as nothing known
    assert list_findings(team_ws, AUDITOR, rule="runtime.privileged") == []


def test_every_rule_is_documented_and_every_checklist_rule_exists() -> None:
    from auditapp.checklist import load_checklist

    rules = {r.id: r for r in rules_catalogue()}
    assert len(rules) > 40
    for rule in rules.values():
        assert len(rule.doc) > 80, rule.id
        assert rule.pci, rule.id
        assert rule.severity in ("critical", "high", "medium", "low", "info")
    named = {r for item in load_checklist("pci-dss-4.0.1-containers").items() for r in item.rules}
    assert named <= set(rules), named - set(rules)
    assert len(named) > 30  # the checklist's automated items name their rules


def test_journal_replay_catches_statuses_and_flows_changed_beside_auditapp(
    team_ws: Workspace, tmp_path: Path
) -> None:
    from auditapp.services.flows import FlowInput, add_flow
    from auditapp.store.models import Finding, Flow

    _collect(team_ws, tmp_path, privileged=True)
    analyse(team_ws, DEVELOPER)
    [finding] = list_findings(team_ws, AUDITOR, rule="runtime.privileged")
    set_finding_status(team_ws, OFFICER, finding.id, "false-positive", justification="lab box")
    add_flow(team_ws, DEVELOPER, FlowInput("api", "worker", 8080, "tcp"))
    assert journal.verify_journal(team_ws, Caller()).intact

    with team_ws.db.write() as session:
        session.execute(update(Finding).where(Finding.id == finding.id).values(status="remediated"))
        session.execute(update(Flow).values(encrypted=True))
    problems = journal.verify_journal(team_ws, Caller()).mismatches
    assert any(f"finding #{finding.id}" in p and "remediated" in p for p in problems)
    assert any("declared flow api -> worker 8080/tcp" in p for p in problems)


def test_compose_and_its_images_in_one_collect_make_one_component_each(
    team_ws: Workspace, tmp_path: Path
) -> None:
    """Services are stored before images, so an image joins the service that runs it (and
    gives it its digest) rather than becoming a component of its own; a secret in a service
    is filed under that service."""
    from auditapp.services.components import list_components
    from tests.catalog.layers import f
    from tests.evidence.oci import oci_files, write_folder

    entries = [f("etc/os-release", "ID=debian\nVERSION_ID=12\n")]
    layout = write_folder(oci_files([entries], "gzip", tag="shop/api:1.4"), tmp_path / "layout")
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n  api:\n    image: shop/api:1.4\n"
        "    environment:\n      DB_PASSWORD: hunter2-hunter2\n"
    )
    collect(team_ws, DEVELOPER, CollectRequest(archives=(layout,), compose=(compose,)))
    [api] = list_components(team_ws, AUDITOR)
    assert (api.name, api.image_ref) == ("api", "shop/api:1.4")
    assert api.image_digest.startswith("sha256:")
    [secret] = list_findings(team_ws, AUDITOR, rule="image.secret-in-configuration")
    assert secret.component == "api" and "DB_PASSWORD" in secret.location


def test_a_compose_value_that_is_not_a_finite_number_does_not_stop_the_analysis(
    team_ws: Workspace, tmp_path: Path
) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  a:\n    image: x\n    cpus: .inf\n    privileged: true\n")
    collect(team_ws, DEVELOPER, CollectRequest(compose=(compose,)))
    analyse(team_ws, DEVELOPER)  # the stored snapshot holds Infinity: read as nothing known
    assert list_findings(team_ws, AUDITOR, rule="runtime.privileged") == []
