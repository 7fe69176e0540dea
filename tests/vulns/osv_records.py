"""Small OSV records written by tests, and the real dumps shipped in shared/data/osv."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "osv"
PYPI_ZIP = DATA / "PyPI.zip"
GO_ZIP = DATA / "Go.zip"


def record(
    identifier: str,
    ecosystem: str,
    name: str,
    events: list[dict[str, str]],
    *,
    modified: str = "2026-01-01T00:00:00Z",
    aliases: tuple[str, ...] = (),
    versions: tuple[str, ...] = (),
    severity: list[dict[str, str]] | None = None,
    withdrawn: str = "",
    range_type: str = "ECOSYSTEM",
    **extra: Any,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": identifier,
        "modified": modified,
        "aliases": list(aliases),
        "summary": f"{identifier} in {name}",
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [{"type": range_type, "events": events}] if events else [],
                "versions": list(versions),
            }
        ],
        **extra,
    }
    if severity:
        document["severity"] = severity
    if withdrawn:
        document["withdrawn"] = withdrawn
    return document


def write(folder: Path, *records: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for document in records:
        (folder / f"{document['id']}.json").write_text(json.dumps(document))
    return folder
