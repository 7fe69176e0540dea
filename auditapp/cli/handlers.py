"""Which function runs each command."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from auditapp.cli.commands import (
    Handler,
    audit_list,
    audit_new,
    audit_open,
    comment_add,
    comment_list,
    component_add,
    component_list,
    component_set,
    evidence_attach,
    evidence_link,
    evidence_list,
    item_list,
    item_set,
    item_show,
    journal_show,
    journal_verify,
    member_add,
    member_list,
    member_whoami,
    signoff_command,
    status,
)
from auditapp.cli.commands_analysis import (
    analyse_command,
    finding_set,
    findings_command,
    rules_command,
    suggestion_accept,
    suggestion_dismiss,
    suggestion_list,
)
from auditapp.cli.commands_blast import blast_radius_command
from auditapp.cli.commands_db import db_copy_command
from auditapp.cli.commands_demo import demo_command
from auditapp.cli.commands_export import export_command, verify_command
from auditapp.cli.commands_flows import flow_add, flow_remove, flows_command
from auditapp.cli.commands_inventory import (
    collect_command,
    images_command,
    packages_command,
    sbom_command,
)
from auditapp.cli.commands_monitor import (
    kev_import,
    kev_status_command,
    kev_update,
    monitor_command,
)
from auditapp.cli.commands_risk import (
    lifecycle_command,
    vex_export,
    vex_import,
    vex_list,
    vex_set,
    vulndb_import,
    vulndb_status,
    vulndb_update,
    vulns_command,
)
from auditapp.cli.commands_templates import (
    template_assign,
    template_define,
    template_list,
    template_show,
)
from auditapp.cli.commands_threats import (
    actor_add,
    actor_remove,
    actors_command,
    threat_add,
    threat_set,
    threats_command,
)

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
    ("template", "define"): template_define,
    ("template", "assign"): template_assign,
    ("template", "list"): template_list,
    ("template", "show"): template_show,
    ("flow", "add"): flow_add,
    ("flow", "remove"): flow_remove,
    ("flows", None): flows_command,
    ("blast-radius", None): blast_radius_command,
    ("analyse", None): analyse_command,
    ("findings", None): findings_command,
    ("finding", "set"): finding_set,
    ("suggestion", "list"): suggestion_list,
    ("suggestion", "accept"): suggestion_accept,
    ("suggestion", "dismiss"): suggestion_dismiss,
    ("actor", "add"): actor_add,
    ("actor", "remove"): actor_remove,
    ("actors", None): actors_command,
    ("threats", None): threats_command,
    ("threat", "add"): threat_add,
    ("threat", "set"): threat_set,
    ("demo", None): demo_command,
    ("export", None): export_command,
    ("monitor", None): monitor_command,
    ("kev", "import"): kev_import,
    ("kev", "status"): kev_status_command,
    ("kev", "update"): kev_update,
}

# Commands that need no database (nothing is opened or created for them).
STANDALONE: dict[tuple[str, str | None], Callable[[argparse.Namespace], int]] = {
    ("rules", None): rules_command,
    ("verify", None): verify_command,
    ("db", "copy"): db_copy_command,  # opens both databases itself; spans every audit
}
