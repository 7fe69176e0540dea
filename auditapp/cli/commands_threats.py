"""Commands of the threat model: actors (from the catalogue or the team's own) and threats."""

from __future__ import annotations

import argparse
from collections import Counter

from auditapp.cli.render import print_json, print_table
from auditapp.services import threats
from auditapp.services.threats import ActorEdit, ThreatEdit
from auditapp.services.workspace import Caller, Workspace

LETTERS = {
    "spoofing": "S",
    "tampering": "T",
    "repudiation": "R",
    "information-disclosure": "I",
    "denial-of-service": "D",
    "elevation-of-privilege": "E",
}


def actor_add(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    edit = ActorEdit(
        name=args.name,
        motivations=tuple(args.motivation) if args.motivation else None,
        sophistication=args.sophistication,
        resources=args.resources,
        description=args.description,
    )
    before = {a.kind for a in threats.list_actors(ws, caller)}
    actor = threats.add_actor(ws, caller, args.kind, edit)
    done = "updated" if actor.kind in before else "added"
    source = "from the catalogue" if actor.from_catalogue else "of your own"
    print(f"{done} actor {actor.kind} ({actor.name}, {source})")
    return 0


def actor_remove(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    threats.remove_actor(ws, caller, args.kind)
    print(f"removed actor {args.kind.strip().lower()} from the threat model")
    return 0


def actors_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    listed = threats.catalogue() if args.catalogue else threats.list_actors(ws, caller)
    if args.json:
        print_json(listed)
        return 0
    if not listed:
        print("no actors in this threat model yet: `auditapp actor add KIND`")
        print("the catalogue: `auditapp actors --catalogue`")
        return 0
    print_table(
        ["KIND", "NAME", "STIX TYPE", "MOTIVATIONS", "SOPHISTICATION", "RESOURCES"],
        [
            [a.kind, a.name, a.stix_type, ", ".join(a.motivations), a.sophistication, a.resources]
            for a in listed
        ],
    )
    return 0


def threats_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    found = threats.list_threats(ws, caller, element=args.element, status=args.status)
    if args.json:
        print_json(found)
        return 0
    if not found:
        filtered = args.element is not None or args.status is not None
        print("no threats match" if filtered else "no threats yet")
        if not filtered:
            print("`auditapp analyse` generates them from the evidence; add your own with")
            print("`auditapp threat add ELEMENT --category C --title TEXT`")
        return 0
    rows, last = [], None
    for t in found:
        element = f"{t.element} ({t.element_kind})" if t.element != last else ""
        last = t.element
        rows.append(
            [
                element,
                t.id,
                LETTERS.get(t.category, t.category),
                t.title,
                f"{t.likelihood}/{t.impact}",
                t.status,
                ", ".join(t.actors),
            ]
        )
    print_table(["ELEMENT", "ID", "STRIDE", "TITLE", "LIKELY/IMPACT", "STATUS", "ACTORS"], rows)
    statuses = Counter(t.status for t in found)
    elements = len({t.element for t in found})
    counts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    print(f"\n{_count(len(found), 'threat')} on {_count(elements, 'element')}: {counts}")
    return 0


def threat_add(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    made = threats.add_threat(
        ws,
        caller,
        args.element,
        category=args.category,
        title=args.title,
        description=args.description,
        likelihood=args.likelihood,
        impact=args.impact,
        mitigation=args.mitigation,
    )
    print(f"threat #{made.id} added: {made.category} on {made.element} ({made.element_kind})")
    return 0


def threat_set(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    edit = ThreatEdit(
        status=args.status,
        likelihood=args.likelihood,
        impact=args.impact,
        mitigation=args.mitigation,
        actors=tuple(args.actor) if args.actor else None,
        items=tuple(args.item) if args.item else None,
    )
    threat = threats.set_threat(ws, caller, args.id, edit)
    print(
        f"threat #{threat.id} ({threat.title}): {threat.status}, "
        f"likelihood {threat.likelihood}, impact {threat.impact}"
    )
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
