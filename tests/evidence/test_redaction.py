"""Secret redaction shared by the evidence sources: names kept, values replaced, never stored."""

from __future__ import annotations

import dataclasses

import pytest

from auditapp.evidence.redaction import (
    REDACTED,
    SecretFinding,
    looks_secret,
    redact_argv,
    redact_command,
    redact_env_list,
    redact_mapping,
    secret_name,
    secret_value_kind,
)

# Test tokens are assembled at run time so that secret scanners do not flag this file.
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
SLACK = "xoxb-" + "1234567890-0987654321-AbCdEfGhIjKlMnOp"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
JWT = (
    "eyJhbGciOiJIUzI1NiJ9."
    + "eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)
PEM = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"
RANDOM = "q8Zr2LmX7vTn4KbWc9Yd3HsJ6pFg"


@pytest.mark.parametrize(
    "name",
    [
        "PASSWORD",
        "DB_PASSWORD",
        "dbPassword",
        "MYSQL_ROOT_PASSWD",
        "KEY_PASSPHRASE",
        "DJANGO_SECRET_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "GITHUB_TOKEN",
        "X_API_KEY",
        "apiKey",
        "STRIPE_APIKEY",
        "AWS_ACCESS_KEY",
        "SSH_PRIVATE_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "BASIC_AUTH",
        "SENTRY_DSN",
        "AZURE_STORAGE_CONNECTION_STRING",
        "SMTP_PASS",
        "DB_PWD",
        "ENCRYPTION_KEY",
        "spring.datasource.password",
        "api-key",
    ],
)
def test_secret_names(name: str) -> None:
    assert secret_name(name)
    assert looks_secret(name, "s0me-value")


@pytest.mark.parametrize(
    "name",
    [
        "PATH",
        "LANG",
        "HOME",
        "PWD",
        "OLDPWD",
        "AUTHOR",
        "NGINX_VERSION",
        "GPG_KEY",
        "DB_PASSWORD_FILE",
        "TOKEN_TTL",
        "AUTH_ENABLED",
        "SECRETS_DIR",
        "OAUTH_CALLBACK_URL",
        "DB_USER",
        "AWS_ACCESS_KEY_ID",
        "PASSWORD_ENCRYPTION",
        "PASSTHROUGH",
    ],
)
def test_names_that_are_not_secret(name: str) -> None:
    assert not secret_name(name)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("postgres://app:hunter2@db:5432/app", "url-credentials"),
        ("redis://:hunter2@cache:6379/0", "url-credentials"),
        (f"id {AWS}", "aws-access-key-id"),
        (PEM, "private-key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "private-key"),
        (GITHUB, "github-token"),
        (SLACK, "slack-token"),
        (f"Bearer {JWT}", "jwt"),
        (RANDOM, "high-entropy"),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY2", "high-entropy"),
    ],
)
def test_values_that_look_secret_whatever_the_name(value: str, kind: str) -> None:
    assert secret_value_kind(value) == kind
    assert looks_secret("HARMLESS_NAME", value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        ("LANG", "C.UTF-8"),
        ("HOME", "/root"),
        ("NGINX_VERSION", "1.25.3"),
        ("PYTHON_VERSION", "3.12.1"),
        ("GPG_KEY", "A035C8C19219BA821ECEA86B64E628F8D684696D"),
        ("PYTHON_SHA256", "8d02ab30ec6cf3e8ad0b4dda7e5a8c7b6b9ed23ddc86bb8cbbe1e8f0f0aa5ff5"),
        ("IMAGE", "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        ("REQUEST_ID", "123e4567-e89b-12d3-a456-426614174000"),
        ("SITE", "https://example.com/path?q=1"),
        ("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db/app"),
        ("DB_PASSWORD", ""),
        ("DB_PASSWORD", "${DB_PASSWORD}"),
        ("DB_PASSWORD_FILE", "/run/secrets/db_password"),
        ("SSL_PRIVATE_KEY", "/etc/ssl/private/server.key"),
        ("AUTH", "false"),
        ("JAVA_OPTS", "-Xmx512m -XX:+UseG1GC"),
        ("IMAGE", "ghcr.io/Org/SomeRepo2Name/image-tag-v2ALPHA"),
        ("MAIN_CLASS", "com.example.Application1WithAVeryLongName"),
    ],
)
def test_values_that_are_not_secret(name: str, value: str) -> None:
    assert not looks_secret(name, value)


