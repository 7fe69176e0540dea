"""Commands about security templates: define, assign, list, show.

A starting point ships with auditapp: resources/templates/pci-hardened.toml.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from auditapp.cli.render import print_json, print_table
from auditapp.services.workspace import Caller, Workspace


def template_define(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import templates

    view = templates.define_template(ws, caller, args.name, Path(args.file))
    print(f"template {view.name} (version {view.version}) from {view.source}")
    if view.components:
        print(f"assigned to: {', '.join(view.components)}")
    return 0


def template_assign(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import templates

    view = templates.assign_template(ws, caller, args.name, args.component)
    print(f"component {args.component} now follows template {view.name}")
    return 0


def template_list(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import templates

    found = templates.list_templates(ws, caller)
    if args.json:
        print_json(found)
    elif not found:
        print(
            "no templates yet: `auditapp template define NAME --from FILE` "
            "(resources/templates/pci-hardened.toml is an example)"
        )
    else:
        print_table(
            ["NAME", "VERSION", "COMPONENTS", "DESCRIPTION", "UPDATED", "BY"],
            [
                [
                    t.name,
                    t.version,
                    ", ".join(t.components) or "-",
                    t.description,
                    t.updated_at,
                    t.updated_by,
                ]
                for t in found
            ],
        )
    return 0


def template_show(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import templates

    view = templates.show_template(ws, caller, args.name)
    if args.json:
        print_json(view)
        return 0
    print(f"template {view.name} (version {view.version})")
    if view.description:
        print(view.description)
    print(f"source: {view.source}")
    print(f"updated: {view.updated_at:%Y-%m-%d %H:%M UTC} by {view.updated_by}")
    print(f"assigned to: {', '.join(view.components) or 'no component yet'}")
    for key, value in view.body.items():
        if key != "description":
            print(f"  {key} = {json.dumps(value, ensure_ascii=False)}")
    return 0
