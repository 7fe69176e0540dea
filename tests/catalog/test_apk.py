"""apk's installed database: real-shaped records and the hostile ones (item B16)."""

from __future__ import annotations

from auditapp.catalog.apk import ApkCataloger
from auditapp.catalog.interface import OsRelease, Package, ReadPlan, Skipped
from tests.catalog.files import LAYER, run

DB = "lib/apk/db/installed"
ALPINE = OsRelease("alpine", "3.19.1", "Alpine Linux v3.19")

INSTALLED = """C:Q1dOI6Hn4kdUm0aWvOQqGflpPQLhE=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:407278
I:663552
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1705330929
c:ca7f1b1df7f7e6c1b7b3e6b1e2f8f8b0a1e0c3f4
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1fVYm3cXsMFSuKVyyAMSRdbnEeFQ=
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=

C:Q1V1RxKrmzZdmHHWXnvbKGOzs5AcY=
P:libcrypto3
V:3.1.4-r5
A:x86_64
S:1780306
I:4214784
T:Crypto library from openssl
U:https://www.openssl.org/
L:Apache-2.0
o:openssl
m:Ariadne Conill <ariadne@dereferenced.org>
t:1707152218
D:so:libc.musl-x86_64.so.1
F:usr/lib
R:libcrypto.so.3
Z:Q1nXSm0vAhu/5U2HvKxk5hYfGnn1c=
R:libcrypto.so.3
Z:Q1nXSm0vAhu/5U2HvKxk5hYfGnn1c=

C:Q1aaaaaaaaaaaaaaaaaaaaaaaaaaaa=
P:busybox
V:1.36.1-r15
A:x86_64
L:GPL-2.0-only
o:busybox
C:Q1aaaaaaaaaaaaaaaaaaaaaaaaaaaa=

this line is garbage
P:garbled
V:1.0-r0

C:Q1bbbbbbbbbbbbbbbbbbbbbbbbbbbb=
V:2.0-r0
A:x86_64

P:noversion
A:x86_64
L:MIT

C:Q1ccccccccccccccccccccccccccc1=
P:twochecksums
V:1.0-r0
C:Q1ccccccccccccccccccccccccccc2=

%%%% binary junk \x00\x01 ~~~~

C:Q1ddddddddddddddddddddddddddd=
P:ca-certificates-bundle
V:20230506-r0
A:x86_64
L:MPL-2.0 AND MIT
o:ca-certificates"""  # no final newline


def package(name: str, version: str, license_: str, origin: str) -> Package:
    purl = f"pkg:apk/alpine/{name}@{version}?arch=x86_64&distro=alpine-3.19.1"
    return Package("apk", name, version, purl, DB, LAYER, (license_,), origin, version)


EXPECTED = [
    package("musl", "1.2.4_git20230717-r4", "MIT", "musl"),
    package("libcrypto3", "3.1.4-r5", "Apache-2.0", "openssl"),
    package("busybox", "1.36.1-r15", "GPL-2.0-only", "busybox"),
    package("ca-certificates-bundle", "20230506-r0", "MPL-2.0 AND MIT", "ca-certificates"),
]


def line_of(needle: str) -> int:
    return INSTALLED[: INSTALLED.index(needle)].count("\n") + 1


def expected_skips() -> list[Skipped]:
    garbage = line_of("this line is garbage")
    junk = line_of("%%%%")
    reasons = [
        f"record at line {garbage} (garbled): line {garbage} is not an 'X:value' line",
        f"record at line {line_of('C:Q1bbbb')} (no name): no P: (name)",
        f"record at line {line_of('P:noversion')} (noversion): no V: (version)",
        f"record at line {line_of('C:Q1cccc')} (twochecksums): "
        f"line {line_of('C:Q1ccccccccccccccccccccccccccc2')} repeats C: with a different value",
        f"record at line {junk} (no name): line {junk} is not an 'X:value' line",
    ]
    return [Skipped("apk", DB, reason) for reason in reasons]


def test_installed_with_hostile_records() -> None:
    result = run(ApkCataloger(), {DB: INSTALLED.encode()}, ALPINE)
    assert list(result.packages) == EXPECTED
    assert list(result.skipped) == expected_skips()
    assert not result.incomplete


def test_crlf_gives_the_same_result() -> None:
    result = run(ApkCataloger(), {DB: INSTALLED.replace("\n", "\r\n").encode()}, ALPINE)
    assert list(result.packages) == EXPECTED
    assert list(result.skipped) == expected_skips()


def test_namespace_follows_the_distribution() -> None:
    text = b"P:glibc\nV:2.39-r0\nA:aarch64\n"
    [wolfi] = run(ApkCataloger(), {DB: text}, OsRelease("wolfi", "20230201")).packages
    assert wolfi.purl == "pkg:apk/wolfi/glibc@2.39-r0?arch=aarch64&distro=wolfi-20230201"
    assert (wolfi.source_name, wolfi.licenses) == ("glibc", ())
    [unknown] = run(ApkCataloger(), {DB: text}).packages
    assert unknown.purl == "pkg:apk/alpine/glibc@2.39-r0?arch=aarch64"


def test_invalid_values() -> None:
    text = (
        "P:has space\nV:1.0-r0\n\n"
        "P:okname\nV:not-a-version\n\n"
        "P:okname2\nV:1.0-r0\nA:x86 64\n\n"
        f"P:long\nV:1.{'0' * 1024 * 1024}\n\n"
        "P:fine\nV:0.1-r0\n"
    )
    result = run(ApkCataloger(), {DB: text.encode()})
    assert [p.name for p in result.packages] == ["fine"]
    assert [s.reason for s in result.skipped] == [
        "record at line 1 (has space): P: (name) 'has space' is not valid",
        "record at line 4 (okname): V: (version) 'not-a-version' is not valid",
        "record at line 7 (okname2): A: (arch) 'x86 64' is not valid",
        f"record at line 11 (long): V: (version) {'1.' + '0' * 78!r} is not valid",
    ]


def test_over_the_cap_is_incomplete() -> None:
    result = run(ApkCataloger(), {DB: b"P:x\n" * (2 * 1024 * 1024 + 1)})
    assert result.packages == ()
    assert result.skipped == (Skipped("apk", DB, "apk database unreadable: over the size cap"),)
    assert result.incomplete


def test_many_bad_records_are_capped() -> None:
    text = "garbage\n\n" * 5000 + "P:ok\nV:1-r0\n"
    result = run(ApkCataloger(), {DB: text.encode()})
    assert [p.name for p in result.packages] == ["ok"]
    assert len(result.skipped) == 101
    assert result.skipped[-1].reason == "4900 more bad records not listed"


def test_plan() -> None:
    cataloger = ApkCataloger()
    assert cataloger.plan(DB, 10, 0o644) == ReadPlan(max_bytes=8 * 1024 * 1024)
    assert cataloger.plan("lib/apk/db/triggers", 10, 0o644) is None
    assert cataloger.plan("x/lib/apk/db/installed", 10, 0o644) is None
