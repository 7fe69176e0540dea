"""Fixture root filesystems written by the tests, and the images built from them.

Two real-shaped root filesystems: a Debian 12 one with dpkg, Python, npm, Java and Go packages
(plus a setuid file, a planted private key and planted secrets in the image configuration), and
an Alpine one with an apk database. Each is built `FROM scratch` by the Docker Engine. A third
image, with layers that delete and make a directory opaque, is written as an OCI layout with the
builders of tests/evidence/oci.py (FROM scratch has no `rm`). Every package a test expects is
listed here, next to the files that declare it.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.catalog.layers import Entry, d, f

# --- planted secrets: none of these may ever reach the database ---------------------------------

PLANTED_ENV = "planted-s3cret-VALUE-1234"
PLANTED_LABEL = "planted-label-VALUE-5678"
PLANTED_ARG = "planted-arg-VALUE-9012"
PLANTED_CONTAINER_ENV = "planted-container-VALUE-3456"
PLANTED_COMMAND = "planted-command-VALUE-7777"  # a container's command line
PLANTED_KEY_BODY = "cGxhbnRlZC1wcml2YXRlLWtleS1WQUxVRS03ODkw"  # base64 of a marker, not a key
PLANTED = (
    PLANTED_ENV,
    PLANTED_LABEL,
    PLANTED_ARG,
    PLANTED_CONTAINER_ENV,
    PLANTED_COMMAND,
    PLANTED_KEY_BODY,
)

PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    f"{PLANTED_KEY_BODY}\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)

# --- Debian 12 ----------------------------------------------------------------------------------

DEBIAN_OS_RELEASE = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"""

# Shaped like a real bookworm status file: conffiles, multi-line descriptions, Source with and
# without a version, a binNMU, and a removed package whose config files are left.
DPKG_STATUS = """Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 341
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 12.4+deb12u5
Replaces: base, dpkg (<= 1.15.0), miscutils
Provides: base
Pre-Depends: awk
Breaks: initscripts (<< 2.88dsf-13.3), sendfile (<< 2.1b.20080616-5.2~)
Conffiles:
 /etc/debian_version 8a7d7d3c5a6c1c8b4e0d2e6e9a1b0c5e
 /etc/host.conf 4eb63731c9f5e30903ac4fc07a7fe3d6
 /etc/issue 43ebd1f8a7b7d2f5ae2b0b6e44b3ee6e
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy of a Debian system, and
 several important miscellaneous files, such as /etc/debian_version,
 /etc/host.conf, /etc/issue, /etc/motd, /etc/profile, and others,
 and the text of several common licenses in use on Debian systems.

Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12986
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u7
Replaces: libc6-amd64
Depends: libgcc-s1
Recommends: libidn2-0 (>= 2.0.5~)
Suggests: glibc-doc, debconf | debconf-2.0, libc-l10n, locales, libnss-nis, libnss-nisplus
Breaks: aide (<< 0.17.3-4+b3), busybox (<< 1.30.1-6), hurd (<< 1:0.9.git20220301-2)
Conffiles:
 /etc/ld.so.conf.d/x86_64-linux-gnu.conf d4e7a7b88a71b5ffd9e2644e71a0cfab
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system. This package includes shared versions of the standard C library
 and the standard math library, as well as many others.
Homepage: https://www.gnu.org/software/libc/libc.html

Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6352
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 3.0.15-1~deb12u1
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project's implementation of the SSL and
 TLS cryptographic protocols for secure communication over the Internet.
Homepage: https://www.openssl.org/

Package: zlib1g
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 168
Maintainer: Mark Brown <broonie@debian.org>
Architecture: amd64
Multi-Arch: same
Source: zlib (1:1.2.13.dfsg-1)
Version: 1:1.2.13.dfsg-1+b1
Provides: libz1
Depends: libc6 (>= 2.14)
Breaks: libxml2 (<< 2.7.6.dfsg-2), texlive-binaries (<< 2009-12)
Conflicts: zlib1 (<= 1:1.0.4-7)
Description: compression library - runtime
 zlib is a library implementing the deflate compression method found
 in gzip and PKZIP.  This package includes the shared library.
Homepage: http://zlib.net/

Package: tzdata
Status: install ok installed
Priority: required
Section: localization
Installed-Size: 3363
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: all
Multi-Arch: foreign
Version: 2024a-0+deb12u1
Replaces: libc0.1, libc0.3, libc6, libc6.1
Provides: tzdata-bookworm
Depends: debconf (>= 0.5) | debconf-2.0
Description: time zone and daylight-saving time data
 This package contains data required for the implementation of
 standard local time for many representative locations around the globe.
Homepage: https://www.iana.org/time-zones

Package: libgcc-s1
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 140
Maintainer: Debian GCC Maintainers <debian-gcc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: gcc-12 (12.2.0-14)
Version: 12.2.0-14
Replaces: libgcc1 (<< 1:10)
Provides: libgcc1 (= 1:12.2.0-14)
Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)
Description: GCC support library
 Shared version of the support library, a library of internal subroutines
 that GCC uses to overcome shortcomings of particular machines.
Homepage: http://gcc.gnu.org/

Package: exim4-config
Status: deinstall ok config-files
Priority: standard
Section: mail
Installed-Size: 457
Maintainer: Exim4 Maintainers <pkg-exim4-maintainers@lists.alioth.debian.org>
Architecture: all
Source: exim4
Version: 4.96-15+deb12u5
Conffiles:
 /etc/exim4/exim4.conf.template 1b8d0d9c6d9a9f1b6b3e2f2d8a2e5e4c
Description: configuration for the Exim MTA (v4)
 Exim (v4) is a mail transport agent. This package is removed.
"""

