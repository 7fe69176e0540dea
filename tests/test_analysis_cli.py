"""The analysis commands as a person types them: analyse, findings, finding set, rules and
suggestions, with their exit codes and JSON."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.test_cli import Cli, cli, team  # noqa: F401 - fixtures

COMPOSE = """
services:
  api:
    image: shop/api:1.4
    privileged: true
    ports: ["8443:8443"]
  worker:
    image: shop/worker:1.4
    user: "10001"
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
"""


def test_analyse_then_decide_a_finding(team: Cli, tmp_path: Path) -> None:  # noqa: F811
    compose = tmp_path / "compose.yaml"
    compose.write_text(COMPOSE)
    team.ok("--as", "Dev", "collect", "--compose", str(compose))
    summary = team.json("--as", "Dev", "analyse")
    assert summary["findings"] == summary["new"] > 0 and summary["by_severity"]["critical"] >= 2
    text = team.ok("--as", "Dev", "analyse")
    assert "0 new" in text and "open:" in text and "next:" in text

    critical = team.json("findings", "--severity", "critical")
    assert {(f["rule_id"], f["component"]) for f in critical} >= {
        ("runtime.privileged", "api"),
        ("runtime.docker-socket", "worker"),
    }
    privileged = next(f for f in critical if f["rule_id"] == "runtime.privileged")
    assert privileged["cis"] == ["5.5"] and privileged["pci"]
    table = team.ok("findings", "--rule", "runtime.privileged")
    assert "runtime.privileged" in table and "5.5" in table

    expires = (date.today() + timedelta(days=60)).isoformat()
    ident = str(privileged["id"])
    denied = team("--as", "Dev", "finding", "set", ident, "--status", "remediated")
    assert denied.returncode == 2 and "may not decide" in denied.stderr
    missing = team("--as", "Olga", "finding", "set", ident, "--status", "accepted-risk")
    assert missing.returncode == 2 and "justification" in missing.stderr
    bad_date = team(
        "--as", "Olga", "finding", "set", ident, "--status", "accepted-risk",
        "--justification", "agent", "--expires", "soon",
    )  # fmt: skip
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    done = team.ok(
        "--as", "Olga", "finding", "set", ident, "--status", "accepted-risk",
        "--justification", "monitoring agent, vendor fix due", "--expires", expires,
    )  # fmt: skip
    assert f"until {expires}" in done
    team.ok("--as", "Dev", "analyse")
    [kept] = team.json("findings", "--rule", "runtime.privileged")
    assert (kept["status"], kept["expires"]) == ("accepted-risk", expires)
    assert team.json("findings", "--status", "accepted-risk")[0]["id"] == privileged["id"]


def test_rules_and_suggestions(team: Cli, tmp_path: Path) -> None:  # noqa: F811
    rules = team.json("rules")
    ids = {r["id"] for r in rules}
    assert {"runtime.privileged", "daemon.icc", "network.cde-internet-reachable"} <= ids
    assert all(r["doc"] for r in rules)
    assert "runtime.privileged" in team.ok("rules")

    assert "no suggestions yet" in team.ok("suggestion", "list")
    compose = tmp_path / "compose.yaml"
    compose.write_text(COMPOSE)
    team.ok("--as", "Dev", "collect", "--compose", str(compose))
    team.ok("--as", "Dev", "analyse")
    suggestions = {s["item_key"]: s for s in team.json("suggestion", "list")}
    privileged = suggestions["profile.no_privileged_containers"]
    assert privileged["status"] == "not_in_place" and privileged["differs"]
    assert "run privileged: api" in privileged["reason"]
    accepted = team.ok("--as", "Olga", "suggestion", "accept", "profile.no_privileged_containers")
    assert "answered not-in-place" in accepted
    item = team.json("item", "show", "profile.no_privileged_containers")
    assert item["status"] == "not_in_place"
    gone = team("--as", "Olga", "suggestion", "accept", "profile.no_such_item")
    assert gone.returncode == 2 and "no suggestion" in gone.stderr
