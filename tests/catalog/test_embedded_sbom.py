"""SBOMs shipped inside Python distributions: pip's vendored libraries, PEP 770 SBOMs, and the
hostile ones."""

from __future__ import annotations

import json
from typing import Any

from auditapp.catalog.embedded_sbom import MAX_COMPONENTS, MAX_DEPTH, EmbeddedSbomCataloger
from auditapp.catalog.interface import (
    CatalogResult,
    ImageFiles,
    OsRelease,
    Package,
    ReadPlan,
    Skipped,
)
from tests.catalog.files import LAYER, DictFiles, run

SITE = "usr/local/lib/python3.12/site-packages"
PIP_BOM = f"{SITE}/pip/_vendor/bom.cdx.json"
CRYPTO = f"{SITE}/cryptography-48.0.0.dist-info/sboms"
PILLOW = f"{SITE}/pillow-13.0.0.dist-info/sboms"


def dump(bom: Any) -> bytes:
    return json.dumps(bom, indent=2).encode()


def pypi_component(name: str, version: str) -> dict[str, str]:
    purl = f"pkg:pypi/{name}@{version}"
    return {"bom-ref": purl, "name": name, "purl": purl, "type": "library", "version": version}


# As pip 24+ ships it: pip itself is a component without a purl, named by metadata.component.
PIP = {
    "$schema": "http://cyclonedx.org/schema/bom-1.4.schema.json",
    "bomFormat": "CycloneDX",
    "components": [
        {"bom-ref": "bom-ref:pip", "name": "pip", "type": "library"},
        pypi_component("CacheControl", "0.14.4"),
        pypi_component("certifi", "2026.10.23"),
        pypi_component("tomli-w", "1.2.0"),
        pypi_component("zope.interface", "6.1"),
    ],
    "dependencies": [
        {"dependsOn": ["pkg:pypi/CacheControl@0.14.4"], "ref": "bom-ref:pip"},
        {"ref": "pkg:pypi/CacheControl@0.14.4"},
    ],
    "metadata": {
        "component": {"bom-ref": "bom-ref:pip", "name": "pip", "type": "library"},
        "tools": [{"name": "vendoring", "version": "1.4.0"}],
    },
    "specVersion": "1.4",
    "version": 1,
}

OPENSSL_URL = (
    "https://github.com/openssl/openssl/releases/download/openssl-3.5.0/openssl-3.5.0.tar.gz"
)
RUST_ROOT = "path+file:///__w/cryptography/cryptography/src/rust"
CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"

# Shaped like cryptography's (openssl as a generic component) and cargo-cyclonedx's output (the
# crate itself in metadata.component, workspace crates with a file: download_url), with a
# crate that nests the C library it builds.
BUNDLED = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "version": 1,
    "serialNumber": "urn:uuid:b0f888ff-baac-404b-ad7b-a394cb3cc7f7",
    "metadata": {
        "timestamp": "2026-05-04T22:46:52Z",
        "tools": [{"vendor": "CycloneDX", "name": "cargo-cyclonedx", "version": "0.5.9"}],
        "component": {
            "type": "library",
            "bom-ref": f"{RUST_ROOT}#cryptography-rust@0.1.0",
            "name": "cryptography-rust",
            "version": "0.1.0",
            "purl": "pkg:cargo/cryptography-rust@0.1.0?download_url=file://.",
            "components": [
                {
                    "type": "library",
                    "bom-ref": f"{RUST_ROOT}#cryptography-rust@0.1.0 bin-target-0",
                    "name": "cryptography_rust",
                    "version": "0.1.0",
                    "purl": "pkg:cargo/cryptography-rust@0.1.0?download_url=file://.#src/lib.rs",
                }
            ],
        },
    },
    "components": [
        {
            "type": "library",
            "name": "openssl",
            "version": "3.5.0",
            "purl": f"pkg:generic/openssl@3.5.0?download_url={OPENSSL_URL}",
            "hashes": [{"alg": "SHA-256", "content": "c32cf49a959c4f345f9606982dd36e7d28f7c58b"}],
            "licenses": [{"license": {"id": "Apache-2.0"}}],
            "properties": [{"name": "build:flags", "value": "no-shared no-module"}],
        },
        {
            "type": "library",
            "bom-ref": f"{RUST_ROOT}/cryptography-x509#0.1.0",
            "name": "cryptography-x509",
            "version": "0.1.0",
            "scope": "required",
            "licenses": [{"expression": "Apache-2.0 OR BSD-3-Clause"}],
            "purl": "pkg:cargo/cryptography-x509@0.1.0?download_url=file://cryptography-x509",
        },
        {
            "type": "library",
            "bom-ref": f"{CRATES_IO}#asn1@0.21.3",
            "name": "asn1",
            "version": "0.21.3",
            "scope": "required",
            "licenses": [{"expression": "BSD-3-Clause"}],
            "purl": "pkg:cargo/asn1@0.21.3",
        },
        {
            "type": "library",
            "bom-ref": f"{CRATES_IO}#openssl-src@300.5.0+3.5.0",
            "name": "openssl-src",
            "version": "300.5.0+3.5.0",
            "licenses": [{"license": {"id": "MIT"}}, {"license": {"name": "Apache License 2.0"}}],
            "purl": "pkg:cargo/openssl-src@300.5.0%2B3.5.0",
            "components": [
                {
                    "type": "library",
                    "bom-ref": "openssl-src/zlib",
                    "name": "zlib",
                    "version": "1.3.1",
                    "licenses": [{"license": {"id": "Zlib"}}],
                    "purl": "pkg:generic/zlib@1.3.1",
                }
            ],
        },
        {
            "type": "library",
            "bom-ref": "no-version",
            "name": "mystery",
            "purl": "pkg:cargo/mystery",
        },
        {"type": "library", "bom-ref": "pkg:generic/freetype2", "name": "FreeType", "version": "2"},
    ],
}