# (name, version, source name, source version) of each installed dpkg package.
DEB_SOURCES = {
    ("base-files", "12.4+deb12u5", "base-files", "12.4+deb12u5"),
    ("libc6", "2.36-9+deb12u7", "glibc", "2.36-9+deb12u7"),
    ("libssl3", "3.0.15-1~deb12u1", "openssl", "3.0.15-1~deb12u1"),
    ("zlib1g", "1:1.2.13.dfsg-1+b1", "zlib", "1:1.2.13.dfsg-1"),
    ("tzdata", "2024a-0+deb12u1", "tzdata", "2024a-0+deb12u1"),
    ("libgcc-s1", "12.2.0-14", "gcc-12", "12.2.0-14"),
}

REQUESTS_METADATA = """Metadata-Version: 2.1
Name: requests
Version: 2.31.0
Summary: Python HTTP for Humans.
Home-page: https://requests.readthedocs.io
Author: Kenneth Reitz
License: Apache 2.0
Classifier: License :: OSI Approved :: Apache Software License
Classifier: Programming Language :: Python :: 3
Requires-Python: >=3.7
Requires-Dist: charset-normalizer (<4,>=2)
Requires-Dist: idna (<4,>=2.5)

# Requests

**Requests** is a simple, yet elegant, HTTP library.
"""

FLASK_METADATA = """Metadata-Version: 2.1
Name: Flask
Version: 3.0.0
Summary: A simple framework for building complex web applications.
License-Expression: BSD-3-Clause
Requires-Python: >=3.8
Requires-Dist: Werkzeug>=3.0.0

Flask is a lightweight WSGI web application framework.
"""

SIX_PKG_INFO = """Metadata-Version: 1.2
Name: six
Version: 1.16.0
Summary: Python 2 and 3 compatibility utilities
Home-page: https://github.com/benjaminp/six
License: MIT
Platform: UNKNOWN
Classifier: License :: OSI Approved :: MIT License

Six is a Python 2 and 3 compatibility library.
"""


def _package_json(name: str, version: str, **extra: Any) -> str:
    import json

    return json.dumps({"name": name, "version": version, **extra}, indent=2) + "\n"


