"""`auditapp demo`: the demo audit built from shipped data on SQLite and PostgreSQL, read back
through the same services a user's commands use; refused a second time; the same every run;
and the command line's report of what it built."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from auditapp.catalog.golang import extract_build_info
from auditapp.cli import main
from auditapp.progress import NoProgress
from auditapp.services import audits, items, journal, suggestions
from auditapp.services.demo import DemoExistsError, DemoSummary, build_demo, demo_folder
from auditapp.services.demo_images import DemoDataError, load_image_specs, write_archive
from auditapp.services.demo_script import load_script
from auditapp.services.demo_steps import DemoRun, DemoStepError
from auditapp.services.errors import InvalidInputError
from auditapp.services.findings import list_findings
from auditapp.services.flows import flows_report
from auditapp.services.inventory import list_images
from auditapp.services.lifecycle import lifecycle_report
from auditapp.services.report_data import gather
from auditapp.services.signoff import list_signoffs
from auditapp.services.threats import list_actors, list_threats
from auditapp.services.vex import list_dispositions
from auditapp.services.vulns import list_vulns
from auditapp.services.workspace import Caller, Workspace

NAME = "Kestrel Outfitters demo"
OFFICER, DEVELOPER, AUDITOR = "Łucja Żółć", "Dmitri Жуков", "Aiko 東京"
READER = Caller(NAME, AUDITOR)
WORKER_IMAGE = "registry.example.com/kestrel/settlement-worker:0.9.4"


@dataclass(frozen=True)
class Built:
    ws: Workspace
    url: str
    summary: DemoSummary


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    """The demo built once per backend; the tests read it (the refusal test writes nothing)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
        yield from _build(url)
        return
    admin_url: str = request.getfixturevalue("pg_admin_url")
    name = f"auditapp_demo_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield from _build(make_url(admin_url).set(database=name).render_as_string(False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _build(url: str) -> Iterator[Built]:
    ws = Workspace.open(url)
    try:
        yield Built(ws, url, build_demo(ws, progress=NoProgress()))
    finally:
        ws.close()


def test_the_team_components_and_their_flags(built: Built) -> None:
    assert built.summary.members == (
        (OFFICER, "officer"),
        (DEVELOPER, "developer"),
        (AUDITOR, "auditor"),
    )
    [current] = [a for a in audits.list_audits(built.ws) if a.current]
    assert current.name == NAME  # `auditapp export` right after `auditapp demo` finds it
    images = {i.tags[0]: i for i in list_images(built.ws, READER)}
    assert len(images) == 6 and all(i.complete for i in images.values())
    assert images["registry.example.com/kestrel/payments:2.3.1"].components == ("payments",)
    assert images[WORKER_IMAGE].components == ("worker",)
    data = gather(built.ws, READER)
    scope = {c.name: c for c in data.deployment.components}
    assert sorted(scope) == ["cache", "edge", "orders-db", "payments", "storefront", "worker"]
    assert [n for n, c in scope.items() if c.internet_facing] == ["edge"]
    assert sorted(n for n, c in scope.items() if c.in_cde) == ["orders-db", "payments"]
    assert scope["orders-db"].data_classes == ("cardholder-data", "personal-data")
    assert {scope[n].template for n in ("payments", "orders-db", "cache")} == {"pci-hardened"}


def test_findings_planted_in_the_compose_file_and_the_images(built: Built) -> None:
    found = {(f.rule_id, f.component): f for f in list_findings(built.ws, READER)}
    for planted in (
        ("runtime.privileged", "orders-db"),
        ("runtime.docker-socket", "worker"),
        ("runtime.capabilities", "edge"),
        ("runtime.root-user", "storefront"),
        ("network.cleartext-cardholder-data", "orders-db"),
        ("network.flow-not-carried", "payments"),
        ("network.unjustified-exposure", "edge"),
        ("network.undeclared-shared-network", "payments"),
        ("blast.path-to-cardholder-data", "payments"),
        ("template.deviation", "orders-db"),
        ("image.setid-files", "payments"),
        ("image.secret-in-configuration", WORKER_IMAGE),
    ):
        assert planted in found, planted
    # the hardened service fails no runtime rule
    assert not [key for key in found if key[1] == "cache" and key[0].startswith("runtime.")]
    accepted = found[("runtime.capabilities", "edge")]
    assert accepted.status == "accepted-risk" and accepted.status_by == OFFICER
    assert accepted.expires is not None and accepted.expires > date.today()
    assert "NET_ADMIN" in accepted.justification
    assert found[("runtime.root-user", "orders-db")].status == "false-positive"
    # the planted password was redacted when the image was collected
    secret = found[("image.secret-in-configuration", WORKER_IMAGE)]
    assert "demo-not-a-real-password" not in repr(secret)