# Pillow's own SBOM lists its C extensions under its own purl (with a subpath), and a
# build-only dependency as excluded; auditwheel's repeats the wheel and adds grafted libraries.
# Here metadata.component has no purl: the dist-info folder still says which distribution it is.
PILLOW_OWN = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.7",
    "metadata": {
        "component": {"bom-ref": "pkg:pypi/pillow@13.0.0", "name": "Pillow", "version": "13.0.0"},
    },
    "components": [
        {
            "bom-ref": "pkg:pypi/pillow@13.0.0#c-ext/PIL._imaging",
            "name": "PIL._imaging",
            "version": "13.0.0",
            "purl": "pkg:pypi/pillow@13.0.0#c-ext/PIL._imaging",
        },
        {
            "bom-ref": "pkg:pypi/pybind11",
            "name": "pybind11",
            "scope": "excluded",
            "purl": "pkg:pypi/pybind11@2.13.6",
        },
        {
            "bom-ref": "pkg:github/python/pythoncapi-compat",
            "name": "pythoncapi_compat",
            "purl": "pkg:github/python/pythoncapi-compat@0.1",
            "licenses": [{"license": {"id": "0BSD"}}],
        },
    ],
}
WHEEL = "pkg:pypi/pillow@13.0.0?file_name=pillow-13.0.0-cp312-cp312-manylinux_2_28_x86_64.whl"
AUDITWHEEL = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.4",
    "version": 1,
    "metadata": {"component": {"bom-ref": WHEEL, "name": "pillow", "purl": WHEEL}},
    "components": [
        {"bom-ref": WHEEL, "name": "pillow", "version": "13.0.0", "purl": WHEEL},
        {
            "bom-ref": "pkg:rpm/almalinux/libXau@1.0.9-3.el8#ac77887f",
            "name": "libXau",
            "version": "1.0.9-3.el8",
            "purl": "pkg:rpm/almalinux/libXau@1.0.9-3.el8",
        },
    ],
}


def package(
    ecosystem: str, name: str, version: str, purl: str, path: str, *licenses: str
) -> Package:
    return Package(ecosystem, name, version, purl, path, LAYER, licenses)