def jar(entries: dict[str, bytes]) -> bytes:
    """A real zip archive, as a jar is."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _pom(group: str, artifact: str, version: str) -> bytes:
    return (
        f"#Generated by Maven\n#Tue Jan 09 10:00:00 UTC 2024\n"
        f"artifactId={artifact}\ngroupId={group}\nversion={version}\n"
    ).encode()


def _manifest(**attributes: str) -> bytes:
    lines = ["Manifest-Version: 1.0", *(f"{k}: {v}" for k, v in attributes.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def payments_jar() -> bytes:
    """A Spring Boot style fat jar: its own pom.properties and a nested library jar."""
    jackson = jar(
        {
            "META-INF/MANIFEST.MF": _manifest(**{"Bundle-Version": "2.15.2"}),
            "META-INF/maven/com.fasterxml.jackson.core/jackson-core/pom.properties": _pom(
                "com.fasterxml.jackson.core", "jackson-core", "2.15.2"
            ),
            "com/fasterxml/jackson/core/JsonParser.class": b"\xca\xfe\xba\xbe" + bytes(60),
        }
    )
    return jar(
        {
            "META-INF/MANIFEST.MF": _manifest(**{"Main-Class": "com.example.Main"}),
            "META-INF/maven/com.example/payments-core/pom.properties": _pom(
                "com.example", "payments-core", "2.3.1"
            ),
            "BOOT-INF/lib/jackson-core-2.15.2.jar": jackson,
            "com/example/Main.class": b"\xca\xfe\xba\xbe" + bytes(60),
        }
    )


def commons_jar() -> bytes:
    return jar(
        {
            "META-INF/MANIFEST.MF": _manifest(
                **{"Implementation-Version": "3.12.0", "Bundle-License": "Apache-2.0"}
            ),
            "META-INF/maven/org.apache.commons/commons-lang3/pom.properties": _pom(
                "org.apache.commons", "commons-lang3", "3.12.0"
            ),
        }
    )


# --- the Go binary ------------------------------------------------------------------------------

GO_PSEUDO = "v0.0.0-20230102150405-abcdefabcdef"
GO_BINARY_PATH = "usr/local/bin/audittool"


@dataclass(frozen=True)
class GoBinary:
    data: bytes
    go_version: str  # `go env GOVERSION`: go1.19.8


def compile_go(root: Path) -> GoBinary:
    """A tiny module with a locally replaced dependency, built offline with private caches."""
    go = shutil.which("go")
    assert go is not None
    (root / "greet").mkdir(parents=True)
    (root / "greet" / "go.mod").write_text("module example.com/greet\n\ngo 1.18\n")
    (root / "greet" / "greet.go").write_text(
        'package greet\n\nfunc Hello() string { return "hello" }\n'
    )
    (root / "app").mkdir()
    (root / "app" / "go.mod").write_text(
        "module example.com/audittool\n\ngo 1.18\n\n"
        f"require example.com/greet {GO_PSEUDO}\n\nreplace example.com/greet => ../greet\n"
    )
    (root / "app" / "main.go").write_text(
        'package main\n\nimport "example.com/greet"\n\nfunc main() { println(greet.Hello()) }\n'
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(root),
        "GOCACHE": str(root / "cache"),
        "GOPATH": str(root / "gopath"),
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "GO111MODULE": "on",
        "CGO_ENABLED": "0",
        "GOOS": "linux",
        "GOARCH": "amd64",
    }
    out = root / "audittool"
    subprocess.run(
        [go, "build", "-buildvcs=false", "-trimpath", "-o", str(out), "."],
        cwd=root / "app",
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    version = subprocess.run(
        [go, "env", "GOVERSION"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    return GoBinary(out.read_bytes(), version)


# --- the trees ----------------------------------------------------------------------------------


def _write(root: Path, path: str, data: bytes | str, mode: int = 0o644) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data.encode() if isinstance(data, str) else data)
    os.chmod(target, mode)


def write_debian_rootfs(root: Path, go: GoBinary) -> None:
    """A Debian 12 application image's root filesystem."""
    _write(root, "usr/lib/os-release", DEBIAN_OS_RELEASE)
    (root / "etc").mkdir(parents=True)
    os.symlink("../usr/lib/os-release", root / "etc/os-release")  # as Debian ships it
    _write(root, "etc/debian_version", "12.7\n")
    _write(root, "var/lib/dpkg/status", DPKG_STATUS)
    _write(root, "var/lib/dpkg/status-old", DPKG_STATUS.replace("12.4+deb12u5", "12.4+deb12u4"))
    _write(
        root, "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA", REQUESTS_METADATA
    )
    _write(root, "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/RECORD", "")
    _write(root, "usr/lib/python3/dist-packages/requests/__init__.py", "__version__ = '2.31.0'\n")
    _write(
        root,
        "usr/local/lib/python3.11/site-packages/six-1.16.0-py3.11.egg-info/PKG-INFO",
        SIX_PKG_INFO,
    )
    _write(
        root, "opt/venv/lib/python3.11/site-packages/flask-3.0.0.dist-info/METADATA", FLASK_METADATA
    )
    # the application and its node_modules
    _write(root, "srv/app/package.json", _package_json("shop-api", "1.4.0", private=True))
    _write(root, "srv/app/server.js", "require('express')().listen(8080)\n")
    modules = "srv/app/node_modules"
    _write(
        root, f"{modules}/express/package.json", _package_json("express", "4.18.2", license="MIT")
    )
    _write(root, f"{modules}/express/index.js", "module.exports = require('./lib/express')\n")
    _write(
        root, f"{modules}/express/node_modules/debug/package.json", _package_json("debug", "2.6.9")
    )
    # a test fixture inside a package: a package.json that is not an installed package
    _write(
        root,
        f"{modules}/express/test/fixtures/package.json",
        _package_json("fixture-not-a-package", "9.9.9"),
    )
    _write(
        root,
        f"{modules}/@types/node/package.json",
        _package_json("@types/node", "20.11.0", license="MIT"),
    )
    _write(root, f"{modules}/.package-lock.json", '{"lockfileVersion": 3, "packages": {}}\n')
    # Java
    _write(root, "opt/payments/payments-core-2.3.1.jar", payments_jar())
    _write(root, "opt/payments/lib/commons-lang3-3.12.0.jar", commons_jar())
    # Go
    _write(root, GO_BINARY_PATH, go.data, 0o755)
    # a planted private key
    _write(root, "root/.ssh/id_rsa", PRIVATE_KEY, 0o600)
    _write(root, "root/.ssh/id_rsa.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlanted test\n")


