"""The image rules on constructed images: a clean image passes, each planted fault fails
exactly its rule, and findings land on every component that runs the image."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from auditapp.analysis import image
from auditapp.analysis.image import add_steps, update_only_steps
from auditapp.analysis.interface import SEVERITIES, Hit, Rule
from auditapp.analysis.model import Deployment, ImageFacts

CLEAN = ImageFacts(
    "shop/api:1.4",
    "sha256:" + "ab" * 32,
    5,
    user="10001",
    healthcheck=True,
    history=(
        "ADD alpine-minirootfs-3.20.3-x86_64.tar.gz / # buildkit",  # the base image's root
        'CMD ["/bin/sh"]',
        "RUN /bin/sh -c apk add --no-cache ca-certificates # buildkit",
        "RUN |1 VERSION=1.4 /bin/sh -c apt-get update && apt-get install -y curl # buildkit",
        "COPY app /srv/app # buildkit",
        "RUN /bin/sh -c update-ca-certificates # buildkit",
        "USER 10001",
    ),
    components=("api", "worker"),
)


def hits(*images: ImageFacts) -> list[tuple[Rule, Hit]]:
    d = Deployment(images=images)
    return [(r, h) for r in image.RULES for h in r.run(d)]


def failed(*images: ImageFacts) -> list[str]:
    return sorted({r.id for r, _ in hits(*images)})


def test_a_clean_image_passes_every_rule() -> None:
    assert hits(CLEAN) == []


def _with_step(step: str) -> dict[str, Any]:
    return {"history": (*CLEAN.history, step)}


FAULTS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("no HEALTHCHECK", {"healthcheck": False}, ["image.healthcheck"]),
    ("HEALTHCHECK unknown", {"healthcheck": None}, []),
    (
        "apt-get update alone",
        _with_step("RUN /bin/sh -c apt-get update"),
        ["image.update-instruction"],
    ),
    (
        "classic builder, options first",
        _with_step("/bin/sh -c apt-get -qq update"),
        ["image.update-instruction"],
    ),
    (
        "apk update",
        _with_step("RUN /bin/sh -c apk update # buildkit"),
        ["image.update-instruction"],
    ),
    (
        "yum makecache then clean",
        _with_step("RUN /bin/sh -c /usr/bin/yum -y makecache; yum clean all"),
        ["image.update-instruction"],
    ),
    ("apt-get upgrade with the update", _with_step("RUN apt-get update && apt-get -y upgrade"), []),
    ("apk add --update", _with_step("RUN apk add --update curl"), []),
    ("an echo about updates", _with_step("RUN echo update the docs"), []),
    ("setuid files", {"setid_files": ("usr/bin/passwd", "bin/su")}, ["image.setid-files"]),
    (
        "ADD of a local archive",
        _with_step("ADD setuid.tar / # buildkit"),
        ["image.add-instruction"],
    ),
    (
        "ADD, classic builder",
        _with_step("/bin/sh -c #(nop) ADD file:4c3f0e in /opt "),
        ["image.add-instruction"],
    ),
    ("COPY is fine", _with_step("/bin/sh -c #(nop) COPY file:4c3f0e in /opt "), []),
    ("a RUN that mentions ADD", _with_step("RUN /bin/sh -c echo ADD me"), []),
]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [pytest.param(changes, expected, id=name) for name, changes, expected in FAULTS],
)
def test_a_planted_fault_fails_exactly_its_rule(
    changes: dict[str, Any], expected: list[str]
) -> None:
    assert failed(replace(CLEAN, **changes)) == expected


def test_a_finding_for_each_component_running_the_image() -> None:
    found = {
        (h.component, h.location, h.subject) for _, h in hits(replace(CLEAN, healthcheck=False))
    }
    assert found == {
        ("api", "image shop/api:1.4 Config.Healthcheck", "shop/api:1.4"),
        ("worker", "image shop/api:1.4 Config.Healthcheck", "shop/api:1.4"),
    }


def test_an_image_nobody_runs_is_its_own_component() -> None:
    [(_, hit)] = hits(replace(CLEAN, healthcheck=False, components=()))
    assert hit.component == "shop/api:1.4"


def test_setid_files_are_listed_from_their_own_evidence() -> None:
    faulty = replace(
        CLEAN,
        components=("api",),
        setid_files=("usr/bin/passwd", "bin/su", "usr/bin/passwd", ""),
        setid_evidence_id=11,
    )
    [(rule, hit)] = hits(faulty)
    assert (rule.id, rule.severity, hit.evidence_id) == ("image.setid-files", "low", 11)
    assert dict(hit.detail) == {"count": 2, "files": ["bin/su", "usr/bin/passwd"]}


def test_a_remote_add_is_low_and_the_steps_are_listed() -> None:
    step = "ADD https://example.com/tool.tar.gz /opt/ # buildkit"
    [(rule, hit)] = hits(replace(CLEAN, components=("api",), **_with_step(step)))
    assert (rule.id, hit.severity) == ("image.add-instruction", "low")
    assert dict(hit.detail) == {"steps": [step], "remote": True}


def test_the_base_images_root_filesystem_is_not_an_add_to_report() -> None:
    assert add_steps(("/bin/sh -c #(nop) ADD file:abc in / ", 'CMD ["bash"]')) == []
    assert add_steps(()) == []


def test_update_only_steps_are_found_among_commands() -> None:
    history = (
        "RUN apt-get update",
        "RUN apt-get update && apt-get install -y curl",
        "RUN set -eux; dnf -y update; dnf clean all",
        "RUN zypper --non-interactive refresh",
        "RUN apt-get",
        "",
    )
    assert update_only_steps(history) == [history[0], history[2], history[3]]


@pytest.mark.parametrize("rule", image.RULES, ids=lambda r: r.id)
def test_every_rule_is_documented_and_mapped(rule: Rule) -> None:
    assert rule.id.startswith("image.") and len(rule.id) <= 40
    assert rule.scope == "image" and rule.severity in SEVERITIES
    assert rule.pci and rule.cis and rule.fails and len(rule.doc) > 150
    assert set(rule.reads) <= {"engine-image", "image-config", "image-setid-files"}


def test_the_rules_cover_section_4_checks_not_made_elsewhere() -> None:
    assert {c for r in image.RULES for c in r.cis} == {"4.6", "4.7", "4.8", "4.9"}


def test_everything_at_once_is_json_able_and_unique() -> None:
    faulty = replace(
        CLEAN,
        healthcheck=False,
        setid_files=tuple(f"bin/x{i}" for i in range(300)),
        history=(*CLEAN.history, "RUN apk update", "ADD x.tar /"),
    )
    found = hits(faulty, replace(faulty, name="shop/worker:2", digest=""))
    keys = [(r.id, h.component, h.location) for r, h in found]
    assert len(keys) == len(set(keys)) == 16
    for _, hit in found:
        json.dumps(dict(hit.detail))
    setid = next(h for r, h in found if r.id == "image.setid-files")
    assert setid.detail["count"] == 300 and len(setid.detail["files"]) == 200
