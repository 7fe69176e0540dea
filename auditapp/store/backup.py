"""Consistent copies of an SQLite database with SQLite's online backup API."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def backup_sqlite(source: Path, destination: Path) -> Path:
    """Copy `source` to `destination` page by page while other connections may be writing."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(destination)) as dst,
    ):
        src.backup(dst)
    return destination
