"""Redaction of one compose file, before merging, so each finding names the file that holds it.

Every environment value becomes the marker; labels, build args, commands and any other
string lose only what looks secret. Findings carry a location and a name, never a value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from auditapp.evidence.compose_yaml import Override, Reset
from auditapp.evidence.redaction import (
    REDACTED,
    SecretFinding,
    looks_secret,
    redact_argv,
    redact_command,
)

MIN_SCRUBBED_LENGTH = 4
_COMMANDS = ("command", "entrypoint")
_LABELS = ("labels", "annotations")


def hardcoded_secrets(data: Mapping[str, Any]) -> dict[str, str]:
    """Secret-looking environment values written in a file (value → variable name).

    They are scrubbed from commands and health checks too, where `-p$PASSWORD`-style
    spellings defeat pattern matching. Short values are left out: replacing `dev` or `1`
    everywhere would damage the evidence more than it protects.
    """
    found: dict[str, str] = {}
    for service in _services(data).values():
        service = _plain(service)
        environment = _plain(service.get("environment")) if isinstance(service, dict) else None
        if not isinstance(environment, dict):
            continue
        for name, value in environment.items():
            long_enough = isinstance(value, str) and len(value) >= MIN_SCRUBBED_LENGTH
            if long_enough and looks_secret(name, value):
                found[value] = name
    return found


class FileRedactor:
    """Redacts one shaped file; `findings` lists what it replaced."""

    def __init__(self, origin: str, hardcoded: Mapping[str, str]) -> None:
        self.origin = origin
        self.hardcoded = dict(hardcoded)
        # indexed by their first characters, so scrubbing stays linear in the text
        self._by_prefix: dict[str, list[str]] = {}
        for secret in sorted(hardcoded, key=len, reverse=True):
            self._by_prefix.setdefault(secret[:MIN_SCRUBBED_LENGTH], []).append(secret)
        self.findings: list[SecretFinding] = []

    def redact(self, data: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in data.items():
            if key == "services" and isinstance(value, dict):
                result[key] = {
                    name: _through(service, name, self._service) for name, service in value.items()
                }
            else:
                result[key] = self._generic(value, key)
        return result

    def _service(self, service: Any, name: str) -> Any:
        if not isinstance(service, dict):
            return service
        result: dict[str, Any] = {}
        for key, value in service.items():
            path = f"services.{name}.{key}"
            if key == "environment":
                result[key] = _through(value, path, self._environment)
            elif key in _LABELS:
                result[key] = _through(value, path, self._label)
            elif key in _COMMANDS:
                result[key] = _through(value, path, self._command)
            elif key == "healthcheck" and isinstance(value, dict):
                result[key] = {
                    k: self._command(v, f"{path}.{k}") if k == "test" else self._generic(v, path)
                    for k, v in value.items()
                }
            elif key == "build" and isinstance(value, dict):
                result[key] = {
                    k: self._labels(v, f"{path}.args", "build-arg")
                    if k == "args" and isinstance(v, dict)
                    else self._generic(v, f"{path}.{k}")
                    for k, v in value.items()
                }
            else:
                result[key] = self._generic(value, path)
        return result

    def _environment(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            return value
        result: dict[str, Any] = {}
        for name, item in value.items():
            if item is None or isinstance(item, Reset):
                result[name] = item
                continue
            if looks_secret(name, str(item)):
                self._found(f"{path}.{name}", name, "environment")
            result[name] = REDACTED
        return result

    def _label(self, value: Any, path: str) -> Any:
        return self._labels(value, path, "label")

    def _labels(self, value: Any, path: str, kind: str) -> Any:
        if not isinstance(value, dict):
            return value
        result: dict[str, Any] = {}
        for name, item in value.items():
            if isinstance(item, str) and looks_secret(name, item):
                self._found(f"{path}.{name}", name, kind)
                result[name] = REDACTED
            else:
                result[name] = item
        return result

    def _command(self, value: Any, path: str) -> Any:
        if isinstance(value, str):
            text, found = redact_command(self._scrub(value, path))
        elif isinstance(value, list):
            words, found = redact_argv([self._scrub(str(word), path) for word in value])
            return self._report(words, found, path, "command")
        else:
            return value
        return self._report(text, found, path, "command")

    def _generic(self, value: Any, path: str) -> Any:
        if isinstance(value, str):
            # no entropy test here: image names and paths are long mixed-case words
            text, found = redact_command(value, entropy=False)
            return self._report(text, found, path, "value")
        if isinstance(value, dict):
            return {key: self._generic(item, f"{path}.{key}") for key, item in value.items()}
        if isinstance(value, list):
            return [self._generic(item, f"{path}[{i}]") for i, item in enumerate(value)]
        if isinstance(value, Override):
            return Override(self._generic(value.value, path))
        return value

    def _scrub(self, text: str, path: str) -> str:
        """Replace every hard-coded secret value found in `text`, longest first."""
        if not self._by_prefix:
            return text
        parts: list[str] = []
        start = i = 0
        while i <= len(text) - MIN_SCRUBBED_LENGTH:
            candidates = self._by_prefix.get(text[i : i + MIN_SCRUBBED_LENGTH], ())
            secret = next((s for s in candidates if text.startswith(s, i)), None)
            if secret is None:
                i += 1
                continue
            parts += [text[start:i], REDACTED]
            self._found(path, self.hardcoded[secret], "command")
            i = start = i + len(secret)
        return "".join(parts) + text[start:] if parts else text

    def _report(self, value: Any, found: list[str], path: str, kind: str) -> Any:
        for name in found:
            self._found(path, name, kind)
        return value

    def _found(self, path: str, name: str, kind: str) -> None:
        self.findings.append(
            SecretFinding(location=f"compose:{self.origin}:{path}", name=name, kind=kind)
        )


def _through(value: Any, path: str, redact: Callable[[Any, str], Any]) -> Any:
    """Apply `redact` inside an `!override` wrapper as well."""
    if isinstance(value, Override):
        return Override(redact(value.value, path))
    return redact(value, path)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Override) else value


def _services(data: Mapping[str, Any]) -> dict[str, Any]:
    services = data.get("services")
    return services if isinstance(services, dict) else {}
