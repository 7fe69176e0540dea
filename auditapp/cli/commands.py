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
from auditapp.cli.render import human_size, print_json, print_table, to_plain
from auditapp.services import (
    audits,
    comments,
    components,
    evidence,
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