SETUID_PATH = "usr/bin/shop-helper"


def write_setuid_tar(context: Path) -> None:
    """A setuid helper (a script: no ELF, so no cataloger reads it), as a tar that the Dockerfile
    ADDs: COPY from the build context drops setuid bits, ADD of a local tar keeps them."""
    data = b"#!/bin/sh\nexit 0\n"
    with tarfile.open(context / "setuid.tar", "w") as archive:
        info = tarfile.TarInfo(SETUID_PATH)
        info.size, info.mode = len(data), 0o4755
        archive.addfile(info, io.BytesIO(data))


def debian_packages(go_version: str) -> set[tuple[str, str, str]]:
    """(ecosystem, name, version) of every package the Debian image holds."""
    stdlib = "v" + go_version.removeprefix("go")
    return {
        *(("deb", name, version) for name, version, _, _ in DEB_SOURCES),
        ("pypi", "requests", "2.31.0"),
        ("pypi", "Flask", "3.0.0"),
        ("pypi", "six", "1.16.0"),
        ("npm", "shop-api", "1.4.0"),  # the application's own manifest, beside node_modules
        ("npm", "express", "4.18.2"),
        ("npm", "debug", "2.6.9"),
        ("npm", "@types/node", "20.11.0"),
        ("maven", "com.example:payments-core", "2.3.1"),
        ("maven", "com.fasterxml.jackson.core:jackson-core", "2.15.2"),
        ("maven", "org.apache.commons:commons-lang3", "3.12.0"),
        ("golang", "stdlib", stdlib),
        ("golang", "example.com/audittool", "(devel)"),
        ("golang", "example.com/greet", GO_PSEUDO),
    }


DEBIAN_DOCKERFILE = """FROM scratch
ARG API_TOKEN_ARG=unset
COPY rootfs/ /
ADD setuid.tar /
ENV DB_PASSWORD=PLANTED_ENV LOG_LEVEL=info
LABEL org.opencontainers.image.title="shop-api" com.example.api-token="PLANTED_LABEL" \\
      com.example.build-token="$API_TOKEN_ARG"
USER 10001
ENTRYPOINT ["/usr/local/bin/audittool"]
""".replace("PLANTED_ENV", PLANTED_ENV).replace("PLANTED_LABEL", PLANTED_LABEL)

# --- Alpine ------------------------------------------------------------------------------------

ALPINE_OS_RELEASE = """NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
"""

APK_INSTALLED = """C:Q1Ub3x4PZLa0xYtHHVcC3bI5gvd+w=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:407519
I:667648
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1705405424
c:6e5d8e3e5e0c3b1e2e2f5f0d0f9b1b0d3e1c9b2a
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1bQlZQzq1h+WjsMzMj6yTtOL3b84=
R:libc.musl-x86_64.so.1

C:Q1Ub4LbZKwa4k1L7ZgXh5aHmJWKBk=
P:busybox
V:1.36.1-r15
A:x86_64
S:509297
I:925696
T:Size optimized toolbox of many common UNIX utilities
U:https://busybox.net/
L:GPL-2.0-only
o:busybox
m:Sören Tempel <soeren+alpine@soeren-tempel.net>
t:1705405424
D:so:libc.musl-x86_64.so.1
F:bin
R:busybox
a:0:0:755
Z:Q1+Z4LmcRy8X9k3p0B2Lw2kJpMoW8=

C:Q1qKcZ+j23xssAXmgQhkOO8dHnbWw=
P:ca-certificates-bundle
V:20240226-r0
A:x86_64
S:126811
I:229376
T:Pre generated bundle of Mozilla certificates
U:https://www.mozilla.org/en-US/about/governance/policies/security-group/certs/
L:MPL-2.0 AND MIT
o:ca-certificates
m:Natanael Copa <ncopa@alpinelinux.org>
t:1709039339
F:etc
F:etc/ssl
F:etc/ssl/certs
R:ca-certificates.crt
Z:Q1aK8wB5mxnAzcQJ6/VFCe1Bl7gRo=

C:Q1TZeRAxsxmr1nXh0kzIn3AB3bPwQ=
P:alpine-baselayout-data
V:3.4.3-r2
A:x86_64
S:11291
I:77824
T:Alpine base dir structure and init scripts
U:https://git.alpinelinux.org/cgit/aports/tree/main/alpine-baselayout
L:GPL-2.0-only
o:alpine-baselayout
m:Natanael Copa <ncopa@alpinelinux.org>
t:1704378416
F:etc
R:fstab
Z:Q11Q6UQE3Smd/A9kHXXC6bPNzXdD4=
"""

