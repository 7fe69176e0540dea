"""Python core metadata: dist-info, egg-info folders and files, and the hostile ones (B18)."""

from __future__ import annotations

from auditapp.catalog.interface import Package, Skipped
from auditapp.catalog.python import PythonCataloger, normalize_name
from tests.catalog.files import LAYER, run

SITE = "usr/local/lib/python3.11/site-packages"

FLASK = b"""Metadata-Version: 2.1
Name: Flask
Version: 3.0.0
Summary: A simple framework for building complex web applications.
Maintainer-email: Pallets <contact@palletsprojects.com>
Requires-Python: >=3.8
Description-Content-Type: text/markdown
Classifier: Development Status :: 5 - Production/Stable
Classifier: Framework :: Flask
Classifier: License :: OSI Approved :: BSD License
Classifier: Operating System :: OS Independent
Requires-Dist: Werkzeug>=3.0.0
Requires-Dist: Jinja2>=3.1.2
Project-URL: Donate, https://palletsprojects.com/donate

# Flask

Name: NotFlask
Version: 0.0.0
The body is the description: its header-looking lines are not headers.
"""

ZOPE = b"""Metadata-Version: 2.1
Name: zope.interface
Version: 6.1
Summary: Interfaces for Python
License: ZPL 2.1
Classifier: License :: OSI Approved :: Zope Public License
Classifier: License :: OSI Approved
"""

TYPING = b"""Metadata-Version: 2.4
Name: typing_extensions
Version: 4.12.2
License-Expression: PSF-2.0
License-File: LICENSE
Classifier: License :: OSI Approved :: Python Software Foundation License
"""

OLD_EGG = b"""Metadata-Version: 1.1
Name: python-apt
Version: 2.6.0
Summary: Python bindings for APT
Home-page: UNKNOWN
Author: APT Development Team
License: GNU GPL
Description: UNKNOWN
Platform: UNKNOWN
"""

LONG_LICENSE = (
    b"Metadata-Version: 2.1\r\nName: certifi\r\nVersion: 2024.2.2\r\n"
    b"License: This Source Code Form is subject to the terms of the Mozilla Public\r\n"
    b"        License, v. 2.0. If a copy of the MPL was not distributed with this\r\n"
    b"        file, You can obtain one at http://mozilla.org/MPL/2.0/.\r\n"
    b"Classifier: License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)\r\n"
    b"\r\n"
    b"Body in Latin-1: caf\xe9\r\n"
)

UNKNOWN_LICENSE = b"Metadata-Version: 1.0\nName: six\nVersion: 1.16.0\nLicense: UNKNOWN\n"


def pypi(name: str, version: str, purl: str, path: str, *licenses: str) -> Package:
    return Package("pypi", name, version, purl, path, LAYER, licenses)


def test_metadata_files_anywhere() -> None:
    files = {
        f"{SITE}/flask-3.0.0.dist-info/METADATA": FLASK,
        f"{SITE}/flask-3.0.0.dist-info/RECORD": b"flask/__init__.py,,\n",
        f"{SITE}/zope.interface-6.1.dist-info/METADATA": ZOPE,
        "opt/venv/lib/python3.11/site-packages/typing_extensions-4.12.2.dist-info/METADATA": (
            TYPING
        ),
        "usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info": OLD_EGG,
        f"{SITE}/certifi-2024.2.2.egg-info/PKG-INFO": LONG_LICENSE,
        f"{SITE}/six-1.16.0.egg-info/PKG-INFO": UNKNOWN_LICENSE,
        f"{SITE}/six-1.16.0.egg-info/top_level.txt": b"six\n",
    }
    result = run(PythonCataloger(), files)
    assert result.skipped == ()
    assert sorted(result.packages, key=lambda p: p.path) == [
        pypi(
            "typing_extensions",
            "4.12.2",
            "pkg:pypi/typing-extensions@4.12.2",
            "opt/venv/lib/python3.11/site-packages/typing_extensions-4.12.2.dist-info/METADATA",
            "PSF-2.0",
        ),
        pypi(
            "python-apt",
            "2.6.0",
            "pkg:pypi/python-apt@2.6.0",
            "usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info",
            "GNU GPL",
        ),
        pypi(
            "certifi",
            "2024.2.2",
            "pkg:pypi/certifi@2024.2.2",
            f"{SITE}/certifi-2024.2.2.egg-info/PKG-INFO",
            "Mozilla Public License 2.0 (MPL 2.0)",
        ),
        pypi(
            "Flask",
            "3.0.0",
            "pkg:pypi/flask@3.0.0",
            f"{SITE}/flask-3.0.0.dist-info/METADATA",
            "BSD License",
        ),
        pypi("six", "1.16.0", "pkg:pypi/six@1.16.0", f"{SITE}/six-1.16.0.egg-info/PKG-INFO"),
        pypi(
            "zope.interface",
            "6.1",
            "pkg:pypi/zope-interface@6.1",
            f"{SITE}/zope.interface-6.1.dist-info/METADATA",
            "ZPL 2.1",
            "Zope Public License",
        ),
    ]


