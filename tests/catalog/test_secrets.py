"""Credential files in layers: found by name and content, reported without their content."""

from __future__ import annotations

from auditapp.catalog.inventory import take_inventory
from auditapp.catalog.registry import default_catalogers, os_detector
from tests.catalog.layers import f, layer

KEY = (
    b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
    b"-----END OPENSSH PRIVATE KEY-----\n"
)


def _secrets(*entries):  # type: ignore[no-untyped-def]
    inventory = take_inventory([layer(list(entries))], default_catalogers(), os_detector())
    return sorted((s.path, s.kind) for s in inventory.secrets)


def test_private_keys_and_credential_files() -> None:
    assert _secrets(
        f("root/.ssh/id_rsa", KEY, mode=0o600),
        f("home/app/.ssh/id_ed25519", KEY, mode=0o755),  # executable: the Go cataloger's too
        f("app/.docker/config.json", '{"auths": {"r.example": {"auth": "dXNlcjpwYXNzd29yZA=="}}}'),
        f("app/.npmrc", "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnop"),
        f("etc/ssl/private/server.key", KEY),
    ) == [
        ("app/.docker/config.json", "registry credentials"),
        ("app/.npmrc", "package registry credentials"),
        ("etc/ssl/private/server.key", "private key"),
        ("home/app/.ssh/id_ed25519", "private key"),
        ("root/.ssh/id_rsa", "private key"),
    ]


def test_harmless_look_alikes() -> None:
    metadata = b"Metadata-Version: 2.1\nName: crypto\nVersion: 1\n\n" + KEY  # docs quoting a key
    assert (
        _secrets(
            f("usr/lib/python3/dist-packages/crypto-1.dist-info/METADATA", metadata),
            f("app/.npmrc", "registry=https://registry.npmjs.org/\n"),
            f("etc/ssl/certs/ca.pem", "-----BEGIN CERTIFICATE-----\n"),
            f("app/public.pem", "-----BEGIN PUBLIC KEY-----\n"),
        )
        == []
    )