def test_redact_env_list_keeps_names_and_reports_them() -> None:
    entries = ["PATH=/usr/bin", "DB_PASSWORD=hunter2", f"DEPLOY={GITHUB}", "EMPTY", "LANG=C"]
    redacted, names = redact_env_list(entries)
    assert redacted == [
        "PATH=/usr/bin",
        f"DB_PASSWORD={REDACTED}",
        f"DEPLOY={REDACTED}",
        "EMPTY",
        "LANG=C",
    ]
    assert names == ["DB_PASSWORD", "DEPLOY"]
    everything, names = redact_env_list(entries, all_values=True)
    assert everything == [
        f"PATH={REDACTED}",
        f"DB_PASSWORD={REDACTED}",
        f"DEPLOY={REDACTED}",
        "EMPTY",
        f"LANG={REDACTED}",
    ]
    assert names == ["DB_PASSWORD", "DEPLOY"]


def test_redact_mapping() -> None:
    mapping = {"maintainer": "ops@example.com", "api_token": "abc123", "port": 8080, "unset": None}
    redacted, names = redact_mapping(mapping)
    assert redacted == {
        "maintainer": "ops@example.com",
        "api_token": REDACTED,
        "port": 8080,
        "unset": None,
    }
    assert names == ["api_token"]


@pytest.mark.parametrize(
    ("command", "expected", "found"),
    [
        ("app --password=hunter2 --port 80", f"app --password={REDACTED} --port 80", ["password"]),
        ("app --db-password hunter2 -v", f"app --db-password {REDACTED} -v", ["db-password"]),
        ('app --token "two words"', f'app --token "{REDACTED}"', ["token"]),
        ("DB_PASSWORD=hunter2 ./run", f"DB_PASSWORD={REDACTED} ./run", ["DB_PASSWORD"]),
        (
            "/bin/sh -c #(nop)  ENV API_KEY=abc123 LANG=C.UTF-8",
            f"/bin/sh -c #(nop)  ENV API_KEY={REDACTED} LANG=C.UTF-8",
            ["API_KEY"],
        ),
        (
            "|2 NPM_TOKEN=abc VERSION=1.2 /bin/sh -c npm ci",
            f"|2 NPM_TOKEN={REDACTED} VERSION=1.2 /bin/sh -c npm ci",
            ["NPM_TOKEN"],
        ),
        (
            "java -Dspring.datasource.password=hunter2 -jar app.jar",
            f"java -Dspring.datasource.password={REDACTED} -jar app.jar",
            ["Dspring.datasource.password"],
        ),
        (
            "curl https://deploy:hunter2@git.example.com/repo.git",
            f"curl https://deploy:{REDACTED}@git.example.com/repo.git",
            ["url-credentials"],
        ),
        (
            "curl 'https://api.example.com/v1?token=abc123&page=2'",
            f"curl 'https://api.example.com/v1?token={REDACTED}&page=2'",
            ["token"],
        ),
        (f"git clone https://{GITHUB}@github.com/x/y", None, ["github-token"]),
        (f"aws configure set aws_access_key_id {AWS}", None, ["aws-access-key-id"]),
        (f"echo {RANDOM} > /key", f"echo {REDACTED} > /key", ["high-entropy"]),
        ("mysql -u root -phunter2", "mysql -u root -phunter2", []),  # too ambiguous to guess at
        ("app --password-file /run/secrets/pw", "app --password-file /run/secrets/pw", []),
        ("apt-get install -y --no-install-recommends curl=7.88.1-10", None, []),
        ("app --auth none --token $TOKEN", "app --auth none --token $TOKEN", []),
    ],
)
def test_redact_command(command: str, expected: str | None, found: list[str]) -> None:
    redacted, hits = redact_command(command)
    assert hits == found
    if expected is not None:
        assert redacted == expected
    if found:
        assert REDACTED in redacted
    else:
        assert redacted == command


def test_redact_argv_takes_the_word_after_a_secret_flag() -> None:
    argv = ["app", "--password", "hunter2", "--port", "80", "--api-key=abc123", "-c", "TOKEN=x1"]
    redacted, found = redact_argv(argv)
    assert redacted == [
        "app",
        "--password",
        REDACTED,
        "--port",
        "80",
        f"--api-key={REDACTED}",
        "-c",
        f"TOKEN={REDACTED}",
    ]
    assert found == ["password", "api-key", "TOKEN"]
    assert redact_argv(["app", "--password", "--verbose"]) == (
        ["app", "--password", "--verbose"],
        [],
    )


def test_a_finding_never_holds_the_value() -> None:
    finding = SecretFinding(
        location="compose:a.yml:services.db.environment.X", name="X", kind="environment"
    )
    assert [f.name for f in dataclasses.fields(finding)] == ["location", "name", "kind"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.name = "Y"  # type: ignore[misc]
