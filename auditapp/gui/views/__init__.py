"""The main window's working views, in navigator order."""

from __future__ import annotations

from auditapp.gui.views.base import AuditView
from auditapp.gui.views.components import ComponentsView
from auditapp.gui.views.dependencies import DependenciesView
from auditapp.gui.views.evidence import EvidenceLibraryView
from auditapp.gui.views.findings import FindingsView
from auditapp.gui.views.flows import FlowsView
from auditapp.gui.views.monitoring import MonitoringView
from auditapp.gui.views.signoff import SignoffView
from auditapp.gui.views.threats import ThreatsView
from auditapp.gui.views.topology import TopologyView


def view_classes() -> list[type[AuditView]]:
    """Every working view (imported here, once, so the window stays ignorant of them)."""
    views: list[type[AuditView]] = [
        ComponentsView,
        EvidenceLibraryView,
        FindingsView,
        DependenciesView,
        FlowsView,
        TopologyView,
        ThreatsView,
        MonitoringView,
        SignoffView,
    ]
    return views