def test_pip_vendored_libraries() -> None:
    result = run(EmbeddedSbomCataloger(), {PIP_BOM: dump(PIP)})
    assert result.skipped == ()
    assert sorted(result.packages, key=lambda p: p.name) == [
        package(
            "pypi",
            "cachecontrol",
            "0.14.4",
            "pkg:pypi/cachecontrol@0.14.4",
            f"{PIP_BOM}#pkg:pypi/CacheControl@0.14.4",
        ),
        package(
            "pypi",
            "certifi",
            "2026.10.23",
            "pkg:pypi/certifi@2026.10.23",
            f"{PIP_BOM}#pkg:pypi/certifi@2026.10.23",
        ),
        package(
            "pypi",
            "tomli-w",
            "1.2.0",
            "pkg:pypi/tomli-w@1.2.0",
            f"{PIP_BOM}#pkg:pypi/tomli-w@1.2.0",
        ),
        package(  # PEP 503, as the Python cataloger writes pypi purls
            "pypi",
            "zope-interface",
            "6.1",
            "pkg:pypi/zope-interface@6.1",
            f"{PIP_BOM}#pkg:pypi/zope.interface@6.1",
        ),
    ]


def test_pep_770_sbom_with_generic_cargo_and_nested_components() -> None:
    path = f"{CRYPTO}/bundled.cdx.json"
    result = run(EmbeddedSbomCataloger(), {path: dump(BUNDLED)})
    assert sorted(result.packages, key=lambda p: p.name) == [
        package(
            "cargo",
            "asn1",
            "0.21.3",
            "pkg:cargo/asn1@0.21.3",
            f"{path}#{CRATES_IO}#asn1@0.21.3",
            "BSD-3-Clause",
        ),
        package(
            "generic",
            "openssl",
            "3.5.0",
            f"pkg:generic/openssl@3.5.0?download_url={OPENSSL_URL}",
            f"{path}#openssl",  # no bom-ref: the name says which component
            "Apache-2.0",
        ),
        package(
            "cargo",
            "openssl-src",
            "300.5.0+3.5.0",
            "pkg:cargo/openssl-src@300.5.0%2B3.5.0",
            f"{path}#{CRATES_IO}#openssl-src@300.5.0+3.5.0",
            "MIT",
            "Apache License 2.0",
        ),
        package(
            "generic", "zlib", "1.3.1", "pkg:generic/zlib@1.3.1", f"{path}#openssl-src/zlib", "Zlib"
        ),
    ]
    # The crate itself (metadata.component) and its workspace crate are cryptography's own code.
    assert sorted(result.skipped, key=lambda s: s.path) == [
        Skipped("sbom", f"{path}#no-version", "no version"),
        Skipped("sbom", f"{path}#pkg:generic/freetype2", "no purl"),
    ]


def test_parts_of_the_distribution_and_excluded_components_are_not_listed() -> None:
    own, audit = f"{PILLOW}/pillow-13.0.0.cdx.json", f"{PILLOW}/auditwheel.cdx.json"
    result = run(EmbeddedSbomCataloger(), {own: dump(PILLOW_OWN), audit: dump(AUDITWHEEL)})
    assert result.skipped == ()
    assert sorted(result.packages, key=lambda p: p.name) == [
        package(
            "rpm",
            "libXau",
            "1.0.9-3.el8",
            "pkg:rpm/almalinux/libXau@1.0.9-3.el8",
            f"{audit}#pkg:rpm/almalinux/libXau@1.0.9-3.el8#ac77887f",
        ),
        package(
            "github",
            "python/pythoncapi-compat",
            "0.1",
            "pkg:github/python/pythoncapi-compat@0.1",
            f"{own}#pkg:github/python/pythoncapi-compat",
            "0BSD",
        ),
    ]


def test_names_follow_each_ecosystem_and_versions_come_from_purl_or_component() -> None:
    path = f"{SITE}/x-1.dist-info/sboms/x.json"
    bom = {
        "bomFormat": "CycloneDX",
        "components": [
            {"name": "jackson", "purl": "pkg:maven/com.fasterxml.jackson.core/jackson-core@2.17.0"},
            {"name": "core", "purl": "pkg:npm/%40angular/core@17.0.0"},
            {"name": "x", "purl": "pkg:golang/golang.org/x/net@v0.23.0"},
            {
                "name": "Typing_Extensions",
                "version": "4.12.2",
                "purl": "pkg:pypi/Typing_Extensions",
            },
            {"name": "dup", "purl": "pkg:generic/openssl@3.0.0"},
            {"name": "dup-again", "purl": "pkg:generic/openssl@3.0.0"},
        ],
    }
    result = run(EmbeddedSbomCataloger(), {path: dump(bom)})
    assert result.skipped == ()
    assert sorted((p.ecosystem, p.name, p.version, p.purl) for p in result.packages) == [
        ("generic", "openssl", "3.0.0", "pkg:generic/openssl@3.0.0"),
        ("golang", "golang.org/x/net", "v0.23.0", "pkg:golang/golang.org/x/net@v0.23.0"),
        (
            "maven",
            "com.fasterxml.jackson.core:jackson-core",
            "2.17.0",
            "pkg:maven/com.fasterxml.jackson.core/jackson-core@2.17.0",
        ),
        ("npm", "@angular/core", "17.0.0", "pkg:npm/%40angular/core@17.0.0"),
        ("pypi", "typing-extensions", "4.12.2", "pkg:pypi/typing-extensions@4.12.2"),
    ]


