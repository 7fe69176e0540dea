"""Variable interpolation as docker compose does it, and the `.env` file it reads variables from.

`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
`${VAR:+alt}`, `${VAR+alt}` and `$$`; defaults, errors and alternatives may nest further
`${...}`. Messages never quote a value: interpolated strings may hold secrets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditapp.evidence.compose_yaml import Override
from auditapp.evidence.errors import EvidenceError
from auditapp.evidence.redaction import REDACTED, SecretFinding, looks_secret

MAX_ENV_FILE_BYTES = 1024 * 1024
MAX_NESTING = 16

_NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(?P<rest>.*)$")


class InterpolationError(Exception):
    """Raised inside the interpolator; turned into EvidenceError with the file and path."""


@dataclass
class Variables:
    """Where values come from: the shell environment first, then the env file (compose's order).

    Collects the variables that were unset, and a finding for each secret-looking variable
    interpolated outside `environment:`, where its value is replaced by the marker at once.
    """

    environ: Mapping[str, str]
    env_file: Mapping[str, str] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)
    findings: list[SecretFinding] = field(default_factory=list)

    def lookup(self, name: str) -> str | None:
        if name in self.environ:
            return self.environ[name]
        return self.env_file.get(name)


KeyPath = tuple[str | int, ...]


def display_path(path: KeyPath) -> str:
    """`("services", "web", "ports", 0)` → `services.web.ports[0]`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def interpolate_tree(data: Any, variables: Variables, origin: str) -> Any:
    """A copy of `data` with every string value (not key) interpolated."""
    return _walk(data, variables, origin, ())


def _walk(value: Any, variables: Variables, origin: str, path: KeyPath) -> Any:
    if isinstance(value, str):
        return _interpolate_at(value, variables, origin, path)
    if isinstance(value, dict):
        return {
            key: _walk(item, variables, origin, (*path, str(key))) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_walk(item, variables, origin, (*path, i)) for i, item in enumerate(value)]
    if isinstance(value, Override):
        return Override(_walk(value.value, variables, origin, path))
    return value


def _interpolate_at(text: str, variables: Variables, origin: str, path: KeyPath) -> str:
    where = display_path(path)
    # environment values are all redacted later, and their findings need the real value
    in_environment = len(path) >= 3 and path[0] == "services" and path[2] == "environment"

    def on_value(name: str, value: str) -> str:
        if in_environment or not value or not looks_secret(name, value):
            return value
        variables.findings.append(
            SecretFinding(location=f"compose:{origin}:{where}", name=name, kind="interpolated")
        )
        return REDACTED

    try:
        return interpolate(text, variables.lookup, variables.unset.append, on_value)
    except InterpolationError as error:
        raise EvidenceError(
            f"compose file {origin} at {where}: {error}",
            hint="write $$ for a literal $" if "invalid" in str(error) else None,
        ) from None


def _keep(name: str, value: str) -> str:
    return value


def interpolate(
    text: str,
    lookup: Callable[[str], str | None],
    on_unset: Callable[[str], None] = lambda name: None,
    on_value: Callable[[str, str], str] = _keep,
    *,
    depth: int = 0,
) -> str:
    """Expand one string. Unset variables become "" and are reported through `on_unset`;
    `on_value(name, value)` may replace what a variable expands to."""
    if "$" not in text:
        return text
    if depth > MAX_NESTING:
        raise InterpolationError(f"variables nested more than {MAX_NESTING} levels deep")
    out: list[str] = []
    i = 0
    while i < len(text):
        dollar = text.find("$", i)
        if dollar < 0:
            out.append(text[i:])
            break
        out.append(text[i:dollar])
        following = text[dollar + 1 : dollar + 2]
        if following == "$":
            out.append("$")
            i = dollar + 2
        elif following == "{":
            end = _closing_brace(text, dollar + 2)
            out.append(_braced(text[dollar + 2 : end], lookup, on_unset, on_value, depth))
            i = end + 1
        elif name := _NAME.match(text, dollar + 1):
            value = lookup(name.group(0))
            if value is None:
                on_unset(name.group(0))
            out.append(on_value(name.group(0), value or ""))
            i = name.end()
        else:
            raise InterpolationError("invalid interpolation format: a $ not followed by a name")
    return "".join(out)


def _braced(
    body: str,
    lookup: Callable[[str], str | None],
    on_unset: Callable[[str], None],
    on_value: Callable[[str, str], str],
    depth: int,
) -> str:
    name_match = _NAME.match(body)
    if name_match is None:
        raise InterpolationError("invalid interpolation format: ${...} without a variable name")
    name = name_match.group(0)
    rest = body[name_match.end() :]
    value = lookup(name)
    if not rest:
        if value is None:
            on_unset(name)
        return on_value(name, value or "")
    operator = next((op for op in _OPERATORS if rest.startswith(op)), None)
    if operator is None:
        raise InterpolationError(f"invalid interpolation format for variable {name}")
    word = rest[len(operator) :]
    missing = value is None or (operator.startswith(":") and value == "")

    def expand(part: str) -> str:
        return interpolate(part, lookup, on_unset, on_value, depth=depth + 1)

    if operator in (":-", "-"):
        return on_value(name, expand(word)) if missing else on_value(name, value or "")
    if operator in (":+", "+"):
        return "" if missing else expand(word)
    if missing:
        message = word.strip()  # as written: expanding it could quote a secret
        state = "is not set" if value is None else "is empty"
        detail = f": {message}" if message else ""
        raise InterpolationError(f"required variable {name} {state}{detail}")
    return on_value(name, value or "")


def _closing_brace(text: str, start: int) -> int:
    """The index of the `}` closing the `${` that ends just before `start`."""
    level = 1
    i = start
    while i < len(text):
        if text.startswith("$$", i):
            i += 2
            continue
        if text.startswith("${", i):
            level += 1
            i += 2
            continue
        if text[i] == "}":
            level -= 1
            if level == 0:
                return i
        i += 1
    raise InterpolationError("invalid interpolation format: ${ without a closing }")


def read_env_file(path: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """Parse a `.env` file the way compose does: `KEY=value`, `export KEY=value`, comments,
    single quotes literal, double quotes with escapes, `${VAR}` expanded from earlier lines
    and the environment. Messages name the line, never its value.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise EvidenceError(f"env file {path}: no such file") from None
    except OSError as error:
        raise EvidenceError(f"env file {path}: {error.strerror}") from error
    if len(raw) > MAX_ENV_FILE_BYTES:
        raise EvidenceError(f"env file {path}: over the cap of 1 MB for an env file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EvidenceError(f"env file {path}: not UTF-8 text") from None
    values: dict[str, str] = {}

    def lookup(name: str) -> str | None:
        return environ.get(name, values.get(name))

    lines = text.splitlines()
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match is None:
            raise EvidenceError(f"env file {path}: line {number} is not KEY=value")
        rest = match["rest"]
        if rest[:1] in ("'", '"') and rest.count(rest[0]) < 2:
            # a quoted value may continue over several lines
            while number < len(lines) and rest.count(rest[0]) < 2:
                rest += "\n" + lines[number]
                number += 1
        try:
            values[match["name"]] = _env_value(rest, lookup)
        except InterpolationError as error:
            raise EvidenceError(f"env file {path}: line {number}: {error}") from None
    return values


def _env_value(rest: str, lookup: Callable[[str], str | None]) -> str:
    if rest.startswith("'"):
        end = rest.find("'", 1)
        if end < 0:
            raise InterpolationError("a quoted value is not closed")
        return rest[1:end]
    if rest.startswith('"'):
        out: list[str] = []
        i = 1
        while i < len(rest):
            char = rest[i]
            if char == "\\" and i + 1 < len(rest):
                nxt = rest[i + 1]
                out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
                i += 2
                continue
            if char == '"':
                return interpolate("".join(out), lookup)
            out.append(char)
            i += 1
        raise InterpolationError("a quoted value is not closed")
    value = re.split(r"\s+#", rest, maxsplit=1)[0].strip()
    return interpolate(value, lookup)
