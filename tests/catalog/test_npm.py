"""npm: what counts as installed, the application manifest, lockfiles v1-v3, and hostile
lockfiles (item B19: 100k-deep nesting, cycles, fan-out, unknown versions)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from auditapp.catalog import npm
from auditapp.catalog.interface import Package, Skipped
from auditapp.catalog.npm import NpmCataloger, is_installed_manifest
from tests.catalog.files import LAYER, run

APP = "usr/src/app"


def manifest(name: str, version: str, **extra: Any) -> bytes:
    return json.dumps({"name": name, "version": version, **extra}, indent=2).encode()


def npm_package(name: str, version: str, purl: str, path: str, *licenses: str) -> Package:
    return Package("npm", name, version, purl, path, LAYER, licenses)


def test_installed_packages_and_the_app() -> None:
    nm = f"{APP}/node_modules"
    files = {
        f"{APP}/package.json": manifest("shop-api", "1.4.0", dependencies={"express": "^4"}),
        f"{APP}/package-lock.json": json.dumps(
            {"lockfileVersion": 3, "packages": {"node_modules/ghost": {"version": "9.9.9"}}}
        ).encode(),  # node_modules wins
        f"{nm}/.package-lock.json": b"{}",
        f"{nm}/express/package.json": manifest("express", "4.18.2", license="MIT"),
        f"{nm}/express/node_modules/debug/package.json": manifest("debug", "2.6.9"),
        f"{nm}/@babel/core/package.json": manifest(
            "@babel/core", "7.23.9", license={"type": "MIT"}
        ),
        f"{nm}/@babel/core/node_modules/@babel/types/package.json": manifest(
            "@babel/types", "7.23.9"
        ),
        f"{nm}/debug/package.json": manifest("debug", "4.3.4", licenses=[{"type": "MIT"}]),
        # not installed packages: inside a package, never read
        f"{nm}/express/test/fixtures/package.json": manifest("fixture", "0.0.1"),
        f"{nm}/express/dist/package.json": manifest("express-dist", "4.18.2"),
        f"{nm}/express/vendor/lodash/package.json": manifest("lodash", "1.0.0"),
        f"{nm}/@babel/package.json": manifest("not-a-scope-package", "1.0.0"),
        f"{nm}/.bin/package.json": manifest("dot", "1.0.0"),
        # pnpm's layout: the real copy under .pnpm counts once
        f"{nm}/.pnpm/ms@2.1.3/node_modules/ms/package.json": manifest("ms", "2.1.3"),
        # npm itself, installed globally
        "usr/local/lib/node_modules/npm/package.json": manifest("npm", "10.2.4"),
        # package.json files that are not npm packages
        "usr/local/lib/python3.11/site-packages/dash/package.json": manifest("dash", "2.14.0"),
        f"{APP}/test/fixtures/package.json": manifest("fixture", "0.0.2"),
        "opt/other/package.json": b'{"private": true}',
    }
    result = run(NpmCataloger(), files)
    assert result.skipped == ()
    assert len(result.packages) == 8
    assert set(result.packages) == {
        npm_package(
            "npm", "10.2.4", "pkg:npm/npm@10.2.4", "usr/local/lib/node_modules/npm/package.json"
        ),
        npm_package("shop-api", "1.4.0", "pkg:npm/shop-api@1.4.0", f"{APP}/package.json"),
        npm_package(
            "@babel/core",
            "7.23.9",
            "pkg:npm/%40babel/core@7.23.9",
            f"{nm}/@babel/core/package.json",
            "MIT",
        ),
        npm_package(
            "@babel/types",
            "7.23.9",
            "pkg:npm/%40babel/types@7.23.9",
            f"{nm}/@babel/core/node_modules/@babel/types/package.json",
        ),
        npm_package(
            "ms", "2.1.3", "pkg:npm/ms@2.1.3", f"{nm}/.pnpm/ms@2.1.3/node_modules/ms/package.json"
        ),
        npm_package("debug", "4.3.4", "pkg:npm/debug@4.3.4", f"{nm}/debug/package.json", "MIT"),
        npm_package(
            "debug", "2.6.9", "pkg:npm/debug@2.6.9", f"{nm}/express/node_modules/debug/package.json"
        ),
        npm_package(
            "express", "4.18.2", "pkg:npm/express@4.18.2", f"{nm}/express/package.json", "MIT"
        ),
    }


def test_plan_never_reads_files_inside_a_package() -> None:
    cataloger = NpmCataloger()
    planned = [
        "node_modules/a/package.json",
        "node_modules/@s/a/package.json",
        "x/node_modules/a/node_modules/b/package.json",
        "app/package.json",
        "package.json",
        "app/package-lock.json",
    ]
    ignored = [
        "node_modules/a/test/fixtures/package.json",
        "node_modules/a/dist/package.json",
        "node_modules/@s/package.json",
        "node_modules/package.json",
        "node_modules/a/package-lock.json",
        "node_modules/.package-lock.json",
        "app/package.json.bak",
        "app/yarn.lock",
    ]
    assert [p for p in planned if cataloger.plan(p, 10, 0o644) is None] == []
    assert [p for p in ignored if cataloger.plan(p, 10, 0o644) is not None] == []
    lock = cataloger.plan("app/package-lock.json", 10, 0o644)
    assert lock is not None and lock.max_bytes == 64 * 1024 * 1024
    assert not is_installed_manifest("node_modules/.bin/package.json")


def test_app_manifest_needs_name_version_and_a_project_root() -> None:
    files = {
        "a/package.json": manifest("with-yarn-lock", "1.0.0"),
        "a/yarn.lock": b"# yarn lockfile v1\n",
        "b/package.json": json.dumps({"name": "no-version"}).encode(),
        "b/package-lock.json": json.dumps({"lockfileVersion": 3, "packages": {}}).encode(),
        "c/package.json": manifest("no-project-root", "1.0.0"),
    }
    result = run(NpmCataloger(), files)
    assert [(p.name, p.path) for p in result.packages] == [("with-yarn-lock", "a/package.json")]
    assert result.skipped == ()


def test_bad_installed_manifests_are_skipped() -> None:
    nm = "node_modules"
    files = {
        f"{nm}/broken/package.json": b'{"name": "broken", "version": ',
        f"{nm}/list/package.json": b"[1, 2]",
        f"{nm}/noversion/package.json": b'{"name": "noversion"}',
        f"{nm}/latin/package.json": b'{"name": "caf\xe9", "version": "1.0.0"}',
        f"{nm}/badname/package.json": manifest("bad name", "1.0.0"),
        f"{nm}/deep/package.json": b"[" * 100_000 + b"]" * 100_000,
        f"{nm}/huge/package.json": manifest("huge", "1.0.0", readme="x" * 2 * 1024 * 1024),
        f"{nm}/bom/package.json": b"\xef\xbb\xbf" + manifest("bom", "1.0.0"),
    }
    result = run(NpmCataloger(), files)
    assert [p.name for p in result.packages] == ["bom"]
    assert {s.path.split("/")[1]: s.reason for s in result.skipped} == {
        "badname": "name 'bad name' is not a valid npm name",
        "broken": "not valid JSON: Expecting value: line 1 column 31 (char 30)",
        "deep": "JSON nested too deeply to parse",
        "huge": "over the size cap",
        "latin": "not UTF-8 (offset 13)",
        "list": "not a JSON object",
        "noversion": "no version",
    }


LOCK_V1 = {
    "name": "legacy",
    "version": "1.0.0",
    "lockfileVersion": 1,
    "requires": True,
    "dependencies": {
        "express": {
            "version": "4.18.2",
            "resolved": "https://registry.npmjs.org/express/-/express-4.18.2.tgz",
            "integrity": "sha512-AAAA",
            "requires": {"debug": "2.6.9"},
            "dependencies": {
                "debug": {"version": "2.6.9", "requires": {"ms": "2.0.0"}},
                "ms": {"version": "2.0.0"},
            },
        },
        "debug": {"version": "4.3.4", "dev": True, "requires": {"ms": "2.1.2"}},
        "ms": {"version": "2.1.2"},
        "@types/node": {"version": "20.11.5", "dev": True},
        "lodash-alias": {"version": "npm:lodash@4.17.21"},
        "local-thing": {"version": "file:../local-thing"},
        "from-git": {"version": "git+https://github.com/a/b.git#0123456789abcdef"},
        "nested-dup": {"version": "1.0.0", "dependencies": {"ms": {"version": "2.1.2"}}},
    },
}

LOCK_V2_PACKAGES = {
    "": {"name": "modern", "version": "2.0.0", "workspaces": ["packages/*"]},
    "node_modules/express": {"version": "4.18.2", "license": "MIT"},
    "node_modules/express/node_modules/debug": {"version": "2.6.9", "license": "MIT"},
    "node_modules/@types/node": {"version": "20.11.5", "dev": True, "license": "MIT"},
    "node_modules/lodash-alias": {"name": "lodash", "version": "4.17.21"},
    "node_modules/my-workspace": {"resolved": "packages/my-workspace", "link": True},
    "packages/my-workspace": {"name": "my-workspace", "version": "0.1.0"},
    "node_modules/broken": "not an object",
    "node_modules/nover": {"resolved": "https://example.invalid/x.tgz"},
}


def test_lockfile_v1() -> None:
    result = run(NpmCataloger(), {"srv/package-lock.json": json.dumps(LOCK_V1).encode()})
    assert {(p.name, p.version, p.purl) for p in result.packages} == {
        ("express", "4.18.2", "pkg:npm/express@4.18.2"),
        ("debug", "2.6.9", "pkg:npm/debug@2.6.9"),
        ("ms", "2.0.0", "pkg:npm/ms@2.0.0"),
        ("debug", "4.3.4", "pkg:npm/debug@4.3.4"),
        ("ms", "2.1.2", "pkg:npm/ms@2.1.2"),
        ("@types/node", "20.11.5", "pkg:npm/%40types/node@20.11.5"),
        ("lodash", "4.17.21", "pkg:npm/lodash@4.17.21"),
        ("nested-dup", "1.0.0", "pkg:npm/nested-dup@1.0.0"),
    }
    assert {p.path for p in result.packages} == {"srv/package-lock.json"}
    assert [s.reason for s in result.skipped] == [
        "dependencies/local-thing: version 'file:../local-thing' is not a registry version",
        "dependencies/from-git: version 'git+https://github.com/a/b.git#0123456789abcdef'"
        " is not a registry version",
    ]


@pytest.mark.parametrize("version", [2, 3])
def test_lockfile_v2_and_v3(version: int) -> None:
    lock: dict[str, Any] = {"lockfileVersion": version, "packages": LOCK_V2_PACKAGES}
    if version == 2:
        lock["dependencies"] = {"ignored-v1-view": {"version": "6.6.6"}}
    result = run(NpmCataloger(), {"package-lock.json": json.dumps(lock).encode()})
    assert {(p.name, p.version, p.purl, p.licenses) for p in result.packages} == {
        ("express", "4.18.2", "pkg:npm/express@4.18.2", ("MIT",)),
        ("debug", "2.6.9", "pkg:npm/debug@2.6.9", ("MIT",)),
        ("@types/node", "20.11.5", "pkg:npm/%40types/node@20.11.5", ("MIT",)),
        ("lodash", "4.17.21", "pkg:npm/lodash@4.17.21", ()),
    }
    assert [s.reason for s in result.skipped] == [
        "node_modules/broken: not a JSON object",
        "node_modules/nover: no version",
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ({"lockfileVersion": 4, "packages": {}}, "unknown lockfileVersion 4"),
        ({"lockfileVersion": "3", "packages": {}}, 'unknown lockfileVersion "3"'),
        ({"lockfileVersion": True, "dependencies": {}}, "unknown lockfileVersion true"),
        ({"packages": {}}, "unknown lockfileVersion null"),
        ({"lockfileVersion": [1]}, 'unknown lockfileVersion "a JSON list"'),
        ({"lockfileVersion": 3, "packages": []}, "'packages' is not a JSON object"),
    ],
)
def test_unknown_lockfiles(content: dict[str, Any], reason: str) -> None:
    result = run(NpmCataloger(), {"app/package-lock.json": json.dumps(content).encode()})
    assert result.packages == ()
    assert result.skipped == (Skipped("npm", "app/package-lock.json", reason),)


def deep_v1(depth: int) -> bytes:
    """{"dependencies": {"p0": {"version": "1.0.0", "dependencies": {"p1": ...}}}}, built as text
    (json.dumps itself would recurse)."""
    opening = "".join(f'{{"version": "1.0.0", "dependencies": {{"p{n}": ' for n in range(depth))
    closing = "}}" * depth
    return f'{{"lockfileVersion": 1, "dependencies": {{"root": {opening}{{}}{closing}}}}}'.encode()


@pytest.mark.timeout(60)  # bounded: a hostile input must not make it loop or crawl
def test_100k_deep_lockfile_is_bounded() -> None:
    result = run(NpmCataloger(), {"app/package-lock.json": deep_v1(100_000)})
    assert result.packages == ()
    assert result.skipped == (
        Skipped("npm", "app/package-lock.json", "JSON nested too deeply to parse"),
    )


def test_depth_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(npm, "MAX_DEPTH", 5)
    result = run(NpmCataloger(), {"app/package-lock.json": deep_v1(10)})
    assert {p.name for p in result.packages} == {"root", "p0", "p1", "p2", "p3"}
    [skipped] = result.skipped
    assert skipped.reason == (
        "dependencies/root/dependencies/p0/dependencies/p1/dependencies/p2/dependencies/p3:"
        " nested deeper than 5 levels; not read"
    )


@pytest.mark.timeout(60)  # bounded: a hostile input must not make it loop or crawl
def test_cycles_and_fan_out_finish_quickly() -> None:
    names = [f"pkg-{n}" for n in range(600)]
    fan_out_v1 = {
        "lockfileVersion": 1,
        "dependencies": {
            name: {"version": "1.0.0", "requires": dict.fromkeys(names, "1.0.0")} for name in names
        },
    }
    link_cycle_v3 = {
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "cyclic", "version": "1.0.0"},
            "node_modules/a": {"resolved": "node_modules/b", "link": True},
            "node_modules/b": {"resolved": "node_modules/a", "link": True},
            "node_modules/c": {"version": "1.0.0", "dependencies": {"c": "1.0.0"}},
        },
    }
    result = run(
        NpmCataloger(),
        {
            "one/package-lock.json": json.dumps(fan_out_v1).encode(),
            "two/package-lock.json": json.dumps(link_cycle_v3).encode(),
        },
    )
    assert len([p for p in result.packages if p.path == "one/package-lock.json"]) == 600
    assert [(p.name, p.path) for p in result.packages if p.path.startswith("two/")] == [
        ("c", "two/package-lock.json")
    ]
    assert result.skipped == ()


def test_entry_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(npm, "MAX_ENTRIES", 3)
    lock = {"lockfileVersion": 1, "dependencies": {f"p{n}": {"version": "1.0.0"} for n in range(9)}}
    result = run(NpmCataloger(), {"package-lock.json": json.dumps(lock).encode()})
    assert len(result.packages) == 3
    assert [s.reason for s in result.skipped] == ["more than 3 entries; the rest not read"]


def test_many_bad_entries_are_capped() -> None:
    deps = {f"p{n}": {"version": "file:x"} for n in range(250)}
    lock = {"lockfileVersion": 1, "dependencies": deps}
    result = run(NpmCataloger(), {"package-lock.json": json.dumps(lock).encode()})
    assert len(result.skipped) == 101
    assert result.skipped[-1].reason == "150 more bad entries not listed"


def test_edge_cases_of_project_files() -> None:
    lock = {"lockfileVersion": 3, "packages": {"node_modules/left-pad": {"version": "1.3.0"}}}
    files = {
        # broken JSON in an application manifest is still reported
        "d/package.json": b"{not json",
        "d/yarn.lock": b"# yarn lockfile v1\n",
        # an empty node_modules (only npm's hidden lockfile): the lockfile is not used
        "e/package-lock.json": json.dumps(lock).encode(),
        "e/node_modules/.package-lock.json": b"{}",
        # a string where a legacy `licenses` list belongs is not split into letters
        "node_modules/strlic/package.json": manifest("strlic", "1.0.0", licenses="MIT"),
    }
    result = run(NpmCataloger(), files)
    assert [(p.name, p.licenses) for p in result.packages] == [("strlic", ())]
    assert result.skipped == (
        Skipped(
            "npm",
            "d/package.json",
            "not valid JSON: Expecting property name enclosed in "
            "double quotes: line 1 column 2 (char 1)",
        ),
    )
