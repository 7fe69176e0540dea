"""The grammar of monitoring after sign-off: `monitor` and the KEV catalogue."""

from __future__ import annotations

import argparse
from collections.abc import Callable

CommandMaker = Callable[..., argparse.ArgumentParser]
EXIT_CODES = "exit 0: nothing new; 1: new risk; 2: could not check (the reason is printed)"
KEV_URL_VARIABLE = "AUDITAPP_KEV_URL"
KEV_FEED = "known_exploited_vulnerabilities.json"


def add_monitor_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    command: CommandMaker,
    group: Callable[..., argparse._SubParsersAction[argparse.ArgumentParser]],
    json_option: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    monitor = json_option(
        command(commands, "monitor", f"what changed since sign-off ({EXIT_CODES})")
    )
    monitor.add_argument(
        "--collect", action="store_true", help="collect from the Docker Engine again first"
    )
    monitor.add_argument(
        "--online",
        action="store_true",
        help="update the vulnerability data from the OSV API and the CISA KEV catalogue from "
        "its feed first (needs network)",
    )
    monitor.add_argument("--base-url", metavar="URL", help="an OSV-compatible API for --online")
    monitor.add_argument(
        "--kev-url",
        metavar="URL",
        help=f"where --online fetches the KEV catalogue (default: ${KEV_URL_VARIABLE}, "
        "else CISA's feed)",
    )
    monitor.add_argument(
        "--kev",
        metavar="FILE",
        help="import this CISA KEV catalogue (JSON) first, instead of fetching it with --online",
    )
    monitor.add_argument(
        "--webhook",
        metavar="URL",
        help="POST the result as JSON to this URL (default: $AUDITAPP_MONITOR_WEBHOOK)",
    )
    monitor.add_argument("--history", action="store_true", help="list the stored runs instead")
    monitor.add_argument(
        "--limit", type=int, default=20, metavar="N", help="runs shown by --history (default 20)"
    )

    kev = group(commands, "kev", "the CISA Known Exploited Vulnerabilities catalogue")
    json_option(
        command(kev, "import", "import (replace) the catalogue from its JSON file")
    ).add_argument("file")
    json_option(
        command(kev, "update", "fetch (replace) the catalogue from its feed (needs network)")
    ).add_argument(
        "--url",
        metavar="URL",
        help=f"the feed (default: ${KEV_URL_VARIABLE}, else CISA's {KEV_FEED} feed)",
    )
    json_option(command(kev, "status", "the catalogue imported, and when"))
