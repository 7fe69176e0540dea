"""Reading and verifying an audit's journal: the hash chain, then the data against the chain.

A chain whose head lives in the same database can be cut and re-headed by someone with write
access; the second check replays the journal and compares it with the rows it describes
(members, answers, evidence, links, sign-offs), so a change made beside auditapp shows.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store import journal
from auditapp.store.journal import ChainReport
from auditapp.store.models import (
    Audit,
    Blob,
    ChecklistResponse,
    Evidence,
    EvidenceLink,
    Finding,
    Flow,
    JournalEntry,
    Member,
    SignOff,
    VexStatement,
)

_REPLAYED = ("status", "method", "owner", "due_date", "rationale")


@dataclass(frozen=True)
class JournalLine:
    seq: int
    at: str
    member: str
    action: str
    target: str
    summary: str


@dataclass(frozen=True)
class Verification:
    chain: ChainReport
    mismatches: tuple[str, ...]  # data that the journal does not account for

    @property
    def intact(self) -> bool:
        return self.chain.intact and not self.mismatches

    @property
    def entries(self) -> int:
        return self.chain.entries

    @property
    def head(self) -> str:
        return self.chain.head

    @property
    def first_break(self) -> journal.ChainBreak | None:
        return self.chain.first_break


def verify_journal(ws: Workspace, caller: Caller) -> Verification:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        chain = journal.verify(session, audit)
        if not chain.intact:
            return Verification(chain, ())
        return Verification(chain, tuple(_mismatches(session, audit)))


def recent_entries(ws: Workspace, caller: Caller, limit: int = 50) -> list[JournalLine]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        rows = session.scalars(
            select(JournalEntry)
            .where(JournalEntry.audit_id == audit.id)
            .order_by(JournalEntry.seq.desc())
            .limit(limit)
        )
        return [JournalLine(r.seq, r.at, r.member, r.action, r.target, r.summary) for r in rows]


def _entries(session: Session, audit: Audit) -> Iterator[tuple[JournalEntry, dict[str, Any]]]:
    rows = session.scalars(
        select(JournalEntry).where(JournalEntry.audit_id == audit.id).order_by(JournalEntry.seq)
    )
    for row in rows:
        summary = json.loads(row.summary) if row.summary else {}
        yield row, summary if isinstance(summary, dict) else {}


def _mismatches(session: Session, audit: Audit) -> Iterator[str]:
    roles: dict[str, str] = {}
    answers: dict[str, dict[str, Any]] = defaultdict(dict)
    updates: dict[str, int] = defaultdict(int)
    attached: dict[int, str] = {}
    links: set[tuple[int, str]] = set()
    signoffs: dict[str, int] = defaultdict(int)
    hashes: set[str] = {journal.GENESIS}
    dispositions: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    vex_changes: dict[tuple[str, str], int] = defaultdict(int)
    finding_status: dict[int, str] = {}
    flows: Counter[tuple[Any, ...]] = Counter()
    for entry, summary in _entries(session, audit):
        hashes.add(entry.hash)
        if entry.action == "finding.status":
            finding_status[_int(summary.get("id"))] = str(summary.get("to"))
        elif entry.action == "finding.reopen":
            finding_status[_int(summary.get("id"))] = "open"
        elif entry.action in ("flow.add", "flow.remove"):
            flows[_flow_key(summary)] += 1 if entry.action == "flow.add" else -1
        if entry.action == "member.add":
            roles[entry.target] = str(summary.get("role"))
        elif entry.action == "item.update":
            updates[entry.target] += 1
            for name, change in summary.items():
                if name in _REPLAYED and isinstance(change, list) and len(change) == 2:
                    answers[entry.target][name] = change[1]
        elif entry.action in ("evidence.attach", "evidence.collect"):
            attached[int(summary.get("id", -1))] = str(summary.get("sha256"))
            if summary.get("item"):
                links.add((int(summary["id"]), str(summary["item"])))
        elif entry.action == "evidence.link":
            links.add((int(summary.get("id", -1)), entry.target))
        elif entry.action == "evidence.unlink":
            links.discard((int(summary.get("id", -1)), entry.target))
        elif entry.action == "signoff":
            signoffs[entry.target] += 1
        elif entry.action == "vex.set":
            pair = (str(summary.get("purl")), str(summary.get("vuln")))
            vex_changes[pair] += 1
            for name in ("status", "justification"):
                change = summary.get(name)
                if isinstance(change, list) and len(change) == 2:
                    dispositions[pair][name] = change[1]

    for member in session.scalars(select(Member).where(Member.audit_id == audit.id)):
        if roles.get(member.name) != member.role:
            yield f"member {member.name!r} has role {member.role!r}, which the journal never gave"
    for response in session.scalars(
        select(ChecklistResponse).where(ChecklistResponse.audit_id == audit.id)
    ):
        yield from _check_answer(
            response, answers.get(response.item_key, {}), updates[response.item_key]
        )
    for evidence in session.scalars(select(Evidence).where(Evidence.audit_id == audit.id)):
        if attached.get(evidence.id) != evidence.sha256:
            yield f"evidence #{evidence.id} ({evidence.title!r}) is not what the journal recorded"
            continue
        data = session.scalar(select(Blob.data).where(Blob.sha256 == evidence.sha256))
        if data is None or hashlib.sha256(data).hexdigest() != evidence.sha256:
            yield f"the bytes of evidence #{evidence.id} ({evidence.title!r}) were changed"
    stored_links = {
        (link.evidence_id, link.item_key)
        for link in session.scalars(select(EvidenceLink).where(EvidenceLink.audit_id == audit.id))
    }
    for evidence_id, key in sorted(stored_links ^ links):
        state = "exists" if (evidence_id, key) in stored_links else "is missing"
        yield f"the link of evidence #{evidence_id} to {key} {state}, unlike the journal says"
    for statement in session.scalars(select(VexStatement).where(VexStatement.audit_id == audit.id)):
        pair = (statement.purl, statement.vuln_id)
        replayed = dispositions.get(pair, {})
        if (replayed.get("status"), replayed.get("justification", "")) != (
            statement.status,
            statement.justification,
        ) or statement.version != vex_changes[pair]:
            yield (
                f"the disposition of {statement.vuln_id} on {statement.purl} differs from "
                "what the journal recorded"
            )
    for finding in session.scalars(select(Finding).where(Finding.audit_id == audit.id)):
        if finding.status != finding_status.get(finding.id, "open"):
            yield (
                f"finding #{finding.id} ({finding.rule_id}) is {finding.status!r}, which the "
                "journal never recorded"
            )
    stored_flows: Counter[tuple[Any, ...]] = Counter(
        _flow_key(
            {
                "source": f.source,
                "destination": f.destination,
                "port": f.port,
                "protocol": f.protocol,
                "data_classes": _json_list(f.data_classes),
                "encrypted": f.encrypted,
                "authenticated": f.authenticated,
            }
        )
        for f in session.scalars(select(Flow).where(Flow.audit_id == audit.id))
    )
    for flow_key in sorted((stored_flows - flows) + (flows - stored_flows), key=repr):
        source, destination, port, protocol = flow_key[:4]
        yield (
            f"the declared flow {source} -> {destination} {port}/{protocol} "
            "differs from the journal"
        )
    stored_signoffs: dict[str, int] = defaultdict(int)
    for signed in session.scalars(select(SignOff).where(SignOff.audit_id == audit.id)):
        stored_signoffs[signed.member_name] += 1
        if signed.journal_head not in hashes:
            yield f"the sign-off by {signed.member_name} seals a journal head that never existed"
    for name in sorted(set(stored_signoffs) | set(signoffs)):
        if stored_signoffs[name] != signoffs[name]:
            yield (
                f"{name} has {stored_signoffs[name]} sign-off(s) stored and "
                f"{signoffs[name]} in the journal"
            )


def _json_list(text: str) -> list[Any]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ["(unreadable)"]
    return value if isinstance(value, list) else ["(unreadable)"]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _flow_key(summary: dict[str, Any]) -> tuple[Any, ...]:
    """What a declared flow says (its justification aside, which the journal keeps short)."""
    classes = summary.get("data_classes")
    return (
        str(summary.get("source")),
        str(summary.get("destination")),
        summary.get("port"),
        str(summary.get("protocol")),
        tuple(sorted(str(c) for c in classes)) if isinstance(classes, list) else (),
        summary.get("encrypted") is True,
        summary.get("authenticated") is True,
    )


def _check_answer(
    response: ChecklistResponse, replayed: dict[str, Any], updates: int
) -> Iterator[str]:
    current = {
        "status": response.status,
        "method": response.method,
        "owner": response.owner,
        "due_date": response.due_date.isoformat() if response.due_date else None,
        "rationale": response.rationale,
    }
    defaults = {"status": None, "method": "none", "owner": "", "due_date": None, "rationale": ""}
    for name, value in current.items():
        expected = replayed.get(name, defaults[name])
        if (
            name == "rationale"
            and isinstance(expected, str)
            and expected.endswith("...")
            and len(expected) == 120
        ):
            matches = isinstance(value, str) and value.startswith(expected[:-3])
        else:
            matches = value == expected
        if not matches:
            yield f"item {response.item_key}: its {name} differs from what the journal recorded"
            return
    if response.version != updates + 1:
        yield (
            f"item {response.item_key} is at version {response.version} after "
            f"{updates} journaled change(s)"
        )
