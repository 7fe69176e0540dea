"""Secret redaction shared by every evidence source: keep the name, replace the value.

A `SecretFinding` says where a secret-looking value was and why; it never holds the value.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

REDACTED = "<redacted>"


@dataclass(frozen=True, order=True)
class SecretFinding:
    """A secret-looking value at `location` (a path such as `compose:<file>:services.db...`)."""

    location: str
    name: str
    kind: str


# Substrings of a normalised name (upper case, separators removed) that mark a secret.
_SECRET_WORDS = (
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "ACCESSKEY",
    "PRIVATEKEY",
    "CREDENTIAL",
    "CONNECTIONSTRING",
)
# Whole segments only: as substrings these would match AUTHOR, PASSTHROUGH, OLDPWD...
_SECRET_SEGMENTS = frozenset(
    {
        "AUTH",
        "AUTHORIZATION",
        "DSN",
        "PWD",
        "PASS",
        "CREDS",
        "SALT",
        "ENCRYPTION_KEY",
        "SIGNING_KEY",
        "MASTER_KEY",
        "SESSION_KEY",
        "SSH_KEY",
    }
)
# A last segment that makes the variable describe a secret rather than hold one
# (TOKEN_TTL, PASSWORD_FILE, AUTH_ENABLED, SECRETS_DIR, DB_PASSWORD_MIN_LENGTH).
_METADATA_SUFFIXES = frozenset(
    {
        "FILE",
        "PATH",
        "DIR",
        "URL",
        "URI",
        "HOST",
        "PORT",
        "USER",
        "USERNAME",
        "ID",
        "TTL",
        "TIMEOUT",
        "EXPIRY",
        "EXPIRES",
        "LIFETIME",
        "LENGTH",
        "ENABLED",
        "DISABLED",
        "REQUIRED",
        "TYPE",
        "MODE",
        "METHOD",
        "ALGORITHM",
        "ISSUER",
        "AUDIENCE",
        "HEADER",
        "ENDPOINT",
        "PROVIDER",
        "NAME",
        "ENCRYPTION",
        "POLICY",
        "ROTATION",
    }
)
_NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD"})
_TRIVIAL_VALUES = frozenset(
    {"", "true", "false", "yes", "no", "on", "off", "none", "null", "nil", REDACTED.lower()}
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
_REFERENCE = re.compile(r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)")
_PATH_LIKE = re.compile(r"(?:/|\./|\.\./|~/)\S*")

URL_CREDENTIALS = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^\s/@:\"']*):(?P<password>[^\s/@\"']+)@"
)
_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private-key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("aws-access-key-id", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("stripe-key", re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")),
)
_TOKENISH = re.compile(r"[A-Za-z0-9+/=_-]{24,}")
_HIGH_ENTROPY_BITS = 4.2


def normalise_name(name: str) -> str:
    """`dbPassword`, `db-password`, `DB.PASSWORD` all become `DB_PASSWORD`."""
    return _SEPARATORS.sub("_", _CAMEL.sub("_", name)).strip("_").upper()


def secret_name(name: str) -> bool:
    """Whether a variable, flag or label name says it holds a secret."""
    normal = normalise_name(name)
    if not normal or normal in _NOT_SECRET_NAMES:
        return False
    segments = normal.split("_")
    if len(segments) > 1 and segments[-1] in _METADATA_SUFFIXES:
        return False
    squashed = normal.replace("_", "")
    if any(word in squashed for word in _SECRET_WORDS):
        return True
    if any(segment in _SECRET_SEGMENTS for segment in segments):
        return True
    pairs = {f"{a}_{b}" for a, b in itertools.pairwise(segments)}
    return bool(pairs & _SECRET_SEGMENTS)


def secret_value_kind(value: str) -> str | None:
    """The kind of secret a value is shaped like, whatever its name; None when it is not."""
    if URL_CREDENTIALS.search(value) and _url_password_is_real(value):
        return "url-credentials"
    for kind, pattern in _VALUE_PATTERNS:
        if pattern.search(value):
            return kind
    for token in _TOKENISH.findall(value):
        if _high_entropy(token):
            return "high-entropy"
    return None


def looks_secret(name: str, value: str) -> bool:
    """Whether `value`, stored under `name`, should be treated as a secret.

    The name counts only when the value could hold a secret: empty values, booleans,
    `$VAR` references and file paths (`/run/secrets/db`) under a secret name are not secrets.
    """
    if secret_value_kind(value) is not None:
        return True
    return secret_name(name) and _could_be_secret(value)


def redact_env_list(
    entries: Sequence[str], *, all_values: bool = False
) -> tuple[list[str], list[str]]:
    """Redact `NAME=value` entries (docker inspect's Config.Env); return them and the names hit.

    With `all_values`, every value is replaced, but only secret-looking ones are named.
    """
    redacted: list[str] = []
    names: list[str] = []
    for entry in entries:
        name, sep, value = entry.partition("=")
        if not sep:
            redacted.append(entry)
            continue
        secret = looks_secret(name, value)
        if secret:
            names.append(name)
        redacted.append(f"{name}={REDACTED}" if secret or all_values else entry)
    return redacted, names


def redact_mapping(
    mapping: Mapping[str, object], *, all_values: bool = False
) -> tuple[dict[str, object], list[str]]:
    """Redact a name → value mapping (labels, environment); return it and the names hit.

    Values that are not strings are compared as text; None stays None (no value given).
    """
    redacted: dict[str, object] = {}
    names: list[str] = []
    for name, value in mapping.items():
        if value is None:
            redacted[name] = None
            continue
        secret = looks_secret(name, _as_text(value))
        if secret:
            names.append(name)
        redacted[name] = REDACTED if secret or all_values else value
    return redacted, names


_LEAD = r"(?P<lead>^|[\s\"'(;&|,?])"
_VALUE = r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s\"';&|]+)"
_ASSIGNMENT = re.compile(_LEAD + r"(?P<key>-{0,2}[A-Za-z_][\w.-]*)=" + _VALUE)
_SPACED_FLAG = re.compile(
    _LEAD + r"(?P<key>--?[A-Za-z][\w.-]*)(?P<gap>[ \t]+)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s\"';&|-][^\s\"';&|]*)"
)


def redact_command(text: str, *, entropy: bool = True) -> tuple[str, list[str]]:
    """Redact secrets in a command line or a Dockerfile history line; return it and what was hit.

    Handles `KEY=value` (also `-Dkey=value`, `--flag=value`), `--flag value` where the flag
    name looks secret, URLs with credentials, and values shaped like tokens or keys.
    Short flags (`mysql -p secret`) are too ambiguous to guess at and are left alone.
    `entropy=False` skips the random-looking-token test, for fields such as image names.
    """
    found: list[str] = []

    def assignment(match: re.Match[str]) -> str:
        key = match["key"].lstrip("-")
        value = _unquote(match["value"])
        if not looks_secret(key, value):
            return match.group(0)
        found.append(key)
        return f"{match['lead']}{match['key']}={_requote(match['value'])}"

    def spaced(match: re.Match[str]) -> str:
        key = match["key"].lstrip("-")
        value = _unquote(match["value"])
        if not (secret_name(key) and _could_be_secret(value)):
            return match.group(0)
        found.append(key)
        return f"{match['lead']}{match['key']}{match['gap']}{_requote(match['value'])}"

    text = _ASSIGNMENT.sub(assignment, text)
    text = _SPACED_FLAG.sub(spaced, text)
    text, url_hits = redact_url_credentials(text)
    found.extend(["url-credentials"] * url_hits)
    for kind, pattern in _VALUE_PATTERNS:
        text, hits = pattern.subn(REDACTED, text)
        found.extend([kind] * hits)

    def random_token(match: re.Match[str]) -> str:
        if not _high_entropy(match.group(0)):
            return match.group(0)
        found.append("high-entropy")
        return REDACTED

    if entropy:
        text = _TOKENISH.sub(random_token, text)
    return text, found


def redact_argv(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Redact an exec-form command (`["app", "--password", "x"]`): each word, and the word
    after a secret-named flag."""
    redacted: list[str] = []
    found: list[str] = []
    secret_flag: str | None = None
    for word in argv:
        if secret_flag is not None and not word.startswith("-") and _could_be_secret(word):
            redacted.append(REDACTED)
            found.append(secret_flag)
            secret_flag = None
            continue
        secret_flag = None
        clean, hits = redact_command(word)
        redacted.append(clean)
        found.extend(hits)
        if word.startswith("-") and "=" not in word and secret_name(word.lstrip("-")):
            secret_flag = word.lstrip("-")
    return redacted, found


def redact_url_credentials(text: str) -> tuple[str, int]:
    """Replace the password in `scheme://user:password@host` with the marker."""
    hits = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal hits
        if not _url_password_is_real(match.group(0)):
            return match.group(0)
        hits += 1
        return f"{match['scheme']}{match['user']}:{REDACTED}@"

    return URL_CREDENTIALS.sub(replace, text), hits


def _url_password_is_real(text: str) -> bool:
    match = URL_CREDENTIALS.search(text)
    while match:
        password = match["password"]
        if password != REDACTED and not _REFERENCE.fullmatch(password):
            return True
        match = URL_CREDENTIALS.search(text, match.end())
    return False


def _could_be_secret(value: str) -> bool:
    stripped = value.strip()
    if stripped.lower() in _TRIVIAL_VALUES or REDACTED in stripped:
        return False
    if _REFERENCE.fullmatch(stripped):
        return False
    return not _PATH_LIKE.fullmatch(stripped)


def _high_entropy(token: str) -> bool:
    """Random-looking: long, mixed character classes, and many distinct symbols."""
    if token.startswith("/") or len(token) < 24:
        return False
    parts = token.split("/")
    if len(parts) > 1 and max(map(len, parts)) < 20 and "-" in token:
        return False  # an image name or a path (base64 has / but not -)
    # at least two of each class: hex digests, UUIDs and CamelCase names have not
    lower = sum(c.islower() for c in token)
    upper = sum(c.isupper() for c in token)
    digits = sum(c.isdigit() for c in token)
    if min(lower, upper, digits) < 2:
        return False
    counts = Counter(token)
    bits = -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())
    return bits >= _HIGH_ENTROPY_BITS


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _requote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return f"{value[0]}{REDACTED}{value[0]}"
    return REDACTED
