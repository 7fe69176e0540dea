"""Commands about what is inside the images: collect, images, packages, sbom.

Their use cases import the docker SDK, PyYAML and cyclonedx, so they are imported where used.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from auditapp.cli.files import write_atomically
from auditapp.cli.render import print_json, print_table
from auditapp.services.workspace import Caller, Workspace


def collect_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.cli.progress import TerminalProgress
    from auditapp.services import collect
    from auditapp.services.gather import CollectRequest

    request = CollectRequest(
        engine=args.engine,
        images=tuple(args.image),
        archives=tuple(Path(p) for p in args.archive),
        compose=tuple(Path(p) for p in args.compose),
        compose_env_file=Path(args.env_file) if args.env_file else None,
        profiles=tuple(args.profile),
        daemon_config=Path(args.daemon_config) if args.daemon_config else None,
    )
    bar = TerminalProgress()
    started = getattr(args, "started_archives", None)  # read since start-up (cli.main)
    try:
        summary = collect.collect(ws, caller, request, bar, started)
    finally:
        bar.finish()
    if args.json:
        print_json(summary)
        return 0
    print(
        f"collected {summary.evidence} evidence items: {summary.images} images, "
        f"{summary.containers} containers, {summary.networks} networks, "
        f"{summary.volumes} volumes, {summary.services} compose services"
    )
    total = sum(summary.packages.values())
    per = ", ".join(f"{n} {e}" for e, n in summary.packages.items()) or "none"
    print(f"packages: {total} ({per}); skipped records: {summary.skipped}")
    if summary.secrets:
        print(f"secrets found: {summary.secrets} (see the findings; values were redacted)")
    for line in summary.incomplete:
        print(f"INCOMPLETE inventory: {line}")
    return 0


def images_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import inventory

    found = inventory.list_images(ws, caller)
    if args.json:
        print_json(found)
    else:
        print_table(
            ["IMAGE", "OS", "PACKAGES", "SKIPPED", "COMPLETE", "COMPONENTS"],
            [
                [
                    (i.tags or (i.digest[:19],))[0],
                    i.os,
                    i.packages,
                    i.skipped,
                    "yes" if i.complete else "NO: " + "; ".join(i.problems),
                    ", ".join(i.components),
                ]
                for i in found
            ],
        )
    return 0


def packages_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import inventory

    found = inventory.list_packages(ws, caller, component=args.component, ecosystem=args.ecosystem)
    if args.json:
        print_json(found)
    else:
        print_table(
            ["ECOSYSTEM", "NAME", "VERSION", "IMAGE", "PATH"],
            [[p.ecosystem, p.name, p.version, p.image, p.path] for p in found],
        )
    return 0


def sbom_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import inventory

    text = inventory.sbom(ws, caller, args.component)
    target = Path(args.output)
    write_atomically(target, text.encode("utf-8"))
    print(f"wrote {target} (CycloneDX 1.6)")
    return 0
