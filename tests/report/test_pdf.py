"""The audit package PDF, parsed back with pypdf and rendered with pdftoppm."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from auditapp.analysis.blast import blast_radius
from auditapp.analysis.model import ComponentFacts, DaemonFacts, Deployment, Workload
from auditapp.analysis.network_drift import flow_report
from auditapp.report.model import MARKING, ComponentRow, ReportData
from auditapp.report.pdf import render_pdf
from tests.report.sample_data import (
    AUDITOR,
    DEVELOPER,
    JOURNAL_HEAD,
    OFFICER,
    empty_report,
    final_report,
    sample_report,
)

FINGERPRINT = hashlib.sha256(b"manifest").hexdigest()
SECTIONS = {
    "1": "Cover",
    "2": "Attestation and sign-offs",
    "3": "Executive summary",
    "4": "Scope and environment",
    "5": "Network and data flows",
    "6": "Findings and observations per checklist section",
    "7": "Dependencies",
    "8": "Threat model",
    "9": "Findings register and action plan",
    "10": "Appendix",
}


class Parsed:
    """A rendered PDF read back: its pages' text and its outline."""

    def __init__(self, pdf: bytes) -> None:
        self.pdf = pdf
        self.reader = PdfReader(io.BytesIO(pdf))
        self.pages = [" ".join(p.extract_text().split()) for p in self.reader.pages]
        self.outline = self._tree(self.reader.outline)

    def _tree(self, entries: list[Any]) -> list[tuple[str, int, list[Any]]]:
        """[(title, page index, children)]: pypdf lists children right after their parent."""
        tree: list[tuple[str, int, list[Any]]] = []
        for entry in entries:
            if isinstance(entry, list):
                tree[-1][2].extend(self._tree(entry))
            else:
                page = self.reader.get_destination_page_number(entry)
                tree.append((entry.title, page, []))
        return tree

    def entries(self) -> list[tuple[str, int]]:
        """Every outline entry at every level: (title, page index)."""
        found: list[tuple[str, int]] = []
        stack = list(reversed(self.outline))
        while stack:
            title, page, children = stack.pop()
            found.append((title, page))
            stack.extend(reversed(children))
        return found

    @property
    def text(self) -> str:
        return " ".join(self.pages)

    def section(self, number: str) -> str:
        """The text of the pages numbered section `number` covers."""
        starts = sorted(
            (page, title.split(" ")[0]) for title, page, _ in self.outline if title[0].isdigit()
        )
        for i, (page, n) in enumerate(starts):
            if n == number:
                end = starts[i + 1][0] if i + 1 < len(starts) else len(self.pages)
                return " ".join(self.pages[page:end])
        raise AssertionError(f"no section {number} in the outline")


def small(data: ReportData | None = None, **overrides: Any) -> ReportData:
    """`data` (the empty audit by default) with only the first checklist section: quick to
    render, for the tests about one feature."""
    data = data or empty_report()
    return replace(data, sections=data.sections[:1], **overrides)


@pytest.fixture(scope="module")
def draft() -> Parsed:
    return Parsed(render_pdf(sample_report(), FINGERPRINT))


@pytest.fixture(scope="module")
def final() -> Parsed:
    return Parsed(render_pdf(small(final_report()), FINGERPRINT))


@pytest.fixture(scope="module")
def empty() -> Parsed:
    return Parsed(render_pdf(empty_report(), FINGERPRINT))


def test_outline_has_the_ten_numbered_sections_with_their_parts(draft: Parsed) -> None:
    numbered = [(t, p, c) for t, p, c in draft.outline if t[0].isdigit()]
    assert [t for t, _, _ in numbered] == [f"{n} {title}" for n, title in SECTIONS.items()]
    pages = [p for _, p, _ in numbered]
    assert pages == sorted(pages) and pages[0] == 0
    children = {t.split(" ")[0]: c for t, _, c in numbered}
    assert [t for t, _, _ in children["4"]][-1] == "4.4 Sample sets"
    parts = children["6"]
    assert len(parts) == 7 and parts[0][0] == "6.1 Docker security template and profile"
    # Items nest under their checklist section, named by their key.
    assert parts[0][2][1][0] == "6.1.2 profile.non_root_user"
    assert sum(len(c) for _, _, c in parts) == 74