def test_vulnerabilities_from_the_shipped_osv_records(built: Built) -> None:
    report = list_vulns(built.ws, READER)
    assert built.summary.vulnerabilities == len(report.vulns) == 33
    by_package = {(v.package, v.version): v for v in report.vulns if "PYSEC-2021-108" in v.aliases}
    urllib3 = by_package[("urllib3", "1.26.4")]
    assert urllib3.id == "CVE-2021-33503" and urllib3.components == ("payments",)
    assert "1.26.5" in urllib3.fixed_versions
    go = {(v.package, v.version) for v in report.vulns if v.ecosystem == "Go"}
    assert ("stdlib", "v1.26.5") in go and ("github.com/jackc/pgx/v5", "v5.5.5") in go
    assert {s.ecosystem for s in report.freshness} >= {"PyPI", "Go"}
    [pyyaml] = [v for v in report.vulns if v.package == "PyYAML"]
    assert pyyaml.disposition == "not_affected"
    [vex] = list_dispositions(built.ws, READER)
    assert vex.purl == "pkg:pypi/pyyaml@5.3.1" and vex.in_inventory


def test_end_of_life_operating_systems_and_runtimes(built: Built) -> None:
    report = lifecycle_report(built.ws, READER, today=date(2026, 11, 29))
    ended = {(i.components, i.name) for i in report.items if i.status.state == "end-of-life"}
    assert (("payments",), "Debian GNU/Linux 10 (buster)") in ended
    assert (("payments",), "python 3.8") in ended
    assert (("storefront",), "Alpine Linux v3.15") in ended
    assert (("storefront",), "node 16.20.2") in ended
    supported = {i.components for i in report.items if i.status.state == "supported"}
    assert ("cache",) in supported  # Alpine 3.22: not everything is old


def test_declared_flows_with_drift(built: Built) -> None:
    report = flows_report(built.ws, READER)
    assert len(report.flows) == built.summary.flows == 8
    [not_carried] = report.not_carried
    assert (not_carried.flow.source, not_carried.flow.destination) == ("edge", "payments")
    cleartext = [
        f.flow
        for f in report.flows
        if "cardholder-data" in f.flow.data_classes and not f.flow.encrypted
    ]
    assert [(f.source, f.destination) for f in cleartext] == [("payments", "orders-db")]
    # storefront's 3000 is published on every interface; edge's flow to it runs over their
    # shared network, so it does not justify publishing the port to the whole host
    assert [(e.component, e.host_port) for e in report.unjustified] == [
        ("edge", 80),
        ("storefront", 3000),
    ]
    assert ("payments", "worker") in [s.components for s in report.undeclared_sharing]


def test_threat_model_answers_comments_and_sign_offs(built: Built) -> None:
    assert [a.kind for a in list_actors(built.ws, READER)] == [
        "organised-crime",
        "opportunistic-attacker",
        "malicious-insider",
        "negligent-insider",
    ]
    threats = list_threats(built.ws, READER)
    statuses = {(t.rule, t.element): t.status for t in threats if t.status != "unchecked"}
    assert statuses[("container-platform-escape", "worker")] == "in-progress"
    assert statuses[("stride-per-element", "zone:internet -> edge 443/https")] == "mitigated"
    assert statuses[("stride-per-element", "edge")] == "accepted"
    # cardholder-data and other services share the one Docker host
    assert ("mixed-targets-on-shared-runtime", "host shop-docker-01") in {
        (t.rule, t.element) for t in threats
    }
    [manual] = [t for t in threats if t.origin == "manual"]
    assert manual.items == ("threats.public_web_protection",)

    answered = [v for v in items.list_items(built.ws, READER) if v.status is not None]
    assert len(answered) == built.summary.answered == 49
    assert {v.method.value for v in answered} >= {"compensating_control", "customized_approach"}
    late = [v for v in answered if v.status.value == "not_in_place"]
    assert late and all(v.owner and v.due_date for v in late)
    accepted = [s for s in suggestions.list_suggestions(built.ws, READER) if s.decision]
    assert len(accepted) == 7 and all(s.answer is s.status for s in accepted)

    data = gather(built.ws, READER)
    assert data.audit.final and not data.audit.draft_forced
    assert [(s.member, s.role) for s in list_signoffs(built.ws, READER)] == [
        (OFFICER, "officer"),
        (AUDITOR, "auditor"),
    ]
    documents = {e.title: e for e in data.evidence if e.kind == "attachment"}
    assert documents["systemd-detect-virt on shop-docker-01"].items == ("topology.docker_hosting",)
    item = next(i for s in data.sections for i in s.items if i.key == "dependencies.end_of_life")
    assert [(author, role) for author, role, _, _ in item.comments] == [
        (AUDITOR, "auditor"),
        (DEVELOPER, "developer"),
    ]
    verification = journal.verify_journal(built.ws, READER)
    assert verification.intact and verification.entries == built.summary.journal_entries