def nested(levels: int) -> dict[str, Any]:
    """A chain of components each inside the previous one, built without recursion."""
    inner: dict[str, Any] = {"name": "leaf", "purl": "pkg:generic/leaf@1"}
    for level in range(levels):
        inner = {
            "name": f"level{level}",
            "purl": f"pkg:generic/level{level}@1",
            "components": [inner],
        }
    return inner


def test_hostile_files_are_skipped_per_file() -> None:
    deep = b'{"bomFormat": "CycloneDX", "components": [' + b'{"components": [' * 10_000
    deep += b"]}" * 10_000 + b"]}"
    files = {
        f"{SITE}/a-1.dist-info/sboms/not-json.json": b"<bom xmlns='http://cyclonedx.org/schema/bom/1.5'/>",
        f"{SITE}/b-1.dist-info/sboms/list.json": b"[]",
        f"{SITE}/c-1.dist-info/sboms/components.json": (
            b'{"bomFormat": "CycloneDX", "components": {}}'
        ),
        f"{SITE}/d-1.dist-info/sboms/huge.json": b'{"bomFormat": "CycloneDX"}'
        + b" " * 5 * 1024 * 1024,
        f"{SITE}/e-1.dist-info/sboms/deep.json": deep,
        f"{SITE}/f-1.dist-info/sboms/spdx.json": b'{"spdxVersion": "SPDX-2.3", "packages": []}',
        f"{SITE}/g-1.dist-info/sboms/latin1.json": b'{"name": "caf\xe9"}',
        f"{SITE}/h-1.dist-info/sboms/good.json": dump(
            {"bomFormat": "CycloneDX", "components": [{"name": "ok", "purl": "pkg:generic/ok@1"}]}
        ),
    }
    result = run(EmbeddedSbomCataloger(), files)
    assert [p.name for p in result.packages] == ["ok"]
    assert sorted((s.path.split("/")[-1], s.reason) for s in result.skipped) == [
        ("components.json", "'components' is not a JSON array"),
        ("deep.json", "JSON nested too deeply to parse"),
        ("huge.json", "over the size cap"),
        ("latin1.json", "not UTF-8 (offset 13)"),
        ("list.json", "not a JSON object"),
        ("not-json.json", "not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        ("spdx.json", "not a CycloneDX SBOM (bomFormat NoneType); its components are not listed"),
    ]


def test_deep_component_nesting_that_parses_is_capped() -> None:
    path, levels = f"{SITE}/x-1.dist-info/sboms/x.json", MAX_DEPTH + 5
    bom = {"bomFormat": "CycloneDX", "components": [nested(levels)]}
    result = run(EmbeddedSbomCataloger(), {path: dump(bom)})
    assert len(result.packages) == MAX_DEPTH
    [skipped] = result.skipped  # the component at the deepest level read: level{levels - depth}
    reason = f"components nested deeper than {MAX_DEPTH}; not read"
    assert skipped == Skipped("sbom", f"{path}#level{levels - MAX_DEPTH}", reason)


def test_wrong_shapes_inside_a_file_are_skipped_per_component() -> None:
    path = f"{SITE}/x-1.dist-info/sboms/x.json"
    bom = {
        "bomFormat": "CycloneDX",
        "metadata": ["not", "an", "object"],
        "components": [
            "a string",
            {"bom-ref": {"a": 1}, "name": 7, "purl": 5},
            {"name": "badpurl", "purl": "pkg:pypi/a@1?%=1"},
            {"name": "nopurl-type", "purl": "pkg:x"},
            {"name": "longpurl", "purl": "pkg:generic/" + "a" * 5000 + "@1"},
            {"name": "ctrl\nname", "purl": "pkg:generic/x%0Ay@1"},
            {"name": "spacey", "purl": "pkg:generic/spacey@1%202"},
            {"name": "version-list", "version": [], "purl": "pkg:generic/v"},
            {"name": "odd", "purl": "pkg:generic/odd@1", "components": "x", "licenses": "MIT"},
            {
                "name": "licences",
                "purl": "pkg:generic/licences@1",
                "licenses": [
                    "MIT",
                    {"license": "MIT"},
                    {"license": {"id": 5, "name": "Custom"}},
                    {"expression": "x" * 201},
                    {"expression": " MIT "},
                    {"license": {"id": "MIT"}},
                    {"license": {}},
                ],
            },
        ],
    }
    result = run(EmbeddedSbomCataloger(), {path: dump(bom)})
    assert sorted((p.name, p.licenses) for p in result.packages) == [
        ("licences", ("Custom", "MIT")),
        ("odd", ()),
    ]
    assert sorted((s.path[len(path) :], s.reason) for s in result.skipped) == [
        (
            "#badpurl",
            "purl 'pkg:pypi/a@1?%=1' is not valid: A qualifier key cannot be percent encoded: '%'",
        ),
        ("#components[0]", "not a JSON object"),
        ("#components[1]", "no purl"),
        ("#ctrl?name", "name 'x\\ny' is not valid"),
        ("#longpurl", "purl longer than 2048 characters"),
        (
            "#nopurl-type",
            "purl 'pkg:x' is not valid: purl is missing the required type component: 'pkg:x'.",
        ),
        ("#odd", "its 'components' is not a JSON array"),
        ("#spacey", "version '1 2' is not valid"),
        ("#version-list", "no version"),
    ]


def test_many_bad_components_are_counted_not_all_listed() -> None:
    path = f"{SITE}/x-1.dist-info/sboms/x.json"
    bom = {"bomFormat": "CycloneDX", "components": [{}] * (MAX_COMPONENTS + 10)}
    result = run(EmbeddedSbomCataloger(), {path: dump(bom)})
    assert result.packages == ()
    assert len(result.skipped) == 102
    assert result.skipped[0] == Skipped("sbom", f"{path}#components[0]", "no purl")
    assert result.skipped[-2:] == (
        Skipped("sbom", path, f"{MAX_COMPONENTS - 100} more bad components not listed"),
        Skipped("sbom", path, f"more than {MAX_COMPONENTS} components; the rest not read"),
    )


class _PlansEverything:
    """Stands for the other catalogers: files they planned are in the merged view too."""

    name = "everything"

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        return ReadPlan(max_bytes=1024 * 1024)

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        return CatalogResult()


def test_only_sboms_in_pip_vendor_or_dist_info_sboms_are_planned_and_read() -> None:
    cataloger = EmbeddedSbomCataloger()
    for path in (
        PIP_BOM,
        "opt/venv/lib/python3.11/site-packages/pip/_vendor/bom.cdx.json",
        f"{CRYPTO}/sbom.json",
        f"{PILLOW}/auditwheel.cdx.json",
    ):
        plan = cataloger.plan(path, 10, 0o644)
        assert plan is not None and plan.max_bytes == 4 * 1024 * 1024, path
    elsewhere = (
        "app/bom.cdx.json",
        "usr/share/doc/pip/bom.cdx.json",
        f"{SITE}/setuptools/_vendor/bom.cdx.json",
        f"{SITE}/pip/_vendor/rich/bom.cdx.json",
        f"{SITE}/pip/_vendor/bom.cdx.json.orig",
        f"{CRYPTO}/nested/sbom.json",
        f"{CRYPTO}/sbom.spdx",
        f"{SITE}/a-1.egg-info/sboms/sbom.json",
        f"{SITE}/a-1.dist-info/sbom.json",
        "sboms/sbom.json",
    )
    for path in elsewhere:
        assert cataloger.plan(path, 10, 0o644) is None, path
    files = {path: dump(PIP) for path in (*elsewhere, PIP_BOM)}
    result = cataloger.catalog(DictFiles(files, _PlansEverything()), None)
    assert {p.path.split("#")[0] for p in result.packages} == {PIP_BOM}
    assert result.skipped == ()