def test_each_outline_entry_lands_on_its_heading(draft: Parsed) -> None:
    for title, page, children in draft.outline:
        if title[0].isdigit() and title != "1 Cover":
            number, name = title.split(" ", 1)
            assert f"{number} {name}" in draft.pages[page]
        for child, child_page, _ in children:
            assert child in draft.pages[child_page]


def test_contents_lists_sections_with_their_page_numbers(draft: Parsed, tmp_path: Path) -> None:
    contents = next(p for t, p, _ in draft.outline if t == "Contents")
    pdf = tmp_path / "package.pdf"
    pdf.write_bytes(draft.pdf)
    page = str(contents + 1)
    layout = subprocess.run(
        ["pdftotext", "-layout", "-f", page, "-l", page, str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    lines = {" ".join(line.split()) for line in layout.splitlines()}
    entries = [(t, p) for t, p, _ in draft.outline if t[0].isdigit()]
    entries += [(t, p) for _, _, children in draft.outline[:-1] for t, p, _ in children]
    for title, index in entries:
        # "3 Executive summary . . . . 4": dots lead from the title to its page number.
        pattern = re.escape(title) + r" [ .]*" + str(index + 1)
        assert any(re.fullmatch(pattern, line) for line in lines), title


def test_every_page_carries_the_marking_audit_status_and_page_x_of_y(draft: Parsed) -> None:
    total = len(draft.pages)
    assert total > 20
    for n, text in enumerate(draft.pages, 1):
        assert MARKING in text
        assert f"page {n} of {total}" in text
        assert "Shop checkout 2026 — Łódź & 東京 · DRAFT" in text
        assert f"package {FINGERPRINT[:16]}" in text


def test_final_when_officer_and_auditor_signed_and_draft_when_forced(final: Parsed) -> None:
    for text in final.pages:
        assert "· FINAL" in text and "· DRAFT" not in text
    assert "None: an officer and an auditor have signed off." in final.section("2")
    signed = small(final_report())
    forced = replace(signed, audit=replace(signed.audit, draft_forced=True))
    pages = Parsed(render_pdf(forced, FINGERPRINT)).pages
    assert all("· DRAFT" in text for text in pages)
    assert "exported as a draft on request" in pages[0]


def test_the_text_of_each_section(draft: Parsed) -> None:
    cover = draft.section("1")
    assert FINGERPRINT in cover and JOURNAL_HEAD in cover
    assert "Żabka Payments Sp. z o.o." in cover and "2026-02-02 to 2026-03-14" in cover
    attestation = draft.section("2")
    assert "I confirm the scope and the answers above." in attestation
    assert "Still to sign: auditor." in attestation
    summary = draft.section("3")
    assert "Docker socket mounted into the container" in summary
    assert "proxy → api → db" in summary and "71 days" in summary
    scope = draft.section("4")
    assert "Sample Set-2" in scope and "virtual machine kvm" in scope
    network = draft.section("5")
    assert "customers pay over HTTPS" in network and "api ↔ worker" in network
    checklist = draft.section("6")
    for key in ("profile.hardening_standard", "monitoring.recurring_calendar"):
        assert key in checklist
    assert "Compensating control" in checklist and "Customized approach" in checklist
    assert "Please attach the signed standard." in checklist
    dependencies = draft.section("7")
    assert "CVE-2024-45490" in dependencies and "2.6.3-r0" in dependencies
    assert "2024-11-22 (ended)" in dependencies and "left-pad" in dependencies
    threats = draft.section("8")
    assert "Organised crime" in threats and "From proxy" in threats
    assert "Registry credentials leaked" in threats
    register = draft.section("9")
    assert "F-1" in register and "runtime.docker-socket" in register
    assert "The worker only reads the queue table" in register
    appendix = draft.section("10")
    assert "SYS-6" in appendix and "DOC-2" in appendix
    assert "complete in the attachment evidence/SYS-1.json" in appendix
    assert "pci-dss-4.0.1-containers 1.0.0" in appendix
    assert "runtime.privileged" in appendix


def test_every_checklist_item_appears_with_its_status_under_finding(draft: Parsed) -> None:
    checklist = draft.section("6")
    data = sample_report()
    for section in data.sections:
        for item in section.items:
            assert item.key in checklist
    assert checklist.count("Finding") >= 74


def fonts_used(parsed: Parsed) -> dict[str, list[int]]:
    """Each font a page's content sets, with the pages it does so on (1-based); "(embedded)"
    follows the name of each font whose file is inside the PDF."""
    used: dict[str, list[int]] = {}
    for n, page in enumerate(parsed.reader.pages, 1):
        content = page.get_contents().get_data()
        for key, ref in page["/Resources"]["/Font"].items():
            if f"{key} ".encode() in content:
                font = ref.get_object()
                embedded = "/FontFile2" in font.get("/FontDescriptor", {})
                name = f"{font['/BaseFont']}{' (embedded)' if embedded else ''}"
                used.setdefault(name, []).append(n)
    return used


def test_names_in_any_script_are_kept_in_the_shipped_fonts(draft: Parsed) -> None:
    for name in (OFFICER, AUDITOR, DEVELOPER, "Łódź & 東京"):
        assert name in draft.text
    used = fonts_used(draft)
    assert "/AAAAAA+DroidSansFallback (embedded)" in used  # the CJK runs
    assert "/AAAAAA+DejaVuSans (embedded)" in used
    assert "/AAAAAA+DejaVuSansMono (embedded)" in used
    # Pages without drawings set only embedded fonts (for the drawings, see the test below).
    drawings = {
        page + 1 for title, page in draft.entries() if title.startswith(("5.1 ", "5.2 ", "8.3."))
    }
    assert drawings
    for font, pages in used.items():
        assert "(embedded)" in font or set(pages) <= drawings, (font, pages)


def test_every_font_the_pages_use_is_embedded(draft: Parsed) -> None:
    unembedded = {f: pages for f, pages in fonts_used(draft).items() if "(embedded)" not in f}
    assert unembedded == {}


def test_document_info_comes_from_the_data(draft: Parsed) -> None:
    info = draft.reader.metadata
    assert info is not None
    assert info["/Creator"] == "auditapp"
    assert info["/Title"].startswith("Shop checkout 2026 — Łódź & 東京")
    assert info["/CreationDate"] == "D:20260314163000+00'00'"


def test_pages_render_and_none_is_blank(draft: Parsed, tmp_path: Path) -> None:
    pdf = tmp_path / "package.pdf"
    pdf.write_bytes(draft.pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-gray", "-png", str(pdf), str(tmp_path / "p")],
                   check=True)  # fmt: skip
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == len(draft.pages)
    for png in pngs:
        with Image.open(png) as image:
            width, height = image.size
            # The body only: the header and footer alone do not make a page.
            body = image.crop((0, height * 0.12, width, height * 0.9))
            inked = sum(body.histogram()[:200])
        assert inked > 150, f"{png.name} is blank"


def test_a_table_running_over_pages_repeats_its_header() -> None:
    vuln = sample_report().vulns[0]
    many = tuple(replace(vuln, id=f"CVE-2026-{n:05d}", package=f"pkg{n:03d}") for n in range(80))
    parsed = Parsed(render_pdf(small(vulns=many), FINGERPRINT))
    pages = [t for t in parsed.pages if "CVE-2026-" in t and "7.2" not in t]
    assert len(pages) >= 2  # continuation pages, without the sub-heading
    for text in pages:
        assert "Severity Package Vulnerabilities Fixed in Components Disposition" in text


def test_scope_gives_each_component_the_host_the_analysis_places_it_on() -> None:
    """As the network diagram and the blast radius place them: proxy on the host recorded for
    it, api on the host of the engine its container was collected from, batch nowhere known."""
    d = Deployment(
        components=(
            ComponentFacts("proxy", host="edge-1"),
            ComponentFacts("api"),
            ComponentFacts("batch"),
        ),
        workloads=(
            Workload("proxy", "proxy", "service", 1),
            Workload("shop-api-1", "api", "container", 2),
            Workload("batch", "batch", "service", 1),
        ),
        daemon=DaemonFacts(3, {"Name": "pay-host-1"}, {}),
    )
    rows = tuple(
        ComponentRow(c.name, f"shop/{c.name}:1", "", False, False, (), c.host, "", "")
        for c in d.components
    )
    data = small(components=rows, deployment=d, flows=flow_report(d), blast=blast_radius(d))
    scope = Parsed(render_pdf(data, FINGERPRINT)).section("4")
    assert "proxy shop/proxy:1 no no – edge-1" in scope
    assert "api shop/api:1 no no – pay-host-1 (engine)" in scope
    assert "batch shop/batch:1 no no – not recorded" in scope


def test_vulnerable_packages_are_one_row_each_naming_their_worst() -> None:
    vuln = sample_report().vulns[0]
    severities = ["low", "critical", "medium", *["unknown"] * 9]
    many = tuple(
        replace(
            vuln,
            id=f"CVE-2026-{n:05d}",
            package="libfoo",
            version="1.0",
            severity=severity,
            score=None,
            fixed_versions=(f"1.{n}",) if n < 6 else (),
            disposition="not_affected" if n == 1 else "",
        )
        for n, severity in enumerate(severities)
    )
    text = Parsed(render_pdf(small(vulns=many), FINGERPRINT)).text
    assert "12 matches on 1 package: 1 critical, 1 medium, 1 low, 9 unknown" in text
    assert "attached SBOM lists those on its image" in text
    # The worst first, then "and 4 more"; every fixed version once; the dispositions counted.
    assert text.index("CVE-2026-00001 (critical)") < text.index("CVE-2026-00002 (medium)")
    assert text.index("CVE-2026-00002 (medium)") < text.index("CVE-2026-00000 (low)")
    assert "and 4 more" in text
    assert "1.1, 1.2, 1.0, 1.3, and 2 more" in text and "no fix yet for 6" in text
    assert "1 not affected" in text and "11 not yet assessed" in text


def test_an_audit_with_no_containers_and_empty_sections(empty: Parsed) -> None:
    numbered = [t for t, _, _ in empty.outline if t[0].isdigit()]
    assert len(numbered) == 10
    text = empty.text
    for message in (
        "No components are recorded: nothing is in scope yet.",
        "No flows are declared",
        "No evidence has been collected or attached.",
        "No open findings.",
        "No threat actors are recorded for this audit.",
        "No component is internet-facing: there is no beachhead to assess.",
        "No image inventory: no packages were catalogued.",
        "Nobody has signed off yet.",
        "no evidence or answers yet",
    ):
        assert message.lower() in text.lower(), message
    assert "Unanswered 74" in text


def test_a_very_long_rationale_runs_over_pages() -> None:
    base = small()
    long = "START-OF-RATIONALE " + "The worker mounts the Docker socket. " * 2500
    long += "END-OF-RATIONALE"
    first = base.sections[0]
    item = replace(first.items[0], rationale=long)
    sections = (replace(first, items=(item, *first.items[1:])), *base.sections[1:])
    parsed = Parsed(render_pdf(replace(base, sections=sections), FINGERPRINT))
    start = next(i for i, t in enumerate(parsed.pages) if "START-OF-RATIONALE" in t)
    end = next(i for i, t in enumerate(parsed.pages) if "END-OF-RATIONALE" in t)
    assert end - start >= 3


def test_user_text_is_escaped_not_interpreted() -> None:
    base = small()
    name = 'Shop <b>bold</b> & <font name="x"> \x07 <para>'
    data = replace(base, audit=replace(base.audit, name=name))
    parsed = Parsed(render_pdf(data, FINGERPRINT))
    assert 'Shop <b>bold</b> & <font name="x"> <para>' in parsed.pages[0]


def test_two_renders_are_byte_identical_even_in_another_process(draft: Parsed) -> None:
    assert render_pdf(sample_report(), FINGERPRINT) == draft.pdf
    script = (
        "import hashlib, sys\n"
        "from auditapp.report.pdf import render_pdf\n"
        "from tests.report.sample_data import sample_report\n"
        f"pdf = render_pdf(sample_report(), {FINGERPRINT!r})\n"
        "sys.stdout.write(hashlib.sha256(pdf).hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout == hashlib.sha256(draft.pdf).hexdigest()
