"""The catalogers auditapp runs on every image, in one place."""

from __future__ import annotations

from auditapp.catalog.apk import ApkCataloger
from auditapp.catalog.dpkg import DpkgCataloger
from auditapp.catalog.embedded_sbom import EmbeddedSbomCataloger
from auditapp.catalog.golang import GoBinaryCataloger
from auditapp.catalog.interface import Cataloger
from auditapp.catalog.java import JavaArchiveCataloger
from auditapp.catalog.npm import NpmCataloger
from auditapp.catalog.os_release import OsReleaseCataloger
from auditapp.catalog.python import PythonCataloger
from auditapp.catalog.rpm import RpmCataloger
from auditapp.catalog.secrets import SecretFileScanner


def os_detector() -> Cataloger:
    return OsReleaseCataloger()


def default_catalogers() -> list[Cataloger]:
    # The image walk gives each file to the first cataloger that plans it: the narrow
    # credential-file names come before the Go cataloger, which plans every executable.
    return [
        SecretFileScanner(),
        DpkgCataloger(),
        ApkCataloger(),
        RpmCataloger(),
        PythonCataloger(),
        EmbeddedSbomCataloger(),
        NpmCataloger(),
        JavaArchiveCataloger(),
        GoBinaryCataloger(),
    ]
