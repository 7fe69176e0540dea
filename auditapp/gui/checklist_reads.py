"""Reading the open audit's checklist for the navigator: every item's answer, the roll-up and
the shown item's suggestion. Off the UI thread after a change (a background writer must not hold
the window), at once when an audit opens; only the newest read is delivered, so a slow read of
one audit never lands on another."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from auditapp.checklist import Rollup
from auditapp.errors import AuditappError
from auditapp.gui.acting import ActingAs
from auditapp.gui.tasks import TaskRunner
from auditapp.services import items, suggestions


@dataclass(frozen=True)
class ChecklistRead:
    generation: int
    views: list[items.ItemView]
    rollup: Rollup
    key: str | None  # the item shown when the read was asked for, and its suggestion
    suggestion: suggestions.SuggestionView | None
    opening: bool = False  # the first read of an audit just opened


class ChecklistReads:
    def __init__(
        self,
        acting: ActingAs,
        runner: TaskRunner,
        show: Callable[[ChecklistRead], None],
        failed: Callable[[Exception], None],
    ) -> None:
        self._acting = acting
        self._runner = runner
        self._show = show
        self._failed = failed
        self._asked = 0

    def reload(self, key: str | None) -> None:
        """Read on the window's worker; `key` is the item shown (its suggestion is read too)."""
        self._asked += 1
        generation, ws, caller = self._asked, self._acting.ws, self._acting.caller()

        def read() -> ChecklistRead:
            suggestion = None
            if key is not None:
                with suppress(AuditappError):  # the item's own view says why, when opened
                    suggestion = suggestions.suggestion_for(ws, caller, key)
            views, rollup = items.list_items(ws, caller), items.roll_up(ws, caller)
            return ChecklistRead(generation, views, rollup, key, suggestion)

        self._runner.start(
            "Reading the checklist", read, on_success=self._deliver, on_failure=self._failed
        )

    def read_now(self) -> None:
        """Read here and now (an audit being opened shows its first item at once)."""
        self._asked += 1
        caller, ws = self._acting.caller(), self._acting.ws
        try:
            views, rollup = items.list_items(ws, caller), items.roll_up(ws, caller)
        except AuditappError as error:
            self._failed(error)
            return
        self._deliver(ChecklistRead(self._asked, views, rollup, None, None, opening=True))

    def _deliver(self, read: object) -> None:
        assert isinstance(read, ChecklistRead)
        if read.generation == self._asked:  # else a newer read is on its way
            self._show(read)
