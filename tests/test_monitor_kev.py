"""The CISA KEV catalogue as hostile input: size, encoding, shape, each entry checked, bad
entries skipped and counted, and an import that fails storing nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditapp.services.monitor_kev import import_kev, kev_status
from auditapp.services.workspace import Workspace
from auditapp.vulns.kev import KevError, parse_catalogue, read_catalogue
from tests.test_cli import Cli

GOOD = {
    "cveID": "CVE-2021-44228",
    "vendorProject": "Apache",
    "product": "Log4j2",
    "vulnerabilityName": "Apache Log4j2 Remote Code Execution Vulnerability",
    "dateAdded": "2021-12-10",
    "shortDescription": "...",
    "requiredAction": "Apply updates per vendor instructions.",
    "dueDate": "2021-12-24",
    "knownRansomwareCampaignUse": "Known",
    "notes": "",
    "cwes": ["CWE-20"],
}


def _catalogue(*entries: Any, **extra: Any) -> dict[str, Any]:
    return {
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2026.11.20",
        "dateReleased": "2026-11-20T15:00:00.000Z",
        "count": len(entries),
        "vulnerabilities": list(entries),
        **extra,
    }


def _file(tmp_path: Path, document: Any, name: str = "kev.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


@pytest.fixture
def sqlite_ws(sqlite_url: str) -> Iterator[Workspace]:
    ws = Workspace.open(sqlite_url)
    yield ws
    ws.close()


def test_reads_the_feed() -> None:
    done = parse_catalogue(json.dumps(_catalogue(GOOD)).encode(), "kev.json")
    [entry] = done.entries
    assert (entry.cve_id, entry.vendor_project, entry.due_date, entry.ransomware) == (
        "CVE-2021-44228",
        "Apache",
        "2021-12-24",
        "Known",
    )
    assert (done.catalog_version, done.skipped) == ("2026.11.20", 0)


REFUSED = [
    (b"\xff\xfe not text", "kev.json: not UTF-8 text"),
    (b"{ nope", "kev.json: not JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "kev.json: not JSON"),
    (b"[]", "kev.json: not a KEV catalogue (the top level is not an object)"),
    (b'{"title": "x"}', 'kev.json: not a KEV catalogue (no "vulnerabilities" list)'),
    (b'{"vulnerabilities": {"a": 1}}', 'kev.json: not a KEV catalogue (no "vulnerabilities" list)'),
    (
        json.dumps(_catalogue({"cveID": "nope"}, 3)).encode(),
        "kev.json: none of its 2 entries is a KEV entry (cveID 'nope' is not a CVE id)",
    ),
]


@pytest.mark.parametrize(("data", "message"), REFUSED)
def test_refuses_what_is_not_a_catalogue(data: bytes, message: str) -> None:
    with pytest.raises(KevError) as raised:
        parse_catalogue(data, "kev.json")
    assert str(raised.value).startswith(message)
    assert "nothing was stored" in str(raised.value)


def test_a_bad_entry_is_skipped_and_counted() -> None:
    entries = [
        GOOD,
        "a string",
        {**GOOD, "cveID": "CVE-2024-0001", "dateAdded": "yesterday"},
        {**GOOD, "cveID": "CVE-2024-0002", "product": ["not", "text"]},
        {**GOOD, "cveID": "CVE-2024-0003", "dueDate": "2024-13"},
        {**GOOD, "cveID": "CVE-2024-0004", "product": "Evil\x1b[2J\u202eProduct" + "x" * 900},
        {**GOOD, "cveID": "CVE-2021-44228", "product": "the first one counts"},
    ]
    done = parse_catalogue(json.dumps(_catalogue(*entries)).encode(), "kev.json")
    assert [e.cve_id for e in done.entries] == ["CVE-2021-44228", "CVE-2024-0004"]
    assert done.entries[0].product == "Log4j2"
    assert (
        done.entries[1].product.startswith("Evil[2JProduct") and len(done.entries[1].product) == 500
    )
    assert done.skipped == 4
    assert done.problems == (
        "kev.json: entry #2: not an object",
        "kev.json: entry #3: dateAdded 'yesterday' is not a YYYY-MM-DD date",
        "kev.json: entry #4: product is not text",
        "kev.json: entry #5: dueDate '2024-13' is not a YYYY-MM-DD date",
    )


def test_size_is_capped_before_parsing(tmp_path: Path) -> None:
    path = _file(tmp_path, _catalogue(*[GOOD] * 50))
    with pytest.raises(KevError, match=f"^{re.escape(str(path))}: larger than 0 MB"):
        read_catalogue(path, max_bytes=1024)
    with pytest.raises(KevError, match=r"kev-missing\.json: cannot be read"):
        read_catalogue(tmp_path / "kev-missing.json")


def test_an_import_replaces_the_catalogue_and_a_bad_one_changes_nothing(
    sqlite_ws: Workspace, tmp_path: Path
) -> None:
    assert kev_status(sqlite_ws).entries == 0
    first = import_kev(
        sqlite_ws, _file(tmp_path, _catalogue(GOOD, {**GOOD, "cveID": "CVE-2024-1234"}))
    )
    assert (first.entries, first.catalog_version) == (2, "2026.11.20")
    second = import_kev(sqlite_ws, _file(tmp_path, _catalogue(GOOD, catalogVersion="2026.11.21")))
    assert second.entries == 1
    status = kev_status(sqlite_ws)
    assert (status.entries, status.catalog_version) == (1, "2026.11.21")
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"vulnerabilities": 5}')
    with pytest.raises(KevError, match=f"^{re.escape(str(bad))}: not a KEV catalogue"):
        import_kev(sqlite_ws, bad)
    assert kev_status(sqlite_ws).entries == 1


def test_the_command_line(sqlite_url: str, tmp_path: Path) -> None:
    cli = Cli(sqlite_url, tmp_path)
    cli("audit", "new", "Shop 2026")
    done = cli("kev", "import", str(_file(tmp_path, _catalogue(GOOD, "junk"))))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "1 known exploited vulnerabilities imported (catalogue version 2026.11.20)",
        "1 entries skipped:",
        f"  {tmp_path / 'kev.json'}: entry #2: not an object",
    ]
    assert "1 entries, catalogue version 2026.11.20" in cli("kev", "status").stdout
    refused = cli("kev", "import", str(tmp_path / "nowhere.json"))
    assert refused.returncode == 2
    assert f"auditapp: {tmp_path / 'nowhere.json'}: cannot be read" in refused.stderr