# (name, version, origin) of each apk package.
APK_SOURCES = {
    ("musl", "1.2.4_git20230717-r4", "musl"),
    ("busybox", "1.36.1-r15", "busybox"),
    ("ca-certificates-bundle", "20240226-r0", "ca-certificates"),
    ("alpine-baselayout-data", "3.4.3-r2", "alpine-baselayout"),
}
ALPINE_PACKAGES = {("apk", name, version) for name, version, _ in APK_SOURCES}


def write_alpine_rootfs(root: Path) -> None:
    _write(root, "etc/os-release", ALPINE_OS_RELEASE)
    _write(root, "etc/alpine-release", "3.19.1\n")
    _write(root, "lib/apk/db/installed", APK_INSTALLED)
    _write(root, "etc/apk/world", "busybox\nca-certificates-bundle\n")


ALPINE_DOCKERFILE = """FROM scratch
COPY rootfs/ /
LABEL org.opencontainers.image.title="edge-proxy"
"""


# --- the image with whiteouts, as OCI layers ------------------------------------------------------


def whiteout_layers() -> list[list[Entry]]:
    """Three layers: the second deletes a Python distribution and a jar (whiteouts), replaces the
    apk database, and makes node_modules opaque while putting a package back into it; the third
    adds a package that the second deleted, in a folder the second created."""
    first = [
        d("etc"),
        f("etc/os-release", ALPINE_OS_RELEASE),
        d("lib/apk/db"),
        f("lib/apk/db/installed", APK_INSTALLED),
        f(
            "usr/lib/python3.11/site-packages/oldlib-1.0.dist-info/METADATA",
            _metadata("oldlib", "1.0"),
        ),
        f(
            "usr/lib/python3.11/site-packages/keeplib-2.0.dist-info/METADATA",
            _metadata("keeplib", "2.0"),
        ),
        f("srv/app/package.json", _package_json("edge", "0.1.0")),
        f("srv/app/node_modules/left-pad/package.json", _package_json("left-pad", "1.3.0")),
        f("srv/app/node_modules/@scope/gone/package.json", _package_json("@scope/gone", "1.0.0")),
        f("opt/lib/commons-lang3-3.12.0.jar", commons_jar()),
    ]
    second = [
        f("usr/lib/python3.11/site-packages/.wh.oldlib-1.0.dist-info"),
        f("opt/lib/.wh.commons-lang3-3.12.0.jar"),
        # the marker comes after what the layer puts back: order inside a layer does not matter
        f("srv/app/node_modules/right-pad/package.json", _package_json("right-pad", "1.0.1")),
        f("srv/app/node_modules/.wh..wh..opq"),
        f("lib/apk/db/installed", APK_INSTALLED.split("\n\n")[0] + "\n"),  # only musl is left
    ]
    third = [
        f(
            "usr/lib/python3.11/site-packages/oldlib-1.1.dist-info/METADATA",
            _metadata("oldlib", "1.1"),
        ),
    ]
    return [first, second, third]


WHITEOUT_PACKAGES = {
    ("apk", "musl", "1.2.4_git20230717-r4"),
    ("pypi", "keeplib", "2.0"),
    ("pypi", "oldlib", "1.1"),
    ("npm", "edge", "0.1.0"),
    ("npm", "right-pad", "1.0.1"),
}


def _metadata(name: str, version: str) -> str:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"


# --- building images ----------------------------------------------------------------------------


def build_image(client: Any, context: Path, dockerfile: str, tag: str, **buildargs: str) -> Any:
    """`docker build` of `context` (with its `rootfs/`) by the engine; the image object."""
    (context / "Dockerfile").write_text(dockerfile)
    image, _ = client.images.build(
        path=str(context), tag=tag, rm=True, forcerm=True, buildargs=buildargs or None
    )
    return image
