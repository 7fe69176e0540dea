"""`extends:`: a service built on another one, in the same file or in another file.

The base service is resolved first (it may extend another), then the extending service is
merged onto it with the same rules as `-f a -f b`. Paths inside the extended file are kept as
written, not rebased onto the extending file's folder.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditapp.evidence.compose_merge import merge_service, strip_markers
from auditapp.evidence.errors import EvidenceError

MAX_EXTENDS_DEPTH = 32


def extends_reference(origin: str, service: Mapping[str, Any]) -> tuple[str, str] | None:
    """(file, service) that `service` extends, or None; the file is `origin` itself when unnamed."""
    reference = service.get("extends")
    if reference is None:
        return None
    if isinstance(reference, str):
        return origin, reference
    if not isinstance(reference, dict) or not isinstance(reference.get("service"), str):
        raise EvidenceError(
            f"compose file {origin}: extends must name a service, as a string or as service:"
        )
    file = reference.get("file")
    if file is None:
        return origin, reference["service"]
    return sibling(origin, str(file)), reference["service"]


def sibling(origin: str, relative: str) -> str:
    """A path written in `origin`, resolved against that file's folder."""
    return os.path.normpath(Path(origin).parent / relative)


class ExtendsResolver:
    """Resolves `extends` across already shaped and redacted documents (origin → data)."""

    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self.documents = documents

    def resolve(self, origin: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """The document at `origin` with every extending service resolved, and for those
        services the files they were built from (base files first)."""
        data = dict(self.documents[origin])
        services = data.get("services")
        if not isinstance(services, dict):
            return data, {}
        resolved: dict[str, Any] = {}
        origins: dict[str, list[str]] = {}
        for name, service in services.items():
            if isinstance(service, dict) and "extends" in service:
                resolved[name], files = self._service(origin, name, ())
                origins[name] = files[:-1]
            else:
                resolved[name] = service
        data["services"] = resolved
        return data, origins

    def _service(
        self, origin: str, name: str, chain: tuple[tuple[str, str], ...]
    ) -> tuple[dict[str, Any], list[str]]:
        if (origin, name) in chain:
            path = " → ".join(f"{service} ({file})" for file, service in (*chain, (origin, name)))
            raise EvidenceError(f"compose extends loops back on itself: {path}")
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise EvidenceError(f"compose extends chain from {origin} is over {MAX_EXTENDS_DEPTH}")
        document = self.documents.get(origin)
        services = document.get("services") if document is not None else None
        service = services.get(name) if isinstance(services, dict) else None
        if not isinstance(service, dict):
            where = chain[-1] if chain else (origin, name)
            raise EvidenceError(
                f"compose file {where[0]}: service {where[1]} extends {name}, "
                f"which {origin} does not define"
            )
        reference = extends_reference(origin, service)
        own = {key: value for key, value in service.items() if key != "extends"}
        if reference is None:
            return strip_markers(copy.deepcopy(own)), [origin]
        base, files = self._service(*reference, (*chain, (origin, name)))
        return merge_service(base, own), [*files, origin]
