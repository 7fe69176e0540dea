"""Commands about risk: vulnerability data, known vulnerabilities, VEX, lifecycle.

Their use cases are imported where used, so quick commands start quickly.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from auditapp.cli.files import write_atomically
from auditapp.cli.render import print_json, print_table
from auditapp.services.workspace import Caller, Workspace


def vulndb_import(ws: Workspace, _caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.cli.progress import TerminalProgress
    from auditapp.services import vulndb

    bar = TerminalProgress()
    try:
        done = vulndb.import_paths(ws, [Path(p) for p in args.paths], bar)
    finally:
        bar.finish()
    if args.json:
        print_json(done)
        return 0
    print(
        f"{done.records} records: {done.added} added, {done.updated} updated, "
        f"{done.unchanged} unchanged, {done.invalid} invalid"
    )
    for problem in done.problems:
        print(f"invalid: {problem}")
    return 0


def vulndb_update(ws: Workspace, _caller: Caller, args: argparse.Namespace) -> int:
    import requests

    from auditapp.cli.progress import TerminalProgress
    from auditapp.services.vulndb_online import update_online
    from auditapp.vulns.osv_api import DEFAULT_BASE_URL, OsvClient

    bar = TerminalProgress()
    try:
        with requests.Session() as http:
            client = OsvClient(http, args.base_url or DEFAULT_BASE_URL)
            done = update_online(ws, client, ecosystems=args.ecosystem or None, progress=bar)
    finally:
        bar.finish()
    if args.json:
        print_json(done)
        return 0
    print(
        f"{done.records} advisories from {client.base_url}: {done.added} added, "
        f"{done.updated} updated, {done.unchanged} unchanged, {done.invalid} invalid"
    )
    for problem in done.problems:
        print(f"note: {problem}")
    return 0


def vulndb_status(ws: Workspace, _caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import vulndb

    found = vulndb.status(ws, max_age_days=args.max_age)
    if args.json:
        print_json(found)
        return 0
    if not found:
        print("no vulnerability data yet: `auditapp vulndb import PATH` (OSV JSON, folder or zip)")
        return 0
    print_table(
        ["ECOSYSTEM", "RECORDS", "NEWEST RECORD", "IMPORTED", "AGE"],
        [
            [
                s.ecosystem,
                s.records,
                s.newest_modified[:10],
                s.imported_at,
                _age(s.age_days, s.stale),
            ]
            for s in found
        ],
    )
    return 0


def vulns_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import vulns

    report = vulns.list_vulns(
        ws,
        caller,
        component=args.component,
        minimum=args.severity,
        fixable=args.fixable,
        max_age_days=args.max_age,
    )
    if args.json:
        print_json(report)
        return 0
    print_table(
        ["SEVERITY", "ID", "PACKAGE", "VERSION", "FIXED IN", "COMPONENTS", "VEX"],
        [
            [
                v.severity.upper() + (f" {v.score}" if v.score is not None else ""),
                v.id,
                f"{v.ecosystem}:{v.package}",
                v.version,
                ", ".join(v.fixed_versions) or "-",
                ", ".join(v.components) or v.image,
                v.disposition or "-",
            ]
            for v in report.vulns
        ],
    )
    print(f"{len(report.vulns)} vulnerabilities")
    for fresh in report.freshness:
        if fresh.stale:
            print(
                f"warning: {fresh.ecosystem} data is {_age(fresh.age_days, True)} old "
                f"(newest record {fresh.newest_modified[:10]}); import newer data",
                file=sys.stderr,
            )
    if not report.freshness:
        print("warning: no vulnerability data imported; nothing could be matched", file=sys.stderr)
    return 0


def vex_set(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import vex

    view = vex.set_disposition(
        ws, caller, args.purl, args.vuln_id, args.status, args.justification, args.detail
    )
    note = "" if view.in_inventory else " (no package with this purl in the inventory yet)"
    print(f"{view.vuln_id} on {view.purl}: {view.status.value}{note}")
    return 0


def vex_list(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import vex

    found = vex.list_dispositions(ws, caller)
    if args.json:
        print_json(found)
    else:
        print_table(
            ["VULNERABILITY", "PURL", "STATUS", "JUSTIFICATION", "BY", "AT"],
            [
                [
                    v.vuln_id,
                    v.purl,
                    v.status.value,
                    v.justification.value if v.justification else "-",
                    v.updated_by,
                    v.updated_at,
                ]
                for v in found
            ],
        )
    return 0


def vex_import(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import vex

    done = vex.import_document(ws, caller, Path(args.file))
    print(
        f"{done.format} document {done.source}: {done.statements} statements: "
        f"{done.added} added, {done.changed} changed, {done.unchanged} unchanged, "
        f"{done.skipped} skipped; {done.not_in_inventory} name packages not in the inventory"
    )
    for problem in done.problems:
        print(f"skipped: {problem.where}: {problem.reason}")
    return 0


def vex_export(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import vex

    write_atomically(Path(args.output), vex.export_document(ws, caller))
    print(f"wrote {args.output} (CycloneDX 1.6 VEX)")
    return 0


def lifecycle_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import lifecycle
    from auditapp.vulns.abandonment import DEFAULT_NPM_BASE, DEFAULT_PYPI_BASE

    if args.refresh:
        import requests

        from auditapp.cli.progress import TerminalProgress
        from auditapp.services.abandonment_refresh import refresh_abandonment

        bar = TerminalProgress()
        try:
            with requests.Session() as http:
                done = refresh_abandonment(
                    ws,
                    caller,
                    http,
                    npm_base=args.npm_url or DEFAULT_NPM_BASE,
                    pypi_base=args.pypi_url or DEFAULT_PYPI_BASE,
                    progress=bar,
                )
        finally:
            bar.finish()
        if not args.json:
            print(
                f"asked the registries about {done.packages} packages "
                f"({done.not_found} not found, {done.skipped} not asked); "
                f"evidence #{done.evidence_id}"
            )
    report = lifecycle.lifecycle_report(ws, caller)
    if args.json:
        print_json(report)
        return 0
    print_table(
        ["STATE", "WHAT", "END OF SUPPORT", "IMAGE", "COMPONENTS"],
        [
            [
                i.status.state.upper(),
                i.name,
                i.status.eol or "-",
                i.image,
                ", ".join(i.components) or "-",
            ]
            for i in report.items
        ],
    )
    if report.signals:
        print()
        print_table(
            ["SIGNAL", "PACKAGE", "VERSION", "DETAIL", "COMPONENTS"],
            [
                [
                    v.signal.kind.upper(),
                    f"{v.signal.ecosystem}:{v.signal.name}",
                    v.signal.version,
                    v.signal.detail,
                    ", ".join(v.components) or "-",
                ]
                for v in report.signals
            ],
        )
    print(f"end-of-life data as of {report.data_as_of}; {report.notice}")
    return 0


def _age(days: int | None, stale: bool) -> str:
    text = "unknown" if days is None else f"{days} days"
    return f"{text} (stale)" if stale and days is not None else text
