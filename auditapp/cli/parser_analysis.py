"""The grammar of the analysis commands: rules and findings, flows, templates, blast radius,
threat actors and threats."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from auditapp.analysis.model import DATA_CLASSES, ZONES

FINDING_STATUSES = ["open", "accepted-risk", "false-positive", "remediated"]
THREAT_STATUSES = [
    "unchecked",
    "in-discussion",
    "accepted",
    "in-progress",
    "mitigated",
    "false-positive",
]
SEVERITY_CHOICES = ["critical", "high", "medium", "low", "info"]
LEVELS = ["low", "medium", "high"]

CommandMaker = Callable[..., argparse.ArgumentParser]


def add_analysis_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    command: CommandMaker,
    group: Callable[..., argparse._SubParsersAction[argparse.ArgumentParser]],
    json_option: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    json_option(command(commands, "analyse", "run every rule; a summary per severity and section"))
    json_option(command(commands, "rules", "the catalogue of rules"))

    findings = json_option(command(commands, "findings", "what the rules found"))
    findings.add_argument("--severity", choices=SEVERITY_CHOICES, help="only this severity")
    findings.add_argument("--rule", metavar="ID", help="only this rule")
    findings.add_argument("--status", choices=FINDING_STATUSES, help="only this status")
    findings.add_argument("--component", metavar="NAME", help="only this component")
    findings.add_argument("--all", action="store_true", help="also findings no longer seen")

    finding = group(commands, "finding", "one finding")
    setter = command(finding, "set", "decide a finding's status (officers)")
    setter.add_argument("id", type=int)
    setter.add_argument("--status", required=True, choices=FINDING_STATUSES)
    setter.add_argument("--justification", default="", help="why (required for accepted-risk)")
    setter.add_argument("--expires", metavar="YYYY-MM-DD", help="when an accepted risk lapses")

    flow = group(commands, "flow", "declared data streams")
    add = command(flow, "add", "declare a flow between components or zones")
    add.add_argument("source", metavar="SRC", help=f"a component, or a zone: {', '.join(ZONES)}")
    add.add_argument("destination", metavar="DST", help="a component, or a zone")
    add.add_argument("--port", type=int, required=True)
    add.add_argument("--protocol", required=True, help="tcp, udp, or an application protocol")
    add.add_argument(
        "--data", metavar="CLASSES", default="", help=f"comma-separated: {', '.join(DATA_CLASSES)}"
    )
    add.add_argument("--encrypted", action="store_true", help="encrypted in transit (TLS, mTLS)")
    add.add_argument("--authenticated", action="store_true", help="both ends authenticated")
    add.add_argument("--why", default="", help="the business justification")
    remove = command(flow, "remove", "withdraw a declared flow")
    remove.add_argument("id", type=int)
    json_option(command(commands, "flows", "declared and observed flows, with drift"))

    template = group(commands, "template", "approved runtime templates")
    define = command(template, "define", "define or replace a template from a file (officers)")
    define.add_argument("name")
    define.add_argument("--from", dest="file", required=True, metavar="FILE")
    assign = command(template, "assign", "assign a template to a component")
    assign.add_argument("name")
    assign.add_argument("component")
    json_option(command(template, "list", "the templates and where they are assigned"))
    json_option(command(template, "show", "one template in full")).add_argument("name")

    blast = json_option(command(commands, "blast-radius", "what an attacker reaches from here"))
    blast.add_argument("component", nargs="?", help="default: every internet-facing component")

    actor = group(commands, "actor", "threat actors")
    actor_add = command(actor, "add", "pick an actor from the catalogue, or write your own")
    actor_add.add_argument("kind", help="a catalogue kind (see `actors --catalogue`) or a new one")
    actor_add.add_argument("--name", help="a display name (required for a new kind)")
    actor_add.add_argument("--motivation", action="append", help="repeat for several")
    actor_add.add_argument("--sophistication", help="e.g. minimal, intermediate, expert")
    actor_add.add_argument("--resources", help="e.g. individual, club, organization, government")
    actor_add.add_argument("--description")
    command(actor, "remove", "drop an actor from the model").add_argument("kind")
    actors = json_option(command(commands, "actors", "the actors in this audit's threat model"))
    actors.add_argument("--catalogue", action="store_true", help="list the shipped catalogue")

    threats = json_option(command(commands, "threats", "the threat model: threats per element"))
    threats.add_argument("--element", help="only this element")
    threats.add_argument("--status", choices=THREAT_STATUSES)
    threat = group(commands, "threat", "one threat")
    threat_add = command(threat, "add", "add a threat of your own")
    threat_add.add_argument("element")
    threat_add.add_argument("--category", required=True, help="a STRIDE category")
    threat_add.add_argument("--title", required=True)
    threat_add.add_argument("--description", default="")
    threat_add.add_argument("--likelihood", choices=LEVELS, default="medium")
    threat_add.add_argument("--impact", choices=LEVELS, default="medium")
    threat_add.add_argument("--mitigation", default="")
    threat_set = command(threat, "set", "update a threat")
    threat_set.add_argument("id", type=int)
    threat_set.add_argument("--status", choices=THREAT_STATUSES)
    threat_set.add_argument("--likelihood", choices=LEVELS)
    threat_set.add_argument("--impact", choices=LEVELS)
    threat_set.add_argument("--mitigation")
    threat_set.add_argument("--actor", action="append", help="actor kinds (repeat)")
    threat_set.add_argument("--item", action="append", help="linked checklist item keys")

    suggestion = group(commands, "suggestion", "what the rules suggest for checklist items")
    json_option(command(suggestion, "list", "suggestions and whether a person decided them"))
    accept = command(suggestion, "accept", "take the suggested status for an item (officers)")
    accept.add_argument("key")
    command(suggestion, "dismiss", "keep your own answer; hide the suggestion").add_argument("key")