def test_hostile_metadata_is_skipped_per_file() -> None:
    bad = f"{SITE}/bad.dist-info/METADATA"
    files = {
        f"{SITE}/noname.dist-info/METADATA": b"Metadata-Version: 2.1\nVersion: 1.0\n",
        f"{SITE}/nover.dist-info/METADATA": b"Metadata-Version: 2.1\nName: nover\n",
        bad: b"Metadata-Version: 2.1\nName: bad\nVersion: 1.0\nSummary: caf\xe9\n",
        f"{SITE}/huge.dist-info/METADATA": b"Name: huge\nVersion: 1\n" + b"x" * 1024 * 1024,
        f"{SITE}/badname.dist-info/METADATA": b"Name: -bad name-\nVersion: 1\n",
        f"{SITE}/badver.dist-info/METADATA": b"Name: badver\nVersion: 1 0\n",
        f"{SITE}/empty.dist-info/METADATA": b"",
        f"{SITE}/good.dist-info/METADATA": b"Name: good\nVersion: 1.0\n",
    }
    result = run(PythonCataloger(), files)
    assert [p.name for p in result.packages] == ["good"]
    assert sorted(result.skipped, key=lambda s: s.path) == [
        Skipped("python", bad, "headers are not UTF-8 (byte 0xe9 at offset 57)"),
        Skipped(
            "python",
            f"{SITE}/badname.dist-info/METADATA",
            ("Name '-bad name-' is not a valid distribution name"),
        ),
        Skipped("python", f"{SITE}/badver.dist-info/METADATA", "Version '1 0' is not valid"),
        Skipped("python", f"{SITE}/empty.dist-info/METADATA", "no Name header"),
        Skipped("python", f"{SITE}/huge.dist-info/METADATA", "over the size cap"),
        Skipped("python", f"{SITE}/noname.dist-info/METADATA", "no Name header"),
        Skipped("python", f"{SITE}/nover.dist-info/METADATA", "no Version header (Name: nover)"),
    ]


def test_binary_garbage_is_one_skip() -> None:
    path = f"{SITE}/x.dist-info/METADATA"
    result = run(PythonCataloger(), {path: bytes(range(256)) * 100})
    assert result.packages == ()
    [skipped] = result.skipped
    assert skipped.path == path and skipped.reason.startswith("headers are not UTF-8")


def test_pep_503_normalisation() -> None:
    assert normalize_name("Zope.Interface") == "zope-interface"
    assert normalize_name("typing__extensions") == "typing-extensions"
    assert normalize_name("A-_.-b") == "a-b"


def test_plan() -> None:
    cataloger = PythonCataloger()
    for path in (
        f"{SITE}/a-1.dist-info/METADATA",
        f"{SITE}/a-1.egg-info/PKG-INFO",
        "usr/lib/python3/dist-packages/a-1.egg-info",
    ):
        plan = cataloger.plan(path, 10, 0o644)
        assert plan is not None and plan.max_bytes == 1024 * 1024
    for path in (
        f"{SITE}/a-1.dist-info/RECORD",
        f"{SITE}/a-1.dist-info/METADATA.bak",
        f"{SITE}/a/PKG-INFO",
        f"{SITE}/a-1.egg-info/requires.txt",
    ):
        assert cataloger.plan(path, 10, 0o644) is None
