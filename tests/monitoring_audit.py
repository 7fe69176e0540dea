"""A small signed-off audit built through the services, and changes made after its sign-off,
for the tests of what shows monitoring (the GUI view, the delta PDF, the export command).

One image (urllib3 1.26.4 on Debian 13) run by a compose service publishing 8080 with a
declared flow; one known vulnerability; signed off by the officer and the auditor. After it:
newer OSV records hit urllib3 (one of them in a KEV catalogue), the service runs privileged
with a new published port.
"""

from __future__ import annotations

import json
from pathlib import Path

from auditapp.services import vulndb
from auditapp.services.analysis import analyse
from auditapp.services.collect import collect
from auditapp.services.flows import FlowInput, add_flow
from auditapp.services.gather import CollectRequest
from auditapp.services.signoff import sign_off
from auditapp.services.workspace import Caller, Workspace
from tests.catalog.layers import f
from tests.evidence.oci import oci_files, write_folder
from tests.vulns.osv_records import record, write

OFFICER = Caller(member="Olga Officer")
AUDITOR = Caller(member="Aud Auditor")
HIGH = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}]
CRITICAL = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
BELOW_2 = [{"introduced": "0"}, {"fixed": "2.0.0"}]


def compose(path: Path, *, privileged: bool = False, extra_port: bool = False) -> Path:
    ports = ['      - "8080:80"'] + (['      - "9090:90"'] if extra_port else [])
    lines = [
        "services:",
        "  api:",
        "    image: shop/api:1.0",
        "    user: '10001'",
        "    read_only: true",
        "    ports:",
        *ports,
        "    deploy:",
        "      resources:",
        "        limits: {memory: 256M, pids: 100, cpus: '0.5'}",
    ]
    if privileged:
        lines.append("    privileged: true")
    path.write_text("\n".join(lines) + "\n")
    return path


def collected(ws: Workspace, folder: Path) -> None:
    """The audit's evidence and data, analysed; not signed off yet."""
    entries = [
        f("etc/os-release", 'ID=debian\nVERSION_ID="13"\nPRETTY_NAME="Debian GNU/Linux 13"\n'),
        f(
            "usr/lib/python3/dist-packages/urllib3-1.26.4.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: urllib3\nVersion: 1.26.4\n",
        ),
    ]
    layout = write_folder(oci_files([entries], "gzip", tag="shop/api:1.0"), folder / "layout")
    path = compose(folder / "compose.yaml")
    collect(ws, OFFICER, CollectRequest(archives=(layout,), compose=(path,)))
    known = record("PYSEC-2020-1", "PyPI", "urllib3", BELOW_2, aliases=("CVE-2020-1111",))
    vulndb.import_paths(ws, [write(folder / "osv-old", known)])
    add_flow(ws, OFFICER, FlowInput("internet", "api", 8080, "tcp", (), True, False, "shop"))
    analyse(ws, OFFICER)


def signed(ws: Workspace, folder: Path) -> None:
    """Collected, analysed and signed off by both roles: the baseline is frozen."""
    collected(ws, folder)
    sign_off(ws, OFFICER, "complete and accurate")
    sign_off(ws, AUDITOR, "reviewed")


def changed(ws: Workspace, folder: Path) -> Path:
    """Newer OSV data on urllib3 and a privileged service with a new port; returns a KEV
    catalogue listing one of the new vulnerabilities (for `monitor(kev=...)`)."""
    exploited = record(
        "PYSEC-2026-7", "PyPI", "urllib3", BELOW_2, aliases=("CVE-2026-7777",),
        severity=CRITICAL, modified="2026-11-25T00:00:00Z",
    )  # fmt: skip
    fresh = record(
        "GHSA-aaaa-bbbb-cccc", "PyPI", "urllib3", BELOW_2, severity=HIGH,
        modified="2026-11-26T00:00:00Z",
    )  # fmt: skip
    vulndb.import_paths(ws, [write(folder / "osv-new", exploited, fresh)])
    path = compose(folder / "compose.yaml", privileged=True, extra_port=True)
    collect(ws, OFFICER, CollectRequest(compose=(path,)))
    kev = folder / "kev.json"
    entry = {
        "cveID": "CVE-2026-7777",
        "vendorProject": "Python",
        "product": "urllib3",
        "vulnerabilityName": "urllib3 request smuggling",
        "dateAdded": "2026-11-20",
        "dueDate": "2026-12-11",
        "knownRansomwareCampaignUse": "Unknown",
        "notes": "",
    }
    kev.write_text(
        json.dumps({"catalogVersion": "2026.11.20", "count": 1, "vulnerabilities": [entry]})
    )
    return kev