def test_running_the_demo_twice_refuses_cleanly(built: Built) -> None:
    entries = journal.verify_journal(built.ws, READER).entries
    with pytest.raises(DemoExistsError, match="already holds an audit named") as refused:
        build_demo(built.ws, progress=NoProgress())
    assert "--db" in str(refused.value)
    assert [a.name for a in audits.list_audits(built.ws)] == [NAME]
    assert journal.verify_journal(built.ws, READER).entries == entries


def test_the_cli_prints_what_it_built_and_the_next_steps_the_same_every_run(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert main(["--db", url, "demo"]) == 0
    out = capsys.readouterr().out
    assert f"built the demo audit {NAME!r}" in out
    assert f"{OFFICER} (officer), {DEVELOPER} (developer), {AUDITOR} (auditor)" in out
    assert "(FINAL)" in out and "49 of 74 items answered" in out
    assert f"auditapp --db {url} export --pdf demo.pdf" in out
    assert f"auditapp --db {url} gui" in out

    assert main(["--db", url, "demo"]) == 2
    assert "already holds an audit named" in capsys.readouterr().err

    # everything but the times and the temporary archive paths is the same as the other build
    ws = Workspace.open(url)
    try:
        assert _content(ws) == _content(built.ws)
    finally:
        ws.close()


def _content(ws: Workspace) -> dict[str, Any]:
    return {
        "images": sorted((i.digest, i.tags, i.packages) for i in list_images(ws, READER)),
        "findings": sorted(
            (f.rule_id, f.component, f.location, f.severity, f.status, f.expires)
            for f in list_findings(ws, READER)
        ),
        "threats": sorted(
            (t.rule, t.element, t.category, t.status, t.mitigation)
            for t in list_threats(ws, READER)
        ),
        "items": [
            (v.key, v.status, v.method, v.rationale, v.owner, v.due_date)
            for v in items.list_items(ws, READER)
        ],
        "vulns": sorted((v.id, v.package, v.version) for v in list_vulns(ws, READER).vulns),
    }


# ---- the parts, without a database -------------------------------------------------------------


def test_the_images_are_byte_identical_every_time(tmp_path: Path) -> None:
    specs = load_image_specs(demo_folder() / "images")
    assert {s.name for s in specs} == {
        "cache", "edge", "orders-db", "payments", "storefront", "worker",
    }  # fmt: skip
    for n, folder in enumerate((tmp_path / "a", tmp_path / "b")):
        folder.mkdir()
        for spec in specs:
            write_archive(spec, folder)
        assert n == 0 or all(
            (tmp_path / "a" / p.name).read_bytes() == p.read_bytes() for p in folder.iterdir()
        )


def test_the_worker_binary_carries_go_build_info() -> None:
    [worker] = [s for s in load_image_specs(demo_folder() / "images") if s.name == "worker"]
    [binary] = [f for layer in worker.layers for f in layer.files if f.path.endswith("worker")]
    assert binary.mode == 0o755 and binary.data.startswith(b"\x7fELF")
    info = extract_build_info(binary.data)
    assert b'"go":"go1.26.5"' in info and b'"path":"golang.org/x/net"' in info


def test_damaged_demo_data_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    story = (demo_folder() / "audit.toml").read_text("utf-8")
    (tmp_path / "audit.toml").write_text(story.replace("lateral.blast_radius", "lateral.nope"))
    (tmp_path / "answers.toml").write_text((demo_folder() / "answers.toml").read_text("utf-8"))
    with pytest.raises(DemoDataError, match=r"lateral\.nope"):
        load_script(tmp_path)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "bad.toml").write_text('tag = "x"\n')
    with pytest.raises(DemoDataError, match=r"bad\.toml"):
        load_image_specs(tmp_path / "images")


def test_a_failing_step_is_named_with_the_state_it_leaves(ws: Workspace) -> None:
    run = DemoRun(ws, load_script(demo_folder()), NoProgress())

    def refuse() -> None:
        raise InvalidInputError("no such finding")

    with pytest.raises(DemoStepError) as stopped:
        run.step("decide findings", refuse)
    message = str(stopped.value)
    assert "while trying to decide findings: no such finding" in message
    assert "is incomplete" in message and "--db" in message
