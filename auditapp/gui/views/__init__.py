"""The main window's working views, in navigator order.

Each is named here with its key and title and imported only when first shown: together the
views and the services behind them take longer to import than the rest of the window, and a
person opens a few of them per session. A test checks each entry against its class.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from auditapp.gui.views.base import AuditView


@dataclass(frozen=True)
class ViewEntry:
    key: str
    title: str
    module: str  # under auditapp.gui.views
    name: str

    def load(self) -> type[AuditView]:
        cls: type[AuditView] = getattr(
            importlib.import_module(f"{__name__}.{self.module}"), self.name
        )
        assert issubclass(cls, AuditView) and (cls.key, cls.title) == (self.key, self.title)
        return cls


VIEWS: tuple[ViewEntry, ...] = (
    ViewEntry("components", "Components", "components", "ComponentsView"),
    ViewEntry("evidence", "Evidence", "evidence", "EvidenceLibraryView"),
    ViewEntry("findings", "Findings", "findings", "FindingsView"),
    ViewEntry("dependencies", "Dependencies", "dependencies", "DependenciesView"),
    ViewEntry("flows", "Network & flows", "flows", "FlowsView"),
    ViewEntry("topology", "Topology", "topology", "TopologyView"),
    ViewEntry("threats", "Threat model", "threats", "ThreatsView"),
    ViewEntry("monitoring", "Since sign-off", "monitoring", "MonitoringView"),
    ViewEntry("signoff", "Sign-off & export", "signoff", "SignoffView"),
)
