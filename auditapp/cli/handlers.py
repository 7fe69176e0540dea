"""Which function runs each command: named here, imported when its command runs. Importing
every command's module (the monitoring, the reports, the lifecycle sources ...) cost every
command about a third of a second before it did anything."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias, cast

if TYPE_CHECKING:
    from auditapp.cli.commands import Handler

Command: TypeAlias = tuple[str, str | None]  # (command, subcommand)
Standalone: TypeAlias = Callable[[argparse.Namespace], int]

_HANDLERS: dict[Command, str] = {
    ("audit", "new"): "commands:audit_new",
    ("audit", "list"): "commands:audit_list",
    ("audit", "open"): "commands:audit_open",
    ("member", "add"): "commands:member_add",
    ("member", "list"): "commands:member_list",
    ("member", "whoami"): "commands:member_whoami",
    ("item", "list"): "commands:item_list",
    ("item", "show"): "commands:item_show",
    ("item", "set"): "commands:item_set",
    ("evidence", "attach"): "commands:evidence_attach",
    ("evidence", "list"): "commands:evidence_list",
    ("evidence", "link"): "commands:evidence_link",
    ("component", "add"): "commands:component_add",
    ("component", "set"): "commands:component_set",
    ("component", "list"): "commands:component_list",
    ("components", None): "commands:component_list",
    ("collect", None): "commands_inventory:collect_command",
    ("images", None): "commands_inventory:images_command",
    ("sbom", None): "commands_inventory:sbom_command",
    ("vulndb", "import"): "commands_risk:vulndb_import",
    ("vulndb", "update"): "commands_risk:vulndb_update",
    ("vulndb", "status"): "commands_risk:vulndb_status",
    ("vulns", None): "commands_risk:vulns_command",
    ("lifecycle", None): "commands_risk:lifecycle_command",
    ("vex", "set"): "commands_risk:vex_set",
    ("vex", "list"): "commands_risk:vex_list",
    ("vex", "import"): "commands_risk:vex_import",
    ("vex", "export"): "commands_risk:vex_export",
    ("packages", None): "commands_inventory:packages_command",
    ("comment", "add"): "commands:comment_add",
    ("comment", "list"): "commands:comment_list",
    ("signoff", None): "commands:signoff_command",
    ("status", None): "commands:status",
    ("journal", "verify"): "commands:journal_verify",
    ("journal", "show"): "commands:journal_show",
    ("template", "define"): "commands_templates:template_define",
    ("template", "assign"): "commands_templates:template_assign",
    ("template", "list"): "commands_templates:template_list",
    ("template", "show"): "commands_templates:template_show",
    ("flow", "add"): "commands_flows:flow_add",
    ("flow", "remove"): "commands_flows:flow_remove",
    ("flows", None): "commands_flows:flows_command",
    ("blast-radius", None): "commands_blast:blast_radius_command",
    ("analyse", None): "commands_analysis:analyse_command",
    ("findings", None): "commands_analysis:findings_command",
    ("finding", "set"): "commands_analysis:finding_set",
    ("suggestion", "list"): "commands_analysis:suggestion_list",
    ("suggestion", "accept"): "commands_analysis:suggestion_accept",
    ("suggestion", "dismiss"): "commands_analysis:suggestion_dismiss",
    ("actor", "add"): "commands_threats:actor_add",
    ("actor", "remove"): "commands_threats:actor_remove",
    ("actors", None): "commands_threats:actors_command",
    ("threats", None): "commands_threats:threats_command",
    ("threat", "add"): "commands_threats:threat_add",
    ("threat", "set"): "commands_threats:threat_set",
    ("demo", None): "commands_demo:demo_command",
    ("export", None): "commands_export:export_command",
    ("monitor", None): "commands_monitor:monitor_command",
    ("kev", "import"): "commands_monitor:kev_import",
    ("kev", "status"): "commands_monitor:kev_status_command",
    ("kev", "update"): "commands_monitor:kev_update",
}

# Commands that need no database (nothing is opened or created for them).
_STANDALONE: dict[Command, str] = {
    ("rules", None): "commands_analysis:rules_command",
    ("verify", None): "commands_export:verify_command",
    ("db", "copy"): "commands_db:db_copy_command",  # opens both databases itself; spans every audit
}


def handler(command: Command) -> Handler | None:
    """The function that runs a command on an open workspace (None: not such a command)."""
    found = _HANDLERS.get(command)
    return cast("Handler", _load(found)) if found else None


def standalone(command: Command) -> Standalone | None:
    """The function that runs a command needing no database (None: not such a command)."""
    found = _STANDALONE.get(command)
    return cast(Standalone, _load(found)) if found else None


def commands() -> set[Command]:
    return set(_HANDLERS) | set(_STANDALONE)


def _load(where: str) -> object:
    module, name = where.split(":")
    return getattr(importlib.import_module(f"auditapp.cli.{module}"), name)
