"""The network, data-flow and blast-path diagrams, each put alone in a small PDF and read back:
the text pypdf finds (names, ports, data classes), pixels pdftoppm renders, and the size against
the frame. The deployments are analysed by the real flow-report and blast-radius functions: the
three-tier one, a 25-component one over two hosts and five networks with names in several
scripts, a chain longer than a line, and an empty one."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, SimpleDocTemplate

from auditapp.analysis.blast import blast_radius
from auditapp.analysis.model import (
    ComponentFacts,
    DaemonFacts,
    DeclaredFlow,
    Deployment,
    Mount,
    NetworkFacts,
    PublishedPort,
    Workload,
)
from auditapp.analysis.network_drift import flow_report
from auditapp.report.model import AuditInfo, Methodology, ReportData
from auditapp.report.pdf.diagram_layout import flow_layers
from auditapp.report.pdf.diagram_shapes import RED, FittedDrawing
from auditapp.report.pdf.diagram_text import fit, register_diagram_fonts, runs
from auditapp.report.pdf.diagrams import draw_blast_paths, draw_dataflow, draw_network
from tests.analysis.three_tier import three_tier

AS_OF = datetime(2026, 3, 14, 16, 30, tzinfo=UTC)
CHD = ("cardholder-data",)
LONG = "card-vault-primary-database-with-a-very-long-name"


def report(d: Deployment) -> ReportData:
    """Only what the diagrams read is real; the rest is the smallest valid audit."""
    audit = AuditInfo(
        name="Diagrams",
        entity="Shop",
        description="",
        checklist_title="PCI DSS containers",
        checklist_version="1",
        pci_dss_version="4.0.1",
        cis_benchmark="1.6",
        period_start=None,
        period_end=None,
        as_of=AS_OF,
        journal_head="0" * 64,
        journal_entries=0,
        final=False,
    )
    methodology = Methodology("0", "c@1", "r", (), (), None, "")
    return ReportData(
        audit, (), (), (), (), (), (), (), d, flow_report(d), blast_radius(d),
        (), (), (), (), (), (), (), methodology,
    )  # fmt: skip


def sock_tier() -> Deployment:
    """The three-tier deployment with the proxy mounting docker.sock and running privileged,
    so that its paths to cardholder data have strong steps."""
    d = three_tier()
    workloads = tuple(
        replace(
            w,
            privileged=True,
            user="0",
            mounts=(Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock"),),
        )
        if w.name == "proxy"
        else w
        for w in d.workloads
    )
    components = tuple(
        replace(c, fixable_critical=2) if c.name == "api" else c for c in d.components
    )
    return replace(d, workloads=workloads, components=components)


@dataclass(frozen=True)
class _C:
    """One component of the 25: where it runs, on which networks, what it publishes."""

    name: str
    host: str
    networks: tuple[str, ...]
    port: int | None = None  # exposed
    published: tuple[PublishedPort, ...] = ()
    facing: bool = False
    chd: bool = False
    classes: tuple[str, ...] = ()


def _p(port: int, address: str = "") -> tuple[PublishedPort, ...]:
    return (PublishedPort(port, "tcp", address, port),)


SAD = ("sensitive-authentication-data",)
CREDS, PII = ("credentials",), ("personal-data",)
_BIG = (
    _C("edge-proxy", "h1", ("edge",), 443, _p(443) + _p(80, "0.0.0.0"), facing=True),
    _C("admin-ui", "h1", ("edge", "app"), 8443, _p(8443, "10.0.0.5"), True, classes=CREDS),
    _C("東京-gateway", "h1", ("edge", "app"), 8080, classes=PII),
    _C("checkout-web", "h1", ("app",), 3000, chd=True, classes=CHD),
    _C("catalog-service", "h1", ("app",), 8000),
    _C("search-indexer", "h1", ("app",), 9200),
    _C("session-cache", "h1", ("app",), 6379, classes=CREDS),
    _C("recommendations", "h1", ("app",), 8001, classes=PII),
    _C("notification-service", "h1", ("app", "monitoring"), 8002),
    _C("płatności-Ж", "h1", ("app", "payments"), 8443, chd=True, classes=CHD),
    _C("tokenizer", "h2", ("payments",), 7000, chd=True, classes=CHD + SAD),
    _C(LONG, "h2", ("payments", "data"), 5432, chd=True, classes=CHD),
    _C("fraud-scoring", "h2", ("payments",), 7100, chd=True, classes=CHD),
    _C("ledger", "h2", ("data",), 5433, classes=PII),
    _C("orders-db", "h2", ("data",), 5434, chd=True, classes=CHD),
    _C("reporting", "h2", ("data", "monitoring"), 8088),
    _C("backup-agent", "h2", ("data",)),
    _C("prometheus", "h1", ("monitoring",), 9090, _p(9090, "127.0.0.1")),
    _C("grafana", "h1", ("monitoring",), 3001, _p(3001), classes=CREDS),
    _C("alertmanager", "h1", ("monitoring",), 9093),
    _C("log-shipper", "", ("monitoring",)),
    _C("mail-relay", "", ("edge",), 25, _p(25)),
    _C("cron-runner", "h2", ("app", "data")),
    _C("feature-flags", "h1", ("app",), 4242),
    _C("hsm-bridge", "h2", ("payments",), 1792, chd=True, classes=SAD),
)
SOCK = (Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock"),)


def _flow(n: int, a: str, b: str, port: int, classes: tuple[str, ...], tls: bool = True,
          protocol: str = "tcp") -> DeclaredFlow:  # fmt: skip
    return DeclaredFlow(n, a, b, port, protocol, classes, tls, True, f"flow {n}")


def twenty_five() -> Deployment:
    components = tuple(
        ComponentFacts(c.name, c.facing, c.chd, c.classes or ("none",), c.host) for c in _BIG
    )
    workloads = tuple(
        Workload(c.name, c.name, "service", 1, image=f"shop/{c.name}:1", ports=c.published,
                 exposed=((c.port, "tcp"),) if c.port else (), networks=c.networks,
                 mounts=SOCK if c.name == "backup-agent" else ())
        for c in _BIG
    )  # fmt: skip
    networks = tuple(
        NetworkFacts(net, "service", 1, driver="bridge", internal=net in ("payments", "data"),
                     members=tuple(c.name for c in _BIG if net in c.networks))
        for net in ("edge", "app", "payments", "data", "monitoring")
    )  # fmt: skip
    flows = (
        _flow(1, "zone:internet", "edge-proxy", 443, CHD),
        _flow(2, "zone:admin-network", "admin-ui", 8443, CREDS),
        _flow(3, "edge-proxy", "東京-gateway", 8080, CHD),
        _flow(4, "東京-gateway", "checkout-web", 3000, CHD),
        _flow(5, "東京-gateway", "catalog-service", 8000, (), tls=False),
        _flow(6, "checkout-web", "płatności-Ж", 8443, CHD),
        _flow(7, "płatności-Ж", "tokenizer", 7000, CHD + SAD),
        _flow(8, "tokenizer", LONG, 5432, CHD, tls=False, protocol="postgres"),
        _flow(9, "płatności-Ж", "zone:payment-processor", 443, CHD, protocol="https"),
        _flow(10, "checkout-web", "session-cache", 6379, CREDS, tls=False),
        _flow(11, "orders-db", "zone:other", 873, CHD, tls=False),
        _flow(12, "reporting", "ledger", 5433, PII),
        _flow(13, "zone:end-users", "grafana", 3001, CREDS),
        _flow(14, "fraud-scoring", "orders-db", 5434, CHD),
    )
    return Deployment(components=components, workloads=workloads, networks=networks, flows=flows)


def chain(length: int = 7) -> Deployment:
    """c0 (internet-facing) → c1 → … → c{length-1} (cardholder data), each pair on its own
    network, c3 privileged: a path longer than one line of the drawing."""
    names = [f"c{i}" for i in range(length)]
    components = tuple(
        ComponentFacts(n, internet_facing=i == 0, in_cde=i == length - 1, host="h1")
        for i, n in enumerate(names)
    )
    workloads = tuple(
        Workload(
            n,
            n,
            "service",
            1,
            exposed=((8000 + i, "tcp"),),
            networks=tuple(f"n{j}" for j in (i - 1, i) if 0 <= j < length - 1),
            ports=(PublishedPort(443, "tcp", "", 443),) if i == 0 else (),
            privileged=i == 3,
        )
        for i, n in enumerate(names)
    )
    return Deployment(components=components, workloads=workloads)


# --- rendering ---------------------------------------------------------------------------

FRAME_WIDTH = A4[0] - 4 * cm - 12  # SimpleDocTemplate's frame: 2 cm margins, 6 pt padding


def pdf(*flowables: Flowable) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        invariant=1,
    )
    doc.build(list(flowables))
    return out.getvalue()


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squeezed(text: str) -> str:
    """Without whitespace, so that a name wrapped over two lines is still found."""
    return "".join(text.split())


def rendered(data: bytes, tmp_path: Path, name: str) -> Image.Image:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-singlefile", source, tmp_path / name], check=True
    )
    return Image.open(tmp_path / f"{name}.png").convert("RGB")


def pixels(image: Image.Image) -> zip[tuple[int, int, int]]:
    raw = image.tobytes()
    return zip(raw[0::3], raw[1::3], raw[2::3], strict=True)


def inked(image: Image.Image) -> int:
    return sum(1 for r, g, b in pixels(image) if min(r, g, b) < 200)


def reddish(image: Image.Image) -> int:
    return sum(1 for r, g, b in pixels(image) if r > 180 and g < 90 and b < 90)


def fits(flowable: Flowable) -> None:
    assert isinstance(flowable, FittedDrawing)
    assert flowable.drawing.width <= 17 * cm
    width, height = flowable.wrap(FRAME_WIDTH, A4[1] - 4 * cm - 12)
    assert width <= FRAME_WIDTH
    assert height <= A4[1] - 4 * cm - 12


def shapes(flowable: FittedDrawing) -> list[object]:
    found: list[object] = []
    pending = list(flowable.drawing.contents)
    while pending:
        shape = pending.pop()
        pending.extend(getattr(shape, "contents", []))
        found.append(shape)
    return found


# --- the network diagram -------------------------------------------------------------------


def test_network_diagram_of_three_tier(tmp_path: Path) -> None:
    data = report(three_tier())
    flowable = draw_network(data)
    fits(flowable)
    document = pdf(flowable)
    text = text_of(document)
    for word in (
        "proxy",
        "api",
        "db",
        "worker",
        "front",
        "back",
        "internal",
        "host h1",
        "Internet",
        "CDE",
        "nginx:1.27",
    ):
        assert word in text, word
    # Both published ports with the address they are bound to, every interface as 0.0.0.0.
    assert "0.0.0.0:443→443/tcp" in text
    assert "0.0.0.0:8081→8081/tcp" in text
    image = rendered(document, tmp_path, "network")
    assert inked(image) > 5000
    assert reddish(image) > 200  # the 0.0.0.0 pills and the cardholder-data boundary


def test_network_diagram_marks_addresses_and_unrecorded_hosts() -> None:
    text = text_of(pdf(draw_network(report(twenty_five()))))
    assert "10.0.0.5:8443→8443/tcp" in text
    assert "127.0.0.1:9090→9090/tcp" in text
    assert "host h1" in text and "host h2" in text and "host not recorded" in text
    assert "also on" in text  # a component on networks its place does not show


def on_the_engine(d: Deployment, host: str) -> Deployment:
    """`d` with no host recorded, its containers collected from the engine on `host`."""
    return replace(
        d,
        components=tuple(replace(c, host="") for c in d.components),
        workloads=tuple(replace(w, origin="container") for w in d.workloads),
        daemon=DaemonFacts(3, {"Name": host, "ID": "ABCD"}, {}),
    )


def test_network_diagram_puts_engine_containers_on_the_engines_host() -> None:
    """Where the blast radius puts them: the host of the engine they were collected from."""
    text = text_of(pdf(draw_network(report(on_the_engine(three_tier(), "pay-host-1")))))
    assert "host pay-host-1" in text
    assert "host not recorded" not in text


def test_network_bridge_straddles_both_bands() -> None:
    """api is on front and back: its box crosses the border between the two bands."""
    flowable = draw_network(report(three_tier()))
    from reportlab.graphics.shapes import Rect

    rects = [s for s in shapes(flowable) if isinstance(s, Rect)]
    # Bands are the wide translucent rectangles; the two meet inside api's box.
    bands = sorted((r for r in rects if r.width > 400 and r.fillOpacity), key=lambda r: -r.y)
    assert len(bands) == 2
    border = bands[0].y  # the lower edge of the upper band (reportlab counts y upwards)
    boxes = [r for r in rects if 80 < r.width < 100 and r.y < border < r.y + r.height]
    assert boxes, "no box crosses the border between front and back"


# --- the data-flow diagram -----------------------------------------------------------------


def test_dataflow_diagram_of_three_tier(tmp_path: Path) -> None:
    data = report(three_tier())
    flowable = draw_dataflow(data)
    fits(flowable)
    document = pdf(flowable)
    text = text_of(document)
    for word in (
        "Internet",
        "proxy",
        "api",
        "db",
        "worker",
        "#1 443/tcp",
        "#2 8080/tcp",
        "#3 5432/tcp",
        "CHD",
        "Cardholder data environment",
    ):
        assert word in text, word
    # The proxy's 8081 is published on every interface and no flow declares it.
    assert "8081/tcp 0.0.0.0:8081" in text and "no flow declared" in text
    assert "not carried" not in text.replace("cannot carry", "")
    assert inked(rendered(document, tmp_path, "dataflow")) > 4000


def test_dataflow_styles_follow_encryption() -> None:
    """api → db is unencrypted: one red dashed shaft; the encrypted flows are solid."""
    from reportlab.graphics.shapes import Line

    flowable = draw_dataflow(report(three_tier()))
    assert isinstance(flowable, FittedDrawing)
    lines = [s for s in shapes(flowable) if isinstance(s, Line)]
    red_dashed = [ln for ln in lines if ln.strokeColor == RED and ln.strokeDashArray]
    assert len(red_dashed) == 1 + 1  # the flow, and the legend's sample


def test_dataflow_marks_flows_the_deployment_cannot_carry() -> None:
    data = report(twenty_five())
    assert {c.flow.id for c in data.flows.not_carried} == {11, 14}
    text = text_of(pdf(draw_dataflow(data)))
    assert text.count("not carried") == 2
    for label in ("CHD", "SAD", "creds", "PII", "5432/postgres", "443/https"):
        assert label in text, label
    for zone in ("Internet", "End users", "Admin network", "Payment processor", "Other zone"):
        assert squeezed(zone) in squeezed(text), zone


def test_layers_run_from_the_outside_in() -> None:
    d = three_tier()
    components = ["api", "db", "proxy", "worker"]
    flows = [(f.source, f.destination) for f in d.flows]
    layer = flow_layers(["zone:internet"], components, flows, {"proxy"})
    assert layer == {"zone:internet": 0, "proxy": 1, "api": 2, "db": 3, "worker": 4}


# --- the blast paths -----------------------------------------------------------------------


def test_blast_paths_of_three_tier(tmp_path: Path) -> None:
    head = report(three_tier()).blast.beachheads[0]
    flowable = draw_blast_paths(head)
    fits(flowable)
    document = pdf(flowable)
    text = text_of(document)
    assert "Path 1 to api" in text and "Path 2 to db" in text
    assert "shared network front:8080" in squeezed(text).replace("sharednetwork", "shared network ")
    assert inked(rendered(document, tmp_path, "blast")) > 3000
    # The worker declares no port, yet the api reaches whatever it listens on ("shared network
    # back", no port): two paths to db go on through its docker.sock, drawn as strong (red,
    # thick) steps: docker.sock, then docker.sock and control of the host, and the legend's.
    assert "Path 3 to db" in text and "Path 4 to db" in text
    assert isinstance(flowable, FittedDrawing)
    strong = [s for s in shapes(flowable) if getattr(s, "strokeWidth", 0) == 1.7]
    assert len(strong) == 4 and all(s.strokeColor == RED for s in strong)


def test_strong_steps_are_red_and_weaknesses_listed() -> None:
    head = report(sock_tier()).blast.beachheads[0]
    flowable = draw_blast_paths(head)
    assert isinstance(flowable, FittedDrawing)
    strong = [s for s in shapes(flowable) if getattr(s, "strokeWidth", 0) == 1.7]
    assert len(strong) > 1 and all(s.strokeColor == RED for s in strong)
    text = text_of(pdf(flowable))
    assert "docker.sock" in text and "critical" in text
    assert "runs privileged" in text and "2 fixable critical/high vulnerabilities" in text
    assert "more ranked paths not drawn" in text  # ten paths, six drawn


def test_long_path_carries_on_below() -> None:
    head = report(chain()).blast.beachheads[0]
    flowable = draw_blast_paths(head)
    fits(flowable)
    text = text_of(pdf(flowable))
    for name in ("c0", "c1", "c5", "c6", "host h1"):
        assert name in text, name
    assert "6 steps" in text


def test_beachhead_without_path_says_so() -> None:
    d = three_tier()
    plain = tuple(replace(c, in_cde=False, data_classes=("none",)) for c in d.components)
    head = report(replace(d, components=plain)).blast.beachheads[0]
    assert not head.targets
    text = text_of(pdf(draw_blast_paths(head)))
    assert "proxy" in text and "No path to cardholder data" in text


# --- scale, emptiness, scripts, reproducibility ---------------------------------------------


@pytest.mark.parametrize("draw", [draw_network, draw_dataflow])
def test_twenty_five_components_fit_on_one_page(draw: object, tmp_path: Path) -> None:
    data = report(twenty_five())
    flowable = draw(data)  # type: ignore[operator]
    fits(flowable)
    document = pdf(flowable)
    assert len(PdfReader(io.BytesIO(document)).pages) == 1
    text = squeezed(text_of(document))
    for name in (c.name for c in _BIG):
        if len(name) > 30:
            name = name[:18]  # cut with an ellipsis, as the box has no room for all of it
        assert squeezed(name) in text, name
    assert inked(rendered(document, tmp_path, "big")) > 8000


def test_empty_deployment(tmp_path: Path) -> None:
    data = report(Deployment())
    assert data.blast.beachheads == ()
    for draw in (draw_network, draw_dataflow):
        flowable = draw(data)
        fits(flowable)
        document = pdf(flowable)
        assert "No components collected" in text_of(document)
        assert inked(rendered(document, tmp_path, draw.__name__)) > 100


def test_same_data_same_bytes() -> None:
    data = report(twenty_five())
    first = pdf(draw_network(data), draw_dataflow(data), draw_blast_paths(data.blast.beachheads[0]))
    again = pdf(draw_network(data), draw_dataflow(data), draw_blast_paths(data.blast.beachheads[0]))
    assert first == again


def test_fitting_shrinks_before_breaking_words_and_cuts_last() -> None:
    register_diagram_fonts()
    word = fit("recommendations", "DejaVuSans-Bold", 60, size=7.5, floor=5.5)
    assert word.lines == ("recommendations",) and word.size < 7.5
    long = fit(
        "card-vault-primary-database-with-a-very-long-name",
        "DejaVuSans-Bold",
        40,
        size=7.5,
        floor=5.5,
        max_lines=2,
    )
    assert len(long.lines) == 2 and long.lines[-1].endswith("…") and long.size == 5.5


def test_scripts_the_main_font_lacks_use_the_fallback() -> None:
    available = register_diagram_fonts()
    if "DroidSansFallback" not in available:
        pytest.skip("no CJK fallback font installed or shipped")
    pieces = list(runs("東京-gateway", "DejaVuSans", ("DroidSansFallback",)))
    assert pieces == [("東京", "DroidSansFallback"), ("-gateway", "DejaVuSans")]
    text = text_of(pdf(draw_network(report(twenty_five()))))
    assert "東京" in text and "płatności-Ж" in text
