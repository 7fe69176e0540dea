"""One small function per command: call a use case, print what it returned.

Use cases with heavy imports (collecting, SBOMs) are imported where they are used, so the
quick commands start quickly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from auditapp.checklist import UNANSWERED_LABEL, Method, Progress, Status
from auditapp.cli.files import write_atomically
from auditapp.cli.render import human_size, print_json, print_table, to_plain
from auditapp.services import (
    audits,
    collect,
    comments,
    components,
    evidence,
    inventory,
    items,
    journal,
    members,
    signoff,
)
from auditapp.services.components import ComponentEdit
from auditapp.services.errors import InvalidInputError
from auditapp.services.items import KEEP, ItemEdit
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace

Handler = Callable[[Workspace, Caller, argparse.Namespace], int]


def audit_new(ws: Workspace, _caller: Caller, args: argparse.Namespace) -> int:
    made = audits.create_audit(ws, args.name, entity=args.entity, description=args.description)
    print(f"created audit {made.name!r}; it is now the current audit")
    print("next: add yourself with `auditapp member add NAME --role officer`")
    return 0


def audit_list(ws: Workspace, _caller: Caller, args: argparse.Namespace) -> int:
    found = audits.list_audits(ws)
    if args.json:
        print_json(found)
    elif not found:
        print("no audits yet: create one with `auditapp audit new NAME`")
    else:
        print_table(
            ["", "NAME", "ENTITY", "MEMBERS", "CREATED"],
            [["*" if a.current else "", a.name, a.entity, a.members, a.created_at] for a in found],
        )
    return 0


def audit_open(ws: Workspace, _caller: Caller, args: argparse.Namespace) -> int:
    print(f"current audit: {audits.open_audit(ws, args.name).name}")
    return 0


def member_add(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    added = members.add_member(
        ws, caller, args.name, Role.parse(args.role), make_default=args.default
    )
    default = " (default member)" if added.is_default else ""
    print(f"added {added.name} as {added.role.value}{default}")
    return 0


def member_list(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    found = members.list_members(ws, caller)
    if args.json:
        print_json(found)
    else:
        print_table(
            ["NAME", "ROLE", "DEFAULT", "SINCE"],
            [[m.name, m.role.value, m.is_default, m.created_at] for m in found],
        )
    return 0


def member_whoami(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    identity = members.whoami(ws, caller)
    if args.json:
        print_json(identity)
        return 0
    who = (
        f"{identity.member.name} ({identity.member.role.value})"
        if identity.member
        else ("nobody: this audit has no members yet")
    )
    print(f"audit: {identity.audit}\nacting as: {who}")
    print("may: " + (", ".join(sorted(a.value for a in identity.allowed)) or "read only"))
    return 0


def item_list(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    found = items.list_items(ws, caller, section=args.section)
    if args.json:
        print_json([_item_plain(v) for v in found])
        return 0
    print_table(
        ["KEY", "STATUS", "EVIDENCE", "DONE", "QUESTION"],
        [[v.key, _status(v.status), v.evidence_count, v.complete, v.item.question] for v in found],
    )
    return 0


def item_show(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    view = items.get_item(ws, caller, args.key)
    if args.json:
        print_json(_item_plain(view))
        return 0
    item = view.item
    print(f"{item.key}  (section {item.section}, version {view.version})")
    print(f"question:  {item.question}")
    print(f"status:    {_status(view.status)}   method: {view.method.label}")
    print(f"PCI DSS:   {', '.join(item.pci)}")
    print(f"CIS:       {', '.join(item.cis) or '-'}")
    print(f"owner:     {view.owner or '-'}   due: {view.due_date or '-'}")
    print(f"evidence:  {view.evidence_count} linked; expected: {'; '.join(item.evidence) or '-'}")
    print(f"rationale: {view.rationale or '-'}")
    print(f"\n{item.guidance}")
    return 0


def item_set(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    if args.status and args.clear_status:
        raise InvalidInputError("give --status or --clear-status, not both")
    edit = ItemEdit(
        status=None if args.clear_status else (Status.parse(args.status) if args.status else KEEP),
        method=Method.parse(args.method) if args.method else KEEP,
        rationale=args.rationale if args.rationale is not None else KEEP,
        owner=args.owner if args.owner is not None else KEEP,
        due_date=_date(args.due) if args.due else KEEP,
    )
    if not edit.changes():
        raise InvalidInputError(
            "nothing to set", hint="give --status, --rationale, --method, --owner or --due"
        )
    view = items.update_item(ws, caller, args.key, edit, expected_version=args.expect_version)
    print(f"{view.key}: {_status(view.status)} (version {view.version})")
    return 0


def evidence_attach(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    added = evidence.attach_file(ws, caller, Path(args.file), item_key=args.item, title=args.title)
    stored = "stored" if added.stored_new_bytes else "already stored; linked to the same bytes"
    print(
        f"evidence #{added.id} {added.title!r}: {human_size(added.size)}, "
        f"sha256 {added.sha256[:16]}… ({stored})"
    )
    if args.item:
        print(f"linked to {args.item}")
    return 0


def evidence_list(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    found = evidence.list_evidence(ws, caller, item_key=args.item)
    if args.json:
        print_json(found)
    else:
        print_table(
            ["ID", "TITLE", "TYPE", "SIZE", "SHA256", "BY", "AT", "ITEMS"],
            [
                [
                    e.id,
                    e.title,
                    e.media_type,
                    human_size(e.size),
                    e.sha256[:12],
                    e.collected_by,
                    e.collected_at,
                    ", ".join(e.items),
                ]
                for e in found
            ],
        )
    return 0


def evidence_link(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    linked = evidence.link(ws, caller, args.id, args.item)
    print(f"evidence #{linked.id} is linked to {', '.join(linked.items)}")
    return 0


def _component_edit(args: argparse.Namespace) -> ComponentEdit:
    classes = None
    if args.data is not None:
        classes = tuple(c.strip() for c in args.data.split(",") if c.strip())
    return ComponentEdit(
        image_ref=args.image,
        internet_facing=args.internet_facing,
        in_cde=args.cde,
        data_classes=classes,
        host=args.host,
        notes=args.notes,
    )


def component_add(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    added = components.add_component(ws, caller, args.name, _component_edit(args))
    print(f"added component {added.name}")
    return 0


def component_set(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    changed = components.update_component(ws, caller, args.name, _component_edit(args))
    print(f"component {changed.name} (version {changed.version})")
    return 0


def component_list(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    found = components.list_components(ws, caller)
    if args.json:
        print_json(found)
    elif not found:
        print("no components yet: add one with `auditapp component add NAME`")
    else:
        print_table(
            ["NAME", "IMAGE", "INTERNET", "CDE", "DATA", "HOST"],
            [
                [
                    c.name,
                    c.image_ref,
                    c.internet_facing,
                    c.in_cde,
                    ", ".join(c.data_classes),
                    c.host,
                ]
                for c in found
            ],
        )
    return 0


def collect_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.cli.progress import TerminalProgress
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
    try:
        summary = collect.collect(ws, caller, request, bar)
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

    text = inventory.sbom(ws, caller, args.component)
    target = Path(args.output)
    write_atomically(target, text.encode("utf-8"))
    print(f"wrote {target} (CycloneDX 1.6)")
    return 0


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

        bar = TerminalProgress()
        try:
            with requests.Session() as http:
                done = lifecycle.refresh_abandonment(
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


def comment_add(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    added = comments.add_comment(ws, caller, args.key, args.text)
    print(f"comment by {added.author} on {added.item_key}")
    return 0


def comment_list(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    found = comments.list_comments(ws, caller, args.key)
    if args.json:
        print_json(found)
    else:
        for c in found:
            print(f"[{c.created_at:%Y-%m-%d %H:%M}] {c.author} ({c.role}): {c.body}")
    return 0


def signoff_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    signed = signoff.sign_off(ws, caller, args.statement)
    print(f"signed off by {signed.member} as {signed.role}; journal head {signed.journal_head}")
    return 0


def status(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    rollup = items.roll_up(ws, caller)
    order: list[Status | None] = [*Status, None]
    if args.json:

        def plain(p: Progress) -> dict[str, object]:
            return {
                "title": p.title,
                "total": p.total,
                "answered": p.answered,
                "complete": p.complete,
                "statuses": {(s.value if s else "unanswered"): p.count(s) for s in order},
            }

        print_json(
            {
                "sections": [{"number": n, **plain(p)} for n, p in rollup.sections],
                "overall": plain(rollup.overall),
            }
        )
        return 0
    headers = ["#", "SECTION", *[_status(s) for s in order], "COMPLETE"]
    rows = [
        [n, p.title, *[p.count(s) for s in order], f"{p.complete}/{p.total}"]
        for n, p in rollup.sections
    ]
    total = rollup.overall
    rows.append(
        ["", "All sections", *[total.count(s) for s in order], f"{total.complete}/{total.total}"]
    )
    print_table(headers, rows)
    return 0


def journal_verify(ws: Workspace, caller: Caller, _args: argparse.Namespace) -> int:
    report = journal.verify_journal(ws, caller)
    if report.intact:
        print(
            f"journal intact: {report.entries} entries; data matches the journal; "
            f"chain head {report.head}"
        )
        return 0
    if report.first_break is not None:
        print(
            f"journal BROKEN at entry #{report.first_break.seq}: {report.first_break.reason}",
            file=sys.stderr,
        )
        print(f"entries verified before the break: {report.entries}", file=sys.stderr)
    for mismatch in report.mismatches:
        print(f"journal and data DISAGREE: {mismatch}", file=sys.stderr)
    return 1


def journal_show(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    lines = journal.recent_entries(ws, caller, limit=args.limit)
    if args.json:
        print_json(lines)
    else:
        print_table(
            ["#", "AT", "MEMBER", "ACTION", "TARGET", "SUMMARY"],
            [[e.seq, e.at, e.member, e.action, e.target, e.summary] for e in lines],
        )
    return 0


HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("audit", "new"): audit_new,
    ("audit", "list"): audit_list,
    ("audit", "open"): audit_open,
    ("member", "add"): member_add,
    ("member", "list"): member_list,
    ("member", "whoami"): member_whoami,
    ("item", "list"): item_list,
    ("item", "show"): item_show,
    ("item", "set"): item_set,
    ("evidence", "attach"): evidence_attach,
    ("evidence", "list"): evidence_list,
    ("evidence", "link"): evidence_link,
    ("component", "add"): component_add,
    ("component", "set"): component_set,
    ("component", "list"): component_list,
    ("components", None): component_list,
    ("collect", None): collect_command,
    ("images", None): images_command,
    ("sbom", None): sbom_command,
    ("vulndb", "import"): vulndb_import,
    ("vulndb", "update"): vulndb_update,
    ("vulndb", "status"): vulndb_status,
    ("vulns", None): vulns_command,
    ("lifecycle", None): lifecycle_command,
    ("vex", "set"): vex_set,
    ("vex", "list"): vex_list,
    ("vex", "import"): vex_import,
    ("vex", "export"): vex_export,
    ("packages", None): packages_command,
    ("comment", "add"): comment_add,
    ("comment", "list"): comment_list,
    ("signoff", None): signoff_command,
    ("status", None): status,
    ("journal", "verify"): journal_verify,
    ("journal", "show"): journal_show,
}


def _status(status: Status | None) -> str:
    return status.label if status else UNANSWERED_LABEL


def _item_plain(view: items.ItemView) -> dict[str, object]:
    plain = to_plain(view)
    assert isinstance(plain, dict)
    item = plain.pop("item")
    return {
        "key": view.key,
        "section": view.item.section,
        "question": view.item.question,
        **plain,
        "pci": item["pci"],
        "cis": item["cis"],
        "evidence_expected": item["evidence"],
    }


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"{text!r} is not a date: use YYYY-MM-DD") from None
