"""Section 4, scope and environment (the ROC's 4.8 component types and 4.9 sample sets): the
components, the Docker daemon and host, virtualisation, and what was examined."""

from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak

from auditapp.analysis.host_placement import Placement, place_on_hosts
from auditapp.report.model import HostRow, ReportData
from auditapp.report.pdf.blocks import Heading, joined, note, para, table, yes_no

# Host facts about where Docker runs rather than how it is set up go to 4.3.
_VIRTUAL = ("virtual", "hypervisor", "sandbox", "docker desktop", "runtime")


def scope(data: ReportData) -> list[Flowable]:
    daemon, virtual = _split_host(data.host)
    return [
        Heading("4", "Scope and environment", 0),
        *para(data.audit.description),
        Heading("4.1", "Components in scope", 1),
        _components(data),
        note(
            "CDE: the component stores, processes or transmits cardholder data, or can affect "
            "its security. Digests identify the exact image examined. Host: as recorded, or "
            "“(engine)”: the host of the Docker Engine its containers were collected from."
        ),
        Heading("4.2", "Docker daemon and host", 1),
        table(
            ["Fact", "Value", "Basis"],
            [[h.label, h.value, h.basis] for h in daemon],
            [0.28, 0.4, 0.32],
            empty="No daemon facts were collected.",
        ),
        Heading("4.3", "Virtualisation and runtimes", 1),
        table(
            ["Fact", "Value", "Basis"],
            [[h.label, h.value, h.basis] for h in virtual],
            [0.28, 0.4, 0.32],
            empty="Nothing is known about how the Docker host is virtualised.",
        ),
        Heading("4.4", "Sample sets", 1),
        *_samples(data),
        PageBreak(),
    ]


def _split_host(rows: tuple[HostRow, ...]) -> tuple[list[HostRow], list[HostRow]]:
    daemon: list[HostRow] = []
    virtual: list[HostRow] = []
    for row in rows:
        label = row.label.lower()
        (virtual if any(word in label for word in _VIRTUAL) else daemon).append(row)
    return daemon, virtual


def _host(placement: Placement | None, recorded: str) -> str:
    """Where the analysis places a component, as the network diagram and the blast radius do:
    the recorded host, else the engine's its containers came from, else not recorded."""
    if placement is None:
        return recorded or "–"
    match placement.basis:
        case "recorded":
            return placement.host
        case "engine":
            return f"{placement.host} (engine)"
    return "not recorded"


def _components(data: ReportData) -> Flowable:
    placed = place_on_hosts(data.deployment).placements
    rows: list[list[str | Flowable]] = []
    for c in sorted(data.components, key=lambda c: c.name):
        image = c.image_ref or "–"
        if c.image_digest:
            image += f"\n{c.image_digest}"
        rows.append(
            [
                c.name,
                image,
                yes_no(c.internet_facing),
                yes_no(c.in_cde),
                joined(c.data_classes),
                _host(placed.get(c.name), c.host),
                c.template or "–",
            ]
        )
    return table(
        [
            "Component",
            "Image and digest",
            "Internet-facing",
            "CDE",
            "Data classes",
            "Host",
            "Template",
        ],
        rows,
        [0.12, 0.32, 0.1, 0.06, 0.15, 0.12, 0.13],
        empty="No components are recorded: nothing is in scope yet.",
    )


def _samples(data: ReportData) -> list[Flowable]:
    rows = [
        [s.ref, s.kind, joined(s.items), str(s.examined), str(s.population)]
        for s in sorted(data.samples, key=lambda s: s.ref)
    ]
    story: list[Flowable] = [
        table(
            [
                "Sample set",
                "Sample type",
                "Items in the sample set",
                "Total sampled",
                "Total population",
            ],
            rows,
            [0.14, 0.16, 0.44, 0.13, 0.13],
            empty="No containers, services or images were examined.",
        )
    ]
    if data.samples and all(s.examined == s.population for s in data.samples):
        story.append(note("Sampling was not used: every item of each population was examined."))
    return story
