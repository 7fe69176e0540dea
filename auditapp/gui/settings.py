"""The application's settings, declared as data (the Settings dialog is generated from
`SETTINGS`), and typed access to them and to the window's remembered state through QSettings.

What a person sets here is a preference; `--db`, AUDITAPP_DB, AUDITAPP_MEMBER and
AUDITAPP_EVIDENCE_CAP_MB still win for the run that names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

from auditapp.errors import AuditappError
from auditapp.services import members
from auditapp.services.workspace import (
    DEFAULT_EVIDENCE_CAP,
    DEFAULT_MAX_AGE_DAYS,
    Caller,
    Settings,
    Workspace,
)

ORGANISATION = "auditapp"
APPLICATION = "auditapp"

Value = str | bool | int


class Kind(Enum):
    TEXT = "text"
    FLAG = "flag"
    NUMBER = "number"
    MEMBER = "member"  # a name, offered from the open audit's members


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    kind: Kind
    default: Value
    help: str
    minimum: int = 0
    maximum: int = 0
    suffix: str = ""
    placeholder: str = ""
    restart: bool = False  # read once at start-up: the dialog says so


DATABASE_URL = "database/url"
MEMBER = "identity/member"
ONLINE_SOURCES = "sources/online"
MAX_AGE_DAYS = "sources/max_age_days"
EVIDENCE_CAP_MB = "evidence/cap_mb"
MONITOR_INTERVAL = "monitor/interval_minutes"

SETTINGS: tuple[Setting, ...] = (
    Setting(
        DATABASE_URL,
        "&Database URL",
        Kind.TEXT,
        "",
        "The audit database: an SQLite file (sqlite:////home/me/audits.sqlite3) or a team's "
        "PostgreSQL server (postgresql://host/audits). Empty: the SQLite file in your user "
        "data folder. A password written here is stored in plain text; prefer ~/.pgpass.",
        placeholder="empty: the SQLite file in your user data folder",
        restart=True,
    ),
    Setting(
        MEMBER,
        "Act as &member",
        Kind.MEMBER,
        "",
        "Who you are when an audit opens, if that audit has a member of this name; otherwise "
        "the audit's default member. You can switch member at any time in the toolbar.",
        placeholder="the audit's default member",
    ),
    Setting(
        ONLINE_SOURCES,
        "&Online sources",
        Kind.FLAG,
        False,
        "Let the timed check since sign-off ask online sources first: the OSV API for newer "
        "vulnerability records and CISA's feed for its Known Exploited Vulnerabilities (KEV) "
        "catalogue. Off: it uses the data already stored (imported from files, or by "
        "`auditapp vulndb update` and `auditapp kev update`). Lifecycle and abandonment data "
        "are not fetched here: `auditapp lifecycle --refresh` does that.",
    ),
    Setting(
        MAX_AGE_DAYS,
        "Data &age limit",
        Kind.NUMBER,
        DEFAULT_MAX_AGE_DAYS,
        "Vulnerability data older than this is flagged as stale in the Dependencies view.",
        minimum=1,
        maximum=365,
        suffix=" days",
    ),
    Setting(
        EVIDENCE_CAP_MB,
        "&Evidence cap",
        Kind.NUMBER,
        DEFAULT_EVIDENCE_CAP // (1024 * 1024),
        "The largest file stored as evidence; larger files are refused with their size.",
        minimum=1,
        maximum=100_000,
        suffix=" MB",
    ),
    Setting(
        MONITOR_INTERVAL,
        "Check since sign-off e&very",
        Kind.NUMBER,
        60,
        "While the window is open, check a signed-off audit against its baseline this often "
        "and notify when something new turns up (0: never; `auditapp monitor` on a timer "
        "checks when the window is closed).",
        minimum=0,
        maximum=24 * 60,
        suffix=" minutes",
    ),
)

_BY_KEY = {s.key: s for s in SETTINGS}


class SettingsStore(Protocol):
    """What Preferences needs of QSettings (so a test or a window without one can use a dict)."""

    def value(self, key: str, defaultValue: object = None) -> object: ...

    def setValue(self, key: str, value: object) -> None: ...

    def remove(self, key: str) -> None: ...

    def sync(self) -> None: ...


class MemoryStore:
    """Settings that live as long as the object: for windows built without the user's."""

    def __init__(self) -> None:
        self._values: dict[str, object] = {}

    def value(self, key: str, defaultValue: object = None) -> object:
        return self._values.get(key, defaultValue)

    def setValue(self, key: str, value: object) -> None:
        self._values[key] = value

    def remove(self, key: str) -> None:
        self._values.pop(key, None)

    def sync(self) -> None:
        pass


