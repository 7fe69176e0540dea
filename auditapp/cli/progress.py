"""A progress line on the terminal (stderr), silent when stderr is not a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class TerminalProgress:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._live = self._stream.isatty()
        self._label = ""
        self._total: int | None = None
        self._done = 0
        self._drawn = 0.0

    def start(self, label: str, total: int | None = None) -> None:
        self._label, self._total, self._done = label, total, 0
        self._draw(force=True)

    def advance(self, steps: int = 1) -> None:
        self._done += steps
        self._draw()

    def message(self, text: str) -> None:
        self._clear()
        print(f"auditapp: {text}", file=self._stream)

    def cancelled(self) -> bool:
        return False  # Ctrl-C arrives as KeyboardInterrupt; nothing is stored before the end

    def finish(self) -> None:
        self._clear()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self._live or (not force and now - self._drawn < 0.1):
            return
        self._drawn = now
        if self._total:
            share = min(1.0, self._done / self._total)
            bar = "#" * int(share * 30)
            text = f"{self._label[:40]:<40} [{bar:<30}] {self._done}/{self._total}"
        else:
            text = f"{self._label[:40]:<40} {self._done or ''}"
        self._stream.write("\r" + text[:100].ljust(100))
        self._stream.flush()

    def _clear(self) -> None:
        if self._live:
            self._stream.write("\r" + " " * 100 + "\r")
            self._stream.flush()
