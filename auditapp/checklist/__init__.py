"""Checklist content (from resources/) and the roll-up of answers into progress."""

from auditapp.checklist.definition import (
    DEFAULT_CHECKLIST,
    Checklist,
    ChecklistError,
    Item,
    Section,
    load_checklist,
    parse_checklist,
)
from auditapp.checklist.progress import Answer, Progress, Rollup, is_complete, roll_up
from auditapp.checklist.status import UNANSWERED_LABEL, Method, Status

__all__ = [
    "DEFAULT_CHECKLIST",
    "UNANSWERED_LABEL",
    "Answer",
    "Checklist",
    "ChecklistError",
    "Item",
    "Method",
    "Progress",
    "Rollup",
    "Section",
    "Status",
    "is_complete",
    "load_checklist",
    "parse_checklist",
    "roll_up",
]
