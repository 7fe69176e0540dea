"""Reading one compose file: size cap, UTF-8, safe YAML with YAML 1.2 scalars, a node budget.

The loader reads scalars the way docker compose (go-yaml, YAML 1.2) does: `22:22` stays a
string (YAML 1.1 would make it the number 1342), `yes`/`on` stay strings, dates stay
strings. Only the compose tags `!reset` and `!override` are accepted; any other tag is refused.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditapp.evidence.errors import EvidenceError, EvidenceTooLargeError

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_NODES = 1_000_000
MAX_DEPTH = 100


class Reset:
    """`!reset`: remove this key from what earlier files said."""

    def __repr__(self) -> str:
        return "!reset"


RESET = Reset()


@dataclass(frozen=True)
class Override:
    """`!override value`: replace what earlier files said instead of merging into it."""

    value: Any


@dataclass(frozen=True)
class ComposeSource:
    """One compose file as read: its path, the SHA-256 of its bytes, and its parsed top level."""

    path: Path
    sha256: str
    data: dict[str, Any]


_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ComposeLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader with YAML 1.2 core scalars, duplicate-key refusal and the compose tags."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: set[tuple[str, str]] = set()
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"key {key_node.value!r} is defined twice",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def _core_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits.startswith("0o"):
        return sign * int(digits[2:], 8)
    if digits.startswith("0x"):
        return sign * int(digits[2:], 16)
    return sign * int(digits, 10)


def _reset(loader: yaml.SafeLoader, node: yaml.Node) -> Reset:
    return RESET


def _override(loader: yaml.SafeLoader, node: yaml.Node) -> Override:
    if isinstance(node, yaml.MappingNode):
        return Override(loader.construct_mapping(node, deep=True))
    if isinstance(node, yaml.SequenceNode):
        return Override(loader.construct_sequence(node, deep=True))
    return Override(loader.construct_scalar(node))  # type: ignore[arg-type]


def _unknown_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
    raise yaml.constructor.ConstructorError(
        None, None, f"the YAML tag {node.tag!r} is not allowed in a compose file", node.start_mark
    )


_YAML11_ONLY = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:value",
}
_ComposeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _YAML11_ONLY]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ComposeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_ComposeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_ComposeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_ComposeLoader.yaml_constructors = dict(yaml.SafeLoader.yaml_constructors)
_ComposeLoader.yaml_constructors.pop("tag:yaml.org,2002:timestamp", None)
_ComposeLoader.yaml_constructors.pop("tag:yaml.org,2002:binary", None)
_ComposeLoader.yaml_constructors.pop("tag:yaml.org,2002:omap", None)
_ComposeLoader.yaml_constructors.pop("tag:yaml.org,2002:pairs", None)
_ComposeLoader.yaml_constructors.pop("tag:yaml.org,2002:set", None)
_ComposeLoader.yaml_constructors.pop(None, None)
_ComposeLoader.add_constructor("tag:yaml.org,2002:int", _core_int)
_ComposeLoader.add_constructor("!reset", _reset)
_ComposeLoader.add_constructor("!override", _override)
_ComposeLoader.yaml_multi_constructors = {"": _unknown_tag}


def read_compose_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> ComposeSource:
    """Read and parse one compose file; every refusal names the file and the problem."""
    raw = _read_capped(path, max_bytes)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise EvidenceError(
            f"compose file {path}: not UTF-8 text (byte 0x{raw[error.start]:02x} "
            f"at offset {error.start})"
        ) from None
    data = parse_yaml(text, str(path))
    if data is None:
        raise EvidenceError(f"compose file {path}: the file is empty")
    if not isinstance(data, dict):
        raise EvidenceError(
            f"compose file {path}: the top level is {_kind(data)}, not a mapping of keys "
            "such as services:"
        )
    check_budget(data, str(path))
    return ComposeSource(path=path, sha256=digest, data=data)


def parse_yaml(text: str, origin: str) -> Any:
    """`yaml.load` with the compose loader, YAML errors turned into EvidenceError.

    The message carries YAML's problem and line but never the offending text (it may be a secret).
    """
    try:
        return yaml.load(text, Loader=_ComposeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "invalid YAML"
        raise EvidenceError(f"compose file {origin}: not valid YAML{where}: {problem}") from None
    except yaml.reader.ReaderError as error:
        raise EvidenceError(
            f"compose file {origin}: not valid YAML: unacceptable character "
            f"#x{error.character:04x} at offset {error.position}"
        ) from None
    except yaml.YAMLError as error:
        raise EvidenceError(
            f"compose file {origin}: not valid YAML: {type(error).__name__}"
        ) from None
    except RecursionError:
        raise EvidenceError(
            f"compose file {origin}: nested too deeply to be a compose file"
        ) from None


def check_budget(data: Any, origin: str, *, max_nodes: int = MAX_NODES) -> None:
    """Refuse documents whose aliases expand past `max_nodes` values or `MAX_DEPTH` levels.

    PyYAML shares one object for every use of an alias, so a billion-laughs file loads quickly;
    it explodes later, in whatever walks it. Sizes are counted with aliases expanded, each
    shared object once (memoised by identity), so the check itself stays linear.
    """
    sizes: dict[int, tuple[int, int]] = {}
    active: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        value, done = stack.pop()
        children = _children(value)
        if children is None:
            continue
        key = id(value)
        if done:
            active.discard(key)
            size, depth = 1, 1
            for child in children:
                child_size, child_depth = sizes.get(id(child), (1, 0))
                size += child_size
                depth = max(depth, child_depth + 1)
            if size > max_nodes:
                raise EvidenceError(
                    f"compose file {origin}: too many nodes (YAML alias bomb?): over "
                    f"{max_nodes:,} values once aliases are expanded"
                )
            if depth > MAX_DEPTH:
                raise EvidenceError(
                    f"compose file {origin}: nested more than {MAX_DEPTH} levels deep"
                )
            sizes[key] = (size, depth)
            continue
        if key in sizes:
            continue
        if key in active:
            raise EvidenceError(f"compose file {origin}: a YAML alias refers to itself")
        active.add(key)
        stack.append((value, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _children(value: Any) -> list[Any] | None:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, list):
        return value
    if isinstance(value, Override):
        return [value.value]
    return None


def _read_capped(path: Path, max_bytes: int) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise EvidenceError(f"compose file {path}: no such file") from None
    except IsADirectoryError:
        raise EvidenceError(f"compose file {path}: it is a folder, not a file") from None
    except OSError as error:
        raise EvidenceError(f"compose file {path}: {error.strerror}") from error
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise EvidenceError(f"compose file {path}: it is {what}")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > max_bytes:
            raise _too_large(path, info.st_size, max_bytes)
        try:
            raw = handle.read(max_bytes + 1)
        except OSError as error:
            raise EvidenceError(f"compose file {path}: {error.strerror}") from error
    if len(raw) > max_bytes:  # it grew while we read it
        raise _too_large(path, len(raw), max_bytes)
    return raw


def _too_large(path: Path, size: int, cap: int) -> EvidenceTooLargeError:
    return EvidenceTooLargeError(
        f"compose file {path}: {size / (1024 * 1024):.1f} MB is over the cap of "
        f"{cap / (1024 * 1024):.0f} MB for a compose file",
        hint="a compose file this large is almost certainly not one; check the path",
    )


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"
