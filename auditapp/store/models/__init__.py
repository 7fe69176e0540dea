"""The audit workspace as SQLAlchemy 2 typed models, one module per part of the workspace, all on
one `Base` (schema changes go through migrations/)."""

from auditapp.store.models.analysis import AnalysisRun, Finding, Suggestion
from auditapp.store.models.base import NAMING, Base
from auditapp.store.models.deployment import Flow, SecurityTemplate
from auditapp.store.models.evidence import Blob, Evidence, EvidenceLink, JournalEntry, SignOff
from auditapp.store.models.inventory import Image, InventorySkip, Package
from auditapp.store.models.monitoring import Baseline, MonitorRun
from auditapp.store.models.threats import Threat, ThreatActor
from auditapp.store.models.vulns import (
    Advisory,
    AdvisoryAlias,
    Affected,
    KnownExploited,
    VexStatement,
    VulnSource,
)
from auditapp.store.models.workspace import (
    AppSetting,
    Audit,
    ChecklistResponse,
    Comment,
    Component,
    Member,
)

__all__ = [
    "NAMING",
    "Advisory",
    "AdvisoryAlias",
    "Affected",
    "AnalysisRun",
    "AppSetting",
    "Audit",
    "Base",
    "Baseline",
    "Blob",
    "ChecklistResponse",
    "Comment",
    "Component",
    "Evidence",
    "EvidenceLink",
    "Finding",
    "Flow",
    "Image",
    "InventorySkip",
    "JournalEntry",
    "KnownExploited",
    "Member",
    "MonitorRun",
    "Package",
    "SecurityTemplate",
    "SignOff",
    "Suggestion",
    "Threat",
    "ThreatActor",
    "VexStatement",
    "VulnSource",
]
