"""Image rules: what the image itself ships and how it was built — a HEALTHCHECK, package
index updates in steps of their own, setuid/setgid files and ADD (CIS 4.6–4.9). Secrets in
images (4.10) are found while collecting: see `collected`."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import Any

from auditapp.analysis.interface import Hit, Rule, rule
from auditapp.analysis.model import Deployment, ImageFacts

IMAGE = ("engine-image", "image-config")
PACKAGE_MANAGERS = frozenset(
    {"apt-get", "apt", "aptitude", "apk", "yum", "dnf", "microdnf", "tdnf", "zypper"}
)
INDEX_UPDATES = frozenset({"update", "makecache", "refresh", "ref"})
INSTALLS = frozenset({"install", "add", "upgrade", "dist-upgrade", "full-upgrade", "in", "up"})
# "ADD …" as BuildKit records it, "/bin/sh -c #(nop) ADD …" as the classic builder does
ADD_STEP = re.compile(r"^\s*(?:/bin/sh\s+-c\s+#\(nop\)\s*)?ADD\s+(?P<args>.*)$", re.DOTALL)
COMMAND_SEPARATORS = re.compile(r"&&|\|\||;|\||\n")
MAX_LISTED = 200  # setuid files listed in a finding's detail; the evidence holds them all


def _hits(image: ImageFacts, location: str, evidence_id: int | None, **kw: Any) -> Iterator[Hit]:
    """One hit per component that runs the image (or the image's own name when none does, as
    an image collected on its own is its own component)."""
    for component in image.components or (image.name,):
        yield Hit(
            component, f"image {image.name} {location}", evidence_id, subject=image.name, **kw
        )


@rule(
    "image.healthcheck",
    "No HEALTHCHECK in the image",
    "low",
    scope="image",
    pci=("2.2.1",),
    cis=("4.6",),
    reads=IMAGE,
    fails="define no HEALTHCHECK",
)
def healthcheck(d: Deployment) -> Iterator[Hit]:
    """The image defines no HEALTHCHECK, so containers started from it report no health unless
    each deployment adds a check of its own, and a hung service looks up. Fix: add a
    `HEALTHCHECK CMD …` that exercises the service, to the Dockerfile."""
    for image in d.images:
        if image.healthcheck is False:
            yield from _hits(image, "Config.Healthcheck", image.evidence_id, detail={})


def _package_commands(step: str) -> Iterator[tuple[str, str]]:
    """(package manager, its first non-option word) for each command of a build step."""
    for command in COMMAND_SEPARATORS.split(step):
        words = command.split()
        for index, word in enumerate(words):
            if posixpath.basename(word) in PACKAGE_MANAGERS:
                verb = next((w for w in words[index + 1 :] if not w.startswith("-")), "")
                yield posixpath.basename(word), verb.lower()
                break


def update_only_steps(history: tuple[str, ...]) -> list[str]:
    """The build steps that refresh a package index without installing or upgrading anything
    in the same step."""
    found = []
    for step in history:
        verbs = {verb for _, verb in _package_commands(step)}
        if verbs & INDEX_UPDATES and not verbs & INSTALLS:
            found.append(step)
    return found


@rule(
    "image.update-instruction",
    "Package index updated in a build step of its own",
    "info",
    scope="image",
    pci=("6.3.3",),
    cis=("4.7",),
    reads=IMAGE,
    fails="update package indexes in steps of their own",
)
def update_instruction(d: Deployment) -> Iterator[Hit]:
    """A build step refreshes the package index (`apt-get update`, `apk update`, `yum
    makecache`…) without installing anything in the same step. The builder caches that layer,
    so later builds install from a stale index and miss security fixes — which PCI DSS 6.3.3
    needs within a month. Fix: `RUN apt-get update && apt-get install -y … && rm -rf
    /var/lib/apt/lists/*` in one step, and rebuild without cache on a schedule."""
    for image in d.images:
        steps = update_only_steps(image.history)
        if steps:
            detail: Mapping[str, Any] = {"steps": steps}
            yield from _hits(image, "history update", image.evidence_id, detail=detail)


@rule(
    "image.setid-files",
    "Setuid or setgid files in the image",
    "low",
    scope="image",
    pci=("2.2.4", "7.2.5"),
    cis=("4.8",),
    reads=("image-setid-files",),
    fails="ship setuid or setgid files",
)
def setid_files(d: Deployment) -> Iterator[Hit]:
    """The image ships files with the setuid or setgid bit. Each is a way for a non-root
    process to run code as the file's owner (usually root), which is how a foothold becomes
    root in the container. Most applications need none of them. Fix: remove the bits in the
    Dockerfile (`RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`) and run with
    no-new-privileges, which makes the kernel ignore them."""
    for image in d.images:
        files = sorted(set(image.setid_files) - {""})
        if files:
            detail = {"count": len(files), "files": files[:MAX_LISTED]}
            evidence = image.setid_evidence_id or image.evidence_id
            yield from _hits(image, "setuid/setgid files", evidence, detail=detail)


def add_steps(history: tuple[str, ...]) -> list[str]:
    """The ADD steps of a build, without the first step: an image's oldest step is its base
    image's root filesystem, which is ADDed by design (docker-bench skips it the same way)."""
    return [step for step in history[1:] if ADD_STEP.match(step)]


@rule(
    "image.add-instruction",
    "ADD used instead of COPY",
    "info",
    scope="image",
    pci=("2.2.1", "6.3.2"),
    cis=("4.9",),
    reads=IMAGE,
    fails="use ADD instead of COPY",
)
def add_instruction(d: Deployment) -> Iterator[Hit]:
    """A build step uses ADD. ADD fetches URLs and unpacks archives as it goes, so what lands
    in the image may not be what the reviewer saw in the build context, and a remote URL is
    fetched unverified (reported at low severity). Fix: use COPY for local files; download
    with a pinned checksum in a RUN step; keep ADD for a local archive you mean to unpack."""
    for image in d.images:
        steps = add_steps(image.history)
        if steps:
            remote = any(re.search(r"\bhttps?://", s) for s in steps)
            detail: Mapping[str, Any] = {"steps": steps, "remote": remote}
            severity = "low" if remote else ""
            yield from _hits(
                image, "history ADD", image.evidence_id, detail=detail, severity=severity
            )


RULES: tuple[Rule, ...] = (healthcheck, update_instruction, setid_files, add_instruction)
