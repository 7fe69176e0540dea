"""Section 5, network and data flows (the ROC's 4.1 network diagrams and 4.2 account data-flow
diagrams): the two drawings, then the declared flows against what was observed, and the drift."""

from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak

from auditapp.analysis.network_exposure import Exposure
from auditapp.report.model import ReportData
from auditapp.report.pdf.blocks import Heading, coloured, gap, joined, note, p, subhead, table
from auditapp.report.pdf.diagrams import draw_dataflow, draw_network
from auditapp.report.pdf.styles import DRAFT_COLOUR, FINAL_COLOUR, MUTED
from auditapp.report.pdf.words import evidence_ref, plural


def network(data: ReportData) -> list[Flowable]:
    report = data.flows
    return [
        Heading("5", "Network and data flows", 0),
        p(
            "The drawings are made from the collected deployment and the declared flows: zones, "
            "components, networks and flows labelled with port, protocol and data classes, and "
            "the boundary of the cardholder data environment."
        ),
        Heading("5.1", "Network diagram", 1),
        draw_network(data),
        Heading("5.2", "Account data-flow diagram", 1),
        draw_dataflow(data),
        PageBreak(),
        Heading("5.3", "Declared flows against the deployment", 1),
        _flows(data),
        Heading("5.4", "Observed exposure", 1),
        _exposures(data, report.exposures),
        Heading("5.5", "Drift between declared and observed", 1),
        p(
            f"{plural(report.drift, 'difference')}: exposure no flow justifies, declared flows "
            "the deployment cannot carry, and components that share a network with no flow "
            "declared between them."
        ),
        gap(4),
        subhead("Exposure no declared flow justifies"),
        _exposures(data, report.unjustified, empty="None: every published port has a flow."),
        gap(6),
        subhead("Declared flows the deployment cannot carry"),
        table(
            ["Flow", "From → to", "Port", "Why not"],
            [
                [
                    f"#{c.flow.id}",
                    f"{c.flow.source} → {c.flow.destination}",
                    f"{c.flow.port}/{c.flow.protocol}",
                    c.reason,
                ]
                for c in report.not_carried
            ],
            [0.08, 0.3, 0.12, 0.5],
            empty="None: the deployment can carry every declared flow.",
        ),
        gap(6),
        subhead("Components sharing a network with no declared flow"),
        table(
            ["Components", "Shared networks", "Evidence"],
            [
                [" ↔ ".join(s.components), joined(s.networks), evidence_ref(data, s.evidence_id)]
                for s in report.undeclared_sharing
            ],
            [0.4, 0.4, 0.2],
            empty="None: every pair of components that can reach each other has a flow.",
        ),
        PageBreak(),
    ]


def _flows(data: ReportData) -> Flowable:
    rows: list[list[str | Flowable]] = []
    for check in data.flows.flows:
        f = check.flow
        if check.carried is None:
            carried = coloured("unknown", MUTED)
        elif check.carried:
            carried = coloured("carried", FINAL_COLOUR)
        else:
            carried = coloured("not carried", DRAFT_COLOUR)
        protection = (
            ", ".join(
                word
                for word, on in (("encrypted", f.encrypted), ("authenticated", f.authenticated))
                if on
            )
            or "neither"
        )
        rows.append(
            [
                f"#{f.id}",
                f"{f.source} → {f.destination}",
                f"{f.port}/{f.protocol}",
                joined(f.data_classes),
                protection,
                f.justification or "–",
                carried,
                check.reason,
            ]
        )
    return table(
        ["#", "From → to", "Port", "Data", "Protection", "Justification", "Observed", "Basis"],
        rows,
        [0.04, 0.14, 0.12, 0.14, 0.13, 0.15, 0.1, 0.18],
        empty="No flows are declared: the network requirements have nothing to test against.",
    )


def _exposures(
    data: ReportData, exposures: tuple[Exposure, ...], empty: str = "No exposure was observed."
) -> Flowable:
    rows: list[list[str | Flowable]] = []
    for e in exposures:
        port = "any port" if e.port is None else f"{e.port}/{e.protocol}"
        if e.host_port is not None:
            port += f" (host {e.host_ip or 'every interface'}:{e.host_port})"
        where = e.network or "–"
        if e.internal:
            where += " (internal)"
        rows.append(
            [
                e.component,
                e.label,
                e.reach,
                port,
                where,
                joined(e.peers),
                evidence_ref(data, e.evidence_id),
            ]
        )
    result = table(
        ["Component", "Workload", "Reach", "Port", "Network", "Reached by", "Evidence"],
        rows,
        [0.13, 0.15, 0.14, 0.2, 0.13, 0.15, 0.1],
        empty=empty,
    )
    return result if rows else note(empty)
