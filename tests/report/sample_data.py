"""A rich, realistic `ReportData` for the report tests: the three-tier deployment analysed by the
real flow and blast-radius functions, the real checklist with every item answered one way or
another, people with names in several scripts, findings, vulnerabilities, threats, evidence.

`sample_report(**overrides)` replaces top-level fields; `final_report()` is signed by an officer
and an auditor; `empty_report()` is an audit with no components, containers, evidence or answers.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from auditapp.analysis.blast import blast_radius
from auditapp.analysis.catalogue import ALL_RULES
from auditapp.analysis.model import Deployment
from auditapp.analysis.network_drift import flow_report
from auditapp.analysis.threat_actors import shipped_actors
from auditapp.analysis.threats import generate_threats
from auditapp.checklist import load_checklist
from auditapp.report.model import (
    ActorRow,
    AuditInfo,
    Companion,
    ComponentRow,
    EvidenceRow,
    FindingRow,
    HostRow,
    ItemRow,
    LifecycleRow,
    MemberRow,
    Methodology,
    PackageCount,
    ReportData,
    RuleRow,
    SampleRow,
    SectionRow,
    SignOffRow,
    ThreatRow,
    VulnDataRow,
    VulnRow,
)
from tests.analysis.three_tier import three_tier

AS_OF = datetime(2026, 3, 14, 16, 30, tzinfo=UTC)
START = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
OFFICER = "Łucja Żółć"
AUDITOR = "Жанна Кузнецова"
DEVELOPER = "東京 Ops"
JOURNAL_HEAD = "9f2c4b7e1d0a8c3f5e6b7a9d2c1e0f4b8a7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e"
STATUSES = ("in_place", "not_in_place", "in_place", "not_applicable", "not_tested", None)
OWNERS = (OFFICER, DEVELOPER, "Platform team", "")
CHECKLIST = "pci-dss-4.0.1-containers"

# fmt: off
EVIDENCE = (  # title, kind, media type, source
    ("docker info of h1", "engine", "application/json", "docker engine unix:///run/docker.sock"),
    ("docker inspect proxy", "container", "application/json", "docker engine h1"),
    ("docker inspect api", "container", "application/json", "docker engine h1"),
    ("docker inspect db", "container", "application/json", "docker engine h1"),
    ("docker inspect worker", "container", "application/json", "docker engine h1"),
    ("compose.yaml (shop)", "compose", "application/yaml", "git:shop/deploy@4e1d2a"),
)
DOCUMENTS = (  # title, source
    ("Container hardening standard v2.1 (approved by Łucja Żółć)", "hardening.pdf"),
    ("Network diagram sign-off, 東京 Ops", "network-signoff.pdf"),
)
FINDINGS = (  # rule, severity, title, component, location, status, justification, evidence
    ("runtime.docker-socket", "critical", "Docker socket mounted into the container", "worker",
     "/var/run/docker.sock", "open", "", "SYS-5"),
    ("network.cleartext-cardholder-data", "high",
     "Cardholder data or credentials on an unencrypted flow", "api", "flow 3 api → db 5432/tcp",
     "open", "", "SYS-6"),
    ("blast.path-to-cardholder-data", "high",
     "Path from an internet-facing component to cardholder data", "proxy", "proxy → api → db",
     "open", "", "SYS-2"),
    ("network.unjustified-exposure", "medium", "Port exposed with no declared flow", "proxy",
     "0.0.0.0:8081/tcp", "open", "", "SYS-2"),
    ("network.undeclared-shared-network", "medium",
     "Components share a network with no declared flow", "worker", "network back",
     "accepted-risk", "The worker only reads the queue table; a dedicated network is planned "
     "for Q3 with 東京 Ops.", "SYS-5"),
    ("runtime.all-interfaces", "medium", "Port published on every host interface", "proxy",
     "0.0.0.0:443/tcp", "open", "", "SYS-2"),
    ("image.healthcheck", "low", "No HEALTHCHECK in the image", "db", "postgres:16",
     "false-positive", "The compose file defines the health check.", "SYS-6"),
    ("runtime.published-port", "info", "Published port to review", "proxy", "443/tcp",
     "remediated", "", ""),
)
PACKAGES = (
    PackageCount("api", "shop/api:1.4", "Debian GNU/Linux 11 (bullseye)", "2026-08-31",
                 (("deb", 143), ("pypi", 61)), True),
    PackageCount("db", "postgres:16", "Debian GNU/Linux 12 (bookworm)", "2028-06-30",
                 (("deb", 131),), True),
    PackageCount("proxy", "nginx:1.27", "Alpine Linux v3.17", "2024-11-22 (ended)",
                 (("apk", 42),), True),
    PackageCount("worker", "shop/worker:1.4", "unknown", "unknown",
                 (("golang", 38), ("npm", 512)), False),
)
VULNS = (
    VulnRow("CVE-2024-45490", ("GHSA-5qxm-qvmj-8v79",), "critical", 9.8, "expat", "2.5.0-r0",
            "apk", ("2.6.3-r0",), ("proxy",), "affected", "libexpat negative length in parsing"),
    VulnRow("CVE-2024-45492", (), "critical", 9.8, "expat", "2.5.0-r0", "apk", ("2.6.3-r0",),
            ("proxy",), "under_investigation", "libexpat integer overflow in nextScaffoldPart"),
    VulnRow("GHSA-9wx4-h78v-vm56", ("CVE-2024-35195",), "medium", 5.6, "requests", "2.31.0",
            "pypi", ("2.32.0",), ("api",), "not_affected", "Session verify=False persists"),
    VulnRow("CVE-2023-44487", ("GHSA-qppj-fm5r-hxr3",), "high", 7.5, "golang.org/x/net",
            "0.15.0", "golang", ("0.17.0",), ("worker",), "", "HTTP/2 rapid reset"),
    VulnRow("CVE-2024-2511", (), "low", None, "openssl", "3.0.11-1~deb12u2", "deb", (),
            ("db", "api"), "", "Unbounded memory growth with session handling in TLSv1.3"),
)
LIFECYCLE = (
    LifecycleRow("proxy", "Alpine Linux 3.17", "os", "end-of-life", "ended 2024-11-22"),
    LifecycleRow("api", "Debian 11", "os", "security-only", "LTS until 2026-08-31"),
    LifecycleRow("worker", "npm left-pad 1.3.0", "package", "deprecated",
                 "use String.prototype.padStart"),
)
BASIS = "docker info (evidence #1)"
HOST = (
    HostRow("Host name", "h1", BASIS),
    HostRow("Operating system", "Debian GNU/Linux 12 (bookworm)", BASIS),
    HostRow("Kernel", "6.1.0-18-amd64", BASIS),
    HostRow("Docker version", "27.3.1", BASIS),
    HostRow("Rootless", "no", BASIS),
    HostRow("User-namespace remapping", "no", BASIS),
    HostRow("Virtualisation", "virtual machine kvm", "systemd-detect-virt output (DOC-2)"),
)
REASONS = {
    "in_place": "Checked against docker inspect of all four services; every one meets it.",
    "not_in_place": "The worker mounts the Docker socket, so this is not met yet.",
    "not_applicable": "The estate has no Swarm or Kubernetes; the requirement does not apply.",
    "not_tested": "Excluded from this pre-assessment: the hosting provider's scope.",
}
THREAT_STATUSES = ("unchecked", "in-discussion", "accepted", "in-progress", "mitigated")
# fmt: on


def _at(days: float) -> datetime:
    return START + timedelta(days=days)


def deployment() -> Deployment:
    """The three-tier deployment, its proxy carrying two fixable critical vulnerabilities."""
    d = three_tier()
    components = tuple(
        replace(c, fixable_critical=2, template="pci-hardened") if c.name == "proxy" else c
        for c in d.components
    )
    return replace(d, components=components)


def evidence() -> tuple[EvidenceRow, ...]:
    found = []
    for n, (title, kind, media, source) in enumerate(EVIDENCE, 1):
        extension = ".json" if media == "application/json" else ""
        found.append(
            EvidenceRow(
                f"SYS-{n}", n, title, kind, media, source, DEVELOPER, _at(n / 4), f"{n:02x}" * 32,
                4096 * n, ("profile.non_root_user",), f"evidence/SYS-{n}{extension}",
            )
        )  # fmt: skip
    for n, (title, name) in enumerate(DOCUMENTS, 1):
        found.append(
            EvidenceRow(
                f"DOC-{n}", 10 + n, title, "attachment", "application/pdf", name, OFFICER,
                _at(3 + n), f"{0xD0 + n:02x}" * 32, 120_000, ("profile.hardening_standard",),
                f"evidence/DOC-{n}",
            )
        )  # fmt: skip
    return tuple(found)


def companions(rows: tuple[EvidenceRow, ...]) -> tuple[Companion, ...]:
    """Evidence snapshots as the package attaches them: long JSON, so the body shows excerpts."""
    files = []
    for row in rows:
        if row.kind == "attachment":
            continue
        payload = {
            "Id": row.sha256,
            "Name": row.title,
            "Config": {"User": "10001", "Env": [f"VAR_{i}=value {i}" for i in range(40)]},
            "HostConfig": {"Privileged": False, "CapDrop": ["ALL"], "ReadonlyRootfs": True},
        }
        data = json.dumps(payload, indent=2, sort_keys=True).encode()
        files.append(Companion(row.file_name, row.media_type, data, f"{row.ref}: {row.title}"))
    return tuple(sorted(files, key=lambda c: c.name))


def findings() -> tuple[FindingRow, ...]:
    rules = {r.id: r for r in ALL_RULES}
    found = []
    for n, (rule, severity, title, comp, where, status, why, ref) in enumerate(FINDINGS, 1):
        r = rules[rule]
        found.append(
            FindingRow(
                id=n, rule_id=rule, severity=severity, title=title, component=comp, location=where,
                pci=r.pci, cis=r.cis, status=status, justification=why,
                expires=date(2026, 9, 30) if status == "accepted-risk" else None,
                evidence_ref=ref, remediation=f"Fix {title.lower()}: see the rule's documentation "
                f"({rule}).", owner=OWNERS[n % 3], target_date=date(2026, 4, 1) + timedelta(7 * n),
                first_seen=_at(1), last_seen=_at(20),
            )
        )  # fmt: skip
    return tuple(found)


def sections(finding_rows: tuple[FindingRow, ...]) -> tuple[SectionRow, ...]:
    """Every item of the real checklist, statuses in turn, two with another method."""
    by_rule: dict[str, list[int]] = {}
    for f in finding_rows:
        if f.status != "remediated":
            by_rule.setdefault(f.rule_id, []).append(f.id)
    found = []
    n = 0
    for section in load_checklist(CHECKLIST).sections:
        items = []
        for item in section.items:
            status = STATUSES[n % len(STATUSES)]
            ids = tuple(sorted(i for r in item.rules for i in by_rule.get(r, ())))
            comments = ((AUDITOR, "auditor", _at(9), "Please attach the signed standard."),)
            items.append(
                ItemRow(
                    key=item.key, question=item.question, guidance=item.guidance, status=status,
                    method={7: "compensating_control", 19: "customized_approach"}.get(n, "none"),
                    pci=item.pci, cis=item.cis,
                    rationale="" if status is None else f"{REASONS[status]} ({item.key})",
                    owner=OWNERS[n % len(OWNERS)], due_date=date(2026, 5, 1) if n % 3 else None,
                    updated_by=OFFICER if n % 2 else DEVELOPER,
                    updated_at=None if status is None else _at(5 + n / 10),
                    evidence_refs=(f"SYS-{1 + n % 6}",) + (("DOC-1",) if n % 4 == 0 else ()),
                    finding_ids=ids,
                    suggestion=f"Not in Place: {len(ids)} open findings of its rules" * bool(ids),
                    comments=comments if n % 9 == 0 else (),
                )
            )  # fmt: skip
            n += 1
        found.append(
            SectionRow(section.number, section.key, section.title, section.summary, tuple(items))
        )
    return tuple(found)


def threats(d: Deployment) -> tuple[ThreatRow, ...]:
    rows = [
        ThreatRow(
            n, t.element, t.element_kind.value, t.category.value, t.title, t.description,
            t.actors, t.likelihood, t.impact, t.mitigation,
            THREAT_STATUSES[n % len(THREAT_STATUSES)], t.items, "generated",
        )
        for n, t in enumerate(generate_threats(d), 1)
    ]  # fmt: skip
    manual = ThreatRow(
        len(rows) + 1, "registry.東京", "other", "tampering", "Registry credentials leaked",
        "A CI token with push rights to the registry is shared by several pipelines.",
        ("organised-crime",), "medium", "high", "Scope tokens per pipeline; rotate monthly.",
        "in-progress", ("dependencies.trusted_sources",), "manual",
    )  # fmt: skip
    return (*rows, manual)


def sample_report(**overrides: Any) -> ReportData:
    d = deployment()
    finding_rows = findings()
    evidence_rows = evidence()
    rules = tuple(
        RuleRow(r.id, r.title, r.severity, r.pci, r.cis)
        for r in sorted(ALL_RULES, key=lambda r: r.id)
    )
    data = ReportData(
        audit=AuditInfo(
            name="Shop checkout 2026 — Łódź & 東京",
            entity="Żabka Payments Sp. z o.o.",
            description="Containerised checkout: nginx proxy, Python API, PostgreSQL, Go worker.",
            checklist_title="PCI DSS v4.0.1 readiness for containerized applications",
            checklist_version="1.0.0",
            pci_dss_version="4.0.1",
            cis_benchmark="CIS Docker Benchmark v1.6.0",
            period_start=START.date(),
            period_end=AS_OF.date(),
            as_of=AS_OF,
            journal_head=JOURNAL_HEAD,
            journal_entries=412,
            final=False,
        ),
        members=(
            MemberRow(OFFICER, "officer"),
            MemberRow(AUDITOR, "auditor"),
            MemberRow(DEVELOPER, "developer"),
        ),
        signoffs=(
            SignOffRow(
                OFFICER,
                "officer",
                _at(38),
                "I confirm the scope and the answers above.",
                JOURNAL_HEAD[::-1],
            ),
        ),
        missing_signoffs=("auditor",),
        sections=sections(finding_rows),
        components=tuple(
            ComponentRow(
                c.name,
                w.image,
                f"sha256:{(c.name * 64)[:64]}",
                c.internet_facing,
                c.in_cde,
                c.data_classes,
                c.host,
                c.template,
                "",
            )
            for c in d.components
            for w in d.workloads_of(c.name)
        ),
        host=HOST,
        samples=(
            SampleRow("Sample Set-1", "compose services", ("api", "db", "proxy", "worker"), 4, 4),
            SampleRow(
                "Sample Set-2",
                "images",
                ("nginx:1.27", "postgres:16", "shop/api:1.4", "shop/worker:1.4"),
                4,
                4,
            ),
        ),
        deployment=d,
        flows=flow_report(d),
        blast=blast_radius(d),
        packages=PACKAGES,
        vulns=VULNS,
        lifecycle=LIFECYCLE,
        actors=tuple(
            ActorRow(
                a.kind,
                a.name,
                a.stix_type,
                a.motivations,
                a.sophistication,
                a.resources,
                a.description,
            )
            for a in shipped_actors()
        ),
        threats=threats(d),
        findings=finding_rows,
        evidence=evidence_rows,
        methodology=Methodology(
            auditapp_version="0.1.0",
            checklist=f"{CHECKLIST} 1.0.0",
            rule_catalogue=f"{len(rules)} rules, digest 3b9f0c1d2e4a5b6c",
            rules=rules,
            vuln_data=(
                VulnDataRow("Alpine", 61234, "2026-03-10T08:00:00Z", _at(35), 4),
                VulnDataRow("Debian", 88412, "2026-03-11T22:10:00Z", _at(36), 3),
                VulnDataRow("PyPI", 17320, "2026-01-02T10:00:00Z", _at(-30), 71),
            ),
            analysed_at=_at(37),
            analysed_by=DEVELOPER,
        ),
        companions=companions(evidence_rows),
    )
    return replace(data, **overrides)


def final_report(**overrides: Any) -> ReportData:
    """Both an officer and an auditor signed: the package is FINAL."""
    data = sample_report(**overrides)
    auditor = SignOffRow(AUDITOR, "auditor", _at(39), "Reviewed; ready for the QSA.", JOURNAL_HEAD)
    return replace(
        data,
        audit=replace(data.audit, final=True),
        signoffs=(*data.signoffs, auditor),
        missing_signoffs=(),
    )


def empty_report(**overrides: Any) -> ReportData:
    """An audit just opened: no components, containers, evidence, answers or findings."""
    empty = Deployment()
    unanswered = tuple(
        SectionRow(
            s.number, s.key, s.title, s.summary,
            tuple(
                ItemRow(i.key, i.question, i.guidance, None, "none", i.pci, i.cis, "", "", None,
                        "", None, (), (), "", ())
                for i in s.items
            ),
        )
        for s in load_checklist(CHECKLIST).sections
    )  # fmt: skip
    base = sample_report()
    audit = replace(
        base.audit, name="Empty audit", description="", period_start=None, period_end=None,
        journal_entries=1,
    )  # fmt: skip
    data = replace(
        base, audit=audit, members=(MemberRow(OFFICER, "officer"),), signoffs=(),
        missing_signoffs=("officer", "auditor"), sections=unanswered, components=(),
        host=(HostRow("Docker daemon", "not collected", "run `auditapp collect --engine`"),),
        samples=(), deployment=empty, flows=flow_report(empty), blast=blast_radius(empty),
        packages=(), vulns=(), lifecycle=(), actors=(), threats=(), findings=(), evidence=(),
        methodology=replace(base.methodology, vuln_data=(), analysed_at=None, analysed_by=""),
        companions=(),
    )  # fmt: skip
    return replace(data, **overrides)
