"""Credentials left in image layers: private keys and well-known credential files.

Only the path and the kind are reported; the content never leaves this module.
"""

from __future__ import annotations

import re

from auditapp.catalog.interface import (
    CatalogResult,
    ImageFiles,
    OsRelease,
    PathInterest,
    ReadPlan,
    SecretFile,
)

MAX_BYTES = 1024 * 1024

# file names (or path endings) that are credentials whatever they contain, and their kind
_NAMED = {
    ".aws/credentials": "cloud credentials",
    ".docker/config.json": "registry credentials",
    ".git-credentials": "source control credentials",
    ".netrc": "network credentials",
    ".pgpass": "database credentials",
    ".npmrc": "package registry credentials",
    ".pypirc": "package registry credentials",
    ".config/gcloud/credentials.db": "cloud credentials",
    ".kube/config": "cluster credentials",
}
_KEY_FILES = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")
_KEY_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks")
_NAMED_ENDINGS = tuple(_NAMED)
_PLAN = ReadPlan(MAX_BYTES)
_PRIVATE_KEY = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY-----")
_AUTH_VALUE = re.compile(
    rb'"auth"\s*:\s*"[A-Za-z0-9+/=]{8,}"|_authToken\s*=\s*\S{8,}|'
    rb"password\s*[=:]\s*\S+|aws_secret_access_key\s*=\s*\S+",
    re.IGNORECASE,
)
_SKIP_PREFIXES = ("usr/share/", "usr/lib/python", "usr/local/lib/python", "etc/ssl/certs/")


class SecretFileScanner:
    name = "secrets"
    interest = PathInterest(suffixes=(*_NAMED_ENDINGS, *_KEY_SUFFIXES, *_KEY_FILES))

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        """Called for every file of every layer: plain string tests only."""
        if path.endswith(_NAMED_ENDINGS):
            return _PLAN
        if path.endswith(_KEY_SUFFIXES) or path.rpartition("/")[2] in _KEY_FILES:
            return None if path.startswith(_SKIP_PREFIXES) else _PLAN
        return None

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        found: list[SecretFile] = []
        for info in files.planned():
            if self.plan(info.path, info.size, info.mode) is None:
                continue  # planned by another cataloger
            data = files.read(info.path)
            if data is None:
                continue
            if _PRIVATE_KEY.search(data):
                found.append(SecretFile(info.path, "private key", info.layer))
                continue
            for ending, kind in _NAMED.items():
                if info.path.endswith(ending) and _AUTH_VALUE.search(data):
                    found.append(SecretFile(info.path, kind, info.layer))
                    break
        return CatalogResult(secrets=tuple(found))