class Preferences:
    """Typed reading and writing of SETTINGS, and the window's geometry and layout."""

    def __init__(self, store: SettingsStore | None = None) -> None:
        self.store: SettingsStore = store if store is not None else MemoryStore()

    @classmethod
    def for_user(cls) -> Preferences:
        """The person's own settings (the platform's usual place: ~/.config on Linux)."""
        return cls(QSettings(QSettings.Scope.UserScope, ORGANISATION, APPLICATION))

    @classmethod
    def in_file(cls, path: str) -> Preferences:
        return cls(QSettings(path, QSettings.Format.IniFormat))

    # -- the declared settings ---------------------------------------------------------------

    def value(self, key: str) -> Value:
        """The stored value coerced to the setting's kind; the default if unset or unreadable."""
        setting = _BY_KEY[key]
        raw = self.store.value(key, setting.default)
        if setting.kind is Kind.FLAG:
            if isinstance(raw, str):  # INI files and some backends give strings back
                return raw.strip().lower() in ("1", "true", "yes", "on")
            return bool(raw)
        if setting.kind is Kind.NUMBER:
            try:
                number = int(str(raw).strip())
            except ValueError:
                return setting.default
            return min(max(number, setting.minimum), setting.maximum)
        return str(raw or "").strip()

    def set_value(self, key: str, value: Value) -> None:
        setting = _BY_KEY[key]
        if value == setting.default:
            self.store.remove(key)  # unset follows the default if it changes later
        else:
            self.store.setValue(key, value)

    def text(self, key: str) -> str:
        return str(self.value(key))

    def flag(self, key: str) -> bool:
        return bool(self.value(key))

    def number(self, key: str) -> int:
        value = self.value(key)
        return value if isinstance(value, int) else int(str(value))

    @property
    def database_url(self) -> str | None:
        return self.text(DATABASE_URL) or None

    @property
    def member(self) -> str | None:
        return self.text(MEMBER) or None

    @property
    def online_sources(self) -> bool:
        return self.flag(ONLINE_SOURCES)

    @property
    def max_age_days(self) -> int:
        return self.number(MAX_AGE_DAYS)

    def preferred_member(self, ws: Workspace, audit: str) -> str | None:
        """The member named here, if `audit` has a member of that name."""
        wanted = self.member
        if wanted is None:
            return None
        try:
            found = members.list_members(ws, Caller(audit=audit))
        except AuditappError:
            return None
        return wanted if any(m.name == wanted for m in found) else None

    def workspace_settings(self, environ: Mapping[str, str]) -> Settings:
        """The use cases' Settings: AUDITAPP_EVIDENCE_CAP_MB, when set, wins over the dialog."""
        cap = {"AUDITAPP_EVIDENCE_CAP_MB": str(self.number(EVIDENCE_CAP_MB))}
        return Settings.from_environment({**cap, **environ})

    def sync(self) -> None:
        self.store.sync()

    # -- the window --------------------------------------------------------------------------

    def save_window(self, window: QMainWindow, splitters: Mapping[str, QSplitter]) -> None:
        self.store.setValue("window/geometry", window.saveGeometry())
        self.store.setValue("window/state", window.saveState())
        for name, splitter in splitters.items():
            self.store.setValue(f"window/splitter/{name}", splitter.saveState())
        self.store.sync()

    def restore_window(self, window: QMainWindow, splitters: Mapping[str, QSplitter]) -> bool:
        """Put the window back where and as it was; False when nothing was remembered."""
        geometry = self.store.value("window/geometry")
        if not isinstance(geometry, QByteArray) or not window.restoreGeometry(geometry):
            return False
        state = self.store.value("window/state")
        if isinstance(state, QByteArray):
            window.restoreState(state)
        for name, splitter in splitters.items():
            sizes = self.store.value(f"window/splitter/{name}")
            if isinstance(sizes, QByteArray):
                splitter.restoreState(sizes)
        return True


def setting(key: str) -> Setting:
    return _BY_KEY[key]
