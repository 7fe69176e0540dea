"""The Dependencies view's other two tables: packages (with how vulnerable each is) and the
end of life of each image's operating system and runtimes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from auditapp.gui.models.vulns_table import (
    SEVERITY_COLOURS,
    SORT_ROLE,
    RowsTableModel,
    bold_font,
    severity_rank,
)
from auditapp.services.inventory import PackageView
from auditapp.services.lifecycle import LifecycleItem
from auditapp.services.vulns import VulnView

STATE_COLOURS = {
    "end-of-life": "#b71c1c",
    "extended-support": "#d84315",
    "security-only": "#a86b00",
    "supported": "#2e7d32",
    "unknown": "#607d8b",
}
_TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)


@dataclass(frozen=True)
class PackageRow:
    package: PackageView
    vulns: tuple[VulnView, ...]

    @property
    def worst(self) -> str:
        return min((v.severity for v in self.vulns), key=severity_rank, default="")

    @property
    def critical_with_fix(self) -> bool:
        return any(v.severity == "critical" and v.fix_available for v in self.vulns)


def package_rows(packages: Sequence[PackageView], vulns: Sequence[VulnView]) -> list[PackageRow]:
    """Each package with the vulnerabilities found in it (same image, purl and path)."""
    found: dict[tuple[str, str, str], list[VulnView]] = defaultdict(list)
    for vuln in vulns:
        found[(vuln.image, vuln.purl, vuln.path)].append(vuln)
    return [PackageRow(p, tuple(found.get((p.image, p.purl, p.path), ()))) for p in packages]


class PackagesTableModel(RowsTableModel[PackageRow]):
    headers = ("Ecosystem", "Package", "Version", "Vulnerabilities", "Worst", "Image", "Used by")

    def cell(self, row: PackageRow, column: int, role: int) -> Any:
        package = row.package
        if role in _TEXT_ROLES:
            return (
                package.ecosystem,
                package.name,
                package.version,
                str(len(row.vulns)) if row.vulns else "",
                row.worst,
                package.image,
                ", ".join(package.components),
            )[column]
        if role == SORT_ROLE:
            return (
                package.ecosystem,
                package.name.lower(),
                package.version,
                len(row.vulns),
                severity_rank(row.worst) if row.worst else 99,
                package.image,
                ", ".join(package.components),
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 4 and row.worst:
            return QColor(SEVERITY_COLOURS.get(row.worst, "#607d8b"))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [package.purl, f"at {package.path}" if package.path else ""]
            if package.licenses:
                lines.append("Licences: " + ", ".join(package.licenses))
            lines += [f"{v.id} ({v.severity})" for v in row.vulns[:12]]
            return "\n".join(line for line in lines if line)
        return None


class LifecycleTableModel(RowsTableModel[LifecycleItem]):
    headers = ("Support", "Operating system or runtime", "Image", "Used by", "Ends", "Days left")

    def cell(self, row: LifecycleItem, column: int, role: int) -> Any:
        status = row.status
        if role in _TEXT_ROLES:
            return (
                status.state,
                row.name,
                row.image,
                ", ".join(row.components),
                status.eol.isoformat() if status.eol else "",
                str(status.days_left) if status.days_left is not None else "",
            )[column]
        if role == SORT_ROLE:
            days = status.days_left if status.days_left is not None else 10**6
            return (
                list(STATE_COLOURS).index(status.state),
                row.name.lower(),
                row.image,
                ", ".join(row.components),
                status.eol.isoformat() if status.eol else "9999",
                days,
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return QColor(STATE_COLOURS.get(status.state, "#607d8b"))
        if role == Qt.ItemDataRole.FontRole and column == 0 and status.state == "end-of-life":
            return bold_font()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            note = status.note or status.state
            source = f"\nSource: {status.source} (data as of {status.data_as_of})"
            return f"{row.name}: {note}{source if status.source else ''}"
        return None
